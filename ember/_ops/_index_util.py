"""Helpers shared by the index-tensor ops (gather/scatter, index_*, masked_*, take/put): bounds,
flat positions, accumulation and corner padding."""

import numpy as np

from ember._backend import checks_values
from ember._ops.shape import _contiguous_strides
from ember.autograd.function import Function

INT_KINDS = "iu"


def is_index_dtype(dt):
    """int32 or int64 (and unsigned of those sizes): what gather/scatter/index_* accept."""
    return dt.kind in INT_KINDS and dt.itemsize >= 4


def out_of_range(idx, low, high):
    """The first index value outside [low, high) (the smallest if any is too low, else the
    largest), or None when all are inside. Device arrays are not checked (no host sync per
    op; see ember._backend.checks_values)."""
    if not idx.size or not checks_values(idx):
        return None
    lo, hi = int(idx.min()), int(idx.max())
    if lo < low:
        return lo
    return hi if hi >= high else None


def check_bounds(idx, size, dim):
    """torch's RuntimeError for an index outside [0, size)."""
    bad = out_of_range(idx, 0, size)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def linear_positions(xp, out_shape, idx, dim):
    """Flat positions in a contiguous `out_shape` array of scatter/gather index `idx`."""
    st = _contiguous_strides(out_shape)
    lin = idx.astype(np.int64) * st[dim]
    for d in range(idx.ndim):
        if d != dim and idx.shape[d] > 1:
            shape = [1] * idx.ndim
            shape[d] = idx.shape[d]
            lin = lin + xp.arange(idx.shape[d], dtype=np.int64).reshape(shape) * st[d]
    return xp.broadcast_to(lin, idx.shape)


def add_at(xp, flat, lin, vals):
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


def corner(src, shape):
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


def pad_to(g, shape):
    """g zero-padded at the end of each dim up to `shape` (differentiable)."""
    if tuple(g.shape) == tuple(shape):
        return g
    return PadCorner.apply(g, tuple(shape))
