"""nn.modules.padding (to be written)."""

__all__ = []
