"""nn.modules.lazy (to be written)."""

__all__ = []
