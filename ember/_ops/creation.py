"""Tensor creation: tensor, as_tensor, from_numpy, zeros/ones/empty/full (+ _like), ranges, eye,
and the dtype/device copy behind Tensor.to."""

import math
import numbers
import warnings

import numpy as np

from ember import _dtype
from ember import _tensor
from ember._backend import backend_for
from ember._device import CPU
from ember._ops._registry import register
from ember._ops._util import shape_arg
from ember.autograd.function import Function
from ember.autograd.function import xp_for

Tensor = _tensor.Tensor


def _device(device):
    if device is None:
        return CPU
    return _tensor._to_device(device)


def _finish(arr, dev, requires_grad):
    t = _tensor.make(arr, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_dtype(arr):
    """torch's dtype for data coming from Python values: bool, int64, default float/complex."""
    kind = arr.dtype.kind
    if kind == "b":
        return _dtype.bool_
    if kind in "iu":
        return _dtype.int64
    if kind == "f":
        return _dtype.get_default_dtype()
    if kind == "c":
        return _dtype.default_complex_dtype()
    raise TypeError(f"Could not infer dtype of {arr.dtype}")


def _ragged_error(data):
    """torch's message for nested sequences of uneven length."""

    def walk(x, depth, expected):
        if isinstance(x, (list, tuple)):
            if depth < len(expected):
                if len(x) != expected[depth]:
                    raise ValueError(f"expected sequence of length {expected[depth]} at dim "
                                     f"{depth} (got {len(x)})")
            else:
                expected.append(len(x))
            for e in x:
                walk(e, depth + 1, expected)

    walk(data, 0, [])
    return ValueError("tensor(): nested sequences have inconsistent shapes")


def _to_array(data):
    """Python data (nested lists/tuples of numbers or tensors, scalars) -> NumPy array."""
    if isinstance(data, Tensor):
        return np.asarray(data.detach().__array__()), data.dtype
    if isinstance(data, np.ndarray):
        return data, _dtype.from_numpy_dtype(data.dtype)
    if isinstance(data, np.generic):
        arr = np.asarray(data)
        return arr, _dtype.from_numpy_dtype(arr.dtype)
    if isinstance(data, (list, tuple)) and _has_tensor(data):
        data = _tensors_to_lists(data)
        arr = np.array(data)
        return arr, None
    if not isinstance(data, (list, tuple, numbers.Number, bool)):
        if hasattr(data, "__array__"):
            arr = np.asarray(data)
            return arr, _dtype.from_numpy_dtype(arr.dtype)
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    try:
        arr = np.array(data)
    except (ValueError, OverflowError) as e:
        if isinstance(e, OverflowError):
            raise RuntimeError(f"Overflow when unpacking long: {e}") from None
        raise _ragged_error(data) from None
    if arr.dtype == object:
        raise _ragged_error(data)
    if arr.dtype.kind in "US":
        raise TypeError(f"new(): invalid data type '{type(np.ravel(arr)[0].item()).__name__}'")
    return arr, None


def _has_tensor(seq):
    for x in seq:
        if isinstance(x, Tensor):
            return True
        if isinstance(x, (list, tuple)) and _has_tensor(x):
            return True
    return False


def _tensors_to_lists(x):
    if isinstance(x, Tensor):
        return x.detach().__array__()
    if isinstance(x, (list, tuple)):
        return [_tensors_to_lists(e) for e in x]
    return x


@register(method=False)
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Create a tensor that copies `data` (nested lists, scalars, NumPy arrays, tensors)."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    arr, known = _to_array(data)
    dt = dtype or known or _infer_dtype(arr)
    with np.errstate(over="ignore", invalid="ignore"):  # torch casts silently (inf, wrap)
        arr = np.array(arr, dtype=dt.np_dtype, copy=True)
    dev = _device(device)
    if dev is not CPU:
        arr = backend_for(dev).from_host(arr, dev)
    return _finish(arr, dev, requires_grad)


@register(method=False)
def as_tensor(data, dtype=None, device=None):
    """Convert to a tensor, sharing memory with NumPy arrays and tensors where possible."""
    dev = None if device is None else _device(device)
    if isinstance(data, Tensor):
        out = data
        if (dtype is not None and dtype is not data.dtype) or (dev is not None
                                                              and dev is not data.device):
            out = data.to(device=dev or data.device, dtype=dtype or data.dtype)
        return out
    if isinstance(data, np.ndarray) and (dev is None or dev is CPU):
        t = from_numpy(data)
        return t if dtype is None or dtype is t.dtype else t.to(dtype)
    return tensor(data, dtype=dtype, device=dev)


asarray = register("asarray", method=False)(as_tensor)


@register(method=False)
def from_numpy(ndarray):
    """A tensor sharing memory with a NumPy array."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    return _tensor.make(ndarray, CPU)


def _factory(fill):
    def create(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
               pin_memory=False, memory_format=None, generator=None):
        shape = shape_arg(size)
        if any(s < 0 for s in shape):
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: "
                               f"{list(shape)}")
        dt = dtype or _dtype.get_default_dtype()
        dev = _device(device)
        xp = xp_for(dev)
        arr = fill(xp, shape, dt.np_dtype)
        return _finish(arr, dev, requires_grad)

    return create


zeros = register("zeros", method=False)(_factory(lambda xp, s, d: xp.zeros(s, d)))
ones = register("ones", method=False)(_factory(lambda xp, s, d: xp.ones(s, d)))
empty = register("empty", method=False)(_factory(lambda xp, s, d: xp.empty(s, d)))


@register(method=False)
def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """A tensor of `size` filled with `fill_value` (dtype inferred from the value)."""
    shape = shape_arg((size,))
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    dt = dtype or _dtype.result_type(fill_value)
    dev = _device(device)
    arr = xp_for(dev).full(shape, fill_value, dt.np_dtype)
    return _finish(arr, dev, requires_grad)


def _like_factory(fn):
    def create(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
        return fn(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                  requires_grad=requires_grad)

    return create


zeros_like = register("zeros_like", method=False)(_like_factory(zeros))
ones_like = register("ones_like", method=False)(_like_factory(ones))
empty_like = register("empty_like", method=False)(_like_factory(empty))


@register(method=False)
def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return full(input.shape, fill_value, dtype=dtype or input.dtype,
                device=device or input.device, requires_grad=requires_grad)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


@register(method=False)
def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Values from start to end (exclusive) by step; int64 unless any argument is a float."""
    if end is None:
        start, end = 0, start
    start, end, step = _num(start), _num(end), _num(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        dtype = _dtype.get_default_dtype() if is_float else _dtype.int64
    n = max(0, math.ceil((end - start) / step))
    dev = _device(device)
    xp = xp_for(dev)
    if dtype.is_floating_point:
        arr = (start + xp.arange(n, dtype=np.float64) * step).astype(dtype.np_dtype)
    else:
        arr = (start + xp.arange(n, dtype=np.int64) * step).astype(dtype.np_dtype)
    return _finish(arr, dev, requires_grad)


@register("range", method=False)
def range_(start, end, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated torch.range: like arange but including `end`."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    n = int(math.floor((end - start) / step)) + 1
    dt = dtype or _dtype.get_default_dtype()
    arr = (start + np.arange(n, dtype=np.float64) * step).astype(dt.np_dtype)
    return _finish(arr, _device(device), requires_grad)


@register(method=False)
def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """`steps` evenly spaced values from start to end inclusive."""
    start, end = _num(start), _num(end)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = dtype or _dtype.get_default_dtype()
    dev = _device(device)
    xp = xp_for(dev)
    # torch fills the first half from start and the second half from end, for symmetry
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    idx = xp.arange(steps, dtype=np.float64)
    half = steps // 2
    vals = xp.where(idx < half, start + step * idx, end - step * (steps - 1 - idx))
    if steps == 1:
        vals = xp.full(1, start, dtype=np.float64)
    if dt.is_floating_point and dt.itemsize == 4:
        vals32 = xp.arange(steps, dtype=np.float32)
        step32 = np.float32(step)
        vals = xp.where(vals32 < half, np.float32(start) + step32 * vals32,
                        np.float32(end) - step32 * (np.float32(steps - 1) - vals32))
        if steps == 1:
            vals = xp.full(1, start, dtype=np.float32)
    if not dt.is_floating_point and not dt.is_complex:
        vals = xp.trunc(vals)
    arr = vals.astype(dt.np_dtype)
    return _finish(arr, dev, requires_grad)


@register(method=False)
def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    dt = dtype or _dtype.get_default_dtype()
    exps = linspace(start, end, steps, dtype=_dtype.float64, device=device)
    with np.errstate(over="ignore"):
        arr = (base ** exps._data).astype(dt.np_dtype)
    return _finish(arr, exps.device, requires_grad)


@register(method=False)
def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A 2-D tensor with ones on the diagonal."""
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    dt = dtype or _dtype.get_default_dtype()
    dev = _device(device)
    arr = xp_for(dev).eye(n, n if m is None else m, dtype=dt.np_dtype)
    return _finish(arr, dev, requires_grad)


@register(method=False)
def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    t = empty(tuple(size), dtype=dtype, device=device)
    return t.as_strided(size, stride).requires_grad_(requires_grad) if requires_grad else \
        t.as_strided(size, stride)


class ToCopy(Function):
    """Copy to another dtype and/or device (Tensor.to, .float(), .cuda(), ...)."""

    node_name = "ToCopyBackward0"
    _array_io = True
    _out_device = 2  # the output lives on `dev`

    @staticmethod
    def forward(ctx, x, dtype, dev):
        ctx.src = (_tensor.dtype_of(x), _tensor.device_of(x))
        src_dev = ctx.src[1]
        if dev is not src_dev:
            host = backend_for(src_dev).to_host(x)
            x = backend_for(dev).from_host(host, dev)
            if host is x:
                x = x.copy()
        if x.dtype != dtype.np_dtype:
            if _tensor.dtype_of(x).is_complex and not dtype.is_complex:
                warnings.warn("Casting complex values to real discards the imaginary part",
                              UserWarning, stacklevel=4)
                x = x.real
            return x.astype(dtype.np_dtype)
        return x.copy() if dev is src_dev else x

    @staticmethod
    def backward(ctx, g):
        dt, dev = ctx.src
        return to_copy(g, dt, dev), None, None


def to_copy(x, dtype, device):
    return ToCopy.apply(x, dtype, device)


class Clone(Function):
    node_name = "CloneBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


@register()
def clone(input, *, memory_format=None):
    """A copy of the tensor that stays in the graph."""
    return Clone.apply(input)


class Contiguous(Function):
    node_name = "CloneBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.ascontiguousarray(x)

    @staticmethod
    def backward(ctx, g):
        return g


@register(function=False)
def contiguous(input, memory_format=None):
    """The tensor itself if contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    return Contiguous.apply(input)


class Fill(Function):
    node_name = "FillBackward0"
    _array_io = True
    _inplace = True

    @staticmethod
    def forward(ctx, x, value):
        x[...] = value
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 0, None


@register(function=False)
def fill_(input, value):
    """Fill with a value in place."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.ndim} dimensions.")
        value = value.item()
    return Fill.apply(input, value)


@register(function=False)
def zero_(input):
    """Fill with zeros in place."""
    return Fill.apply(input, 0)


class Copy(Function):
    node_name = "CopyBackwards"
    _array_io = True
    _inplace = True
    _out_device = 0  # copy_ takes src from any device

    @staticmethod
    def forward(ctx, dst, src, non_blocking=False):
        src_dev = _tensor.device_of(src)
        dst_dev = _tensor.device_of(dst)
        if src_dev is not dst_dev:
            src = backend_for(dst_dev).from_host(backend_for(src_dev).to_host(src), dst_dev)
        ctx.src_meta = (_tensor.dtype_of(src), src_dev)
        try:
            ctx.xp.copyto(dst, src, casting="unsafe")
        except ValueError:
            raise RuntimeError(f"output with shape {list(dst.shape)} doesn't match the "
                               f"broadcast shape {list(np.broadcast_shapes(dst.shape, src.shape))}"
                               if _broadcastable(src.shape, dst.shape) else
                               f"The size of tensor a ({dst.shape[-1] if dst.ndim else 1}) must "
                               f"match the size of tensor b ({src.shape[-1] if src.ndim else 1})"
                               f" at non-singleton dimension {max(dst.ndim - 1, 0)}") from None
        return dst

    @staticmethod
    def backward(ctx, g):
        dt, dev = ctx.src_meta
        return g * 0, to_copy(g, dt, dev), None


def _broadcastable(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


@register(function=False)
def copy_(input, src, non_blocking=False):
    """Copy src (broadcast, cast, moved across devices) into this tensor in place."""
    if not isinstance(src, Tensor):
        src = tensor(src, dtype=input.dtype, device=input.device)
    return Copy.apply(input, src, non_blocking)
