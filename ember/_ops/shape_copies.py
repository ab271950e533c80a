"""Shape ops that copy: flip, fliplr/flipud, roll, rot90, tril/triu (+ in-place and index
lists), diag_embed, diag, diagflat."""

import numpy as np

from ember._ops._registry import register
from ember._ops._util import shape_arg
from ember._ops._util import wrap_dim
from ember._ops.shape import _contiguous_strides
from ember._ops.shape import _diag_geometry
from ember._ops.shape import _strided
from ember._ops.shape import diag_embed_into
from ember.autograd.function import Function


class Flip(Function):
    node_name = "FlipBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return ctx.xp.flip(x, dims).copy() if dims else x.copy()

    @staticmethod
    def backward(ctx, g):
        return g.flip(ctx.dims), None


@register()
def flip(input, *dims):
    """Reverse the order of elements along the given dims (a copy)."""
    dims = shape_arg(dims)
    d = tuple(wrap_dim(x, input.ndim) for x in dims)
    if len(set(d)) != len(d):
        raise RuntimeError(f"dim {d[0]} appears multiple times in the list of dims")
    return Flip.apply(input, d)


@register()
def fliplr(input):
    """Flip along dim 1."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


@register()
def flipud(input):
    """Flip along dim 0."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


class Roll(Function):
    node_name = "RollBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.args = (shifts, dims)
        if dims is None:
            return ctx.xp.roll(x.reshape(-1), shifts[0]).reshape(x.shape)
        return ctx.xp.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        shifts, dims = ctx.args
        neg = tuple(-s for s in shifts)
        return g.roll(neg, dims), None, None


@register()
def roll(input, shifts, dims=None):
    """Shift elements circularly along dims (or over the flattened tensor)."""
    shifts = (shifts,) if isinstance(shifts, int) else tuple(int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims:0")
        return Roll.apply(input, shifts, None)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:"
                           f"{len(dims)}")
    dims = tuple(wrap_dim(d, input.ndim) for d in dims)
    return Roll.apply(input, shifts, dims)


@register()
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane of `dims` (from the first towards the second)."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = wrap_dim(dims[0], input.ndim), wrap_dim(dims[1], input.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    k %= 4
    if k == 1:
        return flip(input, d1).transpose(d0, d1)
    if k == 2:
        return flip(input, d0, d1)
    if k == 3:
        return flip(input, d0).transpose(d0, d1)
    return input.clone()


class Tril(Function):
    node_name = "TrilBackward0"
    _array_io = True
    upper = False

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return _triangle(ctx.xp, x, k, False)

    @staticmethod
    def backward(ctx, g):
        return g.tril(ctx.k), None


class Triu(Function):
    node_name = "TriuBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return _triangle(ctx.xp, x, k, True)

    @staticmethod
    def backward(ctx, g):
        return g.triu(ctx.k), None


def _triangle(xp, x, k, upper):
    r, c = x.shape[-2:]
    rows = xp.arange(r)[:, None]
    cols = xp.arange(c)[None, :]
    keep = (cols - rows >= k) if upper else (cols - rows <= k)
    return xp.where(keep, x, xp.zeros((), dtype=x.dtype))


class TrilInplace(Function):
    node_name = "TrilBackward0"
    _array_io = True
    _inplace = True

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        x[...] = _triangle(ctx.xp, x, k, False)
        return x

    backward = Tril.backward


class TriuInplace(Function):
    node_name = "TriuBackward0"
    _array_io = True
    _inplace = True

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        x[...] = _triangle(ctx.xp, x, k, True)
        return x

    backward = Triu.backward


def _tri_check(input, name):
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


@register()
def tril(input, diagonal=0, *, out=None):
    """The lower triangle (elements with col - row <= diagonal); the rest zero."""
    _tri_check(input, "tril")
    return Tril.apply(input, int(diagonal))


@register()
def triu(input, diagonal=0, *, out=None):
    """The upper triangle (elements with col - row >= diagonal); the rest zero."""
    _tri_check(input, "triu")
    return Triu.apply(input, int(diagonal))


@register(function=False)
def tril_(input, diagonal=0):
    _tri_check(input, "tril")
    return TrilInplace.apply(input, int(diagonal))


@register(function=False)
def triu_(input, diagonal=0):
    _tri_check(input, "triu")
    return TriuInplace.apply(input, int(diagonal))


def _tri_indices(row, col, offset, dtype, device, upper):
    from ember import _dtype
    from ember._ops import creation

    if row < 0 or col < 0:
        raise RuntimeError(f"row must be non-negative, got{row}" if row < 0 else
                           f"col must be non-negative, got{col}")
    r = np.arange(row)[:, None]
    c = np.arange(col)[None, :]
    keep = (c - r >= offset) if upper else (c - r <= offset)
    rr, cc = np.nonzero(keep)
    dt = dtype or _dtype.int64
    return creation.tensor(np.stack([rr, cc]).astype(np.int64), dtype=dt, device=device)


@register(method=False)
def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """Coordinates (2 x N) of the lower triangle of a row x col matrix, row-major."""
    return _tri_indices(row, col, offset, dtype, device, False)


@register(method=False)
def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """Coordinates (2 x N) of the upper triangle of a row x col matrix, row-major."""
    return _tri_indices(row, col, offset, dtype, device, True)


class DiagEmbed(Function):
    node_name = "DiagEmbedBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, offset, d1, d2, shape):
        ctx.args = (offset, d1, d2)
        out = ctx.xp.zeros(shape, dtype=x.dtype)
        geo = _diag_geometry(shape, _contiguous_strides(shape), offset, d1, d2)
        _strided(ctx.xp, out, *geo)[...] = x
        return out

    @staticmethod
    def backward(ctx, g):
        offset, d1, d2 = ctx.args
        return g.diagonal(offset, d1, d2), None, None, None, None


@register()
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Tensors whose (dim1, dim2) diagonals are the last dimension of input."""
    n = input.ndim + 1
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    m = input.shape[-1] + abs(offset) if input.ndim else 1 + abs(offset)
    rest = list(input.shape[:-1])
    shape = []
    for i in range(n):
        shape.append(m if i in (d1, d2) else rest.pop(0))
    return DiagEmbed.apply(input, int(offset), d1, d2, tuple(shape))


class DiagCopy(Function):
    node_name = "DiagonalBackward0_copy"
    _array_io = True

    @staticmethod
    def forward(ctx, x, offset):
        ctx.args = (x.shape, offset)
        return ctx.xp.diagonal(x, offset).copy()

    @staticmethod
    def backward(ctx, g):
        shape, offset = ctx.args
        return diag_embed_into(g, shape, offset, 0, 1), None


@register()
def diag(input, diagonal=0):
    """1-D input: a square matrix with it on a diagonal; 2-D input: a diagonal as 1-D."""
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        return DiagCopy.apply(input, int(diagonal))
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{input.ndim}D")


@register()
def diagflat(input, offset=0):
    """A 2-D tensor with the flattened input on a diagonal."""
    return diag_embed(input.reshape(-1), offset, 0, 1)
