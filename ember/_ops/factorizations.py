"""Triangular solves and factorizations: solve_triangular, cholesky (+ cholesky_solve,
cholesky_inverse), qr, svd, svdvals, eigh, eigvalsh, eig, eigvals. Forwards run on ``xp.linalg``;
backwards are ember ops (differentiable again), each formula in its Function."""

from ember import _dtype
from ember import _tensor
from ember._ops._linalg_util import _batch_prefix
from ember._ops._linalg_util import _check_matrix
from ember._ops._linalg_util import _const
from ember._ops._linalg_util import _diag_embed
from ember._ops._linalg_util import _diagonal
from ember._ops._linalg_util import _eye_like
from ember._ops._linalg_util import _host
from ember._ops._linalg_util import linalg_cholesky_ex_t
from ember._ops._linalg_util import linalg_eig_t
from ember._ops._linalg_util import linalg_eigh_t
from ember._ops._linalg_util import linalg_qr_t
from ember._ops._linalg_util import linalg_svd_t
from ember._ops._linalg_util import LinAlgError
from ember._ops._linalg_util import _mh
from ember._ops._linalg_util import qr_t
from ember._ops._linalg_util import _real
from ember._ops._linalg_util import svd_t
from ember._ops._linalg_util import triangular_solve_t
from ember._ops._linalg_util import _tril
from ember._ops._linalg_util import _triu
from ember._ops._linalg_util import _xp
from ember._ops._registry import register
from ember._ops._util import broadcast_shapes
from ember.autograd.function import Function
from ember.autograd.grad_mode import _GradState

Tensor = _tensor.Tensor


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
            ctx.save_for_backward(u, vh, a)
        else:
            s = xp.linalg.svd(a, compute_uv=False)
        return s.astype(a.real.dtype, copy=False)

    @staticmethod
    def backward(ctx, gs):
        u, vh, a = ctx.saved_tensors
        if _GradState.enabled:  # create_graph: U, Vh as outputs of a differentiable svd
            u, _, vh = Svd.apply(a, False)
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
            ctx.uplo = uplo
            ctx.save_for_backward(v, a)
        else:
            w = xp.linalg.eigvalsh(a, UPLO=uplo)
        return w.astype(a.real.dtype, copy=False)

    @staticmethod
    def backward(ctx, gw):
        v, a = ctx.saved_tensors
        if _GradState.enabled:  # create_graph: V as an output of a differentiable eigh
            _, v = Eigh.apply(a, ctx.uplo)
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
    return linalg_eig_t(_const(_complex_of(xp, w, A.dtype), A),
                        _const(_complex_of(xp, v, A.dtype), A))


def eigvals(A, *, out=None):
    """Eigenvalues of a general square matrix (complex). Forward only."""
    _check_matrix(A, "linalg.eigvals")
    xp = _xp(A)
    return _const(_complex_of(xp, xp.linalg.eigvals(A._data), A.dtype), A)
