# Seed 003, slide "torch.nn.functional vs torch.nn".
# Adaptations: the two fragments (module attributes, functional calls) are placed in a module and
# a function so that they run; `weight` and `bias` are the layer's; the two results are compared
# ([seed-test] lines).
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]
import torch.nn.functional as F

torch.manual_seed(0)  # [seed-test]


class WithModules(nn.Module):  # [seed-test]
    def __init__(self):
        super().__init__()
        self.relu = nn.ReLU()
        self.linear = nn.Linear(10, 5)

    def forward(self, x):
        x = self.linear(x)
        x = self.relu(x)
        return x


def functional(x, weight, bias):  # [seed-test]
    x = F.linear(x, weight, bias)  # pass weights manually
    x = F.relu(x)
    return x


m = WithModules()  # [seed-test]
print(m)  # [seed-test]
print([name for name, _ in m.named_parameters()])  # [seed-test]
x = torch.randn(3, 10)  # [seed-test]
print("same result:", torch.equal(m(x), functional(x, m.linear.weight, m.linear.bias)))  # [seed-test]
print(functional(x, m.linear.weight, m.linear.bias).grad_fn.name())  # [seed-test]
