"""Pooling: max/avg pooling (1-3d, padding, dilation, ceil_mode, indices), adaptive avg/max
pooling, max_unpool, lp_pool.

Windows are strided views (N, C, *Out, *K) of the padded input; backward scatters back with one
strided add per kernel offset (col2im style), never a Python loop over the batch.
"""

import itertools
import math

from ember import _tensor
from ember._ops._registry import register
from ember.autograd.function import Function

Tensor = _tensor.Tensor


def _tuple(v, n, name):
    if v is None:
        return None
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return (int(v[0]),) * n
        if len(v) != n:
            raise RuntimeError(f"{name} must either be a single int, or a tuple of {n} ints")
        return tuple(int(e) for e in v)
    return (int(v),) * n


def _pool_out(size, k, s, p, d, ceil):
    eff = d * (k - 1) + 1
    num = size + 2 * p - eff + ((s - 1) if ceil else 0)
    out = num // s + 1
    if ceil and (out - 1) * s >= size + p:
        out -= 1
    return out


def _windows(xp, x, ksize, stride, dil, out):
    """Strided view (N, C, *Out, *K) of x (N, C, *S)."""
    nd = len(ksize)
    st = x.strides
    shape = x.shape[:2] + tuple(out) + tuple(ksize)
    strides = (st[:2] + tuple(st[2 + i] * stride[i] for i in range(nd))
               + tuple(st[2 + i] * dil[i] for i in range(nd)))
    return xp.lib.stride_tricks.as_strided(x, shape, strides)


def _pad_to(xp, x, pad, out, ksize, stride, dil, fill):
    """Pad spatial dims by `pad` on the left and enough on the right for every window."""
    nd = len(ksize)
    need = [(out[i] - 1) * stride[i] + dil[i] * (ksize[i] - 1) + 1 for i in range(nd)]
    right = [max(need[i] - x.shape[2 + i] - pad[i], 0) for i in range(nd)]
    if not any(pad) and not any(right):
        return x
    shape = x.shape[:2] + tuple(x.shape[2 + i] + pad[i] + right[i] for i in range(nd))
    y = xp.full(shape, fill, dtype=x.dtype)
    y[(slice(None), slice(None)) + tuple(slice(pad[i], pad[i] + x.shape[2 + i])
                                         for i in range(nd))] = x
    return y


def _scatter_windows(xp, parts, shape, pad, ksize, stride, dil, out, dtype):
    """col2im for pooling: parts(kidx) -> (N, C, *Out) contributions, summed into (N, C, *S)."""
    nd = len(ksize)
    need = [max((out[i] - 1) * stride[i] + dil[i] * (ksize[i] - 1) + 1,
                shape[2 + i] + pad[i]) for i in range(nd)]
    gx = xp.zeros(shape[:2] + tuple(need), dtype=dtype)
    for kidx in itertools.product(*(range(k) for k in ksize)):
        sl = tuple(slice(kidx[i] * dil[i], kidx[i] * dil[i] + stride[i] * (out[i] - 1) + 1,
                         stride[i]) for i in range(nd))
        gx[(slice(None), slice(None)) + sl] += parts(kidx)
    return gx[(slice(None), slice(None)) + tuple(slice(pad[i], pad[i] + shape[2 + i])
                                                 for i in range(nd))]


def _lowest(xp, dtype):
    if dtype.kind == "f":
        return -xp.inf
    return xp.iinfo(dtype).min


def _offset_slices(ksize, stride, dil, out):
    """For each kernel offset (row-major), the strided slices of its window elements."""
    nd = len(ksize)
    for kidx in itertools.product(*(range(k) for k in ksize)):
        yield kidx, (slice(None), slice(None)) + tuple(
            slice(kidx[i] * dil[i], kidx[i] * dil[i] + stride[i] * (out[i] - 1) + 1, stride[i])
            for i in range(nd))


