import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F
from tests._gradcheck import gradcheck
from tests.nn._spatial import check_fn
from tests.nn._spatial import randn

MAX_CASES = [
    (1, (2, 3, 9), dict(kernel_size=3)),
    (1, (2, 3, 10), dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)),
    (1, (3, 8), dict(kernel_size=2)),
    (2, (2, 3, 7, 6), dict(kernel_size=2)),
    (2, (2, 2, 7, 7), dict(kernel_size=3, stride=2, padding=1)),
    (2, (1, 2, 8, 7), dict(kernel_size=(3, 2), stride=(2, 1), dilation=(2, 1), ceil_mode=True)),
    (2, (1, 2, 6, 6), dict(kernel_size=3, stride=1)),  # overlapping windows
    (2, (2, 5, 5), dict(kernel_size=2, ceil_mode=True)),
    (3, (1, 2, 5, 6, 4), dict(kernel_size=2, stride=(1, 2, 2), padding=1)),
    (3, (1, 2, 5, 5, 5), dict(kernel_size=3, stride=2, ceil_mode=True)),
]


@pytest.mark.parametrize("case", MAX_CASES)
def test_max_pool_oracle(case):
    nd, shape, kw = case
    rng = np.random.default_rng(sum(shape))
    x = randn(rng, *shape)
    fe, ft = getattr(F, f"max_pool{nd}d"), getattr(TF, f"max_pool{nd}d")
    check_fn(lambda x: fe(x, **kw, return_indices=True),
             lambda x: ft(x, **kw, return_indices=True), [x])
    check_fn(lambda x: fe(x, **kw), lambda x: ft(x, **kw), [x])


def test_max_pool_ties_and_nan():
    x = np.zeros((1, 1, 4, 4), np.float32)
    check_fn(lambda x: F.max_pool2d(x, 2, 1, return_indices=True),
             lambda x: TF.max_pool2d(x, 2, 1, return_indices=True), [x])
    x[0, 0, 1, 1] = np.nan
    check_fn(lambda x: F.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2), [x], grad=False)


AVG_CASES = [
    (1, (2, 3, 9), dict(kernel_size=3)),
    (1, (2, 3, 10), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                         count_include_pad=False)),
    (2, (2, 3, 7, 6), dict(kernel_size=2)),
    (2, (2, 2, 7, 7), dict(kernel_size=3, stride=2, padding=1)),
    (2, (2, 2, 7, 7), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    (2, (1, 2, 8, 7), dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True)),
    (2, (1, 2, 8, 7), dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True,
                           count_include_pad=False)),
    (2, (1, 2, 6, 6), dict(kernel_size=3, stride=1, divisor_override=5)),
    (2, (2, 5, 5), dict(kernel_size=2, ceil_mode=True)),
    (3, (1, 2, 5, 6, 4), dict(kernel_size=2, stride=(1, 2, 2), padding=1)),
    (3, (1, 2, 5, 5, 5), dict(kernel_size=3, stride=2, ceil_mode=True, divisor_override=2)),
]


@pytest.mark.parametrize("case", AVG_CASES)
def test_avg_pool_oracle(case):
    nd, shape, kw = case
    rng = np.random.default_rng(sum(shape))
    x = randn(rng, *shape)
    fe, ft = getattr(F, f"avg_pool{nd}d"), getattr(TF, f"avg_pool{nd}d")
    check_fn(lambda x: fe(x, **kw), lambda x: ft(x, **kw), [x])


@pytest.mark.parametrize("nd,shape,out", [
    (1, (2, 3, 9), 4), (1, (3, 8), 4), (2, (2, 3, 7, 6), (3, 4)), (2, (2, 3, 8, 6), (4, 3)),
    (2, (2, 3, 5, 5), 1), (2, (1, 2, 6, 5), (None, 3)), (3, (1, 2, 5, 4, 6), (2, 3, 4)),
    (2, (2, 3, 4, 4), 6),
])
def test_adaptive_avg_pool_oracle(nd, shape, out):
    rng = np.random.default_rng(0)
    x = randn(rng, *shape)
    fe, ft = getattr(F, f"adaptive_avg_pool{nd}d"), getattr(TF, f"adaptive_avg_pool{nd}d")
    check_fn(lambda x: fe(x, out), lambda x: ft(x, out), [x])


@pytest.mark.parametrize("nd,shape,out", [
    (1, (2, 3, 9), 4), (1, (3, 8), 4), (2, (2, 3, 7, 6), (3, 4)), (2, (2, 3, 5, 5), 1),
    (2, (1, 2, 6, 5), (None, 3)), (2, (2, 3, 3, 3), 5), (3, (1, 2, 5, 4, 6), (2, 3, 4)),
])
def test_adaptive_max_pool_oracle(nd, shape, out):
    rng = np.random.default_rng(0)
    x = randn(rng, *shape)
    fe, ft = getattr(F, f"adaptive_max_pool{nd}d"), getattr(TF, f"adaptive_max_pool{nd}d")
    check_fn(lambda x: fe(x, out, return_indices=True),
             lambda x: ft(x, out, return_indices=True), [x])


