"""Reductions: sum, mean, prod, max/min and friends, var/std, norms, logsumexp, all/any, and
sum_to_size (the engine's un-broadcast). Selections along a dim (max(dim), sort, topk...) share
the gather/scatter pair defined here."""

import builtins
import collections
import warnings

from ember import _dtype
from ember import _tensor
from ember._ops._registry import FUNCTIONS
from ember._ops._registry import register
from ember._ops._util import wrap_dim
from ember._ops._util import wrap_dims
from ember.autograd.function import Function
from ember.autograd.function import xp_for
from ember.autograd.grad_mode import _GradState

Tensor = _tensor.Tensor

_LOW_PRECISION = (_dtype.float16.np_dtype, _dtype.bfloat16.np_dtype)
_INF = float("inf")


# ------------------------------------------------------------------------------ return types

def return_type(name, fields):
    """A named tuple that prints like torch's ``torch.return_types.<name>``."""
    cls = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"torch.return_types.{name}(\n{body})"

    cls.__repr__ = __repr__
    cls.__module__ = "ember.return_types"
    return cls


RETURN_TYPES = {n: return_type(n, f) for n, f in [
    ("max", ("values", "indices")), ("min", ("values", "indices")),
    ("sort", ("values", "indices")), ("topk", ("values", "indices")),
    ("kthvalue", ("values", "indices")), ("mode", ("values", "indices")),
    ("median", ("values", "indices")), ("nanmedian", ("values", "indices")),
    ("cummax", ("values", "indices")), ("cummin", ("values", "indices")),
    ("aminmax", ("min", "max")), ("histogram", ("hist", "bin_edges"))]}


# ------------------------------------------------------------------------------ helpers

def restore_reduced(g, shape, dims, keepdim):
    """Expand a reduced gradient back to the input's shape."""
    if not keepdim and dims:
        for d in sorted(dims):
            g = g.unsqueeze(d)
    return g.expand(shape)


def reduce_dims(input, dim):
    """dim argument (None, int, tuple/list; empty = all) -> sorted tuple of dims to reduce."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(input.ndim))
    dims = wrap_dims(dim, input.ndim)
    return () if input.ndim == 0 else tuple(sorted(dims))


def int_dim(dim, ndim, name):
    """A single int dim (torch refuses tuples where one dim is expected), wrapped."""
    if isinstance(dim, bool) or not isinstance(dim, int):
        if hasattr(dim, "__index__") and not isinstance(dim, (bool, float)):
            dim = dim.__index__()
        else:
            raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return wrap_dim(dim, ndim)


def _const(arr, like):
    """A backend array as a constant (no-grad) tensor on `like`'s device."""
    return _tensor.make(arr, like._device)


def _wrap(arr, dev):
    xp = xp_for(dev)
    if not isinstance(arr, xp.ndarray):
        arr = xp.asarray(arr)
    return _tensor.make(arr, dev)


