"""nn.modules.rnn (to be written)."""

__all__ = []