@pytest.mark.parametrize("nd,shape,kw,osize", [
    (1, (2, 3, 8), dict(kernel_size=2), None),
    (2, (2, 3, 6, 6), dict(kernel_size=2), None),
    (2, (1, 2, 7, 7), dict(kernel_size=3, stride=2, padding=1), None),
    (2, (1, 2, 7, 7), dict(kernel_size=2, stride=2), (7, 7)),
    (3, (1, 2, 4, 4, 4), dict(kernel_size=2), None),
])
def test_max_unpool_oracle(nd, shape, kw, osize):
    rng = np.random.default_rng(0)
    x = randn(rng, *shape)
    pe, pt = getattr(F, f"max_pool{nd}d"), getattr(TF, f"max_pool{nd}d")
    ue, ut = getattr(F, f"max_unpool{nd}d"), getattr(TF, f"max_unpool{nd}d")

    def fe(x):
        y, i = pe(x, **kw, return_indices=True)
        return ue(y, i, **kw, output_size=osize)

    def ft(x):
        y, i = pt(x, **kw, return_indices=True)
        return ut(y, i, **kw, output_size=osize)

    check_fn(fe, ft, [x])


@pytest.mark.parametrize("nd,shape,p,k,s,ceil", [
    (1, (2, 3, 9), 2, 3, None, False), (1, (2, 3, 9), 3, 2, 2, True),
    (2, (2, 3, 6, 7), 2, 2, None, False), (2, (1, 2, 7, 7), 1.5, (3, 2), (2, 1), True),
])
def test_lp_pool_oracle(nd, shape, p, k, s, ceil):
    rng = np.random.default_rng(0)
    x = np.abs(randn(rng, *shape)) + 0.1
    fe, ft = getattr(F, f"lp_pool{nd}d"), getattr(TF, f"lp_pool{nd}d")
    check_fn(lambda x: fe(x, p, k, s, ceil), lambda x: ft(x, p, k, s, ceil), [x], atol=1e-4,
             rtol=1e-4)


def test_pool_gradcheck():
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((1, 2, 5, 6)), requires_grad=True)
    gradcheck(lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [x])
    gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), [x])
    gradcheck(lambda x: F.adaptive_avg_pool2d(x, (3, 4)), [x])
    gradcheck(lambda x: F.adaptive_max_pool2d(x, (3, 4)), [x])
    x3 = ember.tensor(rng.standard_normal((1, 1, 4, 3, 5)), requires_grad=True)
    gradcheck(lambda x: F.max_pool3d(x, 2, 1), [x3])
    gradcheck(lambda x: F.avg_pool3d(x, 2, 1, 1), [x3])


def _same_error(fe, ft, x, *args, **kw):
    with pytest.raises(Exception) as et:
        ft(torch.tensor(x), *args, **kw)
    with pytest.raises(type(et.value)) as ee:
        fe(ember.tensor(x), *args, **kw)
    assert str(ee.value) == str(et.value)


def test_pool_errors():
    z = np.zeros
    _same_error(F.max_pool2d, TF.max_pool2d, z((2, 3), np.float32), 2)
    _same_error(F.max_pool2d, TF.max_pool2d, z((1, 2, 5, 5), np.float32), 3, padding=2)
    _same_error(F.avg_pool2d, TF.avg_pool2d, z((1, 2, 5, 5), np.float32), 3, padding=2)
    _same_error(F.max_pool1d, TF.max_pool1d, z((2, 3, 4, 5), np.float32), 2)
    _same_error(F.avg_pool1d, TF.avg_pool1d, z((2, 3, 4, 5), np.float32), 2)
    _same_error(F.max_pool2d, TF.max_pool2d, z((1, 1, 2, 2), np.float32), 3)
    _same_error(F.avg_pool2d, TF.avg_pool2d, z((1, 1, 2, 2), np.float32), 3)
    _same_error(F.adaptive_avg_pool2d, TF.adaptive_avg_pool2d, z((2,), np.float32), 3)
    _same_error(F.adaptive_max_pool2d, TF.adaptive_max_pool2d, z((2,), np.float32), 3)
    _same_error(F.max_pool3d, TF.max_pool3d, z((2, 2), np.float32), 3)


def test_pool_grad_fn_names():
    x = ember.zeros(1, 1, 4, 4, requires_grad=True)
    assert F.max_pool2d(x, 2).grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    assert F.avg_pool2d(x, 2).grad_fn.name() == "AvgPool2DBackward0"
