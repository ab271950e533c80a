"""Complex numbers: real/imag and view_as_real/view_as_complex (views sharing memory), complex,
polar, angle, and the conjugation queries (is_conj, resolve_conj, conj_physical).

ember conjugates eagerly (no lazy conjugate bit), so is_conj is always False.
"""

import math

from ember import _dtype
from ember import _tensor
from ember._ops._registry import register
from ember.autograd.function import Function

Tensor = _tensor.Tensor


class Real(Function):
    node_name = "RealBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x):
        ctx.cdt = _tensor.dtype_of(x)
        return x.real

    @staticmethod
    def backward(ctx, g):
        return g.to(ctx.cdt)


class Imag(Function):
    node_name = "ImagBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x):
        return x.imag

    @staticmethod
    def backward(ctx, g):
        return complex(g * 0, g)


@register(method=False)
def real(input):
    """The real part (a view for complex tensors; the tensor itself otherwise)."""
    if not input.dtype.is_complex:
        return input
    return Real.apply(input)


@register(method=False)
def imag(input):
    """The imaginary part of a complex tensor, as a view."""
    if not input.dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return Imag.apply(input)


class ViewAsReal(Function):
    node_name = "ViewAsRealBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x):
        return x[..., None].view(x.real.dtype)

    @staticmethod
    def backward(ctx, g):
        return view_as_complex(g.contiguous())


class ViewAsComplex(Function):
    node_name = "ViewAsComplexBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x):
        cdt = _tensor.dtype_of(x).to_complex().np_dtype
        return x.view(cdt)[..., 0]

    @staticmethod
    def backward(ctx, g):
        return view_as_real(g)


@register(method=True)
def view_as_real(input):
    """A real view of a complex tensor with a trailing dimension of size 2 (re, im)."""
    if not input.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return ViewAsReal.apply(input)


@register(method=True)
def view_as_complex(input):
    """A complex view of a float tensor whose last dimension has size 2 and stride 1."""
    if input.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError(f"view_as_complex is only supported for float and double tensors, "
                           f"but got a tensor of scalar type: {_dtype.SCALAR_NAMES[input.dtype]}")
    if input.ndim == 0 or input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    strides = input.stride()
    if strides[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if input.storage_offset() % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    return ViewAsComplex.apply(input)


def _pair_check(a, b, fname):
    if a.dtype is not b.dtype:
        raise RuntimeError(f"Expected object of scalar type {_dtype.SCALAR_NAMES[a.dtype]} but "
                           f"got scalar type {_dtype.SCALAR_NAMES[b.dtype]} for second argument")
    if a.dtype not in (_dtype.float32, _dtype.float64, _dtype.float16):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{_dtype.SCALAR_NAMES[a.dtype]} and {_dtype.SCALAR_NAMES[b.dtype]}")


class Complex(Function):
    node_name = "ComplexBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, re, im):
        xp = ctx.xp
        cdt = _tensor.dtype_of(re).to_complex().np_dtype
        shape = xp.broadcast_shapes(re.shape, im.shape)
        out = xp.empty(shape, dtype=cdt)
        out.real = re
        out.imag = im
        return out

    @staticmethod
    def backward(ctx, g):
        return real(g), imag(g)


@register(method=False)
def complex(real, imag, *, out=None):  # noqa: A001
    """A complex tensor from its real and imaginary parts."""
    _pair_check(real, imag, "complex")
    return Complex.apply(real, imag)


class Polar(Function):
    node_name = "PolarBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, r, theta):
        xp = ctx.xp
        cdt = _tensor.dtype_of(r).to_complex().np_dtype
        phase = xp.empty(theta.shape, dtype=cdt)
        phase.real = xp.cos(theta)
        phase.imag = xp.sin(theta)
        out = (r * phase).astype(cdt, copy=False)
        ctx.save_for_backward(r, theta)
        return out

    @staticmethod
    def backward(ctx, g):
        # z = r e^{i t}: grad_r = Re(conj(e^{i t}) g), grad_t = Im(conj(z) g)
        r, theta = ctx.saved_tensors
        phase = Polar.apply(r * 0 + 1, theta)  # recomputed with ops: double backward sees t
        return real(phase.conj() * g), imag((phase * r).conj() * g)


@register(method=False)
def polar(abs, angle, *, out=None):  # noqa: A002
    """abs * (cos(angle) + i sin(angle))."""
    if abs.dtype is not angle.dtype:
        raise RuntimeError(f"Expected object of scalar type {_dtype.SCALAR_NAMES[abs.dtype]} "
                           f"but got scalar type {_dtype.SCALAR_NAMES[angle.dtype]} for second "
                           f"argument")
    if abs.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError(f"Expected both inputs to be Float or Double tensors but got "
                           f"{_dtype.SCALAR_NAMES[abs.dtype]} and "
                           f"{_dtype.SCALAR_NAMES[angle.dtype]}")
    return Polar.apply(abs, angle)


class Angle(Function):
    node_name = "AngleBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        if x.dtype.kind == "c":
            ctx.save_for_backward(x)
            return xp.angle(x)
        dt = _tensor.dtype_of(x)
        if not dt.is_floating_point:
            x = x.astype(_dtype.get_default_dtype().np_dtype)
        out = xp.where(x < 0, x.dtype.type(math.pi), x.dtype.type(0))
        return xp.where(xp.isnan(x), x, out)

    @staticmethod
    def backward(ctx, g):
        if not ctx.saved_tensors:
            return g * 0
        (z,) = ctx.saved_tensors
        az2 = real(z) * real(z) + imag(z) * imag(z)
        safe = az2 + (az2 == 0).to(az2.dtype)
        return (g * z * 1j) / safe * (az2 != 0).to(az2.dtype)


@register()
def angle(input, *, out=None):
    """Elementwise argument (phase) in radians; 0 or pi for real tensors."""
    return Angle.apply(input)


@register()
def is_conj(input):
    """Whether the conjugate bit is set (never: ember conjugates eagerly)."""
    return False


@register()
def is_neg(input):
    """Whether the negative bit is set (never in ember)."""
    return False


@register()
def resolve_conj(input):
    """The tensor with a pending conjugation materialised (ember has none pending)."""
    return input


@register()
def resolve_neg(input):
    return input


@register()
def conj_physical(input, *, out=None):
    """Complex conjugate, always materialised (the tensor itself for real dtypes)."""
    if not input.dtype.is_complex:
        return input
    from ember._ops import elementwise

    return elementwise.conj(input)
