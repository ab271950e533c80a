"""Elementwise math: unary functions (roots, exp/log, trig, activations, rounding, special
functions) and clamp. The binary ops (maximum/minimum, the integer-aware division family...) and
their ``_binary`` helper live in elementwise_binary.py and are re-exported here.

Most unary ops come from one table-like helper, ``_unary``: each op states its NumPy kernel, its
derivative (written with ember ops, so it is differentiable again) and what backward needs.
"""

import math

from ember import _dtype
from ember import _tensor
from ember._ops import _special
from ember._ops._registry import register
from ember._ops.elementwise import _cast
from ember._ops.elementwise import _quiet
from ember._ops.elementwise import call_binary
from ember._ops.elementwise import float_input
from ember._ops.elementwise import inplace_check
from ember.autograd.function import Function
from ember.autograd.function import Node
from ember.autograd.function import _SavedTensor
from ember.autograd.grad_mode import _GradState

Tensor = _tensor.Tensor

def not_implemented(kernel, arr):
    """torch's NotImplementedError for a kernel that has no version for arr's dtype."""
    name = _dtype.SCALAR_NAMES[_tensor.dtype_of(arr)]
    return NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')


def _check_tensor(fn, x, pos=1, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


# ------------------------------------------------------------------------------ unary helper

def _unary(name, node, kernel, deriv=None, *, saves="x", floating=True, reject="",
           kernel_name=None, aliases=(), inplace=True):
    """Define and register a unary elementwise op.

    kernel(xp, x) -> array; deriv(g, x, out) -> gradient (ember ops) or None if not
    differentiable; saves: which of "x"/"out" backward reads ("x", "out", "both", "");
    floating: integer/bool inputs compute in the default float dtype; reject: dtype kinds torch
    has no kernel for (NotImplementedError naming kernel_name).
    """
    kname = kernel_name or f"{name}_cpu"
    save_x = saves in ("x", "both")
    save_out = saves in ("out", "both")

    def prepare(xp, x):
        if reject and x.dtype.kind in reject:
            raise not_implemented(kname, x)
        return float_input(xp, x) if floating else x

    class Op(Function):
        node_name = node
        _array_io = True

        @staticmethod
        def forward(ctx, x):
            xp = ctx.xp
            x = prepare(xp, x)
            with _quiet(xp):
                out = kernel(xp, x)
            if getattr(out, "dtype", x.dtype) != x.dtype:
                out = xp.asarray(out).astype(x.dtype)
            ctx.save_for_backward(x if save_x else None, out if save_out else None)
            return out

        @staticmethod
        def backward(ctx, g):
            x, out = ctx.saved_tensors
            return deriv(g, x, out)

    class OpInplace(Function):
        node_name = node
        _array_io = True
        _inplace = True

        @staticmethod
        def forward(ctx, x):
            xp = ctx.xp
            src = prepare(xp, x)
            with _quiet(xp):
                out = kernel(xp, src)
            inplace_check(x, _tensor.dtype_of(xp.asarray(out)), name + "_")
            keep = x.copy() if save_x and ctx.needs_input_grad[0] else None
            xp.copyto(x, out, casting="unsafe")
            ctx.save_for_backward(keep, x if save_out else None)
            return x

        backward = Op.backward

    Op.__name__ = Op.__qualname__ = name.capitalize()
    OpInplace.__name__ = OpInplace.__qualname__ = name.capitalize() + "Inplace"

    def op(input, *, out=None):
        return Op.apply(input)

    def op_(input):
        return OpInplace.apply(input)

    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"{name}, elementwise."
    op.function = Op
    register(name, *aliases)(op)
    if inplace:
        register(name + "_", *(a + "_" for a in aliases), function=True)(op_)
    return op


def inplace_result(input, result, name):
    """Write an out-of-place result back into input, refusing what torch's x_ forms refuse."""
    inplace_check(input._data, result.dtype, name)
    if tuple(result.shape) != tuple(input.shape):
        raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the broadcast "
                           f"shape {list(result.shape)}")
    return input.copy_(result)


