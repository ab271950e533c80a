import numpy as np
import pytest
import torch.nn.functional as TF

import ember
import ember.nn.functional as F
from tests._gradcheck import gradcheck
from tests.nn._spatial import check_fn
from tests.nn._spatial import randn


@pytest.mark.parametrize("shape,kw", [
    ((2, 3, 5, 6), dict(kernel_size=2)),
    ((2, 3, 5, 6), dict(kernel_size=(3, 2), dilation=(1, 2), padding=1, stride=(2, 1))),
    ((3, 4, 4), dict(kernel_size=3, padding=1)),
])
def test_unfold_oracle(shape, kw):
    x = randn(np.random.default_rng(0), *shape)
    check_fn(lambda x: F.unfold(x, **kw), lambda x: TF.unfold(x, **kw), [x])


@pytest.mark.parametrize("shape,size,kw", [
    ((2, 12, 20), (5, 6), dict(kernel_size=2)),
    ((2, 12, 18), (5, 6), dict(kernel_size=(3, 2), dilation=(1, 2), padding=1, stride=(2, 1))),
    ((18, 16), (4, 4), dict(kernel_size=3, padding=1)),
])
def test_fold_oracle(shape, size, kw):
    x = randn(np.random.default_rng(1), *shape)
    check_fn(lambda x: F.fold(x, size, **kw), lambda x: TF.fold(x, size, **kw), [x])


def test_fold_unfold_gradcheck():
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    gradcheck(lambda x: F.unfold(x, 2, padding=1, stride=2), [x], second_order=True)
    c = ember.tensor(rng.standard_normal((1, 8, 12)), requires_grad=True)
    gradcheck(lambda c: F.fold(c, (4, 5), 2), [c], second_order=True)
