"""ember.special against torch.special: values, dtypes, gradients, gradcheck."""

import numpy as np
import pytest
import torch

import ember
from tests._gradcheck import gradcheck
from tests._oracle import assert_close

rng = np.random.default_rng(1)
X = np.concatenate([np.linspace(-6, 6, 25), [0.0, 30.5, -40.0, np.inf, -np.inf, np.nan]])
P = np.concatenate([[0.0, 1.0, 1e-300, 1e-20, 1e-5], np.linspace(0.01, 0.99, 15), [1.2, -0.1]])

UNARY = {  # name: (input values, abs tolerance in float64)
    "erf": (X, 1e-12), "erfc": (X, 1e-12), "erfcx": (X, 1e-10), "expit": (X, 1e-12),
    "exp2": (X, 1e-12), "expm1": (X, 1e-12), "log1p": (np.abs(X), 1e-12),
    "gammaln": (np.abs(X) + 0.1, 1e-11), "digamma": (np.abs(X) + 0.1, 1e-11),
    "psi": (np.abs(X) + 0.1, 1e-11), "i0": (X, 1e-9), "i0e": (X, 1e-12), "i1": (X, 1e-9),
    "i1e": (X, 1e-12), "ndtr": (X, 1e-12), "log_ndtr": (X, 1e-11), "entr": (X, 1e-12),
    "sinc": (X, 1e-12), "bessel_j0": (X, 2e-6), "bessel_j1": (X, 2e-6),
    "spherical_bessel_j0": (X, 1e-12), "ndtri": (P, 1e-10), "erfinv": (P * 2 - 1, 1e-10),
    "modified_bessel_i0": (X, 1e-9), "modified_bessel_i1": (X, 1e-9),
}


def _rel_close(e, t, atol):
    assert tuple(e.shape) == tuple(t.shape)
    ea, ta = e.numpy(), t.detach().numpy()
    np.testing.assert_allclose(ea, ta, rtol=1e-9, atol=atol, equal_nan=True)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values(name):
    x, atol = UNARY[name]
    e = getattr(ember.special, name)(ember.tensor(x))
    t = getattr(torch.special, name)(torch.tensor(x))
    assert str(e.dtype) == str(t.dtype)
    _rel_close(e, t, atol)
    # float32 and integer inputs: torch's result dtype
    e32 = getattr(ember.special, name)(ember.tensor(x, dtype=ember.float32))
    t32 = getattr(torch.special, name)(torch.tensor(x, dtype=torch.float32))
    assert str(e32.dtype) == str(t32.dtype)
    np.testing.assert_allclose(e32.numpy(), t32.numpy(), rtol=2e-5, atol=max(atol, 1e-5),
                               equal_nan=True)
    ei = getattr(ember.special, name)(ember.tensor([0, 1, 2]))
    ti = getattr(torch.special, name)(torch.tensor([0, 1, 2]))
    assert str(ei.dtype) == str(ti.dtype)


GRAD = ["erfcx", "i0e", "i1e", "ndtr", "log_ndtr", "entr", "ndtri", "expit", "gammaln",
        "i1"]


