# Seed 000, slide 6: Recurrent Neural Networks.
# Adaptations: `import torch` (the seed uses torch.randn without importing torch), manual_seed,
# print the shapes ([seed-test] lines).
import torch  # [seed-test]
import torch.nn as nn

torch.manual_seed(0)  # [seed-test]

class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.rnn = nn.RNN(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x, hidden):
        out, hidden = self.rnn(x, hidden)
        out = out[:, -1, :]  # Get the last output for each sequence
        out = self.fc(out)
        return out, hidden

# Example usage
rnn = RNN(10, 20, 5)  # 10 input features, 20 hidden units, 5 output classes
inputs = torch.randn(32, 10, 10)  # Batch size 32, sequence length 10, 10 input features
hidden = torch.zeros(1, 32, 20)  # Initial hidden state
outputs, hidden = rnn(inputs, hidden)

print(rnn)  # [seed-test]
print(outputs.shape, hidden.shape, outputs.grad_fn is not None)  # [seed-test]
print("hidden in (-1, 1):", bool((hidden.abs() < 1).all()))  # [seed-test]
