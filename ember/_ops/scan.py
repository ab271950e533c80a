"""Scans along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp."""

from ember import _dtype
from ember import _tensor
from ember._ops._registry import FUNCTIONS
from ember._ops._registry import register
from ember._ops.reduction import RETURN_TYPES
from ember._ops.reduction import _check_tensor
from ember._ops.reduction import _const
from ember._ops.reduction import _name
from ember._ops.reduction import _sum_dtype
from ember._ops.reduction import int_dim
from ember._ops.reduction import select_class
from ember.autograd.function import Function
from ember.autograd.grad_mode import _GradState

Tensor = _tensor.Tensor
_LOW_PRECISION = (_dtype.float16.np_dtype, _dtype.bfloat16.np_dtype)


def _as_1d(x):
    """0-dim inputs scan as one element."""
    return x.reshape(1) if x.ndim == 0 else x


def _reverse_cumsum(g, dim):
    """sum_{j >= i} g_j along dim, with differentiable ember ops."""
    return g.sum(dim, keepdim=True) - cumsum(g, dim) + g


class CumSum(Function):
    node_name = "CumsumBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim, dtype):
        xp = ctx.xp
        out_dt = _sum_dtype(x, dtype)
        acc = _dtype.float32.np_dtype if out_dt in _LOW_PRECISION else out_dt
        ctx.dim = dim
        out = xp.cumsum(_as_1d(x).astype(acc, copy=False), axis=dim)
        return out.reshape(x.shape).astype(out_dt, copy=False)

    @staticmethod
    def backward(ctx, g):
        if g.ndim == 0:
            return g, None, None
        return _reverse_cumsum(g, ctx.dim), None, None