# why: a running max over the kernel offsets (one strided pass each, no window copy); the
# winning offset is tracked only when backward or the indices need it; strided scatter backward.
class MaxPool(Function):
    _array_io = True

    @staticmethod
    def forward(ctx, x, ksize, stride, pad, dil, out, want_idx=True):
        xp = ctx.xp
        nd = len(ksize)
        xpad = _pad_to(xp, x, pad, out, ksize, stride, dil, _lowest(xp, x.dtype))
        track = want_idx or ctx.needs_input_grad[0]
        offsets = _offset_slices(ksize, stride, dil, out)
        _, sl = next(offsets)
        y = xpad[sl].copy()
        if not track:
            for _, sl in offsets:
                xp.maximum(y, xpad[sl], out=y)  # propagates NaN as torch does
            return y
        nk = math.prod(ksize)
        arg = xp.zeros(y.shape, dtype=xp.int8 if nk < 128 else xp.int32)
        mask = xp.empty(y.shape, dtype=bool)
        isfloat = x.dtype.kind in "fc"
        for k, (_, sl) in enumerate(offsets, 1):
            v = xpad[sl]
            xp.greater(v, y, out=mask)
            if isfloat:  # torch: (val > max) || isnan(val)
                mask |= xp.isnan(v)
            xp.copyto(y, v, where=mask)
            xp.copyto(arg, k, where=mask)
        ctx.params = (ksize, stride, pad, dil, out, x.shape, x.dtype)
        ctx.save_for_backward(arg)
        if not want_idx:
            return y
        # flat input indices, as torch reports them
        kcoords = xp.unravel_index(arg, ksize) if nd > 1 else (arg,)
        idx = None
        for i in range(nd):
            pos = (xp.arange(out[i], dtype=xp.int64) * stride[i] - pad[i]).reshape(
                (out[i],) + (1,) * (nd - 1 - i))
            coord = pos + kcoords[i].astype(xp.int64) * dil[i]
            idx = coord if idx is None else idx * x.shape[2 + i] + coord
        return y, idx

    @staticmethod
    def backward(ctx, gy, gidx=None):
        (arg,) = ctx.saved_tensors
        nd = len(ctx.params[0])
        return (_MAX_SCATTER[nd].apply(gy, arg._data, ctx.params),
                None, None, None, None, None, None)


# The gradient of max pooling and its adjoint: a scatter of gy to the winning offsets and a
# gather of a (N, C, *S) gradient at them. Each is linear and the other's backward, so max
# pooling is differentiable any number of times (create_graph) at first-order speed.
class _MaxPoolScatter(Function):
    _array_io = True

    @staticmethod
    def forward(ctx, g, a, params):
        ksize, stride, pad, dil, out, shape, dtype = params
        xp = ctx.xp
        ctx.a, ctx.params = a, params
        lookup = {k: i for i, k in enumerate(itertools.product(*(range(k) for k in ksize)))}
        zero = xp.zeros((), dtype=g.dtype)

        def parts(kidx):
            return xp.where(a == lookup[kidx], g, zero)

        return _scatter_windows(xp, parts, shape, pad, ksize, stride, dil, out, g.dtype)

    @staticmethod
    def backward(ctx, gg):
        return _MAX_GATHER[len(ctx.params[0])].apply(gg, ctx.a, ctx.params), None, None


class _MaxPoolGather(Function):
    _array_io = True

    @staticmethod
    def forward(ctx, gg, a, params):
        ksize, stride, pad, dil, out, shape, dtype = params
        xp = ctx.xp
        ctx.a, ctx.params = a, params
        gpad = _pad_to(xp, gg, pad, out, ksize, stride, dil, 0)
        y = xp.zeros(a.shape, dtype=gg.dtype)
        for k, (_, sl) in enumerate(_offset_slices(ksize, stride, dil, out)):
            xp.copyto(y, gpad[sl], where=a == k)
        return y

    @staticmethod
    def backward(ctx, g):
        return _MAX_SCATTER[len(ctx.params[0])].apply(g, ctx.a, ctx.params), None, None


