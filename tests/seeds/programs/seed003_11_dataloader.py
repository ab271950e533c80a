# Seed 003, slide "DataLoader: Batching, Shuffling, Parallel Loading".
# Adaptations: `my_dataset` and `process` (undefined in the seed) are 100 local samples and a
# function that prints each batch's shape; manual_seed ([seed-test] lines).
import torch  # [seed-test]
from torch.utils.data import DataLoader

torch.manual_seed(0)  # [seed-test]
my_dataset = torch.utils.data.TensorDataset(torch.arange(300.0).reshape(100, 3), torch.arange(100))  # [seed-test]
seen = []  # [seed-test]


def process(batch):  # [seed-test]
    features, labels = batch
    print(type(batch).__name__, features.shape, features.dtype, labels.shape, labels.dtype)
    seen.extend(labels.tolist())


loader = DataLoader(
    my_dataset,
    batch_size=32,
    shuffle=True,
)

for batch in loader:
    process(batch)

print("every sample once:", sorted(seen) == list(range(100)))  # [seed-test]
