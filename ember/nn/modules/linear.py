"""nn.modules.linear (to be written)."""

__all__ = []