# why: windows summed on the strided view (no copy) and a strided scatter backward.
class AvgPool(Function):
    _array_io = True

    @staticmethod
    def forward(ctx, x, ksize, stride, pad, out, include_pad, divisor):
        xp = ctx.xp
        nd = len(ksize)
        one = (1,) * nd
        xpad = _pad_to(xp, x, pad, out, ksize, stride, one, 0)
        win = _windows(xp, xpad, ksize, stride, one, out)
        s = win.sum(axis=tuple(range(2 + nd, 2 + 2 * nd)))
        if divisor:
            div = float(divisor)
        else:
            div = None
            for i in range(nd):
                start = xp.arange(out[i]) * stride[i] - pad[i]
                end = xp.minimum(start + ksize[i], x.shape[2 + i] + pad[i])
                if not include_pad:
                    cnt = xp.minimum(end, x.shape[2 + i]) - xp.maximum(start, 0)
                else:
                    cnt = end - start
                cnt = cnt.reshape((out[i],) + (1,) * (nd - 1 - i))
                div = cnt if div is None else div * cnt
            div = div.astype(x.dtype)
        ctx.params = (ksize, stride, pad, out, x.shape, div, include_pad, divisor)
        return (s / div).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        return (_AVG_SCATTER[len(ctx.params[0])].apply(gy, ctx.params),
                None, None, None, None, None, None)


# The gradient of average pooling: gy / div scattered over the windows. It is linear; its
# backward (the adjoint) is average pooling again, so create_graph works to any order.
class _AvgPoolScatter(Function):
    _array_io = True

    @staticmethod
    def forward(ctx, gy, params):
        ksize, stride, pad, out, shape, div = params[:6]
        ctx.params = params
        g = (gy / div).astype(gy.dtype, copy=False)
        return _scatter_windows(ctx.xp, lambda k: g, shape, pad, ksize, stride,
                                (1,) * len(ksize), out, g.dtype)

    @staticmethod
    def backward(ctx, gg):
        ksize, stride, pad, out, shape, div, include_pad, divisor = ctx.params
        return _AVG[len(ksize)].apply(gg, ksize, stride, pad, out, include_pad, divisor), None


_MAX = {nd: type(f"MaxPool{nd}d", (MaxPool,),
                 {"node_name": f"MaxPool{nd}DWithIndicesBackward0"}) for nd in (1, 2, 3)}
_AVG = {nd: type(f"AvgPool{nd}d", (AvgPool,), {"node_name": f"AvgPool{nd}DBackward0"})
        for nd in (1, 2, 3)}
_MAX_SCATTER = {nd: type(f"MaxPool{nd}dBackward", (_MaxPoolScatter,), {
    "node_name": f"MaxPool{nd}DWithIndicesBackwardBackward0"}) for nd in (1, 2, 3)}
_MAX_GATHER = {nd: type(f"MaxPool{nd}dGather", (_MaxPoolGather,), {
    "node_name": f"MaxPool{nd}DWithIndicesBackward0"}) for nd in (1, 2, 3)}
_AVG_SCATTER = {nd: type(f"AvgPool{nd}dBackward", (_AvgPoolScatter,), {
    "node_name": f"AvgPool{nd}DBackwardBackward0"}) for nd in (1, 2, 3)}


def _check_rank(input, nd, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input.ndim not in (nd + 1, nd + 2) or input.numel() == 0:
        if nd == 1:
            raise RuntimeError(f"{name}: Expected 2D or 3D (batch mode) tensor with optional 0 "
                               f"dim batch size for input, but got:{list(input.shape)}")
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for "
                           f"input")


def _batch(input, nd):
    if input.ndim == nd + 1:
        return input.unsqueeze(0), True
    return input, False


