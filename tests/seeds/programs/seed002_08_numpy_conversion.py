# Seed 002, code block 8: Converting Between Tensor and NumPy Arrays.
# Adaptations: `import torch` (the seed's block continues the first block of the page).
import torch  # [seed-test]

import numpy as np

# NumPy array to PyTorch tensor
np_array = np.array([[1, 2, 3], [4, 5, 6]])
print(f"NumPy array:\n{np_array}")
# Output:
# NumPy array:
# [[1 2 3]
#  [4 5 6]]

# Convert to tensor
tensor = torch.from_numpy(np_array)
print(f"PyTorch tensor from NumPy:\n{tensor}")
# Output:
# PyTorch tensor from NumPy:
# tensor([[1, 2, 3],
#         [4, 5, 6]])

# Memory sharing demonstration
np_array[0, 0] = 99
print(f"Modified NumPy array:\n{np_array}")
# Output:
# Modified NumPy array:
# [[99  2  3]
#  [ 4  5  6]]

print(f"PyTorch tensor reflects change:\n{tensor}")
# Output:
# PyTorch tensor reflects change:
# tensor([[99,  2,  3],
#         [ 4,  5,  6]])

# PyTorch tensor to NumPy
tensor = torch.tensor([[7, 8, 9], [10, 11, 12]])
np_from_tensor = tensor.numpy()
print(f"NumPy array from tensor:\n{np_from_tensor}")
# Output:
# NumPy array from tensor:
# [[ 7  8  9]
#  [10 11 12]]

# Memory sharing works in this direction too
tensor[0, 0] = 77
print(f"Modified tensor:\n{tensor}")
# Output:
# Modified tensor:
# tensor([[77,  8,  9],
#         [10, 11, 12]])

print(f"NumPy array reflects change:\n{np_from_tensor}")
# Output:
# NumPy array reflects change:
# [[77  8  9]
#  [10 11 12]]

# Important! GPU tensors do not share memory with NumPy
if torch.cuda.is_available():
    tensor_gpu = tensor.to("cuda")
    # This creates a copy, not shared memory
    np_from_gpu = tensor_gpu.cpu().numpy()

    tensor_gpu[0, 0] = 55
    print(f"Modified GPU tensor first element: {tensor_gpu[0, 0]}")
    # Output: Modified GPU tensor first element: tensor(55, device='cuda:0')

    print(f"NumPy array from GPU does NOT reflect change:\n{np_from_gpu}")
    # Output: NumPy array from GPU does NOT reflect change: (still shows 77)
