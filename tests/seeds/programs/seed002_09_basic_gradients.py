# Seed 002, code block 9: Basic Gradient Computation.
# Adaptations: `import torch` (the seed's block continues the first block of the page).
import torch  # [seed-test]

# Create a tensor with gradient tracking
x = torch.tensor([2.0], requires_grad=True)
print(f"x: {x}, requires_grad: {x.requires_grad}")
# Output: x: tensor([2.], requires_grad=True), requires_grad: True

# Perform operations on x
y = x**2 + 3*x + 1
print(f"y = x^2 + 3x + 1 = {y}")
# Output: y = x^2 + 3x + 1 = tensor([11.], grad_fn=<AddBackward0>)

# Compute gradient dy/dx at x=2
y.backward()

# Access the gradient (derivative)
print(f"dy/dx at x=2: {x.grad}")
# Output: dy/dx at x=2: tensor([7.])
# This matches the analytical derivative of 2x + 3 = 2(2) + 3 = 7

# More complex example with vector input
x = torch.tensor([2.0, 3.0], requires_grad=True)
y = x**2
z = y.sum()

# Compute gradient dz/dx at x=[2.0, 3.0]
z.backward()

print(f"dz/dx: {x.grad}")
# Output: dz/dx: tensor([4., 6.])
# This matches the analytical derivative of d(x^2)/dx = 2x at points x=2 and x=3
