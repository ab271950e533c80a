"""nn.modules.module (to be written)."""

__all__ = []
