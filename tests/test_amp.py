"""ember.amp: autocast (CPU bfloat16 policy) and GradScaler, against torch 2.13 on the CPU."""

import warnings

import numpy as np
import pytest
import torch

import ember
from tests._oracle import assert_close
from tests._oracle import to_ember
from tests._oracle import to_torch


def _r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_cpu_autocast_lower_precision_ops_match_torch(dtype):
    x, w, b = _r(3, 5), _r(4, 5, seed=1), _r(4, seed=2)
    img, k = _r(2, 3, 8, 8, seed=3), _r(4, 3, 3, 3, seed=4)
    bx, by = _r(2, 3, 5, seed=5), _r(2, 5, 4, seed=6)
    ops = [
        lambda m, t: m.nn.functional.linear(t(x), t(w), t(b)),
        lambda m, t: t(x) @ t(w).T,
        lambda m, t: m.matmul(t(bx), t(by)),
        lambda m, t: m.mm(t(x), t(w).T),
        lambda m, t: m.bmm(t(bx), t(by)),
        lambda m, t: m.addmm(t(b), t(x), t(w).T),
        lambda m, t: m.nn.functional.conv2d(t(img), t(k), padding=1),
    ]
    for op in ops:
        with torch.autocast("cpu", dtype=getattr(torch, dtype)):
            ref = op(torch, lambda a: torch.from_numpy(a))
        with ember.autocast("cpu", dtype=getattr(ember, dtype)):
            got = op(ember, lambda a: ember.tensor(a))
        assert str(got.dtype) == str(ref.dtype) == f"torch.{dtype}"
        assert_close(got, ref, atol=2e-2, rtol=1e-2)
    with ember.autocast("cpu"):
        assert ember.is_autocast_enabled("cpu") and ember.get_autocast_dtype("cpu") is ember.bfloat16
        y = ember.ones(2, 3, dtype=ember.float64) @ ember.ones(3, 2, dtype=ember.float64)
        assert y.dtype is ember.float64  # float64 is not eligible, as torch
    assert not ember.is_autocast_enabled("cpu")


def test_cpu_autocast_linear_is_rounded_once_like_torch():
    x, w = _r(16, 32), _r(8, 32, seed=1)
    with torch.autocast("cpu"):
        ref = torch.nn.functional.linear(torch.from_numpy(x), torch.from_numpy(w))
    with ember.autocast("cpu"):
        got = ember.nn.functional.linear(ember.tensor(x), ember.tensor(w))
    diff = (to_torch(got).float() - ref.float()).abs()
    assert float(diff.max()) <= float(ref.float().abs().max()) * 2 ** -7


def test_cpu_autocast_fp32_losses_and_passthrough_ops():
    a = _r(4, 3)
    t = np.array([0, 1, 2, 0])
    cases = [("cross_entropy", (a, t)), ("mse_loss", (a, a)), ("l1_loss", (a, a)),
             ("nll_loss", (a, t)), ("softmax", (a, 1)), ("layer_norm", (a, (3,)))]
    for name, args in cases:
        with torch.autocast("cpu"):
            targs = [torch.from_numpy(v).bfloat16() if isinstance(v, np.ndarray) and v.dtype == np.float32
                     else torch.from_numpy(v) if isinstance(v, np.ndarray) else v for v in args]
            ref = getattr(torch.nn.functional, name)(*targs)
        with ember.autocast("cpu"):
            eargs = [to_ember(v) if isinstance(v, torch.Tensor) else v for v in targs]
            got = getattr(ember.nn.functional, name)(*eargs)
        assert str(got.dtype) == str(ref.dtype), name
        assert_close(got, ref, atol=2e-2, rtol=2e-2)
    with ember.autocast("cpu"):
        assert ember.nn.MSELoss()(ember.ones(2).bfloat16(), ember.zeros(2).bfloat16()).dtype \
            is ember.float32
    assert ember.nn.functional.mse_loss.__name__ == "mse_loss"
    assert not hasattr(ember.nn.functional.mse_loss, "__wrapped__")  # restored on exit


