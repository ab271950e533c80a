# Seed 003, slide "Recap". Unchanged but for `import torch`.
import torch  # [seed-test]

x = torch.tensor([1.0], requires_grad=True)
y = x * 2
y.backward()
print(x.grad)  # tensor([2.])
