"""Binary elementwise math: the `_binary` op helper, maximum/minimum/fmax/fmin, rounding
division, fmod/remainder, atan2, hypot, xlogy, copysign, logaddexp, heaviside, float_power, and
the ternary lerp/addcmul/addcdiv.

Integer division by zero raises RuntimeError("ZeroDivisionError") as torch does; float division
by zero gives inf/nan silently.
"""

import math

from ember import _dtype
from ember import _tensor
from ember._ops._registry import register
from ember._ops.elementwise import _cast
from ember._ops.elementwise import _quiet
from ember._ops.elementwise import binary_operands
from ember._ops.elementwise import call_binary
from ember._ops.elementwise_more import _check_tensor
from ember._ops.elementwise_more import inplace_result
from ember._ops.elementwise_more import not_implemented
from ember.autograd.function import Function

Tensor = _tensor.Tensor


# ------------------------------------------------------------------------------ binary helper

def _binary(name, node, kernel, deriv=None, *, floating=False, reject="", kernel_name=None,
            tensor_other=True, scalar_input=False, saves="ab", inplace=True, aliases=(),
            scalar_nodes=None):
    """Define and register a binary elementwise op with torch's promotion and broadcasting.

    kernel(xp, a, b) -> array; deriv(g, a, b, out, need) -> (ga, gb) with ember ops (a or b may
    be a Python number). tensor_other: torch accepts only a Tensor as the second argument;
    scalar_input: torch also accepts a number as the first; scalar_nodes: grad_fn names for
    (number other, number input) when they differ from node.
    """
    kname = kernel_name or f"{name}_cpu"

    class Op(Function):
        node_name = node
        _array_io = True

        @staticmethod
        def forward(ctx, a, b):
            xp = ctx.xp
            a, b, rt = binary_operands(xp, a, b)
            if reject and rt.np_dtype.kind in reject:
                raise not_implemented(kname, xp.empty(0, rt.np_dtype))
            if floating and rt.np_dtype.kind in "biu":
                rt = _dtype.get_default_dtype()
                a, b = _cast(xp, a, rt.np_dtype), _cast(xp, b, rt.np_dtype)
            with _quiet(xp):
                out = call_binary(lambda p, q: kernel(xp, p, q), a, b)
            out = xp.asarray(out)
            if out.dtype != rt.np_dtype:
                out = out.astype(rt.np_dtype)
            a_arr, b_arr = isinstance(a, xp.ndarray), isinstance(b, xp.ndarray)
            ctx.a_scalar = None if a_arr else a
            ctx.b_scalar = None if b_arr else b
            ctx.save_for_backward(a if "a" in saves and a_arr else None,
                                  b if "b" in saves and b_arr else None,
                                  out if "o" in saves else None)
            return out

        @staticmethod
        def backward(ctx, g):
            a, b, out = ctx.saved_tensors
            a = ctx.a_scalar if a is None else a
            b = ctx.b_scalar if b is None else b
            return deriv(g, a, b, out, ctx.needs_input_grad)

    Op.__name__ = Op.__qualname__ = "".join(p.capitalize() for p in name.split("_"))
    ScalarOther = type(Op.__name__ + "Scalar", (Op,), {"node_name": (scalar_nodes or (node,))[0]})
    ScalarInput = type(Op.__name__ + "RScalar", (Op,), {"node_name": (scalar_nodes or
                                                                      (node, node))[-1]})

    def op(input, other, *, out=None):
        if not isinstance(input, Tensor):
            if not (scalar_input and isinstance(other, Tensor)):
                _check_tensor(name, input)
            return ScalarInput.apply(input, other)
        if not isinstance(other, Tensor):
            if tensor_other:
                _check_tensor(name, other, 2, "other")
            return ScalarOther.apply(input, other)
        return Op.apply(input, other)

    def op_(input, other):
        return inplace_result(input, op(input, other), name + "_")

    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"{name}, elementwise with broadcasting."
    register(name, *aliases)(op)
    if inplace:
        register(name + "_", *(a + "_" for a in aliases), function=False)(op_)
    op.Op = Op
    return op


def _max_deriv(keeps):
    # ties split the gradient in half; NaN (which propagates) keeps it
    def deriv(g, a, b, out, need):
        half = (g / 2).where(a == b, g)
        ga = half.where(keeps(a, b), 0.0) if need[0] else None
        gb = half.where(keeps(b, a), 0.0) if need[1] else None
        return ga, gb
    return deriv


maximum = _binary("maximum", "MaximumBackward0", lambda xp, a, b: xp.maximum(a, b),
                  _max_deriv(lambda p, q: (p < q).logical_not()), inplace=False)
minimum = _binary("minimum", "MinimumBackward0", lambda xp, a, b: xp.minimum(a, b),
                  _max_deriv(lambda p, q: (p > q).logical_not()), inplace=False)


