"""nn.modules.sparse (to be written)."""

__all__ = []