def inplace_of(op, name):
    """The in-place form of a unary op Function (extra args plain values): the same kernel,
    backward and node name, so y.exp_() shows ExpBackward0 as in torch (not CopyBackwards)
    and differentiates twice. A saved input keeps a copy of its old value; a saved output is
    the rewritten tensor itself."""

    class Inplace(op):
        node_name = op.node_name
        _inplace = True

        @staticmethod
        def forward(ctx, x, *args):
            xp = ctx.xp
            out = xp.asarray(op.forward(ctx, x, *args))
            inplace_check(x, _tensor.dtype_of(out), name)
            saved = ctx._to_save if isinstance(ctx, Node) else None
            if saved:
                old = [k for k, s in enumerate(saved)
                       if s is x or getattr(s, "base", None) is x]
                ctx.old_input = old[0] if old else None
                # the old value of x, kept before it is overwritten
                saved = tuple(s.copy() if k in old else s for k, s in enumerate(saved))
            xp.copyto(x, out, casting="unsafe")
            if saved:
                ctx._to_save = tuple(x if s is out else s for s in saved)
            return x

        @staticmethod
        def backward(ctx, *grads):
            k = getattr(ctx, "old_input", None)
            fn, nr = ctx.next_functions[0]
            if k is not None and _GradState.enabled and fn is not None and type(
                    ctx._saved[k]) is _SavedTensor:
                # create_graph: the saved old value continues x's history before the write
                arr = ctx._saved[k].data
                old = _tensor.make(arr, grads[0].device)
                old._grad_fn, old._output_nr, old._requires_grad = fn, nr, True
                ctx._saved[k] = _SavedTensor(old, arr, old._version, -1, old._device)
                ctx.old_input = None
            return op.backward(ctx, *grads)

    Inplace.__name__ = Inplace.__qualname__ = op.__name__ + "Inplace"
    return Inplace


def _zeros(g, x, out):
    return g * 0


# ------------------------------------------------------------------------------ activations

sigmoid = _unary("sigmoid", "SigmoidBackward0", lambda xp, x: _sigmoid(xp, x),
                 lambda g, x, out: g * (out * (1 - out)), saves="out")


def _sigmoid(xp, x):
    # why: 1/(1+exp(-x)) overflows exp for very negative x; this form is finite everywhere
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


tanh = _unary("tanh", "TanhBackward0", lambda xp, x: xp.tanh(x),
              lambda g, x, out: g * (1 - out * out), saves="out")

# ------------------------------------------------------------------------------ abs / sign


def _sign_kernel(xp, x):
    if x.dtype.kind == "b":
        return x.copy()
    if x.dtype.kind == "f":  # torch: sign(nan) = 0
        return ((x > 0).astype(x.dtype) - (x < 0).astype(x.dtype))
    return xp.sign(x)


sign = _unary("sign", "SignBackward0", _sign_kernel, _zeros, saves="", floating=False)
sgn = _unary("sgn", "SgnBackward0", _sign_kernel, _zeros, saves="", floating=False)
absolute = _unary("abs", "AbsBackward0", lambda xp, x: xp.abs(x),
                  lambda g, x, out: g * x.sgn(), floating=False, reject="b",
                  aliases=("absolute",))
register("__abs__", function=False)(absolute)

# ------------------------------------------------------------------------------ powers and roots

sqrt = _unary("sqrt", "SqrtBackward0", lambda xp, x: xp.sqrt(x),
              lambda g, x, out: g / (2 * out), saves="out")
rsqrt = _unary("rsqrt", "RsqrtBackward0", lambda xp, x: 1 / xp.sqrt(x),
               lambda g, x, out: g * (-0.5 * out * out * out), saves="out")
reciprocal = _unary("reciprocal", "ReciprocalBackward0", lambda xp, x: 1 / x,
                    lambda g, x, out: g * -(out * out), saves="out")


def _square_kernel(xp, x):
    if x.dtype.kind == "b":
        return x.astype("int64")
    return x * x


class Square(Function):
    node_name = "PowBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet(ctx.xp):
            return _square_kernel(ctx.xp, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (2 * x)


@register()
def square(input, *, out=None):
    """input ** 2 (bool gives int64, as in torch)."""
    return Square.apply(input)


_SquareInplace = inplace_of(Square, "square_")


@register(function=True)
def square_(input):
    if input.dtype is _dtype.bool_:  # bool ** 2 is int64: torch's cast error
        return inplace_result(input, square(input), "square_")
    return _SquareInplace.apply(input)


# ------------------------------------------------------------------------------ exp / log family

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)

