"""Elementwise ops: arithmetic, powers, exponentials, activations used by the core.

Binary ops promote with torch's rules (`_dtype.result_type`) before NumPy sees the operands, so a
Python scalar never widens a tensor's dtype; gradients are returned at the broadcast shape and
the engine sums them back to each input's shape.
"""

import contextlib

from ember import _dtype
from ember import _tensor
from ember._ops import _parallel
from ember._ops._registry import register
from ember._ops._util import broadcast_error
from ember.autograd.function import Function

Tensor = _tensor.Tensor


_nd = _parallel._nd
_FROM_NP = _dtype._FROM_NP


def _cast(xp, x, np_dtype):
    if isinstance(x, xp.ndarray):
        return x if x.dtype == np_dtype else x.astype(np_dtype)
    return x


def binary_operands(xp, a, b):
    """Cast a and b to torch's result dtype of the pair (scalars stay Python numbers)."""
    if type(a) is _nd and type(b) is _nd:  # fast path: two NumPy arrays of one float dtype
        da = a.dtype
        if da == b.dtype and da.kind in "fc":
            return a, b, _FROM_NP[da]
    rt = _dtype.result_type(a, b)
    npdt = rt.np_dtype
    if npdt.kind in "iu":
        a, b = _wrap_int(xp, a, npdt), _wrap_int(xp, b, npdt)
    return _cast(xp, a, npdt), _cast(xp, b, npdt), rt


def _wrap_int(xp, x, npdt):
    """torch casts an int scalar to an integer tensor's dtype with wraparound (uint8 -1 = 255);
    NumPy would raise OverflowError instead."""
    if type(x) is int:
        info = xp.iinfo(npdt)
        if not info.min <= x <= info.max:
            return xp.asarray(x).astype(npdt)
    return x


_PAR_MIN = _parallel.MIN_SIZE


def call_binary(fn, a, b, **kw):
    """Run a NumPy binary function, turning a broadcast failure into torch's RuntimeError.
    Big contiguous NumPy operands are split over threads (ember/_ops/_parallel.py)."""
    try:
        if not kw and ((type(a) is _nd and a.size >= _PAR_MIN)
                       or (type(b) is _nd and b.size >= _PAR_MIN)):
            return _parallel.ufunc(fn, a, b)
        return fn(a, b, **kw)
    except ValueError:
        raise broadcast_error(getattr(a, "shape", ()), getattr(b, "shape", ())) from None


def inplace_check(target, rt, name):
    """torch refuses in-place ops whose result dtype cannot be cast to the target's dtype."""
    td = _tensor.dtype_of(target)
    if not _dtype.can_cast(rt, td):
        raise RuntimeError(f"result type {_dtype.SCALAR_NAMES[rt]} can't be cast to the desired "
                           f"output type {_dtype.SCALAR_NAMES[td]}")
    tshape = target.shape
    return tshape


def _check_inplace_shape(target, other, name):
    shape = getattr(other, "shape", ())
    try:
        import numpy as np

        out = np.broadcast_shapes(target.shape, shape)
    except ValueError:
        raise broadcast_error(target.shape, shape) from None
    if out != target.shape:
        raise RuntimeError(f"output with shape {list(target.shape)} doesn't match the broadcast "
                           f"shape {list(out)}")


def unary(fn, x):
    """fn(x) for a unary ufunc; big contiguous NumPy arrays are split over threads."""
    if type(x) is _nd and x.size >= _PAR_MIN:
        return _parallel.ufunc(fn, x)
    return fn(x)


