"""nn.modules.container (to be written)."""

__all__ = []
