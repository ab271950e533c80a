"""More math ops: integer gcd/lcm, float decomposition (frexp, ldexp, nextafter), incomplete
gamma (igamma/igammac), xlog1py, mvlgamma, renorm, dist, gradient, index_reduce, histogramdd,
and the special-function Functions behind ember.special (i0e, i1e, ndtr, ndtri, log_ndtr, erfcx,
entr, zeta, bessel_j0/j1).

Composite ops are written with ember ops (their gradients come from those ops); the others are
one Function each with forward and backward together.
"""

import builtins
import math

from ember import _dtype
from ember import _tensor
from ember._ops import _special_more as _sm
from ember._ops import _registry
from ember._ops._registry import register
from ember._ops._util import wrap_dim
from ember._ops.reduction import return_type
from ember._ops.elementwise import _quiet
from ember._ops.elementwise import float_input
from ember._ops.elementwise_binary import _binary
from ember._ops.elementwise_more import _check_tensor
from ember._ops.elementwise_more import inplace_result
from ember._ops.elementwise_more import not_implemented
from ember.autograd.function import Function
from ember.autograd.function import xp_for

Tensor = _tensor.Tensor


def _no_deriv(what):
    def deriv(g, a, b, out, need):
        raise NotImplementedError(f"the derivative for '{what}' is not implemented.")
    return deriv


# ------------------------------------------------------------------------------ integer / float

gcd = _binary("gcd", "GcdBackward0", lambda xp, a, b: xp.gcd(a, b), reject="fcb")
lcm = _binary("lcm", "LcmBackward0", lambda xp, a, b: xp.lcm(a, b), reject="fcb")
nextafter = _binary("nextafter", "NextafterBackward0", lambda xp, a, b: xp.nextafter(a, b),
                    _no_deriv("nextafter"), reject="biu")


def _igamma_deriv(sign):
    def deriv(g, a, x, out, need):
        if need[0]:
            raise NotImplementedError("the derivative for 'igamma: input' is not implemented.")
        # d/dx P(a, x) = x^(a-1) e^-x / Gamma(a)
        return None, g * (sign * (-x + (a - 1) * x.log() - _lgamma(a)).exp())
    return deriv


def _lgamma(a):
    return a.lgamma() if isinstance(a, Tensor) else math.lgamma(a)


igamma = _binary("igamma", "IgammaBackward0", lambda xp, a, x: _sm.igamma(xp, a, x),
                 _igamma_deriv(1.0), reject="biu")
igammac = _binary("igammac", "IgammacBackward0",
                  lambda xp, a, x: _sm.igamma(xp, a, x, upper=True), _igamma_deriv(-1.0),
                  reject="biu")


def _xlog1py_kernel(xp, x, y):
    out = x * xp.log1p(y)
    return xp.where((xp.asarray(x) == 0) & ~xp.isnan(y), 0.0, out)


def _xlog1py_deriv(g, x, y, out, need):
    gx = g * xlog1py((x != 0).to(g.dtype), y) if need[0] else None
    gy = g * x / (y + 1) if need[1] else None
    return gx, gy


xlog1py = _binary("special_xlog1py", "SpecialXlog1PyBackward0", _xlog1py_kernel, _xlog1py_deriv,
                  floating=True, tensor_other=False, scalar_input=True, inplace=False)


@register()
def ldexp(input, other, *, out=None):
    """input * 2 ** other (float result)."""
    return input * (2.0 ** other if isinstance(other, (int, float)) else
                    _tensor_pow2(other))


def _tensor_pow2(other):
    from ember import pow as _pow

    return _pow(2.0, other)


@register(function=True)
def ldexp_(input, other):
    return inplace_result(input, ldexp(input, other), "ldexp_")


class Frexp(Function):
    node_name = "FrexpBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        if x.dtype.kind not in "f":
            raise RuntimeError("torch.frexp() only supports floating-point dtypes")
        mantissa, exponent = xp.frexp(x)
        exponent = exponent.astype("int32")
        ctx.save_for_backward(exponent)
        return mantissa.astype(x.dtype, copy=False), exponent

    @staticmethod
    def backward(ctx, g, g_exp):
        (exponent,) = ctx.saved_tensors
        return g / exponent.to(g.dtype).exp2()


