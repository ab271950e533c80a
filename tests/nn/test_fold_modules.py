import numpy as np
import torch

import ember
from tests.nn._spatial import check_module
from tests.nn._spatial import randn


def test_fold_unfold_modules():
    tu, eu = torch.nn.Unfold((2, 3), padding=1, stride=2), ember.nn.Unfold((2, 3), padding=1,
                                                                           stride=2)
    assert repr(eu) == repr(tu)
    check_module(eu, tu, [randn(np.random.default_rng(0), 2, 3, 5, 6)])
    tf, ef = torch.nn.Fold((4, 5), 2), ember.nn.Fold((4, 5), 2)
    assert repr(ef) == repr(tf)
    check_module(ef, tf, [randn(np.random.default_rng(1), 2, 12, 12)])
