# Seed 003, slide "A Layer is a Module Too: nn.Linear".
# Adaptations: imports, manual_seed; the layer's parameters are printed ([seed-test] lines).
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]

torch.manual_seed(0)  # [seed-test]

layer = nn.Linear(4, 8)

x = torch.randn(1, 4)  # batch size = 1, features = 4
out = layer(x)

print(out.shape)  # torch.Size([1, 8])
print(layer, layer.weight.shape, layer.bias.shape, layer.weight.requires_grad)  # [seed-test]
print(out.grad_fn.name())  # [seed-test]
