"""Shared helpers for the serialization tests: random tensors of every dtype in both frameworks
and exact comparisons (values, dtype, shape, strides, storage offset)."""

import numpy as np
import torch

import ember
from tests._oracle import EMBER_DTYPES
from tests._oracle import TORCH_DTYPES

ALL_DTYPES = list(TORCH_DTYPES)


def random_array(rng, shape, dt):
    """NumPy data of ember dtype `dt` with non-trivial values (NaN/inf for floats)."""
    n = int(np.prod(shape)) if shape else 1
    if dt is ember.bool:
        a = rng.random(n) < 0.5
    elif dt.is_complex:
        a = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dt.np_dtype)
    elif dt.is_floating_point:
        a = rng.standard_normal(n).astype(np.float32).astype(dt.np_dtype)
        if n >= 3:
            a[0], a[1], a[2] = np.nan, np.inf, -0.0
    else:
        info = np.iinfo(dt.np_dtype)
        a = rng.integers(info.min, info.max, n, endpoint=True, dtype=dt.np_dtype)
    return a.reshape(shape)


def ember_from(arr):
    """An ember tensor holding exactly these bits (bfloat16 wrapped as is, NaN payloads kept)."""
    if arr.dtype == ember.bfloat16.np_dtype:
        from ember import _tensor

        return _tensor.make(np.array(arr, copy=True), ember.device("cpu"))
    return ember.tensor(arr)


def torch_from(arr):
    if arr.dtype == ember.bfloat16.np_dtype:
        return torch.from_numpy(arr.view(np.int16).copy()).view(torch.bfloat16)
    return torch.from_numpy(arr.copy())


def bits_torch(t):
    """A torch tensor's values as comparable NumPy bits (bfloat16 via its int16 pattern)."""
    t = t.detach()
    if t.dtype == torch.bfloat16:
        return t.contiguous().view(torch.int16).numpy()
    return t.resolve_conj().numpy()


def bits_ember(t):
    a = np.asarray(t.detach().__array__())
    if a.dtype == ember.bfloat16.np_dtype:
        return a.view(np.int16)
    return a


def assert_same(e, t, check_layout=True):
    """An ember tensor equals a torch tensor: dtype, shape, values (bitwise, NaN-aware), and
    optionally strides and storage offset."""
    assert isinstance(e, ember.Tensor), type(e)
    assert isinstance(t, torch.Tensor), type(t)
    assert EMBER_DTYPES[t.dtype] is e.dtype, (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(bits_ember(e), bits_torch(t))
    assert e.requires_grad == t.requires_grad
    if check_layout and t.numel():  # (ember reports canonical strides for empty tensors)
        assert tuple(e.stride()) == tuple(t.stride())
        assert e.storage_offset() == t.storage_offset()


def torch_dtype(dt):
    return TORCH_DTYPES[dt]
