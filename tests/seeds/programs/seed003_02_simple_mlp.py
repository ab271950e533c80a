# Seed 003, slide "Define a Model: Subclass nn.Module" (both versions of the magic-move block).
# Adaptations: `import torch` (used by forward), manual_seed; both models are printed and run
# ([seed-test] lines).
import torch  # [seed-test]
import torch.nn as nn

torch.manual_seed(0)  # [seed-test]

class SimpleMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 1)

    def forward(self, x):
        x = self.fc1(x)
        x = torch.relu(x)
        return self.fc2(x)

# Simpler: use nn.Sequential
import torch.nn as nn

model = nn.Sequential(
    nn.Linear(4, 8),
    nn.ReLU(),
    nn.Linear(8, 1)
)

print(SimpleMLP())  # [seed-test]
print(model)  # [seed-test]
print(model(torch.randn(3, 4)).shape, SimpleMLP()(torch.randn(3, 4)).shape)  # [seed-test]
print([name for name, _ in model.named_parameters()])  # [seed-test]
