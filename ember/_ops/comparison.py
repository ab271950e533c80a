"""Comparison, logical, bitwise and classification ops (eq.., logical_and.., bitwise_and.., isnan..,
isclose): bool or integer results, no gradient, with their operators and in-place forms."""

from ember import _tensor
from ember._ops._registry import register
from ember._ops._util import broadcast_error
from ember._ops.elementwise import _quiet
from ember._ops.elementwise import binary_operands
from ember._ops.elementwise import call_binary
from ember.autograd.function import Function

Tensor = _tensor.Tensor


def _comparison(name, ufunc_name, node):
    class Compare(Function):
        node_name = node
        _array_io = True

        @staticmethod
        def forward(ctx, a, b):
            a, b, _ = binary_operands(ctx.xp, a, b)
            return call_binary(getattr(ctx.xp, ufunc_name), a, b)

    Compare.__name__ = Compare.__qualname__ = name.capitalize()

    def op(input, other, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return Compare.apply(input, other)

    op.__name__ = name
    op.__doc__ = f"Elementwise {name} comparison; a bool tensor."
    return Compare, op


Eq, eq = _comparison("eq", "equal", "EqBackward0")
Ne, ne = _comparison("ne", "not_equal", "NeBackward0")
Lt, lt = _comparison("lt", "less", "LtBackward0")
Le, le = _comparison("le", "less_equal", "LeBackward0")
Gt, gt = _comparison("gt", "greater", "GtBackward0")
Ge, ge = _comparison("ge", "greater_equal", "GeBackward0")

register("eq", methods=("__eq__",))(eq)
register("ne", "not_equal", methods=("__ne__",))(ne)
register("lt", "less", methods=("__lt__",))(lt)
register("le", "less_equal", methods=("__le__",))(le)
register("gt", "greater", methods=("__gt__",))(gt)
register("ge", "greater_equal", methods=("__ge__",))(ge)


def _compare_inplace(name, Compare):
    def op_(input, other):
        res = Compare.apply(input, other)
        if tuple(res.shape) != tuple(input.shape):
            raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the "
                               f"broadcast shape {list(res.shape)}")
        return input.copy_(res)

    op_.__name__ = name + "_"
    return op_


for _name, _cls, _aliases in (("eq", Eq, ()), ("ne", Ne, ("not_equal",)), ("lt", Lt, ("less",)),
                              ("le", Le, ("less_equal",)), ("gt", Gt, ("greater",)),
                              ("ge", Ge, ("greater_equal",))):
    register(_name + "_", *(a + "_" for a in _aliases), function=False)(
        _compare_inplace(_name, _cls))


# ------------------------------------------------------------------------------ logical

class Logical(Function):
    """logical_and / or / xor: truthiness of both operands, a bool tensor."""

    node_name = "LogicalBackward"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b, ufunc):
        xp = ctx.xp
        try:
            return getattr(xp, ufunc)(a, b)
        except ValueError:
            raise broadcast_error(a.shape, b.shape) from None


class LogicalNot(Function):
    node_name = "LogicalNotBackward"
    _array_io = True

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.logical_not(x)


def _logical(name, ufunc):
    def op(input, other, *, out=None):
        _check_tensor(name, input)
        _check_tensor(name, other, 2, "other")
        return Logical.apply(input, other, ufunc)

    def op_(input, other):
        res = op(input, other)
        if tuple(res.shape) != tuple(input.shape):
            raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the "
                               f"broadcast shape {list(res.shape)}")
        return input.copy_(res)

    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"Elementwise {name}; a bool tensor (nonzero counts as True)."
    register(name)(op)
    register(name + "_", function=False)(op_)
    return op


