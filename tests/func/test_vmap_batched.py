"""vmap with real batching rules against torch.func.vmap: every family, in/out dims, nesting,
randomness, per-sample gradients; batched rules used (no per-sample fallback) and speed."""

import time

import numpy as np
import pytest
import torch
import torch.func  # noqa: F401

import ember
import ember.func  # noqa: F401
from ember.func import _batching
from tests.autograd._both import run_both


def _d(L, shape, seed, dtype=None):
    return L.tensor(np.random.default_rng(seed).standard_normal(shape),
                    dtype=dtype or L.float64)


def _no_fallback(prog):
    """run_both, and the ember run used batching rules only."""
    _batching.fallback_counts.clear()
    run_both(prog)
    assert not _batching.fallback_counts, dict(_batching.fallback_counts)


def test_elementwise_broadcast_and_dims():
    def prog(L):
        V = L.func.vmap
        x, y, z = _d(L, (4, 3), 0), _d(L, (3,), 1), _d(L, (4,), 2)
        s = _d(L, (3, 4, 2), 3)
        return (V(lambda a: (a.sin() * 2 + 1).exp().relu())(x),
                V(lambda a, b: a * b - b / 3)(x, y.expand(4, 3)),
                V(lambda a, b: a + b, in_dims=(0, None))(x, y),
                V(lambda a, b: a * b)(x, z),                       # 1-D and 0-D samples
                V(lambda a, b: L.where(a > 0, a, b), in_dims=(1, None))(s, _d(L, (3, 2), 4)),
                V(lambda a: a.clamp(-0.5, 0.5) ** 2, in_dims=2, out_dims=1)(s),
                V(lambda a, b: (a < b).float())(x, x.flip(0)),
                V(lambda a: a.to(L.float32).double())(x))

    _no_fallback(prog)


def test_reductions():
    def prog(L):
        V = L.func.vmap
        s = _d(L, (3, 4, 5), 0)
        return (V(lambda a: a.sum())(s), V(lambda a: a.sum(1))(s),
                V(lambda a: a.mean((0, 1), keepdim=True))(s),
                V(lambda a: a.amax(-1))(s), V(lambda a: a.max())(s),
                V(lambda a: a.max(0))(s), V(lambda a: a.var(1))(s), V(lambda a: a.std())(s),
                V(lambda a: a.logsumexp(0))(s), V(lambda a: a.prod(1))(s),
                V(lambda a: a.norm())(s), V(lambda a: L.linalg.vector_norm(a, dim=1))(s),
                V(lambda a: a.softmax(-1))(s), V(lambda a: a.log_softmax(0), in_dims=1)(s))

    _no_fallback(prog)


def test_shape_ops():
    def prog(L):
        V = L.func.vmap
        s = _d(L, (3, 4, 5), 0)
        return (V(lambda a: a.view(20))(s), V(lambda a: a.reshape(5, -1))(s),
                V(lambda a: a.reshape(-1), in_dims=1)(s),   # a copy: the batch is not outer
                V(lambda a: a.permute(1, 0))(s), V(lambda a: a.t())(s),
                V(lambda a: a.transpose(0, 1).unsqueeze(0).squeeze(0))(s),
                V(lambda a: a.unsqueeze(-1).flatten())(s), V(lambda a: a[None].squeeze())(s),
                V(lambda a: a.expand(2, 4, 5))(s), V(lambda a: a[0].expand(3, 5))(s),
                V(lambda a: a.unbind(1))(s), V(lambda a: a.split(2, 1))(s),
                V(lambda a: a.narrow(1, 1, 3))(s), V(lambda a: a.diagonal())(s),
                V(lambda a: a.repeat(2, 1, 1))(s), V(lambda a: a.select(1, 2))(s),
                V(lambda a, b: L.cat([a, b], 0), in_dims=(0, None))(s, s[0]),
                V(lambda a, b: L.stack([a, b], 1))(s, s))

    _no_fallback(prog)


