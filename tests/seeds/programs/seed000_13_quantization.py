# Seed 000, slide 13: Quantization.
# Adaptations: `YourModel` (undefined in the seed) is a small MLP; 'model.pth' is written first
# from a seeded random initialisation (no trained weights here); the quantized model is printed
# and run ([seed-test] lines).
import torch
import torch.quantization
import torch.nn as nn  # [seed-test]


class YourModel(nn.Module):  # [seed-test]
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(32, 4)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


torch.manual_seed(0)  # [seed-test]
torch.save(YourModel().state_dict(), 'model.pth')  # [seed-test]

# Load your trained model
model = YourModel()
model.load_state_dict(torch.load('model.pth'))

# Quantize the model
quantized_model = torch.quantization.quantize_dynamic(
    model, qconfig_spec={torch.nn.Linear}, dtype=torch.qint8
)

# Evaluate or deploy the quantized model
# ...
print(quantized_model)  # [seed-test]
x = torch.randn(5, 16)  # [seed-test]
out, ref = quantized_model(x), model(x)  # [seed-test]
print(out.shape, out.dtype)  # [seed-test]
print("close to float model:", bool((out - ref).abs().max() < 0.1))  # [seed-test]
