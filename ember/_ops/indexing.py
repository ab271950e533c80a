"""Tensor indexing: __getitem__ (basic indexing gives views, advanced copies), __setitem__,
index_put / index_put_ (accumulate)."""

import numpy as np

from ember import _tensor
from ember._ops._registry import register
from ember._ops._util import wrap_dim
from ember.autograd.function import Function

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
        from ember._ops import creation

        out = creation.zeros(ctx.shape, dtype=g.dtype, device=g.device)
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
        from ember._ops import creation

        out = creation.zeros(ctx.shape, dtype=g.dtype, device=g.device)
        return IndexPutAccumulate.apply(out, ctx.idx, g), None


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
        view = getitem(input, index)
        if isinstance(value, Tensor) and value._device is not input._device and value.ndim:
            raise RuntimeError("expected device " + str(input._device) + " but got device "
                               + str(value._device))
        view.copy_(value)
        return
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



# ------------------------------------------------------------------------------ helpers

_INT_KINDS = "iu"


def _check_index_dtype(index, name, allow_int32=True):
    dt = index._data.dtype
    if dt.kind not in _INT_KINDS or (dt.itemsize < 4) or (dt.itemsize == 4 and
                                                           not allow_int32):
        raise RuntimeError(f"{name}(): Expected dtype int32 or int64 for index" if allow_int32
                           else f"{name}(): Expected dtype int64 for index")


def _bounds(xp, idx, size, dim):
    """torch's RuntimeError for an index outside [0, size)."""
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= size:
            bad = lo if lo < 0 else hi
            raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size "
                               f"{size}")


def _contig_strides(shape):
    out = []
    acc = 1
    for s in reversed(shape):
        out.append(acc)
        acc *= s
    return out[::-1]


def _linear(xp, out_shape, idx, dim):
    """Flat positions in a contiguous `out_shape` array of scatter/gather index `idx`."""
    st = _contig_strides(out_shape)
    lin = idx.astype(np.int64) * st[dim]
    for d in range(idx.ndim):
        if d != dim and idx.shape[d] > 1:
            shape = [1] * idx.ndim
            shape[d] = idx.shape[d]
            lin = lin + xp.arange(idx.shape[d], dtype=np.int64).reshape(shape) * st[d]
    return xp.broadcast_to(lin, idx.shape)


def _add_at(xp, flat, lin, vals):
    """flat[lin] += vals with repeats adding up (flat: 1-D contiguous, modified in place)."""
    lin = lin.reshape(-1)
    vals = vals.reshape(-1)
    if flat.dtype.kind == "f" and lin.size > 64:
        # why: bincount is several times faster than ufunc.at for float sums
        flat += xp.bincount(lin, weights=vals, minlength=flat.size).astype(flat.dtype)
    elif flat.dtype.kind == "c" and lin.size > 64:
        acc = xp.bincount(lin, weights=vals.real, minlength=flat.size) + 1j * xp.bincount(
            lin, weights=vals.imag, minlength=flat.size)
        flat += acc.astype(flat.dtype)
    else:
        xp.add.at(flat, lin, vals)


def _corner(src, shape):
    """src[:shape[0], :shape[1], ...] (a view)."""
    if tuple(src.shape) == tuple(shape):
        return src
    return src[tuple(slice(0, s) for s in shape)]


class PadCorner(Function):
    """Zeros of `shape` with x in the leading corner (the gradient of taking a corner)."""

    node_name = "ConstantPadNdBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        out = ctx.xp.zeros(shape, dtype=x.dtype)
        out[tuple(slice(0, s) for s in x.shape)] = x
        return out

    @staticmethod
    def backward(ctx, g):
        return g[tuple(slice(0, s) for s in ctx.shape)], None


def _pad_to(g, shape):
    if tuple(g.shape) == tuple(shape):
        return g
    return PadCorner.apply(g, tuple(shape))


def _as_value_tensor(value, like):
    from ember._ops import creation

    if isinstance(value, Tensor):
        return value
    return creation.tensor(value, dtype=like.dtype, device=like.device)


# ------------------------------------------------------------------------------ gather / scatter


