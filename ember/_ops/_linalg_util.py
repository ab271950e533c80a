"""Shared parts of the linear-algebra ops: LinAlgError, torch's return types, argument checks
and small differentiable matrix helpers."""

from ember import _dtype
from ember import _tensor

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
