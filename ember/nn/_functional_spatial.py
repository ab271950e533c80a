"""Functional convolution, pooling, padding, interpolation, recurrent and attention ops
(re-exported by ember.nn.functional)."""

from ember._ops.conv import conv1d
from ember._ops.conv import conv2d
from ember._ops.conv import conv3d
from ember._ops.conv import conv_transpose1d
from ember._ops.conv import conv_transpose2d
from ember._ops.conv import conv_transpose3d
from ember._ops.conv import fold
from ember._ops.conv import unfold

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "fold", "unfold",
]

from ember._ops.pooling import adaptive_avg_pool1d
from ember._ops.pooling import adaptive_avg_pool2d
from ember._ops.pooling import adaptive_avg_pool3d
from ember._ops.pooling import adaptive_max_pool1d
from ember._ops.pooling import adaptive_max_pool2d
from ember._ops.pooling import adaptive_max_pool3d
from ember._ops.pooling import avg_pool1d
from ember._ops.pooling import avg_pool2d
from ember._ops.pooling import avg_pool3d
from ember._ops.pooling import lp_pool1d
from ember._ops.pooling import lp_pool2d
from ember._ops.pooling import lp_pool3d
from ember._ops.pooling import max_pool1d
from ember._ops.pooling import max_pool1d_with_indices
from ember._ops.pooling import max_pool2d
from ember._ops.pooling import max_pool2d_with_indices
from ember._ops.pooling import max_pool3d
from ember._ops.pooling import max_pool3d_with_indices
from ember._ops.pooling import max_unpool1d
from ember._ops.pooling import max_unpool2d
from ember._ops.pooling import max_unpool3d

__all__ += [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
    "adaptive_max_pool2d", "adaptive_max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_pool1d", "max_pool1d_with_indices", "max_pool2d",
    "max_pool2d_with_indices", "max_pool3d", "max_pool3d_with_indices", "max_unpool1d",
    "max_unpool2d", "max_unpool3d",
]


# ============================================================================ pad, interpolate
import math as _math  # noqa: E402

import numpy as _np  # noqa: E402  (host-side index/weight tables only; data stays on xp)

from ember import _tensor  # noqa: E402
from ember.autograd.function import Function as _Function  # noqa: E402

_Tensor = _tensor.Tensor


def _host_table(arr, like):
    """A small host-built table (indices/weights) as a tensor on `like`'s device."""
    from ember._ops import creation

    return creation.tensor(arr, device=like.device)


def _onehot(idx, n, like):
    m = _np.zeros((len(idx), n), dtype=_np.dtype(like._data.dtype))
    m[_np.arange(len(idx)), idx] = 1
    return _host_table(m, like)


class _TakeAxis(_Function):
    """Gather along one axis with a fixed host index vector (pad modes, nearest resize)."""

    node_name = "IndexBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim, idx):
        ctx.dim, ctx.idx, ctx.n = dim, idx, x.shape[dim]
        return ctx.xp.take(x, ctx.xp.asarray(idx), axis=dim)

    @staticmethod
    def backward(ctx, g):
        # adjoint of a gather = product with the one-hot (m, n) matrix: sums repeated indices
        m = _onehot(ctx.idx, ctx.n, g)
        return (g.transpose(ctx.dim, -1) @ m).transpose(ctx.dim, -1), None, None


def _take(x, dim, idx):
    return _TakeAxis.apply(x, dim, _np.asarray(idx, dtype=_np.int64))


def _mix(x, dim, mat):
    """Apply a host (out, in) matrix along `dim` (linear/cubic resize): differentiable."""
    m = _host_table(mat.astype(_np.dtype(x._data.dtype)), x)
    return (x.transpose(dim, -1) @ m.t()).transpose(dim, -1)


class _ConstantPad(_Function):
    node_name = "ConstantPadNdBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, pairs, value):
        xp = ctx.xp
        nd = len(pairs)
        lead = x.ndim - nd
        shape = x.shape[:lead] + tuple(x.shape[lead + i] + lo + hi
                                       for i, (lo, hi) in enumerate(pairs))
        if any(s < 0 for s in shape):
            raise RuntimeError(f"The input size {x.shape[lead]}, plus negative padding "
                               f"{pairs[0][0]} and {pairs[0][1]} resulted in a negative output "
                               f"size, which is invalid. Check dimension {lead} of your input.")
        y = xp.full(shape, value, dtype=x.dtype)
        src, dst = [], []
        for i, (lo, hi) in enumerate(pairs):
            n = x.shape[lead + i]
            src.append(slice(max(-lo, 0), n - max(-hi, 0)))
            dst.append(slice(max(lo, 0), max(lo, 0) + max(n - max(-lo, 0) - max(-hi, 0), 0)))
        y[(Ellipsis,) + tuple(dst)] = x[(Ellipsis,) + tuple(src)]
        ctx.slices = (tuple(src), tuple(dst), x.shape)
        return y

    @staticmethod
    def backward(ctx, g):
        src, dst, shape = ctx.slices
        return _ConstantPad.apply(g[(Ellipsis,) + dst], tuple(
            (s.start, shape[len(shape) - len(src) + i] - s.stop) for i, s in enumerate(src)),
            0), None, None


def _pad_index(n, lo, hi, mode):
    i = _np.arange(-lo, n + hi)
    if mode == "reflect":
        period = 2 * (n - 1) if n > 1 else 1
        i = _np.abs(i) % period
        return _np.where(i >= n, period - i, i)
    if mode == "replicate":
        return _np.clip(i, 0, n - 1)
    return i % n  # circular