def _pool_args(input, nd, kernel_size, stride, padding, dilation, ceil_mode):
    ksize = _tuple(kernel_size, nd, "kernel_size")
    stride = _tuple(stride, nd, "stride") if stride not in (None, [], ()) else ksize
    pad = _tuple(padding, nd, "padding")
    dil = _tuple(dilation, nd, "dilation")
    if any(k <= 0 for k in ksize):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_size="
                           f"{ksize}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"stride should be greater than zero, but got stride={stride}")
    for i in range(nd):
        if pad[i] > (dil[i] * (ksize[i] - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pad[i]}, kernel_size={ksize[i]} and dilation={dil[i]}")
    sizes = input.shape[2:]
    out = tuple(_pool_out(sizes[i], ksize[i], stride[i], pad[i], dil[i], ceil_mode)
                for i in range(nd))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, input.shape[1:]))}). "
                           f"Calculated output size: "
                           f"({'x'.join(map(str, (input.shape[1],) + out))}). Output size is too "
                           f"small")
    return ksize, stride, pad, dil, out


def _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd):
    _check_rank(input, nd, f"max_pool{nd}d")
    x, unbatched = _batch(input, nd)
    ksize, stride, pad, dil, out = _pool_args(x, nd, kernel_size, stride, padding, dilation,
                                              ceil_mode)
    if not return_indices:
        y = _MAX[nd].apply(x, ksize, stride, pad, dil, out, False)
        return y.squeeze(0) if unbatched else y
    y, idx = _MAX[nd].apply(x, ksize, stride, pad, dil, out, True)
    if unbatched:
        y, idx = y.squeeze(0), idx.squeeze(0)
    return y, idx


def _avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override, nd):
    if nd == 1:
        if isinstance(input, Tensor) and input.ndim not in (2, 3):
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional "
                               f"tensor for argument #1 'self' (while checking arguments for "
                               f"avg_pool1d)")
    else:
        _check_rank(input, nd, f"avg_pool{nd}d")
    x, unbatched = _batch(input, nd)
    ksize, stride, pad, _, out = _pool_args(x, nd, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    y = _AVG[nd].apply(x, ksize, stride, pad, out, bool(count_include_pad), divisor_override)
    return y.squeeze(0) if unbatched else y


@register(method=False)
def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over (N, C, L) or (C, L)."""
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                       1)


@register(method=False)
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling over (N, C, H, W) or (C, H, W)."""
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                       2)


@register(method=False)
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling over (N, C, D, H, W) or (C, D, H, W)."""
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                       3)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, True, 1)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, True, 2)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, True, 3)


@register(method=False)
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling."""
    return _avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None,
                       1)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling."""
    return _avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override, 2)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling."""
    return _avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override, 3)


# ----------------------------------------------------------------------------- adaptive
def _adaptive_bounds(size, out):
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def _adaptive_out(output_size, sizes):
    nd = len(sizes)
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != nd:
            raise RuntimeError(f"adaptive pool: output_size must be {nd}")
        return tuple(sizes[i] if output_size[i] is None else int(output_size[i])
                     for i in range(nd))
    return (int(output_size),) * nd


def _avg_matrix(size, out, like):
    """(out, size) averaging matrix of adaptive average pooling along one dim."""
    import numpy as np

    m = np.zeros((out, size), dtype=like._data.dtype)
    for i, (s, e) in enumerate(_adaptive_bounds(size, out)):
        m[i, s:e] = 1.0 / (e - s)
    from ember._ops import creation

    return creation.tensor(m, device=like.device)