def _check_gather(input, dim, index, name, src=None):
    if index._data.dtype.kind not in _INT_KINDS or index._data.dtype.itemsize < 4:
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    n = max(input.ndim, 1)
    if max(index.ndim, 1) != n:
        raise RuntimeError("Index tensor must have the same number of dimensions as input "
                           "tensor")
    d = wrap_dim(dim, input.ndim)
    ishape = tuple(input.shape) or (1,)
    xshape = tuple(index.shape) or (1,)
    if src is not None:
        sshape = tuple(src.shape) or (1,)
        if max(src.ndim, 1) != n:
            raise RuntimeError("Index tensor must have the same number of dimensions as src "
                               "tensor")
        if any(xshape[k] > sshape[k] or (k != d and xshape[k] > ishape[k]) for k in range(n)):
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self "
                               f"{list(input.shape)} apart from dimension {d} and to be no "
                               f"larger size than src {list(src.shape)}")
    else:
        for k in range(n):
            if k != d and xshape[k] > ishape[k]:
                raise RuntimeError(f"Size does not match at dimension {k} expected index "
                                   f"{list(index.shape)} to be no larger than self "
                                   f"{list(input.shape)} apart from dimension {d}")
    _bounds(None, index._data, ishape[d], d)
    return d


class Gather(Function):
    node_name = "GatherBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim, idx):
        ctx.args = (x.shape, dim)
        ctx.save_for_backward(idx)
        x1 = x.reshape(x.shape or (1,))
        i1 = idx.reshape(idx.shape or (1,))
        region = list(x1.shape)
        region[dim] = x1.shape[dim]
        for k in range(i1.ndim):
            if k != dim:
                region[k] = i1.shape[k]
        out = ctx.xp.take_along_axis(_corner(x1, region), i1.astype(np.int64), dim)
        return out.reshape(idx.shape)

    @staticmethod
    def backward(ctx, g):
        shape, dim = ctx.args
        (idx,) = ctx.saved_tensors
        from ember._ops import creation

        z = creation.zeros(shape, dtype=g.dtype, device=g.device)
        return z.scatter_add(dim, idx, g), None, None


@register()
def gather(input, dim, index, *, sparse_grad=False, out=None):
    """out[i][j] = input[index[i][j]][j] (for dim=0): values picked along `dim`."""
    d = _check_gather(input, dim, index, "gather")
    return Gather.apply(input, d, index)


def _scatter_forward(xp, x, dim, idx, src, reduce):
    out = x.copy()
    shape = out.shape or (1,)
    flat = out.reshape(-1)
    i1 = idx.reshape(idx.shape or (1,))
    lin = _linear(xp, shape, i1, dim)
    if isinstance(src, xp.ndarray):
        vals = _corner(src.reshape(src.shape or (1,)), i1.shape).astype(x.dtype, copy=False)
    else:
        vals = xp.full(i1.shape, src, dtype=x.dtype)
    if reduce is None:
        flat[lin.reshape(-1)] = vals.reshape(-1)
    elif reduce in ("add", "sum"):
        _add_at(xp, flat, lin, vals)
    else:
        xp.multiply.at(flat, lin.reshape(-1), vals.reshape(-1))
    return out


class Scatter(Function):
    node_name = "ScatterBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim, idx, src, reduce):
        ctx.args = (dim, getattr(src, "shape", None))
        ctx.save_for_backward(idx)
        return _scatter_forward(ctx.xp, x, dim, idx, src, reduce)

    @staticmethod
    def backward(ctx, g):
        dim, src_shape = ctx.args
        (idx,) = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = g.scatter(dim, idx, 0) if need[0] else None
        gs = _pad_to(g.gather(dim, idx), src_shape) if src_shape is not None and need[3] \
            else None
        return gx, None, None, gs, None


class ScatterValue(Scatter):
    node_name = "ScatterBackward1"


class ScatterAdd(Function):
    node_name = "ScatterAddBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim, idx, src):
        ctx.args = (dim, src.shape)
        ctx.save_for_backward(idx)
        return _scatter_forward(ctx.xp, x, dim, idx, src, "add")

    @staticmethod
    def backward(ctx, g):
        dim, src_shape = ctx.args
        (idx,) = ctx.saved_tensors
        gs = _pad_to(g.gather(dim, idx), src_shape) if ctx.needs_input_grad[3] else None
        return g, None, None, gs


