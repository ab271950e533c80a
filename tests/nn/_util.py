"""Helpers for nn oracle tests: copy torch module state into ember, compare grads."""

import numpy as np
import torch

import ember
from tests._oracle import assert_close


def copy_state(tmod, emod):
    """Load torch module `tmod`'s state_dict into ember module `emod` through NumPy."""
    sd = {k: ember.tensor(v.detach().numpy().copy()) for k, v in tmod.state_dict().items()}
    emod.load_state_dict(sd)


def check_module(tmod, emod, inputs, rtol=1e-5, atol=1e-5, seed=0, grad_inputs=True,
                 copy=True, train=None):
    """Same inputs through both modules: outputs, input grads and every parameter grad."""
    if copy:
        copy_state(tmod, emod)
    if train is not None:
        tmod.train(train)
        emod.train(train)
    rng = np.random.default_rng(seed)
    t_in, e_in = [], []
    for a in inputs:
        if isinstance(a, np.ndarray):
            rg = grad_inputs and a.dtype.kind == "f"
            t_in.append(torch.tensor(a, requires_grad=rg))
            e_in.append(ember.tensor(a, requires_grad=rg))
        else:
            t_in.append(a)
            e_in.append(a)
    t_out = tmod(*t_in)
    e_out = emod(*e_in)
    t_outs = t_out if isinstance(t_out, tuple) else (t_out,)
    e_outs = e_out if isinstance(e_out, tuple) else (e_out,)
    t_loss = 0
    e_loss = 0
    for to, eo in zip(t_outs, e_outs):
        if not isinstance(to, torch.Tensor):
            continue
        assert_close(eo, to, rtol=rtol, atol=atol)
        if to.requires_grad and to.dtype.is_floating_point:
            w = rng.standard_normal(tuple(to.shape)).astype(np.float32 if to.dtype ==
                                                             torch.float32 else np.float64)
            t_loss = t_loss + (to * torch.tensor(w)).sum()
            e_loss = e_loss + (eo * ember.tensor(w)).sum()
    if isinstance(t_loss, torch.Tensor):
        t_loss.backward()
        e_loss.backward()
        for ti, ei in zip(t_in, e_in):
            if isinstance(ti, torch.Tensor) and ti.requires_grad:
                assert ei.grad is not None
                assert_close(ei.grad, ti.grad, rtol=rtol, atol=atol)
        tp = dict(tmod.named_parameters())
        for name, ep in emod.named_parameters():
            tg = tp[name].grad
            if tg is not None and tg.is_sparse:
                tg = tg.to_dense()
            if tg is None:
                assert ep.grad is None or not np.abs(ep.grad.numpy()).sum(), name
            else:
                assert ep.grad is not None, name
                assert_close(ep.grad, tg, rtol=rtol, atol=atol)
    return t_out, e_out
