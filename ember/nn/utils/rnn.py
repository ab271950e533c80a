"""nn.utils.rnn: packed sequences (to be written)."""