@register()
def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sum along `dim` (integers and bools accumulate in int64)."""
    _check_tensor(input, "cumsum")
    d = int_dim(dim, input.ndim, "cumsum")
    return CumSum.apply(input, 0 if input.ndim == 0 else d, dtype)


class CumProd(Function):
    node_name = "CumprodBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim, dtype):
        xp = ctx.xp
        out_dt = _sum_dtype(x, dtype)
        acc = _dtype.float32.np_dtype if out_dt in _LOW_PRECISION else out_dt
        ctx.dim = dim
        with xp.errstate(all="ignore"):
            out = xp.cumprod(_as_1d(x).astype(acc, copy=False), axis=dim)
        out = out.reshape(x.shape).astype(out_dt, copy=False)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        dim = ctx.dim
        if x.ndim == 0:
            return g, None, None
        xa = x._data
        if not (xa == 0).any():
            return _reverse_cumsum(g * out, dim) / x, None, None
        if _GradState.enabled:
            return _cumprod_grad_graph(x, g, dim), None, None
        return _const(_cumprod_grad_with_zeros(ctx.xp, xa, out._data, g._data, dim), x), \
            None, None


def _cumprod_grad_graph(x, g, dim):
    """The cumprod gradient with ember ops and no division (create_graph with zeros):
    grad_k = prod_{i<k} x_i * S_k, S_k = sum_{j>=k} g_j prod_{k<i<=j} x_i = g_k + x_{k+1} S_{k+1}.
    One small step per element along dim (only on this path)."""
    from ember._ops import joining

    n = x.shape[dim]
    if n == 1:
        return g
    gs, xs = g.unbind(dim), x.unbind(dim)
    acc = [gs[-1]]
    for k in range(n - 2, -1, -1):
        acc.append(gs[k] + xs[k + 1] * acc[-1])
    ones = x.new_ones(x.shape[:dim] + (1,) + x.shape[dim + 1:])
    before = cumprod(joining.cat([ones, x.narrow(dim, 0, n - 1)], dim), dim)
    return before * joining.stack(acc[::-1], dim)


def _cumprod_grad_with_zeros(xp, x, out, g, dim):
    """d/dx_i of sum_j g_j out_j: before a slice's first zero z it is rev_cumsum(g*out)/x_i;
    at z it is out_{z-1} * sum_{j>=z} g_j prod_{z<k<=j} x_k; after z it is 0."""
    x, out, g = (xp.moveaxis(a, dim, -1) for a in (x, out, g))
    n = x.shape[-1]
    pos = xp.arange(n)
    zero = x == 0
    z = xp.where(zero.any(-1), xp.argmax(zero, -1), n)[..., None]
    go = g * out
    rev = xp.flip(xp.cumsum(xp.flip(go, -1), -1), -1)
    with xp.errstate(all="ignore"):
        before = xp.where(pos < z, rev / xp.where(zero, 1, x), 0)
    prev = xp.take_along_axis(out, xp.clip(z - 1, 0, n - 1), -1)
    prev = xp.where(z == 0, 1, prev)
    after = xp.cumprod(xp.where(pos <= z, 1, x), -1)
    at = prev * xp.sum(xp.where(pos >= z, g * after, 0), -1, keepdims=True)
    grad = xp.where(pos == z, at, before)
    return xp.moveaxis(grad, -1, dim).astype(x.dtype, copy=False)


@register()
def cumprod(input, dim, *, dtype=None, out=None):
    """Cumulative product along `dim`."""
    _check_tensor(input, "cumprod")
    d = int_dim(dim, input.ndim, "cumprod")
    return CumProd.apply(input, 0 if input.ndim == 0 else d, dtype)


def _pick_cum(which):
    def pick(xp, x, dim):
        acc = xp.maximum.accumulate if which == "cummax" else xp.minimum.accumulate
        with xp.errstate(invalid="ignore"):
            if x.dtype.kind == "f":
                # a NaN sticks (torch propagates it) and becomes the running index
                nan = xp.isnan(x)
                seen = xp.logical_or.accumulate(nan, axis=dim)
                run = xp.where(seen, xp.nan, acc(xp.where(nan, 0, x), axis=dim))
                record = (x == run) | nan
            else:
                run = acc(x, axis=dim)
                record = x == run
        shape = [1] * x.ndim
        shape[dim] = x.shape[dim]
        pos = xp.arange(x.shape[dim]).reshape(shape)
        # ties take the latest position (torch compares with >= / <=)
        return xp.maximum.accumulate(xp.where(record, pos, 0), axis=dim)

    return pick


CumMax = select_class("CumMax", "CummaxBackward0")
CumMin = select_class("CumMin", "CumminBackward0")
_PICK_CUMMAX = _pick_cum("cummax")
_PICK_CUMMIN = _pick_cum("cummin")


def _cum_select(input, dim, which):
    _check_tensor(input, which)
    d = int_dim(dim, input.ndim, which)
    if input.dtype.is_complex:
        raise RuntimeError(f"{which}(): Complex dtype not supported")
    cls, pick = (CumMax, _PICK_CUMMAX) if which == "cummax" else (CumMin, _PICK_CUMMIN)
    vals, idx = cls.apply(input, 0 if input.ndim == 0 else d, True, pick)
    return RETURN_TYPES[which](vals, idx)


@register()
def cummax(input, dim, *, out=None):
    """Running maximum along `dim` and the index where it was reached (latest for ties)."""
    return _cum_select(input, dim, "cummax")


@register()
def cummin(input, dim, *, out=None):
    """Running minimum along `dim` and the index where it was reached (latest for ties)."""
    return _cum_select(input, dim, "cummin")


class LogCumSumExp(Function):
    node_name = "LogcumsumexpBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim):
        xp = ctx.xp
        if x.dtype.kind not in "fc":
            raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for '
                                      f"'{_name(x)}'")
        ctx.dim = dim
        with xp.errstate(all="ignore"):
            out = xp.logaddexp.accumulate(_as_1d(x), axis=dim).reshape(x.shape)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        dim = ctx.dim
        if x.ndim == 0:
            return g, None
        # grad_i = sum_{j>=i} g_j exp(x_i - out_j), summed in log space separately for the
        # positive and negative parts of g so that nothing overflows
        flip = FUNCTIONS["flip"]
        where = FUNCTIONS["where"]

        # a very negative finite stand-in for log(0): -inf would give inf - inf = NaN in
        # double backward
        tiny = float(ctx.xp.finfo(x._data.dtype).min) / 4

        def part(gp):
            logg = where(gp > 0, gp, 1.0).log()
            logg = where(gp > 0, logg, tiny)
            rev = flip(logcumsumexp(flip(logg - out, [dim]), dim), [dim])
            return (x + rev).exp()

        return part(g) - part(-g), None


@register()
def logcumsumexp(input, dim, *, out=None):
    """log(cumsum(exp(input))) along `dim`, computed stably."""
    _check_tensor(input, "logcumsumexp")
    d = int_dim(dim, input.ndim, "logcumsumexp")
    return LogCumSumExp.apply(input, 0 if input.ndim == 0 else d)
