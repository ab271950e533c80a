# Seed 003, slide "Datasets: torch.utils.data.Dataset".
# Adaptations: the class is used on local data ([seed-test] lines).
import torch  # [seed-test]
from torch.utils.data import Dataset

class MyDataset(Dataset):
    def __init__(self, data):
        self.data = data

    def __getitem__(self, idx):
        return self.data[idx]

    def __len__(self):
        return len(self.data)

ds = MyDataset(torch.arange(20.0).reshape(10, 2))  # [seed-test]
print(len(ds), ds[0], ds[9], ds[-1])  # [seed-test]
print(isinstance(ds, torch.utils.data.Dataset))  # [seed-test]
