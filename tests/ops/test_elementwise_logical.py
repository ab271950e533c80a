"""Oracle tests for comparison, logical, bitwise and classification ops (bool/int results, no
gradient), their operators and in-place forms, isclose/allclose/equal."""

import numpy as np
import pytest
import torch

import ember
from tests._oracle import to_torch
from tests.ops.test_elementwise_unary import check

DTYPES = (ember.float32, ember.float64, ember.int64, ember.int32, ember.uint8, ember.int8,
          ember.bool)
SHAPES = [((), ()), ((3, 4), (4,)), ((3, 1), (1, 4)), ((0,), (1,)), ((2, 3), ())]


def _sample(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    if dtype is ember.bool:
        return rng.integers(0, 2, shape).astype(bool)
    if dtype is ember.uint8:
        return rng.integers(0, 256, shape).astype(np.uint8)
    if not dtype.is_floating_point:
        return rng.integers(-9, 10, shape)
    a = rng.integers(-3, 4, shape).astype(np.float64)  # repeated values: ties for comparisons
    return np.where(rng.random(shape) < 0.3, a + 0.5, a)


def _pair(arr, dtype, view=None):
    e = ember.tensor(arr, dtype=dtype)
    t = to_torch(e)
    if view is not None:
        e, t = view(e), view(t)
    return e, t


COMPARE = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "less", "greater_equal",
           "less_equal", "not_equal"]
LOGICAL = ["logical_and", "logical_or", "logical_xor"]
BITWISE = ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
           "bitwise_right_shift"]


@pytest.mark.parametrize("da", DTYPES, ids=str)
@pytest.mark.parametrize("name", COMPARE + LOGICAL + BITWISE)
def test_binary(name, da):
    for k, (sa, sb) in enumerate(SHAPES):
        for db in (ember.float32, ember.int64, ember.uint8, ember.bool):
            ea, ta = _pair(_sample(da, sa, k), da)
            eb, tb = _pair(_sample(db, sb, k + 9), db)
            if "shift" in name and db is not ember.bool:  # non-negative counts, large ones too
                eb, tb = eb.abs(), tb.abs()
            check(getattr(ember, name), getattr(torch, name), (ea, eb), (ta, tb))
            check(getattr(ember.Tensor, name), getattr(torch.Tensor, name), (ea, eb),
                  (ta, tb))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", COMPARE + BITWISE)
def test_scalar(name, dtype):
    e, t = _pair(_sample(dtype, (3, 4), 1), dtype)
    for scalar in (2, -1, 2.5, True, 0, 70):
        check(getattr(ember, name), getattr(torch, name), (e, scalar), (t, scalar))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_operators(dtype):
    ea, ta = _pair(_sample(dtype, (3, 4), 2), dtype)
    for odt in (ember.int64, ember.bool, ember.float32):
        eb, tb = _pair(_sample(odt, (4,), 3), odt)
        for fn in (lambda a, b: a & b, lambda a, b: a | b, lambda a, b: a ^ b,
                   lambda a, b: a << b.abs() if b.dtype not in (ember.bool, torch.bool) else a,
                   lambda a, b: a >> 2, lambda a, b: 3 << a.abs() if a.dtype not in (
                       ember.bool, torch.bool) else a, lambda a, b: 1 & a, lambda a, b: True | a,
                   lambda a, b: 5 ^ a, lambda a, b: 100 >> a.abs() if a.dtype not in (
                       ember.bool, torch.bool) else a,
                   lambda a, b: a == b, lambda a, b: a != b, lambda a, b: a < b,
                   lambda a, b: a <= 1, lambda a, b: a > 0.5, lambda a, b: a >= b,
                   lambda a, b: ~a):
            check(fn, fn, (ea, eb), (ta, tb))


