# Seed 002, code block 22: Code Structure Best Practices.
# Adaptations: imports, manual_seed; the model is instantiated, printed and run; the initialised
# biases are checked ([seed-test] lines).
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]

torch.manual_seed(0)  # [seed-test]

# Define models in separate files
# Example model structure
class MyModel(nn.Module):
    def __init__(self):
        super(MyModel, self).__init__()
        self.layers = nn.Sequential(
            nn.Linear(784, 256),
            nn.ReLU(),
            nn.Linear(256, 10)
        )

        # Initialize weights
        self._init_weights()

    def _init_weights(self):
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_normal_(m.weight)
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        return self.layers(x)

model = MyModel()  # [seed-test]
print(model)  # [seed-test]
print([m.__class__.__name__ for m in model.modules()])  # [seed-test]
print("biases are 0:", all(bool((m.bias == 0).all()) for m in model.modules() if isinstance(m, nn.Linear)))  # [seed-test]
std = model.layers[0].weight.std().item()  # [seed-test]
print("xavier std close to", round((2 / (784 + 256)) ** 0.5, 4), ":", abs(std - (2 / (784 + 256)) ** 0.5) < 0.002)  # [seed-test]
print(model(torch.randn(3, 784)).shape)  # [seed-test]
