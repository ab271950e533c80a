"""ember.fft: torch.fft's discrete Fourier transforms, on the array module's fft (numpy.fft /
cupy.fft).

Three Functions carry every transform: complex-to-complex (fft, ifft, fftn...), real-to-complex
(rfft...) and complex-to-real (irfft...); hfft/ihfft are conjugated irfft/rfft with the dual
normalization. Backward uses that the adjoint of a DFT is the opposite-direction DFT with the
dual normalization ("backward" <-> "forward", "ortho" <-> "ortho"): rfft's adjoint zero-pads the
half spectrum and keeps the real part of a c2c transform; irfft's adjoint is an rfft with the
non-self-conjugate bins doubled. Shapes changed by ``n``/``s`` (trim or zero-pad) are undone in
backward by the opposite pad/trim.
"""

import builtins

import ember
from ember import _dtype
from ember import _tensor
from ember._ops._util import wrap_dim
from ember.autograd.function import Function
from ember.autograd.function import xp_for

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2",
           "rfftn", "irfftn", "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq",
           "rfftfreq", "fftshift", "ifftshift"]

_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}
_COMPLEX = {"float32": _dtype.complex64, "float64": _dtype.complex128,
            "complex64": _dtype.complex64, "complex128": _dtype.complex128}


def _norm(norm):
    if norm is None:
        return "backward"
    if norm not in _DUAL:
        raise ValueError(f"Invalid normalization mode: {norm}")
    return norm


def _resize(xp, x, sizes, dims):
    """Trim or zero-pad x along dims to sizes (arrays)."""
    for n, d in zip(sizes, dims):
        cur = x.shape[d]
        if n < cur:
            x = x[(slice(None),) * d + (slice(0, n),)]
        elif n > cur:
            pad = [(0, 0)] * x.ndim
            pad[d] = (0, n - cur)
            x = xp.pad(x, pad)
    return x


def _resize_t(t, sizes, dims):
    """The same on ember tensors (differentiable)."""
    for n, d in zip(sizes, dims):
        cur = t.shape[d]
        if n < cur:
            t = t.narrow(d, 0, n)
        elif n > cur:
            shape = list(t.shape)
            shape[d] = n - cur
            t = ember.cat([t, ember.zeros(shape, dtype=t.dtype, device=t.device)], d)
    return t