exp2 = _unary("exp2", "Exp2Backward0", lambda xp, x: xp.exp2(x),
              lambda g, x, out: g * (out * _LN2), saves="out")
expm1 = _unary("expm1", "Expm1Backward0", lambda xp, x: xp.expm1(x),
               lambda g, x, out: g * (out + 1), saves="out")
log2 = _unary("log2", "Log2Backward0", lambda xp, x: xp.log2(x),
              lambda g, x, out: g / (x * _LN2))
log10 = _unary("log10", "Log10Backward0", lambda xp, x: xp.log10(x),
               lambda g, x, out: g / (x * _LN10))
log1p = _unary("log1p", "Log1PBackward0", lambda xp, x: xp.log1p(x),
               lambda g, x, out: g / (x + 1))


def _exp_log_inplace():
    from ember._ops.elementwise import Exp
    from ember._ops.elementwise import Log

    return inplace_of(Exp, "exp_"), inplace_of(Log, "log_")


_ExpInplace, _LogInplace = _exp_log_inplace()


@register(function=True)
def exp_(input):
    return _ExpInplace.apply(input)


@register(function=True)
def log_(input):
    return _LogInplace.apply(input)


# ------------------------------------------------------------------------------ trigonometry

sin = _unary("sin", "SinBackward0", lambda xp, x: xp.sin(x), lambda g, x, out: g * x.cos())
cos = _unary("cos", "CosBackward0", lambda xp, x: xp.cos(x), lambda g, x, out: g * -x.sin())
tan = _unary("tan", "TanBackward0", lambda xp, x: xp.tan(x),
             lambda g, x, out: g * (1 + out * out), saves="out")
asin = _unary("asin", "AsinBackward0", lambda xp, x: xp.arcsin(x),
              lambda g, x, out: g * (1 - x * x).rsqrt(), aliases=("arcsin",))
acos = _unary("acos", "AcosBackward0", lambda xp, x: xp.arccos(x),
              lambda g, x, out: g * -(1 - x * x).rsqrt(), aliases=("arccos",))
atan = _unary("atan", "AtanBackward0", lambda xp, x: xp.arctan(x),
              lambda g, x, out: g / (1 + x * x), aliases=("arctan",))
sinh = _unary("sinh", "SinhBackward0", lambda xp, x: xp.sinh(x), lambda g, x, out: g * x.cosh())
cosh = _unary("cosh", "CoshBackward0", lambda xp, x: xp.cosh(x), lambda g, x, out: g * x.sinh())
asinh = _unary("asinh", "AsinhBackward0", lambda xp, x: xp.arcsinh(x),
               lambda g, x, out: g * (x * x + 1).rsqrt(), aliases=("arcsinh",))
acosh = _unary("acosh", "AcoshBackward0", lambda xp, x: xp.arccosh(x),
               lambda g, x, out: g * ((x - 1).rsqrt() * (x + 1).rsqrt()), aliases=("arccosh",))
atanh = _unary("atanh", "AtanhBackward0", lambda xp, x: xp.arctanh(x),
               lambda g, x, out: g / (1 - x * x), aliases=("arctanh",))
deg2rad = _unary("deg2rad", "Deg2RadBackward0", lambda xp, x: x * (math.pi / 180),
                 lambda g, x, out: g * (math.pi / 180), saves="")
rad2deg = _unary("rad2deg", "Rad2DegBackward0", lambda xp, x: x * (180 / math.pi),
                 lambda g, x, out: g * (180 / math.pi), saves="")


def _sinc_kernel(xp, x):
    return xp.sinc(x)


def _sinc_deriv(g, x, out):
    # d/dx sin(pi x)/(pi x) = (cos(pi x) - sinc(x)) / x, and 0 at x = 0
    safe = x.where(x != 0, 1.0)
    return g * ((safe * math.pi).cos() - out).div(safe).where(x != 0, 0.0)


sinc = _unary("sinc", "SincBackward0", _sinc_kernel, _sinc_deriv, saves="both")

# ------------------------------------------------------------------------------ rounding


