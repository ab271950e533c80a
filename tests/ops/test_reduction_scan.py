"""Scans (cumsum, cumprod, cummax, cummin, logcumsumexp) against real torch."""

import numpy as np
import pytest

import ember
from tests._gradcheck import gradcheck
from tests.ops.test_reduction import DTYPES
from tests.ops.test_reduction import check
from tests.ops.test_reduction import data

SHAPE_DIMS = [((), 0), ((), -1), ((0,), 0), ((5,), 0), ((5,), -1), ((3, 4, 5), 1),
              ((3, 4, 5), -1), ((3, 4, 5), 0), ((3, 4, 5), 3), ((0, 3), 1)]
CASES = [(dt, s, d) for dt in DTYPES for s, d in SHAPE_DIMS]


def _id(c):
    return "-".join(map(str, c))


@pytest.mark.parametrize("op", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_scan(op, case):
    dt, shape, dim = case
    arr = data(shape, DTYPES[dt])
    if op == "cumprod" and DTYPES[dt].is_floating_point:
        arr = arr / 4 + 1  # keep products moderate
    check(lambda m, x: getattr(m, op)(x, dim), arr, DTYPES[dt], rtol=1e-4)


@pytest.mark.parametrize("op", ["cumsum", "cumprod", "cummax", "logcumsumexp"])
def test_scan_noncontiguous_and_method(op):
    arr = data((3, 4, 5), ember.float64, 4)
    check(lambda m, x: getattr(x, op)(1), arr, ember.float64, noncontig=True)


def test_scan_dtype_arg():
    arr = data((3, 4), ember.int64)
    check(lambda m, x: m.cumsum(x, 1, dtype=m.float32), arr, ember.int64)
    check(lambda m, x: m.cumprod(x, 0, dtype=m.float64), arr, ember.int64)
    check(lambda m, x: m.cumsum(x, 0, dtype=m.float64), data((3, 4), ember.float32),
          ember.float32)


@pytest.mark.parametrize("zeros", [[0], [2], [1, 3], [4], [0, 5, 6, 11]])
def test_cumprod_gradient_with_zeros(zeros):
    arr = data((3, 4), ember.float64, 1).reshape(-1) + 0.5
    arr[zeros] = 0.0
    arr = arr.reshape(3, 4)
    check(lambda m, x: m.cumprod(x, 1), arr, ember.float64)
    check(lambda m, x: m.cumprod(x, 0), arr, ember.float64)


def test_cummax_cummin_ties_and_nan():
    arr = np.array([[3.0, 1.0, 3.0, 2.0, 3.0], [1.0, 1.0, 0.0, 0.0, 2.0],
                    [1.0, np.nan, 2.0, np.nan, 0.0]])
    for op in ("cummax", "cummin"):
        check(lambda m, x: getattr(m, op)(x, 1), arr, ember.float64)
        check(lambda m, x: getattr(m, op)(x, 0), arr, ember.float64)
    check(lambda m, x: m.cummax(x, 0), np.array([True, False, True]), ember.bool)


def test_logcumsumexp_extremes():
    arr = np.array([[1000.0, 1000.0, -1000.0], [-np.inf, 0.0, -np.inf]])
    check(lambda m, x: m.logcumsumexp(x, 1), arr, ember.float64, grad=False)
    check(lambda m, x: m.logcumsumexp(x, 1), arr[:1], ember.float64)


def test_scan_errors():
    x = ember.ones(3)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.cumsum(1)
    with pytest.raises(TypeError):
        ember.cumsum(x)
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        ember.tensor([1, 2]).logcumsumexp(0)


def _g(shape, seed=0):
    return ember.tensor(data(shape, ember.float64, seed) + 0.3, requires_grad=True)


GRADCHECK = {
    "cumsum": lambda x: x.cumsum(1),
    "cumprod": lambda x: x.cumprod(0),
    "cummax": lambda x: x.cummax(1).values,
    "cummin": lambda x: x.cummin(0).values,
    "logcumsumexp": lambda x: x.logcumsumexp(1),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck(name):
    gradcheck(GRADCHECK[name], [_g((3, 4), 2)], second_order=True)