def _fmax_deriv(pick):
    # the NaN-ignoring variants send the whole gradient to the operand that was chosen
    def deriv(g, a, b, out, need):
        take_a = pick(a, b).logical_or(b.isnan())
        ga = g.where(take_a, 0.0) if need[0] else None
        gb = g.where(take_a.logical_not(), 0.0) if need[1] else None
        return ga, gb
    return deriv


fmax = _binary("fmax", "FmaxBackward0", lambda xp, a, b: xp.fmax(a, b),
               _fmax_deriv(lambda p, q: p >= q), inplace=False)
fmin = _binary("fmin", "FminBackward0", lambda xp, a, b: xp.fmin(a, b),
               _fmax_deriv(lambda p, q: p <= q), inplace=False)


# ------------------------------------------------------------------------------ division

def _no_int_zero(xp, a, b):
    """torch raises for integer division by zero (a or b may be a number; the other is cast)."""
    kind = (a if hasattr(a, "dtype") else b).dtype.kind
    if kind in "iu" and bool(xp.any(xp.asarray(b) == 0)):
        raise RuntimeError("ZeroDivisionError")


def _trunc_div_int(xp, a, b):
    q = xp.floor_divide(a, b)
    # floor and truncation differ by one where the division is inexact and the signs differ
    inexact = q * b != a
    return q + (inexact & ((xp.asarray(a) < 0) != (xp.asarray(b) < 0)))


# ------------------------------------------------------------------------------ div rounding

class DivRounding(Function):
    node_name = "DivBackward2"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b, mode):
        xp = ctx.xp
        a, b, rt = binary_operands(xp, a, b)
        kind = rt.np_dtype.kind
        if kind == "b":
            raise not_implemented(f"div_{mode}_cpu", xp.empty(0, bool))
        ctx.b_is_tensor = isinstance(b, xp.ndarray)
        if kind in "iu":
            _no_int_zero(xp, a, b)
            a = a if isinstance(a, xp.ndarray) else xp.asarray(a, dtype=rt.np_dtype)
            fn = xp.floor_divide if mode == "floor" else (lambda p, q: _trunc_div_int(xp, p, q))
            return xp.asarray(call_binary(fn, a, b)).astype(rt.np_dtype, copy=False)
        with _quiet(xp):
            if mode == "floor":
                out = call_binary(xp.floor_divide, a, b)
            else:
                out = xp.trunc(call_binary(xp.true_divide, a, b))
        return xp.asarray(out).astype(rt.np_dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        zero = g * 0
        return zero, (zero if ctx.b_is_tensor else None), None


def div_rounding(input, other, rounding_mode):
    """input / other rounded toward zero ('trunc') or down ('floor'); ints stay ints."""
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    return DivRounding.apply(input, other, rounding_mode)


class _NotDifferentiable(Function):
    """torch's placeholder node for ops without a derivative: backward raises."""

    node_name = "NotImplemented"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b, kernel, opname):
        ctx.opname = opname
        return kernel(ctx.xp, a, b)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(f"derivative for aten::{ctx.opname} is not implemented")


def _floor_divide_kernel(xp, a, b):
    return DivRounding.forward(_Plain(xp), a, b, "floor")


class _Plain:
    """A minimal ctx for calling another op's forward on arrays."""

    def __init__(self, xp):
        self.xp = xp


@register(methods=("__floordiv__",))
def floor_divide(input, other, *, out=None):
    """input // other, rounding down (Python's //), for ints and floats."""
    if not isinstance(input, Tensor):
        _check_tensor("floor_divide", other, 2, "other")
    return _NotDifferentiable.apply(input, other, _floor_divide_kernel, "floor_divide")


@register(function=False, method=False, methods=("__rfloordiv__",))
def _rfloordiv_operator(self, other):
    return _NotDifferentiable.apply(other, self, _floor_divide_kernel, "floor_divide")


@register(function=False, methods=("__ifloordiv__",))
def floor_divide_(input, other):
    return inplace_result(input, floor_divide(input, other), "floor_divide_")


# ------------------------------------------------------------------------------ fmod / remainder

def _fmod_kernel(xp, a, b):
    _no_int_zero(xp, a, b)
    return xp.fmod(a, b)


def _remainder_kernel(xp, a, b):
    _no_int_zero(xp, a, b)
    if getattr(a, "dtype", None) is None:
        a = xp.asarray(a, dtype=b.dtype)
    return xp.remainder(a, b)


def _mod_deriv(mode):
    def deriv(g, a, b, out, need):
        gb = None
        if isinstance(b, Tensor) and need[1]:
            gb = -g * DivRounding.apply(a, b, mode)
        return (g if need[0] else None), gb
    return deriv


