# Seed 001, slide 8: Custom Loss Function Implementation.
# Adaptations: imports, manual_seed; the loss depends on random inputs (masked); checks that do
# not ([seed-test] lines).
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]

torch.manual_seed(0)  # [seed-test]

class FocalLoss(nn.Module):
    def __init__(self, alpha=1, gamma=2, reduction='mean'):
        super(FocalLoss, self).__init__()
        self.alpha = alpha
        self.gamma = gamma
        self.reduction = reduction
        self.cross_entropy = nn.CrossEntropyLoss(reduction='none')
        
    def forward(self, inputs, targets):
        ce_loss = self.cross_entropy(inputs, targets)
        pt = torch.exp(-ce_loss)
        focal_loss = self.alpha * (1-pt)**self.gamma * ce_loss
        
        if self.reduction == 'mean':
            return focal_loss.mean()
        elif self.reduction == 'sum':
            return focal_loss.sum()
        else:
            return focal_loss

# Example usage
criterion = FocalLoss(gamma=2)
outputs = torch.randn(10, 5)  # 10 samples, 5 classes
targets = torch.randint(0, 5, (10,))  # Random labels between 0 and 4
loss = criterion(outputs, targets)
print(f"Focal Loss: {loss.item():.4f}")
print(targets.dtype, targets.shape, bool(((targets >= 0) & (targets < 5)).all()))  # [seed-test]
fixed = torch.tensor([[2.0, 0.5, -1.0, 0.0, 1.0], [0.1, 0.2, 0.3, 0.4, 0.5]])  # [seed-test]
fixed_targets = torch.tensor([0, 3])  # [seed-test]
for reduction in ['mean', 'sum', 'none']:  # [seed-test]
    print(reduction, FocalLoss(gamma=2, reduction=reduction)(fixed, fixed_targets))  # [seed-test]
print("focal <= ce:", bool(criterion(outputs, targets) <= nn.CrossEntropyLoss()(outputs, targets)))  # [seed-test]
