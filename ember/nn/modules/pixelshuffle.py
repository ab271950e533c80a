"""nn.modules.pixelshuffle (to be written)."""

__all__ = []
