"""ember.func against torch.func: transforms, nesting, pytrees, functional_call, vmap, and
end-to-end programs (per-sample gradients, gradient penalty, MAML inner loop)."""

import numpy as np
import pytest
import torch
import torch.func  # noqa: F401

import ember
import ember.func  # noqa: F401
from tests.autograd._both import run_both


def _d(L, shape, seed, dtype=None):
    return L.tensor(np.random.default_rng(seed).standard_normal(shape),
                    dtype=dtype or L.float64)


def test_grad_argnums_has_aux_and_nesting():
    def prog(L):
        F = L.func
        x, y = _d(L, (3,), 0), _d(L, (3,), 1)

        def f(a, b):
            return (a.sin() * b ** 2).sum()

        def f_aux(a):
            return (a ** 2).sum(), {"m": a.mean()}

        return (F.grad(f)(x, y), F.grad(f, argnums=(0, 1))(x, y), F.grad(f, argnums=-1)(x, y),
                F.grad(f_aux, has_aux=True)(x), F.grad_and_value(f)(x, y),
                F.grad_and_value(f_aux, has_aux=True)(x),
                F.grad(F.grad(lambda a: a ** 3))(L.tensor(2.0, dtype=L.float64)),
                F.grad(lambda p: (p["w"] * p["b"][0]).sum())({"w": x, "b": [y]}))

    run_both(prog)


def test_grad_errors():
    run_both(lambda L: L.func.grad(lambda a: a * 2)(L.ones(3)))
    run_both(lambda L: L.func.grad(lambda a: a.sum(), argnums=2)(L.ones(3)))


def test_vjp_jvp_jacrev_jacfwd_hessian():
    def prog(L):
        F = L.func
        x, y = _d(L, (3,), 0), _d(L, (2, 3), 1)

        def f(a, b):
            return b @ a.tanh()

        out, fn = F.vjp(f, x, y)
        return (out, fn(L.ones(2, dtype=L.float64)),
                F.jvp(f, (x, y), (L.ones(3, dtype=L.float64), L.ones(2, 3, dtype=L.float64))),
                F.jacrev(f)(x, y), F.jacrev(f, argnums=(0, 1))(x, y), F.jacfwd(f)(x, y),
                F.hessian(lambda a: (a.sin() * a ** 2).sum())(x),
                F.jacrev(lambda a: (a.exp(), a.sum()))(x))

    run_both(prog)


def test_functional_call():
    def prog(L):
        L.manual_seed(0)
        m = L.nn.Sequential(L.nn.Linear(3, 4), L.nn.ReLU(), L.nn.Linear(4, 2))
        with L.no_grad():
            for i, p in enumerate(m.parameters()):
                p.copy_(_d(L, tuple(p.shape), 10 + i, L.float32))
        x = _d(L, (5, 3), 3, L.float32)
        params = {k: v * 2 for k, v in m.named_parameters()}
        out = L.func.functional_call(m, params, (x,))
        out.sum().backward()
        partial = L.func.functional_call(m, {"0.bias": L.zeros(4)}, x)
        after = m(x)  # parameters are restored
        return out, partial, after, [p.grad is None for p in m.parameters()]

    run_both(prog)

    def strict(L):
        m = L.nn.Linear(2, 2)
        L.func.functional_call(m, {"weight": L.ones(2, 2)}, (L.ones(2),), strict=True)

    with pytest.raises(RuntimeError, match="Missing key"):
        strict(ember)
    with pytest.raises(RuntimeError, match="Missing key"):
        strict(torch)


def test_vmap_dims_nesting_and_pytrees():
    def prog(L):
        F = L.func
        x, y = _d(L, (4, 3), 0), _d(L, (3, 5), 1)
        z = _d(L, (3, 4), 2)
        return (F.vmap(lambda a: a.sum())(x),
                F.vmap(lambda a, b: a @ b, in_dims=(0, None))(x, y),
                F.vmap(lambda a, b: a * b, in_dims=(0, 1), out_dims=1)(x, z),
                F.vmap(F.vmap(lambda a, b: a * b))(x, x),
                F.vmap(lambda d: d["a"] + d["b"][0], in_dims=({"a": 0, "b": [1]},))(
                    {"a": x, "b": [z]}),
                F.vmap(lambda a: (a.max(), z), out_dims=(0, None))(L.ones(4, 3)))

    run_both(prog)
    run_both(lambda L: L.func.vmap(lambda a: (a.max(), a[0]), out_dims=(0, None))(L.ones(4, 3)))
    run_both(lambda L: L.func.vmap(lambda a, b: a + b)(L.ones(3, 2), L.ones(4, 2)))
    run_both(lambda L: L.func.vmap(lambda a: a, in_dims=None)(L.ones(3)))