class _C2C(Function):
    node_name = "FftC2CBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, sizes, dims, norm, inverse):
        xp = ctx.xp
        ctx.in_sizes = [x.shape[d] for d in dims]
        ctx.args = (sizes, dims, norm, inverse)
        ctx.was_real = x.dtype.kind != "c"
        out_dt = _COMPLEX[x.dtype.name]
        x = _resize(xp, x, sizes, dims)
        fn = xp.fft.ifftn if inverse else xp.fft.fftn
        return xp.asarray(fn(x, axes=dims, norm=norm)).astype(out_dt.np_dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        sizes, dims, norm, inverse = ctx.args
        gx = _C2C.apply(g, sizes, dims, _DUAL[norm], not inverse)
        gx = _resize_t(gx, ctx.in_sizes, dims)
        return (gx.real if ctx.was_real else gx), None, None, None, None


class _R2C(Function):
    node_name = "FftR2CBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, sizes, dims, norm):
        xp = ctx.xp
        ctx.in_sizes = [x.shape[d] for d in dims]
        ctx.args = (sizes, dims, norm)
        out_dt = _COMPLEX[x.dtype.name]
        x = _resize(xp, x, sizes, dims)
        return xp.asarray(xp.fft.rfftn(x, axes=dims, norm=norm)).astype(out_dt.np_dtype,
                                                                         copy=False)

    @staticmethod
    def backward(ctx, g):
        sizes, dims, norm = ctx.args
        # the half spectrum, zero-padded to the full last dim: a c2c adjoint, real part
        full = _resize_t(g, [sizes[-1]], [dims[-1]])
        gx = _C2C.apply(full, sizes, dims, _DUAL[norm], True).real
        return _resize_t(gx, ctx.in_sizes, dims), None, None, None


class _C2R(Function):
    node_name = "FftC2RBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, sizes, dims, norm):
        xp = ctx.xp
        ctx.in_sizes = [x.shape[d] for d in dims]
        ctx.args = (sizes, dims, norm)
        ctx.was_real = x.dtype.kind != "c"
        out_dt = _COMPLEX[x.dtype.name]
        half = list(sizes[:-1]) + [sizes[-1] // 2 + 1]
        x = _resize(xp, x, half, dims)
        out = xp.fft.irfftn(x, s=sizes, axes=dims, norm=norm)
        return xp.asarray(out).astype(out_dt.to_real().np_dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        sizes, dims, norm = ctx.args
        gx = _R2C.apply(g, sizes, dims, _DUAL[norm])
        n, last = sizes[-1], dims[-1]
        m = gx.shape[last]
        twice = n - m   # bins 1 .. n - m have a conjugate partner in the full spectrum
        if twice > 0:
            gx = ember.cat([gx.narrow(last, 0, 1), gx.narrow(last, 1, twice) * 2,
                            gx.narrow(last, twice + 1, m - twice - 1)], last)
        gx = _resize_t(gx, ctx.in_sizes, dims)
        return (gx.real if ctx.was_real else gx), None, None, None


# ------------------------------------------------------------------------------ arguments

def _prepare(input, name, real_only=False):
    if not isinstance(input, _tensor.Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    dt = input.dtype
    if real_only and dt.is_complex:
        raise RuntimeError(f"{name} expects a real input tensor, but got "
                           f"{_dtype.SCALAR_NAMES[dt]}")
    if not (dt.is_floating_point or dt.is_complex):
        input = input.to(_dtype.get_default_dtype())
    elif dt in (_dtype.float16, _dtype.bfloat16):
        raise RuntimeError(f"Unsupported dtype {_dtype.SCALAR_NAMES[dt]}")
    return input


def _dims_sizes(input, s, dim, name, default_all=True, last_half=False):
    """torch's (s, dim) rules: dims default to the last len(s) dims (or all), sizes to the
    input's sizes (the last of a c2r transform to 2 * (m - 1))."""
    nd = input.dim()
    if dim is None:
        dims = list(builtins.range(nd - len(s), nd)) if s is not None else \
            list(builtins.range(nd)) if default_all else list(builtins.range(nd - 2, nd))
    else:
        dims = [wrap_dim(d, nd) for d in ([dim] if isinstance(dim, int) else dim)]
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{name} dims must be unique")
    if s is None:
        sizes = [input.shape[d] for d in dims]
        if last_half and dims:
            sizes[-1] = 2 * (input.shape[dims[-1]] - 1)
    else:
        s = list(s)
        if len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        sizes = [input.shape[d] if n == -1 else n for n, d in zip(s, dims)]
        if last_half and dims and s[-1] == -1:
            sizes[-1] = 2 * (input.shape[dims[-1]] - 1)
    for n in sizes:
        if n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return sizes, dims


def _one_dim(input, n, dim, name, last_half=False):
    d = wrap_dim(dim, input.dim())
    if n is None:
        n = 2 * (input.shape[d] - 1) if last_half else input.shape[d]
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return [n], [d]


# ------------------------------------------------------------------------------ c2c

def _c2c(input, sizes, dims, norm, inverse, out):
    return _write(_C2C.apply(input, sizes, dims, norm, inverse), out, "fft")


def _write(result, out, name):
    if out is None:
        return result
    from ember._ops._registry import write_out

    return write_out(result, out, name)


def fft(input, n=None, dim=-1, norm=None, *, out=None):
    """The 1-D discrete Fourier transform."""
    input = _prepare(input, "fft_fft")
    sizes, dims = _one_dim(input, n, dim, "fft")
    return _c2c(input, sizes, dims, _norm(norm), False, out)


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    input = _prepare(input, "fft_ifft")
    sizes, dims = _one_dim(input, n, dim, "ifft")
    return _c2c(input, sizes, dims, _norm(norm), True, out)


def fftn(input, s=None, dim=None, norm=None, *, out=None):
    input = _prepare(input, "fft_fftn")
    sizes, dims = _dims_sizes(input, s, dim, "fftn")
    return _c2c(input, sizes, dims, _norm(norm), False, out)


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    input = _prepare(input, "fft_ifftn")
    sizes, dims = _dims_sizes(input, s, dim, "ifftn")
    return _c2c(input, sizes, dims, _norm(norm), True, out)


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return fftn(input, s, dim, norm, out=out)


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return ifftn(input, s, dim, norm, out=out)


# ------------------------------------------------------------------------------ r2c / c2r

def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The 1-D DFT of a real signal: the n // 2 + 1 non-redundant coefficients."""
    input = _prepare(input, "rfft", real_only=True)
    sizes, dims = _one_dim(input, n, dim, "rfft")
    return _write(_R2C.apply(input, sizes, dims, _norm(norm)), out, "fft_rfft")


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of rfft: a real signal of length n (default 2 * (m - 1))."""
    input = _prepare(input, "irfft")
    sizes, dims = _one_dim(input, n, dim, "irfft", last_half=True)
    return _write(_C2R.apply(input, sizes, dims, _norm(norm)), out, "fft_irfft")


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    input = _prepare(input, "rfftn", real_only=True)
    sizes, dims = _dims_sizes(input, s, dim, "rfftn")
    return _write(_R2C.apply(input, sizes, dims, _norm(norm)), out, "fft_rfftn")


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    input = _prepare(input, "irfftn")
    sizes, dims = _dims_sizes(input, s, dim, "irfftn", last_half=True)
    return _write(_C2R.apply(input, sizes, dims, _norm(norm)), out, "fft_irfftn")


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return rfftn(input, s, dim, norm, out=out)


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return irfftn(input, s, dim, norm, out=out)


# ------------------------------------------------------------------------------ Hermitian

def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The DFT of a Hermitian-symmetric signal given by its first half: a real result."""
    input = _prepare(input, "hfft")
    sizes, dims = _one_dim(input, n, dim, "hfft", last_half=True)
    return _write(_C2R.apply(input.conj(), sizes, dims, _DUAL[_norm(norm)]), out, "fft_hfft")


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    input = _prepare(input, "ihfft", real_only=True)
    sizes, dims = _one_dim(input, n, dim, "ihfft")
    return _write(_R2C.apply(input, sizes, dims, _DUAL[_norm(norm)]).conj(), out, "fft_ihfft")


def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    input = _prepare(input, "hfftn")
    sizes, dims = _dims_sizes(input, s, dim, "hfftn", last_half=True)
    return _write(_C2R.apply(input.conj(), sizes, dims, _DUAL[_norm(norm)]), out, "fft_hfftn")


def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    input = _prepare(input, "ihfftn", real_only=True)
    sizes, dims = _dims_sizes(input, s, dim, "ihfftn")
    return _write(_R2C.apply(input, sizes, dims, _DUAL[_norm(norm)]).conj(), out, "fft_ihfftn")


def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return hfftn(input, s, dim, norm, out=out)


def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return ihfftn(input, s, dim, norm, out=out)


# ------------------------------------------------------------------------------ helpers

def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies [0, 1, ..., n/2 - 1, -n/2, ..., -1] / (d n)."""
    from ember._ops.creation import _device
    from ember._ops.creation import _finish

    dev = _device(device)
    xp = xp_for(dev)
    dt = dtype or _dtype.get_default_dtype()
    arr = xp.fft.fftfreq(n, d).astype(dt.np_dtype)
    return _write(_finish(arr, dev, requires_grad), out, "fft_fftfreq")


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    from ember._ops.creation import _device
    from ember._ops.creation import _finish

    dev = _device(device)
    xp = xp_for(dev)
    dt = dtype or _dtype.get_default_dtype()
    arr = xp.fft.rfftfreq(n, d).astype(dt.np_dtype)
    return _write(_finish(arr, dev, requires_grad), out, "fft_rfftfreq")


def _shift(input, dim, sign):
    if dim is None:
        dims = list(builtins.range(input.dim()))
    else:
        dims = [wrap_dim(d, input.dim()) for d in ([dim] if isinstance(dim, int) else dim)]
    if not dims:
        return input.clone()
    shifts = [(input.shape[d] // 2) if sign > 0 else -(input.shape[d] // 2) for d in dims]
    return ember.roll(input, shifts, dims)


def fftshift(input, dim=None):
    """Move the zero-frequency term to the centre."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    return _shift(input, dim, -1)
