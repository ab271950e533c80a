"""Shared helpers for the spatial / sequence oracle tests (conv, pooling, rnn, attention...)."""

import numpy as np
import torch

import ember
from tests._oracle import assert_close
from tests._oracle import to_ember


def check_fn(fn_e, fn_t, arrays, grad=True, rtol=1e-5, atol=1e-5, seed=1, extra=()):
    """Run fn on ember and torch tensors made from NumPy `arrays` (float ones get grads);
    compare outputs and the gradients of a random-weighted sum of the (float) outputs."""
    te = [ember.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    tt = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    oe, ot = fn_e(*te), fn_t(*tt)
    assert_close(oe, ot, rtol=rtol, atol=atol)
    if not grad:
        return oe, ot
    oe_l = list(oe) if isinstance(oe, (tuple, list)) else [oe]
    ot_l = list(ot) if isinstance(ot, (tuple, list)) else [ot]
    rng = np.random.default_rng(seed)
    se, st = 0, 0
    for a, b in zip(oe_l, ot_l):
        if not (isinstance(b, torch.Tensor) and b.dtype.is_floating_point and b.requires_grad):
            continue
        w = rng.standard_normal(tuple(b.shape)).astype(np.float64)
        se = se + (a * ember.tensor(w, dtype=a.dtype)).sum()
        st = st + (b * torch.tensor(w, dtype=b.dtype)).sum()
    st.backward()
    se.backward()
    for a, b in zip(te, tt):
        if b.requires_grad:
            assert_close(a.grad, b.grad, rtol=rtol, atol=atol)
    return oe, ot


def copy_module(em, tm):
    """Load torch module tm's state into ember module em through NumPy."""
    sd = {k: to_ember(v.detach()) for k, v in tm.state_dict().items()}
    em.load_state_dict(sd)
    return em


def check_module(em, tm, arrays, rtol=1e-5, atol=1e-5, seed=1, out_index=None):
    """Copy tm's state into em, compare outputs, input grads and every parameter grad."""
    copy_module(em, tm)
    te = [ember.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    tt = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    oe, ot = em(*te), tm(*tt)
    if out_index is not None:
        oe, ot = oe[out_index], ot[out_index]
    flat_e = _flatten(oe)
    flat_t = _flatten(ot)
    assert len(flat_e) == len(flat_t)
    rng = np.random.default_rng(seed)
    se, st = 0, 0
    for a, b in zip(flat_e, flat_t):
        assert_close(a, b, rtol=rtol, atol=atol)
        if b.dtype.is_floating_point and b.requires_grad:
            w = rng.standard_normal(tuple(b.shape))
            se = se + (a * ember.tensor(w, dtype=a.dtype)).sum()
            st = st + (b * torch.tensor(w, dtype=b.dtype)).sum()
    st.backward()
    se.backward()
    assert tt[0].grad is None or te[0].grad is not None
    for a, b in zip(te, tt):
        if b.requires_grad and b.grad is not None:  # torch gives masks no gradient
            assert_close(a.grad, b.grad, rtol=rtol, atol=atol)
    pe = dict(em.named_parameters())
    pt = dict(tm.named_parameters())
    assert sorted(pe) == sorted(pt)
    for k, p in pt.items():
        if p.grad is None:
            assert pe[k].grad is None, k
        else:
            assert pe[k].grad is not None, k
            assert_close(pe[k].grad, p.grad, rtol=rtol, atol=atol)
    return oe, ot


def _flatten(o):
    if isinstance(o, (tuple, list)):
        out = []
        for e in o:
            out.extend(_flatten(e))
        return out
    if o is None:
        return []
    return [o]


def randn(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)
