# Seed 002, code block 4: Indexing and Slicing in Detail.
# Adaptations: `import torch` (the seed's block continues the first block of the page).
import torch  # [seed-test]

x = torch.arange(12).reshape(3, 4)
print(f"Original tensor:\n{x}")
# Output:
# Original tensor:
# tensor([[ 0,  1,  2,  3],
#         [ 4,  5,  6,  7],
#         [ 8,  9, 10, 11]])

# Single element
element = x[1, 2]  # Value at row 1, column 2
print(f"Element at row 1, col 2: {element}")
# Output: Element at row 1, col 2: tensor(6)

# Entire row
row = x[1]         # Second row
print(f"Second row: {row}")
# Output: Second row: tensor([4, 5, 6, 7])

# Entire column
col = x[:, 2]      # Third column
print(f"Third column: {col}")
# Output: Third column: tensor([ 2,  6, 10])

# Slicing
slice1 = x[0:2, 1:3]  # First two rows, second and third columns
print(f"Slice [0:2, 1:3]:\n{slice1}")
# Output:
# Slice [0:2, 1:3]:
# tensor([[1, 2],
#         [5, 6]])

# Negative indexing (counting from the end)
last_row = x[-1]
print(f"Last row: {last_row}")
# Output: Last row: tensor([ 8,  9, 10, 11])

last_col = x[:, -1]
print(f"Last column: {last_col}")
# Output: Last column: tensor([ 3,  7, 11])

# Stepped slicing
step_slice = x[::2, ::2]  # Every other row and column
print(f"Every other row and column:\n{step_slice}")
# Output:
# Every other row and column:
# tensor([[ 0,  2],
#         [ 8, 10]])

# Advanced indexing
indices = torch.tensor([0, 2])
selected = x[indices]  # Select specific rows
print(f"Selected rows 0 and 2:\n{selected}")
# Output:
# Selected rows 0 and 2:
# tensor([[ 0,  1,  2,  3],
#         [ 8,  9, 10, 11]])

# Boolean masking
mask = x > 5
print(f"Boolean mask (x > 5):\n{mask}")
# Output:
# Boolean mask (x > 5):
# tensor([[False, False, False, False],
#         [False, False,  True,  True],
#         [ True,  True,  True,  True]])

filtered = x[mask]  # All elements > 5
print(f"Elements where x > 5: {filtered}")
# Output: Elements where x > 5: tensor([ 6,  7,  8,  9, 10, 11])

# Combined advanced indexing
row_indices = torch.tensor([0, 2])
col_indices = torch.tensor([1, 3])
elements = x[row_indices[:, None], col_indices]
print(f"Selected elements using advanced indexing:\n{elements}")
# Output:
# Selected elements using advanced indexing:
# tensor([[ 1,  3],
#         [ 9, 11]])

# Setting values using indexing
x_copy = x.clone()
x_copy[0, 0] = 99
print(f"After setting x[0,0] = 99:\n{x_copy}")
# Output:
# After setting x[0,0] = 99:
# tensor([[99,  1,  2,  3],
#         [ 4,  5,  6,  7],
#         [ 8,  9, 10, 11]])

# Setting values with slicing
x_copy[1:3, 2:4] = 50
print(f"After setting x[1:3, 2:4] = 50:\n{x_copy}")
# Output:
# After setting x[1:3, 2:4] = 50:
# tensor([[99,  1,  2,  3],
#         [ 4,  5, 50, 50],
#         [ 8,  9, 50, 50]])

# Setting with broadcasting (assigning a single value to many elements)
x_copy[x_copy > 10] = 0
print(f"After setting values > 10 to 0:\n{x_copy}")
# Output:
# After setting values > 10 to 0:
# tensor([[ 0,  1,  2,  3],
#         [ 4,  5,  0,  0],
#         [ 8,  9,  0,  0]])
