import numpy as np
import pytest
import torch

import ember
from tests.nn._spatial import check_module
from tests.nn._spatial import randn

CASES = [
    ("MaxPool1d", (3,), dict(stride=2, padding=1), (2, 3, 9)),
    ("MaxPool2d", (2,), {}, (2, 3, 6, 6)),
    ("MaxPool2d", ((3, 2),), dict(stride=(2, 1), dilation=(1, 2), ceil_mode=True), (1, 2, 7, 7)),
    ("MaxPool3d", (2,), dict(stride=1, padding=1), (1, 2, 3, 4, 3)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1, count_include_pad=False), (2, 3, 9)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True), (2, 3, 7, 6)),
    ("AvgPool2d", (2,), dict(divisor_override=3), (2, 3, 6, 6)),
    ("AvgPool3d", (2,), {}, (1, 2, 4, 4, 4)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveAvgPool2d", ((3, None),), {}, (2, 3, 7, 6)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 7, 6)),
    ("AdaptiveAvgPool3d", ((2, 3, 2),), {}, (1, 2, 5, 4, 3)),
    ("AdaptiveMaxPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveMaxPool2d", ((3, 4),), {}, (2, 3, 7, 6)),
    ("AdaptiveMaxPool2d", (2,), dict(return_indices=True), (2, 3, 5, 5)),
    ("LPPool1d", (2, 3), dict(stride=2), (2, 3, 9)),
    ("LPPool2d", (1.5, 2), {}, (2, 3, 6, 6)),
]


@pytest.mark.parametrize("name,args,kw,shape", CASES)
def test_pool_module_oracle(name, args, kw, shape):
    tm = getattr(torch.nn, name)(*args, **kw)
    em = getattr(ember.nn, name)(*args, **kw)
    assert repr(em) == repr(tm)
    x = randn(np.random.default_rng(0), *shape)
    if name.startswith("LP"):
        x = np.abs(x) + 0.1
    check_module(em, tm, [x], atol=1e-4, rtol=1e-4)


def test_max_unpool_module():
    for nd in (1, 2, 3):
        tp = getattr(torch.nn, f"MaxPool{nd}d")(2, return_indices=True)
        ep = getattr(ember.nn, f"MaxPool{nd}d")(2, return_indices=True)
        tu = getattr(torch.nn, f"MaxUnpool{nd}d")(2)
        eu = getattr(ember.nn, f"MaxUnpool{nd}d")(2)
        assert repr(eu) == repr(tu)
        x = randn(np.random.default_rng(nd), *((1, 2) + (4,) * nd))
        ye = eu(*ep(ember.tensor(x)))
        yt = tu(*tp(torch.tensor(x)))
        np.testing.assert_array_equal(ye.numpy(), yt.numpy())
