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


# ============================================================================ grid_sample
import warnings as _warnings  # noqa: E402

from ember.autograd.function import once_differentiable as _once_differentiable  # noqa: E402

_GRID_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_GRID_PADS = {"zeros": 0, "border": 1, "reflection": 2}


def _unnormalize(xp, g, size, align_corners):
    """[-1, 1] -> pixel coordinates, and d(coord)/d(g)."""
    if align_corners:
        return (g + 1) * ((size - 1) / 2), (size - 1) / 2
    return ((g + 1) * size - 1) / 2, size / 2


def _clip(xp, c, size):
    """Clamp to [0, size-1]; the gradient is 0 where clamped (torch: at the bounds too)."""
    d = ((c > 0) & (c < size - 1)).astype(c.dtype)
    return xp.clip(c, 0, size - 1), d


def _reflect(xp, c, twice_low, twice_high):
    """torch's reflect_coordinates, with its derivative sign."""
    if twice_low == twice_high:
        return xp.zeros_like(c), xp.zeros_like(c)
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    diff = c - lo
    sign = xp.where(diff < 0, -1.0, 1.0).astype(c.dtype)
    a = xp.abs(diff)
    extra = xp.fmod(a, span)
    flips = xp.floor(a / span)
    even = (flips % 2) == 0
    out = xp.where(even, extra + lo, span - extra + lo).astype(c.dtype)
    d = xp.where(even, sign, -sign).astype(c.dtype)
    return out, d


def _source_coords(xp, g, size, padding, align_corners):
    """Grid values along one axis -> source coordinates and their derivative w.r.t. g."""
    c, d = _unnormalize(xp, g, size, align_corners)
    d = xp.full(g.shape, d, dtype=g.dtype)
    if padding == 1:
        c, dc = _clip(xp, c, size)
        d = d * dc
    elif padding == 2:
        if align_corners:
            c, dr = _reflect(xp, c, 0, 2 * (size - 1))
        else:
            c, dr = _reflect(xp, c, -1, 2 * size - 1)
        c, dc = _clip(xp, c, size)
        d = d * dr * dc
    return c, d


