"""Sorting, selection, uniques, counting and binary search against real torch."""

import math

import numpy as np
import pytest
import torch

import ember
from tests._gradcheck import gradcheck
from tests._oracle import assert_close
from tests.ops.test_reduction import DTYPES
from tests.ops.test_reduction import check
from tests.ops.test_reduction import data

SHAPE_DIMS = [((), 0), ((), -1), ((0,), 0), ((5,), 0), ((5,), -1), ((3, 4, 5), 1),
              ((3, 4, 5), -1), ((3, 4, 5), 0), ((3, 4, 5), -4), ((0, 3), 1), ((0, 3), 0)]
CASES = [(dt, s, d) for dt in DTYPES for s, d in SHAPE_DIMS]


def _id(c):
    return "-".join(map(str, c))


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_sort_argsort(case, descending):
    dt, shape, dim = case
    arr = data(shape, DTYPES[dt])
    check(lambda m, x: m.sort(x, dim, descending), arr, DTYPES[dt])
    check(lambda m, x: x.argsort(dim, descending), arr, DTYPES[dt])


@pytest.mark.parametrize("descending", [False, True])
def test_sort_stable_ties_and_nan(descending):
    arr = np.array([[2.0, 1.0, 2.0, np.nan, 1.0, 0.0, np.nan, 2.0], [0.0] * 8])
    check(lambda m, x: m.sort(x, stable=True, descending=descending), arr, ember.float64)
    check(lambda m, x: m.argsort(x, dim=0, stable=True, descending=descending), arr.T,
          ember.float64)
    ties = data((4, 30), ember.int64, 3)
    check(lambda m, x: m.sort(x, stable=True, descending=descending, dim=1), ties, ember.int64)
    check(lambda m, x: m.sort(x, stable=True, descending=descending),
          data((3, 9), ember.bool), ember.bool)


def test_sort_noncontiguous_msort():
    arr = data((3, 4, 5), ember.float32, 2)
    check(lambda m, x: m.sort(x, 1), arr, ember.float32, noncontig=True)
    check(lambda m, x: m.msort(x), arr, ember.float32, noncontig=True)
    check(lambda m, x: m.topk(x, 2, 0), arr, ember.float32, noncontig=True)


@pytest.mark.parametrize("k", [0, 1, 3, 5, 6])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 4, 5), -1), ((3, 5, 4), 1), ((), 0)])
@pytest.mark.parametrize("dt", ["float32", "float64", "int64"])
def test_topk(k, largest, shape, dim, dt):
    arr = data(shape, DTYPES[dt])
    check(lambda m, x: m.topk(x, k, dim, largest), arr, DTYPES[dt],
          match="selected index k out of range")


@pytest.mark.parametrize("k", [0, 1, 3, 5, 6])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 4, 5), -1), ((3, 5, 4), 1), ((), 0)])
@pytest.mark.parametrize("dt", ["float32", "float64", "int64"])
def test_kthvalue(k, keepdim, shape, dim, dt):
    check(lambda m, x: m.kthvalue(x, k, dim, keepdim), data(shape, DTYPES[dt]), DTYPES[dt],
          match="kthvalue\\(\\): selected number k out of range")


@pytest.mark.parametrize("op", ["median", "nanmedian"])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_median(op, case, keepdim):
    dt, shape, dim = case
    arr = data(shape, DTYPES[dt])
    check(lambda m, x: getattr(m, op)(x, dim, keepdim), arr, DTYPES[dt])
    if keepdim:
        check(lambda m, x: getattr(m, op)(x), arr, DTYPES[dt])


def test_median_ties_and_nan():
    nan = math.nan
    arr = np.array([[1.0, nan, 3.0, nan], [4.0, 2.0, 2.0, 0.0], [5.0, 5.0, 1.0, 1.0],
                    [3.0, 3.0, 1.0, 7.0]])
    check(lambda m, x: m.median(x, 1), arr, ember.float64)
    check(lambda m, x: m.nanmedian(x, 1), arr, ember.float64)
    check(lambda m, x: m.median(x), arr, ember.float64)
    check(lambda m, x: m.nanmedian(x), arr, ember.float64)
    check(lambda m, x: m.median(x), arr[1:], ember.float64)  # tie gradient shared evenly
    check(lambda m, x: m.median(x, 0), arr[1:].T, ember.float64)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_mode(case, keepdim):
    dt, shape, dim = case
    arr = data(shape, DTYPES[dt], ties=True)
    check(lambda m, x: m.mode(x, dim, keepdim), arr, DTYPES[dt])


