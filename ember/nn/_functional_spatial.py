"""Functional convolution, pooling, padding, interpolation, recurrent and attention ops
(re-exported by ember.nn.functional; to be written)."""

__all__ = []
