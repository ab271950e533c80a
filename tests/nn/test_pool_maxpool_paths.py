"""max_pool2d's two paths (running max only / with winning offsets) vs torch: ties, NaN,
padding, dilation, ceil_mode, indices and gradients."""

import numpy as np
import pytest
import torch

import ember

CFGS = [dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), dict(kernel_size=2),
        dict(kernel_size=(3, 2), stride=1, dilation=2), dict(kernel_size=3, stride=1, padding=1)]


@pytest.mark.parametrize("cfg", CFGS)
@pytest.mark.parametrize("return_indices", [False, True])
def test_max_pool2d_ties_nan_grad(cfg, return_indices):
    rng = np.random.default_rng(0)
    a = rng.integers(-3, 3, (2, 3, 9, 8)).astype(np.float32)  # many ties
    a[0, 0, 1, 1] = np.nan
    a[1, 2, 4, 4] = a[1, 2, 4, 5] = np.nan
    te, tt = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    oe = ember.nn.functional.max_pool2d(te, return_indices=return_indices, **cfg)
    ot = torch.nn.functional.max_pool2d(tt, return_indices=return_indices, **cfg)
    if return_indices:
        assert oe[1].dtype == ember.int64
        np.testing.assert_array_equal(oe[1].numpy(), ot[1].numpy())
        oe, ot = oe[0], ot[0]
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy())
    w = rng.standard_normal(tuple(ot.shape)).astype(np.float32)
    (oe * ember.tensor(w)).nansum().backward()
    (ot * torch.tensor(w)).nansum().backward()
    np.testing.assert_allclose(te.grad.numpy(), tt.grad.numpy(), rtol=1e-5, atol=1e-6)
    with ember.no_grad():  # the running-max-only path
        got = ember.nn.functional.max_pool2d(ember.tensor(a), **cfg)
    np.testing.assert_allclose(got.numpy(), torch.nn.functional.max_pool2d(torch.tensor(a),
                                                                          **cfg).numpy())
