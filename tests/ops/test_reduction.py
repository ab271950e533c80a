"""Reductions against real torch: values, dtypes, shapes, return types, gradients, errors.

`check` is shared with the sorting/scan tests: it runs one lambda `fn(module, x)` on ember and
on torch and compares everything that comes back.
"""

import math

import numpy as np
import pytest
import torch

import ember
from tests._gradcheck import gradcheck
from tests._oracle import TORCH_DTYPES
from tests._oracle import assert_close

DTYPES = {"float32": ember.float32, "float64": ember.float64, "int64": ember.int64,
          "bool": ember.bool}


def data(shape, dtype, seed=0, ties=False):
    """Random values without ties (unless asked), as a NumPy array of the dtype."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype is ember.bool:
        return rng.random(shape) < 0.5
    if dtype.is_floating_point:
        if ties:
            return rng.integers(-2, 3, shape).astype(dtype.np_dtype)
        return (rng.permutation(n) - n / 2.0 + rng.random(n) * 0.5).reshape(shape).astype(
            dtype.np_dtype) / 4
    if ties:
        return rng.integers(-4, 5, shape).astype(dtype.np_dtype)
    return (rng.permutation(n) - n // 2).reshape(shape).astype(dtype.np_dtype)


def pair(arr, dtype, noncontig=False, requires_grad=None):
    """The same values as an ember and a torch tensor (optionally as non-contiguous views)."""
    if noncontig and arr.ndim >= 2:
        perm = tuple(reversed(range(arr.ndim)))
        base = np.ascontiguousarray(arr.transpose(perm))
        e = ember.tensor(base, dtype=dtype).permute(*perm)
        t = torch.tensor(base, dtype=TORCH_DTYPES[dtype]).permute(*perm)
        assert not e.is_contiguous()
    else:
        e = ember.tensor(arr, dtype=dtype)
        t = torch.tensor(arr, dtype=TORCH_DTYPES[dtype])
    rg = dtype.is_floating_point if requires_grad is None else requires_grad
    if rg:
        e = e.detach().requires_grad_(True)
        t = t.detach().requires_grad_(True)
    return e, t


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in _flat(x)]
    return [out]


def check(fn, arr, dtype, noncontig=False, grad=True, match=None, rtol=None, atol=None,
          extra=()):
    """Run fn(ember, x, *extra) and fn(torch, x, *extra); compare results, types, grads, errors."""
    e, t = pair(arr, dtype, noncontig, requires_grad=grad and dtype.is_floating_point)
    ee = [ember.tensor(a) if isinstance(a, np.ndarray) else a for a in extra]
    tt = [torch.tensor(a) if isinstance(a, np.ndarray) else a for a in extra]
    try:
        want = fn(torch, t, *tt)
    except Exception as ex:  # torch refuses: ember must refuse with the same type
        with pytest.raises(type(ex), match=match):
            fn(ember, e, *ee)
        return None
    got = fn(ember, e, *ee)
    if type(want).__module__ == "torch.return_types":
        assert type(got).__name__ == type(want).__name__
        assert len(got) == len(want)
        for f in type(got)._fields:
            assert_close(getattr(got, f), getattr(want, f), rtol=rtol, atol=atol)
    else:
        assert type(got) is not tuple or type(want) is tuple
        assert_close(got, want, rtol=rtol, atol=atol)
    gouts = [o for o in _flat(got) if isinstance(o, ember.Tensor) and o.requires_grad]
    touts = [o for o in _flat(want) if isinstance(o, torch.Tensor) and o.requires_grad]
    assert len(gouts) == len(touts)
    if grad and touts:
        rng = np.random.default_rng(7)
        ws = [rng.standard_normal(tuple(o.shape)) for o in touts]
        sum((o * torch.tensor(w, dtype=o.dtype)).sum() for o, w in zip(touts, ws)).backward()
        sum((o * ember.tensor(w, dtype=o.dtype)).sum() for o, w in zip(gouts, ws)).backward()
        if t.grad is None:
            assert e.grad is None or not e.grad.numpy().any()
        else:
            assert_close(e.grad, t.grad, rtol=rtol, atol=atol)
    return got


# ------------------------------------------------------------------------------ cases

SHAPE_DIMS = [((), None), ((), 0), ((), -1), ((0,), None), ((0,), 0), ((5,), None),
              ((5,), 0), ((3, 4, 5), None), ((3, 4, 5), 1), ((3, 4, 5), -1),
              ((3, 4, 5), (0, 2)), ((3, 4, 5), (-1, 0)), ((0, 3), 1), ((3, 4, 5), 3)]


KEEPDIM_SHAPES = {((), 0), ((5,), 0), ((3, 4, 5), None), ((3, 4, 5), -1), ((3, 4, 5), (0, 2)),
                  ((0, 3), 1)}


def _cases(dtypes=("float32", "float64", "int64", "bool"), tuple_dims=True, shapes=None):
    out = []
    for dt in dtypes:
        for shape, dim in shapes or SHAPE_DIMS:
            if not tuple_dims and isinstance(dim, tuple):
                continue
            for keepdim in (False, True):
                if keepdim and (shape, dim) not in KEEPDIM_SHAPES:
                    continue
                out.append((dt, shape, dim, keepdim))
    return out


SMALL = [((), None), ((0,), 0), ((3, 4, 5), None), ((3, 4, 5), -1), ((3, 4, 5), (0, 2)),
         ((3, 4, 5), 3)]


def _id(c):
    return "-".join(map(str, c))


def _kw(dim, keepdim):
    return {} if dim is None else {"dim": dim, "keepdim": keepdim}


@pytest.mark.parametrize("op", ["amax", "amin"])
@pytest.mark.parametrize("case", _cases(), ids=_id)
def test_amax_amin(op, case):
    dt, shape, dim, keepdim = case
    check(lambda m, x: getattr(m, op)(x, **_kw(dim, keepdim)), data(shape, DTYPES[dt]),
          DTYPES[dt])


@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("case", _cases(tuple_dims=False), ids=_id)
def test_max_min(op, case):
    dt, shape, dim, keepdim = case
    if dim is None:
        fn = (lambda m, x: getattr(m, op)(x))
    else:
        fn = (lambda m, x: getattr(x, op)(dim, keepdim))
    check(fn, data(shape, DTYPES[dt]), DTYPES[dt])


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("case", _cases(tuple_dims=False), ids=_id)
def test_argmax_argmin(op, case):
    dt, shape, dim, keepdim = case
    check(lambda m, x: getattr(m, op)(x, dim, keepdim), data(shape, DTYPES[dt], ties=True),
          DTYPES[dt])


@pytest.mark.parametrize("case", _cases(tuple_dims=False), ids=_id)
def test_aminmax(case):
    dt, shape, dim, keepdim = case
    check(lambda m, x: m.aminmax(x, dim=dim, keepdim=keepdim), data(shape, DTYPES[dt]),
          DTYPES[dt])


@pytest.mark.parametrize("op", ["max", "min", "amax", "amin", "argmax", "aminmax"])
def test_noncontiguous(op):
    arr = data((3, 4, 5), ember.float32, seed=3)
    check(lambda m, x: getattr(m, op)(x, dim=1), arr, ember.float32, noncontig=True)
    if op != "aminmax":
        check(lambda m, x: getattr(m, op)(x), arr, ember.float32, noncontig=True)


@pytest.mark.parametrize("op", ["max", "min", "amax", "amin"])
def test_ties_gradient(op):
    # full max/amax share the gradient among ties; max(dim) sends it to the returned index
    arr = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0], [5.0, 5.0, 5.0]])
    for dim in (None, 0, 1):
        if dim is None:
            check(lambda m, x: getattr(m, op)(x), arr, ember.float64)
        else:
            check(lambda m, x: getattr(m, op)(x, dim), arr, ember.float64)


def test_nan_propagates():
    arr = np.array([[1.0, np.nan, 3.0], [2.0, 4.0, 0.0]])
    for fn in (lambda m, x: m.max(x), lambda m, x: m.max(x, 1), lambda m, x: m.amin(x, 1),
               lambda m, x: m.argmax(x, 1), lambda m, x: m.argmin(x)):
        check(fn, arr, ember.float64)


def test_max_binary_and_types():
    a, b = data((3, 4), ember.float32, 1), data((4,), ember.float32, 2)
    ea, ta = pair(a, ember.float32)
    eb, tb = pair(b, ember.float32)
    if "maximum" in dir(ember):
        assert_close(ember.max(ea, eb), torch.max(ta, tb))
        assert_close(ember.min(ea, eb), torch.min(ta, tb))
    r = ember.max(ea, 1)
    assert isinstance(r, tuple) and r[0] is r.values and r[1] is r.indices
    assert repr(r).startswith("torch.return_types.max(\nvalues=tensor(")
    assert repr(r).endswith("indices=tensor([" + ", ".join(
        str(i) for i in torch.max(ta, 1).indices.tolist()) + "]))")
    v, i = ember.min(ea, dim=0, keepdim=True)
    assert tuple(v.shape) == (1, 4) and i.dtype is ember.int64
    assert r.values.grad_fn.name() == "MaxBackward0"
    assert ember.max(ea).grad_fn.name() == "MaxBackward1"
    assert ember.amax(ea, 0).grad_fn.name() == "AmaxBackward0"


def test_max_errors():
    e = ember.ones(2, 3)
    with pytest.raises(IndexError, match="Dimension out of range"):
        e.max(2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        e.amax(-3)
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified"):
        ember.empty(0).max()
    with pytest.raises(IndexError, match="Expected reduction dim 0 to have non-zero size"):
        ember.empty(0, 3).max(0)
    with pytest.raises(RuntimeError, match="dim 1 appears multiple times"):
        e.amax((1, -1))
    with pytest.raises(TypeError):
        ember.max(e, (0, 1))
    with pytest.raises(RuntimeError, match="does not support bool"):
        ember.tensor([True]).argmax()


# ------------------------------------------------------------------------------ var / std

VAR_KW = [{}, {"correction": 0}, {"correction": 2}, {"unbiased": False}]


@pytest.mark.parametrize("kw,case", [({}, c) for c in _cases(("float32", "float64", "int64"))]
                         + [(k, c) for k in VAR_KW[1:] for c in _cases(("float64",),
                                                                       shapes=SMALL)],
                         ids=str)
def test_var_std(kw, case):
    dt, shape, dim, keepdim = case
    k = dict(kw) if dim is None else dict(kw, dim=dim, keepdim=keepdim)
    for op in ("var", "std"):
        check(lambda m, x: getattr(m, op)(x, **k), data(shape, DTYPES[dt]), DTYPES[dt],
              rtol=1e-4 if dt == "float32" else None)


@pytest.mark.parametrize("op", ["var_mean", "std_mean"])
@pytest.mark.parametrize("dim", [None, 1, (0, 2)])
def test_var_std_mean(op, dim):
    for kw in ({}, {"correction": 0, "keepdim": True}):
        check(lambda m, x: getattr(m, op)(x, dim, **kw), data((3, 4, 5), ember.float64),
              ember.float64)


def test_var_positional_forms():
    arr = data((3, 4), ember.float64, 5)
    for fn in (lambda m, x: m.std(x, True), lambda m, x: m.std(x, False),
               lambda m, x: m.var(x, 1, False), lambda m, x: m.var(x, 1, True, True),
               lambda m, x: x.std(0, keepdim=True), lambda m, x: m.var(x, [0, 1])):
        check(fn, arr, ember.float64, noncontig=True)


def test_std_constant_gradient_is_zero():
    check(lambda m, x: m.std(x, 1), np.ones((2, 3)), ember.float64)


# ------------------------------------------------------------------------------ logsumexp / prod

@pytest.mark.parametrize("case", [c for c in _cases() if c[2] is not None], ids=_id)
def test_logsumexp(case):
    dt, shape, dim, keepdim = case
    check(lambda m, x: m.logsumexp(x, dim, keepdim), data(shape, DTYPES[dt]), DTYPES[dt],
          rtol=1e-5)


def test_logsumexp_extremes():
    arr = np.array([[1000.0, 1000.0], [-np.inf, -np.inf], [-1000.0, 0.0]])
    check(lambda m, x: m.logsumexp(x, 1), arr, ember.float64, grad=False)
    check(lambda m, x: m.logsumexp(x, 1), arr[[0, 2]], ember.float64)


@pytest.mark.parametrize("case", _cases(tuple_dims=False), ids=_id)
def test_prod(case):
    dt, shape, dim, keepdim = case
    arr = data(shape, DTYPES[dt]) if dt != "float32" else data(shape, ember.float32) / 2 + 1
    if dim is None:
        check(lambda m, x: m.prod(x), arr, DTYPES[dt], rtol=1e-4)
    else:
        check(lambda m, x: x.prod(dim, keepdim), arr, DTYPES[dt], rtol=1e-4)


@pytest.mark.parametrize("zeros", [[0], [0, 1], [0, 5, 6]])
def test_prod_gradient_with_zeros(zeros):
    arr = data((3, 4), ember.float64, 2).reshape(-1)
    arr[zeros] = 0.0
    arr = arr.reshape(3, 4)
    check(lambda m, x: m.prod(x), arr, ember.float64)
    check(lambda m, x: m.prod(x, 1), arr, ember.float64)
    check(lambda m, x: m.prod(x, 0, keepdim=True), arr, ember.float64)


def test_prod_dtype_and_errors():
    arr = data((3, 4), ember.float32, 2)
    check(lambda m, x: m.prod(x, 1, dtype=m.float64), arr, ember.float32)
    check(lambda m, x: m.prod(x, (0, 1)), arr, ember.float32)
    check(lambda m, x: m.prod(x, dtype=m.float64), arr, ember.int64)


# ------------------------------------------------------------------------------ all / any / nan*

@pytest.mark.parametrize("op", ["all", "any", "count_nonzero"])
@pytest.mark.parametrize("case", _cases(("float32", "int64", "bool")), ids=_id)
def test_logical(op, case):
    dt, shape, dim, keepdim = case
    arr = data(shape, DTYPES[dt], ties=True)
    if op == "count_nonzero":
        if keepdim:
            return
        check(lambda m, x: m.count_nonzero(x, dim), arr, DTYPES[dt])
    elif dim is None:
        check(lambda m, x: getattr(m, op)(x), arr, DTYPES[dt])
    else:
        check(lambda m, x: getattr(x, op)(dim, keepdim), arr, DTYPES[dt])


def test_all_any_uint8():
    check(lambda m, x: m.all(x), np.array([1, 2], np.uint8), ember.uint8)
    check(lambda m, x: m.any(x, 0), np.array([0, 2], np.uint8), ember.uint8)


@pytest.mark.parametrize("op", ["nansum", "nanmean"])
@pytest.mark.parametrize("case", _cases(("float32", "float64", "int64")), ids=_id)
def test_nansum_nanmean(op, case):
    dt, shape, dim, keepdim = case
    arr = data(shape, DTYPES[dt])
    if DTYPES[dt].is_floating_point and arr.size > 2:
        arr.reshape(-1)[[0, 2]] = np.nan
    check(lambda m, x: getattr(m, op)(x, **_kw(dim, keepdim)), arr, DTYPES[dt])


# ------------------------------------------------------------------------------ norms

NORM_P = [2, 1, 0, 3, 0.5, math.inf, -math.inf, "fro"]


@pytest.mark.parametrize("case", _cases(("float32",)) + _cases(("float64", "int64"),
                                                               shapes=SMALL), ids=_id)
def test_norm(case):
    dt, shape, dim, keepdim = case
    for p in NORM_P:
        d = (dim,) if p == "fro" and isinstance(dim, int) else dim
        check(lambda m, x: m.norm(x, p, d, keepdim), data(shape, DTYPES[dt]), DTYPES[dt],
              rtol=1e-4)


def _vector_norm(m, *a, **k):
    if m is torch:
        return torch.linalg.vector_norm(*a, **k)
    from ember._ops.reduction import vector_norm

    return vector_norm(*a, **k)


def _matrix_norm(m, *a, **k):
    if m is torch:
        return torch.linalg.matrix_norm(*a, **k)
    from ember._ops.reduction import matrix_norm

    return matrix_norm(*a, **k)


def _linalg_norm(m, *a, **k):
    if m is torch:
        return torch.linalg.norm(*a, **k)
    from ember._ops.reduction import linalg_norm

    return linalg_norm(*a, **k)


@pytest.mark.parametrize("case", _cases(("float64",)) + _cases(("float32", "int64"),
                                                               shapes=SMALL), ids=_id)
def test_vector_norm(case):
    dt, shape, dim, keepdim = case
    for ord in (2, 1, 0, -1, 3.5, math.inf, -math.inf):
        check(lambda m, x: _vector_norm(m, x, ord, dim, keepdim), data(shape, DTYPES[dt]),
              DTYPES[dt], rtol=1e-4)


def test_vector_norm_dtype_and_zero_grad():
    arr = data((3, 4), ember.float32)
    check(lambda m, x: _vector_norm(m, x, 2, 1, dtype=m.float64), arr, ember.float32)
    z = np.zeros((2, 3))
    for ord in (2, 3, math.inf):
        check(lambda m, x: _vector_norm(m, x, ord, 1), z, ember.float64)


@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf], ids=str)
@pytest.mark.parametrize("dim", [(-2, -1), (0, 2), (2, 0)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_matrix_norm(ord, dim, keepdim):
    check(lambda m, x: _matrix_norm(m, x, ord, dim, keepdim), data((3, 4, 5), ember.float64),
          ember.float64)


def test_linalg_norm_forms():
    a3 = data((3, 4, 5), ember.float64)
    for args in [(), (None, 1), (None, (0, 1)), (3, 2), (math.inf, (1, 2)), ("fro",),
                 (2,), ("nuc", (0, 2))]:
        check(lambda m, x: _linalg_norm(m, x, *args), a3, ember.float64)
    for arg in (1, 2, math.inf, "fro", "nuc", -2):
        check(lambda m, x: _linalg_norm(m, x, arg), a3[0], ember.float64)
    for arg in (1, 2, math.inf, -1):
        check(lambda m, x: _linalg_norm(m, x, arg), a3[0, 0], ember.float64)


def test_norm_errors():
    from ember._ops.reduction import matrix_norm
    from ember._ops.reduction import vector_norm

    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor"):
        vector_norm(ember.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="cannot compute the inf norm on an empty tensor"):
        vector_norm(ember.empty(0), math.inf)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        matrix_norm(ember.ones(3))


# ------------------------------------------------------------------------------ gradcheck

def _g(shape, seed=0, positive=False):
    a = data(shape, ember.float64, seed) + 0.1
    if positive:
        a = np.abs(a) + 0.5
    return ember.tensor(a, dtype=ember.float64, requires_grad=True)


GRADCHECK = {
    "max": (lambda x: x.max(), (3, 4), True),
    "max_dim": (lambda x: x.max(1).values, (3, 4), True),
    "min_dim_keep": (lambda x: x.min(0, keepdim=True)[0], (3, 4), True),
    "amax": (lambda x: x.amax((0, 2)), (2, 3, 4), True),
    "amin": (lambda x: x.amin(-1), (3, 4), True),
    "aminmax": (lambda x: ember.aminmax(x, dim=1), (3, 4), True),
    "var": (lambda x: x.var(1), (3, 4), True),
    "std": (lambda x: x.std((0, 1), correction=0), (3, 4), True),
    "std_mean": (lambda x: ember.std_mean(x, 0), (3, 4), True),
    "logsumexp": (lambda x: x.logsumexp((0, 1)), (3, 4), True),
    "prod": (lambda x: x.prod(), (3, 4), True),
    "prod_dim": (lambda x: x.prod(1, keepdim=True), (3, 4), True),
    "nansum": (lambda x: x.nansum(1), (3, 4), True),
    "nanmean": (lambda x: x.nanmean(), (3, 4), True),
    "norm2": (lambda x: x.norm(dim=1), (3, 4), True),
    "norm3": (lambda x: x.norm(3), (3, 4), True),
    "norm_inf": (lambda x: x.norm(math.inf, dim=0), (3, 4), True),
    "norm1": (lambda x: x.norm(1), (3, 4), True),
    "matrix_nuc": (lambda x: ember.norm(x, "nuc"), (3, 4), False),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck(name):
    fn, shape, second = GRADCHECK[name]
    gradcheck(fn, [_g(shape, 3)], second_order=second)
