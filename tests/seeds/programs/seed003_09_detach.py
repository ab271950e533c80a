# Seed 003, slide "Exclude from Computational Graph: .detach()".
# Adaptations: imports, `model` and `x` from the earlier slides, manual_seed; prints
# ([seed-test] lines).
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]

torch.manual_seed(0)  # [seed-test]
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))  # [seed-test]
x = torch.randn(5, 4)  # [seed-test]

output = model(x).detach()

print(output.shape, output.requires_grad, output.grad_fn, output.is_leaf)  # [seed-test]
print("same values:", torch.equal(output, model(x)))  # [seed-test]
