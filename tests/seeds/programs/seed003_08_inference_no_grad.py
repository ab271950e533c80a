# Seed 003, slide "Inference in PyTorch: Use torch.no_grad()".
# Adaptations: imports, `model` is the earlier slide's nn.Sequential, manual_seed; prints
# ([seed-test] lines).
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]

torch.manual_seed(0)  # [seed-test]
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))  # [seed-test]

model.eval()  # important: set to inference mode

with torch.no_grad():
    x = torch.randn(1, 4)
    out = model(x)

print(model.training, out.shape, out.requires_grad, out.grad_fn)  # [seed-test]
print(torch.is_grad_enabled())  # [seed-test]
