# Seed 000, slide 4: Linear Regression.
# Adaptations: manual_seed; the learned values depend on the random initialisation (compared with
# numbers masked), so the first and last losses are also compared ([seed-test] lines).
import torch
import torch.nn as nn

torch.manual_seed(0)  # [seed-test]

# Define the model
model = nn.Linear(1, 1)  # 1 input feature, 1 output

# Define the loss function and optimizer
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

losses = []  # [seed-test]
# Training loop
for epoch in range(1000):
    inputs = torch.tensor([[1.0], [2.0], [3.0]])
    targets = torch.tensor([[2.0], [4.0], [6.0]])

    # Forward pass
    outputs = model(inputs)
    loss = criterion(outputs, targets)
    losses.append(loss.item())  # [seed-test]

    # Backward pass and optimization
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f'Learned weight: {model.weight.item()} Learned bias: {model.bias.item()}')
print("loss decreased:", losses[-1] < losses[0], "final loss < 0.5:", losses[-1] < 0.5)  # [seed-test]
print("prediction for x=4 within 1.0 of 8:", abs(model(torch.tensor([[4.0]])).item() - 8) < 1.0)  # [seed-test]
