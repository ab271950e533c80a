"""Matrix functions: inv, det, slogdet, solve, pinv, lstsq, matrix_rank, matrix_power,
matrix_exp. The factorizations (cholesky, qr, svd, eigh, eig, triangular solves) live in
factorizations and are re-exported here.

Forwards run on ``xp.linalg`` (LAPACK through NumPy / cuSOLVER through CuPy). Backwards are
written with ember ops (so they are differentiable again) from the standard matrix-calculus
results; the formula of each sits in its Function.
"""

from ember import _dtype
from ember import _tensor
from ember._ops._linalg_util import _check_float
from ember._ops._linalg_util import _check_matrix
from ember._ops._linalg_util import _cj
from ember._ops._linalg_util import _const
from ember._ops._linalg_util import _eye_like
from ember._ops._linalg_util import _inv_error
from ember._ops._linalg_util import linalg_inv_ex_t
from ember._ops._linalg_util import linalg_lstsq_t
from ember._ops._linalg_util import linalg_slogdet_t
from ember._ops._linalg_util import linalg_solve_ex_t
from ember._ops._linalg_util import LinAlgError
from ember._ops._linalg_util import _mh
from ember._ops._linalg_util import _real
from ember._ops._linalg_util import _singular_info
from ember._ops._linalg_util import slogdet_t
from ember._ops._linalg_util import _xp
from ember._ops._registry import register
from ember._ops._util import broadcast_shapes
from ember.autograd.function import Function

Tensor = _tensor.Tensor


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


# the factorizations, registered with this module and reachable through it
from ember._ops.factorizations import cholesky  # noqa: E402,F401
from ember._ops.factorizations import cholesky_ex  # noqa: E402,F401
from ember._ops.factorizations import cholesky_inverse  # noqa: E402,F401
from ember._ops.factorizations import cholesky_solve  # noqa: E402,F401
from ember._ops.factorizations import eig  # noqa: E402,F401
from ember._ops.factorizations import eigh  # noqa: E402,F401
from ember._ops.factorizations import eigvals  # noqa: E402,F401
from ember._ops.factorizations import eigvalsh  # noqa: E402,F401
from ember._ops.factorizations import qr  # noqa: E402,F401
from ember._ops.factorizations import solve_triangular  # noqa: E402,F401
from ember._ops.factorizations import svd  # noqa: E402,F401
from ember._ops.factorizations import svdvals  # noqa: E402,F401
from ember._ops.factorizations import triangular_solve  # noqa: E402,F401
