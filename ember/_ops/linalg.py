"""Products: matmul (every dimension case), mm, bmm, mv, dot, vdot, inner, outer and the add*
family (addmm, addmv, addr, addbmm, baddbmm). einsum, tensordot, kron, cross, trace,
multi_dot / chain_matmul and vecdot live in contractions.py and are re-exported here.

Complex gradients follow torch's convention: for out = a @ b, grad_a = g @ b^H.
"""

from ember import _dtype
from ember import _tensor
from ember._ops import _blas
from ember._ops._registry import register
from ember._ops._util import broadcast_error
from ember.autograd.function import Function

Tensor = _tensor.Tensor


def _name(arr):
    return _dtype.SCALAR_NAMES[_tensor.dtype_of(arr)]


def _check_dtypes(a, b, name):
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_name(a).lower()} != {_name(b).lower()}")
    if a.dtype.kind == "b":
        raise RuntimeError(f"\"{name}\" not implemented for 'Bool'")


def _check_self_dtype(c, m2):
    if c.dtype != m2.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_name(c)} and "
                           f"{_name(m2)}")


def _tensor_arg(x, fname, argname, pos):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")
    return x


def _mh(x):
    """Conjugate transpose of the last two dims."""
    return x.mT.conj() if x.dtype.is_complex else x.mT


def _cj(x):
    return x.conj() if x.dtype.is_complex else x


def _shape_error(a, b):
    if a.ndim == 1 and b.ndim == 1:
        return RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                            f"[{b.shape[0]}] to have the same number of elements, but got "
                            f"{a.shape[0]} and {b.shape[0]} elements respectively")
    if a.ndim <= 2 and b.ndim <= 2:
        if b.ndim == 1:
            sa = "x".join(map(str, a.shape))
            return RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({sa}), vec "
                                f"({b.shape[0]})")
        sa = "x".join(map(str, a.shape if a.ndim == 2 else (1,) + a.shape))
        sb = "x".join(map(str, b.shape))
        return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})")
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k_a == k_b:  # the batch dims do not broadcast
        return broadcast_error(a.shape[:-2], b.shape[:-2])
    return RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                        f"[{b.shape[0] if b.ndim > 2 else 1}, {k_a}] but got: "
                        f"[{b.shape[0] if b.ndim > 2 else 1}, {k_b}].")


# ------------------------------------------------------------------------------ matmul

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
            return _blas.matmul(ctx.xp, a, b)
        except ValueError:
            raise _shape_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.ndims
        ga = gb = None
        if na == 1 and nb == 1:  # dot
            return (g * _cj(b) if b is not None else None), (_cj(a) * g if a is not None
                                                               else None)
        if na == 1:
            g2 = g.unsqueeze(-2)
            if b is not None:
                ga = (g2 @ _mh(b)).squeeze(-2)
            if a is not None:
                gb = _cj(a).unsqueeze(-1) @ g2
            return ga, gb
        if nb == 1:
            g2 = g.unsqueeze(-1)
            if b is not None:
                ga = g2 @ _cj(b).unsqueeze(-2)
            if a is not None:
                gb = (_mh(a) @ g2).squeeze(-1)
            return ga, gb
        if b is not None:
            ga = g @ _mh(b)
        if a is not None:
            gb = _mh(a) @ g
        return ga, gb


class Dot(Matmul):
    node_name = "DotBackward0"


class Mv(Matmul):
    node_name = "MvBackward0"


class Bmm(Matmul):
    node_name = "BmmBackward0"


_BY_DIMS = {(1, 1): Dot, (2, 1): Mv, (2, 2): Matmul}


def _out(result, out):
    """Write `result` into a user-given `out` tensor (torch's out= arguments)."""
    if out is None:
        return result
    if tuple(out.shape) != tuple(result.shape):
        out._data = out._data.reshape(result.shape) if out.numel() == result.numel() else \
            result._data.astype(out._data.dtype)
    out.copy_(result)
    return out


@register(methods=("__matmul__",))
def matmul(input, other, *, out=None):
    """Matrix product with torch's rules for 1-D, 2-D and batched (broadcast) operands."""
    _tensor_arg(input, "matmul", "input", 1)
    _tensor_arg(other, "matmul", "other", 2)
    cls = _BY_DIMS.get((input.ndim, other.ndim), Bmm)
    return _out(cls.apply(input, other), out)


@register(function=False, method=False, methods=("__rmatmul__",))
def _rmatmul(self, other):
    return matmul(other, self)


@register()
def mm(input, mat2, *, out=None):
    """Product of two 2-D matrices."""
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return _out(Matmul.apply(input, mat2), out)


@register()
def bmm(input, mat2, *, out=None):
    """Batched product of two 3-D tensors of matrices."""
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: "
                           f"[{mat2.shape[0]}, {mat2.shape[1]}].")
    return _out(Bmm.apply(input, mat2), out)


