# Seed 002, code block 6: Concatenation and Stacking with Examples.
# Adaptations: `import torch` (the seed's block continues the first block of the page).
import torch  # [seed-test]

# Create example tensors
a = torch.tensor([[1, 2, 3], [4, 5, 6]])
b = torch.tensor([[7, 8, 9], [10, 11, 12]])

print(f"Tensor a:\n{a}")
print(f"Tensor b:\n{b}")
# Output:
# Tensor a:
# tensor([[1, 2, 3],
#         [4, 5, 6]])
# Tensor b:
# tensor([[ 7,  8,  9],
#         [10, 11, 12]])

# Concatenation - joins tensors along an existing dimension
# Concatenate along rows (dim=0)
c_rows = torch.cat([a, b], dim=0)
print(f"Concatenated along rows (dim=0):\n{c_rows}")
# Output:
# Concatenated along rows (dim=0):
# tensor([[ 1,  2,  3],
#         [ 4,  5,  6],
#         [ 7,  8,  9],
#         [10, 11, 12]])
print(f"Shape: {c_rows.shape}")
# Output: Shape: torch.Size([4, 3])

# Concatenate along columns (dim=1)
c_cols = torch.cat([a, b], dim=1)
print(f"Concatenated along columns (dim=1):\n{c_cols}")
# Output:
# Concatenated along columns (dim=1):
# tensor([[ 1,  2,  3,  7,  8,  9],
#         [ 4,  5,  6, 10, 11, 12]])
print(f"Shape: {c_cols.shape}")
# Output: Shape: torch.Size([2, 6])

# Stacking - adds a new dimension
# Stack vertically (creates a new first dimension)
s_vertical = torch.stack([a, b], dim=0)
print(f"Stacked vertically (dim=0):\n{s_vertical}")
# Output:
# Stacked vertically (dim=0):
# tensor([[[ 1,  2,  3],
#          [ 4,  5,  6]],
#
#         [[ 7,  8,  9],
#          [10, 11, 12]]])
print(f"Shape: {s_vertical.shape}")
# Output: Shape: torch.Size([2, 2, 3])

# Stack horizontally (creates a new dimension at position 1)
s_horizontal = torch.stack([a, b], dim=1)
print(f"Stacked horizontally (dim=1):\n{s_horizontal}")
# Output:
# Stacked horizontally (dim=1):
# tensor([[[ 1,  2,  3],
#          [ 7,  8,  9]],
#
#         [[ 4,  5,  6],
#          [10, 11, 12]]])
print(f"Shape: {s_horizontal.shape}")
# Output: Shape: torch.Size([2, 2, 3])

# Stack along the last dimension
s_depth = torch.stack([a, b], dim=2)
print(f"Stacked along depth (dim=2):\n{s_depth}")
# Output:
# Stacked along depth (dim=2):
# tensor([[[ 1,  7],
#          [ 2,  8],
#          [ 3,  9]],
#
#         [[ 4, 10],
#          [ 5, 11],
#          [ 6, 12]]])
print(f"Shape: {s_depth.shape}")
# Output: Shape: torch.Size([2, 3, 2])

# Real-world example: Combining multiple image batches
batch1 = torch.rand(4, 3, 28, 28)  # 4 RGB images of size 28x28
batch2 = torch.rand(6, 3, 28, 28)  # 6 RGB images of size 28x28

# Combine into one larger batch
combined_batch = torch.cat([batch1, batch2], dim=0)
print(f"Combined batch shape: {combined_batch.shape}")
# Output: Combined batch shape: torch.Size([10, 3, 28, 28])

# Other useful concatenation functions
# hstack - stack along the first dimension after the batch dimension
h_stacked = torch.hstack([a, b])
print(f"Horizontally stacked:\n{h_stacked}")
# Output: Same as concatenating along dim=1 for 2D tensors

# vstack - stack along the batch dimension
v_stacked = torch.vstack([a, b])
print(f"Vertically stacked:\n{v_stacked}")
# Output: Same as concatenating along dim=0 for 2D tensors

# dstack - stack along the third dimension
d_stacked = torch.dstack([a, b])
print(f"Depth stacked:\n{d_stacked}")
# Output: Similar to stacking along dim=2
