"""Matrix functions and decompositions: inv, det, slogdet, solve, cholesky, qr, svd, eigh, eig,
pinv, lstsq, matrix_rank, matrix_power, matrix_exp, triangular solves.

Forwards run on ``xp.linalg`` (LAPACK through NumPy / cuSOLVER through CuPy). Backwards are
written with ember ops (so they are differentiable again) from the standard matrix-calculus
results; the formula of each sits in its Function.
"""

from ember import _dtype
from ember import _tensor
from ember._ops._registry import register
from ember._ops._util import broadcast_shapes
from ember.autograd.function import Function

Tensor = _tensor.Tensor


class LinAlgError(RuntimeError):
    """Raised when a matrix is singular or not positive-definite (torch.linalg.LinAlgError)."""


def _structseq(name, fields):
    """A named tuple printed as torch prints its return types."""

    def __new__(cls, *args, **kw):
        if len(args) == 1 and not kw and isinstance(args[0], (tuple, list)):
            args = tuple(args[0])
        return tuple.__new__(cls, tuple(args) + tuple(kw[f] for f in fields[len(args):]))

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    ns = {"__new__": __new__, "__repr__": __repr__, "__slots__": (), "_fields": fields,
          "n_fields": len(fields), "n_sequence_fields": len(fields),
          "__reduce__": lambda self: (type(self), (tuple(self),)),
          "__module__": "ember.return_types"}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: tuple.__getitem__(self, i))
    return type(name, (tuple,), ns)


slogdet_t = _structseq("slogdet", ("sign", "logabsdet"))
linalg_slogdet_t = _structseq("linalg_slogdet", ("sign", "logabsdet"))
linalg_inv_ex_t = _structseq("linalg_inv_ex", ("inverse", "info"))
linalg_cholesky_ex_t = _structseq("linalg_cholesky_ex", ("L", "info"))
linalg_solve_ex_t = _structseq("linalg_solve_ex", ("result", "info"))
qr_t = _structseq("qr", ("Q", "R"))
linalg_qr_t = _structseq("linalg_qr", ("Q", "R"))
svd_t = _structseq("svd", ("U", "S", "V"))
linalg_svd_t = _structseq("linalg_svd", ("U", "S", "Vh"))
linalg_eigh_t = _structseq("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_eig_t = _structseq("linalg_eig", ("eigenvalues", "eigenvectors"))
linalg_lstsq_t = _structseq("linalg_lstsq", ("solution", "residuals", "rank",
                                             "singular_values"))
triangular_solve_t = _structseq("triangular_solve", ("solution", "cloned_coefficient"))


# ------------------------------------------------------------------------------ helpers

def _check_float(x, fname):
    dt = x.dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got "
                           f"{_dtype.SCALAR_NAMES[dt]}")
    if dt in (_dtype.float16, _dtype.bfloat16):
        raise RuntimeError(f"{fname}: Low precision dtypes not supported. Got "
                           f"{_dtype.SCALAR_NAMES[dt]}")


