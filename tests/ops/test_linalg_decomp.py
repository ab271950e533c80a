"""Oracle tests for ember.linalg matrix functions and decompositions."""

import numpy as np
import pytest
import torch

import ember
from tests._gradcheck import gradcheck
from tests._oracle import assert_close
from tests.ops._linalg_util import check
from tests.ops._linalg_util import randn
from tests.ops._linalg_util import spd
from tests.ops._linalg_util import well_conditioned

L = ember.linalg
TL = torch.linalg
F = [np.float32, np.float64]
TOL32 = dict(rtol=1e-4, atol=1e-4)


def _tol(dtype):
    return TOL32 if dtype in (np.float32, np.complex64) else {}


def _g(rng, *shape):
    return ember.tensor(well_conditioned(rng, *shape), requires_grad=True)


@pytest.mark.parametrize("dtype", F + [np.complex128])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (2, 1, 3, 3), (64, 64)])
def test_inv_det_slogdet(shape, dtype, rng):
    a = well_conditioned(rng, *shape, dtype=dtype)
    tol = dict(rtol=2e-3, atol=2e-3) if dtype == np.float32 and shape[-1] == 64 else _tol(dtype)
    check(L.inv, TL.inv, [a], **tol)
    check(ember.inverse, torch.inverse, [a], **tol)
    dt = dict(rtol=1e-3, atol=1e-3) if shape[-1] == 64 else tol
    if shape[-1] < 64:
        check(L.det, TL.det, [a], **dt)
        check(ember.det, torch.det, [a], **dt)
    check(L.slogdet, TL.slogdet, [a], **dt)
    if dtype != np.complex128:
        check(ember.logdet, torch.logdet, [a], **dt)


def test_inv_det_noncontiguous_and_ex(rng):
    a = well_conditioned(rng, 4, 4).T
    check(L.inv, TL.inv, [np.asarray(a)])
    e, t = check(lambda x: L.inv_ex(x), lambda x: TL.inv_ex(x), [a])
    assert type(e).__name__ == "linalg_inv_ex" and e.info.dtype == ember.int32
    sing = np.ones((2, 3, 3))
    sing[1] = np.eye(3)
    res = L.inv_ex(ember.tensor(sing))
    assert res.info.tolist() == TL.inv_ex(torch.from_numpy(sing)).info.tolist()


def test_singular_errors():
    for shape in [(3, 3), (2, 3, 3)]:
        a = np.ones(shape)
        with pytest.raises(torch.linalg.LinAlgError) as te:
            TL.inv(torch.from_numpy(a))
        with pytest.raises(L.LinAlgError) as ee:
            L.inv(ember.tensor(a))
        assert str(ee.value) == str(te.value)
        assert isinstance(ee.value, RuntimeError)
    with pytest.raises(L.LinAlgError, match="singular"):
        L.solve(ember.ones(3, 3), ember.ones(3))
    for a in [-np.eye(3), np.diag([1.0, -1, 1])]:
        with pytest.raises(torch.linalg.LinAlgError) as te:
            TL.cholesky(torch.from_numpy(a))
        with pytest.raises(L.LinAlgError) as ee:
            L.cholesky(ember.tensor(a))
        assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("fn", ["inv", "det", "slogdet", "cholesky", "eigh", "qr", "svd"])
def test_input_errors(fn):
    ins = [ember.ones(3, 3, dtype=ember.int64), ember.ones(3), ember.ones(2, 3)]
    tins = [torch.ones(3, 3, dtype=torch.int64), torch.ones(3), torch.ones(2, 3)]
    for e, t in zip(ins, tins):
        try:
            getattr(TL, fn)(t)
        except (RuntimeError, NotImplementedError) as te:
            with pytest.raises(type(te)) as ee:
                getattr(L, fn)(e)
            assert str(ee.value) == str(te)
    with pytest.raises(RuntimeError, match="Low precision"):
        getattr(L, fn)(ember.ones(3, 3, dtype=ember.float16))


def test_det_singular_grad():
    # torch's first-order det gradient is 0 at singular matrices; its create_graph path (and
    # ember's) gives the adjugate, the true derivative.
    b = np.zeros((3, 3))
    b[0, 0] = 1.0
    for a in [np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, 1.0, 2.0]]), b]:
        t = torch.tensor(a, requires_grad=True)
        (gt,) = torch.autograd.grad(TL.det(t), t, create_graph=True)
        e = ember.tensor(a, requires_grad=True)
        L.det(e).backward()
        assert_close(e.grad, gt)


