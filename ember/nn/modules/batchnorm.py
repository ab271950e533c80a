"""nn.modules.batchnorm (to be written)."""

__all__ = []