def _check_matrix(x, fname, square=True, arg="A"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' must be Tensor, not {type(x).__name__}")
    if x.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor {arg} must have at least 2 dimensions.")
    if square and x.shape[-1] != x.shape[-2]:
        raise RuntimeError(f"{fname}: {arg} must be batches of square matrices, but they are "
                           f"{x.shape[-2]} by {x.shape[-1]} matrices")
    _check_float(x, fname)


def _mh(x):
    return x.mT.conj() if x.dtype.is_complex else x.mT


def _cj(x):
    return x.conj() if x.dtype.is_complex else x


def _const(arr, like):
    return _tensor.make(arr, like.device)


def _tril(x, k=0):
    """Lower triangle (as a product with a constant mask, so it is differentiable)."""
    xp = _xp(x)
    n, m = x.shape[-2:]
    return x * _const(xp.tri(n, m, k, dtype=x._data.real.dtype), x)


def _triu(x, k=0):
    xp = _xp(x)
    n, m = x.shape[-2:]
    return x * _const(1 - xp.tri(n, m, k - 1, dtype=x._data.real.dtype), x)


def _eye_like(n, like):
    return _const(_xp(like).eye(n, dtype=like._data.dtype), like)


def _diag_embed(v):
    n = v.shape[-1]
    return v.unsqueeze(-1) * _eye_like(n, v)


def _diagonal(x):
    n = x.shape[-1]
    return (x * _eye_like(n, x)).sum(-1)


def _real(x):
    from ember._ops import complex_ops

    return complex_ops.real(x) if x.dtype.is_complex else x


def _xp(t):
    from ember.autograd.function import xp_for

    return xp_for(t.device)


def _batch_prefix(shape, idx):
    return f"(Batch element {idx}): " if len(shape) > 2 else ""


def _first_zero_pivot(np, a):
    """1-based index of the first zero pivot of LU with partial pivoting (LAPACK's info)."""
    a = np.array(a, dtype=a.dtype)
    n = a.shape[0]
    for j in range(n):
        p = j + int(np.argmax(np.abs(a[j:, j])))
        if a[p, j] == 0:
            return j + 1
        if p != j:
            a[[j, p]] = a[[p, j]]
        a[j + 1:, j] /= a[j, j]
        a[j + 1:, j + 1:] -= np.multiply.outer(a[j + 1:, j], a[j, j + 1:])
    return 0


def _host(xp, a):
    import numpy as np

    return np, (a if isinstance(a, np.ndarray) else xp.asnumpy(a))


def _singular_info(xp, a):
    """Per-matrix LAPACK-style info for a stack of square matrices (0 = invertible)."""
    np, h = _host(xp, a)
    flat = h.reshape(-1, *h.shape[-2:])
    info = np.array([_first_zero_pivot(np, m) for m in flat], dtype=np.int32)
    return info.reshape(h.shape[:-2])


def _inv_error(xp, a):
    info = _singular_info(xp, a)
    flat = info.reshape(-1)
    idx = int((flat != 0).argmax())
    return LinAlgError(f"linalg.inv: {_batch_prefix(a.shape, idx)}The diagonal element "
                       f"{int(flat[idx])} is zero, the inversion could not be completed because "
                       f"the input matrix is singular.")


# ------------------------------------------------------------------------------ inv, det

class Inv(Function):
    node_name = "LinalgInvExBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a):
        xp = ctx.xp
        try:
            out = xp.linalg.inv(a)
        except xp.linalg.LinAlgError:
            raise _inv_error(xp, a) from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (ainv,) = ctx.saved_tensors
        ah = _mh(ainv)
        return -(ah @ g @ ah)


def inv(A, *, out=None):
    """Inverse of a square matrix (or batch); raises LinAlgError when singular."""
    _check_matrix(A, "linalg.inv")
    return Inv.apply(A)


def inv_ex(A, *, check_errors=False, out=None):
    """inv returning (inverse, info); info > 0 marks singular matrices instead of raising."""
    _check_matrix(A, "linalg.inv_ex")
    xp = _xp(A)
    info = _singular_info(xp, A._data)
    if not info.any():
        res = Inv.apply(A)
    elif check_errors:
        raise _inv_error(xp, A._data)
    else:
        with _np_quiet(xp):
            res = _const(xp.full(A.shape, xp.nan, dtype=A._data.dtype), A)
    return linalg_inv_ex_t(res, _const(xp.asarray(info), A))


def _np_quiet(xp):
    return xp.errstate(all="ignore")


@register()
def inverse(input, *, out=None):
    """Inverse of a square matrix (torch.inverse)."""
    return inv(input)


class Det(Function):
    node_name = "LinalgDetBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a):
        out = ctx.xp.asarray(ctx.xp.linalg.det(a))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, d = ctx.saved_tensors
        gd = (g * _cj(d)).unsqueeze(-1).unsqueeze(-1)
        xp = _xp(a)
        if not bool(xp.all(d._data != 0)):  # singular: the adjugate through the SVD
            return _det_singular_grad(g, a)
        return gd * _mh(inv(a))


def _det_singular_grad(g, a):
    xp = _xp(a)
    u, s, vh = xp.linalg.svd(a._data)
    n = s.shape[-1]
    prods = xp.stack([xp.prod(xp.delete(s, i, axis=-1), axis=-1) for i in range(n)], -1)
    phase = xp.linalg.det(u) * xp.linalg.det(vh)
    adj = (xp.conj(vh).swapaxes(-1, -2) * prods[..., None, :]) @ xp.conj(u).swapaxes(-1, -2)
    adj = adj * phase[..., None, None]
    return g.unsqueeze(-1).unsqueeze(-1) * _const(xp.conj(adj).swapaxes(-1, -2), a)


def det(A, *, out=None):
    """Determinant of a square matrix (or batch)."""
    _check_matrix(A, "linalg.det")
    return Det.apply(A)


register("det")(lambda input: det(input))


class Slogdet(Function):
    node_name = "LinalgSlogdetBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a):
        xp = ctx.xp
        sign, logabs = xp.linalg.slogdet(a)
        sign, logabs = xp.asarray(sign), xp.asarray(logabs)
        ctx.save_for_backward(a, sign if a.dtype.kind == "c" else None)
        if a.dtype.kind != "c":
            ctx.mark_non_differentiable(sign)
        return sign, logabs

    @staticmethod
    def backward(ctx, gsign, glog):
        # d log det = tr(A^{-1} dA); logabsdet is its real part, sign = exp(i Im(log det))
        a, sign = ctx.saved_tensors
        coef = glog
        if sign is not None:
            from ember._ops import complex_ops

            c = -complex_ops.imag(gsign.conj() * sign)
            coef = complex_ops.complex(glog, c)
        return coef.unsqueeze(-1).unsqueeze(-1) * _mh(inv(a))


def slogdet(A, *, out=None):
    """(sign, log|det|) of a square matrix (or batch)."""
    _check_matrix(A, "linalg.slogdet")
    return linalg_slogdet_t(*Slogdet.apply(A))


def _slogdet_fn(input):
    _check_matrix(input, "linalg.slogdet")
    return slogdet_t(*Slogdet.apply(input))


register("slogdet")(_slogdet_fn)


@register()
def logdet(input):
    """log(det(input)): nan for a negative determinant, -inf for zero."""
    _check_matrix(input, "logdet")
    sign, logabs = Slogdet.apply(input)
    return logabs + sign.log()


# ------------------------------------------------------------------------------ solve

class Solve(Function):
    node_name = "LinalgSolveExBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        try:
            x = xp.linalg.solve(a, b)
        except xp.linalg.LinAlgError:
            raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix "
                              "is singular.") from None
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        gb = _solve(_mh(a), g)
        ga = -(gb @ _mh(x)) if ctx.needs_input_grad[0] else None
        return ga, gb


