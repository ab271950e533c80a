"""Distances and assorted ops: cdist, cosine_similarity, pairwise_distance, diff, cov,
corrcoef, trapezoid / cumulative_trapezoid, cartesian_prod, combinations, block_diag, vander.
"""

import itertools
import math

from ember import _dtype
from ember import _tensor
from ember._ops._registry import register
from ember._ops._util import wrap_dim
from ember.autograd.function import Function
from ember.autograd.function import once_differentiable
from ember.autograd.grad_mode import _GradState

Tensor = _tensor.Tensor


def _const(arr, like):
    return _tensor.make(arr, like.device)


def _abs(x):
    return _where(x < 0, -x, x)


def _where(c, a, b):
    from ember._ops import elementwise

    return elementwise.where(c, a, b)


def _sign(x):
    return (x > 0).to(x.dtype) - (x < 0).to(x.dtype)


# ------------------------------------------------------------------------------ vector norm

class VecNorm(Function):
    """p-norm along dims (the fallback behind linalg.vector_norm when reduction lacks one)."""

    node_name = "LinalgVectorNormBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        xp = ctx.xp
        ax = xp.abs(x)
        if p == math.inf:
            out = ax.max(axis=dims, keepdims=True) if ax.size else xp.zeros(
                [1 if d in dims else s for d, s in enumerate(x.shape)], ax.dtype)
        elif p == -math.inf:
            out = ax.min(axis=dims, keepdims=True)
        elif p == 0:
            out = (ax != 0).sum(axis=dims, keepdims=True).astype(ax.dtype)
        elif p == 1:
            out = ax.sum(axis=dims, keepdims=True)
        elif p == 2:
            out = xp.sqrt((ax * ax).sum(axis=dims, keepdims=True))
        else:
            out = (ax ** p).sum(axis=dims, keepdims=True) ** (1.0 / p)
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        out = out if keepdim else out.squeeze(axis=dims)
        ctx.save_for_backward(x, out)  # the output itself: double backward flows through it
        return out

    @staticmethod
    def backward(ctx, g):
        x, n = ctx.saved_tensors
        p = ctx.p
        if not ctx.keepdim:
            for d in sorted(ctx.dims):
                g = g.unsqueeze(d)
                n = n.unsqueeze(d)
        if p == 0:
            return g * 0 * x, None, None, None
        ax = _abs(x)
        sgn = _sign(x) if not x.dtype.is_complex else x / _where(ax == 0, ax + 1, ax)
        if p in (math.inf, -math.inf):
            hit = (ax == n).to(ax.dtype)
            count = hit.sum(ctx.dims, keepdim=True)
            return g * sgn * hit / count, None, None, None
        if p == 1:
            return g * sgn, None, None, None
        safe = _where(n == 0, n + 1, n)
        if p == 2:
            return g * x / safe * (n != 0).to(n.dtype), None, None, None
        return g * sgn * ax ** (p - 1) / safe ** (p - 1) * (n != 0).to(n.dtype), None, None, \
            None


def _vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_dtype.SCALAR_NAMES[x.dtype]}")
    if dim is None:
        dims = tuple(range(x.ndim))
    elif isinstance(dim, int):
        dims = (wrap_dim(dim, x.ndim),)
    else:
        dims = tuple(wrap_dim(d, x.ndim) for d in dim)
    if x.ndim == 0:
        x = x.reshape(1)
        out = VecNorm.apply(x, float(ord), (0,), False)
        return out
    return VecNorm.apply(x, float(ord), dims, keepdim)


# ------------------------------------------------------------------------------ cdist

