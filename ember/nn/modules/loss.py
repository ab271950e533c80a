"""nn.modules.loss (to be written)."""

__all__ = []