def _tensor_arg(x, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    return x


def _scalar(x):
    """0-dim tensors on the CPU may stand in for scalars; anything else passes through."""
    return x


# ------------------------------------------------------------------------------ add / sub

class Add(Function):
    node_name = "AddBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b, alpha):
        a, b, rt = binary_operands(ctx.xp, a, b)
        if alpha != 1:
            b = b * alpha
        ctx.alpha = alpha
        return call_binary(ctx.xp.add, a, b)

    @staticmethod
    def backward(ctx, g):
        return g, (g if ctx.alpha == 1 else g * ctx.alpha), None


class AddInplace(Function):
    node_name = "AddBackward0"
    _array_io = True
    _inplace = True

    @staticmethod
    def forward(ctx, a, b, alpha):
        rt = _dtype.result_type(a, b)
        inplace_check(a, rt, "add_")
        _check_inplace_shape(a, b, "add_")
        if alpha != 1:
            b = b * alpha
        ctx.alpha = alpha
        ctx.xp.add(a, _cast(ctx.xp, b, rt.np_dtype), out=a, casting="unsafe")
        return a

    backward = Add.backward


def _is_bool(x):
    return x.dtype.kind == "b" if hasattr(x, "dtype") else isinstance(x, bool)


def _check_bool_sub(a, b):
    """torch refuses `-` when either operand is bool."""
    if _is_bool(a) and _is_bool(b):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if _is_bool(a) or _is_bool(b):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


class Sub(Function):
    node_name = "SubBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b, alpha):
        _check_bool_sub(a, b)
        a, b, rt = binary_operands(ctx.xp, a, b)
        if alpha != 1:
            b = b * alpha
        ctx.alpha = alpha
        return call_binary(ctx.xp.subtract, a, b)

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.alpha == 1 else g * -ctx.alpha), None


class SubInplace(Function):
    node_name = "SubBackward0"
    _array_io = True
    _inplace = True

    @staticmethod
    def forward(ctx, a, b, alpha):
        _check_bool_sub(a, b)
        rt = _dtype.result_type(a, b)
        inplace_check(a, rt, "sub_")
        _check_inplace_shape(a, b, "sub_")
        if alpha != 1:
            b = b * alpha
        ctx.alpha = alpha
        ctx.xp.subtract(a, _cast(ctx.xp, b, rt.np_dtype), out=a, casting="unsafe")
        return a

    backward = Sub.backward


class Rsub(Function):
    node_name = "RsubBackward1"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b, alpha):
        _check_bool_sub(a, b)
        a, b, rt = binary_operands(ctx.xp, a, b)
        ctx.alpha = alpha
        return call_binary(ctx.xp.subtract, b, a * alpha if alpha != 1 else a)

    @staticmethod
    def backward(ctx, g):
        return (-g if ctx.alpha == 1 else g * -ctx.alpha), g, None


@register(methods=("__add__", "__radd__"))
def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, with broadcasting and torch's type promotion."""
    if not isinstance(input, Tensor):
        input, other = other, input
    return Add.apply(input, other, alpha)


@register(function=False, methods=("__iadd__",))
def add_(input, other, *, alpha=1):
    return AddInplace.apply(input, other, alpha)


