# Seed 000, slide 14: Pruning.
# Adaptations: `YourModel` (undefined in the seed) is a small CNN with a conv1; 'model.pth' is
# written first from a seeded random initialisation; sparsity is printed ([seed-test] lines).
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]
import torch.nn.utils.prune as prune


class YourModel(nn.Module):  # [seed-test]
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3)
        self.fc = nn.Linear(4 * 6 * 6, 10)

    def forward(self, x):
        return self.fc(torch.relu(self.conv1(x)).flatten(1))


torch.manual_seed(0)  # [seed-test]
torch.save(YourModel().state_dict(), 'model.pth')  # [seed-test]

# Load your trained model
model = YourModel()
model.load_state_dict(torch.load('model.pth'))

# Prune the model
prune.l1_unstructured(model.conv1, 'weight', 0.5)
print(sorted(name for name, _ in model.conv1.named_buffers()))  # [seed-test]
print(prune.is_pruned(model.conv1))  # [seed-test]
prune.remove(model.conv1, 'weight')

# Fine-tune the pruned model
# ...
w = model.conv1.weight  # [seed-test]
print(sorted(name for name, _ in model.conv1.named_parameters()), list(model.conv1.named_buffers()))  # [seed-test]
print("zeros:", int((w == 0).sum()), "of", w.numel())  # [seed-test]
print(model(torch.randn(2, 1, 8, 8)).shape)  # [seed-test]
print("weight sum:", round(float(w.sum()), 5), "mask of row 0:", (w[0] != 0).int().flatten().tolist())  # [seed-test]
