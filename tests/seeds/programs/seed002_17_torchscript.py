# Seed 002, code block 17: TorchScript.
# Adaptations: `model` (the MNIST ConvNet of block 13, undefined here) is defined and seeded;
# the loaded model's output is compared with the original's ([seed-test] lines).
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]
import torch.nn.functional as F  # [seed-test]

torch.manual_seed(0)  # [seed-test]


class ConvNet(nn.Module):  # [seed-test] block 13's model
    def __init__(self):
        super(ConvNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


model = ConvNet().eval()  # [seed-test]

# Convert model to TorchScript
scripted_model = torch.jit.script(model)

# Save the scripted model
scripted_model.save("model_scripted.pt")

# Load the model in C++ or Python
loaded_model = torch.jit.load("model_scripted.pt")

x = torch.randn(2, 1, 28, 28)  # [seed-test]
print(loaded_model(x).shape)  # [seed-test]
print("same output:", torch.allclose(loaded_model(x), model(x), atol=1e-6))  # [seed-test]
