# Seed 002, code block 7: Tensor Operations with GPU - Performance Analysis.
# Adaptations: `import torch` (the seed's block continues the first block of the page).
import torch  # [seed-test]

# Check if CUDA is available and get device details
if torch.cuda.is_available():
    # Get GPU information
    current_device = torch.cuda.current_device()
    device_count = torch.cuda.device_count()
    device_name = torch.cuda.get_device_name(0)
    print(f"Using {device_name}, device #{current_device}")
    print(f"Total GPU devices: {device_count}")

    # Create a large tensor for benchmarking
    import time

    # Generate matrices for multiplication
    size = 2000
    a = torch.randn(size, size)
    b = torch.randn(size, size)

    # CPU matrix multiplication
    start_time = time.time()
    c_cpu = torch.matmul(a, b)
    cpu_time = time.time() - start_time
    print(f"CPU time for {size}x{size} matrix multiplication: {cpu_time:.4f} seconds")

    # Transfer to GPU
    a_gpu = a.to("cuda")
    b_gpu = b.to("cuda")

    # First GPU run (often includes overhead)
    c_gpu = torch.matmul(a_gpu, b_gpu)
    torch.cuda.synchronize()  # Wait for all CUDA operations to complete

    # GPU matrix multiplication (timed)
    start_time = time.time()
    c_gpu = torch.matmul(a_gpu, b_gpu)
    torch.cuda.synchronize()  # Wait for computations to finish before stopping timer
    gpu_time = time.time() - start_time
    print(f"GPU time for {size}x{size} matrix multiplication: {gpu_time:.4f} seconds")
    print(f"GPU speedup: {cpu_time/gpu_time:.2f}x")

    # Memory management
    print(f"GPU memory allocated before clearing: {torch.cuda.memory_allocated() / 1e9:.2f} GB")
    del a_gpu, b_gpu, c_gpu
    torch.cuda.empty_cache()
    print(f"GPU memory allocated after clearing: {torch.cuda.memory_allocated() / 1e9:.2f} GB")
else:
    print("CUDA is not available. Using CPU only.")