QS = [0.0, 0.3, 0.5, 1.0, np.array([0.1, 0.5, 0.9]), np.array(0.25), 1.5]


@pytest.mark.parametrize("op", ["quantile", "nanquantile"])
@pytest.mark.parametrize("interp", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (None, True), (1, False), (-1, True)])
def test_quantile(op, interp, dim, keepdim):
    arr = data((3, 4, 5), ember.float64)
    if op == "nanquantile":
        arr.reshape(-1)[[0, 3, 7, 20, 21, 22, 23, 24]] = np.nan
        arr[2, 1] = np.nan  # an all-NaN slice
    for q in QS:
        qe = ember.tensor(q) if isinstance(q, np.ndarray) else q
        qt = torch.tensor(q) if isinstance(q, np.ndarray) else q
        e, t = ember.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)
        try:
            want = getattr(torch, op)(t, qt, dim, keepdim, interpolation=interp)
        except RuntimeError:
            with pytest.raises(RuntimeError, match="q must be in the range"):
                getattr(ember, op)(e, qe, dim, keepdim, interpolation=interp)
            continue
        got = getattr(ember, op)(e, qe, dim, keepdim, interpolation=interp)
        assert_close(got, want)
        w = np.random.default_rng(1).standard_normal(tuple(want.shape))
        (want * torch.tensor(w)).nansum().backward()
        (got * ember.tensor(w)).nansum().backward()
        assert_close(e.grad, t.grad)


def test_quantile_float32_and_errors():
    check(lambda m, x: m.quantile(x, 0.3, 0), data((5, 3), ember.float32), ember.float32)
    check(lambda m, x: m.quantile(x, 0.3), data((4,), ember.int64), ember.int64,
          match="must be either float or double")
    check(lambda m, x: m.quantile(x, 0.3), data((0,), ember.float32), ember.float32,
          match="must be non-empty")
    check(lambda m, x: m.quantile(x, 0.5), np.array([1.0, np.nan]), ember.float64)


