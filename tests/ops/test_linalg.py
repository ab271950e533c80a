"""Oracle tests for the products: matmul family, add* family, einsum, tensordot, kron, ..."""

import numpy as np
import pytest
import torch

import ember
from tests._gradcheck import gradcheck
from tests.ops._linalg_util import check
from tests.ops._linalg_util import randn

F = [np.float32, np.float64]


def _r(shape, dtype=np.float64, seed=0):
    return randn(np.random.default_rng(seed + len(shape) * 7 + sum(shape)), *shape, dtype=dtype)


@pytest.mark.parametrize("dtype", F + [np.int64])
@pytest.mark.parametrize("sa,sb", [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
    ((3,), (5, 3, 4)), ((5, 2, 3), (3,)), ((5, 2, 3), (5, 3, 4)), ((2, 1, 2, 3), (4, 3, 2)),
    ((128, 128), (128, 128)), ((0, 3), (3, 2)),
])
def test_matmul_cases(sa, sb, dtype):
    a = _r(sa, dtype) if dtype != np.int64 else np.random.default_rng(1).integers(-5, 5, sa)
    b = _r(sb, dtype, 1) if dtype != np.int64 else np.random.default_rng(2).integers(-5, 5, sb)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else {}
    check(lambda x, y: x @ y, lambda x, y: x @ y, [a, b], **tol)
    check(ember.matmul, torch.matmul, [a, b], grad=False, **tol)


def test_matmul_noncontiguous():
    a = _r((6, 8))[::2, ::2]
    b = _r((4, 6)).T[:4]
    check(ember.matmul, torch.matmul, [np.asarray(a), np.asarray(b)])
    ea = ember.tensor(_r((4, 3))).t()
    ta = torch.from_numpy(_r((4, 3))).t()
    np.testing.assert_allclose((ea @ ea.t()).numpy(), (ta @ ta.t()).numpy())


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (4,)),
                                   ((2, 2, 3), (2, 4, 5)), ((2, 3, 4), (3, 4, 5)), ((), (3,))])
def test_matmul_errors(sa, sb):
    a, b = _r(sa), _r(sb)
    with pytest.raises(RuntimeError) as te:
        torch.matmul(torch.from_numpy(a), torch.from_numpy(b))
    with pytest.raises(RuntimeError) as ee:
        ember.matmul(ember.tensor(a), ember.tensor(b))
    assert str(ee.value) == str(te.value)


def test_mm_bmm_mv_dot_vdot():
    check(ember.mm, torch.mm, [_r((3, 4)), _r((4, 2))])
    check(ember.bmm, torch.bmm, [_r((2, 3, 4)), _r((2, 4, 5))])
    check(ember.mv, torch.mv, [_r((3, 4)), _r((4,))])
    check(ember.dot, torch.dot, [_r((4,)), _r((4,), seed=1)])
    check(ember.vdot, torch.vdot, [_r((4,)), _r((4,), seed=1)])
    c1, c2 = _r((4,), np.complex128), _r((4,), np.complex128, 1)
    check(ember.vdot, torch.vdot, [c1, c2])
    check(ember.dot, torch.dot, [c1, c2])
    assert ember.mm(ember.ones(2, 2), ember.ones(2, 2)).grad_fn is None
    for fe, ft, args in [(ember.mm, torch.mm, [(2, 3), (4, 5)]),
                         (ember.mm, torch.mm, [(2, 3, 1), (3, 5)]),
                         (ember.bmm, torch.bmm, [(2, 3, 4), (3, 4, 5)]),
                         (ember.dot, torch.dot, [(3,), (4,)])]:
        a, b = _r(args[0]), _r(args[1])
        with pytest.raises(RuntimeError):
            ft(torch.from_numpy(a), torch.from_numpy(b))
        with pytest.raises(RuntimeError):
            fe(ember.tensor(a), ember.tensor(b))


def test_matmul_dtype_mismatch_and_bool():
    with pytest.raises(RuntimeError, match="same dtype"):
        ember.ones(2, 2) @ ember.ones(2, 2, dtype=ember.float64)
    with pytest.raises(TypeError):
        ember.matmul(ember.ones(2, 2), 3)


