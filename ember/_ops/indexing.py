"""Tensor indexing: __getitem__ (basic indexing gives views, advanced copies), __setitem__,
index_put / index_put_ (accumulate), nonzero, *_scatter; re-exports the index-tensor families."""

import numpy as np

from ember import _tensor
from ember._ops._registry import register
from ember._ops._util import wrap_dim
from ember.autograd.function import Function
from ember.autograd.function import xp_for

Tensor = _tensor.Tensor


def _as_tuple_index(index):
    """torch (like old NumPy) reads a short list holding sequences, slices, None, Ellipsis or
    tensors as a tuple of indices."""
    if isinstance(index, tuple):
        return index
    if isinstance(index, list) and len(index) < 32 and any(
            isinstance(i, (list, tuple, slice, Tensor)) or i is None or i is Ellipsis
            for i in index):
        return tuple(index)
    return (index,)


def _convert_index(index, xp):
    """Turn tensors in an index into backend arrays; report whether the index is basic."""
    index = _as_tuple_index(index)
    out = []
    basic = True
    for i in index:
        if isinstance(i, Tensor):
            basic = False
            arr = i._data
            if arr.dtype.kind not in "biu":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            out.append(arr)
        elif i is None or i is Ellipsis or isinstance(i, slice):
            if isinstance(i, slice):
                i = slice(_int_or_none(i.start), _int_or_none(i.stop), _int_or_none(i.step))
                if i.step is not None and i.step <= 0:
                    raise ValueError("step must be greater than zero")
            out.append(i)
        elif isinstance(i, (bool, np.bool_)):
            basic = False
            out.append(xp.asarray(i))
        elif isinstance(i, (int, np.integer)):
            out.append(int(i))
        elif isinstance(i, (list, tuple, np.ndarray)):
            basic = False
            arr = xp.asarray(_tensors_in_list(i))
            if arr.dtype.kind not in "biu":
                if arr.size == 0:
                    arr = arr.astype(np.int64)
                else:
                    raise IndexError("tensors used as indices must be long, int, byte or bool "
                                     "tensors")
            out.append(arr)
        elif isinstance(i, str):
            raise TypeError(f"new(): invalid data type '{type(i).__name__}'")
        elif hasattr(i, "__index__"):
            out.append(i.__index__())
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got {type(i).__name__})")
    return tuple(out), basic


def _int_or_none(v):
    if v is None:
        return None
    if isinstance(v, Tensor):
        return int(v.item())
    return v.__index__()


def _tensors_in_list(seq):
    return [(_tensors_in_list(s) if isinstance(s, (list, tuple)) else
             (s.item() if isinstance(s, Tensor) else s)) for s in seq]


def _index_error(e, shape):
    msg = str(e)
    if "out of bounds" in msg:
        msg = msg.replace("axis", "dimension")
    elif "too many indices" in msg:
        msg = f"too many indices for tensor of dimension {len(shape)}"
    elif "boolean index did not match" in msg:
        return IndexError(msg.replace("indexed array", "indexed tensor"))
    return IndexError(msg)


def _apply_index(x, idx):
    try:
        return x[idx]
    except IndexError as e:
        raise _index_error(e, x.shape) from None


