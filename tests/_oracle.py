"""Helpers for oracle tests: run the same computation on ember and real torch and compare."""

import numpy as np
import torch

import ember

TORCH_DTYPES = {
    ember.float16: torch.float16, ember.bfloat16: torch.bfloat16, ember.float32: torch.float32,
    ember.float64: torch.float64, ember.complex64: torch.complex64,
    ember.complex128: torch.complex128, ember.uint8: torch.uint8, ember.int8: torch.int8,
    ember.int16: torch.int16, ember.int32: torch.int32, ember.int64: torch.int64,
    ember.bool: torch.bool,
}
EMBER_DTYPES = {v: k for k, v in TORCH_DTYPES.items()}

TOL = {ember.float16: (1e-3, 1e-2), ember.bfloat16: (1e-2, 5e-2), ember.float32: (1e-5, 1e-5),
       ember.float64: (1e-10, 1e-10), ember.complex64: (1e-5, 1e-5),
       ember.complex128: (1e-10, 1e-10)}


def to_torch(x, requires_grad=None):
    """An ember tensor (or nested structure) as a torch tensor with the same values."""
    if isinstance(x, ember.Tensor):
        arr = np.asarray(x.detach().__array__())
        if x.dtype is ember.bfloat16:
            t = torch.from_numpy(arr.astype(np.float32).copy()).to(torch.bfloat16)
        else:
            t = torch.from_numpy(arr.copy())
        rg = x.requires_grad if requires_grad is None else requires_grad
        if rg:
            t.requires_grad_(True)
        return t
    if isinstance(x, (list, tuple)):
        return type(x)(to_torch(e) for e in x)
    if isinstance(x, dict):
        return {k: to_torch(v) for k, v in x.items()}
    if isinstance(x, ember.dtype):
        return TORCH_DTYPES[x]
    return x


def to_ember(t, requires_grad=None):
    if isinstance(t, torch.Tensor):
        d = t.detach()
        if d.dtype == torch.bfloat16:
            e = ember.tensor(d.float().numpy()).to(ember.bfloat16)
        else:
            e = ember.tensor(d.numpy().copy())
        rg = t.requires_grad if requires_grad is None else requires_grad
        if rg:
            e.requires_grad_(True)
        return e
    if isinstance(t, (list, tuple)):
        return type(t)(to_ember(e) for e in t)
    return t


def assert_close(e, t, rtol=None, atol=None, check_dtype=True, equal_nan=True):
    """Compare an ember result with a torch result: shape, dtype and values."""
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), (e, t)
        for a, b in zip(e, t):
            assert_close(a, b, rtol, atol, check_dtype, equal_nan)
        return
    if not isinstance(t, torch.Tensor):
        if isinstance(e, ember.Tensor):
            e = e.item()
        np.testing.assert_allclose(e, t, rtol=rtol or 1e-6, atol=atol or 1e-6)
        return
    assert isinstance(e, ember.Tensor), f"expected a Tensor, got {type(e)}"
    assert tuple(e.shape) == tuple(t.shape), f"shape {tuple(e.shape)} != {tuple(t.shape)}"
    if check_dtype:
        assert TORCH_DTYPES[e.dtype] == t.dtype, f"dtype {e.dtype} != {t.dtype}"
    r, a = TOL.get(e.dtype, (0, 0))
    rtol = r if rtol is None else rtol
    atol = a if atol is None else atol
    ea = np.asarray(e.detach().__array__())
    ta = t.detach()
    if ta.dtype == torch.bfloat16:
        ta = ta.float()
        ea = ea.astype(np.float32)
    ta = ta.resolve_conj().numpy() if ta.is_complex() else ta.numpy()
    if ea.dtype == np.float16:
        ea, ta = ea.astype(np.float32), ta.astype(np.float32)
    np.testing.assert_allclose(ea, ta, rtol=rtol, atol=atol, equal_nan=equal_nan)