@pytest.mark.parametrize("dtype", F)
@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, 1)])
def test_addmm_family(dtype, beta, alpha):
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else {}
    kw = dict(beta=beta, alpha=alpha)
    for c_shape in [(3, 5), (5,), (1, 5), ()]:
        check(lambda c, a, b: ember.addmm(c, a, b, **kw), lambda c, a, b: torch.addmm(c, a, b, **kw),
              [_r(c_shape, dtype), _r((3, 4), dtype), _r((4, 5), dtype)], **tol)
    check(lambda c, a, b: ember.baddbmm(c, a, b, **kw), lambda c, a, b: torch.baddbmm(c, a, b, **kw),
          [_r((2, 3, 5), dtype), _r((2, 3, 4), dtype), _r((2, 4, 5), dtype)], **tol)
    check(lambda c, a, b: ember.baddbmm(c, a, b, **kw), lambda c, a, b: torch.baddbmm(c, a, b, **kw),
          [_r((3, 1), dtype), _r((2, 3, 4), dtype), _r((2, 4, 5), dtype)], **tol)
    check(lambda c, a, b: ember.addbmm(c, a, b, **kw), lambda c, a, b: torch.addbmm(c, a, b, **kw),
          [_r((3, 5), dtype), _r((2, 3, 4), dtype), _r((2, 4, 5), dtype)], **tol)
    check(lambda c, a, b: ember.addmv(c, a, b, **kw), lambda c, a, b: torch.addmv(c, a, b, **kw),
          [_r((3,), dtype), _r((3, 4), dtype), _r((4,), dtype)], **tol)
    check(lambda c, a, b: ember.addr(c, a, b, **kw), lambda c, a, b: torch.addr(c, a, b, **kw),
          [_r((3, 4), dtype), _r((3,), dtype), _r((4,), dtype)], **tol)


def test_addmm_beta_zero_ignores_nan_and_int():
    c = np.full((2, 2), np.nan)
    check(lambda c, a, b: ember.addmm(c, a, b, beta=0), lambda c, a, b: torch.addmm(c, a, b, beta=0),
          [c, _r((2, 3)), _r((3, 2))])
    ints = [np.arange(4).reshape(2, 2), np.arange(6).reshape(2, 3), np.arange(6).reshape(3, 2)]
    check(lambda c, a, b: ember.addmm(c, a, b, alpha=2), lambda c, a, b: torch.addmm(c, a, b, alpha=2),
          ints, grad=False)


def test_addmm_method_inplace_and_errors():
    c = ember.zeros(2, 2)
    c.addmm_(ember.ones(2, 3), ember.ones(3, 2))
    assert c.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert ember.ones(2, 2).addmm(ember.ones(2, 3), ember.ones(3, 2)).shape == (2, 2)
    cases = [((3,), (2, 3), (3, 4)), ((2, 4), (2, 3), (4, 4)), ((2, 4), (2, 3, 1), (3, 4))]
    for c, a, b in cases:
        with pytest.raises(RuntimeError) as te:
            torch.addmm(torch.ones(c), torch.ones(a), torch.ones(b))
        with pytest.raises(RuntimeError) as ee:
            ember.addmm(ember.ones(c), ember.ones(a), ember.ones(b))
        if len(a) == 2:
            assert str(ee.value) == str(te.value)
    with pytest.raises(RuntimeError, match="same dtype"):
        ember.addmm(ember.ones(2, 2, dtype=ember.float64), ember.ones(2, 2), ember.ones(2, 2))
    with pytest.raises(RuntimeError):
        ember.baddbmm(ember.ones(2, 2, 2), ember.ones(2, 2, 3), ember.ones(3, 2, 2))


def test_add_family_gradcheck():
    a = ember.tensor(_r((3, 4)), requires_grad=True)
    b = ember.tensor(_r((4, 2)), requires_grad=True)
    c = ember.tensor(_r((2,)), requires_grad=True)
    gradcheck(lambda c, a, b: ember.addmm(c, a, b, beta=0.3, alpha=1.7), [c, a, b],
              second_order=True)
    b1 = ember.tensor(_r((2, 3, 4)), requires_grad=True)
    b2 = ember.tensor(_r((2, 4, 2)), requires_grad=True)
    gradcheck(lambda c, a, b: ember.baddbmm(c, a, b, alpha=0.5), [c, b1, b2])


EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("ij,jk", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(4,), (4,)]), ("i,j->ij", [(3,), (4,)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
    ("ij->ji", [(2, 3)]), ("ij->", [(2, 3)]), ("ij->i", [(2, 3)]), ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij->...ji", [(2, 2, 3, 4)]), ("b...,b...->b", [(2, 3, 4), (2, 3, 4)]),
    ("ij,jk,kl->il", [(3, 4), (4, 5), (5, 2)]), ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("iij->j", [(3, 3, 2)]), ("ij,jk", [(3, 4), (1, 5)]), ("Ab,bC->AC", [(2, 3), (3, 4)]),
    ("i j , j k -> i k", [(3, 4), (4, 5)]), ("...", [(2, 3)]), ("i,i,i->i", [(3,), (3,), (3,)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM)
def test_einsum(eq, shapes):
    arrs = [_r(s, seed=i) for i, s in enumerate(shapes)]
    check(lambda *x: ember.einsum(eq, *x), lambda *x: torch.einsum(eq, *x), arrs)


def test_einsum_forms_dtypes_and_gradcheck():
    a, b = _r((3, 4), np.float32), _r((4, 5), np.float32)
    check(lambda x, y: ember.einsum("ij,jk", [x, y]), lambda x, y: torch.einsum("ij,jk", [x, y]),
          [a, b], rtol=1e-5, atol=1e-5)
    check(lambda x, y: ember.einsum(x, [0, 1], y, [1, 2], [0, 2]),
          lambda x, y: torch.einsum(x, [0, 1], y, [1, 2], [0, 2]), [a, b], rtol=1e-5, atol=1e-5)
    check(lambda x, y: ember.einsum(x, [Ellipsis, 1], y, [1, 2]),
          lambda x, y: torch.einsum(x, [Ellipsis, 1], y, [1, 2]), [a, b], rtol=1e-5, atol=1e-5)
    ia, ib = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    check(lambda x, y: ember.einsum("ij,jk", x, y), lambda x, y: torch.einsum("ij,jk", x, y),
          [ia, ib], grad=False)
    ca, cb = _r((2, 3), np.complex128), _r((3, 2), np.complex128, 1)
    check(lambda x, y: ember.einsum("ij,jk->ik", x, y), lambda x, y: torch.einsum("ij,jk->ik", x, y),
          [ca, cb])
    x = ember.tensor(_r((3, 3)), requires_grad=True)
    y = ember.tensor(_r((3, 4)), requires_grad=True)
    gradcheck(lambda x, y: ember.einsum("ii,ij->j", x, y), [x, y], second_order=True)


@pytest.mark.parametrize("eq,shapes", [("ij,jk", [(2, 3)]), ("ij", [(2, 3), (3,)]), ("ijk", [(2, 3)]),
                                       ("ij->ii", [(2, 3)]), ("ij->k", [(2, 3)]), ("i1", [(2, 3)]),
                                       ("ij,jk", [(2, 3), (4, 5)])])
def test_einsum_errors(eq, shapes):
    arrs = [_r(s) for s in shapes]
    with pytest.raises(RuntimeError):
        torch.einsum(eq, *[torch.from_numpy(a) for a in arrs])
    with pytest.raises(RuntimeError, match="einsum"):
        ember.einsum(eq, *[ember.tensor(a) for a in arrs])


def test_einsum_dtype_mismatch():
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        ember.einsum("i,i", ember.ones(2), ember.ones(2, dtype=ember.float64))


@pytest.mark.parametrize("dims,sa,sb", [(2, (2, 3, 4), (3, 4, 5)), (1, (2, 3), (3, 4)), (0, (2,), (3,)),
                                        (([1, 0], [0, 1]), (3, 4), (4, 3)),
                                        (([0], [1]), (3, 2, 4), (5, 3))])
def test_tensordot(dims, sa, sb):
    check(lambda x, y: ember.tensordot(x, y, dims), lambda x, y: torch.tensordot(x, y, dims),
          [_r(sa), _r(sb, seed=1)])


def test_tensordot_int_and_errors():
    check(lambda x, y: ember.tensordot(x, y, 1), lambda x, y: torch.tensordot(x, y, 1),
          [np.arange(6).reshape(2, 3), np.arange(6).reshape(3, 2)], grad=False)
    with pytest.raises(RuntimeError, match="contracted dimensions need to match"):
        ember.tensordot(ember.ones(2, 3), ember.ones(4, 2), 1)
    with pytest.raises(RuntimeError):
        torch.tensordot(torch.ones(2, 3), torch.ones(4, 2), 1)


def test_outer_inner_kron_trace():
    check(ember.outer, torch.outer, [_r((3,)), _r((4,))])
    check(ember.ger, torch.ger, [_r((3,)), _r((4,))])
    check(ember.inner, torch.inner, [_r((2, 3)), _r((4, 3))])
    check(ember.inner, torch.inner, [_r((3,)), _r((3,), seed=1)])
    check(ember.inner, torch.inner, [_r(()), _r((3, 2))])
    for sa, sb in [((2, 3), (3, 2)), ((2,), (3,)), ((2, 2, 1), (3, 2)), ((2,), (2, 3))]:
        check(ember.kron, torch.kron, [_r(sa), _r(sb, seed=1)])
    check(ember.trace, torch.trace, [_r((3, 4))])
    check(ember.trace, torch.trace, [np.arange(9).reshape(3, 3).astype(np.int32)], grad=False)
    with pytest.raises(RuntimeError, match="expected a matrix"):
        ember.trace(ember.ones(2, 2, 2))
    with pytest.raises(RuntimeError):
        ember.outer(ember.ones(2, 2), ember.ones(2))
    assert ember.trace(ember.ones(2, 2, requires_grad=True)).grad_fn.name() == "TraceBackward0"


def test_cross():
    a, b = _r((4, 3)), _r((4, 3), seed=1)
    check(lambda x, y: ember.linalg.cross(x, y), lambda x, y: torch.linalg.cross(x, y), [a, b])
    check(lambda x, y: ember.cross(x, y, dim=1), lambda x, y: torch.cross(x, y, dim=1), [a, b])
    check(lambda x, y: ember.linalg.cross(x, y, dim=0), lambda x, y: torch.linalg.cross(x, y, dim=0),
          [_r((3, 2)), _r((3, 1), seed=1)])
    with pytest.raises(RuntimeError, match="must have length 3"):
        ember.linalg.cross(ember.ones(2, 4), ember.ones(2, 4))
    x = ember.tensor(a, requires_grad=True)
    gradcheck(lambda x: ember.linalg.cross(x, ember.tensor(b)), [x], second_order=True)


def test_multi_dot_chain_matmul_vecdot():
    mats = [_r((3, 4)), _r((4, 6)), _r((6, 2)), _r((2, 5))]
    check(lambda *m: ember.linalg.multi_dot(list(m)), lambda *m: torch.linalg.multi_dot(list(m)), mats)
    vecs = [_r((4,)), _r((4, 6)), _r((6,))]
    check(lambda *m: ember.linalg.multi_dot(m), lambda *m: torch.linalg.multi_dot(m), vecs)
    check(lambda *m: ember.chain_matmul(*m), lambda *m: torch.linalg.multi_dot(m), mats[:3])
    check(lambda x, y: ember.linalg.vecdot(x, y), lambda x, y: torch.linalg.vecdot(x, y),
          [_r((2, 3)), _r((3,), seed=1)])
    c = [_r((2, 3), np.complex128), _r((2, 3), np.complex128, 1)]
    check(lambda x, y: ember.linalg.vecdot(x, y, dim=0), lambda x, y: torch.linalg.vecdot(x, y, dim=0), c)
    with pytest.raises(RuntimeError, match="multi_dot"):
        ember.linalg.multi_dot([ember.ones(2, 3), ember.ones(4, 2)])
    with pytest.raises(RuntimeError, match="multi_dot"):
        ember.linalg.multi_dot([ember.ones(2, 3)])
