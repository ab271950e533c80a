"""nn.modules.normalization (to be written)."""

__all__ = []