class BasicIndex(Function):
    node_name = "SliceBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x, idx):
        from ember._ops.shape import _strided

        ctx.shape = x.shape
        ctx.idx = idx
        item = x.itemsize
        geo = _basic_geometry(x.shape, [s // item for s in x.strides], idx)
        return _strided(ctx.xp, x, *geo)

    @staticmethod
    def backward(ctx, g):
        out = g.new_zeros(ctx.shape)
        out[_wrap_back(ctx.idx)] = g
        return out, None


def _basic_geometry(shape, strides, idx):
    """(shape, strides, offset) of x[idx] for a basic index, applied left to right as torch
    does (so an inserted dim's stride matches torch's unsqueeze)."""
    items = idx if isinstance(idx, tuple) else (idx,)
    n = len(shape)
    real = sum(1 for i in items if i is not None and i is not Ellipsis)
    if real > n:
        raise IndexError(f"too many indices for tensor of dimension {n}")
    out_shape, out_strides = [], []
    offset = 0
    d = 0
    for i in items:
        if i is Ellipsis:
            for _ in range(n - real):
                out_shape.append(shape[d])
                out_strides.append(strides[d])
                d += 1
            real = n  # a second Ellipsis expands to nothing
        elif i is None:
            out_shape.append(1)
            out_strides.append(shape[d] * strides[d] if d < n else 1)
        elif isinstance(i, int):
            size = shape[d]
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {d} with size "
                                 f"{size}")
            offset += (i + size if i < 0 else i) * strides[d]
            d += 1
        else:
            start, stop, step = i.indices(shape[d])
            length = max(0, (stop - start + step - 1) // step)
            offset += start * strides[d]
            out_shape.append(length)
            out_strides.append(strides[d] * step)
            d += 1
    out_shape += shape[d:]
    out_strides += strides[d:]
    return tuple(out_shape), tuple(out_strides), offset


class AdvancedIndex(Function):
    node_name = "IndexBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, idx):
        ctx.shape = x.shape
        ctx.idx = idx
        out = _apply_index(x, idx)
        return ctx.xp.asarray(out)

    @staticmethod
    def backward(ctx, g):
        return IndexPutAccumulate.apply(g.new_zeros(ctx.shape), ctx.idx, g), None


def _wrap_back(idx):
    """Index arrays held by a node, re-wrapped as tensors for ember indexing."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    return tuple(_tensor.make(i, _tensor.device_of(i)) if hasattr(i, "dtype") and
                 hasattr(i, "shape") else i for i in idx)


class SelectIndex(BasicIndex):
    node_name = "SelectBackward0"


class UnsqueezeIndex(BasicIndex):
    node_name = "UnsqueezeBackward0"


class AliasIndex(BasicIndex):
    node_name = "AliasBackward0"


def _basic_node(idx, shape):
    """The Function whose node name matches the last view op torch applies for `idx`."""
    items = idx if isinstance(idx, tuple) else (idx,)
    n_real = sum(1 for i in items if i is not None and i is not Ellipsis)
    dims = list(shape)
    # torch skips full slices (0:size:1); find the last item that is not a no-op
    last = None
    pos = 0
    for i in items:
        if i is Ellipsis:
            pos += len(dims) - n_real
            continue
        if i is None:
            last = UnsqueezeIndex
            continue
        if isinstance(i, int):
            last = SelectIndex
        elif isinstance(i, slice):
            if i.indices(dims[pos]) != (0, dims[pos], 1) if pos < len(dims) else False:
                last = BasicIndex
        pos += 1
    return last or AliasIndex


@register(function=False, method=False, methods=("__getitem__",))
def getitem(input, index):
    if isinstance(index, int) and not isinstance(index, bool) and input._data.ndim:
        n = input._data.shape[0]
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of bounds for dimension 0 with size {n}")
    if input._data.ndim == 0 and isinstance(index, int) and not isinstance(index, bool):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                         "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    xp_index, basic = _convert_index(index, np)
    if basic:
        return _basic_node(xp_index, input._data.shape).apply(input, xp_index)
    split = _split_index(xp_index)
    if split is not None:
        return AdvancedIndex.apply(getitem(input, split[0]), split[1])
    return AdvancedIndex.apply(input, xp_index)


def _split_index(idx):
    """For an index mixing ints with advanced indices: (basic part, advanced part on its
    result). torch applies the ints as selects first; NumPy would broadcast them with the
    arrays, which places dims differently. None when there is no int."""
    if not any(isinstance(i, int) for i in idx):
        return None
    first, second = [], []
    for i in idx:
        if isinstance(i, int):
            first.append(i)
        elif i is None or isinstance(i, slice):
            first.append(i)
            second.append(slice(None))
        elif i is Ellipsis:
            first.append(i)
            second.append(i)
        elif i.ndim == 0 and i.dtype == np.bool_:
            second.append(i)
        else:
            first.extend([slice(None)] * (i.ndim if i.dtype == np.bool_ else 1))
            second.append(i)
    return tuple(first), tuple(second)


class IndexPut(Function):
    """x[idx] = value, in place."""

    node_name = "IndexPutBackward0"
    _array_io = True
    _inplace = True

    @staticmethod
    def forward(ctx, x, idx, value):
        ctx.idx = idx
        if isinstance(value, ctx.xp.ndarray):
            value = value.astype(x.dtype, copy=False)
        try:
            x[idx] = value
        except IndexError as e:
            raise _index_error(e, x.shape) from None
        except ValueError as e:
            target = x[idx].shape
            raise RuntimeError(f"shape mismatch: value tensor of shape "
                               f"{list(getattr(value, 'shape', ()))} cannot be broadcast to "
                               f"indexing result of shape {list(target)}") from e
        return x

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        idx = _wrap_back(ctx.idx)
        gx = gv = None
        if need[0]:
            gx = g.clone()
            gx[idx] = 0
        if need[2]:
            gv = g[idx]
        return gx, None, gv


@register(function=False, method=False, methods=("__setitem__",))
def setitem(input, index, value):
    xp_index, basic = _convert_index(index, np)
    split = None if basic else _split_index(xp_index)
    if split is not None:  # ints select first, then the advanced part writes into that view
        input = getitem(input, split[0])
        xp_index = split[1]
    if basic:  # write through a view: the base gets torch's CopySlices history
        _check_value_device(input, value)
        getitem(input, index).copy_(value)
        return
    if isinstance(value, Tensor):
        _check_value_device(input, value)
    elif not isinstance(value, (int, float, bool, complex, np.number, np.bool_)):
        from ember._ops import creation

        value = creation.tensor(value, dtype=input.dtype, device=input.device)
    IndexPut.apply(input, xp_index, value)


def _check_value_device(input, value):
    """A value tensor with dims must be on input's device (a 0-dim one may be anywhere)."""
    if isinstance(value, Tensor) and value._device is not input._device and value.ndim:
        raise RuntimeError(f"expected device {input._device} but got device {value._device}")


class IndexPutAccumulate(Function):
    """Out-of-place index_put with accumulate=True: duplicates add up."""

    node_name = "IndexPutBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, idx, value):
        ctx.idx = idx
        out = x.copy()
        ctx.xp.add.at(out, idx, value.astype(x.dtype, copy=False))
        return out

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        return (g if need[0] else None), None, (g[_wrap_back(ctx.idx)] if need[2] else None)


class IndexPutCopy(Function):
    """Out-of-place index_put without accumulation."""

    node_name = "IndexPutBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, idx, value):
        ctx.idx = idx
        out = x.copy()
        out[idx] = value
        return out

    backward = IndexPut.backward


@register()
def index_put(input, indices, values, accumulate=False):
    """A copy of input with values written (or added, if accumulate) at indices."""
    idx, _ = _convert_index(tuple(indices), np)
    if not isinstance(values, Tensor):
        from ember._ops import creation

        values = creation.tensor(values, dtype=input.dtype, device=input.device)
    if accumulate:
        return IndexPutAccumulate.apply(input, idx, values)
    return IndexPutCopy.apply(input, idx, values)


@register(function=False)
def index_put_(input, indices, values, accumulate=False):
    """Write (or add, if accumulate) values at indices, in place."""
    return input.copy_(index_put(input, indices, values, accumulate))


# ------------------------------------------------------------------------------ nonzero


@register()
def nonzero(input, *, out=None, as_tuple=False):
    """Indices of nonzero elements: an (n, ndim) int64 tensor, or a tuple of 1-D tensors."""
    xp = xp_for(input._device)
    arr = input._data
    if as_tuple:
        a1 = arr.reshape(1) if arr.ndim == 0 else arr
        return tuple(_tensor.make(i.astype(np.int64), input.device) for i in xp.nonzero(a1))
    if arr.ndim == 0:
        n = int(bool(arr))
        return _tensor.make(xp.zeros((n, 0), dtype=np.int64), input.device)
    idx = xp.nonzero(arr)
    return _tensor.make(xp.stack(idx, axis=1).astype(np.int64), input.device)


@register()
def argwhere(input):
    """Indices of nonzero elements as an (n, ndim) tensor."""
    return nonzero(input)


# ------------------------------------------------------------------------------ *_scatter


def _scatter_into(input, src, view_fn, name):
    """A copy of input whose view `view_fn(copy)` holds src (differentiable in both)."""
    out = input.clone()
    target = view_fn(out)
    if tuple(target.shape) != tuple(src.shape):
        raise RuntimeError(f"{name}: expected src to have a size equal to the slice of self. "
                           f"src size = {list(src.shape)}, slice size = {list(target.shape)}")
    target.copy_(src)
    return out


@register()
def select_scatter(input, src, dim, index):
    """A copy of input with src embedded at `index` along dim."""
    return _scatter_into(input, src, lambda t: t.select(dim, index), "select_scatter")


@register()
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of input with src embedded at the slice start:end:step of dim."""
    def view(t):
        idx = [slice(None)] * t.ndim
        idx[wrap_dim(dim, t.ndim)] = slice(start, end, step)
        return t[tuple(idx)]

    return _scatter_into(input, src, view, "slice_scatter")


@register()
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of input with src embedded on a diagonal."""
    return _scatter_into(input, src, lambda t: t.diagonal(offset, dim1, dim2),
                         "diagonal_scatter")


# the index-tensor families, registered with this module and reachable through it
from ember._ops.gather_scatter import gather  # noqa: E402,F401
from ember._ops.gather_scatter import put  # noqa: E402,F401
from ember._ops.gather_scatter import put_  # noqa: E402,F401
from ember._ops.gather_scatter import scatter  # noqa: E402,F401
from ember._ops.gather_scatter import scatter_  # noqa: E402,F401
from ember._ops.gather_scatter import scatter_add  # noqa: E402,F401
from ember._ops.gather_scatter import scatter_add_  # noqa: E402,F401
from ember._ops.gather_scatter import scatter_reduce  # noqa: E402,F401
from ember._ops.gather_scatter import scatter_reduce_  # noqa: E402,F401
from ember._ops.gather_scatter import take  # noqa: E402,F401
from ember._ops.gather_scatter import take_along_dim  # noqa: E402,F401
from ember._ops.index_dim import index_add  # noqa: E402,F401
from ember._ops.index_dim import index_add_  # noqa: E402,F401
from ember._ops.index_dim import index_copy  # noqa: E402,F401
from ember._ops.index_dim import index_copy_  # noqa: E402,F401
from ember._ops.index_dim import index_fill  # noqa: E402,F401
from ember._ops.index_dim import index_fill_  # noqa: E402,F401
from ember._ops.index_dim import index_select  # noqa: E402,F401
from ember._ops.masked import masked_fill  # noqa: E402,F401
from ember._ops.masked import masked_fill_  # noqa: E402,F401
from ember._ops.masked import masked_scatter  # noqa: E402,F401
from ember._ops.masked import masked_scatter_  # noqa: E402,F401
from ember._ops.masked import masked_select  # noqa: E402,F401
