import numpy as np
import pytest
import torch

import ember
from tests.nn._spatial import check_module
from tests.nn._spatial import randn

CASES = [
    ("Upsample", dict(scale_factor=2), (1, 2, 3, 4)),
    ("Upsample", dict(size=(5, 7), mode="bilinear"), (1, 2, 3, 4)),
    ("Upsample", dict(scale_factor=(1.5, 2), mode="bicubic", align_corners=True), (1, 2, 3, 4)),
    ("Upsample", dict(scale_factor=2, mode="linear"), (2, 2, 5)),
    ("Upsample", dict(size=4, mode="trilinear"), (1, 1, 2, 3, 2)),
    ("UpsamplingNearest2d", dict(scale_factor=3), (1, 2, 3, 4)),
    ("UpsamplingBilinear2d", dict(size=(6, 5)), (1, 2, 3, 4)),
]


@pytest.mark.parametrize("name,kw,shape", CASES)
def test_upsampling_module_oracle(name, kw, shape):
    tm = getattr(torch.nn, name)(**kw)
    em = getattr(ember.nn, name)(**kw)
    assert repr(em) == repr(tm)
    check_module(em, tm, [randn(np.random.default_rng(0), *shape)])
