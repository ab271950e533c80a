"""Padding layers: constant/zero, reflection, replication and circular padding in 1-3 dims."""

from ember.nn import functional as F
from ember.nn.modules.module import Module

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]


def _ntuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


class _ConstantPadNd(Module):
    __constants__ = ["padding", "value"]

    def __init__(self, padding, value):
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._nd)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dimension with a constant value."""

    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dimensions with a constant value."""

    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dimensions with a constant value."""

    _nd = 3


class ZeroPad1d(ConstantPad1d):
    """Pads the last dimension with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last two dimensions with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pads the last three dimensions with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class _ModePadNd(Module):
    __constants__ = ["padding"]
    _mode = "reflect"

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._nd)

    def forward(self, input):
        if self._mode == "circular" and input.ndim not in (self._nd + 1, self._nd + 2):
            raise ValueError(f"expected {self._nd + 1}D or {self._nd + 2}D input (got "
                             f"{input.ndim}D input)")
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


def _make(name, mode, nd, doc):
    return type(name, (_ModePadNd,), {"_mode": mode, "_nd": nd, "__doc__": doc,
                                      "__module__": __name__})


ReflectionPad1d = _make("ReflectionPad1d", "reflect", 1, "Reflection padding of the last dim.")
ReflectionPad2d = _make("ReflectionPad2d", "reflect", 2, "Reflection padding of 2 last dims.")
ReflectionPad3d = _make("ReflectionPad3d", "reflect", 3, "Reflection padding of 3 last dims.")
ReplicationPad1d = _make("ReplicationPad1d", "replicate", 1, "Edge-replicating padding (1-D).")
ReplicationPad2d = _make("ReplicationPad2d", "replicate", 2, "Edge-replicating padding (2-D).")
ReplicationPad3d = _make("ReplicationPad3d", "replicate", 3, "Edge-replicating padding (3-D).")
CircularPad1d = _make("CircularPad1d", "circular", 1, "Circular (wrap-around) padding (1-D).")
CircularPad2d = _make("CircularPad2d", "circular", 2, "Circular (wrap-around) padding (2-D).")
CircularPad3d = _make("CircularPad3d", "circular", 3, "Circular (wrap-around) padding (3-D).")