class ScatterMultiply(Function):
    node_name = "ScatterReduceBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim, idx, src, reduce):
        return _scatter_forward(ctx.xp, x, dim, idx, src, reduce)

    @staticmethod
    def backward(ctx, g):
        raise NotImplementedError("the derivative for 'scatter' with reduce='multiply' is not "
                                  "implemented.")


def _scatter_args(input, dim, index, src, value, reduce, name):
    if src is None:
        src = value
    if src is None:
        raise TypeError(f"{name}() missing 1 required positional argument: 'src' or 'value'")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
    if isinstance(src, Tensor):
        if src.dtype is not input.dtype:
            raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
        d = _check_gather(input, dim, index, name, src)
    else:
        if not isinstance(src, (int, float, bool, complex)):
            raise TypeError(f"{name}(): argument 'src' must be Tensor, not "
                            f"{type(src).__name__}")
        d = _check_gather(input, dim, index, name)
    return d, src


@register()
def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """A copy of input with src (a tensor or a scalar) written at index along dim."""
    d, src = _scatter_args(input, dim, index, src, value, reduce, "scatter")
    if reduce == "multiply" or (reduce == "add" and not isinstance(src, Tensor)):
        return ScatterMultiply.apply(input, d, index, src, reduce)
    if reduce == "add":
        return ScatterAdd.apply(input, d, index, src)
    cls = Scatter if isinstance(src, Tensor) else ScatterValue
    return cls.apply(input, d, index, src, None)


@register(function=False)
def scatter_(input, dim, index, src=None, value=None, *, reduce=None):
    return input.copy_(scatter(input, dim, index, src, value, reduce=reduce))


@register()
def scatter_add(input, dim, index, src):
    """A copy of input with src added at index along dim (repeats add up)."""
    d, src = _scatter_args(input, dim, index, src, None, None, "scatter_add")
    if not isinstance(src, Tensor):
        raise TypeError("scatter_add(): argument 'src' (position 3) must be Tensor, not "
                        f"{type(src).__name__}")
    return ScatterAdd.apply(input, d, index, src)


@register(function=False)
def scatter_add_(input, dim, index, src):
    return input.copy_(scatter_add(input, dim, index, src))


_IDENT = {"sum": 0, "mean": 0, "prod": 1}


class ScatterReduce(Function):
    node_name = "ScatterReduceBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim, idx, src, reduce, include_self):
        xp = ctx.xp
        shape = x.shape or (1,)
        i1 = idx.reshape(idx.shape or (1,))
        lin = _linear(xp, shape, i1, dim).reshape(-1)
        vals = _corner(src.reshape(src.shape or (1,)), i1.shape).reshape(-1)
        out = x.copy()
        flat = out.reshape(-1)
        hit = xp.zeros(flat.size, dtype=np.int64)
        _add_at(xp, hit, lin, xp.ones(lin.size, dtype=np.int64))
        scattered = hit > 0
        if not include_self:
            if reduce in _IDENT:
                flat[scattered] = _IDENT[reduce]
            else:
                info = xp.finfo(x.dtype) if x.dtype.kind == "f" else xp.iinfo(x.dtype)
                flat[scattered] = info.min if reduce == "amax" else info.max
        if reduce in ("sum", "mean"):
            _add_at(xp, flat, lin, vals)
        elif reduce == "prod":
            xp.multiply.at(flat, lin, vals)
        elif reduce == "amax":
            xp.maximum.at(flat, lin, vals)
        else:
            xp.minimum.at(flat, lin, vals)
        count = hit + (1 if include_self else 0)
        if reduce == "mean":
            c = xp.maximum(count, 1).astype(x.dtype)
            if x.dtype.kind == "f" or x.dtype.kind == "c":
                flat /= c
            else:
                flat //= c
        ctx.args = (dim, reduce, include_self, src.shape, x.shape)
        ctx.save_for_backward(x, idx, src, out)
        ctx.count = count
        return out

    @staticmethod
    def backward(ctx, g):
        dim, reduce, include_self, src_shape, x_shape = ctx.args
        x, idx, src, out = ctx.saved_tensors
        from ember._ops import creation

        count = _tensor.make(ctx.count.reshape(x_shape), g.device).to(g.dtype)
        s_view = src[tuple(slice(0, k) for k in idx.shape)] if src.ndim else src
        if reduce == "sum":
            gx = g if include_self else g.masked_fill(count > 0, 0)
            gs = g.gather(dim, idx)
        elif reduce == "mean":
            gm = g / count.clamp(min=1)
            gx = gm if include_self else g.masked_fill(count > 0, 0)
            gs = gm.gather(dim, idx)
        elif reduce in ("amax", "amin"):
            self_is = (x == out).to(g.dtype) if include_self else \
                (x == out).to(g.dtype) * (count == 0).to(g.dtype)
            src_is = (s_view == out.gather(dim, idx)).to(g.dtype)
            z = creation.zeros(x_shape, dtype=g.dtype, device=g.device)
            n = self_is + z.scatter_add(dim, idx, src_is)
            gn = g / n.clamp(min=1)
            gx = gn * self_is
            gs = gn.gather(dim, idx) * src_is
        else:
            gx, gs = _prod_grads(g, x, idx, s_view, out, dim, include_self)
        return gx, None, None, _pad_to(gs, src_shape), None, None


