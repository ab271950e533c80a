import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F
from tests._gradcheck import gradcheck
from tests.nn._spatial import check_fn
from tests.nn._spatial import randn


@pytest.mark.parametrize("shape,pad,value", [
    ((2, 3, 4), (1, 2), 0.0), ((2, 3, 4), (1, 2, 0, 1), 1.5), ((3, 4, 2), (2, 0, 1, 1, 1, 1), -1),
    ((1, 2, 3, 4), (-1, 2, 1, -2), 0.0), ((1, 2, 3, 4, 2), (1, 1, 1, 1, 1, 1), 2.0),
])
def test_constant_pad(shape, pad, value):
    x = randn(np.random.default_rng(0), *shape)
    check_fn(lambda x: F.pad(x, pad, value=value), lambda x: TF.pad(x, pad, value=value), [x])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", [
    ((2, 3, 5), (2, 3)), ((3, 5), (1, 0)), ((1, 2, 4, 5), (1, 2, 3, 0)),
    ((2, 4, 5), (2, 1, 1, 3)), ((1, 2, 3, 4, 5), (1, 1, 2, 0, 1, 2)),
    ((2, 3, 4, 4), (0, 0, 2, 2)),
])
def test_nonconstant_pad(mode, shape, pad):
    x = randn(np.random.default_rng(1), *shape)
    check_fn(lambda x: F.pad(x, pad, mode=mode), lambda x: TF.pad(x, pad, mode=mode), [x])


def test_pad_gradcheck():
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    for mode in ["constant", "reflect", "replicate", "circular"]:
        gradcheck(lambda x: F.pad(x, (2, 1, 1, 2), mode=mode), [x], second_order=True)


def _same_error(fe, ft, x, *args, **kw):
    with pytest.raises(Exception) as et:
        ft(torch.tensor(x), *args, **kw)
    with pytest.raises(type(et.value)) as ee:
        fe(ember.tensor(x), *args, **kw)
    assert str(ee.value) == str(et.value)


def test_pad_errors():
    z = np.zeros
    _same_error(F.pad, TF.pad, z((1, 2, 3), np.float32), (3, 3), mode="reflect")
    _same_error(F.pad, TF.pad, z((1, 2, 3), np.float32), (4, 4), mode="circular")
    _same_error(F.pad, TF.pad, z((3,), np.float32), (1, 1), mode="reflect")
    _same_error(F.pad, TF.pad, z((2, 3), np.float32), (1, 1, 1, 1), mode="reflect")
    _same_error(F.pad, TF.pad, z((2, 3), np.float32), (1, 1, 1))
    _same_error(F.pad, TF.pad, z((2, 3), np.float32), (1, 1), mode="foo")
