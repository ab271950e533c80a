# Seed 003, slide "Training Step: optimizer.step()".
# Adaptations: imports, `model` is the earlier slide's nn.Sequential, manual_seed; the SGD update
# is checked against p - lr * grad ([seed-test] lines).
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]

torch.manual_seed(0)  # [seed-test]
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))  # [seed-test]
before = [p.detach().clone() for p in model.parameters()]  # [seed-test]

optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

# Dummy input/output
x = torch.randn(5, 4)
y = torch.randn(5, 1)

# Training step
out = model(x)
loss = nn.functional.mse_loss(out, y)
loss.backward()
grads = [p.grad.clone() for p in model.parameters()]  # [seed-test]
optimizer.step()
optimizer.zero_grad()

print(optimizer)  # [seed-test]
print("sgd update:", all(torch.allclose(p, b - 0.01 * g) for p, b, g in zip(model.parameters(), before, grads)))  # [seed-test]
print("grads after zero_grad:", [p.grad for p in model.parameters()])  # [seed-test]
