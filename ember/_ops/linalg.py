"""Products: matmul (every dimension case), mm, bmm, mv, dot, vdot, inner, outer, the add*
family (addmm, addmv, addr, addbmm, baddbmm), einsum, tensordot, kron, cross, trace,
multi_dot / chain_matmul and vecdot.

Complex gradients follow torch's convention: for out = a @ b, grad_a = g @ b^H.
"""

from ember import _dtype
from ember import _tensor
from ember._ops import _blas
from ember._ops._registry import register
from ember._ops._util import broadcast_error
from ember._ops._util import wrap_dim
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


# ------------------------------------------------------------------------------ einsum

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _sublist_to_str(sub):
    out = []
    for s in sub:
        if s is Ellipsis:
            out.append("...")
        elif isinstance(s, int) and 0 <= s < 52:
            out.append(_LETTERS[s])
        else:
            raise RuntimeError(f"einsum(): expected subscript to be within the range [0, 52), "
                               f"but got {s}")
    return "".join(out)


def _einsum_args(args):
    """Normalise torch's call forms to (equation, operands)."""
    if args and isinstance(args[0], str):
        eq, ops = args[0], args[1:]
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = tuple(ops[0])
        return eq, tuple(ops)
    ops, subs = list(args[0::2]), list(args[1::2])
    out = None
    if len(ops) > len(subs):
        out = ops.pop()
        if isinstance(out, Tensor):
            raise TypeError("einsum(): the sublist format expects operand, sublist pairs")
    if len(subs) > len(ops):
        out = subs.pop()
    eq = ",".join(_sublist_to_str(s) for s in subs)
    if out is not None:
        eq += "->" + _sublist_to_str(out)
    return eq, tuple(ops)


def _parse_einsum(eq, shapes):
    """Turn an equation into explicit per-operand label strings (ellipsis expanded)."""
    eq = eq.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    for i, ch in enumerate(eq):
        if not (ch in _LETTERS or ch in ",.->"):
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the "
                               f"equation string, subscripts must be in [a-zA-Z]")
    used = set(ch for ch in eq if ch in _LETTERS)
    free = [c for c in _LETTERS if c not in used]
    ell_nd = 0
    for t, shp in zip(terms, shapes):
        if "..." in t:
            n_explicit = len(t.replace("...", ""))
            ell_nd = max(ell_nd, len(shp) - n_explicit)
    ell = "".join(free[:ell_nd])
    out_terms = []
    for k, (t, shp) in enumerate(zip(terms, shapes)):
        if t.count("...") > 1 or t.replace("...", "").count(".") or \
                (t.count(".") and "..." not in t):
            raise RuntimeError("einsum(): found '.' for operand " + str(k) +
                               " that is not part of any ellipsis")
        if "..." in t:
            n_ell = len(shp) - len(t.replace("...", ""))
            if n_ell < 0:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({len(t) - 3}) is more than the number of dimensions "
                                   f"({len(shp)}) for operand {k}")
            t = t.replace("...", ell[ell_nd - n_ell:] if n_ell else "")
        elif len(t) != len(shp):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(t)}) "
                               f"does not match the number of dimensions ({len(shp)}) for "
                               f"operand {k} and no ellipsis was given")
        out_terms.append(t)
    if arrow:
        for ch in rhs.replace("...", ""):
            if rhs.replace("...", "").count(ch) > 1:
                raise RuntimeError(f"einsum(): output subscript {ch} appears more than once in "
                                   f"the output")
            if not any(ch in t for t in out_terms):
                raise RuntimeError(f"einsum(): output subscript {ch} does not appear in the "
                                   f"equation for any input operand")
        out = rhs.replace("...", ell)
    else:
        counts = {}
        for t in out_terms:
            for ch in t:
                counts[ch] = counts.get(ch, 0) + 1
        out = ell + "".join(sorted(ch for ch, c in counts.items() if c == 1 and ch not in ell))
    return out_terms, out