def _solve(a, b):
    return Solve.apply(a, b)


def _rhs_is_vector(A, B):
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def solve(A, B, *, left=True, out=None):
    """X with A X = B (left=True) or X A = B; A square, B a matrix or a vector (batches)."""
    _check_matrix(A, "linalg.solve")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg_solve(): argument 'B' must be Tensor, not {type(B).__name__}")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {_dtype.SCALAR_NAMES[A.dtype]} and B of type "
                           f"{_dtype.SCALAR_NAMES[B.dtype]} instead")
    vec = _rhs_is_vector(A, B)
    b = B.unsqueeze(-1) if vec else B
    if not left:
        if vec:
            raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not "
                               "supported for left=False. In this case linalg.solve is "
                               "equivalent to B / A.squeeze(-1)")
        return solve(A.mT, B.mT).mT
    n = A.shape[-1]
    if b.shape[-2] != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"AX = B ({A.shape[-2]}x{A.shape[-1]} and "
                           f"{b.shape[-2]}x{b.shape[-1]})")
    broadcast_shapes(tuple(A.shape[:-2]), tuple(b.shape[:-2]))
    x = Solve.apply(A, b)
    return x.squeeze(-1) if vec else x


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """solve returning (result, info)."""
    res = solve(A, B, left=left)
    xp = _xp(A)
    info = xp.zeros(A.shape[:-2], dtype=xp.int32)
    return linalg_solve_ex_t(res, _const(info, A))


# ------------------------------------------------------------------------------ triangular

