import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F
from tests._gradcheck import gradcheck
from tests.nn._spatial import check_fn
from tests.nn._spatial import randn

CONV_CASES = [
    # nd, N, C, O, spatial, kernel, kwargs
    (1, 2, 3, 4, (9,), (3,), {}),
    (1, 2, 4, 6, (10,), (2,), dict(stride=2, padding=1, dilation=2, groups=2)),
    (1, 1, 2, 2, (7,), (4,), dict(padding="same", dilation=1)),
    (1, 2, 2, 3, (7,), (3,), dict(padding="valid")),
    (2, 2, 3, 5, (7, 6), (3, 3), {}),
    (2, 2, 4, 6, (8, 7), (3, 2), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
    (2, 3, 4, 4, (6, 6), (3, 3), dict(groups=4, padding=1)),
    (2, 1, 2, 3, (6, 5), (4, 3), dict(padding="same", dilation=(1, 2))),
    (2, 2, 3, 2, (5, 5), (1, 1), dict(stride=3)),
    (3, 2, 2, 3, (4, 5, 4), (2, 3, 2), dict(stride=(1, 2, 1), padding=1)),
    (3, 1, 4, 4, (5, 4, 4), (3, 2, 2), dict(groups=2, dilation=(1, 2, 1))),
]


@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv_oracle(case, bias):
    nd, n, c, o, sp, k, kw = case
    rng = np.random.default_rng(len(sp) * 7 + sum(k))
    g = kw.get("groups", 1)
    arrays = [randn(rng, n, c, *sp), randn(rng, o, c // g, *k)]
    if bias:
        arrays.append(randn(rng, o))
    fe = getattr(F, f"conv{nd}d")
    ft = getattr(TF, f"conv{nd}d")
    check_fn(lambda *a: fe(*a, **kw), lambda *a: ft(*a, **kw), arrays, atol=1e-4, rtol=1e-4)


def test_conv_unbatched():
    rng = np.random.default_rng(0)
    arrays = [randn(rng, 3, 6, 5), randn(rng, 2, 3, 3, 3)]
    check_fn(lambda x, w: F.conv2d(x, w, padding=1), lambda x, w: TF.conv2d(x, w, padding=1),
             arrays, atol=1e-4)


def test_conv_noncontiguous_input():
    rng = np.random.default_rng(0)
    x = randn(rng, 2, 3, 6, 5)
    w = randn(rng, 4, 3, 2, 2)
    check_fn(lambda x, w: F.conv2d(x.transpose(2, 3), w),
             lambda x, w: TF.conv2d(x.transpose(2, 3), w), [x, w], atol=1e-4)


TRANSPOSE_CASES = [
    (1, 2, 4, 3, (5,), (3,), {}),
    (1, 2, 4, 6, (5,), (3,), dict(stride=2, padding=1, output_padding=1, groups=2)),
    (1, 1, 2, 2, (4,), (2,), dict(stride=3, dilation=2, output_padding=2)),
    (2, 2, 3, 4, (4, 5), (3, 3), {}),
    (2, 2, 4, 2, (4, 3), (3, 2), dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2),
                                      groups=2, dilation=(1, 2))),
    (2, 1, 6, 3, (3, 3), (2, 2), dict(stride=2, groups=3)),
    (3, 1, 2, 3, (3, 2, 3), (2, 2, 3), dict(stride=(2, 1, 1), padding=(0, 1, 1))),
]


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv_transpose_oracle(case, bias):
    nd, n, c, o, sp, k, kw = case
    rng = np.random.default_rng(3 + sum(sp))
    g = kw.get("groups", 1)
    arrays = [randn(rng, n, c, *sp), randn(rng, c, o // g, *k)]
    if bias:
        arrays.append(randn(rng, o))
    fe = getattr(F, f"conv_transpose{nd}d")
    ft = getattr(TF, f"conv_transpose{nd}d")
    check_fn(lambda *a: fe(*a, **kw), lambda *a: ft(*a, **kw), arrays, atol=1e-4, rtol=1e-4)


def _t64(rng, *shape):
    return ember.tensor(rng.standard_normal(shape), requires_grad=True)


def test_conv_gradcheck_second_order():
    rng = np.random.default_rng(0)
    x, w, b = _t64(rng, 2, 4, 5, 4), _t64(rng, 2, 2, 2, 3), _t64(rng, 2)
    gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2),
                                       groups=2), [x, w, b], second_order=True)
    x1, w1 = _t64(rng, 1, 2, 7), _t64(rng, 3, 2, 3)
    gradcheck(lambda x, w: F.conv1d(x, w, padding="same"), [x1, w1], second_order=True)
    x3, w3 = _t64(rng, 1, 2, 3, 3, 3), _t64(rng, 2, 1, 2, 2, 2)
    gradcheck(lambda x, w: F.conv3d(x, w, groups=2, stride=2, padding=1), [x3, w3])


def test_conv_transpose_gradcheck_second_order():
    rng = np.random.default_rng(1)
    x, w, b = _t64(rng, 2, 4, 3, 3), _t64(rng, 4, 1, 3, 2), _t64(rng, 2)
    gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, groups=2,
                                                 output_padding=1), [x, w, b], second_order=True)
    x1, w1 = _t64(rng, 1, 2, 4), _t64(rng, 2, 3, 3)
    gradcheck(lambda x, w: F.conv_transpose1d(x, w, dilation=2), [x1, w1])


def _errors(fe, ft, *arrays, **kw):
    with pytest.raises(Exception) as et:
        ft(*[torch.tensor(a) for a in arrays], **kw)
    with pytest.raises(type(et.value)) as ee:
        fe(*[ember.tensor(a) for a in arrays], **kw)
    return str(ee.value), str(et.value)


def test_conv_errors():
    z = np.zeros
    f32 = np.float32
    # wrong rank
    me, mt = _errors(F.conv2d, TF.conv2d, z((2, 3), f32), z((4, 3, 3, 3), f32))
    assert me == mt
    # channel mismatch
    me, mt = _errors(F.conv2d, TF.conv2d, z((2, 5, 8, 8), f32), z((4, 3, 3, 3), f32))
    assert me == mt
    # kernel too large
    me, mt = _errors(F.conv2d, TF.conv2d, z((1, 3, 2, 2), f32), z((4, 3, 3, 3), f32))
    assert me == mt
    # strided same
    me, mt = _errors(F.conv1d, TF.conv1d, z((1, 3, 8), f32), z((4, 3, 3), f32), stride=2,
                     padding="same")
    assert me == mt
    # transposed channel mismatch
    me, mt = _errors(F.conv_transpose2d, TF.conv_transpose2d, z((2, 5, 4, 4), f32),
                     z((3, 4, 3, 3), f32))
    assert me == mt
    # dtype mismatch
    me, mt = _errors(F.conv2d, TF.conv2d, z((1, 3, 4, 4), np.float64), z((4, 3, 3, 3), f32))
    assert "should be the same" in me


def test_conv_no_grad_result_is_plain():
    x = ember.randn(1, 2, 5, 5)
    w = ember.randn(3, 2, 3, 3, requires_grad=True)
    with ember.no_grad():
        y = F.conv2d(x, w)
    assert not y.requires_grad
    y = F.conv2d(x, w)
    assert y.grad_fn.name() == "ConvolutionBackward0"