fmod = _binary("fmod", "FmodBackward1", _fmod_kernel, _mod_deriv("trunc"), reject="b",
               tensor_other=False, scalar_nodes=("FmodBackward0",))
remainder = _binary("remainder", "RemainderBackward1", _remainder_kernel, _mod_deriv("floor"),
                    reject="b", tensor_other=False, scalar_input=True,
                    scalar_nodes=("RemainderBackward0", "RemainderBackward2"))
register(function=False, method=False, methods=("__mod__",))(remainder)
register(function=False, method=False, methods=("__imod__",))(
    lambda input, other: inplace_result(input, remainder(input, other), "remainder_"))


@register(function=False, method=False, methods=("__rmod__",))
def _rmod_operator(self, other):
    return remainder(other, self)


# ------------------------------------------------------------------------------ float binary math

def _atan2_deriv(g, a, b, out, need):
    denom = a * a + b * b
    return ((g * b / denom) if need[0] else None), ((g * -a / denom) if need[1] else None)


atan2 = _binary("atan2", "Atan2Backward0", lambda xp, a, b: xp.arctan2(a, b), _atan2_deriv,
                floating=True, aliases=("arctan2",))


def _hypot_deriv(g, a, b, out, need):
    return ((g * a / out) if need[0] else None), ((g * b / out) if need[1] else None)


hypot = _binary("hypot", "HypotBackward0", lambda xp, a, b: xp.hypot(a, b), _hypot_deriv,
                reject="biu", saves="abo")


def _xlogy_kernel(xp, a, b):
    out = a * xp.log(b)
    return xp.where((xp.asarray(a) == 0) & ~xp.isnan(b), 0.0, out)


def _xlogy_deriv(g, a, b, out, need):
    ga = gb = None
    if need[0]:
        ga = g * xlogy((a != 0).to(g.dtype), b)
    if isinstance(b, Tensor) and need[1]:
        gb = g * a / b
    return ga, gb


xlogy = _binary("xlogy", "XlogyBackward0", _xlogy_kernel, _xlogy_deriv, floating=True,
                tensor_other=False, scalar_input=True,
                scalar_nodes=("XlogyBackward2", "XlogyBackward1"))


def _copysign_deriv(g, a, b, out, need):
    ga = gb = None
    if need[0]:
        safe = a.where(a != 0, 1.0)
        ga = (g * (out / safe)).where(a != 0, 0.0)
    if isinstance(b, Tensor) and need[1]:
        gb = g * 0
    return ga, gb


copysign = _binary("copysign", "CopysignBackward0", lambda xp, a, b: xp.copysign(a, b),
                   _copysign_deriv, floating=True, tensor_other=False, saves="abo",
                   scalar_nodes=("CopysignBackward1",))


def _logaddexp_deriv(base):
    def deriv(g, a, b, out, need):
        if base == 2:
            ga = g / (1 + (b - a).exp2()) if need[0] else None
            gb = g / (1 + (a - b).exp2()) if need[1] else None
        else:
            ga = g / (1 + (b - a).exp()) if need[0] else None
            gb = g / (1 + (a - b).exp()) if need[1] else None
        return ga, gb
    return deriv


logaddexp = _binary("logaddexp", "LogaddexpBackward0", lambda xp, a, b: xp.logaddexp(a, b),
                    _logaddexp_deriv(math.e), reject="biu", inplace=False)
logaddexp2 = _binary("logaddexp2", "Logaddexp2Backward0", lambda xp, a, b: xp.logaddexp2(a, b),
                     _logaddexp_deriv(2), reject="biu", inplace=False)


def _heaviside_kernel(xp, a, b):
    if a.dtype != b.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return xp.where(a == 0, b, (a > 0).astype(a.dtype)).astype(a.dtype, copy=False)


@register()
def heaviside(input, values, *, out=None):
    """0 where input < 0, values where input == 0, 1 where input > 0."""
    _check_tensor("heaviside", input)
    _check_tensor("heaviside", values, 2, "values")
    return _NotDifferentiable.apply(input, values, _heaviside_kernel, "heaviside")


@register(function=False)
def heaviside_(input, values):
    return inplace_result(input, heaviside(input, values), "heaviside_")


# ------------------------------------------------------------------------------ float_power

def _wide(x):
    if isinstance(x, Tensor):
        return x.to(_dtype.complex128 if x.dtype.is_complex else _dtype.float64)
    return complex(x) if isinstance(x, complex) else float(x)


