# Seed 001, slide 5: Training Loop Implementation.
# Adaptations: `model` is slide 2's FeedForwardNet and `train_loader` (undefined in the seed) is
# 400 local samples of 784 features in batches of 4, so that a progress line is printed every
# 100 batches; 2 epochs instead of 5; losses depend on the random initialisation (masked); the
# loss over the data before and after training is compared ([seed-test] lines).
import numpy as np  # [seed-test]
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]
import torch.nn.functional as F  # [seed-test]
from torch.utils.data import DataLoader, TensorDataset  # [seed-test]

torch.manual_seed(0)  # [seed-test]


class FeedForwardNet(nn.Module):  # [seed-test] from slide 2
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


model = FeedForwardNet(input_size=784, hidden_size=256, output_size=10)  # [seed-test]
rng = np.random.default_rng(0)  # [seed-test]
X = torch.tensor(rng.standard_normal((400, 784)), dtype=torch.float32)  # [seed-test]
Y = torch.tensor(rng.integers(0, 10, 400))  # [seed-test]
train_loader = DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=True)  # [seed-test]

def train_model(model, train_loader, criterion, optimizer, device, epochs):
    model.train()
    for epoch in range(epochs):
        running_loss = 0.0
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = data.to(device), target.to(device)
            
            # Zero the parameter gradients
            optimizer.zero_grad()
            
            # Forward pass
            outputs = model(data)
            loss = criterion(outputs, target)
            
            # Backward pass and optimize
            loss.backward()
            optimizer.step()
            
            running_loss += loss.item()
            
            if batch_idx % 100 == 99:
                print(f'Epoch: {epoch + 1}, Batch: {batch_idx + 1}, '
                      f'Loss: {running_loss / 100:.3f}')
                running_loss = 0.0

# Example usage
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model.to(device)

with torch.no_grad():  # [seed-test]
    before = criterion(model(X), Y).item()  # [seed-test]
# Train for 5 epochs
train_model(model, train_loader, criterion, optimizer, device, epochs=2)
with torch.no_grad():  # [seed-test]
    after = criterion(model(X), Y).item()  # [seed-test]
print("training loss decreased:", after < before)  # [seed-test]