class Cdist(Function):
    node_name = "CdistBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x1, x2, p):
        xp = ctx.xp
        x1_in, x2_in = x1, x2
        rt = _dtype.result_type(x1, x2)
        x1 = x1.astype(rt.np_dtype, copy=False)
        x2 = x2.astype(rt.np_dtype, copy=False)
        bs = tuple(xp.broadcast_shapes(x1.shape[:-2], x2.shape[:-2]))
        x1 = xp.broadcast_to(x1, bs + x1.shape[-2:])
        x2 = xp.broadcast_to(x2, bs + x2.shape[-2:])
        ctx.p = p
        if p == 2:
            # why: the Gram form is one GEMM instead of a (P, R, M) difference tensor
            sq1 = (x1 * x1).sum(-1)[..., :, None]
            sq2 = (x2 * x2).sum(-1)[..., None, :]
            d2 = sq1 + sq2 - 2 * (x1 @ x2.swapaxes(-1, -2))
            small = d2 < 1e-4 * (sq1 + sq2)  # cancellation: recompute those exactly
            if small.any():
                idx = xp.nonzero(small)
                diffs = x1[idx[:-1]] - x2[idx[:-2] + (idx[-1],)]
                d2[idx] = (diffs * diffs).sum(-1)
            out = xp.sqrt(xp.maximum(d2, 0))
        else:
            d = xp.abs(x1[..., :, None, :] - x2[..., None, :, :])
            if p == 0:
                out = (d != 0).sum(-1).astype(x1.dtype)
            elif p == 1:
                out = d.sum(-1)
            elif p == math.inf:
                out = d.max(-1) if d.shape[-1] else d.sum(-1)
            else:
                out = (d ** p).sum(-1) ** (1.0 / p)
        out = out.astype(rt.np_dtype, copy=False)
        ctx.save_for_backward(x1_in, x2_in, out)  # the inputs themselves: double backward
        return out

    @staticmethod
    def backward(ctx, g):
        if _GradState.enabled:  # create_graph: the same formulas with ember ops
            x1, x2, out = ctx.saved_tensors
            return _cdist_grad(x1, x2, out, g, ctx.p) + (None,)
        return Cdist._backward_arrays(ctx, g)

    @staticmethod
    @once_differentiable
    def _backward_arrays(ctx, g):
        x1, x2, out = ctx.saved_tensors
        xp = ctx.xp
        rt = out._data.dtype
        dist, gy = out._data, g._data
        bs = dist.shape[:-2]
        a = xp.broadcast_to(x1._data.astype(rt, copy=False), bs + tuple(x1.shape[-2:]))
        b = xp.broadcast_to(x2._data.astype(rt, copy=False), bs + tuple(x2.shape[-2:]))
        p = ctx.p
        with xp.errstate(all="ignore"):
            if p == 0:
                return xp.zeros_like(a), xp.zeros_like(b), None
            if p == 2:
                w = xp.where(dist == 0, 0, gy / dist)
                g1 = a * w.sum(-1)[..., None] - w @ b
                g2 = b * w.sum(-2)[..., None] - w.swapaxes(-1, -2) @ a
                return g1, g2, None
            diff = a[..., :, None, :] - b[..., None, :, :]
            s = xp.sign(diff)
            if p == 1:
                t = s
            elif p == math.inf:
                ad = xp.abs(diff)
                t = s * (ad == dist[..., None])
            else:
                ad = xp.abs(diff)
                t = s * ad ** (p - 1) / dist[..., None] ** (p - 1)
                t = xp.where(dist[..., None] == 0, 0, t)
            t = t * gy[..., None]
            return t.sum(-2), -t.sum(-3), None


def _cdist_grad(x1, x2, dist, g, p):
    """Cdist's backward with ember ops (differentiable: double backward), from the inputs and
    the saved output (re-attached to its node, so second derivatives flow through it too)."""
    rt = dist.dtype
    x1, x2 = x1.to(rt), x2.to(rt)
    if p == 0:
        return (x1 * 0).expand(*dist.shape[:-1], x1.shape[-1]), \
            (x2 * 0).expand(*dist.shape[:-2], dist.shape[-1], x2.shape[-1])
    zero = _const(dist._data == 0, dist)
    if p == 2:
        safe = _where(zero, dist * 0 + 1, dist)
        w = _where(zero, g * 0, g / safe)
        g1 = x1 * w.sum(-1, keepdim=True) - w @ x2
        g2 = x2 * w.sum(-2).unsqueeze(-1) - w.transpose(-1, -2) @ x1
        return g1, g2
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    da = diff._data
    s = diff.sign()  # zero derivative, but in the graph (as torch's: grads require grad)
    if p == 1:
        t = s * g.unsqueeze(-1)
    elif p == math.inf:  # the coordinates attaining the max
        t = s * _const((abs(da) == dist._data[..., None]).astype(da.dtype), diff)
        t = t * g.unsqueeze(-1)
    else:
        z = zero.unsqueeze(-1)
        d = dist.unsqueeze(-1)
        safe = _where(z, d * 0 + 1, d)
        t = s * (diff * s) ** (p - 1) / safe ** (p - 1)
        t = _where(z, t * 0, t) * g.unsqueeze(-1)
    return t.sum(-2), -t.sum(-3)