class _GridSample2d(_Function):
    node_name = "GridSampler2DBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, grid, mode, padding, align_corners):
        xp = ctx.xp
        n, c, h, w = x.shape
        ho, wo = grid.shape[1:3]
        p = ho * wo
        gx = grid[..., 0].reshape(n, p)
        gy = grid[..., 1].reshape(n, p)
        ix, dix = _source_coords(xp, gx, w, padding, align_corners)
        iy, diy = _source_coords(xp, gy, h, padding, align_corners)
        xf = x.reshape(n, c, h * w)
        if mode == 1:  # nearest (round half to even, as std::nearbyint)
            cx = xp.rint(ix).astype(xp.int64)
            cy = xp.rint(iy).astype(xp.int64)
            corners = [(cx, cy, None)]
        else:
            x0 = xp.floor(ix)
            y0 = xp.floor(iy)
            wx1 = ix - x0
            wy1 = iy - y0
            wx0 = 1 - wx1
            wy0 = 1 - wy1
            x0 = x0.astype(xp.int64)
            y0 = y0.astype(xp.int64)
            corners = [(x0, y0, wx0 * wy0), (x0 + 1, y0, wx1 * wy0), (x0, y0 + 1, wx0 * wy1),
                       (x0 + 1, y0 + 1, wx1 * wy1)]
        out = xp.zeros((n, c, p), dtype=x.dtype)
        taps = []
        for cx, cy, wt in corners:
            valid = (cx >= 0) & (cx < w) & (cy >= 0) & (cy < h)
            flat = xp.where(valid, cy * w + cx, 0)
            scale = valid.astype(x.dtype) if wt is None else xp.where(valid, wt, 0).astype(
                x.dtype)
            vals = xp.take_along_axis(xf, flat[:, None, :], axis=2)  # (N, C, P)
            out += vals * scale[:, None, :]
            taps.append((flat, scale, valid))
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            ctx.taps = taps
            ctx.meta = (x.shape, grid.shape, mode, dix, diy,
                        None if mode == 1 else (wx0, wx1, wy0, wy1))
            ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, grid)
        return out.reshape(n, c, ho, wo)

    @staticmethod
    def backward(ctx, g):
        from ember.autograd.grad_mode import _GradState

        if _GradState.enabled:  # create_graph: the same adjoint with ember ops
            return _grid_sample_grad(ctx, g)
        return _GridSample2d._backward_arrays(ctx, g)

    @staticmethod
    @_once_differentiable
    def _backward_arrays(ctx, g):
        x, _ = ctx.saved_tensors
        xp = ctx.xp
        (n, c, h, w), gshape, mode, dix, diy, wts = ctx.meta
        taps = ctx.taps
        p = gshape[1] * gshape[2]
        g = g._data.reshape(n, c, p)
        gx = ggrid = None
        if ctx.needs_input_grad[0]:
            base = (xp.arange(n * c, dtype=xp.int64) * (h * w)).reshape(n, c, 1)
            idx = xp.concatenate([(base + flat[:, None, :]).reshape(-1)
                                  for flat, _, _ in taps])
            vals = xp.concatenate([(g * scale[:, None, :]).reshape(-1)
                                   for _, scale, _ in taps])
            gx = xp.bincount(idx, weights=vals, minlength=n * c * h * w)
            gx = gx.astype(g.dtype, copy=False).reshape(n, c, h, w)
        if ctx.needs_input_grad[1]:
            ggrid = xp.zeros(gshape, dtype=g.dtype)
            if mode != 1:
                xf = x._data.reshape(n, c, h * w)
                wx0, wx1, wy0, wy1 = wts
                v = [xp.where(valid[:, None, :], xp.take_along_axis(xf, flat[:, None, :], 2), 0)
                     for flat, _, valid in taps]
                dx = (v[1] - v[0]) * wy0[:, None, :] + (v[3] - v[2]) * wy1[:, None, :]
                dy = (v[2] - v[0]) * wx0[:, None, :] + (v[3] - v[1]) * wx1[:, None, :]
                ggrid[..., 0] = ((g * dx).sum(1) * dix).reshape(gshape[:3])
                ggrid[..., 1] = ((g * dy).sum(1) * diy).reshape(gshape[:3])
        ctx.taps = None
        return gx, ggrid, None, None, None