def _rounding(name, node, np_name):
    return _unary(name, node, lambda xp, x: getattr(xp, np_name)(x), _zeros, saves="",
                  floating=False, reject="b", kernel_name=f"{name}_vml_cpu")


floor = _rounding("floor", "FloorBackward0", "floor")
ceil = _rounding("ceil", "CeilBackward0", "ceil")
trunc = _rounding("trunc", "TruncBackward0", "trunc")
fix = _rounding("fix", "TruncBackward0", "trunc")
_round0 = _rounding("round", "RoundBackward0", "rint")
frac = _unary("frac", "FracBackward0", lambda xp, x: x - xp.trunc(x), lambda g, x, out: g,
              saves="", floating=False, reject="biu")


class RoundDecimals(Function):
    node_name = "RoundBackward1"
    _array_io = True

    @staticmethod
    def forward(ctx, x, decimals):
        if x.dtype.kind in "biu":
            raise not_implemented("round_vml_cpu" if decimals == 0 else "round_cpu", x)
        with _quiet(ctx.xp):
            # torch scales, rounds half to even, then unscales (neg decimals divide first)
            if decimals >= 0:
                s = 10.0 ** decimals
                return (ctx.xp.rint(x * s) / s).astype(x.dtype, copy=False)
            s = 10.0 ** -decimals
            return (ctx.xp.rint(x / s) * s).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return g * 0, None


@register()
def round(input, *, decimals=None, out=None):  # noqa: A001
    """Round half to even; with decimals, to that many decimal places."""
    if decimals is None:
        return _round0(input)
    return RoundDecimals.apply(input, decimals)


_RoundInplace = inplace_of(_round0.function, "round_")
_RoundDecimalsInplace = inplace_of(RoundDecimals, "round_")


@register(function=True)
def round_(input, *, decimals=None):
    if decimals is None:
        return _RoundInplace.apply(input)
    return _RoundDecimalsInplace.apply(input, decimals)


# ------------------------------------------------------------------------------ special functions

erf = _unary("erf", "ErfBackward0", lambda xp, x: _special.erf(xp, x),
             lambda g, x, out: g * ((-x * x).exp() * (2 / math.sqrt(math.pi))))
erfc = _unary("erfc", "ErfcBackward0", lambda xp, x: _special.erfc(xp, x),
              lambda g, x, out: g * ((-x * x).exp() * (-2 / math.sqrt(math.pi))))
erfinv = _unary("erfinv", "ErfinvBackward0", lambda xp, x: _special.erfinv(xp, x),
                lambda g, x, out: g * ((out * out).exp() * (math.sqrt(math.pi) / 2)),
                saves="out")
lgamma = _unary("lgamma", "LgammaBackward0", lambda xp, x: _special.lgamma(xp, x),
                lambda g, x, out: g * x.digamma())
digamma = _unary("digamma", "DigammaBackward0", lambda xp, x: _special.digamma(xp, x),
                 lambda g, x, out: g * x.polygamma(1))
i0 = _unary("i0", "I0Backward0", lambda xp, x: xp.i0(x),
            lambda g, x, out: g * _i1(x))


class I1(Function):
    node_name = "SpecialI1Backward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _special.i1(ctx.xp, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        safe = x.where(x != 0, 1.0)
        return g * (x.i0() - _i1(safe) / safe).where(x != 0, 0.5)


def _i1(x):
    return I1.apply(x)


class Polygamma(Function):
    node_name = "PolygammaBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, n):
        xp = ctx.xp
        x = float_input(xp, x)
        ctx.n = n
        ctx.save_for_backward(x)
        with _quiet(xp):
            out = _special.polygamma(xp, n, x)
        return xp.asarray(out).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * polygamma(ctx.n + 1, x), None


