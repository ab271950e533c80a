"""Oracle tests for ember/_ops/extra_math.py and windows.py against torch."""

import numpy as np
import pytest
import torch

import ember
from tests._gradcheck import gradcheck
from tests._oracle import EMBER_DTYPES
from tests._oracle import assert_close
from tests._oracle import to_ember
from tests._oracle import to_torch

rng = np.random.default_rng(2)


def _conv(v):
    if isinstance(v, torch.dtype):
        return EMBER_DTYPES[v]
    if isinstance(v, dict):
        return {k: _conv(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_conv(x) for x in v)
    return to_ember(v)


def _both(fn_name, *args, mod=(ember, torch), **kw):
    e = getattr(mod[0], fn_name)(*_conv(args), **_conv(kw))
    t = getattr(mod[1], fn_name)(*args, **kw)
    assert_close(e, t)
    return e, t


def _raises_like(fn_name, *args, **kw):
    with pytest.raises(Exception) as te:
        getattr(torch, fn_name)(*args, **kw)
    with pytest.raises(te.type):
        getattr(ember, fn_name)(*_conv(args), **_conv(kw))


def test_gcd_lcm():
    a = torch.tensor(rng.integers(-30, 30, (3, 4)))
    b = torch.tensor(rng.integers(-30, 30, (4,)))
    for name in ["gcd", "lcm"]:
        _both(name, a, b)
        _both(name, a.int(), b.int())
        _raises_like(name, a.double(), b.double())
        _raises_like(name, a.bool(), b.bool())
        _raises_like(name, a, 2)
        e = to_ember(a.clone())
        getattr(e, name + "_")(to_ember(b))
        assert_close(e, getattr(a.clone(), name + "_")(b))


def test_frexp_ldexp_nextafter():
    x = torch.tensor([1.5, 2.0, 0.0, -3.0, 1e-310, np.inf], dtype=torch.float64)
    (em, ee), (tm, te) = _both("frexp", x)
    _raises_like("frexp", torch.tensor([1, 2]))
    xe = ember.tensor(rng.standard_normal(5), requires_grad=True)
    xt = to_torch(xe)
    w = rng.standard_normal(5)
    (ember.frexp(xe).mantissa * ember.tensor(w)).sum().backward()
    (torch.frexp(xt).mantissa * torch.tensor(w)).sum().backward()
    assert_close(xe.grad, xt.grad)
    _both("ldexp", torch.tensor([1, 2]), torch.tensor([3, 4]))
    _both("ldexp", torch.tensor([1.5, 2.0], dtype=torch.float64), torch.tensor([3, -4]))
    a = ember.tensor([1.5, 2.0], dtype=ember.float64, requires_grad=True)
    gradcheck(lambda t: ember.ldexp(t, ember.tensor([3, -1])), [a])
    _both("nextafter", torch.tensor([1.0, 2.0]), torch.tensor([3.0, 0.0]))
    _both("nextafter", torch.tensor([1.0], dtype=torch.float64), torch.tensor([0.0]))
    _raises_like("nextafter", torch.tensor([1, 2]), torch.tensor([3, 4]))


def test_igamma():
    a = torch.tensor(rng.uniform(0.1, 10, 20))
    x = torch.tensor(np.concatenate([rng.uniform(0, 20, 16), [0.0, np.inf, 1.0, 2.0]]))
    a[-2:] = torch.tensor([0.0, -1.0])
    for name in ["igamma", "igammac"]:
        e, t = _both(name, a, x)
        _both(name, a.float(), x.float())
        _raises_like(name, torch.tensor([1, 2]), torch.tensor([3, 4]))
        xe = ember.tensor(rng.uniform(0.2, 5, 4), requires_grad=True)
        gradcheck(lambda t, n=name: getattr(ember, n)(ember.tensor([0.5, 1.0, 2.0, 4.0],
                                                                   dtype=ember.float64), t),
                  [xe])


def test_mvlgamma_renorm_dist():
    x = torch.tensor(rng.uniform(2, 5, (3, 4)))
    for p in [1, 3]:
        _both("mvlgamma", x, p)
    _both("mvlgamma", torch.tensor([0.1, 2.5]), 3)   # torch 2.13 no longer checks the domain
    _raises_like("mvlgamma", x, 0)
    xe = ember.tensor(x.numpy(), requires_grad=True)
    gradcheck(lambda t: ember.mvlgamma(t, 2), [xe])
    m = torch.tensor(rng.standard_normal((3, 4, 2)))
    for p, dim, maxnorm in [(2, 0, 1.0), (1, 1, 0.5), (3, -1, 2.0)]:
        _both("renorm", m, p, dim, maxnorm)
        me, mt = ember.tensor(m.numpy(), requires_grad=True), m.clone().requires_grad_()
        w = rng.standard_normal(m.shape)
        (ember.renorm(me, p, dim, maxnorm) * ember.tensor(w)).sum().backward()
        (torch.renorm(mt, p, dim, maxnorm) * torch.tensor(w)).sum().backward()
        assert_close(me.grad, mt.grad)
    _raises_like("renorm", torch.ones(3, 4, dtype=torch.int64), 2, 0, 1.0)
    _raises_like("renorm", torch.ones(3), 2, 0, 1.0)
    y = torch.tensor(rng.standard_normal((4,)))
    for p in [2, 1, 3.5, float("inf"), 0]:
        _both("dist", m[0, :, 0], y, p)
    e_in = ember.tensor(y.numpy(), requires_grad=True)
    gradcheck(lambda t: ember.dist(t, ember.tensor([1.0, 2.0, 3.0, 4.0],
                                                   dtype=ember.float64)), [e_in])


def test_gradient():
    f = torch.tensor(rng.standard_normal((5, 6)))
    _both("gradient", f)
    _both("gradient", f, spacing=2.0, edge_order=2)
    _both("gradient", f, spacing=[0.5, 2.0], dim=[0, 1])
    _both("gradient", f, dim=1, edge_order=2)
    coords = torch.tensor(np.cumsum(rng.uniform(0.5, 2, 6)))
    _both("gradient", f, spacing=(coords,), dim=1)
    _both("gradient", f, spacing=(coords,), dim=1, edge_order=2)
    _both("gradient", torch.tensor([1, 2, 4, 8]))
    _raises_like("gradient", torch.tensor([1.0, 2.0]), edge_order=2)
    fe = ember.tensor(f.numpy(), requires_grad=True)
    gradcheck(lambda t: ember.gradient(t, edge_order=2), [fe])


def test_index_reduce():
    x = torch.tensor(rng.standard_normal((5, 3)))
    src = torch.tensor(rng.standard_normal((4, 3)))
    idx = torch.tensor([0, 4, 2, 0])
    for reduce in ["prod", "mean", "amax", "amin"]:
        for include_self in [True, False]:
            _both("index_reduce", x, 0, idx, src, reduce, include_self=include_self)
            xe = to_ember(x.clone())
            xe.index_reduce_(0, to_ember(idx), to_ember(src), reduce,
                             include_self=include_self)
            assert_close(xe, x.clone().index_reduce_(0, idx, src, reduce,
                                                     include_self=include_self))
    src1 = torch.tensor(rng.standard_normal((5, 2)))
    _both("index_reduce", x, 1, torch.tensor([2, 0]), src1, "amax")
    xe = ember.tensor(x.numpy(), requires_grad=True)
    se = ember.tensor(src.numpy(), requires_grad=True)
    xt, st = to_torch(xe), to_torch(se)
    w = rng.standard_normal((5, 3))
    (ember.index_reduce(xe, 0, to_ember(idx), se, "mean") * ember.tensor(w)).sum().backward()
    (torch.index_reduce(xt, 0, idx, st, "mean") * torch.tensor(w)).sum().backward()
    assert_close(xe.grad, xt.grad)
    assert_close(se.grad, st.grad)
    with pytest.raises(RuntimeError):
        ember.index_reduce(to_ember(x), 0, to_ember(idx), to_ember(src), "sum")


def test_isin_histogramdd():
    a = torch.tensor(rng.integers(0, 10, (3, 4)))
    b = torch.tensor([1, 3, 5, 7])
    _both("isin", a, b)
    _both("isin", a, b, invert=True)
    _both("isin", a, 3)
    _both("isin", 3, b)
    _both("isin", a.double(), b)
    pts = torch.tensor(rng.random((20, 2)))
    for kw in [{"bins": 3}, {"bins": [2, 4]}, {"bins": 3, "density": True},
               {"bins": 2, "range": [0.0, 1.0, 0.0, 1.0]},
               {"bins": 3, "weight": torch.tensor(rng.random(20))}]:
        e = ember.histogramdd(to_ember(pts), **_conv(kw))
        t = torch.histogramdd(pts, **kw)
        assert_close(e.hist, t.hist)
        assert_close(list(e.bin_edges), list(t.bin_edges))


@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "bartlett_window",
                                  "blackman_window", "kaiser_window"])
def test_windows(name):
    for n in [0, 1, 2, 5, 8]:
        for periodic in [True, False]:
            _both(name, n, periodic)
            _both(name, n, periodic, dtype=torch.float64)
    _both(name, 6, dtype=torch.float64)
    _raises_like(name, -1)
    _raises_like(name, 4, dtype=torch.int64)
    assert getattr(ember, name)(3, requires_grad=True).requires_grad
    if name == "hamming_window":
        _both(name, 7, False, 0.5, 0.5)
    if name == "kaiser_window":
        _both(name, 7, True, 5.0, dtype=torch.float64)
