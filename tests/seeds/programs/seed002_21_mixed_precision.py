# Seed 002, code block 21: Use mixed precision training.
# Adaptations: `model`, `train_loader`, `optimizer`, `criterion`, `device` (undefined here) are a
# small MLP, 64 local samples in batches of 16, Adam, CrossEntropyLoss and the CPU. Without a
# GPU, torch disables autocast and GradScaler (with warnings) and the loop trains in float32.
import numpy as np  # [seed-test]
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]
from torch.utils.data import DataLoader, TensorDataset  # [seed-test]

torch.manual_seed(0)  # [seed-test]
device = torch.device("cpu")  # [seed-test]
model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 4)).to(device)  # [seed-test]
rng = np.random.default_rng(0)  # [seed-test]
train_loader = DataLoader(TensorDataset(torch.tensor(rng.standard_normal((64, 20)), dtype=torch.float32),
                                        torch.tensor(rng.integers(0, 4, 64))), batch_size=16)  # [seed-test]
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)  # [seed-test]
criterion = nn.CrossEntropyLoss()  # [seed-test]
losses = []  # [seed-test]

# Use mixed precision training
from torch.cuda.amp import autocast, GradScaler

scaler = GradScaler()

for data, target in train_loader:
    data, target = data.to(device), target.to(device)
    optimizer.zero_grad()

    # Run forward pass with autocasting
    with autocast():
        output = model(data)
        loss = criterion(output, target)

    # Scale gradients and call backward()
    scaler.scale(loss).backward()

    # Unscale gradients and call optimizer.step()
    scaler.step(optimizer)

    # Update the scale for next iteration
    scaler.update()
    losses.append(loss.item())  # [seed-test]

print("steps:", len(losses), "dtype:", output.dtype, "scaler enabled:", scaler.is_enabled())  # [seed-test]
print("losses:", [round(v, 4) for v in losses])  # [seed-test]