@register()
def mv(input, vec, *, out=None):
    """Matrix-vector product."""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, "
                           f"{vec.ndim}")
    return _out(Mv.apply(input, vec), out)


@register()
def dot(input, other, *, out=None):
    """Inner product of two 1-D tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           "tensors")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_dtype.SCALAR_NAMES[input.dtype]} and "
                           f"{_dtype.SCALAR_NAMES[other.dtype]}")
    return _out(Dot.apply(input, other), out)


class Vdot(Function):
    node_name = "VdotBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None,
                              b if ctx.needs_input_grad[0] else None)
        return ctx.xp.vdot(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return (_cj(g) * b if b is not None else None), (a * g if a is not None else None)


@register()
def vdot(input, other, *, out=None):
    """Dot product with the first argument conjugated."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           "tensors")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"vdot : expected both vectors to have same dtype, but found "
                           f"{_dtype.SCALAR_NAMES[input.dtype]} and "
                           f"{_dtype.SCALAR_NAMES[other.dtype]}")
    if input.shape[0] != other.shape[0]:
        raise _shape_error(input, other)
    return _out(Vdot.apply(input, other), out)


@register()
def outer(input, vec2, *, out=None):
    """Outer product of two 1-D tensors."""
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.ndim}-D"
                           if input.ndim != 1 else
                           f"outer: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    return _out(input.reshape(-1, 1) * vec2, out)


ger = register("ger")(outer)


@register()
def inner(input, other, *, out=None):
    """Sum of products over the last dims of both inputs."""
    if input.ndim == 0 or other.ndim == 0:
        return _out(input * other, out)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(input.shape)} and {list(other.shape)}")
    if input.ndim == 1 and other.ndim == 1:
        return _out(dot(input, other), out)
    return _out(tensordot(input, other, dims=([-1], [-1])), out)


# ------------------------------------------------------------------------------ add* family

def _scalar_check(beta, alpha, dt):
    if dt.kind in "biu" and dt.kind != "b":
        for name, v in (("beta", beta), ("alpha", alpha)):
            if isinstance(v, complex):
                raise RuntimeError(f"For integral input tensors, argument {name} must not be a "
                                   f"complex number.")


def _expand_to(xp, c, shape):
    try:
        return xp.broadcast_to(c, shape)
    except ValueError:
        cs = list(c.shape)
        for i in range(1, len(cs) + 1):
            if cs[-i] != 1 and (i > len(shape) or cs[-i] != shape[-i]):
                tgt = shape[-i] if i <= len(shape) else 1
                raise RuntimeError(
                    f"The expanded size of the tensor ({tgt}) must match the existing size "
                    f"({cs[-i]}) at non-singleton dimension {len(shape) - i}.  Target sizes: "
                    f"{list(shape)}.  Tensor sizes: {cs}") from None
        raise


def _scale(x, s):
    return x if s == 1 else x * s


class _AddProduct(Function):
    """beta * input + alpha * product(a, b); subclasses say which product."""

    _array_io = True

    @staticmethod
    def product(xp, a, b):
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, c, a, b, beta, alpha):
        xp = ctx.xp
        _check_self_dtype(c, b)
        _check_dtypes(a, b, "addmm_impl_cpu_")
        _scalar_check(beta, alpha, a.dtype)
        p = cls.product(xp, a, b)
        c = _expand_to(xp, c, p.shape)
        ctx.beta, ctx.alpha = beta, alpha
        ctx.save_for_backward(a if ctx.needs_input_grad[2] else None,
                              b if ctx.needs_input_grad[1] else None)
        if alpha != 1:
            p = p * alpha
        if beta == 0:
            out = p
        else:
            out = p + (c * beta if beta != 1 else c)
        return out.astype(a.dtype, copy=False)

    @staticmethod
    def grad_product(ctx, g, a, b):
        raise NotImplementedError

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        beta, alpha = ctx.beta, ctx.alpha
        gc = None
        if ctx.needs_input_grad[0]:
            gc = _scale(g, beta.conjugate() if isinstance(beta, complex) else beta)
        ga, gb = cls.grad_product(ctx, _scale(g, alpha.conjugate() if isinstance(alpha, complex)
                                              else alpha), a, b)
        return gc, ga, gb, None, None


class Addmm(_AddProduct):
    node_name = "AddmmBackward0"

    @staticmethod
    def product(xp, a, b):
        return xp.matmul(a, b)

    @staticmethod
    def grad_product(ctx, g, a, b):
        return (g @ _mh(b) if b is not None else None), (_mh(a) @ g if a is not None else None)


class Baddbmm(Addmm):
    node_name = "BaddbmmBackward0"


class Addmv(_AddProduct):
    node_name = "AddmvBackward0"

    @staticmethod
    def product(xp, a, b):
        return xp.matmul(a, b)

    @staticmethod
    def grad_product(ctx, g, a, b):
        ga = g.unsqueeze(-1) * _cj(b) if b is not None else None
        gb = _mh(a) @ g if a is not None else None
        return ga, gb