class Einsum(Function):
    node_name = "EinsumBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, terms, out_term, *ops):
        xp = ctx.xp
        dt = ops[0].dtype
        for o in ops[1:]:
            if o.dtype != dt:
                raise RuntimeError(f"expected scalar type {_name(ops[0])} but found {_name(o)}")
        sizes = {}
        for t, o in zip(terms, ops):
            for ch, n in zip(t, o.shape):
                if sizes.get(ch, 1) == 1:
                    sizes[ch] = n
                elif n != 1 and n != sizes[ch]:
                    raise RuntimeError(
                        "einsum(): operands do not broadcast with remapped shapes "
                        "(original->remapped): " + " ".join(
                            f"{list(o2.shape)}->{list(o2.shape)}" for o2 in ops))
        ctx.terms, ctx.out_term, ctx.sizes = terms, out_term, sizes
        ctx.save_for_backward(*ops)
        eq = ",".join(terms) + "->" + out_term
        out = xp.einsum(eq, *ops, optimize=len(ops) > 1)
        return out.astype(dt, copy=False)

    @staticmethod
    def backward(ctx, g):
        ops = ctx.saved_tensors
        terms, sizes = ctx.terms, ctx.sizes
        used = set("".join(terms)) | set(ctx.out_term)
        spare = [c for c in _LETTERS if c not in used]
        grads = [None, None]
        for k, t in enumerate(terms):
            if not ctx.needs_input_grad[k + 2]:
                grads.append(None)
                continue
            in_terms = [ctx.out_term]
            operands = [g]
            for j, o in enumerate(ops):
                if j != k:
                    in_terms.append(terms[j])
                    operands.append(_cj(o))
            have = set("".join(in_terms))
            target = []
            seen = set()
            for ch in t:
                if ch in seen:  # a repeated label: write on the diagonal through an identity
                    new = spare.pop()
                    n = ops[k].shape[len(target)]
                    in_terms.append(ch + new)
                    operands.append(_eye(n, g))
                    target.append(new)
                    continue
                seen.add(ch)
                if ch not in have:  # a label summed over in this operand only: broadcast it
                    n = ops[k].shape[len(target)]
                    in_terms.append(ch)
                    operands.append(_ones(n, g))
                    have.add(ch)
                target.append(ch)
            eq = ",".join(in_terms) + "->" + "".join(target)
            gk = einsum(eq, *operands)
            if tuple(gk.shape) != tuple(ops[k].shape):  # a size-1 label broadcast elsewhere
                gk = gk.expand(*[max(a, b) for a, b in zip(gk.shape, ops[k].shape)])
            grads.append(gk)
        return tuple(grads)


def _eye(n, like):
    from ember._ops import creation

    return creation.eye(n, dtype=like.dtype, device=like.device)


def _ones(n, like):
    from ember._ops import creation

    return creation.ones(n, dtype=like.dtype, device=like.device)


@register(method=False)
def einsum(*args):
    """Sum of products given by an Einstein-summation equation ('ij,jk->ik', '...', sublists)."""
    eq, ops = _einsum_args(args)
    for i, o in enumerate(ops):
        if not isinstance(o, Tensor):
            raise TypeError(f"einsum(): argument 'operands' (position 2) must be tuple of "
                            f"Tensors, not {type(o).__name__}")
    if not ops:
        raise RuntimeError("einsum(): must provide at least one operand")
    terms, out_term = _parse_einsum(eq, [o.shape for o in ops])
    return Einsum.apply(terms, out_term, *ops)


# ------------------------------------------------------------------------------ tensordot, kron

def _tensordot_dims(dims, na, nb):
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(na, nb):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(na - dims, na)), list(range(dims))
    da, db = dims
    da = [da] if isinstance(da, int) else list(da)
    db = [db] if isinstance(db, int) else list(db)
    if len(da) != len(db):
        raise RuntimeError(f"both dimension lists should have same length")
    return [wrap_dim(d, na) for d in da], [wrap_dim(d, nb) for d in db]


@register()
def tensordot(a, b, dims=2, out=None):
    """Contract dims of a with dims of b (an int n: the last n of a with the first n of b)."""
    da, db = _tensordot_dims(dims, a.ndim, b.ndim)
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j] and a.shape[i] != 1 and b.shape[j] != 1:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[i]} in dim {i} and second has size {b.shape[j]} in "
                               f"dim {j}")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected scalar type {_dtype.SCALAR_NAMES[a.dtype]} but found "
                           f"{_dtype.SCALAR_NAMES[b.dtype]}")
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = 1
    for i, j in zip(da, db):
        k *= max(a.shape[i], b.shape[j])
    a2 = a.permute(*fa, *da)
    b2 = b.permute(*db, *fb)
    ks = [max(a.shape[i], b.shape[j]) for i, j in zip(da, db)]
    a2 = a2.expand(*[a.shape[d] for d in fa], *ks) if ks else a2
    b2 = b2.expand(*ks, *[b.shape[d] for d in fb]) if ks else b2
    ma = 1
    for d in fa:
        ma *= a.shape[d]
    nb = 1
    for d in fb:
        nb *= b.shape[d]
    res = a2.reshape(ma, k) @ b2.reshape(k, nb)
    return _out(res.reshape(*[a.shape[d] for d in fa], *[b.shape[d] for d in fb]), out)


