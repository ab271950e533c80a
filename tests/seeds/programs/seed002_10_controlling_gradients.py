# Seed 002, code block 10: Controlling Gradient Computation.
# Adaptations: `import torch` (the seed's block continues the first block of the page).
import torch  # [seed-test]

# Create tensors with gradient tracking
x = torch.tensor([2.0, 3.0], requires_grad=True)

# Using torch.no_grad() to temporarily disable gradient tracking
with torch.no_grad():
    y = x * 2
print(f"y created in no_grad context requires_grad: {y.requires_grad}")
# Output: y created in no_grad context requires_grad: False

# Stop tracking gradients with detach()
z = x * 2
z_detached = z.detach()
print(f"z requires_grad: {z.requires_grad}, z_detached requires_grad: {z_detached.requires_grad}")
# Output: z requires_grad: True, z_detached requires_grad: False

# For inference/evaluation after training
model_input = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)

# During training we'd compute gradients
output = model_input.sum()
output.backward()
print(f"Gradient during training: {model_input.grad}")
# Output: Gradient during training: tensor([1., 1., 1.])

# Reset gradients
model_input.grad.zero_()

# For inference, we don't need gradients
with torch.no_grad():
    inference_output = model_input.sum()
    # The following would fail if we weren't in a no_grad context
    try:
        inference_output.backward()
    except RuntimeError as e:
        print(f"Error when trying backward() in no_grad: {e}")
        # Output: Error when trying backward() in no_grad: element 0 of tensors does not require grad and does not have a grad_fn

# Another way to do inference
inference_output = model_input.detach().sum()
