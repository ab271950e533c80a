"""Window functions (torch.hann_window, hamming_window, bartlett_window, blackman_window,
kaiser_window): 1-D creation ops, periodic (for spectral analysis, the default) or symmetric.

Values are computed in float64 on the target device and cast to the requested floating dtype.
"""

import math

from ember import _dtype
from ember._ops._registry import register
from ember._ops.creation import _device
from ember._ops.creation import _finish
from ember.autograd.function import xp_for


def _window(name, window_length, periodic, dtype, device, requires_grad, values):
    """Validate torch's arguments, then build values(xp, n_arr, denom) on the device."""
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={window_length}")
    dt = _dtype.get_default_dtype() if dtype is None else dtype
    if not dt.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: TensorOptions(dtype="
                           f"{dt}, device=cpu, layout=Strided (default))")
    dev = _device(device)
    xp = xp_for(dev)
    if window_length <= 1:
        arr = xp.ones(window_length, dtype=dt.np_dtype)
    else:
        # a periodic window of length N is the symmetric window of length N + 1 without its end
        denom = window_length if periodic else window_length - 1
        n = xp.arange(window_length, dtype="float64")
        arr = xp.asarray(values(xp, n, denom)).astype(dt.np_dtype)
    return _finish(arr, dev, requires_grad)


def _cosine_sum(coeffs):
    def values(xp, n, denom):
        out = xp.zeros_like(n)
        for k, a in enumerate(coeffs):
            out = out + ((-1) ** k) * a * xp.cos(2 * math.pi * k * n / denom)
        return out
    return values


@register(method=False)
def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                pin_memory=False, requires_grad=False):
    """The Hann window 0.5 - 0.5 cos(2 pi n / N)."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum((0.5, 0.5)))


@register(method=False)
def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   layout=None, device=None, pin_memory=False, requires_grad=False):
    """The Hamming window alpha - beta cos(2 pi n / N)."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum((alpha, beta)))


@register(method=False)
def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    pin_memory=False, requires_grad=False):
    """The Blackman window 0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N)."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum((0.42, 0.5, 0.08)))


@register(method=False)
def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    pin_memory=False, requires_grad=False):
    """The triangular Bartlett window 1 - |2n / N - 1|."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda xp, n, denom: 1 - xp.abs(2 * n / denom - 1))


@register(method=False)
def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None,
                  device=None, pin_memory=False, requires_grad=False):
    """The Kaiser window I0(beta sqrt(1 - (2n / N - 1)^2)) / I0(beta)."""
    def values(xp, n, denom):
        r = 2 * n / denom - 1
        return xp.i0(beta * xp.sqrt(xp.clip(1 - r * r, 0, None))) / xp.i0(xp.asarray(beta))
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   values)
