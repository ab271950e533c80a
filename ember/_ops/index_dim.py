"""Slices along one dim at index positions: index_select, index_add, index_copy, index_fill."""

import numpy as np

from ember import _tensor
from ember._ops._index_util import add_at
from ember._ops._index_util import is_index_dtype
from ember._ops._index_util import linear_positions
from ember._ops._index_util import out_of_range
from ember._ops._registry import register
from ember._ops._util import wrap_dim
from ember.autograd.function import Function

Tensor = _tensor.Tensor


def _check_index_vector(input, dim, index, name):
    if not is_index_dtype(index._data.dtype):
        raise RuntimeError(f"{name}(): Expected dtype int32 or int64 for index")
    if index.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    return wrap_dim(dim, input.ndim)


class IndexSelect(Function):
    node_name = "IndexSelectBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim, idx):
        ctx.args = (x.shape, dim)
        ctx.save_for_backward(idx)
        x1 = x.reshape(x.shape or (1,))
        out = ctx.xp.take(x1, idx.reshape(-1), axis=dim)
        return out.reshape(()) if x.ndim == 0 else out

    @staticmethod
    def backward(ctx, g):
        shape, dim = ctx.args
        (idx,) = ctx.saved_tensors
        return g.new_zeros(shape).index_add(dim, idx.reshape(-1), g), None, None


@register()
def index_select(input, dim, index, *, out=None):
    """The slices at `index` (a vector) along `dim` (a copy)."""
    d = _check_index_vector(input, dim, index, "index_select")
    n = input.shape[d] if input.ndim else 1
    if out_of_range(index._data, 0, n) is not None:
        raise IndexError("index out of range in self")
    return IndexSelect.apply(input, d, index)


def _index_shape_check(input, d, index, source, name):
    n = input.shape[d] if input.ndim else 1
    low = -n if name == "index_fill" else 0  # only index_fill wraps negative indices
    bad = out_of_range(index._data, low, n)
    if bad is not None:
        msg = f"index {bad} is out of bounds for dimension {d} with size {n}"
        if name == "index_add":
            raise RuntimeError(msg)
        raise IndexError(msg if name == "index_fill" else f"{name}_(): {msg}")
    if source is not None:
        exp = list(input.shape)
        if exp:
            exp[d] = index.numel()
        if list(source.shape) != exp and not (source.ndim == 0 and index.numel() == 1
                                               and input.ndim <= 1):
            raise RuntimeError(f"{name}(): Source/destination tensor must have same slice "
                               f"shapes. Destination slice shape: "
                               f"{list(input.shape[:d]) + list(input.shape[d + 1:])} at "
                               f"dimension {d} and source slice shape: "
                               f"{list(source.shape[:d]) + list(source.shape[d + 1:])} at "
                               f"dimension 0.")


def _index_linear(xp, shape, dim, idx):
    """Flat positions of every element of the slices `idx` along `dim` (index_add layout)."""
    shape = shape or (1,)
    n = shape[dim]
    idx = idx.reshape(-1).astype(np.int64) % max(n, 1)
    view = [1] * len(shape)
    view[dim] = idx.size
    full = list(shape)
    full[dim] = idx.size
    return linear_positions(xp, shape, xp.broadcast_to(idx.reshape(view), full), dim)


class IndexAdd(Function):
    node_name = "IndexAddBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim, idx, src, alpha):
        xp = ctx.xp
        ctx.args = (dim, alpha, src.shape)
        ctx.save_for_backward(idx)
        out = x.copy()
        lin = _index_linear(xp, x.shape, dim, idx)
        vals = src.reshape(lin.shape).astype(x.dtype, copy=False)
        if alpha != 1:
            vals = vals * alpha
        add_at(xp, out.reshape(-1), lin, vals)
        return out

    @staticmethod
    def backward(ctx, g):
        dim, alpha, src_shape = ctx.args
        (idx,) = ctx.saved_tensors
        gs = None
        if ctx.needs_input_grad[3]:
            gs = g.index_select(dim, idx.reshape(-1)).reshape(src_shape)
            if alpha != 1:
                gs = gs * alpha
        return g, None, None, gs, None


@register()
def index_add(input, dim, index, source, *, alpha=1):
    """A copy of input with alpha * source added at `index` along dim (repeats add up)."""
    d = _check_index_vector(input, dim, index, "index_add")
    _index_shape_check(input, d, index, source, "index_add")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype}) and source ({source.dtype}) "
                           "must have the same scalar type")
    return IndexAdd.apply(input, d, index, source, alpha)


@register(function=False)
def index_add_(input, dim, index, source, *, alpha=1):
    return input.copy_(index_add(input, dim, index, source, alpha=alpha))


class IndexCopy(Function):
    node_name = "IndexCopyBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim, idx, src):
        ctx.args = (dim, src.shape)
        ctx.save_for_backward(idx)
        out = x.copy()
        lin = _index_linear(ctx.xp, x.shape, dim, idx)
        out.reshape(-1)[lin.reshape(-1)] = src.reshape(-1).astype(x.dtype, copy=False)
        return out

    @staticmethod
    def backward(ctx, g):
        dim, src_shape = ctx.args
        (idx,) = ctx.saved_tensors
        gx = g.index_fill(dim, idx.reshape(-1), 0) if ctx.needs_input_grad[0] else None
        gs = g.index_select(dim, idx.reshape(-1)).reshape(src_shape) \
            if ctx.needs_input_grad[3] else None
        return gx, None, None, gs


@register()
def index_copy(input, dim, index, source):
    """A copy of input with the slices at `index` along dim replaced by source."""
    d = _check_index_vector(input, dim, index, "index_copy")
    if index._data.dtype != np.int64:
        raise RuntimeError("index_copy_(): Expected a long tensor for index, but got "
                           f"{index.dtype}")
    _index_shape_check(input, d, index, source, "index_copy")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, "
                           f"but got (self) {input.dtype} and (source) {source.dtype}")
    return IndexCopy.apply(input, d, index, source)


@register(function=False)
def index_copy_(input, dim, index, source):
    return input.copy_(index_copy(input, dim, index, source))


class IndexFill(Function):
    node_name = "IndexFillBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim, idx, value):
        ctx.dim = dim
        ctx.save_for_backward(idx)
        out = x.copy()
        lin = _index_linear(ctx.xp, x.shape, dim, idx)
        out.reshape(-1)[lin.reshape(-1)] = value
        return out

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        gx = g.index_fill(ctx.dim, idx, 0) if ctx.needs_input_grad[0] else None
        gv = None
        if ctx.needs_input_grad[3]:
            gv = (g - g.index_fill(ctx.dim, idx, 0)).sum()
        return gx, None, None, gv


class IndexFillTensor(IndexFill):
    node_name = "IndexFillBackward1"


@register()
def index_fill(input, dim, index, value):
    """A copy of input with the slices at `index` along dim set to value."""
    d = _check_index_vector(input, dim, index, "index_fill")
    if index._data.dtype != np.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    _index_shape_check(input, d, index, None, "index_fill")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.ndim} dimension(s).")
        return IndexFillTensor.apply(input, d, index, value)
    return IndexFill.apply(input, d, index, value)


@register(function=False)
def index_fill_(input, dim, index, value):
    return input.copy_(index_fill(input, dim, index, value))