@register(methods=("__sub__",))
def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other."""
    if not isinstance(input, Tensor):
        return Rsub.apply(other, input, alpha)
    return Sub.apply(input, other, alpha)


subtract = register("subtract")(sub)


@register("sub_", "subtract_", function=False, methods=("__isub__",))
def sub_(input, other, *, alpha=1):
    return SubInplace.apply(input, other, alpha)


class RsubTensor(Rsub):
    node_name = "RsubBackward0"


@register()
def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    if isinstance(other, Tensor):
        return RsubTensor.apply(input, other, alpha)
    return Rsub.apply(input, other, alpha)


@register(function=False, method=False, methods=("__rsub__",))
def _rsub_operator(self, other):
    return Rsub.apply(self, other, 1)


# ------------------------------------------------------------------------------ mul / div

class Mul(Function):
    node_name = "MulBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b):
        a, b, rt = binary_operands(ctx.xp, a, b)
        need = ctx.needs_input_grad
        ctx.b_scalar = None if isinstance(b, ctx.xp.ndarray) else b
        ctx.save_for_backward(a if need[1] else None,
                              b if need[0] and ctx.b_scalar is None else None)
        return call_binary(ctx.xp.multiply, a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        if ctx.b_scalar is not None:
            return g * _conj_scalar(ctx.b_scalar), None
        ga = g * b.conj() if b is not None else None
        gb = g * a.conj() if a is not None else None
        return ga, gb


class MulInplace(Function):
    node_name = "MulBackward0"
    _array_io = True
    _inplace = True

    @staticmethod
    def forward(ctx, a, b):
        rt = _dtype.result_type(a, b)
        inplace_check(a, rt, "mul_")
        _check_inplace_shape(a, b, "mul_")
        need = ctx.needs_input_grad
        b = _cast(ctx.xp, b, rt.np_dtype)
        ctx.b_scalar = None if isinstance(b, ctx.xp.ndarray) else b
        ctx.save_for_backward(a.copy() if need[1] else None,
                              b if need[0] and ctx.b_scalar is None else None)
        ctx.xp.multiply(a, b, out=a, casting="unsafe")
        return a

    backward = Mul.backward


@register(methods=("__mul__", "__rmul__"))
def mul(input, other, *, out=None):
    """input * other, elementwise with broadcasting."""
    if not isinstance(input, Tensor):
        input, other = other, input
    return Mul.apply(input, other)


multiply = register("multiply")(mul)


@register("mul_", "multiply_", function=False, methods=("__imul__",))
def mul_(input, other):
    return MulInplace.apply(input, other)


def _div_dtype(xp, a, b):
    a, b, rt = binary_operands(xp, a, b)
    if not (rt.is_floating_point or rt.is_complex):
        rt = _dtype.get_default_dtype()
        a, b = _cast(xp, a, rt.np_dtype), _cast(xp, b, rt.np_dtype)
        if not isinstance(a, xp.ndarray):
            a = float(a)
        if not isinstance(b, xp.ndarray):
            b = float(b)
    return a, b, rt


class Div(Function):
    node_name = "DivBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        a, b, rt = _div_dtype(xp, a, b)
        with _quiet(xp):
            out = call_binary(xp.true_divide, a, b)
        need = ctx.needs_input_grad
        ctx.b_scalar = None if isinstance(b, xp.ndarray) else b
        ctx.save_for_backward(b if ctx.b_scalar is None else None, out if need[1] else None)
        return out

    @staticmethod
    def backward(ctx, g):
        b, out = ctx.saved_tensors
        if ctx.b_scalar is not None:
            return g / _conj_scalar(ctx.b_scalar), None
        need = ctx.needs_input_grad
        ga = g / b.conj() if need[0] else None
        gb = -g * (out / b).conj() if need[1] else None
        return ga, gb


class Rdiv(Function):
    """scalar / tensor."""

    node_name = "DivBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, b, a):
        xp = ctx.xp
        a, b, rt = _div_dtype(xp, a, b)
        with _quiet(xp):
            out = xp.true_divide(a, b)
        ctx.save_for_backward(b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        b, out = ctx.saved_tensors
        return -g * (out / b).conj(), None


class DivInplace(Function):
    node_name = "DivBackward0"
    _array_io = True
    _inplace = True

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        rt = _dtype.result_type(a, b)
        if not (rt.is_floating_point or rt.is_complex):
            rt = _dtype.get_default_dtype()
        inplace_check(a, rt, "div_")
        _check_inplace_shape(a, b, "div_")
        b = _cast(xp, b, rt.np_dtype)
        ctx.b_scalar = None if isinstance(b, xp.ndarray) else b
        with _quiet(xp):
            xp.true_divide(a, b, out=a, casting="unsafe")
        ctx.save_for_backward(b if ctx.b_scalar is None else None,
                              a if ctx.needs_input_grad[1] else None)
        return a

    backward = Div.backward


def _conj_scalar(x):
    return x.conjugate() if isinstance(x, complex) else x


def _quiet(xp):
    """Silence NumPy's divide-by-zero/overflow warnings: torch gives inf/nan silently."""
    errstate = getattr(xp, "errstate", None)  # CuPy never warns and has none
    return errstate(all="ignore") if errstate is not None else contextlib.nullcontext()


