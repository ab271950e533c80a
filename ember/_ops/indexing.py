"""Tensor indexing: __getitem__ (basic indexing gives views, advanced copies), __setitem__,
index_put / index_put_ (accumulate)."""

import numpy as np

from ember import _tensor
from ember._ops._registry import register
from ember.autograd.function import Function

Tensor = _tensor.Tensor


def _convert_index(index, xp):
    """Turn tensors in an index into backend arrays; report whether the index is basic."""
    if not isinstance(index, tuple):
        index = (index,)
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
        elif hasattr(i, "__index__"):
            out.append(i.__index__())
        else:
            raise TypeError(f"only integers, slices (`:`), ellipsis (`...`), None and long or "
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
        ctx.shape = x.shape
        ctx.idx = idx
        out = _apply_index(x, idx)
        if not isinstance(out, ctx.xp.ndarray):  # integer indexing down to a 0-dim view
            out = x[idx + (Ellipsis,)] if isinstance(idx, tuple) else x[idx, ...]
        return out

    @staticmethod
    def backward(ctx, g):
        from ember._ops import creation

        out = creation.zeros(ctx.shape, dtype=g.dtype, device=g.device)
        out[_wrap_back(ctx.idx)] = g
        return out, None


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
        from ember._ops import creation

        out = creation.zeros(ctx.shape, dtype=g.dtype, device=g.device)
        return IndexPutAccumulate.apply(out, ctx.idx, g), None


def _wrap_back(idx):
    """Index arrays held by a node, re-wrapped as tensors for ember indexing."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    return tuple(_tensor.make(i, _tensor.device_of(i)) if hasattr(i, "dtype") and
                 hasattr(i, "shape") else i for i in idx)


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
        return BasicIndex.apply(input, xp_index)
    return AdvancedIndex.apply(input, xp_index)


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
    xp_index, _ = _convert_index(index, np)
    if isinstance(value, Tensor):
        if value._device is not input._device and value.ndim:
            raise RuntimeError("expected device " + str(input._device) + " but got device "
                               + str(value._device))
    elif not isinstance(value, (int, float, bool, complex, np.number, np.bool_)):
        from ember._ops import creation

        value = creation.tensor(value, dtype=input.dtype, device=input.device)
    IndexPut.apply(input, xp_index, value)


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