@pytest.mark.parametrize("name", GRAD)
def test_unary_grad(name):
    x = rng.uniform(0.05, 0.95, 7) if name == "ndtri" else rng.uniform(0.1, 4, 7)
    if name not in ("ndtri", "entr", "gammaln"):
        x = x * np.where(rng.random(7) < 0.5, -1, 1)
    w = rng.standard_normal(7)
    e_in, t_in = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (getattr(ember.special, name)(e_in) * ember.tensor(w)).sum().backward()
    (getattr(torch.special, name)(t_in) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(e_in.grad.numpy(), t_in.grad.numpy(), rtol=1e-8, atol=1e-10)
    gradcheck(getattr(ember.special, name), [ember.tensor(x, requires_grad=True)])


def test_binary():
    a = rng.uniform(0.1, 8, 12)
    x = rng.uniform(0.0, 12, 12)
    for name in ["gammainc", "gammaincc"]:
        e = getattr(ember.special, name)(ember.tensor(a), ember.tensor(x))
        t = getattr(torch.special, name)(torch.tensor(a), torch.tensor(x))
        _rel_close(e, t, 1e-12)
    s = rng.uniform(1.1, 6, 12)
    q = rng.uniform(0.1, 20, 12)
    _rel_close(ember.special.zeta(ember.tensor(s), ember.tensor(q)),
               torch.special.zeta(torch.tensor(s), torch.tensor(q)), 1e-12)
    assert_close(ember.special.zeta(ember.tensor([2.0, 3.0]), 1.0),
                 torch.special.zeta(torch.tensor([2.0, 3.0]), 1.0))
    y = rng.uniform(-0.9, 3, 12)
    xx = np.where(rng.random(12) < 0.3, 0.0, rng.standard_normal(12))
    for name in ["xlog1py", "xlogy"]:
        yy = np.abs(y) if name == "xlogy" else y
        assert_close(getattr(ember.special, name)(ember.tensor(xx), ember.tensor(yy)),
                     getattr(torch.special, name)(torch.tensor(xx), torch.tensor(yy)))
        assert_close(getattr(ember.special, name)(2.0, ember.tensor(yy)),
                     getattr(torch.special, name)(2.0, torch.tensor(yy)))
    assert_close(ember.special.xlog1py(ember.tensor([0, 1]), ember.tensor([1, 2])),
                 torch.special.xlog1py(torch.tensor([0, 1]), torch.tensor([1, 2])))


def test_binary_grads():
    a, x = rng.uniform(0.5, 4, 6), rng.uniform(0.2, 6, 6)
    for name in ["gammainc", "gammaincc"]:
        xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        getattr(ember.special, name)(ember.tensor(a), xe).sum().backward()
        getattr(torch.special, name)(torch.tensor(a), xt).sum().backward()
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-9)
        with pytest.raises(NotImplementedError):
            getattr(ember.special, name)(ember.tensor(a, requires_grad=True),
                                         ember.tensor(x)).sum().backward()
    s, q = rng.uniform(1.5, 4, 6), rng.uniform(0.5, 4, 6)
    qe, qt = ember.tensor(q, requires_grad=True), torch.tensor(q, requires_grad=True)
    ember.special.zeta(ember.tensor(s), qe).sum().backward()
    torch.special.zeta(torch.tensor(s), qt).sum().backward()
    np.testing.assert_allclose(qe.grad.numpy(), qt.grad.numpy(), rtol=1e-9)
    xx, yy = rng.standard_normal(6), rng.uniform(0, 3, 6)
    gradcheck(ember.special.xlog1py, [ember.tensor(xx, requires_grad=True),
                                      ember.tensor(yy, requires_grad=True)])
    gradcheck(lambda t: ember.special.gammainc(ember.tensor(a), t),
              [ember.tensor(x, requires_grad=True)])


def test_errors_and_dtypes():
    with pytest.raises(NotImplementedError):
        ember.special.gammainc(ember.tensor([1, 2]), ember.tensor([1, 2]))
    assert ember.special.gammainc(ember.tensor([1.0]), ember.tensor([1.0], dtype=ember.float64)
                                  ).dtype is ember.float64


def test_aliases_and_reductions():
    x = rng.standard_normal((3, 4))
    for name in ["softmax", "log_softmax"]:
        assert_close(getattr(ember.special, name)(ember.tensor(x), 1),
                     getattr(torch.special, name)(torch.tensor(x), 1))
    assert_close(ember.special.logsumexp(ember.tensor(x), 1),
                 torch.special.logsumexp(torch.tensor(x), 1))
    assert_close(ember.special.logit(ember.tensor(x).sigmoid(), eps=1e-3),
                 torch.special.logit(torch.tensor(x).sigmoid(), eps=1e-3))
    assert_close(ember.special.round(ember.tensor(x), decimals=1),
                 torch.special.round(torch.tensor(x), decimals=1))
    assert_close(ember.special.polygamma(2, ember.tensor(np.abs(x) + 0.5)),
                 torch.special.polygamma(2, torch.tensor(np.abs(x) + 0.5)))
    assert_close(ember.special.multigammaln(ember.tensor(np.abs(x) + 2), 3),
                 torch.special.multigammaln(torch.tensor(np.abs(x) + 2), 3))
    out = ember.empty(3, 4, dtype=ember.float64)
    ember.special.expit(ember.tensor(x), out=out)
    assert_close(out, torch.special.expit(torch.tensor(x)))


POLY = [n for n in dir(torch.special) if n.endswith("polynomial_" + n[-1]) or "polynomial" in n]


@pytest.mark.parametrize("name", POLY)
def test_polynomials(name):
    x = np.linspace(-1.2, 1.2, 9)
    for n in [np.arange(-1, 8), 3, 0]:
        ns = np.resize(n, 9) if isinstance(n, np.ndarray) else n
        e = getattr(ember.special, name)(ember.tensor(x), ember.tensor(ns) if
                                         isinstance(ns, np.ndarray) else ns)
        t = getattr(torch.special, name)(torch.tensor(x), torch.tensor(ns) if
                                         isinstance(ns, np.ndarray) else ns)
        _rel_close(e, t, 1e-10)
