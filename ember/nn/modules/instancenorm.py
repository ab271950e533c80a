"""nn.modules.instancenorm (to be written)."""

__all__ = []
