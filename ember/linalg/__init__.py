"""ember.linalg: linear algebra (torch.linalg)."""

from ember._ops import decompositions as _dec
from ember._ops import linalg as _prod
from ember._ops import misc as _misc
from ember._ops.decompositions import LinAlgError
from ember._ops.decompositions import cholesky
from ember._ops.decompositions import cholesky_ex
from ember._ops.decompositions import det
from ember._ops.decompositions import eig
from ember._ops.decompositions import eigh
from ember._ops.decompositions import eigvals
from ember._ops.decompositions import eigvalsh
from ember._ops.decompositions import inv
from ember._ops.decompositions import inv_ex
from ember._ops.decompositions import lstsq
from ember._ops.decompositions import matrix_exp
from ember._ops.decompositions import matrix_power
from ember._ops.decompositions import matrix_rank
from ember._ops.decompositions import pinv
from ember._ops.decompositions import qr
from ember._ops.decompositions import slogdet
from ember._ops.decompositions import solve
from ember._ops.decompositions import solve_ex
from ember._ops.decompositions import solve_triangular
from ember._ops.decompositions import svd
from ember._ops.decompositions import svdvals
from ember._ops.linalg import linalg_cross as cross
from ember._ops.linalg import multi_dot
from ember._ops.linalg import vecdot
from ember._ops.linalg import matmul
from ember._ops.misc import _vector_norm

__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh",
    "eigvals", "eigvalsh", "inv", "inv_ex", "lstsq", "matmul", "matrix_exp", "matrix_norm",
    "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve",
    "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander",
    "vecdot", "vector_norm",
]


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonals of a batch of matrices (a view)."""
    return A.diagonal(offset=offset, dim1=dim1, dim2=dim2)


def vander(x, *, N=None):
    """Vandermonde matrix with increasing powers along the last dim (batched x)."""
    n = x.shape[-1] if N is None else N
    if n <= 1 and N is not None and N < 1:
        raise RuntimeError("N must be greater than 1.")
    cols = [x * 0 + 1]
    for _ in range(n - 1):
        cols.append(cols[-1] * x)
    from ember._ops import joining

    return joining.stack(cols, -1)


def tensorinv(A, ind=2, *, out=None):
    """The tensor B with tensordot(B, A, ind) the identity."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    out_shape = tuple(A.shape[ind:]) + tuple(A.shape[:ind])
    rows = 1
    for s in A.shape[:ind]:
        rows *= s
    return inv(A.reshape(rows, -1)).reshape(*out_shape)


def tensorsolve(A, B, dims=None, *, out=None):
    """X with tensordot(A, X, X.ndim) = B."""
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        rest = [d for d in range(A.ndim) if d not in dims]
        A = A.permute(*rest, *dims)
    n = 1
    for s in B.shape:
        n *= s
    x_shape = tuple(A.shape[B.ndim:])
    return solve(A.reshape(n, -1), B.reshape(n)).reshape(*x_shape)


def cond(A, p=None, *, out=None):
    """Condition number of A in the norm p (default: the 2-norm, via singular values)."""
    if p is None or p == 2 or p == -2:
        s = svdvals(A)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


def _own_matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return _vector_norm(A, 2, dim, keepdim)
    if ord == "nuc" or ord in (2, -2):
        d0, d1 = (d % A.ndim for d in dim)
        rest = [d for d in range(A.ndim) if d not in (d0, d1)]
        s = svdvals(A.permute(*rest, d0, d1))
        if ord == "nuc":
            r = s.sum(-1)
        elif ord == 2:
            r = s[..., 0]
        else:
            r = s[..., -1]
        if keepdim:
            for d in sorted((d0, d1)):
                r = r.unsqueeze(d)
        return r
    if ord in (1, -1, float("inf"), float("-inf")):
        d0, d1 = (d % A.ndim for d in dim)
        sum_dim, red_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
        absa = _misc._abs(A) if not A.dtype.is_complex else _vector_norm(A.unsqueeze(-1), 2, -1)
        sums = absa.sum(sum_dim, keepdim=True)
        pick = sums.amax if ord in (1, float("inf")) else sums.amin
        r = pick(red_dim, keepdim=True)
        if not keepdim:
            r = r.squeeze(max(d0, d1)).squeeze(min(d0, d1))
        return r
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def _own_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        if dim is None:
            return _vector_norm(A.reshape(-1) if A.ndim else A, 2, None, keepdim, dtype=dtype) \
                if not keepdim else _vector_norm(A, 2, None, keepdim, dtype=dtype)
        return _vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if A.ndim == 1:
            return _vector_norm(A, ord, None, keepdim, dtype=dtype)
        if A.ndim == 2:
            return _own_matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.ndim}D.")
    if len(dim) == 1:
        return _vector_norm(A, ord, dim, keepdim, dtype=dtype)
    return _own_matrix_norm(A, ord, dim, keepdim, dtype=dtype)


def _pick(name, fallback):
    """Another family's implementation when it exists, else ours."""
    from ember._ops import reduction

    return getattr(reduction, name, None) or fallback


vector_norm = _pick("vector_norm", _vector_norm)
matrix_norm = _pick("matrix_norm", _own_matrix_norm)
norm = _pick("linalg_norm", _own_norm)
