# Seed 001, slide 11: Sequence-to-Sequence Learning with LSTM.
# The seed's code raises in its attention step under real torch too (torch.cat of (32, 20, 512)
# with (1, 640, 256)); the test checks that ember raises the same error.
# Adaptations: imports the block needs (torch, nn, F, random), seeded (torch.manual_seed and
# random.seed, so both runs take the same teacher-forcing branches); checks ([seed-test] lines).
import random  # [seed-test]
import torch  # [seed-test]
import torch.nn as nn  # [seed-test]
import torch.nn.functional as F  # [seed-test]

torch.manual_seed(0)  # [seed-test]
random.seed(0)  # [seed-test]

class Seq2SeqLSTM(nn.Module):
    def __init__(self, input_vocab_size, output_vocab_size, hidden_size, 
                 embedding_dim, num_layers=1):
        super(Seq2SeqLSTM, self).__init__()
        
        # Encoder
        self.encoder_embedding = nn.Embedding(input_vocab_size, embedding_dim)
        self.encoder_lstm = nn.LSTM(embedding_dim, hidden_size, num_layers, 
                                  batch_first=True, bidirectional=True)
        
        # Decoder
        self.decoder_embedding = nn.Embedding(output_vocab_size, embedding_dim)
        self.decoder_lstm = nn.LSTM(embedding_dim + hidden_size*2, hidden_size, 
                                  num_layers, batch_first=True)
        
        # Attention
        self.attention = nn.Linear(hidden_size*3, 1)
        
        # Output layer
        self.output_layer = nn.Linear(hidden_size, output_vocab_size)
        
    def forward(self, src, tgt, teacher_forcing_ratio=0.5):
        batch_size = src.shape[0]
        max_len = tgt.shape[1]
        
        # Encoder
        embedded_src = self.encoder_embedding(src)
        encoder_outputs, (hidden, cell) = self.encoder_lstm(embedded_src)
        
        # Initialize decoder input
        decoder_input = tgt[:, 0:1]
        decoder_hidden = hidden[-1].unsqueeze(0)
        decoder_cell = cell[-1].unsqueeze(0)
        
        outputs = []
        for t in range(1, max_len):
            # Decoder step
            embedded_tgt = self.decoder_embedding(decoder_input)
            
            # Attention
            attention_weights = F.softmax(
                self.attention(
                    torch.cat([encoder_outputs, 
                             decoder_hidden[-1:].repeat(1, src.shape[1], 1)], 
                             dim=2)
                ), dim=1)
            context = torch.bmm(attention_weights.transpose(1, 2), 
                              encoder_outputs)
            
            # Decoder input with context
            lstm_input = torch.cat([embedded_tgt, context], dim=2)
            decoder_output, (decoder_hidden, decoder_cell) = \
                self.decoder_lstm(lstm_input, (decoder_hidden, decoder_cell))
            
            output = self.output_layer(decoder_output)
            outputs.append(output)
            
            # Teacher forcing
            if random.random() < teacher_forcing_ratio:
                decoder_input = tgt[:, t:t+1]
            else:
                decoder_input = output.argmax(2)
        
        return torch.cat(outputs, dim=1)

# Model initialization and usage example
model = Seq2SeqLSTM(input_vocab_size=1000, output_vocab_size=1000,
                    hidden_size=256, embedding_dim=128)
src = torch.randint(0, 1000, (32, 20))  # batch_size=32, seq_len=20
tgt = torch.randint(0, 1000, (32, 15))  # batch_size=32, seq_len=15
output = model(src, tgt)
print(f"Output shape: {output.shape}")  # (not reached: the seed's torch.cat raises, under torch as well)
print(model)  # [seed-test]
print(output.dtype, output.grad_fn.name())  # [seed-test]
loss = F.cross_entropy(output.reshape(-1, 1000), tgt[:, 1:].reshape(-1))  # [seed-test]
loss.backward()  # [seed-test]
print("all parameters got gradients:", all(p.grad is not None for p in model.parameters()))  # [seed-test]
print("loss near log(1000):", abs(loss.item() - 6.9078) < 0.1)  # [seed-test]
