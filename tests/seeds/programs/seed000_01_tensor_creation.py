# Seed 000, slide 1: Tensor Creation.
# Adaptation: the seed prints nothing; the created tensors are printed ([seed-test] lines).
import torch

# Create a tensor from a list
tensor_from_list = torch.tensor([1, 2, 3, 4, 5])

# Create a tensor from a numpy array
import numpy as np
numpy_array = np.array([[1, 2], [3, 4]])
tensor_from_numpy = torch.from_numpy(numpy_array)

print(tensor_from_list, tensor_from_list.dtype)  # [seed-test]
print(tensor_from_numpy, tensor_from_numpy.dtype)  # [seed-test]
