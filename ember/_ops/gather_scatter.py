"""Gather and scatter along index tensors: gather, scatter (+add, reduce), take, take_along_dim,
put."""

import numpy as np

from ember import _tensor
from ember._ops._index_util import INT_KINDS
from ember._ops._index_util import add_at
from ember._ops._index_util import check_bounds
from ember._ops._index_util import corner
from ember._ops._index_util import is_index_dtype
from ember._ops._index_util import linear_positions
from ember._ops._index_util import out_of_range
from ember._ops._index_util import pad_to
from ember._ops._registry import register
from ember._ops._util import broadcast_shapes
from ember._ops._util import wrap_dim
from ember.autograd.function import Function

Tensor = _tensor.Tensor


def _check_gather(input, dim, index, name, src=None):
    if not is_index_dtype(index._data.dtype):
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
    check_bounds(index._data, ishape[d], d)
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
        out = ctx.xp.take_along_axis(corner(x1, region), i1.astype(np.int64), dim)
        return out.reshape(idx.shape)

    @staticmethod
    def backward(ctx, g):
        shape, dim = ctx.args
        (idx,) = ctx.saved_tensors
        return g.new_zeros(shape).scatter_add(dim, idx, g), None, None


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
    lin = linear_positions(xp, shape, i1, dim)
    if isinstance(src, xp.ndarray):
        vals = corner(src.reshape(src.shape or (1,)), i1.shape).astype(x.dtype, copy=False)
    else:
        vals = xp.full(i1.shape, src, dtype=x.dtype)
    if reduce is None:
        flat[lin.reshape(-1)] = vals.reshape(-1)
    elif reduce in ("add", "sum"):
        add_at(xp, flat, lin, vals)
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
        gs = pad_to(g.gather(dim, idx), src_shape) if src_shape is not None and need[3] \
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
        gs = pad_to(g.gather(dim, idx), src_shape) if ctx.needs_input_grad[3] else None
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
        lin = linear_positions(xp, shape, i1, dim).reshape(-1)
        vals = corner(src.reshape(src.shape or (1,)), i1.shape).reshape(-1)
        out = x.copy()
        flat = out.reshape(-1)
        hit = xp.zeros(flat.size, dtype=np.int64)
        add_at(xp, hit, lin, xp.ones(lin.size, dtype=np.int64))
        scattered = hit > 0
        if not include_self:
            if reduce in _IDENT:
                flat[scattered] = _IDENT[reduce]
            else:
                info = xp.finfo(x.dtype) if x.dtype.kind == "f" else xp.iinfo(x.dtype)
                flat[scattered] = info.min if reduce == "amax" else info.max
        if reduce in ("sum", "mean"):
            add_at(xp, flat, lin, vals)
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
            n = self_is + g.new_zeros(x_shape).scatter_add(dim, idx, src_is)
            gn = g / n.clamp(min=1)
            gx = gn * self_is
            gs = gn.gather(dim, idx) * src_is
        else:
            gx, gs = _prod_grads(g, x, idx, s_view, out, dim, include_self)
        return gx, None, None, pad_to(gs, src_shape), None, None


def _prod_grads(g, x, idx, s, out, dim, include_self):
    """Gradients of a scatter product, exact when factors are zero (no division by zero)."""
    ones = g.new_ones(x.shape)
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
        return g.new_zeros(ctx.shape).put(idx, g, accumulate=True), None


def _check_flat_index(input, index, name):
    if index._data.dtype != np.int64:
        raise RuntimeError(f"{name}(): Expected a long tensor for index, but got "
                           f"{index.dtype}")
    n = input.numel()
    bad = out_of_range(index._data, -n, n)
    if bad is not None:
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
    if indices._data.dtype.kind not in INT_KINDS:
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{indices.dtype}")
    d = wrap_dim(dim, input.ndim)
    si = list(input.shape)
    sx = list(indices.shape)
    si[d] = 1
    sx[d] = 1
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
            add_at(xp, flat, lin, vals)
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
