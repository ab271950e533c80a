"""Oracle and behaviour tests for the complex ops (views share memory with their base)."""

import numpy as np
import pytest
import torch

import ember
from tests._gradcheck import gradcheck
from tests._oracle import assert_close
from tests.ops._linalg_util import check
from tests.ops._linalg_util import randn


def _c(*shape, dtype=np.complex128, seed=0):
    return randn(np.random.default_rng(seed + sum(shape)), *shape, dtype=dtype)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_real_imag_views(dtype):
    z = _c(3, 4, dtype=dtype)
    check(lambda x: x.real, lambda x: x.real, [z])
    check(lambda x: x.imag, lambda x: x.imag, [z])
    check(ember.real, torch.real, [z])
    check(ember.imag, torch.imag, [z])
    e = ember.tensor(z)
    r = e.real
    r[0, 0] = 100.0
    e.imag[1, 1] = -7.0
    assert e[0, 0].item().real == 100.0 and e[1, 1].item().imag == -7.0
    assert e._version_count if hasattr(e, "_version_count") else True
    x = ember.tensor([1.0, 2.0])
    assert ember.real(x) is x
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        ember.imag(x)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_view_as_real_complex(dtype):
    z = _c(3, 4, dtype=dtype)
    check(ember.view_as_real, torch.view_as_real, [z])
    check(lambda x: ember.view_as_real(x[:, ::2]), lambda x: torch.view_as_real(x[:, ::2]), [z])
    f = np.ascontiguousarray(ember.view_as_real(ember.tensor(z)).numpy())
    check(ember.view_as_complex, torch.view_as_complex, [f])
    e = ember.tensor(z)
    v = ember.view_as_real(e)
    v[0, 0, 1] = 42.0
    assert e[0, 0].item().imag == 42.0
    w = ember.view_as_complex(v)
    w[2, 3] = 5 + 6j
    assert v[2, 3].tolist() == [5.0, 6.0]
    assert ember.view_as_real(e).stride() == torch.view_as_real(torch.from_numpy(z)).stride()


def test_view_errors():
    with pytest.raises(RuntimeError, match="only supported for complex"):
        ember.view_as_real(ember.ones(2))
    for bad, msg in [(ember.ones(3, 3), "last dimension of size 2"),
                     (ember.ones(2, 4)[:, ::2], "stride 1"),
                     (ember.ones(3, 2, dtype=ember.int64), "float and double"),
                     (ember.ones(3, 3)[:, :2], "divisible by 2")]:
        with pytest.raises(RuntimeError, match=msg):
            ember.view_as_complex(bad)


def test_complex_polar_angle():
    re, im = _c(5).real.copy(), _c(5, seed=1).real.copy()
    check(ember.complex, torch.complex, [re, im])
    check(ember.complex, torch.complex, [re.astype(np.float32), im.astype(np.float32)])
    check(ember.polar, torch.polar, [np.abs(re), im])
    check(ember.angle, torch.angle, [_c(6)])
    check(ember.angle, torch.angle, [np.array([1.0, -2.0, 0.0, np.nan])])
    check(ember.angle, torch.angle, [np.array([1, -2, 0])], grad=False)
    check(ember.angle, torch.angle, [np.array([0j, 1 + 1j])])
    with pytest.raises(RuntimeError, match="second argument"):
        ember.complex(ember.ones(2), ember.ones(2, dtype=ember.float64))
    r = ember.tensor(np.abs(re), requires_grad=True)
    t = ember.tensor(im, requires_grad=True)
    gradcheck(lambda r, t: ember.view_as_real(ember.polar(r, t)), [r, t])
    w = np.random.default_rng(3).standard_normal((5, 2))
    tr = torch.tensor(np.abs(re), requires_grad=True)
    tt = torch.tensor(im, requires_grad=True)
    grads = []
    for lib, a, b in [(torch, tr, tt), (ember, r, t)]:
        loss = (lib.view_as_real(lib.polar(a, b)) * lib.tensor(w)).sum()
        ga, gb = lib.autograd.grad(loss, [a, b], create_graph=True)
        (ga.sum() * 2 + (gb * gb).sum()).backward()
        grads.append((a.grad, b.grad))
    assert_close(grads[1][0], grads[0][0])
    assert_close(grads[1][1], grads[0][1])
    c = ember.tensor([2 - 1j])  # a tensor: mul by a complex Python scalar lacks conj (elementwise)
    gradcheck(lambda r, t: ember.view_as_real(ember.complex(r, t) * c), [r, t])


def test_conj_queries():
    z = ember.tensor(_c(3))
    assert ember.is_conj(z) is False and z.is_conj() is False
    assert ember.resolve_conj(z) is z
    assert_close(ember.conj_physical(z), torch.conj_physical(torch.from_numpy(_c(3))))
    x = ember.ones(2)
    assert ember.conj_physical(x) is x
    assert ember.is_neg(z) is False and ember.resolve_neg(z) is z
