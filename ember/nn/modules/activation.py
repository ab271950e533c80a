"""nn.modules.activation (to be written)."""

__all__ = []
