"""Matrix products: matmul (every dimension case), mm, bmm, mv, dot."""

from ember import _dtype
from ember import _tensor
from ember._ops._registry import register
from ember.autograd.function import Function

Tensor = _tensor.Tensor


def _check_dtypes(a, b, name):
    if a.dtype != b.dtype:
        da, db = _tensor.dtype_of(a), _tensor.dtype_of(b)
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_dtype.SCALAR_NAMES[da].lower()} != "
                           f"{_dtype.SCALAR_NAMES[db].lower()}")
    if a.dtype.kind == "b":
        raise RuntimeError(f"\"{name}\" not implemented for 'Bool'")


def _shape_error(a, b):
    if a.ndim == 1 and b.ndim == 1:
        return RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                            f"[{b.shape[0]}] to have the same number of elements, but got "
                            f"{a.shape[0]} and {b.shape[0]} elements respectively")
    if a.ndim <= 2 and b.ndim <= 2:
        sa = "x".join(map(str, a.shape if a.ndim == 2 else (1,) + a.shape))
        sb = "x".join(map(str, b.shape if b.ndim == 2 else b.shape + (1,)))
        if b.ndim == 1:
            sa = "x".join(map(str, a.shape))
            return RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({sa}), vec "
                                f"({b.shape[0]})")
        return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})")
    return RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                        f"[{b.shape[0] if b.ndim > 2 else 1}, {a.shape[-1]}] but got: "
                        f"[{b.shape[0] if b.ndim > 2 else 1}, {b.shape[-2]}].")


class Matmul(Function):
    node_name = "MmBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b):
        _check_dtypes(a, b, "addmm_impl_cpu_")
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                               f"{a.ndim}D and {b.ndim}D")
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None,
                              b if ctx.needs_input_grad[0] else None)
        ctx.ndims = (a.ndim, b.ndim)
        try:
            return ctx.xp.matmul(a, b)
        except ValueError:
            raise _shape_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.ndims
        ga = gb = None
        if na == 1 and nb == 1:  # dot
            return (g * b if b is not None else None), (g * a if a is not None else None)
        if na == 1:
            g2 = g.unsqueeze(-2)
            if b is not None:
                ga = (g2 @ b.mT).squeeze(-2)
            if a is not None:
                gb = a.unsqueeze(-1) @ g2
            return ga, gb
        if nb == 1:
            g2 = g.unsqueeze(-1)
            if b is not None:
                ga = g2 @ b.unsqueeze(-2)
            if a is not None:
                gb = (a.mT @ g2).squeeze(-1)
            return ga, gb
        if b is not None:
            ga = g @ b.mT.conj()
        if a is not None:
            gb = a.mT.conj() @ g
        return ga, gb


class Dot(Matmul):
    node_name = "DotBackward0"


class Mv(Matmul):
    node_name = "MvBackward0"


class Bmm(Matmul):
    node_name = "BmmBackward0"


_BY_DIMS = {(1, 1): Dot, (2, 1): Mv, (2, 2): Matmul}


@register(methods=("__matmul__",))
def matmul(input, other, *, out=None):
    """Matrix product with torch's rules for 1-D, 2-D and batched (broadcast) operands."""
    if not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    cls = _BY_DIMS.get((input.ndim, other.ndim), Bmm)
    return cls.apply(input, other)


@register(function=False, method=False, methods=("__rmatmul__",))
def _rmatmul(self, other):
    return matmul(other, self)


@register()
def mm(input, mat2, *, out=None):
    """Product of two 2-D matrices."""
    if input.ndim != 2:
        raise RuntimeError(f"self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix")
    return Matmul.apply(input, mat2)


@register()
def bmm(input, mat2, *, out=None):
    """Batched product of two 3-D tensors of matrices."""
    if input.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError(f"batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: "
                           f"[{mat2.shape[0]}, {mat2.shape[1]}].")
    return Bmm.apply(input, mat2)


@register()
def mv(input, vec, *, out=None):
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}")
    return Mv.apply(input, vec)


@register()
def dot(input, other, *, out=None):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           "tensors")
    return Dot.apply(input, other)
