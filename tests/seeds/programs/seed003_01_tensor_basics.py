# Seed 003, slide "The Fundamental Building Block: torch.Tensor".
# Adaptations: the seed moves `w` to "cuda" unconditionally; here it takes the CPU path when no
# GPU is available; manual_seed; printed shapes ([seed-test] lines).
import torch

torch.manual_seed(0)  # [seed-test]

# Create a 2D tensor
x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])

# Random weight tensor on GPU
w = torch.randn(2, 2).to("cuda" if torch.cuda.is_available() else "cpu")  # [seed-test] was .to("cuda")

# Enable autograd tracking
x = torch.tensor([[1.0, 2.0]], requires_grad=True)

# Forward computation (tracked)
y = x @ w.T

# Stop tracking: detach from graph
y_detached = y.detach()

# You can check:
print(y.requires_grad)         # True
print(y_detached.requires_grad)  # False
print(y.shape, y.grad_fn.name(), y_detached.grad_fn, y_detached.is_leaf)  # [seed-test]