_NONCONST_NAMES = {"reflect": "Reflection", "replicate": "Replication", "circular": "Circular"}


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)//2 dims: pad = (left_last, right_last, left_prev, right_prev, ...)."""
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = len(pad) // 2
    if nd > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{input.ndim}")
    pairs = tuple((int(pad[2 * (nd - 1 - i)]), int(pad[2 * (nd - 1 - i) + 1]))
                  for i in range(nd))
    if mode == "constant":
        return _ConstantPad.apply(input, pairs, 0 if value is None else value)
    if mode not in _NONCONST_NAMES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value not in (None, 0):
        raise NotImplementedError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if not (nd in (1, 2, 3) and input.ndim in (nd + 1, nd + 2)):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    y = input
    lead = input.ndim - nd
    for i, (lo, hi) in enumerate(pairs):
        dim = lead + i
        n = input.shape[dim]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({lo}, {hi}) at dimension "
                               f"{dim} of input {list(input.shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if lo or hi:
            y = _take(y, dim, _pad_index(n, lo, hi, mode))
    return y


# ---------------------------------------------------------------------------- interpolate
_INTERP_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _source(dst, in_size, out_size, scale, align_corners, cubic):
    """Real source coordinate of each output index (torch's area_pixel_compute_source_index)."""
    if align_corners:
        r = (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
        return dst * r
    r = (1.0 / scale) if scale is not None and scale > 0 else in_size / out_size
    src = (dst + 0.5) * r - 0.5
    return src if cubic else _np.maximum(src, 0.0)


def _cubic_weights(t, a=-0.75):
    def near(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return far(t + 1), near(t), near(1 - t), far(2 - t)


def _resize_matrix(in_size, out_size, scale, mode, align_corners):
    dst = _np.arange(out_size, dtype=_np.float64)
    m = _np.zeros((out_size, in_size))
    rows = _np.arange(out_size)
    if mode == "bicubic":
        src = _source(dst, in_size, out_size, scale, align_corners, True)
        f = _np.floor(src)
        t = src - f
        f = f.astype(_np.int64)
        for k, w in enumerate(_cubic_weights(t)):
            _np.add.at(m, (rows, _np.clip(f - 1 + k, 0, in_size - 1)), w)  # host table only
        return m
    src = _source(dst, in_size, out_size, scale, align_corners, False)
    i0 = _np.minimum(_np.floor(src).astype(_np.int64), in_size - 1)
    i1 = _np.minimum(i0 + 1, in_size - 1)
    lam = src - i0
    _np.add.at(m, (rows, i0), 1.0 - lam)
    _np.add.at(m, (rows, i1), lam)
    return m


def _nearest_index(in_size, out_size, scale, exact):
    r = (1.0 / scale) if scale is not None and scale > 0 else in_size / out_size
    dst = _np.arange(out_size, dtype=_np.float64)
    src = _np.floor((dst + 0.5) * r) if exact else _np.floor(dst * r)
    return _np.minimum(src.astype(_np.int64), in_size - 1)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, *S) input (nearest, linear family, bicubic, area)."""
    nd = input.ndim - 2
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError("ember: antialias=True is not supported yet")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != nd:
                raise ValueError(f"Input and output must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of "
                                 f"{list(input.shape[2:])} and output size of {list(size)}. "
                                 f"Please provide input tensor in (N, C, d1, d2, ...,dK) "
                                 f"format and output size in (o1, o2, ...,oK) format.")
            out = tuple(int(s) for s in size)
        else:
            out = (int(size),) * nd
        scales = (None,) * nd
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != nd:
                raise ValueError(f"Input and scale_factor must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of "
                                 f"{list(input.shape[2:])} and scale_factor of shape "
                                 f"{list(scale_factor)}. Please provide input tensor in (N, C, "
                                 f"d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) "
                                 f"format.")
            scales = tuple(float(s) for s in scale_factor)
        else:
            scales = (float(scale_factor),) * nd
        out = tuple(int(_math.floor(input.shape[2 + i] * scales[i])) for i in range(nd))
        if recompute_scale_factor:
            scales = (None,) * nd
    else:
        raise ValueError("either size or scale_factor should be defined")
    if mode in _INTERP_DIMS and _INTERP_DIMS[mode] != nd:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                  f"{_INTERP_DIMS[mode] + 2}D input")
    if mode not in _INTERP_DIMS and mode not in ("nearest", "nearest-exact", "area"):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {input.ndim}D) for the modes: nearest | linear | "
                                  f"bilinear | bicubic | trilinear | area | nearest-exact "
                                  f"(got {mode})")
    if mode == "area":
        return [adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d][nd - 1](input, out)
    y = input
    for i in range(nd):
        n = input.shape[2 + i]
        if mode in ("nearest", "nearest-exact"):
            if out[i] != n or scales[i] not in (None, 1.0):
                y = _take(y, 2 + i, _nearest_index(n, out[i], scales[i],
                                                   mode == "nearest-exact"))
        else:
            y = _mix(y, 2 + i, _resize_matrix(n, out[i], scales[i], mode, align_corners))
    return y.contiguous() if y is not input else y.clone()


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of interpolate."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


__all__ += ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

from ember._ops.attention import multi_head_attention_forward  # noqa: E402
from ember._ops.attention import scaled_dot_product_attention  # noqa: E402

__all__ += ["multi_head_attention_forward", "scaled_dot_product_attention"]
