# Seed 000, slide 5: Convolutional Neural Networks.
# Adaptations: the seed only defines the class; the program instantiates it (seeded) and runs it
# on a small random batch of 32x32 RGB images (the size fc1 implies) ([seed-test] lines).
import torch  # [seed-test]
import torch.nn as nn
import torch.nn.functional as F

class CNN(nn.Module):
    def __init__(self):
        super(CNN, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)  # 3 input channels, 6 output channels, 5x5 kernel
        self.pool = nn.MaxPool2d(2, 2)  # 2x2 max pooling
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # Flatten and feed into fully connected layer
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)  # 10 output classes

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)  # Flatten
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

torch.manual_seed(0)  # [seed-test]
model = CNN()  # [seed-test]
print(model)  # [seed-test]
print("parameters:", sum(p.numel() for p in model.parameters()))  # [seed-test]
images = torch.randn(4, 3, 32, 32)  # [seed-test]
logits = model(images)  # [seed-test]
print("logits:", logits.shape, logits.dtype, logits.grad_fn.name())  # [seed-test]
print(f"logits[0] sum: {logits[0].sum().item():.4f}")  # [seed-test]
logits.sum().backward()  # [seed-test]
print("grad shapes:", [tuple(p.grad.shape) for p in model.parameters()])  # [seed-test]
