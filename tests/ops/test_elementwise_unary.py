"""Oracle tests for unary elementwise ops: values, dtypes, shapes, views, in-place forms, grad_fn
names and gradients against torch, plus float64 gradcheck."""

import numpy as np
import pytest
import torch

import ember
from tests._gradcheck import gradcheck
from tests._oracle import assert_close
from tests._oracle import to_torch

FLOAT = (ember.float32, ember.float64)
ALL = (ember.float32, ember.float64, ember.int64, ember.bool)

# domains of the float samples: (low, high)
ANY, POS, UNIT, GE1, PROB = (-3, 3), (0.1, 4), (-0.95, 0.95), (1.1, 4), (0.05, 0.95)
GAMMA = (-4.5, 6)


class U:
    """One unary op record: name, domain, dtypes, differentiable, in-place form, tolerances."""

    def __init__(self, name, domain=ANY, dtypes=ALL, grad=True, inplace=True, tfn=None,
                 efn=None, rtol=None, atol=None, second=False):
        self.name, self.domain, self.dtypes, self.grad = name, domain, dtypes, grad
        self.inplace, self.rtol, self.atol, self.second = inplace, rtol, atol, second
        self.tfn = tfn or getattr(torch, name)
        self.efn = efn or getattr(ember, name)


OPS = [
    U("abs", second=True), U("neg"), U("sign"), U("sgn"), U("sqrt", POS, second=True),
    U("rsqrt", POS), U("square", second=True), U("exp"), U("exp2"), U("expm1"),
    U("log", POS), U("log2", POS), U("log10", POS), U("log1p", POS),
    U("sin", second=True), U("cos"), U("tan", (-1.2, 1.2)), U("asin", UNIT), U("acos", UNIT),
    U("atan"), U("sinh"), U("cosh"), U("tanh", second=True), U("asinh"), U("acosh", GE1),
    U("atanh", UNIT), U("arcsin", UNIT), U("arccos", UNIT), U("arctan"), U("arcsinh"),
    U("arccosh", GE1), U("arctanh", UNIT), U("sigmoid", second=True), U("logit", PROB),
    U("erf", second=True), U("erfc"), U("erfinv", UNIT), U("lgamma", GAMMA, second=True),
    U("digamma", GAMMA, rtol=1e-7, atol=1e-9), U("floor"), U("ceil"), U("round"),
    U("trunc"), U("fix"), U("frac"), U("reciprocal", POS), U("deg2rad"), U("rad2deg"),
    U("sinc"), U("i0", inplace=True), U("positive", inplace=False), U("absolute"),
    U("negative"),
]
BY_NAME = {op.name: op for op in OPS}