def test_inv_det_gradcheck(rng):
    gradcheck(L.inv, [_g(rng, 3, 3)], second_order=True)
    gradcheck(L.det, [_g(rng, 2, 3, 3)], second_order=True)
    gradcheck(lambda a: L.slogdet(a)[1], [_g(rng, 3, 3)], second_order=True)


@pytest.mark.parametrize("dtype", F)
@pytest.mark.parametrize("sa,sb", [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3)),
                                   ((2, 3, 3), (3, 4)), ((2, 1, 3, 3), (4, 3, 2)),
                                   ((128, 128), (128, 3))])
def test_solve(sa, sb, dtype, rng):
    a = well_conditioned(rng, *sa, dtype=dtype)
    b = randn(rng, *sb, dtype=dtype)
    tol = dict(rtol=1e-3, atol=1e-3) if dtype == np.float32 else {}
    check(L.solve, TL.solve, [a, b], **tol)


def test_solve_left_false_ex_and_errors(rng):
    a, b = well_conditioned(rng, 3, 3), randn(rng, 2, 3)
    check(lambda x, y: L.solve(x, y, left=False), lambda x, y: TL.solve(x, y, left=False), [a, b])
    check(lambda x, y: L.solve_ex(x, y)[0], lambda x, y: TL.solve_ex(x, y)[0], [a, b.T.copy()])
    with pytest.raises(RuntimeError) as te:
        TL.solve(torch.eye(3), torch.ones(4))
    with pytest.raises(RuntimeError) as ee:
        L.solve(ember.eye(3), ember.ones(4))
    assert str(ee.value) == str(te.value)
    gradcheck(L.solve, [_g(rng, 3, 3), ember.tensor(randn(rng, 3, 2), requires_grad=True)],
              second_order=True)


@pytest.mark.parametrize("dtype", F + [np.complex128])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (32, 32)])
def test_cholesky(shape, dtype, rng):
    a = spd(rng, *shape, dtype=dtype)
    tol = dict(rtol=1e-3, atol=1e-3) if dtype == np.float32 else {}
    check(L.cholesky, TL.cholesky, [a], **tol)
    check(lambda x: L.cholesky(x, upper=True), lambda x: TL.cholesky(x, upper=True), [a], **tol)
    check(ember.cholesky, torch.cholesky, [a], grad=False, **tol)


def test_cholesky_family(rng):
    a = spd(rng, 4, 4)
    b = randn(rng, 4, 2)
    low = np.linalg.cholesky(a)
    check(ember.cholesky_solve, torch.cholesky_solve, [b, low])
    check(lambda x, y: ember.cholesky_solve(x, y, upper=True),
          lambda x, y: torch.cholesky_solve(x, y, upper=True), [b, low.T.copy()])
    check(ember.cholesky_inverse, torch.cholesky_inverse, [low])
    e, t = check(L.cholesky_ex, TL.cholesky_ex, [a])
    assert e.info.dtype == ember.int32
    bad = -np.eye(3)
    assert L.cholesky_ex(ember.tensor(bad)).info.item() == TL.cholesky_ex(torch.from_numpy(bad)).info.item()
    x = ember.tensor(randn(rng, 4, 4), requires_grad=True)
    gradcheck(lambda x: L.cholesky(x @ x.mT + 4 * ember.eye(4, dtype=ember.float64)), [x],
              second_order=True)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_solve_triangular(upper, left, unit, rng):
    a = well_conditioned(rng, 2, 4, 4)
    b = randn(rng, 2, 4, 3) if left else randn(rng, 2, 3, 4)
    kw = dict(upper=upper, left=left, unitriangular=unit)
    check(lambda x, y: L.solve_triangular(x, y, **kw), lambda x, y: TL.solve_triangular(x, y, **kw),
          [a, b])
    if left:
        kw2 = dict(upper=upper, transpose=not unit, unitriangular=unit)
        check(lambda x, y: ember.triangular_solve(y, x, **kw2),
              lambda x, y: torch.triangular_solve(y, x, **kw2), [a, b])


def test_solve_triangular_singular_gives_inf_nan():
    e = L.solve_triangular(ember.zeros(2, 2), ember.ones(2, 1), upper=True)
    t = TL.solve_triangular(torch.zeros(2, 2), torch.ones(2, 1), upper=True)
    assert_close(e, t)


@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
@pytest.mark.parametrize("shape", [(5, 3), (3, 3), (3, 5), (2, 4, 3)])
def test_qr(shape, mode, rng):
    a = randn(rng, *shape)
    grad = mode == "reduced" or (mode == "complete" and shape[-2] <= shape[-1])
    check(lambda x: L.qr(x, mode=mode), lambda x: TL.qr(x, mode=mode), [a], grad=grad)