_FrexpType = return_type("frexp", ("mantissa", "exponent"))
_HistogramddType = return_type("histogramdd", ("hist", "bin_edges"))


@register()
def frexp(input, *, out=None):
    """(mantissa, exponent) with input = mantissa * 2 ** exponent, 0.5 <= |mantissa| < 1."""
    _check_tensor("frexp", input)
    return _FrexpType(*Frexp.apply(input))


# ------------------------------------------------------------------------------ composites

@register()
def mvlgamma(input, p):
    """Multivariate log-gamma of dimension p, elementwise."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if not input.dtype.is_floating_point:
        input = input.to(_dtype.get_default_dtype())
    from ember import arange

    shifts = arange(p, dtype=input.dtype, device=input.device) / -2.0
    out = (input.unsqueeze(-1) + shifts).lgamma().sum(-1)
    return out + p * (p - 1) / 4 * math.log(math.pi)


@register(function=False)
def mvlgamma_(input, p):
    return inplace_result(input, mvlgamma(input, p), "mvlgamma_")


@register()
def renorm(input, p, dim, maxnorm):
    """Rescale each slice input.select(dim, i) whose p-norm exceeds maxnorm to norm maxnorm."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_dtype.SCALAR_NAMES[input.dtype]}")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.dim() <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.dim()} "
                           "dimensions")
    d = wrap_dim(dim, input.dim())
    others = [i for i in range(input.dim()) if i != d]
    from ember import linalg

    norm = linalg.vector_norm(input, p, dim=others, keepdim=True)
    factor = (maxnorm / (norm + 1e-7)).where(norm > maxnorm, 1.0)
    return input * factor


@register(function=False)
def renorm_(input, p, dim, maxnorm):
    return input.copy_(renorm(input, p, dim, maxnorm))


@register()
def dist(input, other, p=2):
    """The p-norm of input - other."""
    from ember import linalg

    return linalg.vector_norm(input - other, p)


@register(method=False)
def xlogy_(input, other):
    return input.xlogy_(other)


@register(method=False)
def gcd_(input, other):
    return inplace_result(input, gcd(input, other), "gcd_")


@register(method=False)
def lcm_(input, other):
    return inplace_result(input, lcm(input, other), "lcm_")


def _gradient_spacing(input, spacing, dims):
    if isinstance(spacing, (int, float)):
        return [spacing] * len(dims)
    spacing = list(spacing)
    if len(spacing) == 1 and len(dims) > 1 and not isinstance(spacing[0], Tensor):
        spacing = spacing * len(dims)
    if len(spacing) != len(dims):
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's "
                           f"spacing and dim arguments to have the same length, but got a "
                           f"spacing argument of length {len(spacing)} and a dim argument of "
                           f"length {len(dims)}.")
    return spacing