@pytest.mark.parametrize("dt", ["float32", "int64", "bool"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("flags", [(False, False), (True, False), (False, True), (True, True)])
def test_unique(dt, dim, flags):
    inv, cnt = flags
    arr = data((6, 3), DTYPES[dt], ties=True)
    arr[3] = arr[1]
    check(lambda m, x: m.unique(x, return_inverse=inv, return_counts=cnt, dim=dim), arr,
          DTYPES[dt], grad=False)
    check(lambda m, x: x.unique(sorted=False, return_inverse=inv, return_counts=cnt), arr,
          DTYPES[dt], grad=False)
    check(lambda m, x: m.unique_consecutive(x, return_inverse=inv, return_counts=cnt,
                                            dim=dim), arr, DTYPES[dt], grad=False)


def test_unique_edge_cases():
    check(lambda m, x: m.unique(x, return_counts=True), np.array([np.nan, np.nan, 1.0]),
          ember.float64, grad=False)
    for shape in ((), (0,)):
        check(lambda m, x: m.unique(x, return_inverse=True), data(shape, ember.float32),
              ember.float32, grad=False)
        check(lambda m, x: m.unique_consecutive(x, return_inverse=True, return_counts=True),
              data(shape, ember.int64), ember.int64, grad=False)
    check(lambda m, x: m.unique_consecutive(x), np.array([1, 1, 2, 2, 1, 3, 3]), ember.int64)


def test_bincount():
    x = np.array([0, 2, 2, 5, 1])
    check(lambda m, a: m.bincount(a), x, ember.int64)
    check(lambda m, a: m.bincount(a, minlength=9), x, ember.int64)
    check(lambda m, a: m.bincount(a), np.zeros(0, np.int64), ember.int64)
    for w in (np.arange(5.0, dtype=np.float32), np.arange(5.0), np.arange(5)):
        check(lambda m, a, ww: m.bincount(a, ww), x, ember.int64, extra=(w,))
    check(lambda m, a: m.bincount(a), np.array([-1, 2]), ember.int64,
          match="1-d non-negative")
    check(lambda m, a: m.bincount(a), np.ones((2, 2), np.int64), ember.int64)
    check(lambda m, a: m.bincount(a), np.ones(2), ember.float32)


def test_histc_histogram():
    arr = data((4, 5), ember.float32, 6)
    for kw in ({}, {"bins": 7}, {"bins": 4, "min": -1, "max": 1}, {"bins": 3, "min": 2,
                                                                    "max": 2}):
        check(lambda m, x: m.histc(x, **kw), arr, ember.float32, grad=False)
    check(lambda m, x: m.histc(x, 5), np.ones(3), ember.float64, grad=False)
    check(lambda m, x: m.histc(x), np.array([1, 2]), ember.int64)
    for kw in ({"bins": 5}, {"bins": 4, "range": (-1.0, 1.0)}, {"bins": 3, "density": True}):
        check(lambda m, x: m.histogram(x, **kw), arr, ember.float32, grad=False)
    edges = np.array([-2.0, 0.0, 0.5, 2.0], np.float32)
    check(lambda m, x, b: m.histogram(x, b), arr, ember.float32, grad=False, extra=(edges,))
    wt = np.abs(data((4, 5), ember.float32, 1))
    check(lambda m, x, w: m.histogram(x, 4, weight=w), arr, ember.float32, grad=False,
          extra=(wt,))


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_bucketize(right):
    seq = np.array([1.0, 2.0, 2.0, 4.0, 7.0])
    vals = np.array([[0.0, 2.0, 3.0], [7.0, 8.0, 4.0]])
    check(lambda m, s, v: m.searchsorted(s, v, right=right), seq, ember.float64,
          extra=(vals,))
    check(lambda m, s, v: m.searchsorted(s, v, side="right" if right else "left",
                                         out_int32=True), seq, ember.float64, extra=(vals,))
    check(lambda m, s: m.searchsorted(s, 2.0, right=right), seq, ember.float64)
    seq2 = np.sort(data((2, 6), ember.float64, 2), axis=1)
    check(lambda m, s, v: m.searchsorted(s, v, right=right), seq2, ember.float64,
          extra=(vals,))
    shuffled = seq[[4, 0, 3, 1, 2]]
    check(lambda m, s, p, v: m.searchsorted(s, v, sorter=p, right=right), shuffled,
          ember.float64, extra=(np.argsort(shuffled, kind="stable"), vals))
    check(lambda m, v, b: m.bucketize(v, b, right=right), vals, ember.float64, extra=(seq,))
    check(lambda m, v, b: m.bucketize(v, b, right=right, out_int32=True), vals,
          ember.float64, extra=(seq,))
    assert not hasattr(ember.Tensor, "bucketize")


def test_searchsorted_errors():
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        ember.searchsorted(ember.tensor([1.0]), ember.tensor([1.0]), right=True, side="left")
    with pytest.raises(RuntimeError, match="boundaries tensor must be 1 dimension"):
        ember.bucketize(ember.tensor([1.0]), ember.ones(2, 2))


def _g(shape, seed=0):
    return ember.tensor(data(shape, ember.float64, seed), requires_grad=True)


GRADCHECK = {
    "sort": lambda x: x.sort(1, descending=True).values,
    "topk": lambda x: x.topk(2, 0).values,
    "kthvalue": lambda x: x.kthvalue(2, 1).values,
    "median": lambda x: x.median(),
    "median_dim": lambda x: x.median(0, keepdim=True).values,
    "nanmedian_dim": lambda x: x.nanmedian(1).values,
    "mode": lambda x: x.mode(1).values,
    "quantile": lambda x: ember.quantile(x, ember.tensor([0.2, 0.7], dtype=ember.float64), 1),
    "msort": lambda x: ember.msort(x),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck(name):
    gradcheck(GRADCHECK[name], [_g((3, 4), 5)], second_order=True)