@register()
def float_power(input, exponent, *, out=None):
    """input ** exponent computed in double precision (float64 or complex128)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        _check_tensor("float_power", input)
    return _wide(input) ** _wide(exponent)


@register(function=False)
def float_power_(input, exponent):
    want = _dtype.complex128 if (input.dtype.is_complex or isinstance(exponent, complex) or (
        isinstance(exponent, Tensor) and exponent.dtype.is_complex)) else _dtype.float64
    if input.dtype is not want:
        raise RuntimeError(f"the base given to float_power_ has dtype "
                           f"{_dtype.SCALAR_NAMES[input.dtype]} but the operation's result "
                           f"requires dtype {_dtype.SCALAR_NAMES[want]}")
    return input.copy_(float_power(input, exponent))


# ------------------------------------------------------------------------------ lerp

class Lerp(Function):
    node_name = "LerpBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, start, end, weight):
        xp = ctx.xp
        if start.dtype != end.dtype:
            raise RuntimeError(f"expected dtype {_tensor.dtype_of(start).name} for `end` but got "
                               f"dtype {_tensor.dtype_of(end).name}")
        if isinstance(weight, xp.ndarray) and weight.dtype != start.dtype:
            raise RuntimeError(f"expected dtype {_tensor.dtype_of(start).name} for `weight` but "
                               f"got dtype {_tensor.dtype_of(weight).name}")
        if start.dtype.kind not in "fc":
            kernel = "lerp_kernel_tensor" if isinstance(weight, xp.ndarray) else \
                "lerp_kernel_scalar"
            raise not_implemented(kernel, start)
        ctx.save_for_backward(start, end, weight if isinstance(weight, xp.ndarray) else None)
        ctx.w = weight
        with _quiet(xp):
            diff = call_binary(xp.subtract, end, start)
            # torch's two-sided form: exact at weight 0 and weight 1
            lo = call_binary(xp.add, start, weight * diff)
            hi = call_binary(xp.subtract, end, diff * (1 - weight))
            out = xp.where(xp.abs(weight) < 0.5, lo, hi)
        return out.astype(start.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        start, end, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        w = ctx.w if w is None else w
        gs = g * (1 - w) if need[0] else None
        ge = g * w if need[1] else None
        gw = g * (end - start) if len(need) > 2 and need[2] else None
        return gs, ge, gw


class LerpTensor(Lerp):
    node_name = "LerpBackward1"


@register()
def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input); weight a number or a tensor."""
    _check_tensor("lerp", input)
    _check_tensor("lerp", end, 2, "end")
    if isinstance(weight, Tensor):
        return LerpTensor.apply(input, end, weight)
    return Lerp.apply(input, end, weight)


@register(function=False)
def lerp_(input, end, weight):
    return inplace_result(input, lerp(input, end, weight), "lerp_")


# ------------------------------------------------------------------------------ addcmul / addcdiv

class Addcmul(Function):
    node_name = "AddcmulBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, t1, t2, value, divide):
        xp = ctx.xp
        rt = _dtype.result_type(x, t1, t2)
        if divide and t1.dtype.kind in "biu" and t2.dtype.kind in "biu":
            raise RuntimeError(
                "Integer division with addcdiv is no longer supported, and in a future  release "
                "addcdiv will perform a true division of tensor1 and tensor2. The historic "
                "addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / "
                "tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
                "tensor2) for float inputs. The future addcdiv behavior is just the latter "
                "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
        npdt = rt.np_dtype
        if npdt.kind in "iu":
            value = int(value)
        x, t1, t2 = (_cast(xp, v, npdt) for v in (x, t1, t2))
        ctx.value, ctx.divide = value, divide
        need = ctx.needs_input_grad
        ctx.save_for_backward(t1 if need[2] or divide else None, t2 if need[1] or divide else None)
        with _quiet(xp):
            prod = call_binary(xp.true_divide if divide else xp.multiply, t1, t2)
            if value != 1:
                prod = prod * value
            out = call_binary(xp.add, x, prod)
        return xp.asarray(out).astype(npdt, copy=False)

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        need = ctx.needs_input_grad
        v = ctx.value
        gx = g if need[0] else None
        if ctx.divide:
            g1 = g * v / t2 if need[1] else None
            g2 = -g * v * t1 / (t2 * t2) if need[2] else None
        else:
            g1 = g * v * t2 if need[1] else None
            g2 = g * v * t1 if need[2] else None
        return gx, g1, g2, None, None


class Addcdiv(Addcmul):
    node_name = "AddcdivBackward0"


@register()
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    return Addcmul.apply(input, tensor1, tensor2, value, False)


@register()
def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2."""
    return Addcdiv.apply(input, tensor1, tensor2, value, True)


@register(function=False)
def addcmul_(input, tensor1, tensor2, *, value=1):
    return inplace_result(input, addcmul(input, tensor1, tensor2, value=value), "addcmul_")


@register(function=False)
def addcdiv_(input, tensor1, tensor2, *, value=1):
    return inplace_result(input, addcdiv(input, tensor1, tensor2, value=value), "addcdiv_")