@pytest.mark.parametrize("dtype", [ember.int64, ember.uint8, ember.bool, ember.float32], ids=str)
def test_inplace(dtype):
    ea, ta = _pair(_sample(dtype, (3, 4), 4), dtype)
    for odt in (ember.int64, ember.bool, ember.float32):
        eb, tb = _pair(_sample(odt, (4,), 5), odt)
        for name in ("__iand__", "__ior__", "__ixor__", "__ilshift__", "__irshift__",
                     "bitwise_and_", "logical_and_", "logical_or_", "logical_xor_", "eq_",
                     "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "less_equal_"):
            def fn(a, b, name=name):
                if "shift" in name and b.dtype not in (ember.bool, torch.bool):
                    b = b.abs()
                a = a.clone()
                res = getattr(a, name)(b)
                assert res is a
                return a
            check(fn, fn, (ea, eb), (ta, tb))
        for name in ("logical_not_", "bitwise_not_"):
            check(lambda a: getattr(a.clone(), name)(), lambda a: getattr(a.clone(), name)(),
                  (ea,), (ta,))
    with pytest.raises(RuntimeError):
        ember.ones(4, dtype=dtype).eq_(ember.ones(3, 4))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_unary_logic(dtype):
    for shape, view in (((), None), ((0,), None), ((3, 4), None), ((4, 6), lambda x: x.t()),
                        ((4, 6), lambda x: x[:, ::3])):
        e, t = _pair(_sample(dtype, shape, 6), dtype, view)
        for name in ("logical_not", "bitwise_not"):
            check(getattr(ember, name), getattr(torch, name), (e,), (t,))
            check(getattr(ember.Tensor, name), getattr(torch.Tensor, name), (e,), (t,))
        check(lambda x: ~x, lambda x: ~x, (e,), (t,))


CLASSIFY = ["isnan", "isinf", "isposinf", "isneginf", "isfinite", "isreal", "signbit"]


@pytest.mark.parametrize("dtype", DTYPES + (ember.float16,), ids=str)
@pytest.mark.parametrize("name", CLASSIFY)
def test_classify(name, dtype):
    if dtype.is_floating_point:
        arr = np.array([0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan, 1e-310])
    else:
        arr = _sample(dtype, (6,), 7)
    e, t = _pair(arr, dtype)
    check(getattr(ember, name), getattr(torch, name), (e,), (t,))
    check(getattr(ember.Tensor, name), getattr(torch.Tensor, name), (e,), (t,))
    e2, t2 = _pair(np.resize(arr, (4, 6)), dtype, lambda x: x.t())
    check(getattr(ember, name), getattr(torch, name), (e2,), (t2,))


def test_classify_no_grad():
    x = ember.tensor([1.0, float("nan")], requires_grad=True)
    for name in CLASSIFY:
        out = getattr(ember, name)(x)
        assert out.dtype is ember.bool and out.grad_fn is None and not out.requires_grad
    for name in COMPARE + LOGICAL:
        out = getattr(ember, name)(x, x)
        assert out.grad_fn is None and not out.requires_grad


@pytest.mark.parametrize("kw", [{}, {"rtol": 0.1}, {"atol": 0.5}, {"equal_nan": True},
                                {"rtol": 0, "atol": 0}])
def test_isclose_allclose(kw):
    a = np.array([1.0, 1.05, np.nan, np.inf, -np.inf, 2.0, 0.0, 1e-9])
    b = np.array([1.0, 1.0, np.nan, np.inf, np.inf, 2.4, 1e-9, 0.0])
    for dtype in (ember.float32, ember.float64):
        ea, ta = _pair(a, dtype)
        eb, tb = _pair(b, dtype)
        check(lambda x, y: ember.isclose(x, y, **kw), lambda x, y: torch.isclose(x, y, **kw),
              (ea, eb), (ta, tb))
        assert ember.allclose(ea, eb, **kw) == torch.allclose(ta, tb, **kw)
        assert ember.allclose(ea[:2], eb[:2], **kw) == torch.allclose(ta[:2], tb[:2], **kw)
        check(lambda x, y: x.isclose(y, **kw), lambda x, y: x.isclose(y, **kw),
              (ea[:, None], eb), (ta[:, None], tb))
    i, j = ember.tensor([1, 2, 3]), ember.tensor([1, 3, 3])
    check(lambda x, y: ember.isclose(x, y, **kw), lambda x, y: torch.isclose(x, y, **kw),
          (i, j), (to_torch(i), to_torch(j)))
    bb = ember.tensor([True, False])
    check(lambda x, y: ember.isclose(x, y, **kw), lambda x, y: torch.isclose(x, y, **kw),
          (bb, bb), (to_torch(bb), to_torch(bb)))


def test_isclose_errors():
    with pytest.raises(RuntimeError, match="did not match"):
        ember.isclose(ember.tensor([1]), ember.tensor([1.0]))
    with pytest.raises(RuntimeError, match="rtol must be greater"):
        ember.isclose(ember.tensor([1.0]), ember.tensor([1.0]), rtol=-1)
    with pytest.raises(RuntimeError, match="did not match"):
        ember.allclose(ember.tensor([1]), ember.tensor([1.0]))


def test_equal():
    cases = [([1, 2], [1, 2]), ([1, 2], [1, 3]), ([1, 2], [1]), ([[1, 2]], [1, 2]), ([], [])]
    for a, b in cases:
        ea, eb = ember.tensor(a), ember.tensor(b)
        assert ember.equal(ea, eb) == torch.equal(to_torch(ea), to_torch(eb))
        assert ea.equal(eb) == torch.equal(to_torch(ea), to_torch(eb))
    x = ember.tensor([1, 2])
    assert ember.equal(x, x.float()) == torch.equal(to_torch(x), to_torch(x).float())
    n = ember.tensor([float("nan")])
    assert ember.equal(n, n) == torch.equal(to_torch(n), to_torch(n))


def test_errors():
    f = ember.tensor([1.0, 2.0])
    with pytest.raises(NotImplementedError, match="bitwise_and_cpu"):
        f & f
    with pytest.raises(NotImplementedError):
        ember.bitwise_and(ember.tensor([1]), 2.5)
    with pytest.raises(NotImplementedError, match="lshift"):
        f << 1
    with pytest.raises(NotImplementedError):
        ember.tensor([True]) << ember.tensor([True])
    with pytest.raises(TypeError, match="only implemented on integer and Boolean"):
        ~f
    with pytest.raises(NotImplementedError):
        ember.bitwise_not(f)
    with pytest.raises(TypeError, match="must be Tensor"):
        ember.logical_and(f, 1)
    with pytest.raises(RuntimeError, match="must match the size"):
        ember.logical_and(f, ember.ones(3))
    with pytest.raises(RuntimeError, match="must match the size"):
        ember.eq(f, ember.ones(3))
    with pytest.raises(RuntimeError, match="can't be cast"):
        ember.tensor([True]).__iand__(2)
    with pytest.raises(TypeError):
        ember.isnan([1.0])