def _check_tensor(fn, x, pos=1, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


logical_and = _logical("logical_and", "logical_and")
logical_or = _logical("logical_or", "logical_or")
logical_xor = _logical("logical_xor", "logical_xor")


@register()
def logical_not(input, *, out=None):
    """Elementwise not; a bool tensor."""
    _check_tensor("logical_not", input)
    return LogicalNot.apply(input)


@register(function=False)
def logical_not_(input):
    return input.copy_(logical_not(input))


# ------------------------------------------------------------------------------ bitwise

def _not_implemented(kernel, np_dtype):
    from ember import _dtype

    name = _dtype.SCALAR_NAMES[_dtype.from_numpy_dtype(np_dtype)]
    return NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')


def _shift(xp, a, b, left):
    bits = a.dtype.itemsize * 8
    b_arr = xp.asarray(b)
    out_of_range = (b_arr < 0) | (b_arr >= bits)
    safe = xp.where(out_of_range, 0, b_arr).astype(a.dtype if hasattr(a, "dtype") else b_arr.dtype)
    if left:
        # the shift happens on the unsigned bit pattern: overflowing bits are dropped
        out = xp.left_shift(a, safe)
        return xp.where(out_of_range, 0, out)
    out = xp.right_shift(a, safe)
    fill = xp.where(xp.asarray(a) < 0, -1, 0) if a.dtype.kind == "i" else 0
    return xp.where(out_of_range, fill, out)


class Bitwise(Function):
    node_name = "BitwiseBackward"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b, which):
        xp = ctx.xp
        a, b, rt = binary_operands(xp, a, b)
        kind = rt.np_dtype.kind
        shift = which in ("lshift", "rshift")
        if kind not in "biu" or (shift and kind == "b"):
            raise _not_implemented(f"{which}_cpu", rt.np_dtype)
        a = a if isinstance(a, xp.ndarray) else xp.asarray(a, dtype=rt.np_dtype)
        with _quiet(xp):
            if shift:
                out = call_binary(lambda p, q: _shift(xp, p, q, which == "lshift"), a, b)
            else:
                out = call_binary(getattr(xp, _BITWISE_UFUNC[which]), a, b)
        return xp.asarray(out).astype(rt.np_dtype, copy=False)


_BITWISE_UFUNC = {"bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or",
                  "bitwise_xor": "bitwise_xor"}


def _bitwise(name, which, op_names, rop_name, iop_name):
    def op(input, other, *, out=None):
        if not isinstance(input, Tensor):
            if not isinstance(other, Tensor):
                raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                                f"{type(input).__name__}")
            if which in ("lshift", "rshift"):
                input = other.new_tensor(input, dtype=_scalar_dtype(input))
            else:
                input, other = other, input
        return Bitwise.apply(input, other, which)

    def rop(self, other):
        if which in ("lshift", "rshift"):
            return Bitwise.apply(self.new_tensor(other, dtype=_scalar_dtype(other)), self, which)
        return Bitwise.apply(self, other, which)

    def op_(input, other):
        from ember import _dtype
        from ember._ops.elementwise import inplace_check

        inplace_check(input._data, _dtype.result_type(input, other), name + "_")
        res = op(input, other)
        if tuple(res.shape) != tuple(input.shape):
            raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the "
                               f"broadcast shape {list(res.shape)}")
        return input.copy_(res)

    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"Elementwise {name} of integer or bool tensors."
    register(name, methods=op_names)(op)
    register(function=False, method=False, methods=(rop_name,))(rop)
    register(name + "_", function=False, methods=(iop_name,))(op_)
    return op


def _scalar_dtype(x):
    from ember import _dtype

    return _dtype.result_type(x)


bitwise_and = _bitwise("bitwise_and", "bitwise_and", ("__and__",), "__rand__", "__iand__")
bitwise_or = _bitwise("bitwise_or", "bitwise_or", ("__or__",), "__ror__", "__ior__")
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor", ("__xor__",), "__rxor__", "__ixor__")
bitwise_left_shift = _bitwise("bitwise_left_shift", "lshift", ("__lshift__",), "__rlshift__",
                              "__ilshift__")