def test_indexing_gather_index_select():
    def prog(L):
        V = L.func.vmap
        s = _d(L, (3, 4, 5), 0)
        idx = L.tensor([[0, 2], [1, 1], [3, 0], [2, 2]])
        return (V(lambda a: a[1])(s), V(lambda a: a[:, 1:4:2])(s), V(lambda a: a[..., -1])(s),
                V(lambda a: a[1, None, 2:])(s), V(lambda a: a[L.tensor([0, 3])])(s),
                V(lambda a: a[:, L.tensor([4, 0])])(s),
                V(lambda a: a.gather(1, idx))(s),
                V(lambda a, i: a.gather(1, i), in_dims=(0, 0))(s, idx.expand(3, 4, 2)),
                V(lambda a: a.index_select(1, L.tensor([4, 1, 1])))(s))

    run_both(prog)
    # a batched index array into an unbatched tensor: per-sample fallback, still right
    run_both(lambda L: L.func.vmap(lambda i: _d(L, (5,), 1)[i])(L.tensor([[0, 1], [4, 2]])))


def test_matmul_family():
    def prog(L):
        V = L.func.vmap
        a, b = _d(L, (3, 4, 5), 0), _d(L, (3, 5, 2), 1)
        v, w = _d(L, (3, 5), 2), _d(L, (5, 2), 3)
        return (V(lambda p, q: p @ q)(a, b), V(L.mm)(a, b), V(lambda p: p @ w)(a),
                V(lambda p: w.t() @ p, in_dims=2)(a.transpose(1, 2)),
                V(lambda p, q: p @ q)(v, v), V(L.dot)(v, v), V(L.mv)(a, v),
                V(lambda p: p @ w)(v), V(lambda q: q @ v[0])(a), V(lambda q: v[0] @ q)(b),
                V(L.bmm)(a[None].expand(2, 3, 4, 5), b[None].expand(2, 3, 5, 2)),
                V(lambda p, q: L.einsum("ij,jk->ik", p, q), in_dims=(0, None))(a, w),
                V(lambda p, q: L.einsum("ij,jk->ik", p, q))(a, b),
                V(lambda p: L.nn.functional.linear(p, w.t(), w[:, 0]))(v),
                V(lambda p, q: L.nn.functional.linear(q, p))(b.transpose(1, 2), v))

    _no_fallback(prog)


def test_in_out_dims_pytrees_nesting():
    def prog(L):
        V = L.func.vmap
        x, y = _d(L, (4, 3), 0), _d(L, (3, 4), 1)
        m = _d(L, (2, 3, 4), 2)
        return (V(lambda a, b: a * b, in_dims=(0, 1), out_dims=1)(x, y),
                V(lambda d: d["a"] + d["b"][0], in_dims=({"a": 0, "b": [1]},))(
                    {"a": x, "b": [y]}),
                V(lambda a: (a.sum(), a * 2, y), out_dims=(0, -1, None))(x),
                V(lambda a: y.sum(), out_dims=0)(x),                 # unbatched output
                V(V(lambda a, b: a @ b))(m, m.transpose(1, 2)),
                V(V(lambda a, b: a * b.sum()), in_dims=(0, None))(m, x),
                V(V(lambda a: a.softmax(0)), in_dims=2)(m),
                V(lambda a: V(lambda b: a * b)(y), in_dims=0)(x),
                V(lambda a: a.sum(0), chunk_size=2)(m),
                V(lambda a: a.shape[0] + a.dim() + a.size(-1) + a.numel() + a, in_dims=1)(m))

    _no_fallback(prog)


def test_errors_match_torch():
    run_both(lambda L: L.func.vmap(lambda a: a.item())(L.ones(3)))
    run_both(lambda L: L.func.vmap(lambda a, b: b.add_(a), in_dims=(0, None))(L.ones(3, 2),
                                                                            L.ones(2)))
    run_both(lambda L: L.func.vmap(lambda a: a, out_dims=None)(L.ones(3)))
    run_both(lambda L: L.func.vmap(lambda a: a.add_(1))(L.ones(3, 2)))


def test_randomness_modes():
    for L in (torch, ember):
        with pytest.raises(RuntimeError, match="randomness error mode"):
            L.func.vmap(lambda a: a + L.rand(()))(L.zeros(4))
        with pytest.raises(RuntimeError, match="randomness error mode"):
            L.func.vmap(lambda a: L.nn.functional.dropout(a, 0.5))(L.ones(4, 8))
        L.manual_seed(0)
        same = L.func.vmap(lambda a: a + L.rand(2), randomness="same")(L.zeros(5, 2))
        diff = L.func.vmap(lambda a: a + L.rand(()), randomness="different")(L.zeros(4))
        drop = L.func.vmap(lambda a: L.nn.functional.dropout(a, 0.5),
                           randomness="different")(L.ones(4, 50))
        assert (same == same[0]).all()
        assert len(set(diff.tolist())) == 4
        assert not (drop == drop[0]).all()


