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

from ember._ops.pooling import adaptive_avg_pool1d
from ember._ops.pooling import adaptive_avg_pool2d
from ember._ops.pooling import adaptive_avg_pool3d
from ember._ops.pooling import adaptive_max_pool1d
from ember._ops.pooling import adaptive_max_pool2d
from ember._ops.pooling import adaptive_max_pool3d
from ember._ops.pooling import avg_pool1d
from ember._ops.pooling import avg_pool2d
from ember._ops.pooling import avg_pool3d
from ember._ops.pooling import lp_pool1d
from ember._ops.pooling import lp_pool2d
from ember._ops.pooling import lp_pool3d
from ember._ops.pooling import max_pool1d
from ember._ops.pooling import max_pool1d_with_indices
from ember._ops.pooling import max_pool2d
from ember._ops.pooling import max_pool2d_with_indices
from ember._ops.pooling import max_pool3d
from ember._ops.pooling import max_pool3d_with_indices
from ember._ops.pooling import max_unpool1d
from ember._ops.pooling import max_unpool2d
from ember._ops.pooling import max_unpool3d

__all__ += [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
    "adaptive_max_pool2d", "adaptive_max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_pool1d", "max_pool1d_with_indices", "max_pool2d",
    "max_pool2d_with_indices", "max_pool3d", "max_pool3d_with_indices", "max_unpool1d",
    "max_unpool2d", "max_unpool3d",
]