def _grid_sample_grad(ctx, g):
    """grid_sample's backward with ember ops (differentiable: double backward). The sampling
    taps (indices, validity) are piecewise constant; the bilinear weights are rebuilt from the
    grid as w = w0 + d(coord)/d(grid) * (grid - grid0), which has the same value and carries
    the grid's graph (coordinates are piecewise linear in the grid)."""
    from ember._ops import joining

    x, grid = ctx.saved_tensors
    (n, c, h, w), gshape, mode, dix, diy, wts = ctx.meta
    taps = ctx.taps
    p = gshape[1] * gshape[2]
    g = g.reshape(n, c, p)
    const = (lambda a: _tensor.make(a, g.device))
    if mode != 1:
        wx0, wx1, wy0, wy1 = wts
        gx = grid[..., 0].reshape(n, p)
        gy = grid[..., 1].reshape(n, p)
        wx1 = const(wx1) + const(dix) * (gx - const(gx._data))
        wy1 = const(wy1) + const(diy) * (gy - const(gy._data))
        wx0, wy0 = 1 - wx1, 1 - wy1
        weights = [wx0 * wy0, wx1 * wy0, wx0 * wy1, wx1 * wy1]
    gin = ggrid = None
    flats = [const(flat[:, None, :]).expand(n, c, p) for flat, _, _ in taps]
    valids = [const(valid.astype(g._data.dtype)) for _, _, valid in taps]
    if ctx.needs_input_grad[0]:
        scales = valids if mode == 1 else [v * wt for v, wt in zip(valids, weights)]
        vals = joining.cat([g * sc.unsqueeze(1) for sc in scales], 2)
        gin = g.new_zeros((n, c, h * w)).scatter_add(2, joining.cat(flats, 2), vals)
        gin = gin.reshape(n, c, h, w)
    if ctx.needs_input_grad[1]:
        if mode == 1:
            ggrid = grid * 0
        else:
            xf = x.reshape(n, c, h * w)
            v = [xf.gather(2, f) * vd.unsqueeze(1) for f, vd in zip(flats, valids)]
            dx = (v[1] - v[0]) * wy0.unsqueeze(1) + (v[3] - v[2]) * wy1.unsqueeze(1)
            dy = (v[2] - v[0]) * wx0.unsqueeze(1) + (v[3] - v[1]) * wx1.unsqueeze(1)
            ggrid = joining.stack([(g * dx).sum(1) * const(dix), (g * dy).sum(1) * const(diy)],
                                  -1).reshape(gshape)
    return gin, ggrid, None, None, None


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample `input` (N, C, H, W) at the normalized (x, y) locations of `grid` (N, Ho, Wo, 2)
    with bilinear or nearest interpolation; out-of-range samples follow padding_mode."""
    if mode not in _GRID_MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in _GRID_PADS:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        _warnings.warn("Default grid_sample and affine_grid behavior has changed to "
                       "align_corners=False since 1.3.0. Please specify align_corners=True if "
                       "the old behavior is desired. See the documentation of grid_sample for "
                       "details.")
        align_corners = False
    if input.ndim == 5:
        raise NotImplementedError("grid_sample: 5-D (volumetric) input is not supported by "
                                  "ember yet")
    if input.ndim != 4:
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, but got input with sizes {list(input.shape)} and "
                           f"grid with sizes {list(grid.shape)}")
    if grid.ndim != 4 or grid.shape[-1] != 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size 2 in last dimension, "
                           f"but got grid with sizes {list(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but "
                           f"input has {input.dtype} and grid has {grid.dtype}")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample: mode='bicubic' is not supported by ember yet")
    return _GridSample2d.apply(input, grid, _GRID_MODES[mode], _GRID_PADS[padding_mode],
                               bool(align_corners))


def _linspace_base(steps, align_corners, dtype):
    if steps <= 1:
        return _np.zeros(max(steps, 0), dtype=dtype)
    r = _np.linspace(-1.0, 1.0, steps, dtype=_np.float64)
    if not align_corners:
        r = r * (steps - 1) / steps
    return r.astype(dtype)


def affine_grid(theta, size, align_corners=None):
    """Sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) of the affine maps `theta` (N, 2, 3)
    (or (N, 3, 4)) for an output of `size`; differentiable in theta."""
    from ember._ops import creation

    if align_corners is None:
        _warnings.warn("Default grid_sample and affine_grid behavior has changed to "
                       "align_corners=False since 1.3.0. Please specify align_corners=True if "
                       "the old behavior is desired. See the documentation of grid_sample for "
                       "details.")
        align_corners = False
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = [int(s) for s in size]
    if len(size) == 4:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{_tensor.Size(size)}. Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{_tensor.Size(size)}. Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size "
                                  f"{_tensor.Size(size)}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {_tensor.Size(size)}")
    if theta.shape[0] != size[0]:
        raise ValueError(f"Expected a batch of affine matrices of batch size {size[0]} for size "
                         f"{_tensor.Size(size)}. Got {theta.shape}.")
    dt = _np.dtype(theta._data.dtype)
    nd = len(spatial)
    # base (*spatial, nd+1): (x, y[, z], 1) with x along the last dim
    axes = [_linspace_base(s, align_corners, dt) for s in spatial]
    mesh = _np.meshgrid(*axes, indexing="ij")
    base = _np.stack(list(mesh[::-1]) + [_np.ones(spatial, dtype=dt)], axis=-1)
    b = creation.tensor(base.reshape(1, -1, nd + 1), device=theta.device)
    grid = b @ theta.transpose(1, 2)
    return grid.reshape([size[0]] + spatial + [nd])


__all__ += ["grid_sample", "affine_grid"]