@register(method=False)
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between each row of x1 and each row of x2 (batched)."""
    if x1.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D")
    if x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    for name, t in (("X1", x1), ("X2", x2)):
        if not t.dtype.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{_dtype.SCALAR_NAMES[t.dtype]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    return Cdist.apply(x1, x2, float(p))


@register(method=False)
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between x1 and x2 along dim (each norm clamped below at eps)."""
    n = max(x1.ndim, x2.ndim)
    d = wrap_dim(dim, n)
    rt = _dtype.result_type(x1, x2)
    if not rt.is_floating_point:
        rt = _dtype.get_default_dtype()
    from ember._ops import joining

    # torch broadcasts first, so a size-1 dim of one input counts once per broadcast copy
    x1, x2 = joining.broadcast_tensors(x1.to(rt), x2.to(rt))
    n1 = ((x1 * x1).sum(d - n, keepdim=True)) ** 0.5 if x1.ndim else x1
    n2 = ((x2 * x2).sum(d - n, keepdim=True)) ** 0.5 if x2.ndim else x2
    n1 = _where(n1 < eps, n1 * 0 + eps, n1)
    n2 = _where(n2 < eps, n2 * 0 + eps, n2)
    return ((x1 / n1) * (x2 / n2)).sum(d - n)


@register(method=False)
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """p-norm of x1 - x2 + eps along the last dim."""
    n = max(x1.ndim, x2.ndim)
    diff = x1 - x2 + eps
    if n == 0:
        return _vector_norm(diff.reshape(1), p, -1, keepdim)
    return _vector_norm(diff, p, -1, keepdim)


# ------------------------------------------------------------------------------ diff, cov