class Addr(_AddProduct):
    node_name = "AddrBackward0"

    @staticmethod
    def product(xp, a, b):
        if a.dtype.kind == "b":
            return xp.logical_and(a[:, None], b[None, :])
        return xp.multiply.outer(a, b)

    @staticmethod
    def grad_product(ctx, g, a, b):
        ga = g @ _cj(b) if b is not None else None
        gb = _mh(g) @ a if a is not None else None
        return ga, (_cj(gb) if gb is not None else None)


class Addbmm(_AddProduct):
    node_name = "AddbmmBackward0"

    @staticmethod
    def product(xp, a, b):
        return xp.matmul(a, b).sum(0, dtype=a.dtype)

    @staticmethod
    def grad_product(ctx, g, a, b):
        g3 = g.unsqueeze(0)
        return (g3 @ _mh(b) if b is not None else None), (_mh(a) @ g3 if a is not None
                                                          else None)


def _dims_check(t, n, fname, argname):
    if t.ndim != n:
        raise RuntimeError(f"{argname} must be a {n}D tensor" if n == 3 else
                           f"{fname}: Expected {argname} to be {n}-D, but got {t.ndim}-D")


@register()
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2)."""
    if mat1.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {mat1.ndim}-D tensor")
    if mat2.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {mat2.ndim}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({mat1.shape[0]}x{mat1.shape[1]} and "
                           f"{mat2.shape[0]}x{mat2.shape[1]})")
    return _out(Addmm.apply(input, mat1, mat2, beta, alpha), out)


@register()
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (batch1 @ batch2), batch by batch."""
    _dims_check(batch1, 3, "baddbmm", "batch1")
    _dims_check(batch2, 3, "baddbmm", "batch2")
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch1.shape[0]}, {batch1.shape[2]}] but got: "
                           f"[{batch2.shape[0]}, {batch2.shape[1]}].")
    return _out(Baddbmm.apply(input, batch1, batch2, beta, alpha), out)


@register()
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * sum over the batch of batch1[i] @ batch2[i]."""
    _dims_check(batch1, 3, "addbmm", "batch1")
    _dims_check(batch2, 3, "addbmm", "batch2")
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                           f"{batch1.shape[0]} and {batch2.shape[0]}")
    if batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({batch1.shape[1]}x"
                           f"{batch1.shape[2]} and {batch2.shape[1]}x{batch2.shape[2]})")
    return _out(Addbmm.apply(input, batch1, batch2, beta, alpha), out)


@register()
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec)."""
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, "
                           f"{vec.ndim}")
    if mat.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({mat.shape[0]}), mat "
                           f"({mat.shape[0]}x{mat.shape[1]}), vec ({vec.shape[0]})")
    return _out(Addmv.apply(input, mat, vec, beta, alpha), out)


@register()
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * outer(vec1, vec2)."""
    if vec1.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1.ndim}-D")
    if vec2.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    return _out(Addr.apply(input, vec1, vec2, beta, alpha), out)


def _inplace_of(fn):
    def method(input, *args, **kwargs):
        return input.copy_(fn(input, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place {fn.__name__}."
    return method


for _f in (addmm, baddbmm, addbmm, addmv, addr):
    register(_f.__name__ + "_", function=False)(_inplace_of(_f))


# einsum, tensordot, kron, trace, cross, multi_dot, vecdot: registered with this module and
# reachable through it
from ember._ops.contractions import _LETTERS  # noqa: E402,F401
from ember._ops.contractions import _sublist_to_str  # noqa: E402,F401
from ember._ops.contractions import _einsum_args  # noqa: E402,F401
from ember._ops.contractions import _parse_einsum  # noqa: E402,F401
from ember._ops.contractions import Einsum  # noqa: E402,F401
from ember._ops.contractions import _eye  # noqa: E402,F401
from ember._ops.contractions import _ones  # noqa: E402,F401
from ember._ops.contractions import einsum  # noqa: E402,F401
from ember._ops.contractions import _tensordot_dims  # noqa: E402,F401
from ember._ops.contractions import tensordot  # noqa: E402,F401
from ember._ops.contractions import kron  # noqa: E402,F401
from ember._ops.contractions import Trace  # noqa: E402,F401
from ember._ops.contractions import trace  # noqa: E402,F401
from ember._ops.contractions import LinalgCross  # noqa: E402,F401
from ember._ops.contractions import linalg_cross  # noqa: E402,F401
from ember._ops.contractions import cross  # noqa: E402,F401
from ember._ops.contractions import _chain_order  # noqa: E402,F401
from ember._ops.contractions import _chain  # noqa: E402,F401
from ember._ops.contractions import multi_dot  # noqa: E402,F401
from ember._ops.contractions import chain_matmul  # noqa: E402,F401
from ember._ops.contractions import vecdot  # noqa: E402,F401
