"""Anomaly mode, autograd.functional and the public gradcheck/gradgradcheck, against torch."""

import warnings

import numpy as np
import pytest
import torch

import ember
from tests.autograd._both import run_both


def _nan_backward(L):
    x = L.tensor([0.0, 1.0], requires_grad=True)
    with L.autograd.detect_anomaly():
        y = x.sqrt()  # the forward line the warning must point at
        (y * 0).sum().backward()


def test_anomaly_nan_error_and_forward_traceback_warning():
    for L in (torch, ember):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with pytest.raises(RuntimeError) as err:
                _nan_backward(L)
        assert str(err.value) == "Function 'SqrtBackward0' returned nan values in its 0th output."
        msgs = [str(m.message) for m in w]
        assert msgs[0].startswith("Anomaly Detection has been enabled.")
        trace = [m for m in msgs if m.startswith("Error detected in SqrtBackward0. Traceback of "
                                                 "forward call that caused the error:")]
        assert trace and "y = x.sqrt()  # the forward line" in trace[0], msgs
        assert "ember/autograd" not in trace[0]


def test_anomaly_custom_function_and_flags():
    def prog(L):
        class F(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return g * float("nan")

        x = L.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with L.autograd.detect_anomaly():
                F.apply(x).sum().backward()

    run_both(prog)

    def flags(L):
        # torch spells these torch.is_anomaly_*; ember's top level (not autograd's file) does
        # not export them yet, so the ember side reads them from ember.autograd
        M = L if L is torch else L.autograd
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = M.is_anomaly_enabled()
            with L.autograd.detect_anomaly(check_nan=False):
                b = M.is_anomaly_enabled(), M.is_anomaly_check_nan_enabled()
            L.autograd.set_detect_anomaly(True)
            c = M.is_anomaly_enabled()
            L.autograd.set_detect_anomaly(False)
        return a, b, c, M.is_anomaly_enabled()

    run_both(flags)


def _data(L, shape, seed):
    return L.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=L.float64)


def test_functional_jacobian_hessian_vjp_jvp_hvp_vhp():
    def prog(L):
        F = L.autograd.functional
        x, y = _data(L, (3,), 0), _data(L, (3,), 1)
        v = _data(L, (3,), 2)

        def f2(a, b):
            return (a * b).sin(), a.exp().sum()

        def s(a, b):
            return (a.sin() * b ** 2).sum()

        return (F.jacobian(lambda a: a.tanh() * 2, x),
                F.jacobian(f2, (x, y)),
                F.hessian(lambda a: (a ** 3).sum(), x),
                F.hessian(s, (x, y)),
                F.vjp(lambda a: a.exp(), x, v),
                F.jvp(lambda a, b: a * b.cos(), (x, y), (v, v)),
                F.hvp(s, (x, y), (v, v)),
                F.vhp(s, (x, y), (v, v)),
                F.vjp(lambda a: (a ** 2).sum(), x)[1])

    run_both(prog)


def test_functional_create_graph_and_strict():
    def prog(L):
        F = L.autograd.functional
        x = _data(L, (3,), 0).requires_grad_()
        _, (h,) = F.vjp(lambda a: (a ** 3).sum(), (x,), create_graph=True)
        (gg,) = L.autograd.grad(h.sum(), x)
        return h.requires_grad, gg

    run_both(prog)

    def strict(L):
        return L.autograd.functional.vjp(lambda a, b: a * 2, (L.ones(2), L.ones(2)),
                                         L.ones(2), strict=True)

    run_both(strict)

    def independent(L):
        return L.autograd.functional.jacobian(lambda a, b: a * 2, (L.ones(2), L.ones(2)))

    run_both(independent)


def test_gradcheck_and_gradgradcheck_public():
    x = ember.tensor(np.random.default_rng(0).standard_normal(3), requires_grad=True)
    w = ember.tensor(np.random.default_rng(1).standard_normal((3, 3)), requires_grad=True)
    f = lambda a, b: (b @ a).tanh()  # noqa: E731
    assert ember.autograd.gradcheck(f, (x, w), eps=1e-6, atol=1e-5, rtol=1e-3)
    assert ember.autograd.gradgradcheck(f, (x, w))
    assert ember.autograd.gradcheck(f, (x, w), fast_mode=True)

    class Bad(ember.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to "
                                           "input 0"):
        ember.autograd.gradcheck(Bad.apply, (x,))
    assert ember.autograd.gradcheck(Bad.apply, (x,), raise_exception=False) is False

    class FirstOrderOnly(ember.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a ** 2

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * 2 * a.detach()  # wrong second derivative: the graph is cut

    assert ember.autograd.gradcheck(FirstOrderOnly.apply, (x,))
    assert not ember.autograd.gradgradcheck(FirstOrderOnly.apply, (x,),
                                            raise_exception=False)


def test_gradcheck_warns_for_single_precision():
    x = ember.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double"):
        ember.autograd.gradcheck(lambda a: a * 2, (x,), atol=1e-2, rtol=1e-2, eps=1e-3)
