"""Boolean-mask ops: masked_fill, masked_select, masked_scatter (and their in-place forms)."""

import numpy as np

from ember import _tensor
from ember._ops._index_util import pad_to
from ember._ops._registry import register
from ember._ops._util import broadcast_shapes
from ember.autograd.function import Function

Tensor = _tensor.Tensor


def _check_mask(mask, name):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name}(): argument 'mask' (position 1) must be Tensor, not "
                        f"{type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype "
                           f"{_scalar_name(mask)}")


def _scalar_name(t):
    names = {"uint8": "unsigned char", "int8": "signed char", "int16": "short", "int32": "int",
             "int64": "long int", "float32": "float", "float64": "double"}
    return names.get(t._data.dtype.name, t._data.dtype.name)


class MaskedFill(Function):
    node_name = "MaskedFillBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, mask, value):
        xp = ctx.xp
        ctx.save_for_backward(mask)
        v = value.astype(x.dtype) if isinstance(value, xp.ndarray) else \
            xp.asarray(value).astype(x.dtype)
        return xp.where(mask, v, x)

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        gx = g.masked_fill(mask, 0) if ctx.needs_input_grad[0] else None
        gv = g.masked_fill(mask.logical_not(), 0).sum() if ctx.needs_input_grad[2] else None
        return gx, None, gv


class MaskedFillTensor(MaskedFill):
    node_name = "MaskedFillBackward1"


@register()
def masked_fill(input, mask, value):
    """A copy of input with value (a scalar or 0-dim tensor) where mask is True."""
    _check_mask(mask, "masked_fill_")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.ndim} dimension(s).")
        return MaskedFillTensor.apply(input, mask, value)
    _broadcast_check(input.shape, mask.shape)
    return MaskedFill.apply(input, mask, value)


def _broadcast_check(a, b):
    return broadcast_shapes(tuple(a), tuple(b))


@register(function=False)
def masked_fill_(input, mask, value):
    _check_mask(mask, "masked_fill_")
    shape = _broadcast_check(input.shape, mask.shape)
    if tuple(shape) != tuple(input.shape):
        raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the broadcast "
                           f"shape {list(shape)}")
    return input.copy_(masked_fill(input, mask, value))


class MaskedSelect(Function):
    node_name = "MaskedSelectBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, mask):
        xp = ctx.xp
        shape = xp.broadcast_shapes(x.shape, mask.shape)
        ctx.shape = shape
        ctx.save_for_backward(mask)
        return xp.broadcast_to(x, shape)[xp.broadcast_to(mask, shape)]

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return g.new_zeros(ctx.shape).masked_scatter(mask, g), None


@register()
def masked_select(input, mask, *, out=None):
    """The elements where mask (broadcast with input) is True, as a 1-D tensor."""
    _check_mask(mask, "masked_select:")
    _broadcast_check(input.shape, mask.shape)
    return MaskedSelect.apply(input, mask)


class MaskedScatter(Function):
    node_name = "MaskedScatterBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, mask, src):
        xp = ctx.xp
        shape = xp.broadcast_shapes(x.shape, mask.shape)
        m = xp.broadcast_to(mask, shape)
        k = int(m.sum())
        if k > src.size:
            raise RuntimeError("masked_scatter: expected source to have at least as many "
                               "elements as ones in mask")
        out = xp.broadcast_to(x, shape).copy()
        out[m] = src.reshape(-1)[:k].astype(x.dtype, copy=False)
        ctx.args = (src.shape, k)
        ctx.save_for_backward(mask)
        return out

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        src_shape, k = ctx.args
        gx = g.masked_fill(mask, 0) if ctx.needs_input_grad[0] else None
        gs = None
        if ctx.needs_input_grad[2]:
            n = 1
            for s in src_shape:
                n *= s
            gs = pad_to(g.masked_select(mask), (n,)).reshape(src_shape)
        return gx, None, gs


@register()
def masked_scatter(input, mask, source):
    """A copy of input with consecutive source elements written where mask is True."""
    _check_mask(mask, "masked_scatter_")
    _broadcast_check(input.shape, mask.shape)
    if source.dtype is not input.dtype:
        raise RuntimeError(f"masked_scatter_: expected self and source to have same dtypes but "
                           f"got {input.dtype} and {source.dtype}")
    return MaskedScatter.apply(input, mask, source)


@register(function=False)
def masked_scatter_(input, mask, source):
    _check_mask(mask, "masked_scatter_")
    shape = _broadcast_check(input.shape, mask.shape)
    if tuple(shape) != tuple(input.shape):
        raise RuntimeError(f"masked_scatter_ expected mask to be broadcastable to self: mask "
                           f"{list(mask.shape)}, self {list(input.shape)}")
    return input.copy_(masked_scatter(input, mask, source))
