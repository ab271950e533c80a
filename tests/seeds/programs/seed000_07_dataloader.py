# Seed 000, slide 7: Data Loaders.
# Adaptations: `data` and `labels` (undefined in the seed) are 100 local samples; the loop body
# (`pass` in the seed) also counts batches and shapes ([seed-test] lines).
import torch
from torch.utils.data import Dataset, DataLoader
import numpy as np  # [seed-test]

torch.manual_seed(0)  # [seed-test]
rng = np.random.default_rng(0)  # [seed-test]
data = torch.tensor(rng.standard_normal((100, 8)), dtype=torch.float32)  # [seed-test]
labels = torch.tensor(rng.integers(0, 3, 100))  # [seed-test]

# Custom Dataset
class MyDataset(Dataset):
    def __init__(self, data, labels):
        self.data = data
        self.labels = labels

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        return self.data[idx], self.labels[idx]

# Create dataset and data loader
dataset = MyDataset(data, labels)
dataloader = DataLoader(dataset, batch_size=32, shuffle=True)

seen, total = [], 0  # [seed-test]
# Iterate over batches
for batch_data, batch_labels in dataloader:
    # Train or evaluate with batch_data and batch_labels
    seen.append((tuple(batch_data.shape), tuple(batch_labels.shape), batch_data.dtype, batch_labels.dtype))  # [seed-test]
    total += batch_labels.sum().item()  # [seed-test]
    pass

print(len(dataset), len(dataloader))  # [seed-test]
for s in seen:  # [seed-test]
    print(s)  # [seed-test]
print("label sum over one epoch:", total, "==", labels.sum().item())  # [seed-test]
