"""nn.modules.fold (to be written)."""

__all__ = []
