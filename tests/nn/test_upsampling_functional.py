import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F
from tests._gradcheck import gradcheck
from tests.nn._spatial import check_fn
from tests.nn._spatial import randn

CASES = [
    ((2, 3, 5), dict(scale_factor=2, mode="nearest")),
    ((2, 3, 7), dict(size=4, mode="nearest")),
    ((2, 3, 7), dict(scale_factor=1.7, mode="nearest")),
    ((2, 3, 7), dict(scale_factor=0.6, mode="nearest-exact")),
    ((1, 2, 4, 5), dict(size=(7, 3), mode="nearest")),
    ((1, 2, 4, 5), dict(scale_factor=(1.5, 2.5), mode="nearest-exact")),
    ((1, 2, 3, 4, 3), dict(scale_factor=2, mode="nearest")),
    ((2, 3, 5), dict(scale_factor=2, mode="linear")),
    ((2, 3, 5), dict(size=8, mode="linear", align_corners=True)),
    ((2, 3, 9), dict(size=4, mode="linear")),
    ((1, 2, 4, 5), dict(scale_factor=2, mode="bilinear")),
    ((1, 2, 4, 5), dict(size=(7, 3), mode="bilinear", align_corners=True)),
    ((1, 2, 6, 5), dict(scale_factor=(0.7, 1.3), mode="bilinear")),
    ((1, 2, 6, 5), dict(scale_factor=(0.7, 1.3), mode="bilinear",
                        recompute_scale_factor=True)),
    ((1, 2, 4, 5), dict(scale_factor=2, mode="bicubic")),
    ((1, 2, 4, 5), dict(size=(9, 2), mode="bicubic", align_corners=True)),
    ((1, 2, 6, 7), dict(scale_factor=0.6, mode="bicubic")),
    ((1, 2, 3, 4, 3), dict(scale_factor=(2, 1.5, 1), mode="trilinear")),
    ((1, 2, 3, 4, 3), dict(size=(4, 4, 5), mode="trilinear", align_corners=True)),
    ((1, 2, 6, 6), dict(size=(4, 3), mode="area")),
    ((1, 2, 7, 5), dict(size=(3, 2), mode="area")),
    ((2, 3, 7), dict(scale_factor=0.5, mode="area")),
]


@pytest.mark.parametrize("shape,kw", CASES)
def test_interpolate_oracle(shape, kw):
    x = randn(np.random.default_rng(len(shape)), *shape)
    check_fn(lambda x: F.interpolate(x, **kw), lambda x: TF.interpolate(x, **kw), [x])


def test_interpolate_gradcheck():
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    for mode in ["nearest", "bilinear", "bicubic"]:
        gradcheck(lambda x: F.interpolate(x, scale_factor=1.5, mode=mode), [x])


def test_upsample_aliases():
    x = randn(np.random.default_rng(0), 1, 2, 3, 4)
    check_fn(lambda x: F.upsample_bilinear(x, scale_factor=2),
             lambda x: TF.upsample_bilinear(x, scale_factor=2), [x])
    check_fn(lambda x: F.upsample_nearest(x, size=(5, 6)),
             lambda x: TF.upsample_nearest(x, size=(5, 6)), [x])


def _same_error(fe, ft, x, *args, **kw):
    with pytest.raises(Exception) as et:
        ft(torch.tensor(x), *args, **kw)
    with pytest.raises(type(et.value)) as ee:
        fe(ember.tensor(x), *args, **kw)
    assert str(ee.value) == str(et.value)


def test_interpolate_errors():
    x = np.zeros((1, 2, 3, 3), np.float32)
    _same_error(F.interpolate, TF.interpolate, x, scale_factor=2, mode="linear")
    _same_error(F.interpolate, TF.interpolate, x, scale_factor=2, mode="nearest",
                align_corners=True)
    _same_error(F.interpolate, TF.interpolate, x)
    _same_error(F.interpolate, TF.interpolate, x, size=3, scale_factor=2)
