# Seed 001, slide 2: Building Neural Networks with torch.nn.
# Adaptations: `import torch` (used, not imported in the seed's block), manual_seed.
import torch  # [seed-test]
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)  # [seed-test]

class FeedForwardNet(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(FeedForwardNet, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, hidden_size)
        self.fc3 = nn.Linear(hidden_size, output_size)
        
    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

# Create model instance
model = FeedForwardNet(input_size=784, hidden_size=256, output_size=10)
print(model)

# Example forward pass
sample_input = torch.randn(1, 784)
output = model(sample_input)
print(f"Output shape: {output.shape}")