@register()
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """n-th forward difference along dim (bool tensors: logical xor)."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim(dim, input.ndim)
    from ember._ops import joining

    parts = []
    for extra in (prepend, input, append):
        if extra is None:
            continue
        if not isinstance(extra, Tensor):
            from ember._ops import creation

            extra = creation.tensor(extra, dtype=input.dtype, device=input.device)
        if extra.ndim == 0:
            shape = list(input.shape)
            shape[d] = 1
            extra = extra.expand(*shape)
        parts.append(extra)
    x = joining.cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[d]
        if length == 0:
            break
        hi = x.narrow(d, 1, length - 1)
        lo = x.narrow(d, 0, length - 1)
        x = (hi != lo) if x.dtype is _dtype.bool_ else hi - lo
    return x


@register()
def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance matrix of the variables in the rows of input (observations in columns)."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        x = x.to(_dtype.get_default_dtype())
    nobs = x.shape[1]
    w = None
    if fweights is not None:
        if fweights.ndim > 1:
            raise RuntimeError(f"cov(): expected fweights to have one or fewer dimensions but "
                               f"got fweights with {fweights.ndim} dimensions")
        if fweights.dtype.is_floating_point or fweights.dtype.is_complex:
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got "
                               f"fweights with {_dtype.SCALAR_NAMES[fweights.dtype]} dtype")
        if fweights.numel() != nobs:
            raise RuntimeError(f"cov(): expected fweights to have the same numel as there are "
                               f"observations in the input but got {fweights.numel()} != "
                               f"{nobs}")
        if bool((fweights < 0).sum() > 0):
            raise RuntimeError("cov(): fweights cannot be negative")
        w = fweights
    if aweights is not None:
        if aweights.ndim > 1:
            raise RuntimeError(f"cov(): expected aweights to have one or fewer dimensions but "
                               f"got aweights with {aweights.ndim} dimensions")
        if not aweights.dtype.is_floating_point:
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got "
                               f"aweights with {_dtype.SCALAR_NAMES[aweights.dtype]} dtype")
        if aweights.numel() != nobs:
            raise RuntimeError(f"cov(): expected aweights to have the same numel as there are "
                               f"observations in the input but got {aweights.numel()} != "
                               f"{nobs}")
        if bool((aweights < 0).sum() > 0):
            raise RuntimeError("cov(): aweights cannot be negative")
        w = aweights if w is None else w * aweights
    if w is None:
        avg = x.mean(1)
        w_sum = float(nobs)
        norm = w_sum - correction
    else:
        w = w.to(x.dtype) if not x.dtype.is_complex else w.to(x.dtype.to_real())
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
        if correction == 0:
            norm = w_sum
        elif aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * (w * aweights).sum() / w_sum
    if isinstance(norm, Tensor):
        if bool(norm <= 0):
            norm = norm * 0
    elif norm <= 0:
        import warnings

        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm = 0.0
    xc = x - avg.unsqueeze(1)
    xw = xc if w is None else xc * w
    xh = xc.mT.conj() if xc.dtype.is_complex else xc.mT
    from ember._ops import elementwise
    with _quiet(x):
        c = elementwise.div(xw @ xh, norm)
    return c.squeeze() if input.ndim < 2 else c


class _quiet:
    def __init__(self, like):
        from ember.autograd.function import xp_for

        self.cm = xp_for(like.device).errstate(all="ignore")

    def __enter__(self):
        return self.cm.__enter__()

    def __exit__(self, *a):
        return self.cm.__exit__(*a)


@register()
def corrcoef(input):
    """Pearson correlation coefficients of the rows of input."""
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got "
                           f"an input with {input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:
        return c / c
    n = c.shape[-1]
    eye = _const(_xp(c).eye(n, dtype=c._data.real.dtype), c)
    dg = (c * eye).sum(-1)
    from ember._ops import complex_ops

    dg = complex_ops.real(dg)
    with _quiet(c):
        sd = dg ** 0.5
        c = c / sd.unsqueeze(1) / sd.unsqueeze(0)
    if c.dtype.is_complex:
        re, im = complex_ops.real(c), complex_ops.imag(c)
        return complex_ops.complex(_clip(re), _clip(im))
    return _clip(c)


def _clip(x):
    x = _where(x > 1, x * 0 + 1, x)
    return _where(x < -1, x * 0 - 1, x)


def _xp(t):
    from ember.autograd.function import xp_for

    return xp_for(t.device)


# ------------------------------------------------------------------------------ trapezoid

def _trap_terms(y, x, dx, dim):
    d = wrap_dim(dim, y.ndim)
    length = y.shape[d]
    if length == 0:
        return None, d
    avg = (y.narrow(d, 1, length - 1) + y.narrow(d, 0, length - 1)) / 2 if length > 1 else None
    if x is None:
        if avg is None:
            return None, d
        return avg * (1 if dx is None else dx), d
    if x.ndim == 1:
        if x.shape[0] != length:
            raise RuntimeError(f"trapezoid: There must be one `x` value for each sample point")
        dxs = x[1:] - x[:-1]
        shape = [1] * y.ndim
        shape[d] = length - 1
        dxs = dxs.reshape(*shape)
    else:
        xd = wrap_dim(dim, x.ndim)
        dxs = x.narrow(xd, 1, x.shape[xd] - 1) - x.narrow(xd, 0, x.shape[xd] - 1)
    if avg is None:
        return None, d
    return avg * dxs, d


@register(method=False)
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """Integral of y along dim by the trapezoidal rule (spacing x or constant dx)."""
    if x is not None and not isinstance(x, Tensor):
        dx, x = x, None
    terms, d = _trap_terms(y, x, dx, dim)
    if terms is None:
        shape = [s for i, s in enumerate(y.shape) if i != d]
        rt = y.dtype if (y.dtype.is_floating_point or y.dtype.is_complex) else \
            _dtype.get_default_dtype()
        return (y.to(rt) * 0).sum(d) if y.shape[d] else \
            _const(_xp(y).zeros(shape, dtype=rt.np_dtype), y)
    return terms.sum(d)


@register(method=False)
def trapz(y, x=None, *, dx=None, dim=-1):
    """Alias of trapezoid."""
    return trapezoid(y, x, dx=dx, dim=dim)


class _Cumsum(Function):
    node_name = "CumsumBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim, reverse):
        xp = ctx.xp
        ctx.dim, ctx.reverse = dim, reverse
        if reverse:
            return xp.flip(xp.cumsum(xp.flip(x, dim), dim), dim)
        return xp.cumsum(x, dim)

    @staticmethod
    def backward(ctx, g):
        return _Cumsum.apply(g, ctx.dim, not ctx.reverse), None, None


@register(method=False)
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Running trapezoidal integral of y along dim (one element shorter than y)."""
    if x is not None and not isinstance(x, Tensor):
        dx, x = x, None
    terms, d = _trap_terms(y, x, dx, dim)
    if terms is None:
        shape = list(y.shape)
        shape[d] = max(shape[d] - 1, 0)
        rt = y.dtype if y.dtype.is_floating_point else _dtype.get_default_dtype()
        return _const(_xp(y).zeros(shape, dtype=rt.np_dtype), y)
    return _Cumsum.apply(terms, d, False)