def test_qr_grads_and_errors(rng):
    for shape in [(5, 3), (3, 5), (4, 4)]:
        gradcheck(lambda x: L.qr(x)[0] @ ember.ones(x.shape[-1] if x.shape[-2] >= x.shape[-1]
                                                    else x.shape[-2], 2, dtype=ember.float64)
                  + L.qr(x)[1].sum(), [ember.tensor(randn(rng, *shape), requires_grad=True)])
    e, t = check(lambda x: ember.qr(x), lambda x: torch.qr(x), [randn(rng, 4, 3)])
    assert type(e).__name__ == "qr"
    q, r = L.qr(ember.tensor(randn(rng, 3, 3), requires_grad=True), mode="r")
    with pytest.raises(RuntimeError, match="mode='r'"):
        r.sum().backward()
    with pytest.raises(RuntimeError, match="unrecognized mode"):
        L.qr(ember.ones(2, 2), mode="full")


def _gauge_free_svd(lib, fn):
    def f(x):
        u, s, vh = fn(x)
        k = s.shape[-1]
        u, vh = u[..., :, :k], vh[..., :k, :]
        return (u * s.unsqueeze(-2)) @ vh, s, u @ u.mT.conj() if u.is_complex() else u @ u.mT
    return f


@pytest.mark.parametrize("dtype", F + [np.complex128])
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3), (2, 5, 3)])
@pytest.mark.parametrize("full", [True, False])
def test_svd(shape, dtype, full, rng):
    a = randn(rng, *shape, dtype=dtype)
    tol = dict(rtol=1e-3, atol=1e-3) if dtype == np.float32 else dict(rtol=1e-7, atol=1e-7)
    check(_gauge_free_svd(ember, lambda x: L.svd(x, full_matrices=full)),
          _gauge_free_svd(torch, lambda x: TL.svd(x, full_matrices=full)), [a], **tol)
    check(L.svdvals, TL.svdvals, [a], **tol)
    e = L.svd(ember.tensor(a), full_matrices=full)
    t = TL.svd(torch.from_numpy(a), full_matrices=full)
    assert type(e).__name__ == "linalg_svd"
    assert [tuple(x.shape) for x in e] == [tuple(x.shape) for x in t]
    assert [x.dtype for x in e] == [x.dtype for x in ember.linalg.svd(ember.tensor(a))]


def test_torch_svd_and_gradcheck(rng):
    a = randn(rng, 4, 3)
    e = ember.svd(ember.tensor(a))
    t = torch.svd(torch.from_numpy(a))
    assert_close(abs(e.U), abs(t.U))
    assert_close(abs(e.V), abs(t.V))
    assert_close(e.S, t.S)
    e = ember.svd(ember.tensor(a), compute_uv=False)
    t = torch.svd(torch.from_numpy(a), compute_uv=False)
    assert_close(e.U, t.U)
    assert_close(e.S, t.S)
    for shape in [(4, 3), (3, 4)]:
        x = ember.tensor(randn(rng, *shape), requires_grad=True)
        gradcheck(lambda x: _gauge_free_svd(ember, lambda y: L.svd(y, full_matrices=False))(x), [x])
        gradcheck(L.svdvals, [x])


@pytest.mark.parametrize("dtype", F + [np.complex128])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(dtype, uplo, rng):
    a = spd(rng, 2, 4, 4, dtype=dtype)
    tol = dict(rtol=1e-3, atol=1e-3) if dtype == np.float32 else {}

    def free(fn):
        def f(x):
            w, v = fn(x, UPLO=uplo)
            vh = v.mT.conj() if v.is_complex() else v.mT
            return w, (v * w.unsqueeze(-2).to(v.dtype)) @ vh, v * v.conj() if v.is_complex() else v * v
        return f
    check(free(L.eigh), free(TL.eigh), [a], **tol)
    check(lambda x: L.eigvalsh(x, UPLO=uplo), lambda x: TL.eigvalsh(x, UPLO=uplo), [a], **tol)
    x = ember.tensor(randn(rng, 4, 4), requires_grad=True)
    gradcheck(lambda x: free(L.eigh)(x + x.mT), [x])