def test_autocast_backward_and_decorator_and_nesting():
    lin = ember.nn.Linear(5, 3)

    @ember.autocast("cpu")
    def f(x):
        return lin(x)

    y = f(ember.ones(2, 5))
    assert y.dtype is ember.bfloat16
    y.float().sum().backward()
    assert lin.weight.grad.dtype is ember.float32 and lin.weight.grad.shape == (3, 5)
    with ember.autocast("cpu"):
        with ember.autocast("cpu", enabled=False):
            assert lin(ember.ones(1, 5)).dtype is ember.float32
        assert lin(ember.ones(1, 5)).dtype is ember.bfloat16


def test_cuda_amp_disabled_without_cuda_like_torch():
    if ember.cuda.is_available():
        pytest.skip("a GPU is present")
    from ember.cuda.amp import GradScaler, autocast

    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        s = GradScaler()
        ctx = autocast()
    msgs = [(w.category.__name__, str(w.message)) for w in rec]
    assert msgs == [
        ("FutureWarning", "`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                          "`torch.amp.GradScaler('cuda', args...)` instead."),
        ("UserWarning", "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
                        "Disabling."),
        ("FutureWarning", "`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                          "`torch.amp.autocast('cuda', args...)` instead."),
        ("UserWarning", "CUDA is not available or torch_xla is imported. Disabling autocast."),
    ]
    assert not s.is_enabled() and s.get_scale() == 1.0 and s.state_dict() == {}
    lin = ember.nn.Linear(3, 1)
    opt = ember.optim.SGD(lin.parameters(), lr=0.1)
    with ctx:
        loss = lin(ember.ones(2, 3)).sum()
    assert loss.dtype is ember.float32
    assert s.scale(loss) is loss
    s.scale(loss).backward()
    before = lin.weight.detach().clone()
    s.step(opt)
    s.update()
    assert ember.allclose(lin.weight.detach(), before - 0.1 * lin.weight.grad)


def _scaler_run(m, steps):
    """Train a tiny model with an enabled CPU GradScaler; inject inf/NaN gradients on some steps."""
    m.manual_seed(0)
    lin = m.nn.Linear(3, 2)
    opt = m.optim.SGD(lin.parameters(), lr=0.1)
    s = m.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=2)
    log = []
    x = m.tensor(_r(4, 3))
    for i in range(steps):
        opt.zero_grad()
        loss = lin(x).pow(2).mean()
        if i in (2, 5):
            loss = loss * float("inf")
        s.scale(loss).backward()
        s.unscale_(opt) if i == 3 else None
        s.step(opt)
        s.update()
        log.append((s.get_scale(), s._get_growth_tracker()))
    return log, lin.weight.detach(), s.state_dict()


def test_grad_scaler_enabled_matches_torch():
    ref_log, ref_w, ref_sd = _scaler_run(torch, 8)
    got_log, got_w, got_sd = _scaler_run(ember, 8)
    assert got_log == ref_log
    assert got_sd == ref_sd
    assert_close(got_w, ref_w)


def test_grad_scaler_errors_and_state_dict():
    lin = ember.nn.Linear(2, 1)
    opt = ember.optim.SGD(lin.parameters(), lr=0.1)
    s = ember.amp.GradScaler("cpu")
    assert s.get_scale() == 65536.0
    s.scale(lin(ember.ones(1, 2)).sum()).backward()
    s.unscale_(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        s.unscale_(opt)
    s.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        s.step(opt)
    s.update()
    s2 = ember.amp.GradScaler("cpu")
    s2.load_state_dict(s.state_dict())
    assert s2.state_dict() == s.state_dict()
    with pytest.raises(RuntimeError, match="source state dict is empty"):
        s2.load_state_dict({})
