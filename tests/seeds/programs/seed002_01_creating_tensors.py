# Seed 002, code block 1: Creating Tensors.
# Adaptations: manual_seed; the two random tensors are compared with numbers masked.
import torch

torch.manual_seed(0)  # [seed-test]

# From Python list
x = torch.tensor([1, 2, 3, 4])
print(x)
# Output: tensor([1, 2, 3, 4])

# Zeros and ones
zeros = torch.zeros(3, 4)  # 3x4 tensor of zeros
print(zeros)
# Output: tensor([[0., 0., 0., 0.],
#                [0., 0., 0., 0.],
#                [0., 0., 0., 0.]])

ones = torch.ones(2, 3)    # 2x3 tensor of ones
print(ones)
# Output: tensor([[1., 1., 1.],
#                [1., 1., 1.]])

# Random tensors
random_tensor = torch.rand(3, 4)  # Random values from uniform distribution [0, 1)
print(random_tensor)
# Output: tensor([[0.1234, 0.5678, 0.2468, 0.8765],
#                [0.3579, 0.9876, 0.4321, 0.7654],
#                [0.2143, 0.6587, 0.9512, 0.3254]])
# Note: Your random values will be different

randn_tensor = torch.randn(3, 4)  # Random values from normal distribution (mean=0, var=1)
print(randn_tensor)
# Output: tensor([[ 0.1234, -0.5678,  1.2468, -0.8765],
#                [-0.3579,  0.9876, -0.4321,  0.7654],
#                [ 1.2143, -1.6587,  0.9512, -0.3254]])
# Note: Your random values will be different

# Creating tensors with specific data types
float_tensor = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float32)
int_tensor = torch.tensor([1, 2, 3], dtype=torch.int32)
bool_tensor = torch.tensor([True, False, True], dtype=torch.bool)

print(f"Float tensor: {float_tensor}, dtype: {float_tensor.dtype}")
# Output: Float tensor: tensor([1., 2., 3.]), dtype: torch.float32
print(f"Int tensor: {int_tensor}, dtype: {int_tensor.dtype}")
# Output: Int tensor: tensor([1, 2, 3], dtype=torch.int32), dtype: torch.int32
print(f"Bool tensor: {bool_tensor}, dtype: {bool_tensor.dtype}")
# Output: Bool tensor: tensor([ True, False,  True]), dtype: torch.bool

# Like operations (create tensor with same size as another)
x_like = torch.zeros_like(x)  # Tensor of zeros with same shape as x
print(x_like)
# Output: tensor([0, 0, 0, 0])

# Range and linspace
range_tensor = torch.arange(0, 10, step=1)  # Values from 0 to 9
print(range_tensor)
# Output: tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])

lin_tensor = torch.linspace(0, 10, steps=11)  # 11 values evenly spaced from 0 to 10
print(lin_tensor)
# Output: tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10.])

# Eye (identity matrix)
eye_tensor = torch.eye(3)  # 3x3 identity matrix
print(eye_tensor)
# Output: tensor([[1., 0., 0.],
#                [0., 1., 0.],
#                [0., 0., 1.]])

# Filling with a single value
filled_tensor = torch.full((2, 3), 7)  # 2x3 tensor filled with 7
print(filled_tensor)
# Output: tensor([[7, 7, 7],
#                [7, 7, 7]])

# From NumPy
import numpy as np
np_array = np.array([1, 2, 3])
from_np = torch.from_numpy(np_array)  # Shares memory with np_array
print(f"NumPy array: {np_array}, PyTorch tensor: {from_np}")
# Output: NumPy array: [1 2 3], PyTorch tensor: tensor([1, 2, 3])

# Modify the NumPy array and see changes reflected in tensor
np_array[0] = 5
print(f"Modified NumPy array: {np_array}, PyTorch tensor: {from_np}")
# Output: Modified NumPy array: [5 2 3], PyTorch tensor: tensor([5, 2, 3])