bitwise_right_shift = _bitwise("bitwise_right_shift", "rshift", ("__rshift__",), "__rrshift__",
                               "__irshift__")


class BitwiseNot(Function):
    node_name = "BitwiseNotBackward"
    _array_io = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind not in "biu":
            raise _not_implemented("bitwise_not_cpu", x.dtype)
        return ctx.xp.invert(x)


@register()
def bitwise_not(input, *, out=None):
    """Elementwise bit inversion (logical not for bool)."""
    return BitwiseNot.apply(input)


@register(function=False)
def bitwise_not_(input):
    return input.copy_(bitwise_not(input))


@register(function=False, method=False, methods=("__invert__",))
def _invert_operator(self):
    if self.dtype.is_floating_point or self.dtype.is_complex:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return BitwiseNot.apply(self)


# ------------------------------------------------------------------------------ classification

class Classify(Function):
    node_name = "ClassifyBackward"
    _array_io = True

    @staticmethod
    def forward(ctx, x, which):
        xp = ctx.xp
        if x.dtype.kind not in "fc":
            if which == "isfinite" or which == "isreal":
                return xp.ones(x.shape, dtype=bool)
            if which == "signbit":
                return x < 0 if x.dtype.kind == "i" else xp.zeros(x.shape, dtype=bool)
            return xp.zeros(x.shape, dtype=bool)
        if which == "isposinf":
            return x == float("inf")
        if which == "isneginf":
            return x == float("-inf")
        if which == "isreal":
            return xp.imag(x) == 0 if x.dtype.kind == "c" else xp.ones(x.shape, dtype=bool)
        return getattr(xp, which)(x)


def _classifier(name, doc):
    def op(input, *, out=None):
        _check_tensor(name, input)
        return Classify.apply(input, name)

    op.__name__ = name
    op.__doc__ = doc
    register(name)(op)
    return op


isnan = _classifier("isnan", "True where the element is NaN.")
isinf = _classifier("isinf", "True where the element is +inf or -inf.")
isposinf = _classifier("isposinf", "True where the element is +inf.")
isneginf = _classifier("isneginf", "True where the element is -inf.")
isfinite = _classifier("isfinite", "True where the element is neither inf nor NaN.")
isreal = _classifier("isreal", "True where the element has no imaginary part.")
signbit = _classifier("signbit", "True where the sign bit is set (including -0.0).")


# ------------------------------------------------------------------------------ closeness

class IsClose(Function):
    node_name = "IsCloseBackward"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b, rtol, atol, equal_nan):
        xp = ctx.xp
        if a.dtype != b.dtype:
            from ember import _dtype

            na = _dtype.SCALAR_NAMES[_dtype.from_numpy_dtype(a.dtype)]
            nb = _dtype.SCALAR_NAMES[_dtype.from_numpy_dtype(b.dtype)]
            raise RuntimeError(f"{na} did not match {nb}")
        if rtol < 0:
            raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
        if atol < 0:
            raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
        if a.dtype.kind == "b":
            return call_binary(xp.equal, a, b)
        with _quiet(xp):
            if a.dtype.kind in "iu":
                a, b = a.astype(xp.float64), b.astype(xp.float64)
            close = call_binary(xp.equal, a, b)
            diff = xp.abs(a - b)
            close = close | (xp.isfinite(diff) & (diff <= atol + rtol * xp.abs(b)))
            if equal_nan:
                close = close | (xp.isnan(a) & xp.isnan(b))
        return close


@register()
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other|, elementwise; a bool tensor."""
    _check_tensor("isclose", input)
    _check_tensor("isclose", other, 2, "other")
    return IsClose.apply(input, other, rtol, atol, equal_nan)


@register()
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when isclose holds everywhere."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


@register()
def equal(input, other):
    """True when both tensors have the same shape and the same values."""
    _check_tensor("equal", input)
    _check_tensor("equal", other, 2, "other")
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool(Eq.apply(input, other)._data.all())
