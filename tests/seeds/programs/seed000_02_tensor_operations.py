# Seed 000, slide 2: Tensor Operations. Unchanged.
import torch

# Create tensors
x = torch.tensor([1, 2, 3])
y = torch.tensor([4, 5, 6])

# Tensor addition
z = x + y
print(z)  # Output: tensor([5, 7, 9])

# Matrix multiplication
x = torch.tensor([[1, 2], [3, 4]])
y = torch.tensor([[1, 1], [1, 1]])
z = torch.matmul(x, y)
print(z)  # Output: tensor([[ 3,  3], [11, 11]])