@register(method=False)
def polygamma(n, input, *, out=None):
    """n-th derivative of the digamma function."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return Polygamma.apply(input, n)


@register("polygamma", function=False)
def _polygamma_method(input, n):
    return polygamma(n, input)


@register(function=False)
def polygamma_(input, n):
    return inplace_result(input, polygamma(n, input), "polygamma_")


class Logit(Function):
    node_name = "LogitBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, eps):
        xp = ctx.xp
        x = float_input(xp, x)
        ctx.eps = eps
        ctx.save_for_backward(x)
        if eps is not None:
            x = xp.clip(x, eps, 1 - eps)
        with _quiet(xp):
            return xp.log(x / (1 - x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        gx = g / (x * (1 - x))
        if ctx.eps is None:
            return gx, None
        inside = (x >= ctx.eps).logical_and(x <= 1 - ctx.eps)
        return gx.where(inside, 0.0), None


@register()
def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)); with eps, p is clamped to [eps, 1 - eps] first."""
    return Logit.apply(input, eps)


_LogitInplace = inplace_of(Logit, "logit_")


@register(function=True)
def logit_(input, eps=None):
    return _LogitInplace.apply(input, eps)


# ------------------------------------------------------------------------------ misc unary

@register()
def positive(input):
    """The input itself (torch.positive); bool tensors are refused."""
    if input.dtype is _dtype.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


register("__pos__", function=False)(positive)


class NanToNum(Function):
    node_name = "NanToNumBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        xp = ctx.xp
        if x.dtype.kind not in "fc":
            return x.copy()
        info = xp.finfo(x.dtype)
        posinf = info.max if posinf is None else posinf
        neginf = info.min if neginf is None else neginf
        ctx.save_for_backward(x)
        out = xp.where(xp.isnan(x), nan, x)
        out = xp.where(out == math.inf, posinf, out)
        out = xp.where(out == -math.inf, neginf, out)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g.where(x.isfinite(), 0.0), None, None, None


