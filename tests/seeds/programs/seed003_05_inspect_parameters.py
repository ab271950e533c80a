# Seed 003, slide "Inspecting Model Parameters".
# Adaptations: `model` is the earlier slide's SimpleMLP, manual_seed; the reloaded weights are
# checked ([seed-test] lines).
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]

torch.manual_seed(0)  # [seed-test]


class SimpleMLP(nn.Module):  # [seed-test] from the earlier slide
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 1)

    def forward(self, x):
        x = self.fc1(x)
        x = torch.relu(x)
        return self.fc2(x)


model = SimpleMLP()  # [seed-test]

# Get all parameters
for param in model.parameters():
    print(param.shape)

# Named parameters
for name, param in model.named_parameters():
    print(name, param.shape)

torch.save(model.state_dict(), "model.pt")
model.load_state_dict(torch.load("model.pt"))

saved = model.state_dict()  # [seed-test]
other = SimpleMLP()  # [seed-test]
print(other.load_state_dict(torch.load("model.pt")))  # [seed-test]
print("reloaded equal:", all(torch.equal(saved[k], other.state_dict()[k]) for k in saved))  # [seed-test]
print(list(saved.keys()), type(saved).__name__)  # [seed-test]
