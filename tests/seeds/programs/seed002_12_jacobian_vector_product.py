# Seed 002, code block 12: Jacobian Vector Product.
# Adaptations: `import torch` (the seed's block continues the first block of the page).
import torch  # [seed-test]

# For vector outputs, PyTorch computes Jacobian-vector products
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = torch.tensor([2.0, 4.0, 6.0])

# Vector function: z = [x1^2, x2^2, x3^2]
z = x**2

# Compute Jacobian-vector product J^T * v
# where J is the Jacobian matrix dz/dx and v is the vector y
z.backward(y)

# Result is J^T * v
print(f"Result of Jacobian-vector product: {x.grad}")
# Output: Result of Jacobian-vector product: tensor([ 4., 16., 36.])

# Verify:
# J = [d(x1^2)/dx1, d(x1^2)/dx2, d(x1^2)/dx3]
#     [d(x2^2)/dx1, d(x2^2)/dx2, d(x2^2)/dx3]
#     [d(x3^2)/dx1, d(x3^2)/dx2, d(x3^2)/dx3]
# J = [2*x1, 0, 0]
#     [0, 2*x2, 0]
#     [0, 0, 2*x3]
# J = [2, 0, 0]
#     [0, 4, 0]
#     [0, 0, 6]
# J^T * v = [2, 0, 0] * [2]   + [0, 4, 0] * [4]   + [0, 0, 6] * [6]
#         = [4, 0, 0] + [0, 16, 0] + [0, 0, 36]
#         = [4, 16, 36]