@register()
def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN, +inf and -inf by finite numbers (dtype's max/min by default)."""
    return NanToNum.apply(input, nan, posinf, neginf)


_NanToNumInplace = inplace_of(NanToNum, "nan_to_num_")


@register(function=True)
def nan_to_num_(input, nan=0.0, posinf=None, neginf=None):
    return _NanToNumInplace.apply(input, nan, posinf, neginf)


# ------------------------------------------------------------------------------ clamp

def _clamp_arrays(xp, x, lo, hi):
    with _quiet(xp):
        if lo is not None:
            x = xp.maximum(x, lo)
        if hi is not None:
            x = xp.minimum(x, hi)
    return x


def _is_bool(v):
    return v.dtype.kind == "b" if hasattr(v, "dtype") else isinstance(v, bool)


def _clamp_operands(xp, x, lo, hi):
    ops = [v for v in (x, lo, hi) if v is not None]
    if x.dtype.kind == "b" and lo is not None and hi is not None and all(
            _is_bool(v) for v in ops):  # torch has no two-sided clamp kernel for bool
        raise not_implemented("clamp_cpu" if hasattr(lo, "dtype") else "clamp_scalar_cpu", x)
    rt = _dtype.result_type(*ops)
    npdt = rt.np_dtype
    return _cast(xp, x, npdt), _cast(xp, lo, npdt), _cast(xp, hi, npdt), rt


class ClampScalar(Function):
    """clamp with Python-number bounds (either may be None)."""

    node_name = "ClampBackward1"
    _array_io = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        xp = ctx.xp
        x, lo, hi, rt = _clamp_operands(xp, x, lo, hi)
        ctx.lo, ctx.hi = lo, hi
        ctx.save_for_backward(x)
        return xp.asarray(_clamp_arrays(xp, x, lo, hi)).astype(rt.np_dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.lo, ctx.hi
        if lo is None:
            mask = x <= hi
        elif hi is None:
            mask = x >= lo
        else:
            mask = (x >= lo).logical_and(x <= hi)
        return g * mask, None, None


class ClampMinScalar(ClampScalar):
    node_name = "ClampMinBackward0"


class ClampMaxScalar(ClampScalar):
    node_name = "ClampMaxBackward0"


class ClampTensor(Function):
    """clamp with tensor bounds (either may be None)."""

    node_name = "ClampBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        xp = ctx.xp
        x0, lo0, hi0 = x, lo, hi
        x, lo, hi, rt = _clamp_operands(xp, x, lo, hi)
        ctx.save_for_backward(x0, lo0, hi0)
        return xp.asarray(call_binary(lambda a, b: _clamp_arrays(xp, a, lo, b), x, hi)
                          ).astype(rt.np_dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = glo = ghi = None
        if lo is None:
            gx = g * (x <= hi)
            ghi = g * (x > hi) if need[2] else None
        elif hi is None:
            gx = g * (x >= lo)
            glo = g * (x < lo) if need[1] else None
        else:
            gx = g * (x >= lo).logical_and(x <= hi)
            inverted = hi < lo  # the result is hi everywhere
            if need[1]:
                glo = g * (x < lo).logical_and(inverted.logical_not())
            if need[2]:
                ghi = g * (x > hi).logical_or(inverted)
        return gx, glo, ghi


class ClampMinTensor(ClampTensor):
    node_name = "ClampMinBackward1"


class ClampMaxTensor(ClampTensor):
    node_name = "ClampMaxBackward1"


def _clamp_kind(min, max):
    t_min, t_max = isinstance(min, Tensor), isinstance(max, Tensor)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if (t_min and max is not None and not t_max) or (t_max and min is not None and not t_min):
        raise TypeError("clamp() received an invalid combination of arguments: min and max must "
                        "both be Tensors or both be numbers")
    return t_min or t_max


@register("clamp", "clip")
def clamp(input, min=None, max=None, *, out=None):  # noqa: A002
    """Clamp every element into [min, max] (Python numbers or tensors, broadcasting)."""
    if _clamp_kind(min, max):
        return ClampTensor.apply(input, min, max)
    return ClampScalar.apply(input, min, max)


@register()
def clamp_min(input, min):  # noqa: A002
    """max(input, min)."""
    if isinstance(min, Tensor):
        return ClampMinTensor.apply(input, min, None)
    return ClampMinScalar.apply(input, min, None)


@register()
def clamp_max(input, max):  # noqa: A002
    """min(input, max)."""
    if isinstance(max, Tensor):
        return ClampMaxTensor.apply(input, None, max)
    return ClampMaxScalar.apply(input, None, max)


class ClampInplace(Function):
    node_name = "ClampBackward1"
    _array_io = True
    _inplace = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        xp = ctx.xp
        rt = _dtype.result_type(*[v for v in (x, lo, hi) if v is not None])
        inplace_check(x, rt, "clamp_")
        keep = x.copy() if ctx.needs_input_grad[0] else None
        ctx.lo, ctx.hi = lo, hi
        xp.copyto(x, _clamp_arrays(xp, x, lo, hi), casting="unsafe")
        ctx.save_for_backward(keep)
        return x

    backward = ClampScalar.backward


@register("clamp_", "clip_", function=True)
def clamp_(input, min=None, max=None):  # noqa: A002
    if _clamp_kind(min, max) or input.dtype is _dtype.bool_:
        return inplace_result(input, clamp(input, min, max), "clamp_")
    return ClampInplace.apply(input, min, max)


_ClampMinInplace = inplace_of(ClampMinScalar, "clamp_min_")
_ClampMaxInplace = inplace_of(ClampMaxScalar, "clamp_max_")


@register(function=True)
def clamp_min_(input, min):  # noqa: A002
    if isinstance(min, Tensor) or input.dtype is _dtype.bool_:
        return inplace_result(input, clamp_min(input, min), "clamp_min_")
    return _ClampMinInplace.apply(input, min, None)


@register(function=True)
def clamp_max_(input, max):  # noqa: A002
    if isinstance(max, Tensor) or input.dtype is _dtype.bool_:
        return inplace_result(input, clamp_max(input, max), "clamp_max_")
    return _ClampMaxInplace.apply(input, None, max)


from ember._ops import elementwise_binary  # noqa: E402  (the binary ops, same helpers)
from ember._ops.elementwise_binary import _binary  # noqa: E402,F401
from ember._ops.elementwise_binary import _fmax_deriv  # noqa: E402,F401
from ember._ops.elementwise_binary import _max_deriv  # noqa: E402,F401
from ember._ops.elementwise_binary import fmax  # noqa: E402,F401
from ember._ops.elementwise_binary import fmin  # noqa: E402,F401
from ember._ops.elementwise_binary import maximum  # noqa: E402,F401
from ember._ops.elementwise_binary import minimum  # noqa: E402,F401

div_rounding = elementwise_binary.div_rounding