# ------------------------------------------------------------------------------ combinatorics

def _index_rows(t, idx_arr):
    """t[idx] for a backend index array (differentiable through getitem)."""
    return t[_const(idx_arr, t)]


@register(method=False)
def cartesian_prod(*tensors):
    """Cartesian product of 1-D tensors, as rows of an (N, k) tensor."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    xp = _xp(tensors[0])
    grids = xp.meshgrid(*[xp.arange(t.shape[0]) for t in tensors], indexing="ij")
    from ember._ops import joining

    rt = tensors[0].dtype
    for t in tensors[1:]:
        rt = _dtype.promote_types(rt, t.dtype)
    cols = [_index_rows(t, g.reshape(-1)).to(rt) for t, g in zip(tensors, grids)]
    return joining.stack(cols, 1)


@register()
def combinations(input, r=2, with_replacement=False):
    """All length-r combinations of the elements of a 1-D tensor, as rows."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    xp = _xp(input)
    if r == 0:
        return _index_rows(input, xp.zeros((0,), dtype=xp.int64))
    gen = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    combos = list(gen(range(input.shape[0]), r))
    idx = xp.asarray(combos, dtype=xp.int64).reshape(len(combos), r)
    return _index_rows(input, idx)


class BlockDiag(Function):
    node_name = "BlockDiagBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, *mats):
        xp = ctx.xp
        rt = _dtype.result_type(*mats) if len(mats) > 1 else _tensor.dtype_of(mats[0])
        for m in mats[1:]:
            rt = _dtype.promote_types(rt, _tensor.dtype_of(m))
        rows = sum(m.shape[0] for m in mats)
        cols = sum(m.shape[1] for m in mats)
        out = xp.zeros((rows, cols), dtype=rt.np_dtype)
        spans = []
        r = c = 0
        for m in mats:
            out[r:r + m.shape[0], c:c + m.shape[1]] = m
            spans.append((r, c, m.shape[0], m.shape[1]))
            r += m.shape[0]
            c += m.shape[1]
        ctx.spans = spans
        return out

    @staticmethod
    def backward(ctx, g):
        return tuple(g[r:r + h, c:c + w] for r, c, h, w in ctx.spans)


@register(method=False)
def block_diag(*tensors):
    """A block-diagonal matrix from 0-, 1- or 2-D tensors."""
    mats = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t.ndim} dimensions")
        mats.append(t.reshape(1, 1) if t.ndim == 0 else t.reshape(1, -1) if t.ndim == 1 else t)
    if not mats:
        from ember._ops import creation

        return creation.zeros(1, 0)
    return BlockDiag.apply(*mats)


@register(method=False)
def vander(x, N=None, increasing=False):
    """Vandermonde matrix: columns are powers of x (decreasing unless increasing=True)."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    from ember._ops import joining

    dt = x.dtype if x.dtype.is_floating_point or x.dtype.is_complex else _dtype.int64
    x = x.to(dt)
    if n == 0:
        return _const(_xp(x).zeros((x.shape[0], 0), dtype=dt.np_dtype), x)
    cols = [x * 0 + 1]
    for _ in range(n - 1):
        cols.append(cols[-1] * x)
    if not increasing:
        cols = cols[::-1]
    return joining.stack(cols, 1)
