# Seed 000, slide 3: Autograd. Unchanged.
import torch

# Create a tensor with requires_grad=True
x = torch.tensor(2.0, requires_grad=True)

# Perform operations
y = x ** 2
z = 2 * y + 3

# Compute gradients
z.backward()
print(x.grad)  # Output: tensor(8.)
