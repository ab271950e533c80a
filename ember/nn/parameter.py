"""Parameter, Buffer and the uninitialized placeholders used by lazy modules.

A Parameter is a Tensor subclass that a Module registers as a learnable weight when it is assigned
as an attribute. ``Parameter(t)`` shares ``t``'s memory (and version counter).
"""

from ember import _dtype
from ember._tensor import Tensor
from ember._tensor import make

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer",
           "is_lazy"]


def _empty_like_default():
    from ember._ops import creation

    return creation.empty(0)


class Parameter(Tensor):
    """A Tensor that is a module parameter (requires grad by default).

    Args:
        data (Tensor): the parameter's value; its memory is shared, not copied.
        requires_grad (bool): whether the parameter requires gradient. Default: True.
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _empty_like_default()
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter expects a Tensor, got {type(data).__name__}")
        if requires_grad and not (data.dtype.is_floating_point or data.dtype.is_complex):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t = make(data._data, data._device, bool(requires_grad), cls=cls)
        t._version = data._version
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = type(self)(make(self._data.copy(), self._device), self._requires_grad)
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        if self.__dict__:
            import copy

            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.detach(), self._requires_grad))


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


class Buffer(Tensor):
    """A marker for a tensor that a Module should register as a buffer when assigned.

    Args:
        data (Tensor): the buffer's value (memory shared).
        persistent (bool): whether the buffer is part of the module's state_dict.
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = _empty_like_default()
        t = make(data._data, data._device, data._requires_grad, cls=cls)
        t._version = data._version
        t.persistent = persistent
        return t

    def __init__(self, data=None, *, persistent=True):
        pass


class UninitializedTensorMixin:
    """Shared behaviour of the placeholders of lazy modules: no data until materialize()."""

    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        """Give the placeholder real (uninitialized) storage of `shape` and become its class."""
        from ember._ops import creation

        if device is None:
            device = self._device
        if dtype is None:
            dtype = self.__dict__.get("_lazy_dtype") or _dtype.get_default_dtype()
        if isinstance(shape, int):
            shape = (shape,)
        data = creation.empty(*shape, dtype=dtype, device=device)
        self._data = data._data
        self._device = data._device
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. "
                           "This error usually happens in `load_state_dict` when trying to "
                           "load an uninitialized parameter into an initialized one. Call "
                           "`forward` to initialize the parameters before accessing their "
                           "attributes.")

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call "
                           "`forward` to initialize the parameters before calling "
                           "`module.share_memory()`.")

    def __repr__(self):
        return f"<{self.__class__.__name__}>"


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter with no data yet (lazy modules); ``materialize`` turns it into a Parameter."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from ember._ops import creation

        data = creation.empty(0, dtype=dtype, device=device)
        t = make(data._data, data._device, bool(requires_grad), cls=cls)
        t._lazy_dtype = dtype
        return t

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer with no data yet (lazy modules)."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        from ember._ops import creation

        data = creation.empty(0, dtype=dtype, device=device)
        t = make(data._data, data._device, bool(requires_grad), cls=cls)
        t._lazy_dtype = dtype
        t.persistent = persistent
        return t

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        pass


def is_lazy(param):
    """Whether `param` is an uninitialized placeholder of a lazy module."""
    return isinstance(param, UninitializedTensorMixin)
