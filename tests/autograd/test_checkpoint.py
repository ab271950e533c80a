"""ember.utils.checkpoint: same gradients as without it (dropout masks replayed), fewer live
activations, torch's warning and node names."""

import gc
import tracemalloc
import warnings

import numpy as np
import pytest
import torch
import torch.utils.checkpoint

import ember
from ember.utils.checkpoint import checkpoint
from ember.utils.checkpoint import checkpoint_sequential
from tests.autograd._both import run_both


def _ck(L):
    return torch.utils.checkpoint if L is torch else ember.utils.checkpoint


@pytest.mark.parametrize("reentrant", [False, True])
def test_checkpoint_matches_plain_run_with_dropout(reentrant):
    def prog(L):
        x = L.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
        w = L.tensor(np.linspace(0, 1, 20).reshape(4, 5), requires_grad=True)

        def f(a, b):
            return L.nn.functional.dropout((a @ b).tanh(), 0.5, training=True).exp()

        L.manual_seed(1)
        y = _ck(L).checkpoint(f, x, w, use_reentrant=reentrant)
        y.sum().backward()
        L.manual_seed(1)
        x2, w2 = x.detach().requires_grad_(), w.detach().requires_grad_()
        f(x2, w2).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy())
        np.testing.assert_allclose(w.grad.numpy(), w2.grad.numpy())
        return y.grad_fn.name()

    run_both(prog)


def test_checkpoint_sequential_and_warning():
    def prog(L):
        L.manual_seed(0)
        net = L.nn.Sequential(*[L.nn.Linear(4, 4) for _ in range(4)])
        with L.no_grad():
            for i, p in enumerate(net.parameters()):
                p.copy_(L.tensor(np.random.default_rng(i).standard_normal(tuple(p.shape)),
                                 dtype=L.float32))
        x = L.ones(2, 4, requires_grad=True)
        y = _ck(L).checkpoint_sequential(net, 2, x, use_reentrant=False)
        y.sum().backward()
        return y, x.grad, [p.grad for p in net.parameters()]

    run_both(prog)
    for L in (torch, ember):
        with pytest.warns(UserWarning, match="the use_reentrant parameter should be passed "
                                             "explicitly"):
            _ck(L).checkpoint(lambda a: a.sin(), L.ones(2, requires_grad=True))


def _retained_bytes(use_ckpt):
    w = ember.tensor(np.random.default_rng(0).standard_normal((256, 256)),
                     dtype=ember.float32, requires_grad=True)
    x = ember.ones(64, 256)

    def block(a):
        for _ in range(6):
            a = (a @ w).tanh()
        return a

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y = checkpoint(block, x, use_reentrant=False) if use_ckpt else block(x)
    gc.collect()
    kept = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    y.sum().backward()
    return kept, w.grad.clone()


def test_checkpoint_keeps_fewer_activations():
    plain, g_plain = _retained_bytes(False)
    ckpt, g_ckpt = _retained_bytes(True)
    one = 64 * 256 * 4  # one activation
    assert plain >= 6 * one  # every tanh output is saved
    assert ckpt <= 2 * one  # only the output stays alive
    np.testing.assert_allclose(g_plain.numpy(), g_ckpt.numpy(), rtol=1e-5, atol=1e-5)
