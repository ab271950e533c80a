"""Activation modules: each holds its options and calls one nn.functional form."""

from ember.nn import functional as F
from ember.nn.modules.module import Module

__all__ = ["ReLU"]


class ReLU(Module):
    """max(x, 0) elementwise.

    Args:
        inplace: modify the input in place. Default: False.
    """

    __constants__ = ["inplace"]

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""
