"""nn.modules.flatten (to be written)."""

__all__ = []
