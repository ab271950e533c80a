# Seed 003, slide "The Forward Pass + Autograd".
# Adaptations: SimpleMLP from the earlier slide, manual_seed; gradients are checked against a
# manual computation ([seed-test] lines).
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


model = SimpleMLP()
x = torch.randn(5, 4)         # mini-batch of 5 samples
out = model(x)                # forward pass
loss = out.sum()              # dummy loss

loss.backward()               # computes dLoss/dParam

for name, p in model.named_parameters():  # [seed-test]
    print(name, p.grad.shape, p.grad.dtype)  # [seed-test]
h = torch.relu(model.fc1(x)).detach()  # [seed-test]
print("fc2.bias.grad == batch size:", model.fc2.bias.grad.item() == 5.0)  # [seed-test]
print("fc2.weight.grad == sum of hidden:", torch.allclose(model.fc2.weight.grad, h.sum(0, keepdim=True)))  # [seed-test]