@register(methods=("__truediv__",))
def div(input, other, *, rounding_mode=None, out=None):
    """input / other (true division unless rounding_mode is 'trunc' or 'floor')."""
    if rounding_mode is not None:
        from ember._ops import elementwise_more

        return elementwise_more.div_rounding(input, other, rounding_mode)
    if not isinstance(input, Tensor):
        return Rdiv.apply(other, input)
    return Div.apply(input, other)


divide = register("divide")(div)
true_divide = register("true_divide")(div)


@register(function=False, method=False, methods=("__rtruediv__",))
def _rdiv_operator(self, other):
    return Rdiv.apply(self, other)


@register("div_", "divide_", "true_divide_", function=False, methods=("__itruediv__",))
def div_(input, other, *, rounding_mode=None):
    if rounding_mode is not None:
        return input.copy_(div(input, other, rounding_mode=rounding_mode))
    return DivInplace.apply(input, other)


# ------------------------------------------------------------------------------ neg / pow

class Neg(Function):
    node_name = "NegBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")
        return unary(ctx.xp.negative, x)

    @staticmethod
    def backward(ctx, g):
        return -g


@register(methods=("__neg__",))
def neg(input, *, out=None):
    """-input."""
    return Neg.apply(input)


negative = register("negative")(neg)


class NegInplace(Function):
    node_name = "NegBackward0"
    _array_io = True
    _inplace = True

    @staticmethod
    def forward(ctx, x):
        Neg.forward(ctx, x[:0])  # the bool check
        ctx.xp.negative(x, out=x)
        return x

    backward = Neg.backward


@register("neg_", "negative_")
def neg_(input):
    return NegInplace.apply(input)


class Pow(Function):
    """tensor ** scalar."""

    node_name = "PowBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, e):
        xp = ctx.xp
        a, e, rt = binary_operands(xp, a, e)
        if rt is _dtype.bool_:  # bool ** bool-scalar: x ** True = x, x ** False = True
            return a.copy() if e else xp.ones_like(a)
        if rt.is_signed and not rt.is_floating_point and not rt.is_complex and e < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        ctx.save_for_backward(a)
        ctx.e = e
        with _quiet(xp):
            return xp.power(a, e)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        e = ctx.e
        if e == 0:
            return g * 0, None
        return g * (e * a ** (e - 1)).conj(), None


def _no_bool_pow(rt):
    if rt is _dtype.bool_:
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")


def _int_power(xp, a, b):
    """Integer power with torch's answer for negative exponents (1/a**k truncated to an int)."""
    b_arr = xp.asarray(b)
    if not bool((b_arr < 0).any()):
        return xp.power(a, b)
    a_arr = xp.asarray(a)
    pos = xp.power(a_arr, xp.where(b_arr < 0, 0, b_arr))
    odd = (b_arr % 2) != 0
    neg = xp.where(a_arr == 1, 1, xp.where(a_arr == -1, xp.where(odd, -1, 1), 0))
    return xp.where(b_arr < 0, neg, pos).astype(pos.dtype, copy=False)


