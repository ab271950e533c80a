"""Functional convolution, pooling, padding, interpolation, recurrent and attention ops
(re-exported by ember.nn.functional)."""

from ember._ops.conv import conv1d
from ember._ops.conv import conv2d
from ember._ops.conv import conv3d
from ember._ops.conv import conv_transpose1d
from ember._ops.conv import conv_transpose2d
from ember._ops.conv import conv_transpose3d

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
]
