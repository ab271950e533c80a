"""nn.modules.transformer (to be written)."""

__all__ = []