def test_vmap_randomness_modes():
    for L in (torch, ember):
        L.manual_seed(0)
        same = L.func.vmap(lambda a: a + L.rand(()), randomness="same")(L.zeros(4))
        diff = L.func.vmap(lambda a: a + L.rand(()), randomness="different")(L.zeros(4))
        assert len(set(same.tolist())) == 1
        assert len(set(diff.tolist())) == 4
    with pytest.raises(RuntimeError, match="Only allowed values for randomness"):
        ember.func.vmap(lambda a: a, randomness="bad")


def test_per_sample_gradients_vmap_of_grad_vs_loop_and_torch():
    X = np.random.default_rng(0).standard_normal((6, 3))
    Y = np.random.default_rng(1).standard_normal(6)
    res = {}
    for L in (torch, ember):
        m = L.nn.Linear(3, 1)
        with L.no_grad():
            m.weight.copy_(L.tensor([[0.1, -0.2, 0.3]]))
            m.bias.fill_(0.05)
        params = {k: v.detach() for k, v in m.named_parameters()}

        def loss(p, x, y):
            out = L.func.functional_call(m, p, (x.unsqueeze(0),))
            return ((out.squeeze() - y) ** 2)

        x, y = L.tensor(X, dtype=L.float32), L.tensor(Y, dtype=L.float32)
        res[L] = L.func.vmap(L.func.grad(loss), in_dims=(None, 0, 0))(params, x, y)
        if L is ember:  # a plain loop with backward() gives the same per-sample gradients
            for i in range(6):
                m.zero_grad()
                ((m(x[i:i + 1]).squeeze() - y[i]) ** 2).backward()
                np.testing.assert_allclose(res[L]["weight"][i].numpy(),
                                           m.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    for k in ("weight", "bias"):
        np.testing.assert_allclose(res[ember][k].numpy(), res[torch][k].numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_wgan_gp_gradient_penalty():
    def prog(L):
        L.manual_seed(0)
        D = L.nn.Sequential(L.nn.Linear(4, 8), L.nn.Tanh(), L.nn.Linear(8, 1))
        with L.no_grad():
            for i, p in enumerate(D.parameters()):
                p.copy_(_d(L, tuple(p.shape), 20 + i, L.float32))
        real, fake = _d(L, (5, 4), 1, L.float32), _d(L, (5, 4), 2, L.float32)
        eps = L.tensor(np.linspace(0, 1, 5).reshape(5, 1), dtype=L.float32)
        inter = (eps * real + (1 - eps) * fake).requires_grad_(True)
        out = D(inter)
        (g,) = L.autograd.grad(out, inter, L.ones_like(out), create_graph=True)
        gp = ((g.norm(2, dim=1) - 1) ** 2).mean()
        loss = D(fake).mean() - D(real).mean() + 10 * gp
        loss.backward()
        return gp, [p.grad for p in D.parameters()]

    run_both(prog)


def test_maml_inner_loop_create_graph():
    def prog(L):
        w = _d(L, (3, 1), 0).requires_grad_(True)
        xs, ys = _d(L, (4, 3), 1), _d(L, (4, 1), 2)
        xq, yq = _d(L, (4, 3), 3), _d(L, (4, 1), 4)
        fast = w
        for _ in range(2):
            inner = ((xs @ fast).tanh() - ys).pow(2).mean()
            (g,) = L.autograd.grad(inner, fast, create_graph=True)
            fast = fast - 0.1 * g
        outer = ((xq @ fast).tanh() - yq).pow(2).mean()
        outer.backward()
        # Hessian-vector product through the same graph
        v = L.ones(3, 1, dtype=L.float64)
        (gw,) = L.autograd.grad(((xs @ w).tanh() ** 2).sum(), w, create_graph=True)
        (hv,) = L.autograd.grad((gw * v).sum(), w)
        return outer, w.grad, hv

    run_both(prog)
