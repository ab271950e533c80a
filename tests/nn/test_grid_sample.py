"""F.grid_sample (bilinear/nearest x zeros/border/reflection x align_corners) and F.affine_grid
against torch: values, input and grid gradients, float64 gradcheck, errors."""

import warnings

import numpy as np
import pytest
import torch

import ember
from tests._gradcheck import gradcheck
from tests._oracle import assert_close

F = ember.nn.functional
TF = torch.nn.functional


def _inputs(dtype=np.float32, seed=0, n=2, c=3, h=5, w=6, ho=4, wo=7, spread=1.4):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    # grid values beyond [-1, 1] exercise the padding modes
    grid = (rng.uniform(-spread, spread, (n, ho, wo, 2))).astype(dtype)
    return x, grid


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_forward_backward(mode, padding_mode, align_corners):
    x, grid = _inputs(seed=len(mode) * 7 + len(padding_mode) + int(align_corners))
    xe, ge = ember.tensor(x, requires_grad=True), ember.tensor(grid, requires_grad=True)
    xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    oe = F.grid_sample(xe, ge, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    ot = TF.grid_sample(xt, gt, mode=mode, padding_mode=padding_mode,
                        align_corners=align_corners)
    assert_close(oe, ot, rtol=1e-5, atol=1e-5)
    w = np.random.default_rng(1).standard_normal(tuple(ot.shape)).astype(np.float32)
    (oe * ember.tensor(w)).sum().backward()
    (ot * torch.tensor(w)).sum().backward()
    assert_close(xe.grad, xt.grad, rtol=1e-4, atol=1e-5)
    assert_close(ge.grad, gt.grad, rtol=1e-4, atol=1e-4)
    assert oe.grad_fn.name() == ot.grad_fn.name()


def test_grid_sample_float64_and_input_only_grad():
    x, grid = _inputs(np.float64, seed=3)
    xe = ember.tensor(x, requires_grad=True)
    oe = F.grid_sample(xe, ember.tensor(grid), align_corners=False)
    ot = TF.grid_sample(torch.tensor(x), torch.tensor(grid), align_corners=False)
    assert_close(oe, ot)
    oe.sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    TF.grid_sample(xt, torch.tensor(grid), align_corners=False).sum().backward()
    assert_close(xe.grad, xt.grad)


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_gradcheck(padding_mode):
    x, grid = _inputs(np.float64, seed=5, n=1, c=2, h=4, w=3, ho=3, wo=2, spread=1.2)
    # keep samples away from pixel boundaries, where bilinear sampling has kinks
    grid = np.round(grid * 8) / 8 + 0.03
    gradcheck(lambda a, g: F.grid_sample(a, g, padding_mode=padding_mode, align_corners=True),
              (ember.tensor(x, requires_grad=True), ember.tensor(grid, requires_grad=True)))


def test_grid_sample_identity_grid_reproduces_input():
    x, _ = _inputs(h=4, w=5)
    theta = np.tile(np.array([[1, 0, 0], [0, 1, 0]], np.float32), (2, 1, 1))
    grid = F.affine_grid(ember.tensor(theta), (2, 3, 4, 5), align_corners=False)
    out = F.grid_sample(ember.tensor(x), grid, align_corners=False)
    np.testing.assert_allclose(out.numpy(), x, rtol=1e-5, atol=1e-6)


def test_grid_sample_errors_and_warning():
    x, grid = _inputs()
    xe, ge = ember.tensor(x), ember.tensor(grid)
    with pytest.raises(ValueError):
        F.grid_sample(xe, ge, mode="cubic", align_corners=False)
    with pytest.raises(ValueError):
        F.grid_sample(xe, ge, padding_mode="wrap", align_corners=False)
    with pytest.raises(RuntimeError):
        F.grid_sample(xe, ember.tensor(grid[..., :1]), align_corners=False)
    with pytest.raises(RuntimeError):
        F.grid_sample(xe, ember.tensor(grid[:1]), align_corners=False)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        F.grid_sample(xe, ge)
    assert any("align_corners" in str(r.message) for r in rec)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 5, 4), (2, 1, 1, 6), (2, 3, 3, 5, 4)])
def test_affine_grid_values_and_grad(size, align_corners):
    rng = np.random.default_rng(len(size))
    shape = (2, 2, 3) if len(size) == 4 else (2, 3, 4)
    theta = rng.standard_normal(shape).astype(np.float32)
    te, tt = ember.tensor(theta, requires_grad=True), torch.tensor(theta, requires_grad=True)
    ge = F.affine_grid(te, size, align_corners=align_corners)
    gt = TF.affine_grid(tt, size, align_corners=align_corners)
    assert_close(ge, gt, rtol=1e-5, atol=1e-6)
    w = rng.standard_normal(tuple(gt.shape)).astype(np.float32)
    (ge * ember.tensor(w)).sum().backward()
    (gt * torch.tensor(w)).sum().backward()
    assert_close(te.grad, tt.grad, rtol=1e-4, atol=1e-5)


def test_affine_grid_errors():
    theta = ember.zeros(2, 2, 3)
    with pytest.raises(ValueError):
        F.affine_grid(theta, (2, 3, 3, 5, 4), align_corners=False)
    with pytest.raises(NotImplementedError):
        F.affine_grid(theta, (2, 3, 4), align_corners=False)
    with pytest.raises(ValueError):
        F.affine_grid(ember.zeros(2, 2, 3, dtype=ember.int64), (2, 3, 4, 4),
                      align_corners=False)
