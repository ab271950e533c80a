# Seed 003, slide "torch.compile() — Ahead-of-Time (AOT) Mode".
# Adaptations: `model` and `input` are the earlier slides' nn.Sequential and a random batch;
# manual_seed; the compiled output is compared with eager ([seed-test] lines). Slow under real
# torch on CPU (Inductor compiles C++: about a minute here).
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]

torch.manual_seed(0)  # [seed-test]
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))  # [seed-test]
input = torch.randn(5, 4)  # [seed-test]

compiled_model = torch.compile(model)
out = compiled_model(input)

print(out.shape)  # [seed-test]
print("same as eager:", torch.allclose(out, model(input), atol=1e-6))  # [seed-test]
print(out.detach())  # [seed-test] (grad_fn differs: CompiledFunctionBackward in torch; ember runs eagerly)
