"""Shared oracle helper for the linalg / misc / complex op tests."""

import numpy as np
import torch

import ember
from tests._oracle import assert_close


def pair(arr, grad=None):
    """The same values as an ember tensor and a torch tensor (grad for float/complex)."""
    arr = np.asarray(arr)
    grad = arr.dtype.kind in "fc" and grad is not False
    e = ember.tensor(arr.copy())
    t = torch.from_numpy(arr.copy())
    if grad:
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def _flat(x):
    if isinstance(x, (tuple, list)):
        out = []
        for v in x:
            out += _flat(v)
        return out
    return [x]


def check(fn_e, fn_t, arrays, grad=True, rtol=None, atol=None, grad_rtol=None, grad_atol=None,
          seed=0, outputs=None):
    """Run fn on ember and torch inputs made from `arrays`; compare outputs and gradients.

    Gradients are those of a random-weighted sum of the (selected) floating outputs.
    """
    pairs = [pair(a, grad) if isinstance(a, np.ndarray) else (a, a) for a in arrays]
    es = [p[0] for p in pairs]
    ts = [p[1] for p in pairs]
    out_e = fn_e(*es)
    out_t = fn_t(*ts)
    fe, ft = _flat(out_e), _flat(out_t)
    assert len(fe) == len(ft)
    for a, b in zip(fe, ft):
        assert_close(a, b, rtol=rtol, atol=atol)
    if not grad:
        return out_e, out_t
    rng = np.random.default_rng(seed + 1)
    sel = range(len(fe)) if outputs is None else outputs
    le = lt = 0
    for i in sel:
        a, b = fe[i], ft[i]
        if not isinstance(b, torch.Tensor) or not b.requires_grad:
            continue
        w = rng.standard_normal(tuple(b.shape))
        if b.is_complex():
            w = w + 1j * rng.standard_normal(tuple(b.shape))
        w = np.asarray(w, dtype=np.asarray(b.detach().numpy()).dtype)
        le = le + (a * ember.tensor(w)).real.sum() if a.is_complex() else \
            le + (a * ember.tensor(w)).sum()
        lt = lt + (b * torch.from_numpy(w)).real.sum() if b.is_complex() else \
            lt + (b * torch.from_numpy(w)).sum()
    if isinstance(lt, int):
        return out_e, out_t
    lt.backward()
    le.backward()
    for e, t in zip(es, ts):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            if t.grad is None:
                assert e.grad is None or np.allclose(e.grad.numpy(), 0)
                continue
            assert e.grad is not None, "ember gave no gradient"
            assert_close(e.grad, t.grad, rtol=grad_rtol or rtol, atol=grad_atol or atol)
    return out_e, out_t


def randn(rng, *shape, dtype=np.float64):
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def well_conditioned(rng, *shape, dtype=np.float64):
    n = shape[-1]
    return (randn(rng, *shape, dtype=dtype) + n * np.eye(n)).astype(dtype)


def spd(rng, *shape, dtype=np.float64):
    n = shape[-1]
    x = randn(rng, *shape, dtype=dtype)
    return (x @ np.conj(np.swapaxes(x, -1, -2)) + n * np.eye(n)).astype(dtype)
