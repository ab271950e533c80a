# Seed 001, slide 9: Implementing Gradient Clipping.
# Adaptations: `model`, `train_loader`, `criterion`, `device` (from earlier slides, undefined
# here) are slide 2's FeedForwardNet, 200 local samples in batches of 8, CrossEntropyLoss and the
# CPU; printed losses/norms depend on the random initialisation (masked); the clipped norm is
# checked ([seed-test] lines).
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
rng = np.random.default_rng(1)  # [seed-test]
X = torch.tensor(rng.standard_normal((200, 784)) * 3, dtype=torch.float32)  # [seed-test]
Y = torch.tensor(rng.integers(0, 10, 200))  # [seed-test]
train_loader = DataLoader(TensorDataset(X, Y), batch_size=8, shuffle=True)  # [seed-test]
criterion = nn.CrossEntropyLoss()  # [seed-test]
device = torch.device("cpu")  # [seed-test]
clipped_norms = []  # [seed-test]

def train_with_gradient_clipping(model, train_loader, criterion, optimizer, 
                               max_grad_norm, device, epochs):
    model.train()
    for epoch in range(epochs):
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = data.to(device), target.to(device)
            
            optimizer.zero_grad()
            output = model(data)
            loss = criterion(output, target)
            loss.backward()
            
            # Compute total gradient norm
            total_norm = torch.norm(
                torch.stack([torch.norm(p.grad.detach(), 2) 
                           for p in model.parameters() if p.grad is not None]),
                2
            )
            
            # Clip gradients
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
            clipped_norms.append((total_norm.item(), torch.norm(torch.stack([p.grad.norm() for p in model.parameters()])).item()))  # [seed-test]
            
            optimizer.step()
            
            if batch_idx % 100 == 0:
                print(f'Epoch: {epoch}, Batch: {batch_idx}, '
                      f'Loss: {loss.item():.4f}, '
                      f'Gradient norm: {total_norm:.4f}')

# Example usage
max_grad_norm = 1.0
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
train_with_gradient_clipping(model, train_loader, criterion, optimizer,
                           max_grad_norm, device, epochs=1)
print("steps:", len(clipped_norms))  # [seed-test]
print("norms after clipping <= max:", all(after <= max_grad_norm * (1 + 1e-4) for _, after in clipped_norms))  # [seed-test]
print("clipped exactly when above max:", all(abs(after - min(before, max_grad_norm)) < 1e-3 * max(1, before) for before, after in clipped_norms))  # [seed-test]