def _prod_grads(g, x, idx, s, out, dim, include_self):
    """Gradients of a scatter product, exact when factors are zero (no division by zero)."""
    from ember._ops import creation

    ones = creation.ones(x.shape, dtype=g.dtype, device=g.device)
    zero_s = s == 0
    s_nz = s.masked_fill(zero_s, 1)
    # product of the nonzero scattered factors and the number of zero factors, per position
    p_nz = ones.scatter_reduce(dim, idx, s_nz, "prod")
    n_zero = (ones * 0).scatter_add(dim, idx, zero_s.to(g.dtype))
    if include_self:
        gx = g * ones.scatter_reduce(dim, idx, s, "prod")
        x_zero = (x == 0).to(g.dtype)
        p_nz = p_nz * x.masked_fill(x == 0, 1)
        n_zero = n_zero + x_zero
    else:
        gx = g.masked_fill((ones * 0).scatter_add(dim, idx, s * 0 + 1) > 0, 0)
    # d out / d s_j: the product of all other factors
    others_nz = (p_nz.gather(dim, idx) / s_nz)
    nz_g = n_zero.gather(dim, idx)
    excl = others_nz * ((zero_s.logical_not() & (nz_g == 0)) | (zero_s & (nz_g == 1))).to(
        g.dtype)
    return gx, g.gather(dim, idx) * excl