def _tri_substitute(xp, a, b, upper):
    """Back/forward substitution (used when LAPACK refuses a singular triangle: inf/nan)."""
    n = a.shape[-1]
    shape = tuple(xp.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    x = xp.zeros(shape + b.shape[-2:], dtype=xp.result_type(a, b))
    order = range(n - 1, -1, -1) if upper else range(n)
    with xp.errstate(all="ignore"):
        for i in order:
            acc = b[..., i, :]
            if upper and i + 1 < n:
                acc = acc - (a[..., i, i + 1:, None] * x[..., i + 1:, :]).sum(-2)
            elif not upper and i > 0:
                acc = acc - (a[..., i, :i, None] * x[..., :i, :]).sum(-2)
            x[..., i, :] = acc / a[..., i, i, None]
    return x


class SolveTriangular(Function):
    node_name = "LinalgSolveTriangularBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, b, upper, unitriangular):
        xp = ctx.xp
        n = a.shape[-1]
        mask = xp.tri(n, n, 0, dtype=bool)
        t = xp.where(mask.T if upper else mask, a, 0)
        if unitriangular:
            idx = xp.arange(n)
            t = t.copy()
            t[..., idx, idx] = 1
        try:
            x = xp.linalg.solve(t, b)
        except xp.linalg.LinAlgError:
            x = _tri_substitute(xp, t, b, upper)
        ctx.upper, ctx.unit = upper, unitriangular
        ctx.save_for_backward(a, x)
        return x.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        upper, unit = ctx.upper, ctx.unit
        gb = solve_triangular(_mh(a), g, upper=not upper, unitriangular=unit)
        ga = None
        if ctx.needs_input_grad[0]:
            ga = -(gb @ _mh(x))
            k = 1 if unit else 0
            ga = _triu(ga, k) if upper else _tril(ga, -k)
        return ga, gb, None, None


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with A X = B (or X A = B) for a triangular A (only its `upper`/lower triangle is read)."""
    _check_matrix(A, "linalg.solve_triangular")
    if B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"linalg.solve_triangular: Expected A and B to have the same dtype, "
                           f"but found A of type {_dtype.SCALAR_NAMES[A.dtype]} and B of type "
                           f"{_dtype.SCALAR_NAMES[B.dtype]} instead")
    if not left:
        return solve_triangular(A.mT, B.mT, upper=not upper, unitriangular=unitriangular).mT
    if B.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the "
                           f"equation AX = B ({A.shape[-2]}x{A.shape[-1]} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-2]))
    return SolveTriangular.apply(A, B, upper, unitriangular)


@register()
def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False):
    """(solution of A X = input, A.clone()) for a triangular A (deprecated torch API)."""
    M = A.mT if transpose else A
    up = (not upper) if transpose else upper
    x = solve_triangular(M, input, upper=up, unitriangular=unitriangular)
    return triangular_solve_t(x, A.clone())


# ------------------------------------------------------------------------------ cholesky

def _cholesky_error(xp, a, fname):
    np, h = _host(xp, a)
    flat = h.reshape(-1, *h.shape[-2:])
    for idx, m in enumerate(flat):
        try:
            np.linalg.cholesky(m)
            continue
        except np.linalg.LinAlgError:
            pass
        order = next(k for k in range(1, m.shape[-1] + 1)
                     if not _is_pd(np, m[:k, :k]))
        return LinAlgError(f"{fname}: {_batch_prefix(h.shape, idx)}The factorization could not "
                           f"be completed because the input is not positive-definite (the "
                           f"leading minor of order {order} is not positive-definite).")
    return LinAlgError(f"{fname}: The factorization could not be completed because the input "
                       f"is not positive-definite.")


def _is_pd(np, m):
    try:
        np.linalg.cholesky(m)
        return True
    except np.linalg.LinAlgError:
        return False


class Cholesky(Function):
    node_name = "LinalgCholeskyExBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, fname, upper):
        xp = ctx.xp
        src = xp.conj(a).swapaxes(-1, -2) if upper else a  # upper: read A's upper triangle
        try:
            low = xp.linalg.cholesky(src)
        except xp.linalg.LinAlgError:
            raise _cholesky_error(xp, src, fname) from None
        ctx.upper = upper
        out = xp.conj(low).swapaxes(-1, -2) if upper else low
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        # A = L L^H:  gA = L^{-H} S L^{-1}, S = the Hermitian fill of tril(L^H gL), diagonal
        # halved (upper: L = U^H, gL = gU^H)
        (f,) = ctx.saved_tensors
        low, gl = (_mh(f), _mh(g)) if ctx.upper else (f, g)
        phi = _tril(_mh(low) @ _tril(gl))
        phi = 0.5 * (phi + _mh(_tril(phi, -1)))
        x = solve_triangular(_mh(low), phi, upper=True)
        return solve_triangular(low, x, upper=False, left=False), None, None


def cholesky(A, *, upper=False, out=None):
    """Cholesky factor of a Hermitian positive-definite matrix: A = L L^H (or U^H U)."""
    _check_matrix(A, "linalg.cholesky")
    return Cholesky.apply(A, "linalg.cholesky", upper)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """cholesky returning (L, info); info > 0 is the order of the failing leading minor."""
    _check_matrix(A, "linalg.cholesky_ex")
    xp = _xp(A)
    try:
        low = cholesky(A, upper=upper)
        info = xp.zeros(A.shape[:-2], dtype=xp.int32)
    except LinAlgError:
        if check_errors:
            raise
        np, h = _host(xp, A._data)
        flat = h.reshape(-1, *h.shape[-2:])
        infos = []
        for m in flat:
            infos.append(0 if _is_pd(np, m) else next(
                k for k in range(1, m.shape[-1] + 1) if not _is_pd(np, m[:k, :k])))
        info = xp.asarray(np.array(infos, dtype=np.int32).reshape(h.shape[:-2]))
        low = _const(xp.zeros(A.shape, dtype=A._data.dtype), A)
    return linalg_cholesky_ex_t(low, _const(info, A))


@register("cholesky")
def _cholesky_fn(input, upper=False, *, out=None):
    """Cholesky factor (deprecated torch.cholesky; prefer linalg.cholesky)."""
    _check_matrix(input, "cholesky")
    return cholesky(input, upper=upper)


class CholeskySolve(Function):
    node_name = "CholeskySolveBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, b, low, upper):
        # X = (L L^H)^{-1} B (A = U^H U when upper), with two triangular solves
        xp = ctx.xp
        lo = xp.conj(low).swapaxes(-1, -2) if upper else low
        n = lo.shape[-1]
        t = xp.where(xp.tri(n, n, 0, dtype=bool), lo, 0)
        y = xp.linalg.solve(t, b)
        x = xp.linalg.solve(xp.conj(t).swapaxes(-1, -2), y)
        ctx.upper = upper
        ctx.save_for_backward(low, x)
        return x.astype(b.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        # torch's convention: the factor's gradient treats every entry of L as used
        low, x = ctx.saved_tensors
        gb = cholesky_solve(g, low, ctx.upper)
        common = gb @ _mh(x)
        common = common + _mh(common)
        gl = -(low @ common) if ctx.upper else -(common @ low)
        return gb, gl, None


@register()
def cholesky_solve(input, input2, upper=False, *, out=None):
    """X with (L L^H) X = input, given the Cholesky factor L = input2 (U if upper)."""
    _check_matrix(input2, "cholesky_solve")
    if input.dtype is not input2.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_dtype.SCALAR_NAMES[input.dtype]} and A of type "
                           f"{_dtype.SCALAR_NAMES[input2.dtype]} instead.")
    return CholeskySolve.apply(input, input2, upper)


class CholeskyInverse(Function):
    node_name = "CholeskyInverseBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, low, upper):
        xp = ctx.xp
        n = low.shape[-1]
        lo = xp.conj(low).swapaxes(-1, -2) if upper else low
        t = xp.where(xp.tri(n, n, 0, dtype=bool), lo, 0)
        tinv = xp.linalg.inv(t)
        out = xp.conj(tinv).swapaxes(-1, -2) @ tinv
        ctx.upper = upper
        ctx.save_for_backward(low, out)
        return out

    @staticmethod
    def backward(ctx, g):
        # R = (L L^H)^{-1}:  gL = -R (G + G^H) R L   (upper: -U R (G + G^H) R)
        low, r = ctx.saved_tensors
        common = r @ (g + _mh(g)) @ r
        return (-(low @ common) if ctx.upper else -(common @ low)), None


@register()
def cholesky_inverse(input, upper=False, *, out=None):
    """Inverse of A = L L^H from its Cholesky factor L (U if upper)."""
    _check_matrix(input, "cholesky_inverse")
    return CholeskyInverse.apply(input, upper)


# ------------------------------------------------------------------------------ qr

def _qr_square_grad(q, r, gq, gr):
    # A = QR with R square: gA = (gQ + Q copyltu(M)) R^{-H}, M = R gR^H - gQ^H Q
    m = r @ _mh(gr) - _mh(gq) @ q
    low = _tril(m, -1)
    m = low + _mh(low) + _diag_embed(_real(_diagonal(m)))
    b = gq + q @ m
    return solve_triangular(_mh(r), b, upper=False, left=False)


class Qr(Function):
    node_name = "LinalgQrBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, mode):
        xp = ctx.xp
        ctx.mode = mode
        if mode == "r":
            r = xp.linalg.qr(a, mode="r")
            return xp.zeros((0,), dtype=a.dtype), r
        q, r = xp.linalg.qr(a, mode=mode)
        ctx.save_for_backward(a, q, r)
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        a, q, r = ctx.saved_tensors
        m, n = a.shape[-2:]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                               "and nrows > ncols.")
        if m >= n:
            return _qr_square_grad(q, r, gq, gr), None
        from ember._ops import joining

        y = a[..., :, m:]
        gu, gv = gr[..., :, :m], gr[..., :, m:]
        gy = q @ gv
        gx = _qr_square_grad(q, r[..., :, :m], gq + y @ _mh(gv), gu)
        return joining.cat([gx, gy], -1), None


def qr(A, mode="reduced", *, out=None):
    """QR decomposition A = Q R; mode 'reduced', 'complete' or 'r' (R only)."""
    _check_matrix(A, "linalg.qr", square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    return linalg_qr_t(*Qr.apply(A, mode))


@register("qr")
def _qr_fn(input, some=True, *, out=None):
    """QR decomposition (torch.qr; prefer linalg.qr)."""
    _check_matrix(input, "qr", square=False)
    return qr_t(*Qr.apply(input, "reduced" if some else "complete"))


# ------------------------------------------------------------------------------ svd

def _svd_grad(u, s, vh, gu, gs, gvh):
    """Gradient of A = U diag(S) Vh (reduced, k = min(m, n))."""
    m, n = u.shape[-2], vh.shape[-1]
    k = s.shape[-1]
    gs_part = u * _real(gs).unsqueeze(-2).to(u.dtype) if gs is not None else None
    if gu is None and gvh is None:
        return gs_part @ vh
    v = _mh(vh)
    gv = _mh(gvh) if gvh is not None else None
    s_row = s.unsqueeze(-2)            # s_j along columns
    s_col = s.unsqueeze(-1)            # s_i along rows
    e = s_row * s_row - s_col * s_col  # e_ij = s_j^2 - s_i^2
    eye = _eye_like(k, e)
    f = (1 - eye) / (e + eye)          # F_ij = 1/(s_j^2 - s_i^2), zero on the diagonal
    inner = _diag_embed(_real(gs).to(u.dtype)) if gs is not None else 0
    if gu is not None:
        uhgu = _mh(u) @ gu
        ja = uhgu - _mh(uhgu)
        inner = inner + (ja * f) * s_row
        if u.dtype.is_complex:
            from ember._ops import complex_ops

            im = complex_ops.imag(_diagonal(uhgu))
            inner = inner + _diag_embed(complex_ops.complex(im * 0, im / s))
    if gv is not None:
        vhgv = _mh(v) @ gv
        jb = vhgv - _mh(vhgv)
        inner = inner + s_col * (jb * f)
    ga = u @ inner @ vh
    if gu is not None and m > k:
        proj = gu - u @ (_mh(u) @ gu)
        ga = ga + (proj / s_row) @ vh
    if gv is not None and n > k:
        proj = gv - v @ (_mh(v) @ gv)
        ga = ga + (u / s_row) @ _mh(proj)
    return ga


class Svd(Function):
    node_name = "LinalgSvdBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, full_matrices):
        xp = ctx.xp
        u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
        ctx.full = full_matrices
        ctx.save_for_backward(u, s, vh)
        return u, s.astype(a.real.dtype, copy=False), vh

    @staticmethod
    def backward(ctx, gu, gs, gvh):
        u, s, vh = ctx.saved_tensors
        if ctx.full:
            k = s.shape[-1]
            u, vh = u[..., :, :k], vh[..., :k, :]
            gu, gvh = gu[..., :, :k], gvh[..., :k, :]
        return _svd_grad(u, s, vh, gu, gs, gvh), None


class Svdvals(Function):
    node_name = "LinalgSvdBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a):
        xp = ctx.xp
        if ctx.needs_input_grad[0]:
            u, s, vh = xp.linalg.svd(a, full_matrices=False)
            ctx.save_for_backward(u, vh)
        else:
            s = xp.linalg.svd(a, compute_uv=False)
        return s.astype(a.real.dtype, copy=False)

    @staticmethod
    def backward(ctx, gs):
        u, vh = ctx.saved_tensors
        return (u * gs.unsqueeze(-2).to(u.dtype)) @ vh


def svd(A, full_matrices=True, *, driver=None, out=None):
    """Singular value decomposition A = U diag(S) Vh."""
    _check_matrix(A, "linalg.svd", square=False)
    return linalg_svd_t(*Svd.apply(A, full_matrices))


def svdvals(A, *, driver=None, out=None):
    """Singular values of A, in descending order."""
    _check_matrix(A, "linalg.svdvals", square=False)
    return Svdvals.apply(A)


@register("svd")
def _svd_fn(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: (U, S, V) with V (not V^H); some=True gives the reduced factors."""
    _check_matrix(input, "svd", square=False)
    if not compute_uv:
        s = Svdvals.apply(input)
        m, n = input.shape[-2:]
        xp = _xp(input)
        bs = tuple(input.shape[:-2])
        zu = _const(xp.zeros(bs + (m, m), dtype=input._data.dtype), input)
        zv = _const(xp.zeros(bs + (n, n), dtype=input._data.dtype), input)
        return svd_t(zu, s, zv)
    u, s, vh = Svd.apply(input, not some)
    return svd_t(u, s, _mh(vh))


# ------------------------------------------------------------------------------ eigh, eig

class Eigh(Function):
    node_name = "LinalgEighBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, uplo):
        w, v = ctx.xp.linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(w, v)
        return w.astype(a.real.dtype, copy=False), v

    @staticmethod
    def backward(ctx, gw, gv):
        # A = V diag(w) V^H:  gA = V (diag(gw) + F o skew(V^H gV)) V^H,  F_ij = 1/(w_j - w_i)
        w, v = ctx.saved_tensors
        vh = _mh(v)
        inner = _diag_embed(gw.to(v.dtype))
        if gv is not None:
            e = w.unsqueeze(-2) - w.unsqueeze(-1)
            k = w.shape[-1]
            eye = _eye_like(k, e)
            vhgv = vh @ gv
            vhgv = 0.5 * (vhgv - _mh(vhgv))  # only the skew part survives (Hermitian input)
            inner = inner + (vhgv * (1 - eye)) / (e + eye)
        return v @ inner @ vh, None


def _uplo(UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO


def _check_eigh(A, fname):
    if isinstance(A, Tensor) and not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for "
                                  f"'{_dtype.SCALAR_NAMES[A.dtype]}'")
    _check_matrix(A, fname)


def eigh(A, UPLO="L", *, out=None):
    """Eigen-decomposition of a Hermitian matrix: ascending eigenvalues and eigenvectors."""
    _check_eigh(A, "linalg.eigh")
    return linalg_eigh_t(*Eigh.apply(A, _uplo(UPLO)))


class Eigvalsh(Function):
    node_name = "LinalgEighBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, uplo):
        xp = ctx.xp
        if ctx.needs_input_grad[0]:
            w, v = xp.linalg.eigh(a, UPLO=uplo)
            ctx.save_for_backward(v)
        else:
            w = xp.linalg.eigvalsh(a, UPLO=uplo)
        return w.astype(a.real.dtype, copy=False)

    @staticmethod
    def backward(ctx, gw):
        (v,) = ctx.saved_tensors
        return (v * gw.unsqueeze(-2).to(v.dtype)) @ _mh(v), None


def eigvalsh(A, UPLO="L", *, out=None):
    """Eigenvalues of a Hermitian matrix, ascending."""
    _check_eigh(A, "linalg.eigvalsh")
    return Eigvalsh.apply(A, _uplo(UPLO))


def _complex_of(xp, x, dt):
    cdt = dt.to_complex().np_dtype
    return x.astype(cdt, copy=False)


def eig(A, *, out=None):
    """Eigenvalues and eigenvectors of a general square matrix (complex). Forward only."""
    _check_matrix(A, "linalg.eig")
    xp = _xp(A)
    w, v = xp.linalg.eig(A._data)
    return linalg_eig_t(_const(_complex_of(xp, w, A.dtype), A), _const(_complex_of(xp, v, A.dtype), A))


def eigvals(A, *, out=None):
    """Eigenvalues of a general square matrix (complex). Forward only."""
    _check_matrix(A, "linalg.eigvals")
    xp = _xp(A)
    return _const(_complex_of(xp, xp.linalg.eigvals(A._data), A.dtype), A)


# ------------------------------------------------------------------------------ pinv, lstsq, rank

def _tols(A, atol, rtol, smax):
    """Singular values above max(atol, rtol * smax) count (torch's defaults)."""
    xp = _xp(A)
    real = A._data.real.dtype
    eps = float(xp.finfo(real).eps)
    if atol is None and rtol is None:
        rtol = eps * max(A.shape[-2], A.shape[-1])
    atol = 0.0 if atol is None else atol
    rtol = 0.0 if rtol is None else rtol
    atol = atol._data[..., None] if isinstance(atol, Tensor) else atol
    rtol = rtol._data[..., None] if isinstance(rtol, Tensor) else rtol
    return xp.maximum(atol, rtol * smax)


class Pinv(Function):
    node_name = "LinalgPinvBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a, thresh_fn, hermitian):
        xp = ctx.xp
        if hermitian:
            w, v = xp.linalg.eigh(a)
            aw = xp.abs(w)
            keep = aw > thresh_fn(aw.max(-1, keepdims=True) if aw.shape[-1] else aw)
            with _np_quiet(xp):
                winv = xp.where(keep, 1 / w, 0)
            out = (v * winv[..., None, :]) @ xp.conj(v).swapaxes(-1, -2)
        else:
            u, s, vh = xp.linalg.svd(a, full_matrices=False)
            keep = s > thresh_fn(s[..., :1] if s.shape[-1] else s)
            with _np_quiet(xp):
                sinv = xp.where(keep, 1 / s, 0)
            out = (xp.conj(vh).swapaxes(-1, -2) * sinv[..., None, :]) @ \
                xp.conj(u).swapaxes(-1, -2)
        out = out.astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        # dA+ = -A+ dA A+ + A+ A+^H dA^H (I - A A+) + (I - A+ A) dA^H A+^H A+
        a, p = ctx.saved_tensors
        ph, gh = _mh(p), _mh(g)
        ga = -(ph @ g @ ph)
        ga = ga + (gh - a @ (p @ gh)) @ (p @ ph)    # (I - A A+) G^H A+ A+^H
        ga = ga + (ph @ p) @ (gh - (gh @ p) @ a)    # A+^H A+ G^H (I - A+ A)
        return ga, None, None


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Moore-Penrose pseudo-inverse (through the SVD, or eigh when hermitian)."""
    _check_matrix(A, "linalg.pinv", square=False)
    return Pinv.apply(A, lambda smax: _tols(A, atol, rtol, smax), hermitian)


@register()
def pinverse(input, rcond=1e-15):
    """Pseudo-inverse with relative cutoff rcond (torch.pinverse)."""
    return pinv(input, rtol=rcond)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None, out=None):
    """Number of singular values above max(atol, rtol * largest)."""
    _check_matrix(A, "linalg.matrix_rank", square=False)
    if tol is not None:
        atol, rtol = tol, 0.0
    xp = _xp(A)
    if hermitian:
        s = xp.abs(xp.linalg.eigvalsh(A._data))
        smax = s.max(-1, keepdims=True) if s.shape[-1] else s
    else:
        s = xp.linalg.svd(A._data, compute_uv=False)
        smax = s[..., :1] if s.shape[-1] else s
    thresh = _tols(A, atol, rtol, smax)
    return _const(xp.asarray((s > thresh).sum(-1), dtype=xp.int64), A)


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of A X = B: (solution, residuals, rank, singular_values)."""
    _check_matrix(A, "linalg.lstsq", square=False)
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, "
                           f"gelsy, gelsd, gelss)")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {A.dtype} and other's dtype {B.dtype}")
    driver = driver or "gelsy"
    vec = B.ndim == A.ndim - 1
    b = B.unsqueeze(-1) if vec else B
    if b.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    m, n = A.shape[-2:]
    xp = _xp(A)
    eps = float(xp.finfo(A._data.real.dtype).eps)
    rtol = eps * max(m, n) if rcond is None or rcond < 0 else rcond
    if driver == "gels":
        x = pinv(A, rtol=0.0) @ b
    else:
        x = pinv(A, rtol=rtol) @ b
    real = A._data.real.dtype
    empty = _const(xp.zeros((0,), dtype=real), A)
    rank = empty.to(_dtype.int64) if driver == "gels" else matrix_rank(A, rtol=rtol)
    svals = empty
    if driver in ("gelsd", "gelss"):
        svals = _const(xp.linalg.svd(A._data, compute_uv=False).astype(real), A)
    resid = empty
    if m > n and driver != "gelsy":
        full = bool(xp.all(matrix_rank(A)._data == n))
        if full:
            r = A @ x - b
            rr = (_real(r) ** 2 + (_imag(r) ** 2 if r.dtype.is_complex else 0)).sum(-2)
            resid = rr.squeeze(-1) if vec else rr
    return linalg_lstsq_t(x.squeeze(-1) if vec else x, resid, rank, svals)