def _check_tensor(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def _name(dt):
    return _dtype.SCALAR_NAMES[_tensor.dtype_of(dt) if not isinstance(dt, _dtype.dtype) else dt]


def _count(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _empty_dim_check(x_shape, dims, name):
    for d in dims:
        if x_shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _sgn(x):
    """sign(x) as a constant tensor of x's dtype (real inputs); under create_graph the sgn op
    (zero derivative, but in the graph: first gradients require grad, as torch's do)."""
    if _GradState.enabled and x.requires_grad:
        return x.sgn()
    xp = xp_for(x._device)
    return _const(xp.sign(x._data), x)


def _nan_mask(xp, x, out):
    """Positions equal to the selected value (NaN matches NaN, as torch's backward does)."""
    with xp.errstate(invalid="ignore"):
        m = x == out
        if x.dtype.kind in "fc":
            m = m | (xp.isnan(x) & xp.isnan(out))
    return m


# ------------------------------------------------------------------------------ gather / scatter

def along_index(xp, idx, dim):
    """Advanced-index tuple addressing idx's entries along `dim` (aranges on the other dims)."""
    out = []
    nd = idx.ndim
    dim = dim % nd
    for i, s in enumerate(idx.shape):
        if i == dim:
            out.append(idx)
        else:
            shp = [1] * nd
            shp[i] = s
            out.append(xp.arange(s).reshape(shp))
    return tuple(out)


class TakeAlongDim(Function):
    node_name = "GatherBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, idx, dim):
        ctx.dim = dim
        ctx.shape = x.shape
        ctx.save_for_backward(idx)
        return ctx.xp.take_along_axis(x, idx, axis=dim)

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        return ScatterAddAlong.apply(g, idx, ctx.dim, ctx.shape), None, None


class ScatterAddAlong(Function):
    node_name = "ScatterAddBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, g, idx, dim, shape):
        xp = ctx.xp
        ctx.dim = dim
        ctx.save_for_backward(idx)
        out = xp.zeros(shape, dtype=g.dtype)
        xp.add.at(out, along_index(xp, idx, dim), xp.broadcast_to(g, idx.shape))
        return out

    @staticmethod
    def backward(ctx, gg):
        (idx,) = ctx.saved_tensors
        return TakeAlongDim.apply(gg, idx, ctx.dim), None, None, None


class SelectAlongDim(Function):
    """values = x gathered at indices chosen along `dim` by `pick(xp, x, dim) -> idx`; returns
    (values, indices). The gradient goes to the chosen indices (scatter-add)."""

    node_name = "MaxBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim, keepdim, pick):
        xp = ctx.xp
        scalar = x.ndim == 0
        if scalar:
            x = x.reshape(1)
        idx = pick(xp, x, dim).astype(xp.int64, copy=False)
        vals = xp.take_along_axis(x, idx, axis=dim)
        ctx.meta = (x.shape, dim, keepdim, scalar, idx.shape)
        ctx.save_for_backward(idx)
        if scalar:
            return vals.reshape(()), idx.reshape(())
        if not keepdim:
            vals, idx = vals.squeeze(dim), idx.squeeze(dim)
        return vals, idx

    @staticmethod
    def backward(ctx, g, _gi=None):
        (idx,) = ctx.saved_tensors
        shape, dim, keepdim, scalar, ishape = ctx.meta
        g = g.reshape(ishape) if (scalar or not keepdim) else g
        gx = ScatterAddAlong.apply(g, idx, dim, shape)
        return (gx.reshape(()) if scalar else gx), None, None, None


def select_class(name, node):
    cls = type(name, (SelectAlongDim,), {"node_name": node})
    return cls


def select_along(cls, input, dim, keepdim, pick, rtype):
    vals, idx = cls.apply(input, dim, keepdim, pick)
    return RETURN_TYPES[rtype](vals, idx)


# ------------------------------------------------------------------------------ sum / mean

class Sum(Function):
    node_name = "SumBackward1"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        out_dt = _sum_dtype(x, dtype)
        acc = out_dt
        if out_dt in _LOW_PRECISION:
            acc = _dtype.float32.np_dtype  # torch accumulates half precision in float32
        ctx.shape = x.shape
        ctx.dims = dims
        ctx.keepdim = keepdim
        out = ctx.xp.sum(x, axis=dims, dtype=acc, keepdims=keepdim)
        return out.astype(out_dt, copy=False)

    @staticmethod
    def backward(ctx, g):
        return restore_reduced(g, ctx.shape, ctx.dims, ctx.keepdim), None, None, None


class SumAll(Sum):
    node_name = "SumBackward0"


@register()
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A001
    """Sum of all elements, or over `dim` (int or tuple)."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return SumAll.apply(input, None, False, dtype)
    dims = wrap_dims(dim, input.ndim)
    if input.ndim == 0:
        dims = ()
    return Sum.apply(input, dims, keepdim, dtype)


class Mean(Function):
    node_name = "MeanBackward1"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        if dtype is not None:
            x = x.astype(dtype.np_dtype)
        elif x.dtype.kind in "biu":
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either "
                               "a floating point or complex dtype. Got: "
                               f"{_dtype.SCALAR_NAMES[_tensor.dtype_of(x)]}")
        ctx.shape = x.shape
        ctx.dims = dims
        ctx.keepdim = keepdim
        acc = _dtype.float32.np_dtype if x.dtype in _LOW_PRECISION else x.dtype
        axes = dims if dims is not None else tuple(range(x.ndim))
        count = ctx.count = _count(x.shape, axes)
        with ctx.xp.errstate(all="ignore"):
            out = ctx.xp.sum(x, axis=dims, dtype=acc, keepdims=keepdim) / count
        return ctx.xp.asarray(out).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        g = restore_reduced(g, ctx.shape, ctx.dims, ctx.keepdim)
        return g / ctx.count, None, None, None


class MeanAll(Mean):
    node_name = "MeanBackward0"


@register()
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean of all elements, or over `dim`."""
    if dim is None:
        return MeanAll.apply(input, None, False, dtype)
    dims = wrap_dims(dim, input.ndim)
    if input.ndim == 0:
        dims = ()
    return Mean.apply(input, dims, keepdim, dtype)


class SumToSize(Function):
    node_name = "SumBackward1"
    _array_io = True

    @staticmethod
    def forward(ctx, x, shape):
        lead = x.ndim - len(shape)
        dims = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and x.shape[lead + i] != 1)
        ctx.shape = x.shape
        out = ctx.xp.sum(x, axis=dims, keepdims=True) if dims else x
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.expand(ctx.shape), None


@register(function=False)
def sum_to_size(input, *size):
    """Sum this tensor down to `size` (which it must be expandable from)."""
    from ember._ops._util import shape_arg

    shape = shape_arg(size)
    src = tuple(input.shape)
    ok = len(shape) <= len(src) and builtins.all(
        s == 1 or s == d for s, d in zip(shape, src[len(src) - len(shape):]))
    if not ok:
        raise RuntimeError(f"size {{{', '.join(map(str, shape))}}} is not expandable to size "
                           f"{{{', '.join(map(str, src))}}}.")
    if shape == src:
        return input
    return SumToSize.apply(input, shape)


# ------------------------------------------------------------------------------ max / min

def _no_complex(x, name):
    if x.dtype.kind == "c":
        raise NotImplementedError(f'"{name}_cpu" not implemented for '
                                  f"'{_name(x)}'")


class MaxAll(Function):
    """max()/min() of all elements; ties share the gradient evenly (as in torch)."""

    node_name = "MaxBackward1"
    _array_io = True
    _fn = "max"

    @staticmethod
    def forward(ctx, x, which):
        xp = ctx.xp
        if x.size == 0:
            raise RuntimeError(f"{which}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        _no_complex(x, f"{which}_all")
        out = xp.asarray(xp.max(x) if which == "max" else xp.min(x))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        xp = ctx.xp
        mask = _nan_mask(xp, x._data, out._data)
        m = _const(mask.astype(x._data.dtype), x)
        return g * m / int(mask.sum()), None


class MinAll(MaxAll):
    node_name = "MinBackward1"


class Amax(Function):
    """amax/amin over dims; ties share the gradient evenly."""

    node_name = "AmaxBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, which):
        xp = ctx.xp
        _no_complex(x, "max_values" if which == "amax" else "min_values")
        fn = xp.max if which == "amax" else xp.min
        out = xp.asarray(fn(x, axis=dims, keepdims=True))
        ctx.meta = (x.shape, dims, keepdim)
        ctx.save_for_backward(x, out)
        return out if keepdim else out.reshape([s for i, s in enumerate(x.shape)
                                                if i not in dims])

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape, dims, keepdim = ctx.meta
        xp = ctx.xp
        mask = x._data == out._data  # torch: a NaN maximum gives NaN gradients (0/0)
        with xp.errstate(all="ignore"):
            scale = mask / mask.sum(axis=dims, keepdims=True)
        return (restore_reduced(g, shape, dims, keepdim) * _const(scale.astype(x._data.dtype), x),
                None, None, None)


class Amin(Amax):
    node_name = "AminBackward0"


def _pick_max(xp, x, dim):
    return xp.expand_dims(xp.argmax(x, axis=dim), dim)


def _pick_min(xp, x, dim):
    return xp.expand_dims(xp.argmin(x, axis=dim), dim)


MaxDim = select_class("MaxDim", "MaxBackward0")
MinDim = select_class("MinDim", "MinBackward0")


def _max_min(input, dim, keepdim, which, other=None):
    _check_tensor(input, which)
    if isinstance(dim, Tensor):
        other = dim
    if other is not None:
        binary = FUNCTIONS.get("maximum" if which == "max" else "minimum")
        if binary is None:
            raise NotImplementedError(f"{which}(input, other) needs ember.maximum/minimum")
        return binary(input, other)
    if dim is None:
        return (MaxAll if which == "max" else MinAll).apply(input, which)
    d = int_dim(dim, input.ndim, which)
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"{which}(): Expected reduction dim {d} to have non-zero size.")
    _no_complex(input._data, which)
    if input.ndim == 0:
        d = 0
    cls, pick = (MaxDim, _pick_max) if which == "max" else (MinDim, _pick_min)
    return select_along(cls, input, d, keepdim, pick, which)


@register()
def max(input, dim=None, keepdim=False, *, other=None, out=None):  # noqa: A001
    """max(input) -> Tensor; max(input, dim, keepdim) -> (values, indices); max(input, other)."""
    return _max_min(input, dim, keepdim, "max", other)


@register()
def min(input, dim=None, keepdim=False, *, other=None, out=None):  # noqa: A001
    """min(input) -> Tensor; min(input, dim, keepdim) -> (values, indices); min(input, other)."""
    return _max_min(input, dim, keepdim, "min", other)


def _amax_dims(input, dim, name):
    _check_tensor(input, name)
    dims = reduce_dims(input, dim)
    if input.numel() == 0:
        if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        _empty_dim_check(input.shape, dims, name)
    return dims


@register()
def amax(input, dim=(), keepdim=False, *, out=None):
    """Maximum over `dim` (int or tuple; () = all); ties share the gradient evenly."""
    dims = _amax_dims(input, dim, "amax")
    return Amax.apply(input, dims, keepdim, "amax")


@register()
def amin(input, dim=(), keepdim=False, *, out=None):
    """Minimum over `dim` (int or tuple; () = all); ties share the gradient evenly."""
    dims = _amax_dims(input, dim, "amin")
    return Amin.apply(input, dims, keepdim, "amin")


@register()
def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over `dim` (or all elements) as ``return_types.aminmax``."""
    _check_tensor(input, "aminmax")
    if dim is None:
        dims = tuple(range(input.ndim))
        if input.numel() == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                               "the operation has no identity.")
    else:
        dims = reduce_dims(input, int_dim(dim, input.ndim, "aminmax"))
        if input.ndim and input.shape[dims[0]] == 0:
            raise IndexError(f"aminmax(): Expected reduction dim {dims[0]} to have non-zero "
                             "size.")
    lo = Amin.apply(input, dims, keepdim, "amin")
    hi = Amax.apply(input, dims, keepdim, "amax")
    return RETURN_TYPES["aminmax"](lo, hi)


def _arg(input, dim, keepdim, which):
    _check_tensor(input, which)
    x = input._data
    xp = xp_for(input._device)
    if x.dtype.kind == "b":
        raise RuntimeError(f"{which}(): does not support bool input")
    _no_complex(x, which)
    fn = xp.argmax if which == "argmax" else xp.argmin
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{which}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        out = fn(x.reshape(-1))
        if keepdim:
            out = out.reshape((1,) * x.ndim)
        return _wrap(xp.asarray(out, dtype=xp.int64), input._device)
    d = int_dim(dim, input.ndim, which)
    if x.ndim == 0:
        return _wrap(xp.zeros((), dtype=xp.int64), input._device)
    if x.shape[d] == 0:
        raise IndexError(f"{which}(): Expected reduction dim {d} to have non-zero size.")
    out = fn(x, axis=d)
    if keepdim:
        out = xp.expand_dims(out, d)
    return _wrap(xp.asarray(out, dtype=xp.int64), input._device)


@register()
def argmax(input, dim=None, keepdim=False, *, out=None):
    """Index of the maximum (flattened when dim is None); first occurrence for ties."""
    return _arg(input, dim, keepdim, "argmax")


@register()
def argmin(input, dim=None, keepdim=False, *, out=None):
    """Index of the minimum (flattened when dim is None); first occurrence for ties."""
    return _arg(input, dim, keepdim, "argmin")


# ------------------------------------------------------------------------------ var / std

def _var_args(input, dim, unbiased, keepdim, correction, name):
    _check_tensor(input, name)
    if isinstance(dim, bool):  # std(input, unbiased)
        dim, unbiased = None, dim
    if correction is not None and unbiased is not None:
        raise RuntimeError(f"{name}: Cannot specify both unbiased and correction")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if input.dtype.is_floating_point is False and not input.dtype.is_complex:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return reduce_dims(input, dim), correction, keepdim


def _var_forward(xp, x, dims, correction, keepdim, name):
    acc = _dtype.float32.np_dtype if x.dtype in _LOW_PRECISION else None
    xa = x.astype(acc) if acc is not None else x
    n = _count(x.shape, dims)
    if n - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=4)
    with xp.errstate(all="ignore"):
        mean = xp.mean(xa, axis=dims, keepdims=True) if n else xp.zeros(
            [1 if i in dims else s for i, s in enumerate(x.shape)], xa.dtype)
        d = xa - mean
        sq = (d * xp.conj(d)).real if x.dtype.kind == "c" else d * d
        out = xp.sum(sq, axis=dims, keepdims=keepdim) / builtins.max(0, n - correction)
    real = xp.empty((), x.dtype).real.dtype
    return xp.asarray(out).astype(real, copy=False), n


def _inv_dof(n, correction):
    """1 / max(0, n - correction), inf for no degrees of freedom (torch's 0-division)."""
    dof = builtins.max(0, n - correction)
    return 1.0 / dof if dof else _INF


class Var(Function):
    node_name = "VarBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        out, n = _var_forward(ctx.xp, x, dims, correction, keepdim, "var")
        ctx.meta = (x.shape, dims, correction, keepdim, n)
        ctx.save_for_backward(x)
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        shape, dims, correction, keepdim, n = ctx.meta
        g = restore_reduced(g, shape, dims, keepdim)
        centred = x - x.mean(dims, keepdim=True)
        return g * centred * (2.0 * _inv_dof(n, correction)), None, None, None


class Std(Function):
    node_name = "StdBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        var, n = _var_forward(ctx.xp, x, dims, correction, keepdim, "std")
        out = ctx.xp.asarray(ctx.xp.sqrt(var))
        ctx.meta = (x.shape, dims, correction, keepdim, n)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape, dims, correction, keepdim, n = ctx.meta
        zero = _const(out._data == 0, out)
        # torch: no gradient where std == 0 (instead of 0/0)
        g = where(zero, 0.0, g / where(zero, 1.0, out))
        g = restore_reduced(g, shape, dims, keepdim)
        centred = x - x.mean(dims, keepdim=True)
        return g * centred * _inv_dof(n, correction), None, None, None


def where(cond, a, b):
    return FUNCTIONS["where"](cond, a, b)


@register()
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance over `dim` with Bessel's `correction` (default 1; unbiased=False -> 0)."""
    dims, c, keepdim = _var_args(input, dim, unbiased, keepdim, correction, "var")
    return Var.apply(input, dims, c, keepdim)


@register()
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation over `dim` with Bessel's `correction` (default 1)."""
    dims, c, keepdim = _var_args(input, dim, unbiased, keepdim, correction, "std")
    return Std.apply(input, dims, c, keepdim)


@register(method=False)
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """(var, mean) over `dim`."""
    dims, c, keepdim = _var_args(input, dim, unbiased, keepdim, correction, "var_mean")
    return Var.apply(input, dims, c, keepdim), mean(input, dims, keepdim)


@register(method=False)
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """(std, mean) over `dim`."""
    dims, c, keepdim = _var_args(input, dim, unbiased, keepdim, correction, "std_mean")
    return Std.apply(input, dims, c, keepdim), mean(input, dims, keepdim)


# ------------------------------------------------------------------------------ logsumexp

def _float_in(x):
    if x.dtype.kind in "biu":
        return x.astype(_dtype.get_default_dtype().np_dtype)
    return x


class LogSumExp(Function):
    node_name = "LogsumexpBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xp = ctx.xp
        x = _float_in(x)
        with xp.errstate(all="ignore"):
            if x.size:
                m = xp.max(x, axis=dims, keepdims=True)
                m = xp.where(xp.isfinite(m), m, 0)
            else:
                m = xp.zeros([1 if i in dims else s for i, s in enumerate(x.shape)], x.dtype)
            out = xp.log(xp.sum(xp.exp(x - m), axis=dims, keepdims=True)) + m
        if not keepdim:
            out = out.reshape([s for i, s in enumerate(x.shape) if i not in dims])
        out = xp.asarray(out).astype(x.dtype, copy=False)
        ctx.meta = (x.shape, dims, keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape, dims, keepdim = ctx.meta
        g = restore_reduced(g, shape, dims, keepdim)
        return g * (x - restore_reduced(out, shape, dims, keepdim)).exp(), None, None


@register()
def logsumexp(input, dim, keepdim=False, *, out=None):
    """log(sum(exp(input))) over `dim`, computed stably."""
    _check_tensor(input, "logsumexp")
    return LogSumExp.apply(input, reduce_dims(input, dim), keepdim)


# ------------------------------------------------------------------------------ prod

class Prod(Function):
    node_name = "ProdBackward1"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        xp = ctx.xp
        out_dt = _sum_dtype(x, dtype)
        acc = _dtype.float32.np_dtype if out_dt in _LOW_PRECISION else out_dt
        with xp.errstate(all="ignore"):
            out = xp.prod(x.astype(acc, copy=False), axis=dims, keepdims=keepdim)
        out = xp.asarray(out).astype(out_dt, copy=False)
        ctx.meta = (x.shape, dims, keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape, dims, keepdim = ctx.meta
        xp = ctx.xp
        g = restore_reduced(g, shape, dims, keepdim)
        xa = x._data
        zeros = xa == 0
        if not zeros.any():
            return g * restore_reduced(out, shape, dims, keepdim) / x, None, None, None
        if _GradState.enabled:  # create_graph: products of the others without division
            if x.ndim == 0:
                return g, None, None, None
            if len(dims) == 1:
                return g * exclusive_prods(x, dims[0]), None, None, None
            return g * exclusive_prods(x.reshape(-1), 0).reshape(shape), None, None, None
        # with zeros: d prod / d x_i = product of the others, which is nonzero only at the
        # single zero of a slice holding exactly one zero
        one_zero = zeros.sum(axis=dims, keepdims=True) == 1
        safe = where(_const(zeros, x), 1.0, x)
        others = Prod.apply(safe, dims, True, None).expand(shape)
        no_zero = _const(xp.broadcast_to(~one_zero & ~zeros.any(axis=dims, keepdims=True),
                                          xa.shape), x)
        at_zero = _const(one_zero & zeros, x)
        keep = restore_reduced(out, shape, dims, keepdim) / safe
        grad = where(no_zero, keep, where(at_zero, others, 0.0))
        return g * grad, None, None, None


def exclusive_prods(x, dim):
    """prod_{j != i} x_j along dim for every i: cumulative products from both ends (torch's
    prod_safe_zeros_backward), ember ops without division, so differentiable at zeros."""
    from ember._ops import joining
    from ember._ops.scan import cumprod

    n = x.shape[dim]
    ones = x.new_ones(x.shape[:dim] + (1,) + x.shape[dim + 1:])
    if n == 1:
        return ones
    left = cumprod(joining.cat([ones, x.narrow(dim, 0, n - 1)], dim), dim)
    right = cumprod(joining.cat([ones, x.narrow(dim, 1, n - 1).flip(dim)], dim), dim)
    return left * right.flip(dim)


class ProdAll(Prod):
    node_name = "ProdBackward0"


@register()
def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product of all elements, or over one `dim`."""
    _check_tensor(input, "prod")
    if dim is None:
        return ProdAll.apply(input, tuple(range(input.ndim)), False, dtype)
    d = int_dim(dim, input.ndim, "prod")
    return Prod.apply(input, () if input.ndim == 0 else (d,), keepdim, dtype)


def _sum_dtype(x, dtype):
    if dtype is not None:
        return dtype.np_dtype
    if x.dtype.kind in "biu":
        return _dtype.int64.np_dtype
    return x.dtype


# ------------------------------------------------------------------------------ all / any / nan*

def _logical(input, dim, keepdim, which):
    _check_tensor(input, which)
    xp = xp_for(input._device)
    dims = reduce_dims(input, dim)
    x = input._data
    fn = xp.all if which == "all" else xp.any
    out = fn(x != 0 if x.dtype.kind != "b" else x, axis=dims, keepdims=keepdim)
    out = xp.asarray(out)
    if x.dtype == xp.uint8:
        out = out.astype(xp.uint8)
    return _wrap(out, input._device)


@register()
def all(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    """True where every element (over `dim`) is nonzero."""
    return _logical(input, dim, keepdim, "all")


@register()
def any(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    """True where some element (over `dim`) is nonzero."""
    return _logical(input, dim, keepdim, "any")


@register()
def count_nonzero(input, dim=None):
    """Number of nonzero elements over `dim` (int64)."""
    _check_tensor(input, "count_nonzero")
    xp = xp_for(input._device)
    dims = reduce_dims(input, dim)
    out = xp.asarray(xp.count_nonzero(input._data, axis=dims), dtype=xp.int64)
    return _wrap(out, input._device)


class NanSum(Function):
    node_name = "NansumBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        xp = ctx.xp
        out_dt = _sum_dtype(x, dtype)
        acc = _dtype.float32.np_dtype if out_dt in _LOW_PRECISION else out_dt
        ctx.meta = (x.shape, dims, keepdim)
        ctx.save_for_backward(x)
        out = xp.nansum(x.astype(acc, copy=False), axis=dims, keepdims=keepdim)
        return xp.asarray(out).astype(out_dt, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        shape, dims, keepdim = ctx.meta
        keep = _const(~ctx.xp.isnan(x._data), x)
        return where(keep, restore_reduced(g, shape, dims, keepdim), 0.0), None, None, None


@register()
def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum treating NaN as zero."""
    _check_tensor(input, "nansum")
    if input.dtype.is_complex:
        raise RuntimeError("nansum does not support complex inputs")
    return NanSum.apply(input, reduce_dims(input, dim), keepdim, dtype)


@register()
def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean over the non-NaN elements."""
    _check_tensor(input, "nanmean")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {_name(input.dtype)}")
    dims = reduce_dims(input, dim)
    xp = xp_for(input._device)
    count = xp.sum(~xp.isnan(input._data), axis=dims, keepdims=keepdim)
    total = nansum(input, dims, keepdim, dtype=dtype)
    return total / _const(count.astype(total._data.dtype), input)


# ------------------------------------------------------------------------------ norms

def _ord_name(ord):
    if ord == _INF:
        return "inf"
    if ord == -_INF:
        return "-inf"
    return f"{ord:g}" if isinstance(ord, float) else str(ord)


class VectorNorm(Function):
    node_name = "LinalgVectorNormBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, ord, dims, keepdim):
        xp = ctx.xp
        a = xp.abs(x)
        with xp.errstate(all="ignore"):
            if ord == 2:
                out = xp.sqrt(xp.sum(a * a, axis=dims, keepdims=keepdim))
            elif ord == _INF:
                out = xp.max(a, axis=dims, keepdims=keepdim)
            elif ord == -_INF:
                out = xp.min(a, axis=dims, keepdims=keepdim)
            elif ord == 0:
                out = xp.sum(a != 0, axis=dims, keepdims=keepdim).astype(a.dtype)
            elif ord == 1:
                out = xp.sum(a, axis=dims, keepdims=keepdim)
            else:
                out = xp.sum(a ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)
        out = xp.asarray(out).astype(a.dtype, copy=False)
        ctx.meta = (x.shape, ord, dims, keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape, ord, dims, keepdim = ctx.meta
        xp = ctx.xp
        g = restore_reduced(g, shape, dims, keepdim)
        if ord == 0:
            return g * 0.0, None, None, None
        sign = _sgn(x)
        if ord == 1:
            return g * sign, None, None, None
        out_r = restore_reduced(out, shape, dims, keepdim)
        if ord in (_INF, -_INF):
            mask = _nan_mask(xp, xp.abs(x._data), xp.broadcast_to(
                _keep_dims(xp, out._data, dims, keepdim), shape))
            scale = mask / mask.sum(axis=dims, keepdims=True)
            return g * sign * _const(scale.astype(x._data.dtype), x), None, None, None
        zero = _const(xp.broadcast_to(_keep_dims(xp, out._data, dims, keepdim) == 0, shape), x)
        safe = where(zero, 1.0, out_r)
        if ord == 2:
            grad = x / safe
        else:
            grad = sign * (x * sign) ** (ord - 1) / safe ** (ord - 1)
        return where(zero, 0.0, g * grad), None, None, None


def _keep_dims(xp, arr, dims, keepdim):
    if keepdim or not dims:
        return arr
    return xp.expand_dims(arr, tuple(sorted(dims)))


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """linalg.vector_norm: the `ord`-norm of `x` over `dim` (all dims when None)."""
    _check_tensor(x, "linalg.vector_norm")
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_name(x.dtype)}")
    if isinstance(ord, str) or isinstance(ord, complex):
        raise TypeError(f"linalg.vector_norm(): argument 'ord' must be Number, not "
                        f"{type(ord).__name__}")
    if dtype is not None:
        x = x.to(dtype)
    dims = reduce_dims(x, dim)
    if (ord < 0 or ord == _INF) and x.numel() == 0 and (
            dim is None or _count(x.shape, dims) == 0):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {_ord_name(ord)} norm on an "
                           "empty tensor because the operation does not have an identity")
    return VectorNorm.apply(x, float(ord) if not isinstance(ord, int) else ord, dims, keepdim)


def _matrix_dims(A, dim, name):
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{name}: dim must be a 2-tuple. Got {dim}")
    d0, d1 = wrap_dim(dim[0], A.ndim), wrap_dim(dim[1], A.ndim)
    if d0 == d1:
        raise RuntimeError(f"{name}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """linalg.matrix_norm: 'fro', 'nuc', inf, -inf, 1, -1, 2, -2 norms over the two `dim`."""
    _check_tensor(A, "linalg.matrix_norm")
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_name(A.dtype)}")
    d0, d1 = _matrix_dims(A, dim, "linalg.matrix_norm")
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        rest = [i for i in range(A.ndim) if i not in (d0, d1)]
        from ember._ops.factorizations import Svdvals  # twice differentiable (create_graph)

        s = Svdvals.apply(A.permute(*rest, d0, d1))
        if ord == "nuc":
            r = s.sum(-1)
        else:
            r = amax(s, -1) if ord == 2 else amin(s, -1)
        if keepdim:
            for d in sorted((d0, d1)):
                r = r.unsqueeze(d)
        return r
    if ord not in (1, -1, _INF, -_INF):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if ord in (_INF, -_INF):
        d0, d1 = d1, d0
    colsum = vector_norm(A, 1, d0, keepdim=True)
    r = (amax if ord > 0 else amin)(colsum, d1, keepdim=True)
    if not keepdim:
        r = r.squeeze(builtins.max(d0, d1)).squeeze(builtins.min(d0, d1))
    return r


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """linalg.norm: a vector norm (dim int / 1-D) or a matrix norm (2 dims / 2-D)."""
    _check_tensor(A, "linalg.norm")
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        if len(dim) == 1:
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
        if len(dim) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                           f"Got {list(dim)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be 1D or "
                       f"2D. Got {A.ndim}D.")


@register()
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm (deprecated in torch for linalg.norm, still widely used)."""
    _check_tensor(input, "norm")
    if isinstance(dim, int):
        dim = (dim,)
    if isinstance(p, str):
        if p == "fro" and (dim is None or len(dim) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype)
        if p == "nuc":
            return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim,
                               dtype=dtype)
        raise RuntimeError(f"norm(): unsupported p={p!r} for dim={dim}")
    return vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)


# scans live in their own module; importing it here registers them with the reductions
from ember._ops import scan as _scan  # noqa: E402,F401