def _sample(op, dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    if dtype is ember.bool:
        return rng.integers(0, 2, shape).astype(bool)
    if dtype is ember.int64:
        lo = 1 if op.domain[0] > 0 else -5
        return rng.integers(lo, 6, shape).astype(np.int64)
    lo, hi = op.domain
    return rng.uniform(lo, hi, shape)


def _pair(arr, dtype, view=None):
    e = ember.tensor(arr, dtype=dtype)
    t = to_torch(e)
    if view is not None:
        e, t = view(e), view(t)
    return e, t


def check(efn, tfn, eargs, targs, rtol=None, atol=None):
    """Run torch first; ember must agree on the value/dtype or raise the same exception type."""
    try:
        expected = tfn(*targs)
    except Exception as exc:  # noqa: BLE001
        with pytest.raises(type(exc)):
            efn(*eargs)
        return None
    got = efn(*eargs)
    assert_close(got, expected, rtol, atol)
    return got


def _tol(op, dtype):
    """An op's own tolerance applies to float64 (float32 uses the oracle's default)."""
    return (op.rtol, op.atol) if dtype is ember.float64 else (None, None)


SHAPES = [((), None), ((0,), None), ((3, 4), None), ((4, 6), lambda x: x.t()),
          ((4, 6), lambda x: x[:, ::2]), ((2, 3, 4), lambda x: x.permute(2, 0, 1))]


@pytest.mark.parametrize("dtype", ALL, ids=str)
@pytest.mark.parametrize("name", [op.name for op in OPS])
def test_values(name, dtype):
    op = BY_NAME[name]
    rtol, atol = _tol(op, dtype)
    for shape, view in SHAPES:
        e, t = _pair(_sample(op, dtype, shape), dtype, view)
        check(op.efn, op.tfn, (e,), (t,), rtol, atol)
        check(getattr(ember.Tensor, name), getattr(torch.Tensor, name), (e,), (t,), rtol, atol)


@pytest.mark.parametrize("dtype", ALL, ids=str)
@pytest.mark.parametrize("name", [op.name for op in OPS if op.inplace])
def test_inplace(name, dtype):
    op = BY_NAME[name]
    e, t = _pair(_sample(op, dtype, (3, 4)), dtype)
    rtol, atol = _tol(op, dtype)
    got = check(lambda x: getattr(x, name + "_")(), lambda x: getattr(x, name + "_")(),
                (e,), (t,), rtol, atol)
    if got is not None:
        assert got is e
        assert_close(e, t, rtol, atol)


@pytest.mark.parametrize("name", [op.name for op in OPS if op.grad])
def test_grad(name):
    op = BY_NAME[name]
    arr = _sample(op, ember.float64, (3, 4), seed=1)
    w = np.random.default_rng(2).standard_normal((3, 4))
    e = ember.tensor(arr, requires_grad=True)
    t = torch.tensor(arr, requires_grad=True)
    eo, to = op.efn(e), op.tfn(t)
    if to.grad_fn is None:
        assert eo.grad_fn is None or name == "positive"
        return
    assert eo.grad_fn.name() == type(to.grad_fn).__name__
    (eo * ember.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    tg = torch.zeros_like(t) if t.grad._is_zerotensor() else t.grad
    assert_close(e.grad, tg, op.rtol, op.atol)


@pytest.mark.parametrize("name", [op.name for op in OPS if op.grad])
def test_gradcheck(name):
    op = BY_NAME[name]
    if name in ("floor", "ceil", "round", "trunc", "fix", "sign", "sgn"):
        pytest.skip("piecewise constant: covered by test_grad (zero gradient)")
    arr = _sample(op, ember.float64, (2, 3), seed=3)
    if name in ("abs", "absolute", "frac"):
        arr = np.where(np.abs(arr - np.round(arr)) < 0.1, arr + 0.25, arr)
    x = ember.tensor(arr, requires_grad=True)
    assert gradcheck(op.efn, [x], second_order=op.second)


def test_float32_grad_and_int_grad_dtype():
    x = ember.tensor([0.5, 1.5], requires_grad=True)
    y = ember.sqrt(x).sigmoid().tanh()
    y.sum().backward()
    t = torch.tensor([0.5, 1.5], requires_grad=True)
    t.sqrt().sigmoid().tanh().sum().backward()
    assert_close(x.grad, t.grad)


def test_inplace_autograd():
    w = [1.0, -2.0, 3.0]
    x = ember.tensor([0.3, -0.8, 2.0], dtype=ember.float64, requires_grad=True)
    tx = torch.tensor([0.3, -0.8, 2.0], dtype=torch.float64, requires_grad=True)
    ey = x * 2
    ey.abs_().sigmoid_()
    ty = tx * 2
    ty.abs_().sigmoid_()
    assert ey.grad_fn.name() == type(ty.grad_fn).__name__
    (ey * ember.tensor(w, dtype=ember.float64)).sum().backward()
    (ty * torch.tensor(w, dtype=torch.float64)).sum().backward()
    assert_close(x.grad, tx.grad)
    assert_close(ey, ty)
    # tanh saved its output; abs_ overwrites it: both frameworks refuse the backward
    ey = (x * 2).tanh_()
    ey.abs_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ey.sum().backward()


def test_inplace_on_leaf_raises():
    x = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.sigmoid_()


# ------------------------------------------------------------------------------ special values

def test_special_values_and_edges():
    vals = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300, -1e-300, 1e300, 30.0, -30.0])
    for name in ("erf", "erfc", "sigmoid", "tanh", "exp", "expm1", "log1p", "sqrt", "sign",
                 "abs", "lgamma", "digamma", "sinc", "i0", "floor", "rsqrt", "reciprocal"):
        check(getattr(ember, name), getattr(torch, name), (ember.tensor(vals),),
              (torch.tensor(vals),))
    ints = np.array([0.0, -1.0, -2.0, 1.0, 2.0, 3.0, -0.5, 0.5, 1e-8, 171.0, 1e10])
    for name in ("lgamma", "digamma"):
        check(getattr(ember, name), getattr(torch, name), (ember.tensor(ints),),
              (torch.tensor(ints),), 1e-10, 1e-10)
    y = np.array([-1.0, 1.0, 1.5, -1 + 1e-16, 1 - 1e-12, 1e-300, 0.0, np.nan])
    check(ember.erfinv, torch.erfinv, (ember.tensor(y),), (torch.tensor(y),), 1e-12, 0)


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "lgamma", "digamma"])
def test_special_accuracy_float64(name):
    """The NumPy-only special functions agree with torch to ~1e-12 on a dense grid."""
    lo, hi = {"erf": (-7, 7), "erfc": (-7, 27), "erfinv": (-0.999999, 0.999999),
              "lgamma": (-20.3, 60), "digamma": (-20.3, 60)}[name]
    x = np.linspace(lo, hi, 20011)
    tol = 1e-12 if name != "digamma" else 1e-11
    assert_close(getattr(ember, name)(ember.tensor(x)), getattr(torch, name)(torch.tensor(x)),
                 rtol=tol, atol=1e-13)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_polygamma(n):
    x = np.random.default_rng(n).uniform(0.2, 9, (3, 4))
    e = ember.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    eo, to = ember.polygamma(n, e), torch.polygamma(n, t)
    # torch's trigamma is accurate to ~1e-9 only; ours sums the series to ~1e-15
    assert_close(eo, to, rtol=1e-8, atol=0)
    assert_close(e.polygamma(n), to, rtol=1e-8, atol=0)
    assert eo.grad_fn.name() == type(to.grad_fn).__name__
    w = np.random.default_rng(9).standard_normal((3, 4))
    (eo * ember.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    assert_close(e.grad, t.grad, rtol=1e-8, atol=0)
    assert_close(ember.polygamma(n, ember.tensor([1, 2])), torch.polygamma(n, torch.tensor([1, 2])),
                 rtol=1e-6)
    with pytest.raises(RuntimeError):
        ember.polygamma(-1, e)


def test_polygamma_zero_is_digamma():
    x = ember.tensor([0.3, 2.5], dtype=ember.float64)
    assert_close(ember.polygamma(0, x), torch.polygamma(0, to_torch(x)))


@pytest.mark.parametrize("decimals", [1, 2, -1, 0, None])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.int64], ids=str)
def test_round_decimals(decimals, dtype):
    arr = np.random.default_rng(4).uniform(-300, 300, (5, 4))
    e, t = _pair(arr, dtype)
    kw = {} if decimals is None else {"decimals": decimals}
    check(lambda x: ember.round(x, **kw), lambda x: torch.round(x, **kw), (e,), (t,))
    check(lambda x: x.clone().round_(**kw), lambda x: x.clone().round_(**kw), (e,), (t,))
    if dtype.is_floating_point:
        x = ember.tensor(arr, dtype=dtype, requires_grad=True)
        y = ember.round(x, **kw)
        ty = torch.round(to_torch(x), **kw)
        assert y.grad_fn.name() == type(ty.grad_fn).__name__