class PowTensor(Function):
    """tensor ** tensor."""

    node_name = "PowBackward1"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        a, b, rt = binary_operands(xp, a, b)
        _no_bool_pow(rt)
        fn = (lambda p, q: _int_power(xp, p, q)) if rt.np_dtype.kind in "iu" else xp.power
        with _quiet(xp):
            out = call_binary(fn, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = gb = None
        if need[0]:
            ga = g * (b * a ** (b - 1)).where(b != 0, 0.0)
        if need[1]:
            # 0 ** b contributes no gradient w.r.t. b where b >= 0 (torch's convention)
            grad_b = g * out * a.log()
            gb = grad_b.where(a != 0, grad_b.where(b < 0, 0.0))
        return ga, gb


class RPow(Function):
    """scalar ** tensor."""

    node_name = "PowBackward2"
    _array_io = True

    @staticmethod
    def forward(ctx, b, base):
        xp = ctx.xp
        base_, b, rt = binary_operands(xp, base, b)
        _no_bool_pow(rt)
        with _quiet(xp):
            out = _int_power(xp, base_, b) if rt.np_dtype.kind in "iu" else xp.power(base_, b)
        ctx.base = base
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        import math

        (out,) = ctx.saved_tensors
        if ctx.base == 0:
            return g * 0, None
        return g * out * math.log(ctx.base), None


@register(methods=("__pow__",))
def pow(input, exponent, *, out=None):  # noqa: A001
    """input ** exponent (tensor or scalar on either side)."""
    if not isinstance(input, Tensor):
        return RPow.apply(exponent, input)
    if isinstance(exponent, Tensor):
        return PowTensor.apply(input, exponent)
    return Pow.apply(input, exponent)


@register(function=False, method=False, methods=("__rpow__",))
def _rpow_operator(self, other):
    return RPow.apply(self, other)


@register(function=False, methods=("__ipow__",))
def pow_(input, exponent):
    res = pow(input, exponent)
    inplace_check(input._data, res.dtype, "pow_")
    _check_inplace_shape(input, res, "pow_")
    return input.copy_(res)


# ------------------------------------------------------------------------------ exp / log

def float_input(xp, x):
    """Integer and bool inputs of floating functions compute in the default float dtype."""
    if x.dtype.kind in "biu":
        return x.astype(_dtype.get_default_dtype().np_dtype)
    return x


class Exp(Function):
    node_name = "ExpBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x):
        with _quiet(ctx.xp):
            out = unary(ctx.xp.exp, float_input(ctx.xp, x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out.conj()


@register()
def exp(input, *, out=None):
    """e ** input, elementwise."""
    return Exp.apply(input)


class Log(Function):
    node_name = "LogBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x):
        x = float_input(ctx.xp, x)
        ctx.save_for_backward(x)
        with _quiet(ctx.xp):
            return unary(ctx.xp.log, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x.conj()


@register()
def log(input, *, out=None):
    """Natural logarithm, elementwise."""
    return Log.apply(input)


class Relu(Function):
    node_name = "ReluBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            raise RuntimeError('"clamp_min_scalar_cpu" not implemented for \'Bool\'')
        out = call_binary(ctx.xp.maximum, x, 0)
        if out.dtype != x.dtype:
            out = out.astype(x.dtype)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out > 0)


@register()
def relu(input):
    """max(input, 0), elementwise."""
    return Relu.apply(input)


class ReluInplace(Function):
    node_name = "ReluBackward0"
    _array_io = True
    _inplace = True

    @staticmethod
    def forward(ctx, x):
        ctx.xp.maximum(x, 0, out=x)
        ctx.save_for_backward(x)
        return x

    backward = Relu.backward


@register()
def relu_(input):
    return ReluInplace.apply(input)


# ------------------------------------------------------------------------------ where

class Where(Function):
    node_name = "WhereBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, cond, x, y):
        xp = ctx.xp
        if cond.dtype.kind != "b":
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {_tensor.dtype_of(cond).name.capitalize()}")
        x, y, rt = binary_operands(xp, x, y)
        ctx.save_for_backward(cond)
        try:
            return xp.where(cond, x, y).astype(rt.np_dtype, copy=False)
        except ValueError:
            raise broadcast_error(getattr(x, "shape", ()), cond.shape) from None

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        need = ctx.needs_input_grad
        zero = g.new_zeros(())
        gx = where(cond, g, zero) if need[1] else None
        gy = where(cond, zero, g) if need[2] else None
        return None, gx, gy


@register(method=False)
def where(condition, input=None, other=None, *, out=None):
    """Elements of input where condition holds, else of other; where(c) = nonzero(c, as_tuple)."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    return Where.apply(condition, input, other)


@register("where", function=False)
def _where_method(input, condition, other):
    return Where.apply(condition, input, other)


class Conj(Function):
    node_name = "ConjBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.conj(x)

    @staticmethod
    def backward(ctx, g):
        return g.conj()


@register()
def conj(input):
    """Complex conjugate (the tensor itself for real dtypes)."""
    if not input.dtype.is_complex:
        return input
    return Conj.apply(input)
