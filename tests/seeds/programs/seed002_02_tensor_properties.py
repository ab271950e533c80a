# Seed 002, code block 2: Tensor Properties and Attributes.
# Adaptations: `import torch` (the seed's block continues the first block of the page), manual_seed.
import torch  # [seed-test]
torch.manual_seed(0)  # [seed-test]

# Create a sample tensor
x = torch.rand(3, 4, 5)

# Shape and dimensions
print(f"Shape: {x.shape}")         # torch.Size([3, 4, 5])
print(f"Dimensions: {x.ndim}")     # 3
print(f"Total elements: {x.numel()}")  # 60

# Data type
print(f"Data type: {x.dtype}")     # torch.float32

# Layout (how tensor is stored in memory)
print(f"Memory layout: {x.layout}")  # torch.strided

# Device (CPU/GPU)
print(f"Device: {x.device}")       # cpu or cuda:0

# Memory information
print(f"Memory size in bytes: {x.element_size() * x.numel()}")  # e.g., 240 (60 elements * 4 bytes per float32)

# Check if tensor requires gradient
print(f"Requires grad: {x.requires_grad}")  # False by default

# Make tensor track gradients
x.requires_grad_(True)
print(f"Requires grad after setting: {x.requires_grad}")  # True

# Changing tensor device
if torch.cuda.is_available():
    # Time the transfer
    import time
    start = time.time()
    x_gpu = x.to("cuda")           # Move to GPU
    torch.cuda.synchronize()  # Wait for operation to complete
    print(f"Time to transfer to GPU: {time.time() - start:.6f} seconds")

    # Do a GPU computation
    start = time.time()
    y_gpu = x_gpu * 2
    torch.cuda.synchronize()
    print(f"Time for GPU computation: {time.time() - start:.6f} seconds")

    # Move back to CPU
    start = time.time()
    x_cpu = x_gpu.to("cpu")
    print(f"Time to transfer back to CPU: {time.time() - start:.6f} seconds")
