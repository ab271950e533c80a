"""Contractions and other multi-operand products: einsum, tensordot, kron, trace, cross /
linalg.cross, multi_dot / chain_matmul and vecdot. ember/_ops/linalg.py re-exports them (they
register in the same order as before the split)."""

from ember import _dtype
from ember._ops._registry import register
from ember._ops._util import broadcast_error
from ember._ops._util import wrap_dim
from ember._ops.linalg import _cj
from ember._ops.linalg import _name
from ember._ops.linalg import _out
from ember._tensor import Tensor
from ember.autograd.function import Function


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
