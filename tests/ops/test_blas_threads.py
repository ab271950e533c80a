"""set_num_threads / get_num_threads and the small-GEMM path of matmul (values only)."""

import numpy as np
import pytest

import ember
from ember._ops import _blas
from tests._oracle import assert_close
from tests._oracle import to_torch

import torch


def test_set_get_num_threads_roundtrip():
    old = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        assert ember.get_num_threads() == 1
    finally:
        ember.set_num_threads(old)
    assert ember.get_num_threads() == old


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_set_num_threads_rejects(bad):
    with pytest.raises((RuntimeError, TypeError)):
        ember.set_num_threads(bad)


@pytest.mark.parametrize("shape_a,shape_b", [((8, 16, 32), (8, 32, 4)), ((300, 300), (300, 90)),
                                             ((2, 3), (3,)), ((5, 2, 7), (7, 3))])
def test_matmul_small_and_large_paths_match_torch(shape_a, shape_b):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape_a).astype(np.float32)
    b = rng.standard_normal(shape_b).astype(np.float32)
    got = ember.matmul(ember.tensor(a), ember.tensor(b))
    assert_close(got, torch.matmul(to_torch(ember.tensor(a)), to_torch(ember.tensor(b))),
                 rtol=1e-4, atol=1e-4)
    # the small-GEMM path keeps the caller's thread count afterwards
    before = ember.get_num_threads()
    _blas.matmul(np, a, b)
    assert ember.get_num_threads() == before
