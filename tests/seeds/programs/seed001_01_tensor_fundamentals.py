# Seed 001, slide 1: PyTorch Fundamentals - Tensors and Operations.
# Adaptations: manual_seed; the random tensor's values are compared with numbers masked.
import torch

torch.manual_seed(0)  # [seed-test]

# Creating tensors from different sources
tensor_from_list = torch.tensor([[1, 2, 3], [4, 5, 6]])
random_tensor = torch.rand(3, 3)
zeros_tensor = torch.zeros(2, 4)

# Basic operations
a = torch.tensor([1, 2, 3])
b = torch.tensor([4, 5, 6])
addition = a + b
multiplication = a * b

# Moving tensors to GPU if available
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
gpu_tensor = tensor_from_list.to(device)

print(f"Original tensor:\n{tensor_from_list}")
print(f"Random tensor:\n{random_tensor}")
print(f"Addition result:\n{addition}")
print(f"Multiplication result:\n{multiplication}")
print(zeros_tensor, device, gpu_tensor.device)  # [seed-test]