@pytest.mark.parametrize("eps", [None, 0.1])
def test_logit_eps(eps):
    arr = np.array([0.0, 0.05, 0.3, 0.95, 1.0, 0.5])
    e = ember.tensor(arr, requires_grad=True)
    t = torch.tensor(arr, requires_grad=True)
    eo, to = ember.logit(e, eps), torch.logit(t, eps)
    assert_close(eo, to)
    w = np.arange(6.0)
    (eo * ember.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    assert_close(e.grad, t.grad)
    assert_close(ember.tensor(arr).logit(eps=eps), torch.tensor(arr).logit(eps=eps))


@pytest.mark.parametrize("kw", [{}, {"nan": 1.5}, {"posinf": 9.0, "neginf": -9.0}])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.int64], ids=str)
def test_nan_to_num(kw, dtype):
    arr = np.array([np.nan, np.inf, -np.inf, 2.0, -3.0])
    if not dtype.is_floating_point:
        arr = np.array([1, 2, 3])
    e, t = _pair(arr, dtype)
    check(lambda x: ember.nan_to_num(x, **kw), lambda x: torch.nan_to_num(x, **kw), (e,), (t,))
    check(lambda x: x.clone().nan_to_num_(**kw), lambda x: x.clone().nan_to_num_(**kw), (e,), (t,))
    if dtype.is_floating_point:
        x = ember.tensor(arr, dtype=dtype, requires_grad=True)
        tx = to_torch(x)
        ember.nan_to_num(x, **kw).sum().backward()
        torch.nan_to_num(tx, **kw).sum().backward()
        assert_close(x.grad, tx.grad)


def test_errors():
    with pytest.raises(RuntimeError, match="Negation"):
        -ember.tensor([True])
    with pytest.raises(NotImplementedError, match="abs_cpu"):
        ember.abs(ember.tensor([True]))
    with pytest.raises(NotImplementedError):
        ember.floor(ember.tensor([True]))
    with pytest.raises(RuntimeError, match="can't be cast"):
        ember.tensor([1, 2]).sqrt_()
    with pytest.raises(RuntimeError):
        +ember.tensor([True])
    with pytest.raises(TypeError):
        ember.polygamma(1.5, ember.tensor([1.0]))


def test_operators_and_dunder():
    x = np.array([-1.5, 0.0, 2.0])
    assert_close(abs(ember.tensor(x)), abs(torch.tensor(x)))
    assert_close(+ember.tensor(x), +torch.tensor(x))
    assert_close(-ember.tensor(x), -torch.tensor(x))


def test_half_precision():
    arr = np.random.default_rng(5).uniform(0.1, 3, (4,))
    for name in ("sigmoid", "tanh", "sqrt", "exp", "erf", "floor"):
        e = ember.tensor(arr, dtype=ember.float16)
        assert_close(getattr(ember, name)(e), getattr(torch, name)(to_torch(e)))
