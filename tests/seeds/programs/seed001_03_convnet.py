# Seed 001, slide 3: Implementing a Convolutional Neural Network.
# Adaptations: imports (the seed's block continues slide 2's), manual_seed, print(cnn_model).
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]
import torch.nn.functional as F  # [seed-test]

torch.manual_seed(0)  # [seed-test]

class ConvNet(nn.Module):
    def __init__(self):
        super(ConvNet, self).__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(32 * 8 * 8, 512)
        self.fc2 = nn.Linear(512, 10)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 32 * 8 * 8)
        x = F.relu(self.fc1(x))
        x = self.dropout(x)
        x = self.fc2(x)
        return x

# Create model and test forward pass
cnn_model = ConvNet()
sample_image = torch.randn(1, 3, 32, 32)
output = cnn_model(sample_image)
print(f"CNN output shape: {output.shape}")
print(cnn_model)  # [seed-test]
cnn_model.eval()  # [seed-test]
print("eval is deterministic:", torch.equal(cnn_model(sample_image), cnn_model(sample_image)))  # [seed-test]
