"""Reductions: sum, mean, and sum_to_size (the engine's un-broadcast)."""

from ember import _dtype
from ember import _tensor
from ember._ops._registry import register
from ember._ops._util import wrap_dims
from ember.autograd.function import Function

Tensor = _tensor.Tensor

_LOW_PRECISION = (_dtype.float16.np_dtype, _dtype.bfloat16.np_dtype)


def restore_reduced(g, shape, dims, keepdim):
    """Expand a reduced gradient back to the input's shape."""
    if not keepdim and dims:
        for d in sorted(dims):
            g = g.unsqueeze(d)
    return g.expand(shape)


def _sum_dtype(x, dtype):
    if dtype is not None:
        return dtype.np_dtype
    if x.dtype.kind in "biu":
        return _dtype.int64.np_dtype
    return x.dtype


class Sum(Function):
    node_name = "SumBackward1"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        out_dt = _sum_dtype(x, dtype)
        acc = out_dt
        if out_dt in _LOW_PRECISION:
            acc = _dtype.float32.np_dtype  # torch accumulates half precision in float32
        ctx.shape = x.shape
        ctx.dims = dims
        ctx.keepdim = keepdim
        out = ctx.xp.sum(x, axis=dims, dtype=acc, keepdims=keepdim)
        return out.astype(out_dt, copy=False)

    @staticmethod
    def backward(ctx, g):
        return restore_reduced(g, ctx.shape, ctx.dims, ctx.keepdim), None, None, None


class SumAll(Sum):
    node_name = "SumBackward0"


@register()
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A001
    """Sum of all elements, or over `dim` (int or tuple)."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return SumAll.apply(input, None, False, dtype)
    dims = wrap_dims(dim, input.ndim)
    if input.ndim == 0:
        dims = ()
    return Sum.apply(input, dims, keepdim, dtype)


class Mean(Function):
    node_name = "MeanBackward1"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        if dtype is not None:
            x = x.astype(dtype.np_dtype)
        elif x.dtype.kind in "biu":
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either "
                               "a floating point or complex dtype. Got: "
                               f"{_dtype.SCALAR_NAMES[_tensor.dtype_of(x)]}")
        ctx.shape = x.shape
        ctx.dims = dims
        ctx.keepdim = keepdim
        acc = _dtype.float32.np_dtype if x.dtype in _LOW_PRECISION else x.dtype
        axes = dims if dims is not None else tuple(range(x.ndim))
        ctx.count = 1
        for d in axes:
            ctx.count *= x.shape[d]
        with ctx.xp.errstate(all="ignore"):
            out = ctx.xp.mean(x, axis=dims, dtype=acc, keepdims=keepdim)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        g = restore_reduced(g, ctx.shape, ctx.dims, ctx.keepdim)
        return g / ctx.count, None, None, None


class MeanAll(Mean):
    node_name = "MeanBackward0"


@register()
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean of all elements, or over `dim`."""
    if dim is None:
        return MeanAll.apply(input, None, False, dtype)
    dims = wrap_dims(dim, input.ndim)
    if input.ndim == 0:
        dims = ()
    return Mean.apply(input, dims, keepdim, dtype)


class SumToSize(Function):
    node_name = "SumBackward1"
    _array_io = True

    @staticmethod
    def forward(ctx, x, shape):
        lead = x.ndim - len(shape)
        dims = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and x.shape[lead + i] != 1)
        ctx.shape = x.shape
        out = ctx.xp.sum(x, axis=dims, keepdims=True) if dims else x
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.expand(ctx.shape), None


@register(function=False)
def sum_to_size(input, *size):
    """Sum this tensor down to `size` (which it must be expandable from)."""
    from ember._ops._util import shape_arg

    shape = shape_arg(size)
    src = tuple(input.shape)
    ok = len(shape) <= len(src) and all(
        s == 1 or s == d for s, d in zip(shape, src[len(src) - len(shape):]))
    if not ok:
        raise RuntimeError(f"size {{{', '.join(map(str, shape))}}} is not expandable to size "
                           f"{{{', '.join(map(str, src))}}}.")
    if shape == src:
        return input
    return SumToSize.apply(input, shape)