def _adaptive_avg_poolnd(input, output_size, nd):
    name = f"adaptive_avg_pool{nd}d"
    if not isinstance(input, Tensor) or input.ndim not in (nd + 1, nd + 2):
        if nd == 1:
            raise RuntimeError(f"{name}(): Expected 2D or 3D tensor, but got "
                               f"{list(input.shape)}")
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got "
                           f"{list(input.shape)}")
    sizes = input.shape[-nd:]
    out = _adaptive_out(output_size, sizes)
    if all(s % o == 0 for s, o in zip(sizes, out)):
        k = tuple(s // o for s, o in zip(sizes, out))
        x, unbatched = _batch(input, nd)
        y = _AVG[nd].apply(x, k, k, (0,) * nd, out, True, None)
        return y.squeeze(0) if unbatched else y
    # separable: one small averaging matrix per dim, applied with matmul (differentiable)
    y = input
    for i in range(nd):
        dim = input.ndim - nd + i
        m = _avg_matrix(sizes[i], out[i], input)
        y = (y.transpose(dim, -1) @ m.t()).transpose(dim, -1)
    return y.contiguous()


def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg_poolnd(input, output_size, 1)


def adaptive_avg_pool2d(input, output_size):
    return _adaptive_avg_poolnd(input, output_size, 2)


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg_poolnd(input, output_size, 3)


class AdaptiveMaxPool(Function):
    _array_io = True

    @staticmethod
    def forward(ctx, x, out):
        xp = ctx.xp
        nd = len(out)
        sizes = x.shape[2:]
        bounds = [_adaptive_bounds(sizes[i], out[i]) for i in range(nd)]
        y = xp.empty(x.shape[:2] + tuple(out), dtype=x.dtype)
        idx = xp.empty(x.shape[:2] + tuple(out), dtype=xp.int64)
        n, c = x.shape[:2]
        # one iteration per output cell (few); each is a vectorised argmax over the batch
        for cell in itertools.product(*(range(o) for o in out)):
            rng = [bounds[i][cell[i]] for i in range(nd)]
            region = x[(slice(None), slice(None)) + tuple(slice(s, e) for s, e in rng)]
            rshape = region.shape[2:]
            flat = region.reshape(n, c, -1)
            a = xp.argmax(flat, axis=-1)
            y[(slice(None), slice(None)) + cell] = xp.take_along_axis(flat, a[..., None],
                                                                      -1)[..., 0]
            coords = xp.unravel_index(a, rshape) if nd > 1 else (a,)
            flat_idx = 0
            for i in range(nd):
                flat_idx = flat_idx * sizes[i] + coords[i] + rng[i][0]
            idx[(slice(None), slice(None)) + cell] = flat_idx
        ctx.shape = x.shape
        ctx.save_for_backward(idx)
        return y, idx

    @staticmethod
    def backward(ctx, gy, gidx=None):
        (idx,) = ctx.saved_tensors
        return _FlatScatter.apply(gy, idx._data, ctx.shape), None


# Scatter-add at flat spatial indices and its adjoint, the gather: each the other's backward
# (the gradients of adaptive max pooling and max_unpool, differentiable to any order).
class _FlatScatter(Function):
    node_name = "AdaptiveMaxPool2DBackwardBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, g, idx, shape):
        ctx.idx, ctx.shape = idx, shape
        return _scatter_add_flat(ctx.xp, g, idx, shape)

    @staticmethod
    def backward(ctx, gg):
        return _FlatGather.apply(gg, ctx.idx, ctx.shape), None, None


class _FlatGather(Function):
    node_name = "GatherBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, gg, idx, shape):
        ctx.idx, ctx.shape = idx, gg.shape
        n, c = idx.shape[:2]
        return ctx.xp.take_along_axis(gg.reshape(n, c, -1), idx.reshape(n, c, -1),
                                      axis=2).reshape(idx.shape)

    @staticmethod
    def backward(ctx, g):
        return _FlatScatter.apply(g, ctx.idx, ctx.shape), None, None


def _scatter_add_flat(xp, g, idx, shape):
    """out (N, C, *S) with g added at flat spatial indices idx (N, C, *Out); idx may repeat."""
    n, c = shape[:2]
    gx = xp.zeros((n, c, math.prod(shape[2:])), dtype=g.dtype)
    gflat = g.reshape(n, c, -1)
    iflat = idx.reshape(n, c, -1)
    # rows of (n, c) are independent: offset them and let bincount sum the repeats
    offs = (xp.arange(n * c) * gx.shape[2]).reshape(n, c, 1)
    summed = xp.bincount((iflat + offs).ravel(), weights=gflat.ravel().astype(xp.float64),
                         minlength=gx.size)
    return summed.astype(g.dtype).reshape(shape)


_AMAX = {nd: type(f"AdaptiveMaxPool{nd}d", (AdaptiveMaxPool,),
                  {"node_name": f"AdaptiveMaxPool{nd}DBackward0"}) for nd in (1, 2, 3)}


def _adaptive_max_poolnd(input, output_size, return_indices, nd):
    name = f"adaptive_max_pool{nd}d"
    if not isinstance(input, Tensor) or input.ndim not in (nd + 1, nd + 2):
        if nd == 1:
            raise RuntimeError(f"{name}(): Expected 2D or 3D tensor, but got: "
                               f"{list(input.shape)}")
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                           f"{list(input.shape)}")
    x, unbatched = _batch(input, nd)
    out = _adaptive_out(output_size, x.shape[2:])
    y, idx = _AMAX[nd].apply(x, out)
    if unbatched:
        y, idx = y.squeeze(0), idx.squeeze(0)
    return (y, idx) if return_indices else y


