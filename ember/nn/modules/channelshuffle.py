"""nn.modules.channelshuffle (to be written)."""

__all__ = []