@register()
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """A copy of input with src reduced (sum, prod, mean, amax, amin) at index along dim."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    d, src = _scatter_args(input, dim, index, src, None, None, "scatter_reduce")
    return ScatterReduce.apply(input, d, index, src, reduce, bool(include_self))


@register(function=False)
def scatter_reduce_(input, dim, index, src, reduce, *, include_self=True):
    return input.copy_(scatter_reduce(input, dim, index, src, reduce,
                                      include_self=include_self))


# ------------------------------------------------------------------------------ index_*


def _check_index_vector(input, dim, index, name):
    if index._data.dtype.kind not in _INT_KINDS or index._data.dtype.itemsize < 4:
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
        from ember._ops import creation

        return creation.zeros(shape, dtype=g.dtype, device=g.device).index_add(
            dim, idx.reshape(-1), g), None, None


@register()
def index_select(input, dim, index, *, out=None):
    """The slices at `index` (a vector) along `dim` (a copy)."""
    d = _check_index_vector(input, dim, index, "index_select")
    n = input.shape[d] if input.ndim else 1
    i = index._data
    if i.size and (int(i.min()) < 0 or int(i.max()) >= n):
        raise IndexError("index out of range in self")
    return IndexSelect.apply(input, d, index)


def _index_shape_check(input, d, index, source, name):
    n = input.shape[d] if input.ndim else 1
    i = index._data
    low = -n if name == "index_fill" else 0  # only index_fill wraps negative indices
    if i.size and (int(i.min()) < low or int(i.max()) >= n):
        bad = int(i.min()) if int(i.min()) < low else int(i.max())
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
    return _linear(xp, shape, xp.broadcast_to(idx.reshape(view), full), dim)


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
        _add_at(xp, out.reshape(-1), lin, vals)
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


# ------------------------------------------------------------------------------ masked_*


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
    from ember._ops._util import broadcast_shapes

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
        from ember._ops import creation

        z = creation.zeros(ctx.shape, dtype=g.dtype, device=g.device)
        return z.masked_scatter(mask, g), None


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
            gs = _pad_to(g.masked_select(mask), (n,)).reshape(src_shape)
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


# ------------------------------------------------------------------------------ take / put


class Take(Function):
    node_name = "TakeBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, idx):
        ctx.shape = x.shape
        ctx.save_for_backward(idx)
        return x.reshape(-1)[idx]

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        from ember._ops import creation

        z = creation.zeros(ctx.shape, dtype=g.dtype, device=g.device)
        return z.put(idx, g, accumulate=True), None


def _check_flat_index(input, index, name):
    if index._data.dtype != np.int64:
        raise RuntimeError(f"{name}(): Expected a long tensor for index, but got "
                           f"{index.dtype}")
    n = input.numel()
    i = index._data
    if i.size and (int(i.min()) < -n or int(i.max()) >= n):
        bad = int(i.min()) if int(i.min()) < -n else int(i.max())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")


@register()
def take(input, index):
    """Elements of the flattened input at `index` (shape of index; negatives wrap)."""
    _check_flat_index(input, index, "take")
    return Take.apply(input, index)


@register()
def take_along_dim(input, indices, dim=None, *, out=None):
    """Values at `indices` along dim, broadcasting input and indices (numpy take_along_axis)."""
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {input.ndim} dimensions for input, "
                           f"and {indices.ndim} dimensions for indices")
    if indices._data.dtype.kind not in _INT_KINDS:
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{indices.dtype}")
    d = wrap_dim(dim, input.ndim)
    si = list(input.shape)
    sx = list(indices.shape)
    si[d] = 1
    sx[d] = 1
    from ember._ops._util import broadcast_shapes

    b = list(broadcast_shapes(tuple(si), tuple(sx)))
    bi = list(b)
    bi[d] = input.shape[d]
    bx = list(b)
    bx[d] = indices.shape[d]
    return gather(input.expand(bi), d, indices.expand(bx))


class Put(Function):
    node_name = "PutBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, idx, src, accumulate):
        xp = ctx.xp
        ctx.args = (accumulate, src.shape)
        ctx.save_for_backward(idx)
        out = x.copy()
        flat = out.reshape(-1)
        lin = idx.reshape(-1) % max(flat.size, 1)
        vals = src.reshape(-1).astype(x.dtype, copy=False)
        if accumulate:
            _add_at(xp, flat, lin, vals)
        else:
            flat[lin] = vals
        return out

    @staticmethod
    def backward(ctx, g):
        accumulate, src_shape = ctx.args
        (idx,) = ctx.saved_tensors
        gx = None
        if ctx.needs_input_grad[0]:
            gx = g if accumulate else g.put(idx, g.new_zeros(idx.shape))
        gs = g.take(idx).reshape(src_shape) if ctx.needs_input_grad[2] else None
        return gx, None, gs, None


@register()
def put(input, index, source, accumulate=False):
    """A copy of input with source written (or added) at flat positions `index`."""
    _check_flat_index(input, index, "put")
    if index.numel() != source.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                           f"elements, but got source.numel() = {source.numel()}, "
                           f"index.numel() = {index.numel()}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {input.dtype} and source.dtype = {source.dtype}")
    return Put.apply(input, index, source, bool(accumulate))


@register(function=False)
def put_(input, index, source, accumulate=False):
    return input.copy_(put(input, index, source, accumulate))


# ------------------------------------------------------------------------------ nonzero


@register()
def nonzero(input, *, out=None, as_tuple=False):
    """Indices of nonzero elements: an (n, ndim) int64 tensor, or a tuple of 1-D tensors."""
    xp = _xp(input)
    arr = input._data
    if as_tuple:
        a1 = arr.reshape(1) if arr.ndim == 0 else arr
        return tuple(_tensor.make(i.astype(np.int64), input.device) for i in xp.nonzero(a1))
    if arr.ndim == 0:
        n = int(bool(arr))
        return _tensor.make(xp.zeros((n, 0), dtype=np.int64), input.device)
    idx = xp.nonzero(arr)
    return _tensor.make(xp.stack(idx, axis=1).astype(np.int64), input.device)


def _xp(t):
    from ember.autograd.function import xp_for

    return xp_for(t._device)


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