@register(method=False)
def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Central differences (one-sided at the edges) along each dim; spacing is a number per dim
    or a 1-D tensor of coordinates per dim."""
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if dim is None:
        dims = list(range(input.dim()))
    elif isinstance(dim, int):
        dims = [wrap_dim(dim, input.dim())]
    else:
        dims = [wrap_dim(d, input.dim()) for d in dim]
    spacing = _gradient_spacing(input, spacing, dims)
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        input = input.to(_dtype.get_default_dtype())
    return tuple(_gradient_1d(input, h, d, edge_order) for h, d in zip(spacing, dims))


def _gradient_1d(f, h, d, edge_order):
    n = f.shape[d]

    def s(start, length):
        return f.narrow(d, start, length)

    if isinstance(h, Tensor):       # coordinates: non-uniform spacing (numpy's formulas)
        shape = [1] * f.dim()
        shape[d] = -1
        x = h.to(f.dtype).reshape(shape)
        dx = x.narrow(d, 1, n - 1) - x.narrow(d, 0, n - 1)
        h1, h2 = dx.narrow(d, 0, n - 2), dx.narrow(d, 1, n - 2)
        a = -h2 / (h1 * (h1 + h2))
        b = (h2 - h1) / (h1 * h2)
        c = h1 / (h2 * (h1 + h2))
        interior = a * s(0, n - 2) + b * s(1, n - 2) + c * s(2, n - 2)
        d0, dl = dx.narrow(d, 0, 1), dx.narrow(d, n - 2, 1)
        if edge_order == 1:
            first = (s(1, 1) - s(0, 1)) / d0
            last = (s(n - 1, 1) - s(n - 2, 1)) / dl
        else:
            d1, dl2 = dx.narrow(d, 1, 1), dx.narrow(d, n - 3, 1)
            first = (-(2 * d0 + d1) / (d0 * (d0 + d1)) * s(0, 1) + (d0 + d1) / (d0 * d1) *
                     s(1, 1) - d0 / (d1 * (d0 + d1)) * s(2, 1))
            last = (dl / (dl2 * (dl2 + dl)) * s(n - 3, 1) - (dl2 + dl) / (dl2 * dl) *
                    s(n - 2, 1) + (2 * dl + dl2) / (dl * (dl2 + dl)) * s(n - 1, 1))
    else:
        interior = (s(2, n - 2) - s(0, n - 2)) / (2.0 * h)
        if edge_order == 1:
            first = (s(1, 1) - s(0, 1)) / h
            last = (s(n - 1, 1) - s(n - 2, 1)) / h
        else:
            first = (-1.5 * s(0, 1) + 2 * s(1, 1) - 0.5 * s(2, 1)) / h
            last = (0.5 * s(n - 3, 1) - 2 * s(n - 2, 1) + 1.5 * s(n - 1, 1)) / h
    from ember import cat

    return cat([first, interior, last], d)


@register()
def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """Reduce source's slices into input's slices at index along dim ('prod', 'mean', 'amax',
    'amin')."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    d = wrap_dim(dim, max(input.dim(), 1))
    if index.dim() > 1:
        raise IndexError("index_reduce_(): Index is supposed to be a vector")
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError("index_reduce_(): Expected dtype int32/int64 for index")
    if input.dim() == 0:
        return input.unsqueeze(0).index_reduce(0, index, source.reshape(-1), reduce,
                                               include_self=include_self).squeeze(0)
    shape = [1] * source.dim()
    shape[d] = -1
    idx = index.to(_dtype.int64).reshape(shape).expand(source.shape)
    return input.scatter_reduce(d, idx, source, reduce, include_self=include_self)


@register(function=False)
def index_reduce_(input, dim, index, source, reduce, *, include_self=True):
    return input.copy_(index_reduce(input, dim, index, source, reduce,
                                    include_self=include_self))


@register(method=False)
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of `elements` is in `test_elements` (either may be a number)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments")
    ref = elements if isinstance(elements, Tensor) else test_elements
    xp = xp_for(ref.device)
    e = elements._data if isinstance(elements, Tensor) else xp.asarray(elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    out = xp.isin(e, t, invert=invert)
    return _tensor.make(xp.asarray(out), ref.device)


@register(method=False)
def histogramdd(input, bins=10, *, range=None, weight=None, density=False):
    """A D-dimensional histogram of the N points in input's last dim (shape (..., D));
    returns (hist, bin_edges)."""
    xp = xp_for(input.device)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the "
                           f"same dtype, but got input {input.dtype}")
    dims = input.shape[-1]
    pts = input._data.reshape(-1, dims)
    if isinstance(bins, int):
        bins_arg = [bins] * dims
    elif isinstance(bins, Tensor):
        bins_arg = [bins._data]
    else:
        bins_arg = [b._data if isinstance(b, Tensor) else b for b in bins]
    rng = None
    if range is not None:
        rng = [(range[2 * i], range[2 * i + 1]) for i in builtins.range(dims)]
    elif pts.shape[0] == 0:
        rng = [(0.0, 0.0)] * dims
    w = None if weight is None else weight._data.reshape(-1)
    hist, edges = xp.histogramdd(pts.astype("float64"), bins=bins_arg, range=rng, weights=w,
                                 density=density)
    dt = input.dtype.np_dtype
    make = _tensor.make
    return _HistogramddType(make(xp.asarray(hist).astype(dt), input.device),
                            [make(xp.asarray(e).astype(dt), input.device) for e in edges])