def test_per_sample_grads_vs_loop_and_torch():
    X = np.random.default_rng(0).standard_normal((6, 3))
    Y = np.random.default_rng(1).standard_normal((6, 2))
    res = {}
    for L in (torch, ember):
        L.manual_seed(0)
        m = L.nn.Sequential(L.nn.Linear(3, 8), L.nn.Tanh(), L.nn.Linear(8, 2))
        with L.no_grad():
            for i, p in enumerate(m.parameters()):
                p.copy_(_d(L, tuple(p.shape), 10 + i, L.float32))
        params = {k: v.detach() for k, v in m.named_parameters()}

        def loss(p, x, y):
            out = L.func.functional_call(m, p, (x.unsqueeze(0),))
            return ((out.squeeze(0) - y) ** 2).mean()

        x, y = L.tensor(X, dtype=L.float32), L.tensor(Y, dtype=L.float32)
        _batching.fallback_counts.clear()
        res[L] = L.func.vmap(L.func.grad(loss), in_dims=(None, 0, 0))(params, x, y)
        res[L, "x"] = L.func.vmap(L.func.grad(loss, argnums=1), in_dims=(None, 0, 0))(
            params, x, y)
        res[L, "gv"] = L.func.vmap(L.func.grad_and_value(lambda a: (a.sin() ** 2).sum()))(x)
        if L is ember:
            assert not _batching.fallback_counts, dict(_batching.fallback_counts)
            for i in range(6):  # a plain loop with backward() gives the same gradients
                m.zero_grad()
                loss(dict(m.named_parameters()), x[i], y[i]).backward()
                for k, p in m.named_parameters():
                    np.testing.assert_allclose(res[L][k][i].numpy(), p.grad.numpy(),
                                               rtol=1e-5, atol=1e-6)
    for k in res[torch]:
        np.testing.assert_allclose(res[ember][k].numpy(), res[torch][k].numpy(), rtol=1e-5,
                                   atol=1e-6)
    np.testing.assert_allclose(res[ember, "x"].numpy(), res[torch, "x"].numpy(), rtol=1e-5,
                               atol=1e-6)
    for a, b in zip(res[ember, "gv"], res[torch, "gv"]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_grad_through_vmap_and_fallback_autograd():
    def prog(L):
        x = _d(L, (4, 3), 0).requires_grad_(True)
        w = _d(L, (3, 3), 1).requires_grad_(True)
        out = L.func.vmap(lambda a: (a @ w).tanh().cumsum(0).sum())(x)  # cumsum: fallback
        out.pow(2).sum().backward()
        return out, x.grad, w.grad

    run_both(prog)
    assert _batching.fallback_counts  # cumsum has no rule: the per-sample fallback ran


def test_mlp_batched_vs_loop_speed():
    rng = np.random.default_rng(0)
    W1 = ember.tensor(rng.standard_normal((32, 16)), dtype=ember.float32)
    W2 = ember.tensor(rng.standard_normal((16, 4)), dtype=ember.float32)
    X = ember.tensor(rng.standard_normal((256, 32)), dtype=ember.float32)

    def mlp(x):
        return ((x @ W1).relu() @ W2).log_softmax(-1)

    def loop(x):
        return ember.stack([mlp(x[i]) for i in range(x.shape[0])])

    _batching.fallback_counts.clear()
    batched = ember.func.vmap(mlp)
    np.testing.assert_allclose(batched(X).numpy(), loop(X).numpy(), rtol=1e-5, atol=1e-5)
    assert not _batching.fallback_counts
    t0 = time.perf_counter()
    for _ in range(5):
        batched(X)
    t1 = time.perf_counter()
    for _ in range(5):
        loop(X)
    t2 = time.perf_counter()
    print(f"vmap over 256 samples of a small MLP: {(t2 - t1) / (t1 - t0):.1f}x faster than a "
          "per-sample loop")
