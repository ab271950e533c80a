"""nn.modules.upsampling (to be written)."""

__all__ = []