def test_eig_forward(rng):
    a = randn(rng, 4, 4)
    ew, ev = L.eig(ember.tensor(a))
    tw, tv = TL.eig(torch.from_numpy(a))
    assert ew.dtype == ember.complex128 and ev.dtype == ember.complex128
    order_e = np.lexsort((ew.numpy().imag, ew.numpy().real))
    order_t = np.lexsort((tw.numpy().imag, tw.numpy().real))
    np.testing.assert_allclose(ew.numpy()[order_e], tw.numpy()[order_t], rtol=1e-10)
    np.testing.assert_allclose(np.abs(ev.numpy()[:, order_e]), np.abs(tv.numpy()[:, order_t]),
                               rtol=1e-8, atol=1e-10)
    w = L.eigvals(ember.tensor(a.astype(np.float32)))
    assert w.dtype == ember.complex64


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_pinv_lstsq_rank(shape, rng):
    a = randn(rng, *shape)
    check(L.pinv, TL.pinv, [a])
    check(ember.pinverse, torch.pinverse, [a])
    h = spd(rng, 3, 3)
    check(lambda x: L.pinv(x, hermitian=True), lambda x: TL.pinv(x, hermitian=True), [h])
    assert_close(L.matrix_rank(ember.tensor(a)), TL.matrix_rank(torch.from_numpy(a)))
    low = np.ones((4, 4))
    assert_close(L.matrix_rank(ember.tensor(low)), TL.matrix_rank(torch.from_numpy(low)))
    assert_close(L.matrix_rank(ember.tensor(low), hermitian=True),
                 TL.matrix_rank(torch.from_numpy(low), hermitian=True))
    b = randn(rng, *shape[:-1], 2)
    for driver in [None, "gelsd"]:
        e = L.lstsq(ember.tensor(a), ember.tensor(b), driver=driver)
        t = TL.lstsq(torch.from_numpy(a), torch.from_numpy(b), driver=driver)
        assert type(e).__name__ == "linalg_lstsq"
        for x, y in zip(e, t):
            assert_close(x, y)
    check(lambda x, y: L.lstsq(x, y).solution, lambda x, y: TL.lstsq(x, y).solution,
          [randn(rng, 5, 3), randn(rng, 5, 2)])
    gradcheck(L.pinv, [ember.tensor(randn(rng, 4, 3), requires_grad=True)], second_order=True)


def test_matrix_power_exp(rng):
    a = randn(rng, 2, 3, 3) / 2
    for n in [0, 1, 2, 5, -1, -3]:
        m = a + 3 * np.eye(3) if n < 0 else a
        check(lambda x: L.matrix_power(x, n), lambda x: TL.matrix_power(x, n), [m])
    check(lambda x: ember.matrix_power(x, 3), lambda x: torch.matrix_power(x, 3), [a])
    for scale in [0.1, 1.0, 20.0]:
        check(L.matrix_exp, TL.matrix_exp, [a * scale], rtol=1e-9, atol=1e-9)
    check(L.matrix_exp, TL.matrix_exp, [(a * 3).astype(np.float32)], rtol=1e-4, atol=1e-4)
    check(ember.matrix_exp, torch.matrix_exp, [randn(rng, 3, 3, dtype=np.complex128)])
    gradcheck(L.matrix_exp, [ember.tensor(randn(rng, 3, 3), requires_grad=True)])
    nilp = np.array([[0.0, 1.0], [0.0, 0.0]])
    check(L.matrix_exp, TL.matrix_exp, [nilp])


def test_namespace_extras(rng):
    a = well_conditioned(rng, 4, 4)
    check(L.cond, TL.cond, [a], grad=False)
    t = randn(rng, 2, 3, 6)
    check(lambda x: L.tensorinv(x.reshape(6, 2, 3), ind=1),
          lambda x: TL.tensorinv(x.reshape(6, 2, 3), ind=1), [well_conditioned(rng, 6, 6)])
    assert L.vander(ember.tensor([1.0, 2.0, 3.0])).tolist() == \
        TL.vander(torch.tensor([1.0, 2.0, 3.0])).tolist()
    assert t.shape == (2, 3, 6)


def test_norms_reexported(rng):
    from ember._ops import reduction

    for name, own in [("vector_norm", "vector_norm"), ("matrix_norm", "matrix_norm"),
                      ("norm", "linalg_norm")]:
        if hasattr(reduction, own):
            assert getattr(L, name) is getattr(reduction, own)
    a = randn(rng, 3, 4)
    check(L.norm, TL.norm, [a])
    check(lambda x: L.matrix_norm(x, "nuc"), lambda x: TL.matrix_norm(x, "nuc"), [a])
    check(lambda x: L.vector_norm(x, 3, 1), lambda x: TL.vector_norm(x, 3, 1), [a])
    check(lambda x: L.cond(x, "fro"), lambda x: TL.cond(x, "fro"), [well_conditioned(rng, 3, 3)],
          grad=False)
