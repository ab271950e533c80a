# Seed 002, code block 3: Mathematical Operations with Examples.
# Adaptations: `import torch` (the seed's block continues the first block of the page).
import torch  # [seed-test]

# Create example tensors
a = torch.tensor([1, 2, 3], dtype=torch.float32)
b = torch.tensor([4, 5, 6], dtype=torch.float32)

print(f"a: {a}")
print(f"b: {b}")
# Output:
# a: tensor([1., 2., 3.])
# b: tensor([4., 5., 6.])

# Addition
c = a + b           # Element-wise addition
print(f"a + b: {c}")
# Output: a + b: tensor([5., 7., 9.])

c = torch.add(a, b) # Function form
print(f"torch.add(a, b): {c}")
# Output: torch.add(a, b): tensor([5., 7., 9.])

# In-place operations (modifying the original tensor)
a_copy = a.clone()  # Make a copy to demonstrate in-place operation
a_copy.add_(b)      # Note the underscore suffix indicating in-place
print(f"After a.add_(b): {a_copy}")
# Output: After a.add_(b): tensor([5., 7., 9.])

# Subtraction
d = a - b
print(f"a - b: {d}")
# Output: a - b: tensor([-3., -3., -3.])

d = torch.sub(a, b)
print(f"torch.sub(a, b): {d}")
# Output: torch.sub(a, b): tensor([-3., -3., -3.])

# Multiplication (element-wise)
e = a * b           # Element-wise (Hadamard product)
print(f"a * b: {e}")
# Output: a * b: tensor([ 4., 10., 18.])

e = torch.mul(a, b)
print(f"torch.mul(a, b): {e}")
# Output: torch.mul(a, b): tensor([ 4., 10., 18.])

# Division
f = a / b
print(f"a / b: {f}")
# Output: a / b: tensor([0.2500, 0.4000, 0.5000])

f = torch.div(a, b)
print(f"torch.div(a, b): {f}")
# Output: torch.div(a, b): tensor([0.2500, 0.4000, 0.5000])

# Matrix multiplication
m1 = torch.tensor([[1, 2], [3, 4]], dtype=torch.float32)
m2 = torch.tensor([[5, 6], [7, 8]], dtype=torch.float32)

print(f"m1:\n{m1}")
print(f"m2:\n{m2}")
# Output:
# m1:
# tensor([[1., 2.],
#         [3., 4.]])
# m2:
# tensor([[5., 6.],
#         [7., 8.]])

m_result = torch.matmul(m1, m2)
print(f"torch.matmul(m1, m2):\n{m_result}")
# Output:
# torch.matmul(m1, m2):
# tensor([[19., 22.],
#         [43., 50.]])

# Using @ operator for matrix multiplication
m_result = m1 @ m2
print(f"m1 @ m2:\n{m_result}")
# Output:
# m1 @ m2:
# tensor([[19., 22.],
#         [43., 50.]])

# Other mathematical operations
sqrt = torch.sqrt(a)       # Square root
print(f"torch.sqrt(a): {sqrt}")
# Output: torch.sqrt(a): tensor([1.0000, 1.4142, 1.7321])

pow = torch.pow(a, 2)      # Power (a^2)
print(f"a^2: {pow}")
# Output: a^2: tensor([1., 4., 9.])

exp = torch.exp(a)         # Exponential (e^a)
print(f"e^a: {exp}")
# Output: e^a: tensor([ 2.7183,  7.3891, 20.0855])

log = torch.log(a)         # Natural logarithm
print(f"ln(a): {log}")
# Output: ln(a): tensor([0.0000, 0.6931, 1.0986])

# Trigonometric functions
angles = torch.tensor([0, torch.pi/4, torch.pi/2])
print(f"Angles in radians: {angles}")

sin_values = torch.sin(angles)
print(f"sin(angles): {sin_values}")
# Output: sin(angles): tensor([0.0000, 0.7071, 1.0000])

cos_values = torch.cos(angles)
print(f"cos(angles): {cos_values}")
# Output: cos(angles): tensor([1.0000, 0.7071, 0.0000])

# Reduction operations
a_extended = torch.tensor([[1, 2, 3], [4, 5, 6]], dtype=torch.float32)
print(f"a_extended:\n{a_extended}")
# Output:
# a_extended:
# tensor([[1., 2., 3.],
#         [4., 5., 6.]])

# Sum across all elements
total = torch.sum(a_extended)
print(f"Sum of all elements: {total}")
# Output: Sum of all elements: tensor(21.)

# Sum across rows (dim=1)
row_sums = torch.sum(a_extended, dim=1)
print(f"Sum of each row: {row_sums}")
# Output: Sum of each row: tensor([ 6., 15.])

# Sum across columns (dim=0)
col_sums = torch.sum(a_extended, dim=0)
print(f"Sum of each column: {col_sums}")
# Output: Sum of each column: tensor([5., 7., 9.])

# Mean values
mean_val = torch.mean(a_extended)  # Mean of all elements
print(f"Mean of all elements: {mean_val}")
# Output: Mean of all elements: tensor(3.5000)

row_means = torch.mean(a_extended, dim=1)
print(f"Mean of each row: {row_means}")
# Output: Mean of each row: tensor([2., 5.])

# Max values
max_val, max_idx = torch.max(a_extended, dim=1)
print(f"Maximum values in each row: {max_val}")
print(f"Indices of maximum values: {max_idx}")
# Output:
# Maximum values in each row: tensor([3., 6.])
# Indices of maximum values: tensor([2, 2])

# Min value
min_val = torch.min(a_extended)
print(f"Minimum value in the tensor: {min_val}")
# Output: Minimum value in the tensor: tensor(1.)

# Standard deviation and variance
std_dev = torch.std(a_extended)
var = torch.var(a_extended)
print(f"Standard deviation: {std_dev}")
print(f"Variance: {var}")
# Output:
# Standard deviation: tensor(1.7078)
# Variance: tensor(2.9167)