def adaptive_max_pool1d(input, output_size, return_indices=False):
    return _adaptive_max_poolnd(input, output_size, return_indices, 1)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _adaptive_max_poolnd(input, output_size, return_indices, 2)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _adaptive_max_poolnd(input, output_size, return_indices, 3)


# ----------------------------------------------------------------------------- unpool, lp
class MaxUnpool(Function):
    _array_io = True

    @staticmethod
    def forward(ctx, x, idx, out):
        xp = ctx.xp
        n, c = x.shape[:2]
        y = xp.zeros((n, c, math.prod(out)), dtype=x.dtype)
        iflat = idx.reshape(n, c, -1)
        if iflat.size and (iflat.min() < 0 or iflat.max() >= y.shape[2]):
            bad = int(iflat.max() if iflat.max() >= y.shape[2] else iflat.min())
            raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                               f"{'x'.join(map(str, out))}")
        xp.put_along_axis(y, iflat, x.reshape(n, c, -1), axis=2)
        ctx.save_for_backward(idx)
        return y.reshape((n, c) + tuple(out))

    @staticmethod
    def backward(ctx, gy):
        (idx,) = ctx.saved_tensors
        return _FlatGather.apply(gy, idx._data, None), None, None


_UNPOOL = {nd: type(f"MaxUnpool{nd}d", (MaxUnpool,), {"node_name": f"MaxUnpool{nd}DBackward0"})
           for nd in (1, 2, 3)}


def _max_unpoolnd(input, indices, kernel_size, stride, padding, output_size, nd):
    ksize = _tuple(kernel_size, nd, "kernel_size")
    stride = _tuple(stride, nd, "stride") if stride is not None else ksize
    pad = _tuple(padding, nd, "padding")
    x, unbatched = _batch(input, nd)
    idx = indices.unsqueeze(0) if unbatched else indices
    default = tuple((x.shape[2 + i] - 1) * stride[i] - 2 * pad[i] + ksize[i] for i in range(nd))
    if output_size is None:
        out = default
    else:
        out = tuple(int(s) for s in output_size)[-nd:]
        for i in range(nd):
            lo, hi = default[i] - stride[i], default[i] + stride[i]
            if not lo < out[i] < hi:
                raise ValueError(f"invalid output_size \"{list(output_size)}\" (dim {i} must be "
                                 f"between {lo} and {hi})")
    y = _UNPOOL[nd].apply(x, idx, out)
    return y.squeeze(0) if unbatched else y


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpoolnd(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpoolnd(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpoolnd(input, indices, kernel_size, stride, padding, output_size, 3)


def _lp_poolnd(input, norm_type, kernel_size, stride, ceil_mode, nd):
    ksize = _tuple(kernel_size, nd, "kernel_size")
    if stride is not None:
        out = _avg_poolnd(input.pow(norm_type), ksize, stride, 0, ceil_mode, True, None, nd)
    else:
        out = _avg_poolnd(input.pow(norm_type), ksize, None, 0, ceil_mode, True, None, nd)
    return (out * float(math.prod(ksize))).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_poolnd(input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_poolnd(input, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_poolnd(input, norm_type, kernel_size, stride, ceil_mode, 3)
