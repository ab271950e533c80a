"""Tensor: one backend array plus autograd metadata.

Ops are bound as methods from the op registry (ember/_ops/_registry.py) when ember is imported;
this file holds only metadata, Python protocols and conversions.
"""

import numbers

import numpy as np

from ember import _dtype
from ember._backend import backend_for
from ember._backend import device_of_array
from ember._device import CPU
from ember._device import device as _device_cls

_FROM_NP = _dtype._FROM_NP


def dtype_of(arr):
    try:
        return _FROM_NP[arr.dtype]
    except KeyError:
        return _dtype.from_numpy_dtype(arr.dtype)


def device_of(arr):
    return device_of_array(arr)


class Size(tuple):
    """The shape of a tensor: a tuple that prints as ``torch.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self):
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):
        r = tuple.__getitem__(self, key)
        return Size(r) if isinstance(key, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple.__add__(tuple(other), self))

    def __reduce__(self):
        return (Size, (tuple(self),))


class layout:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


strided = layout("strided")
sparse_coo = layout("sparse_coo")


def make(data, device, requires_grad=False, grad_fn=None, output_nr=0, version=None,
         cls=None):
    """Wrap a backend array in a new Tensor (the hot path of every op)."""
    t = object.__new__(Tensor if cls is None else cls)
    t._data = data
    t._device = device
    t._requires_grad = requires_grad
    t._grad_fn = grad_fn
    t._output_nr = output_nr
    t._version = [0] if version is None else version
    t._base = None
    t.grad = None
    t._accum = None
    t._hooks = None
    t._retains_grad = False
    return t


class Tensor:
    """A multi-dimensional array with autograd, on a device (cpu or cuda)."""

    __slots__ = ("_data", "_device", "_requires_grad", "_grad_fn", "_output_nr", "_version",
                 "_base", "grad", "_accum", "_hooks", "_retains_grad", "_post_acc_hooks",
                 "_attr_ver", "__dict__", "__weakref__")

    __array_priority__ = 1000  # NumPy defers to our operators

    def __new__(cls, *args, device=None, dtype=None):
        """Legacy constructor: ``Tensor(list)`` copies data, ``Tensor(2, 3)`` allocates."""
        from ember._ops import creation

        dt = dtype or _dtype.get_default_dtype()
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            src = args[0]
            if isinstance(src, Tensor):
                t = src.detach()
            else:
                t = creation.tensor(src, dtype=dt, device=device)
        else:
            shape = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            t = creation.empty(*shape, dtype=dt, device=device)
        if cls is not Tensor:
            return cls._make_subclass(cls, t, False)
        return t

    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def _make_subclass(cls, data, require_grad=False):
        """A new instance of `cls` sharing `data`'s memory and version counter."""
        t = make(data._data, data._device, require_grad, cls=cls)
        t._version = data._version
        return t

    # ------------------------------------------------------------------ metadata
    @property
    def data(self):
        """The tensor's data, detached from autograd (shares memory)."""
        return self.detach()

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data
        self._device = value._device

    @property
    def dtype(self):
        return _FROM_NP[self._data.dtype]

    @property
    def device(self):
        return self._device

    @property
    def is_cuda(self):
        return self._device.type == "cuda"

    @property
    def is_cpu(self):
        return self._device.type == "cpu"

    @property
    def is_meta(self):
        return False

    @property
    def is_sparse(self):
        return False

    @property
    def is_quantized(self):
        return False

    @property
    def layout(self):
        return strided

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape as an ember.Size, or one dimension's size."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def stride(self, dim=None):
        """Strides in elements."""
        item = self._data.itemsize
        strides = tuple(s // item for s in self._data.strides)
        # empty views keep their geometry's strides; fresh empty tensors are contiguous
        if (self._data.size == 0 and self._base is None) or (0 in strides and self._data.size):
            strides = _torch_strides(self._data.shape, strides)
        if dim is None:
            return strides
        return strides[_wrap_dim(dim, self._data.ndim)]

    def storage_offset(self):
        be = backend_for(self._device)
        root = be.storage_root(self._data)
        return (be.data_ptr(self._data) - be.data_ptr(root)) // self._data.itemsize

    def data_ptr(self):
        return backend_for(self._device).data_ptr(self._data)

    def storage(self):
        """The tensor's storage seen as elements of its dtype (torch's TypedStorage)."""
        from ember._storage import TypedStorage

        return TypedStorage._wrap(self.untyped_storage(), self.dtype)

    def untyped_storage(self):
        from ember._storage import UntypedStorage

        return UntypedStorage._of(self)

    def is_contiguous(self, memory_format=None):
        if memory_format is not None and getattr(memory_format, "name", "") == "channels_last":
            return _is_channels_last(self)
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_complex(self):
        return self.dtype.is_complex

    def is_signed(self):
        return self.dtype.is_signed

    def get_device(self):
        return -1 if self._device.type == "cpu" else (self._device.index or 0)

    # ------------------------------------------------------------------ autograd metadata
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if self.grad_fn is not None:
            if not value:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. "
                                   "If you want to use a computed variable in a subgraph that "
                                   "doesn't require differentiation use "
                                   "var_no_grad = var.detach().")
            return
        if value and not (self.dtype.is_floating_point or self.dtype.is_complex):
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               "gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        # a view whose base was modified in place since its node was made gets a node that
        # reads it from the base's current history (torch regenerates it on access the same way)
        if self._base is None:
            return self._grad_fn
        return _view_grad_fn(self)

    @grad_fn.setter
    def grad_fn(self, fn):
        self._grad_fn = fn

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def retains_grad(self):
        return self._retains_grad

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def _version_count(self):
        return self._version[0]

    def __getattr__(self, name):
        if name == "_version":  # pragma: no cover - always set by make()
            raise AttributeError(name)
        if name == "_post_acc_hooks" or name == "_attr_ver":
            return None
        raise AttributeError(f"'Tensor' object has no attribute '{name}'")

    def detach(self):
        """A new tensor sharing memory (and version counter) with no autograd history."""
        t = make(self._data, self._device, False, None, 0, self._version)
        t._base = self._base if self._base is not None else None
        return t

    def detach_(self):
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self._requires_grad = False
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. graph leaves, accumulated into .grad."""
        from ember.autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook):
        """hook(grad) -> Tensor or None, called when this tensor's gradient is computed."""
        from ember.utils.hooks import RemovableHandle

        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            handle = RemovableHandle(self._hooks)
            self._hooks[handle.id] = hook
            return handle
        fn = self.grad_fn
        if fn._tensor_pre_hooks is None:
            fn._tensor_pre_hooks = {}
        hooks = fn._tensor_pre_hooks.setdefault(self._output_nr, {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def register_post_accumulate_grad_hook(self, hook):
        """hook(tensor), called after the gradient has been accumulated into this leaf's .grad."""
        from ember.utils.hooks import RemovableHandle

        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = {}
        handle = RemovableHandle(self._post_acc_hooks)
        self._post_acc_hooks[handle.id] = hook
        return handle

    def retain_grad(self):
        """Keep .grad for this non-leaf tensor after backward."""
        import weakref

        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        ref = weakref.ref(self)

        def store(g):
            t = ref()
            if t is None:
                return
            if t.grad is None:
                t.grad = g.detach().clone() if not g._requires_grad else g
            else:
                t.grad = t.grad + g

        fn = self.grad_fn
        if fn._retain_hooks is None:
            fn._retain_hooks = {}
        fn._retain_hooks[self._output_nr] = store
        self._retains_grad = True

    # ------------------------------------------------------------------ conversions
    def numpy(self, *, force=False):
        """The data as a NumPy array sharing memory (cpu tensors)."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if self._device.type != "cpu":
            if not force:
                raise TypeError(f"can't convert {self._device.type}:"
                                f"{self._device.index or 0} device type tensor to numpy. Use "
                                "Tensor.cpu() to copy the tensor to host memory first.")
            return backend_for(self._device).to_host(self._data)
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = backend_for(self._device).to_host(self._data)
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        return arr

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return backend_for(self._device).to_host(self._data).reshape(()).item()

    def tolist(self):
        arr = backend_for(self._device).to_host(self._data)
        if arr.dtype == _dtype.bfloat16.np_dtype:
            arr = arr.astype(np.float32)
        return arr.tolist()

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __int__(self):
        return int(self.item())

    def __float__(self):
        return float(self.item())

    def __complex__(self):
        return complex(self.item())

    def __index__(self):
        if self.dtype.is_floating_point or self.dtype.is_complex or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __hash__(self):
        return id(self)

    def __reduce_ex__(self, protocol):
        from ember import serialization

        return serialization._reduce_tensor(self, protocol)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.  If you were "
                               "attempting to deepcopy a module, this may be because of a "
                               "torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        new = make(self._data.copy(), self._device, self._requires_grad, cls=type(self))
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        if self.__dict__:
            import copy

            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        memo[id(self)] = new
        return new

    def __repr__(self, *, tensor_contents=None):
        from ember import _printing

        return _printing.tensor_repr(self)

    def __str__(self):
        return self.__repr__()

    def __format__(self, spec):
        # torch formats a 0-dim tensor as its Python number (f"{t}" -> "3.5")
        if self._data.ndim == 0 and type(self) is Tensor:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    # conversion helpers that take no op definition of their own
    def to(self, *args, **kwargs):
        """Convert dtype and/or device: to(dtype), to(device, dtype), to(tensor)."""
        dev, dt, copy = _parse_to(self, args, kwargs)
        if dev is self._device and dt is self.dtype and not copy:
            return self
        from ember._ops import creation

        return creation.to_copy(self, dt, dev)

    def type(self, dtype=None, non_blocking=False, **kwargs):
        if dtype is None:
            return "torch." + _dtype._TYPE_NAMES[self.dtype]
        if isinstance(dtype, str):
            name = dtype.rsplit(".", 1)[-1]
            inv = {v: k for k, v in _dtype._TYPE_NAMES.items()}
            if name not in inv:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = inv[name]
        return self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    def float(self, memory_format=None):
        return self.to(_dtype.float32)

    def double(self, memory_format=None):
        return self.to(_dtype.float64)

    def half(self, memory_format=None):
        return self.to(_dtype.float16)

    def bfloat16(self, memory_format=None):
        return self.to(_dtype.bfloat16)

    def long(self, memory_format=None):
        return self.to(_dtype.int64)

    def int(self, memory_format=None):
        return self.to(_dtype.int32)

    def short(self, memory_format=None):
        return self.to(_dtype.int16)

    def char(self, memory_format=None):
        return self.to(_dtype.int8)

    def byte(self, memory_format=None):
        return self.to(_dtype.uint8)

    def bool(self, memory_format=None):
        return self.to(_dtype.bool_)

    def cfloat(self):
        return self.to(_dtype.complex64)

    def cdouble(self):
        return self.to(_dtype.complex128)

    def cpu(self, memory_format=None):
        return self.to(CPU)

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        if device is None:
            device = _device_cls("cuda", 0)
        elif isinstance(device, int):
            device = _device_cls("cuda", device)
        else:
            device = _device_cls(device)
        return self.to(device)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        from ember._ops import creation

        return creation.tensor(data, dtype=dtype or self.dtype, device=device or self._device,
                               requires_grad=requires_grad)

    def _new_factory(name):
        def method(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
                   pin_memory=False, **kw):
            from ember._ops import creation

            return getattr(creation, name)(*size, dtype=dtype or self.dtype,
                                           device=device or self._device,
                                           requires_grad=requires_grad, **kw)

        method.__name__ = "new_" + name
        return method

    new_zeros = _new_factory("zeros")
    new_ones = _new_factory("ones")
    new_empty = _new_factory("empty")
    del _new_factory

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False, **kw):
        from ember._ops import creation

        return creation.full(size, fill_value, dtype=dtype or self.dtype,
                             device=device or self._device, requires_grad=requires_grad)

    # ------------------------------------------------------------------ misc
    @property
    def T(self):
        if self._data.ndim > 2:
            import warnings

            warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse "
                          "their shape is deprecated and it will throw an error in a future "
                          "release. Consider `x.mT` to transpose batches of matrices or "
                          "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the "
                          "dimensions of a tensor.", UserWarning, stacklevel=2)
        return self.permute(*range(self._data.ndim - 1, -1, -1))

    @property
    def mT(self):
        if self._data.ndim < 2:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                               f"Got {self._data.ndim}-D tensor.")
        return self.transpose(-2, -1)

    @property
    def H(self):
        return self.T.conj() if self.is_complex() else self.T

    @property
    def mH(self):
        return self.mT.conj() if self.is_complex() else self.mT

    @property
    def real(self):
        from ember._ops import complex_ops

        return complex_ops.real(self)

    @property
    def imag(self):
        from ember._ops import complex_ops

        return complex_ops.imag(self)

    @property
    def _is_view(self):
        return self._base is not None

    def _is_view_fn(self):
        return self._base is not None


def _view_grad_fn(view):
    """The grad_fn of a view; replaced by ember.autograd._views when autograd is imported."""
    return view._grad_fn


def _wrap_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


def _torch_strides(shape, strides):
    """torch's strides where NumPy's differ: empty tensors report contiguous strides, and an
    inserted size-1 dim (NumPy stride 0) gets the extent of the dim after it."""
    n = len(shape)
    out = list(strides)
    if 0 in shape:
        expected = 1
        for i in range(n - 1, -1, -1):
            out[i] = expected
            expected *= max(shape[i], 1)
        return tuple(out)
    for i in range(n - 1, -1, -1):
        if shape[i] == 1 and out[i] == 0:
            out[i] = out[i + 1] * shape[i + 1] if i + 1 < n else 1
    return tuple(out)


def _is_channels_last(t):
    if t.ndim != 4:
        return False
    n, c, h, w = t.shape
    st = t.stride()
    expected = (h * w * c, 1, w * c, c)
    return all(s == e or sz == 1 for s, e, sz in zip(st, expected, (n, c, h, w)))


def _parse_to(t, args, kwargs):
    dev = kwargs.pop("device", None)
    dt = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, _dtype.dtype):
            dt = a
        elif isinstance(a, Tensor):
            dev, dt = a._device, a.dtype
        elif isinstance(a, (str, _device_cls, int)) and not isinstance(a, bool):
            dev = a
        elif isinstance(a, bool):
            pass  # non_blocking / copy positionals
        else:
            raise TypeError(f"to() received an invalid combination of arguments - got "
                            f"({type(a).__name__})")
    dev = t._device if dev is None else _to_device(dev)
    dt = t.dtype if dt is None else dt
    return dev, dt, copy


def _to_device(d):
    if isinstance(d, _device_cls):
        dev = d
    elif isinstance(d, int):
        dev = _device_cls("cuda", d)
    else:
        dev = _device_cls(d)
    if dev.type == "cuda" and dev.index is None:
        dev = _device_cls("cuda", 0)
    return dev


def is_tensor(obj):
    return isinstance(obj, Tensor)


def scalar_or_tensor(x):
    return isinstance(x, (Tensor, numbers.Number))