# ------------------------------------------------------------------------------ special Functions

def _special_unary(name, node, kernel, deriv=None, saves="x"):
    """A float unary Function (integer inputs compute in the default float dtype); apply(x)."""

    class Op(Function):
        node_name = node
        _array_io = True

        @staticmethod
        def forward(ctx, x):
            xp = ctx.xp
            x = float_input(xp, x)
            if x.dtype.kind == "c":
                raise not_implemented(f"{name}_cpu", x)
            with _quiet(xp):
                out = xp.asarray(kernel(xp, x)).astype(x.dtype, copy=False)
            ctx.save_for_backward(x if "x" in saves else None, out if "o" in saves else None)
            return out

        @staticmethod
        def backward(ctx, g):
            if deriv is None:
                raise NotImplementedError(f"the derivative for '{name}' is not implemented.")
            x, out = ctx.saved_tensors
            return deriv(g, x, out)

    Op.__name__ = Op.__qualname__ = "Special" + name.title().replace("_", "")

    def op(input, *, out=None):
        _check_tensor(name, input)
        return Op.apply(input)

    op.__name__ = name
    op.Op = Op
    return op


_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)

special_i0e = _special_unary(
    "special_i0e", "SpecialI0EBackward0", _sm.i0e,
    lambda g, x, out: g * (special_i1e(x) - x.sgn() * out), saves="xo")
special_i1e = _special_unary(
    "special_i1e", "SpecialI1EBackward0", _sm.i1e,
    lambda g, x, out: g * (special_i0e(x) - out * (x.sgn() + x.reciprocal()).where(x != 0, 0.0)
                           ).where(x != 0, 0.5), saves="xo")
special_ndtri = _special_unary(
    "special_ndtri", "SpecialNdtriBackward0", _sm.ndtri,
    lambda g, x, out: g * (out * out / 2).exp() * math.sqrt(2 * math.pi), saves="o")
special_log_ndtr = _special_unary(
    "special_log_ndtr", "SpecialLogNdtrBackward0", _sm.log_ndtr,
    lambda g, x, out: g * (-(x * x) / 2 - out).exp() * _INV_SQRT_2PI, saves="xo")
special_erfcx = _special_unary(
    "special_erfcx", "SpecialErfcxBackward0", _sm.erfcx,
    lambda g, x, out: g * (2 * x * out - 2 / math.sqrt(math.pi)), saves="xo")
special_bessel_j0 = _special_unary("special_bessel_j0", "SpecialBesselJ0Backward0",
                                   lambda xp, x: _sm.bessel_j(xp, x, 0))
special_bessel_j1 = _special_unary("special_bessel_j1", "SpecialBesselJ1Backward0",
                                   lambda xp, x: _sm.bessel_j(xp, x, 1))


def _entr_kernel(xp, x):
    out = -x * xp.log(xp.where(x > 0, x, 1.0))
    out = xp.where(x < 0, -math.inf, out)
    return xp.where(xp.isnan(x), x, out)


special_entr = _special_unary("special_entr", "SpecialEntrBackward0", _entr_kernel,
                              lambda g, x, out: g * -(1 + x.log()))


def special_ndtr(input):
    """The standard normal CDF: 0.5 * erfc(-x / sqrt(2))."""
    _check_tensor("special_ndtr", input)
    x = input if input.dtype.is_floating_point else input.to(_dtype.get_default_dtype())
    return (x * (-1 / math.sqrt(2))).erfc() * 0.5


def _zeta_deriv(g, s, q, out, need):
    if need[0]:
        raise NotImplementedError("the derivative for 'special_zeta: self' is not implemented.")
    return None, g * -s * special_zeta(s + 1, q)


special_zeta = _binary("special_zeta", "SpecialZetaBackward0",
                       lambda xp, s, q: _sm.zeta(xp, s, q), _zeta_deriv, floating=True,
                       tensor_other=False, scalar_input=True, inplace=False, reject="c")


# _binary registers its ops; these two are ember.special-only names in torch
for _name in ("special_xlog1py", "special_zeta"):
    _registry.FUNCTIONS.pop(_name, None)
    _registry.METHODS.pop(_name, None)
