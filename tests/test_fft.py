"""ember.fft against torch.fft: values, dtypes, shapes, norm modes, n/s trimming and padding,
gradients (weighted sum) and float64 gradcheck."""

import numpy as np
import pytest
import torch

import ember
from tests._gradcheck import gradcheck
from tests._oracle import assert_close

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 6))
C = X + 1j * rng.standard_normal((4, 6))

C2C = ["fft", "ifft", "fftn", "ifftn", "fft2", "ifft2"]
R2C = ["rfft", "rfftn", "rfft2", "ihfft", "ihfftn", "ihfft2"]
C2R = ["irfft", "irfftn", "irfft2", "hfft", "hfftn", "hfft2"]


def _check(name, arr, grad=True, **kw):
    e_in = ember.tensor(arr, requires_grad=grad)
    t_in = torch.tensor(arr, requires_grad=grad)
    e = getattr(ember.fft, name)(e_in, **kw)
    t = getattr(torch.fft, name)(t_in, **kw)
    assert_close(e, t.resolve_conj())
    if not grad:
        return
    w = rng.standard_normal(tuple(t.shape))
    if t.is_complex():
        w = w + 1j * rng.standard_normal(tuple(t.shape))
    # real-valued loss: Re(sum(out * w))
    (e * ember.tensor(w)).sum().real.backward() if e.dtype.is_complex else \
        (e * ember.tensor(w)).sum().backward()
    (t * torch.tensor(w)).sum().real.backward() if t.is_complex() else \
        (t * torch.tensor(w)).sum().backward()
    assert_close(e_in.grad, t_in.grad)


@pytest.mark.parametrize("name", C2C)
@pytest.mark.parametrize("norm", [None, "forward", "ortho"])
def test_c2c(name, norm):
    _check(name, X, norm=norm)
    _check(name, C, norm=norm)


@pytest.mark.parametrize("name", R2C)
@pytest.mark.parametrize("norm", [None, "forward", "ortho"])
def test_r2c(name, norm):
    _check(name, X, norm=norm)


@pytest.mark.parametrize("name", C2R)
@pytest.mark.parametrize("norm", [None, "forward", "ortho"])
def test_c2r(name, norm):
    _check(name, C, norm=norm)


@pytest.mark.parametrize("name,kw", [
    ("fft", {"n": 9}), ("fft", {"n": 3, "dim": 0}), ("ifft", {"n": 5, "norm": "ortho"}),
    ("rfft", {"n": 9}), ("rfft", {"n": 4, "dim": 0}), ("irfft", {"n": 7}),
    ("irfft", {"n": 14}), ("irfftn", {"s": (3, 5)}), ("rfftn", {"s": (5, 3)}),
    ("fftn", {"s": (2, 8), "dim": (1, 0)}), ("hfft", {"n": 11}), ("ihfft", {"n": 3}),
    ("fftn", {"dim": 0}), ("rfft2", {"s": (3, 7)})])
def test_sizes(name, kw):
    _check(name, C if name in C2R or name in ("fft", "ifft", "fftn") else X, **kw)


def test_dtypes_and_errors():
    assert ember.fft.fft(ember.tensor([1, 2, 3])).dtype is ember.complex64
    assert ember.fft.rfft(ember.tensor([1.0, 2.0])).dtype is ember.complex64
    assert ember.fft.irfft(ember.tensor([1.0, 2.0])).dtype is ember.float32
    assert ember.fft.fft(ember.tensor([1.0], dtype=ember.float64)).dtype is ember.complex128
    with pytest.raises(RuntimeError):
        ember.fft.rfft(ember.tensor([1 + 1j]))
    with pytest.raises(ValueError):
        ember.fft.fft(ember.tensor([1.0]), norm="bad")
    with pytest.raises(RuntimeError):
        ember.fft.fft(ember.tensor([1.0]), n=0)


def test_freq_and_shift():
    for n, d in [(5, 1.0), (6, 0.5), (1, 2.0)]:
        assert_close(ember.fft.fftfreq(n, d), torch.fft.fftfreq(n, d))
        assert_close(ember.fft.rfftfreq(n, d), torch.fft.rfftfreq(n, d))
    assert_close(ember.fft.fftfreq(4, dtype=ember.float64),
                 torch.fft.fftfreq(4, dtype=torch.float64))
    x = rng.standard_normal((5, 4))
    for dim in [None, 0, (1,), (0, 1)]:
        assert_close(ember.fft.fftshift(ember.tensor(x), dim), torch.fft.fftshift(
            torch.tensor(x), dim))
        assert_close(ember.fft.ifftshift(ember.tensor(x), dim), torch.fft.ifftshift(
            torch.tensor(x), dim))


@pytest.mark.parametrize("name,kw", [("rfft", {}), ("irfft", {"n": 7}), ("fft", {"n": 5}),
                                     ("rfftn", {}), ("ihfft", {})])
def test_gradcheck(name, kw):
    x = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    fn = getattr(ember.fft, name)

    def real_out(t):
        out = fn(t, **kw)
        return ember.view_as_real(out) if out.dtype.is_complex else out

    gradcheck(real_out, [x])
    if name == "irfft":
        return
    # double backward (create_graph): the backward is written with the same Functions
    gradcheck(real_out, [x], second_order=True)
