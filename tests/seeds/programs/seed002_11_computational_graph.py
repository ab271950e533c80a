# Seed 002, code block 11: Understanding Computational Graph.
# Adaptations: `import torch` (the seed's block continues the first block of the page).
import torch  # [seed-test]

# Create leaf tensors (inputs)
a = torch.tensor([3.0], requires_grad=True)
b = torch.tensor([2.0], requires_grad=True)

# Build a computational graph
c = a + b
d = a * b
e = c * d

# View computational graph structure
print(f"e: {e}, grad_fn: {e.grad_fn}")
# Output: e: tensor([30.], grad_fn=<MulBackward0>)
print(f"d: {d}, grad_fn: {d.grad_fn}")
# Output: d: tensor([6.], grad_fn=<MulBackward0>)
print(f"c: {c}, grad_fn: {c.grad_fn}")
# Output: c: tensor([5.], grad_fn=<AddBackward0>)

# Compute gradients
e.backward()

# Check gradients
print(f"Gradient of e with respect to a: {a.grad}")
# Output: Gradient of e with respect to a: tensor([8.])
print(f"Gradient of e with respect to b: {b.grad}")
# Output: Gradient of e with respect to b: tensor([9.])

# Let's verify these gradients with the chain rule:
# e = c * d = (a + b) * (a * b)
# de/da = d/da[(a+b)*(a*b)] = b*(a+b) + a*b = b^2 + a*b = 2^2 + 3*2 = 4 + 6 = 10
# de/db = d/db[(a+b)*(a*b)] = a*(a+b) + a*b = a^2 + a*b = 3^2 + 3*2 = 9 + 6 = 15

# Wait, our computed gradients don't match! Let's investigate:
x = torch.tensor([3.0], requires_grad=True)
y = torch.tensor([2.0], requires_grad=True)
z = (x + y) * (x * y)
z.backward()
print(f"Gradient of z with respect to x: {x.grad}")
# Output: Gradient of z with respect to x: tensor([8.])
# x: 3.0, y: 2.0
# z = (3+2) * (3*2) = 5 * 6 = 30
# dz/dx = d/dx[(x+y)*(x*y)] = y*(x+y) + x*y = 2*(3+2) + 3*2 = 2*5 + 6 = 10 + 6 = 16/2 = 8
# dz/dy = d/dy[(x+y)*(x*y)] = x*(x+y) + x*y = 3*(3+2) + 3*2 = 3*5 + 6 = 15 + 6 = 21/2 = 10.5

# The issue is that PyTorch's backward() is computing gradients with respect to scalar outputs
# When called on a scalar, it computes the gradient of that scalar with respect to the inputs