def _imag(x):
    from ember._ops import complex_ops

    return complex_ops.imag(x)


# ------------------------------------------------------------------------------ powers, exp

def matrix_power(A, n, *, out=None):
    """A to the integer power n (n < 0 inverts first)."""
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but "
                           f"they are {A.shape[-2] if A.ndim > 1 else A.shape[-1]} by "
                           f"{A.shape[-1]} matrices" if A.ndim >= 2 else
                           "linalg.matrix_power: The input tensor A must have at least 2 "
                           "dimensions.")
    if not isinstance(n, int):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:
        return A * 0 + _eye_like(A.shape[-1], A)
    if n < 0:
        _check_float(A, "linalg.inv")
        A, n = inv(A), -n
    result = None
    base = A
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


register("matrix_power")(lambda input, n: matrix_power(input, n))

_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
           129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
           40840800., 960960., 16380., 182., 1.)
_THETA13 = 5.371920351148152


def _expm(xp, a):
    """Matrix exponential: scaling and squaring with the degree-13 Pade approximant."""
    dt = a.dtype
    a = a.astype(xp.complex128 if dt.kind == "c" else xp.float64)
    n = a.shape[-1]
    norm = xp.abs(a).sum(-2).max(-1)
    with _np_quiet(xp):
        s = xp.maximum(0, xp.ceil(xp.log2(norm / _THETA13))).astype(int)
    s = xp.where(xp.isfinite(norm), s, 0)
    a = a / (2.0 ** s)[..., None, None]
    eye = xp.eye(n, dtype=a.dtype)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    b = _PADE13
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2
             + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 \
        + b[0] * eye
    r = xp.linalg.solve(v - u, v + u)
    smax = int(s.max()) if s.size else 0
    for i in range(smax):
        sq = r @ r
        r = xp.where((s > i)[..., None, None], sq, r)
    return r.astype(dt, copy=False)


class MatrixExp(Function):
    node_name = "LinalgMatrixExpBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _expm(ctx.xp, a)

    @staticmethod
    def backward(ctx, g):
        # the Frechet derivative's adjoint: upper-right block of exp([[A^H, G], [0, A^H]])
        from ember._ops import joining

        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        ah = _mh(a)
        zero = ah * 0
        big = joining.cat([joining.cat([ah, g], -1), joining.cat([zero, ah], -1)], -2)
        return matrix_exp(big)[..., :n, n:]


def matrix_exp(A):
    """Matrix exponential of a square matrix (or batch)."""
    _check_matrix(A, "linalg.matrix_exp")
    return MatrixExp.apply(A)


register("matrix_exp")(lambda input: matrix_exp(input))
