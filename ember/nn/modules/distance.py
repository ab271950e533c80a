"""nn.modules.distance (to be written)."""

__all__ = []
