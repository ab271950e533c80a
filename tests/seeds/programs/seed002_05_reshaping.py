# Seed 002, code block 5: Reshaping Tensors in Detail.
# Adaptations: `import torch` (the seed's block continues the first block of the page).
import torch  # [seed-test]

x = torch.arange(12)
print(f"Original 1D tensor: {x}")
# Output: Original 1D tensor: tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11])

# Reshape
x_reshaped = x.reshape(3, 4)  # 3 rows, 4 columns
print(f"Reshaped to 3x4:\n{x_reshaped}")
# Output:
# Reshaped to 3x4:
# tensor([[ 0,  1,  2,  3],
#         [ 4,  5,  6,  7],
#         [ 8,  9, 10, 11]])

# Using -1 to automatically infer dimension
x_reshaped = x.reshape(-1, 4)  # ? rows, 4 columns
print(f"Reshaped to ?x4 using -1:\n{x_reshaped}")
# Output: Same as above, PyTorch calculates 3 rows

x_reshaped = x.reshape(4, -1)  # 4 rows, ? columns
print(f"Reshaped to 4x? using -1:\n{x_reshaped}")
# Output:
# Reshaped to 4x? using -1:
# tensor([[ 0,  1,  2],
#         [ 3,  4,  5],
#         [ 6,  7,  8],
#         [ 9, 10, 11]])

# Flattening a tensor
flat = x_reshaped.flatten()
print(f"Flattened tensor: {flat}")
# Output: Flattened tensor: tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11])

# View (shares memory with original tensor)
original = torch.tensor([[1, 2], [3, 4]])
view = original.view(4)
print(f"Original:\n{original}")
print(f"View: {view}")
# Output:
# Original:
# tensor([[1, 2],
#         [3, 4]])
# View: tensor([1, 2, 3, 4])

# Change the view and see the original change
view[0] = 9
print(f"View after modification: {view}")
print(f"Original after view modification:\n{original}")
# Output:
# View after modification: tensor([9, 2, 3, 4])
# Original after view modification:
# tensor([[9, 2],
#         [3, 4]])

# Demonstrating the difference between view and reshape
# (reshape may return a copy if memory layout is not contiguous)
non_contiguous = torch.tensor([[1, 2], [3, 4]]).transpose(0, 1)  # Creates non-contiguous tensor
print(f"Non-contiguous tensor:\n{non_contiguous}")
# Output:
# Non-contiguous tensor:
# tensor([[1, 3],
#         [2, 4]])

print(f"Is memory contiguous? {non_contiguous.is_contiguous()}")
# Output: Is memory contiguous? False

# view() requires contiguous tensor
try:
    view2 = non_contiguous.view(4)
except RuntimeError as e:
    print(f"Error with view: {e}")
# Output: Error with view: view size is not compatible with input tensor's size and stride

# reshape() works with non-contiguous tensors (makes a copy if needed)
reshape2 = non_contiguous.reshape(4)
print(f"Reshaped non-contiguous tensor: {reshape2}")
# Output: Reshaped non-contiguous tensor: tensor([1, 3, 2, 4])

# Permuting dimensions
x_3d = torch.arange(24).reshape(2, 3, 4)  # 2 batches, 3 rows, 4 columns
print(f"3D tensor shape: {x_3d.shape}")
# Output: 3D tensor shape: torch.Size([2, 3, 4])

x_permuted = x_3d.permute(1, 0, 2)  # New order: rows, batches, columns
print(f"Permuted tensor shape: {x_permuted.shape}")
# Output: Permuted tensor shape: torch.Size([3, 2, 4])

print(f"Original first batch:\n{x_3d[0]}")
print(f"Permuted first 'batch' (now rows):\n{x_permuted[0]}")
# Output shows the reorganization of elements

# Transposing (special case of permute for 2D)
x_2d = torch.tensor([[1, 2, 3], [4, 5, 6]])
print(f"2D tensor:\n{x_2d}")
# Output:
# 2D tensor:
# tensor([[1, 2, 3],
#         [4, 5, 6]])

x_t = x_2d.t()  # Transpose rows and columns
print(f"Transposed tensor:\n{x_t}")
# Output:
# Transposed tensor:
# tensor([[1, 4],
#         [2, 5],
#         [3, 6]])

# Squeezing and unsqueezing (adding/removing dimensions of size 1)
x = torch.rand(1, 3, 1, 4)
print(f"Original tensor shape: {x.shape}")
# Output: Original tensor shape: torch.Size([1, 3, 1, 4])

x_squeezed = x.squeeze()  # Remove all dimensions of size 1
print(f"Squeezed tensor shape: {x_squeezed.shape}")
# Output: Squeezed tensor shape: torch.Size([3, 4])

x_sq_specific = x.squeeze(0)  # Remove only dimension 0
print(f"Tensor after squeezing dim 0: {x_sq_specific.shape}")
# Output: Tensor after squeezing dim 0: torch.Size([3, 1, 4])

# Adding dimensions
y = torch.rand(3, 4)
print(f"Original tensor shape: {y.shape}")
# Output: Original tensor shape: torch.Size([3, 4])

y_unsqueezed = y.unsqueeze(0)  # Add dimension at pos 0
print(f"Unsqueezed at dim 0: {y_unsqueezed.shape}")
# Output: Unsqueezed at dim 0: torch.Size([1, 3, 4])

y_unsqueezed = y.unsqueeze(-1)  # Add dimension at the end
print(f"Unsqueezed at last dim: {y_unsqueezed.shape}")
# Output: Unsqueezed at last dim: torch.Size([3, 4, 1])

# Illustrate with concrete example: Converting an image to batch format
# A single image is typically shape [height, width, channels]
image = torch.rand(28, 28, 3)  # A 28x28 RGB image
print(f"Image shape: {image.shape}")
# Output: Image shape: torch.Size([28, 28, 3])

# For neural networks, we need [batch_size, channels, height, width]
# First permute to get channels first
image = image.permute(2, 0, 1)  # Now [3, 28, 28]
print(f"Channels-first image shape: {image.shape}")
# Output: Channels-first image shape: torch.Size([3, 28, 28])

# Add batch dimension
batched_image = image.unsqueeze(0)  # Now [1, 3, 28, 28]
print(f"Batched image shape: {batched_image.shape}")
# Output: Batched image shape: torch.Size([1, 3, 28, 28])