@register()
def kron(input, other, *, out=None):
    """Kronecker product."""
    n = max(input.ndim, other.ndim)
    a = input.reshape(*((1,) * (n - input.ndim) + tuple(input.shape)))
    b = other.reshape(*((1,) * (n - other.ndim) + tuple(other.shape)))
    sa = []
    sb = []
    for x, y in zip(a.shape, b.shape):
        sa += [x, 1]
        sb += [1, y]
    res = a.reshape(*sa) * b.reshape(*sb)
    return _out(res.reshape(*[x * y for x, y in zip(a.shape, b.shape)]), out)


# ------------------------------------------------------------------------------ trace, cross

class Trace(Function):
    node_name = "TraceBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        dt = x.dtype
        if dt.kind in "biu":
            dt = _dtype.int64.np_dtype
        return ctx.xp.asarray(ctx.xp.trace(x, dtype=dt))

    @staticmethod
    def backward(ctx, g):
        from ember._ops import creation

        n, m = ctx.shape
        return g * creation.eye(n, m, dtype=g.dtype, device=g.device)


@register()
def trace(input):
    """Sum of the main diagonal of a 2-D tensor."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return Trace.apply(input)


class LinalgCross(Function):
    node_name = "LinalgCrossBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b, dim):
        xp = ctx.xp
        rt = _dtype.result_type(a, b)
        a = a.astype(rt.np_dtype, copy=False)
        b = b.astype(rt.np_dtype, copy=False)
        ctx.dim = dim
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None,
                              b if ctx.needs_input_grad[0] else None)
        a, b = xp.broadcast_arrays(a, b)
        return xp.cross(a, b, axis=dim)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = linalg_cross(_cj(b), g, dim=ctx.dim) if b is not None else None
        gb = linalg_cross(g, _cj(a), dim=ctx.dim) if a is not None else None
        return ga, gb, None


def linalg_cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along `dim` (inputs broadcast)."""
    if input.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions.")
    n = max(input.ndim, other.ndim)
    d = wrap_dim(dim, n)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")
    try:
        import numpy as np
        np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    except ValueError:
        raise broadcast_error(input.shape, other.shape) from None
    return _out(LinalgCross.apply(input, other, d - n), out)


@register()
def cross(input, other, dim=None, *, out=None):
    """Cross product along `dim` (default: the first dim of size 3)."""
    if dim is None:
        import warnings

        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\n"
                      "Please either pass the dim explicitly or simply use torch.linalg.cross."
                      "\nThe default value of dim will change to agree with that of "
                      "linalg.cross in a future release.", UserWarning, stacklevel=2)
        import numpy as np
        shp = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, s in enumerate(shp) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    if input.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions.")
    return linalg_cross(input, other, dim=dim, out=out)


# ------------------------------------------------------------------------------ chains, vecdot

def _chain_order(dims):
    """Optimal parenthesisation of a matrix chain (classic dynamic programme)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(mats, split, i, j):
    if i == j:
        return mats[i]
    k = split[i][j]
    return _chain(mats, split, i, k) @ _chain(mats, split, k + 1, j)


def multi_dot(tensors, *, out=None):
    """Product of a chain of matrices in the cheapest order (first/last may be 1-D)."""
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0], tensors[-1]
    if first.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got "
                           f"{first.ndim}D")
    if last.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got "
                           f"{last.ndim}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    dt = first.dtype
    for i, t in enumerate(tensors):
        if t.dtype is not dt:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but "
                               f"tensor 0 is {dt} and tensor {i} {t.dtype}")
    mats = list(tensors)
    if first.ndim == 1:
        mats[0] = first.unsqueeze(0)
    if last.ndim == 1:
        mats[-1] = last.unsqueeze(1)
    for i in range(n - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            a, b = mats[i], mats[i + 1]
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{list(a.shape)} and {list(b.shape)} cannot be multiplied")
    dims = [mats[0].shape[0]] + [m.shape[1] for m in mats]
    res = _chain(mats, _chain_order(dims), 0, n - 1)
    if first.ndim == 1:
        res = res.squeeze(0)
    if last.ndim == 1:
        res = res.squeeze(-1)
    return _out(res, out)


@register(method=False)
def chain_matmul(*matrices, out=None):
    """Product of 2-D matrices (deprecated in torch in favour of linalg.multi_dot)."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if len(matrices) == 0:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for i, m in enumerate(matrices):
        if m.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return _out(matrices[0].clone(), out)
    return multi_dot(matrices, out=out)


def vecdot(x, y, *, dim=-1, out=None):
    """Dot product of vectors along `dim` (x conjugated), broadcasting the other dims."""
    if x.dtype is not y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found "
                           f"x of type {_dtype.SCALAR_NAMES[x.dtype]} and y of type "
                           f"{_dtype.SCALAR_NAMES[y.dtype]} instead")
    return _out((_cj(x) * y).sum(dim), out)
