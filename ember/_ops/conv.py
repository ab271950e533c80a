"""Convolution: conv1d/2d/3d and conv_transpose1d/2d/3d, any stride, padding, dilation, groups.

Three bilinear maps close the family under differentiation:
  C(x, w)  = conv(x, w)                  im2col (strided view) + one GEMM per group
  T(g, w)  = adjoint of C in x           GEMM + col2im (strided adds per kernel offset)
  W(x, g)  = adjoint of C in w           im2col + one GEMM per group
conv_transpose is T. Each map's backward is written with the other two, so double backward works.

Layout: columns are (G, Cg*K, N*L) so that every group is ONE GEMM over the whole batch.
"""

import itertools
import math

from ember import _dtype
from ember import _tensor
from ember._ops import _blas
from ember._ops._registry import register
from ember.autograd.function import Function

Tensor = _tensor.Tensor


# ----------------------------------------------------------------------------- array helpers
def _zero_pad(xp, x, pad):
    """Zero-pad the spatial dims of x (N, C, *S) by ((lo, hi), ...)."""
    if not any(lo or hi for lo, hi in pad):
        return x
    shape = x.shape[:2] + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], pad))
    out = xp.zeros(shape, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(lo, lo + s)
                                           for s, (lo, _) in zip(x.shape[2:], pad))] = x
    return out


def _out_size(size, k, s, d):
    return (size - d * (k - 1) - 1) // s + 1


def _im2col(xp, x, ksize, stride, pad, dil, groups):
    """x (N, C, *S) -> columns (G, Cg*prod(K), N*prod(Out)) and Out."""
    x = _zero_pad(xp, x, pad)
    n, c = x.shape[:2]
    nd = len(ksize)
    out = tuple(_out_size(x.shape[2 + i], ksize[i], stride[i], dil[i]) for i in range(nd))
    st = x.strides
    shape = (c,) + tuple(ksize) + (n,) + out
    strides = ((st[1],) + tuple(st[2 + i] * dil[i] for i in range(nd)) + (st[0],)
               + tuple(st[2 + i] * stride[i] for i in range(nd)))
    win = xp.lib.stride_tricks.as_strided(x, shape, strides)
    return xp.reshape(win, (groups, -1, n * math.prod(out))), out


def _col2im(xp, cols, n, c, size, ksize, stride, pad, dil, out):
    """Adjoint of _im2col: cols (C, *K, N, *Out) -> x (N, C, *size), summing overlaps."""
    nd = len(ksize)
    padded = tuple(size[i] + pad[i][0] + pad[i][1] for i in range(nd))
    gx = xp.zeros((n, c) + padded, dtype=cols.dtype)
    for kidx in itertools.product(*(range(k) for k in ksize)):
        sl = tuple(slice(kidx[i] * dil[i], kidx[i] * dil[i] + stride[i] * (out[i] - 1) + 1,
                         stride[i]) for i in range(nd))
        gx[(slice(None), slice(None)) + sl] += cols[(slice(None),) + kidx].swapaxes(0, 1)
    if any(lo or hi for lo, hi in pad):
        gx = gx[(slice(None), slice(None)) + tuple(slice(lo, lo + s)
                                                   for s, (lo, _) in zip(size, pad))]
    return gx


def _gemm(xp, a, b):
    """Per-group product of stacked matrices (G, m, k) @ (G, k, n) with 2-D BLAS calls.

    NumPy's stacked matmul skips BLAS for transposed operands (10x slower here), so each group
    is one 2-D GEMM through _blas.matmul (small products on one thread).
    """
    if a.shape[0] == 1:
        return _blas.matmul(xp, a[0], b[0])[None]
    out = xp.empty((a.shape[0], a.shape[1], b.shape[2]), dtype=xp.result_type(a, b))
    for i in range(a.shape[0]):
        _blas.matmul(xp, a[i], b[i], out=out[i])
    return out


def _conv_arrays(xp, x, w, stride, pad, dil, groups, cols=None):
    n = x.shape[0]
    o = w.shape[0]
    if cols is None:
        cols, out = _im2col(xp, x, w.shape[2:], stride, pad, dil, groups)
    else:
        out = tuple(_out_size(x.shape[2 + i] + pad[i][0] + pad[i][1], w.shape[2 + i], stride[i],
                              dil[i]) for i in range(len(pad)))
    w2 = xp.reshape(w, (groups, o // groups, -1))
    y = _gemm(xp, w2, cols)                                   # (G, Og, N*L)
    y = xp.reshape(y, (o, n) + out).swapaxes(0, 1)
    return xp.ascontiguousarray(y)


def _grad_matrix(xp, g, groups):
    """g (N, O, *Out) -> (G, Og, N*L), the layout of the columns."""
    n, o = g.shape[:2]
    return xp.reshape(xp.reshape(g, (n, groups, o // groups, -1)).transpose(1, 2, 0, 3),
                      (groups, o // groups, -1))


def _conv_t_arrays(xp, g, w, stride, pad, dil, groups, size):
    """T(g, w): g (N, O, *Out), w (O, Cg, *K) -> (N, Cg*G, *size)."""
    n, o = g.shape[:2]
    out = g.shape[2:]
    ksize = w.shape[2:]
    c = w.shape[1] * groups
    g2 = _grad_matrix(xp, g, groups)
    w2 = xp.reshape(w, (groups, o // groups, -1)).transpose(0, 2, 1)
    cols = _gemm(xp, w2, g2)                                   # (G, Cg*K, N*L)
    cols = xp.reshape(cols, (c,) + tuple(ksize) + (n,) + tuple(out))
    return _col2im(xp, cols, n, c, size, ksize, stride, pad, dil, out)


def _conv_w_arrays(xp, x, g, stride, pad, dil, groups, ksize, cols=None):
    """W(x, g): x (N, C, *S), g (N, O, *Out) -> (O, Cg, *K). `cols`: x's columns, if kept."""
    n, o = g.shape[:2]
    if cols is None:
        cols, _ = _im2col(xp, x, ksize, stride, pad, dil, groups)
    g2 = _grad_matrix(xp, g, groups)
    # (cols @ g2^T)^T: the long N*L axis is the inner one of a row-major GEMM (2x faster than
    # g2 @ cols^T, whose 64x288-sized output leaves BLAS threads little to split)
    gw = _gemm(xp, cols, g2.transpose(0, 2, 1)).transpose(0, 2, 1)  # (G, Og, Cg*K)
    return xp.ascontiguousarray(xp.reshape(gw, (o, x.shape[1] // groups) + tuple(ksize)))


def _bias_grad(g):
    return g.sum([0] + list(range(2, g.ndim)))


# ----------------------------------------------------------------------------- Functions
class _ConvBase(Function):
    _array_io = True


# why: fused im2col + one GEMM per group forward, GEMM + strided col2im backward (no add.at).
class Conv(_ConvBase):
    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, stride, pad, dil, groups):
        xp = ctx.xp
        cols, _ = _im2col(xp, x, w.shape[2:], stride, pad, dil, groups)
        y = _conv_arrays(xp, x, w, stride, pad, dil, groups, cols)
        if b is not None:
            y += b.reshape((1, -1) + (1,) * (y.ndim - 2))
        ctx.params = (stride, pad, dil, groups)
        ctx.size = x.shape[2:]
        ctx.ksize = w.shape[2:]
        # the weight gradient reuses the forward's columns instead of rebuilding them
        ctx.cols = cols if ctx.needs_input_grad[1] else None
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None,
                              w if ctx.needs_input_grad[0] else None)
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        stride, pad, dil, groups = ctx.params
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = ConvT.apply(g, w, None, stride, pad, dil, groups, ctx.size)
        if ctx.needs_input_grad[1]:
            gw = ConvW.apply(x, g, stride, pad, dil, groups, tuple(ctx.ksize), ctx.cols)
        ctx.cols = None
        if ctx.needs_input_grad[2]:
            gb = _bias_grad(g)
        return gx, gw, gb, None, None, None, None


class ConvT(_ConvBase):
    """T(g, w) (+ bias): the input-gradient of Conv, and conv_transpose's forward."""

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, g, w, b, stride, pad, dil, groups, size):
        xp = ctx.xp
        y = _conv_t_arrays(xp, g, w, stride, pad, dil, groups, size)
        if b is not None:
            y = y + b.reshape((1, -1) + (1,) * (y.ndim - 2))
        ctx.params = (stride, pad, dil, groups)
        ctx.ksize = w.shape[2:]
        ctx.save_for_backward(g if ctx.needs_input_grad[1] else None,
                              w if ctx.needs_input_grad[0] else None)
        return y

    @staticmethod
    def backward(ctx, gg):
        g, w = ctx.saved_tensors
        stride, pad, dil, groups = ctx.params
        d_g = d_w = d_b = None
        if ctx.needs_input_grad[0]:
            d_g = Conv.apply(gg, w, None, stride, pad, dil, groups)
        if ctx.needs_input_grad[1]:
            d_w = ConvW.apply(gg, g, stride, pad, dil, groups, tuple(ctx.ksize))
        if ctx.needs_input_grad[2]:
            d_b = _bias_grad(gg)
        return d_g, d_w, d_b, None, None, None, None, None


class ConvW(_ConvBase):
    """W(x, g): the weight-gradient of Conv."""

    node_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx, x, g, stride, pad, dil, groups, ksize, cols=None):
        ctx.params = (stride, pad, dil, groups)
        ctx.size = x.shape[2:]
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None,
                              g if ctx.needs_input_grad[0] else None)
        return _conv_w_arrays(ctx.xp, x, g, stride, pad, dil, groups, ksize, cols)

    @staticmethod
    def backward(ctx, ggw):
        x, g = ctx.saved_tensors
        stride, pad, dil, groups = ctx.params
        d_x = d_g = None
        if ctx.needs_input_grad[0]:
            d_x = ConvT.apply(g, ggw, None, stride, pad, dil, groups, ctx.size)
        if ctx.needs_input_grad[1]:
            d_g = Conv.apply(x, ggw, None, stride, pad, dil, groups)
        return d_x, d_g, None, None, None, None, None, None


# ----------------------------------------------------------------------------- arguments
def _tuple(v, n, name="value"):
    if isinstance(v, (tuple, list)):
        if len(v) == 1 and n > 1:
            return tuple(int(v[0]) for _ in range(n))
        if len(v) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} "
                               f"values to match the convolution dimensions, but got "
                               f"{name}={list(v)}")
        return tuple(int(e) for e in v)
    return (int(v),) * n


def _dtype_name(t):
    return _dtype.SCALAR_NAMES[t.dtype]


def _check_input(input, weight, bias, nd, name, transposed, groups):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, ...)")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(input.shape)}")
    if weight.ndim != nd + 2:
        raise RuntimeError(f"weight should have at least three dimensions" if weight.ndim < 3
                           else f"Expected {nd + 2}-dimensional input for {nd + 2}-dimensional "
                           f"weight {list(weight.shape)}, but got {weight.ndim}-dimensional "
                           f"input of size {list(input.shape)} instead")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"Input type ({_dtype_name(input)}) and weight type "
                           f"({_dtype_name(weight)}) should be the same")
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(f"Input type ({_dtype_name(input)}) and bias type "
                           f"({_dtype_name(bias)}) should be the same")
    if input.device != weight.device:
        raise RuntimeError(f"Input and weight should be on the same device, but got "
                           f"{input.device} and {weight.device}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")


def _batched(input, nd):
    if input.ndim == nd + 1:
        return input.unsqueeze(0), True
    return input, False


def _padding_pairs(padding, nd, ksize, dil, stride, name):
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pairs = []
            for k, d in zip(ksize, dil):
                total = d * (k - 1)
                pairs.append((total // 2, total - total // 2))
            return tuple(pairs)
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    p = _tuple(padding, nd, "padding")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    return tuple((v, v) for v in p)


def _convnd(input, weight, bias, stride, padding, dilation, groups, nd):
    name = f"conv{nd}d"
    _check_input(input, weight, bias, nd, name, False, groups)
    x, unbatched = _batched(input, nd)
    stride = _tuple(stride, nd, "stride")
    dil = _tuple(dilation, nd, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    ksize = tuple(weight.shape[2:])
    pad = _padding_pairs(padding, nd, ksize, dil, stride, name)
    c = x.shape[1]
    if weight.shape[0] % groups:
        raise RuntimeError("Given groups=%d, expected weight to be divisible by %d at dimension "
                           "0, but got weight of size %s instead"
                           % (groups, groups, list(weight.shape)))
    if c != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, "
                           f"expected input{list(x.shape)} to have {weight.shape[1] * groups} "
                           f"channels, but got {c} channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != weight.shape[0]):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {weight.shape[0]} elements, but got bias of "
                           f"size {list(bias.shape)} instead")
    padded = [x.shape[2 + i] + pad[i][0] + pad[i][1] for i in range(nd)]
    eff = [dil[i] * (ksize[i] - 1) + 1 for i in range(nd)]
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, eff))}). Kernel size can't be greater than "
                           f"actual input size")
    y = Conv.apply(x, weight, bias, stride, pad, dil, groups)
    return y.squeeze(0) if unbatched else y


def _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation,
                      nd):
    name = f"conv_transpose{nd}d"
    _check_input(input, weight, bias, nd, name, True, groups)
    x, unbatched = _batched(input, nd)
    stride = _tuple(stride, nd, "stride")
    dil = _tuple(dilation, nd, "dilation")
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    pad = _tuple(padding, nd, "padding")
    opad = _tuple(output_padding, nd, "output_padding")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(v < 0 for v in pad):
        raise RuntimeError("negative padding is not supported")
    for i in range(nd):
        if opad[i] >= stride[i] and opad[i] >= dil[i]:
            raise RuntimeError("output padding must be smaller than either stride or dilation, "
                               f"but got output_padding={list(opad)}, stride={list(stride)}, "
                               f"dilation={list(dil)}")
    c = x.shape[1]
    if c != weight.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"input{list(x.shape)} to have {weight.shape[0]} channels, but got "
                           f"{c} channels instead")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {list(weight.shape)} instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != weight.shape[1] * groups):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"bias to be 1-dimensional with {weight.shape[1] * groups} elements, "
                           f"but got bias of size {list(bias.shape)} instead")
    ksize = weight.shape[2:]
    size = tuple((x.shape[2 + i] - 1) * stride[i] - 2 * pad[i] + dil[i] * (ksize[i] - 1)
                 + opad[i] + 1 for i in range(nd))
    if any(s <= 0 for s in size):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))})"
                           f". Calculated output size per channel: "
                           f"({' x '.join(map(str, size))}). Output size is too small")
    y = ConvT.apply(x, weight, bias, stride, tuple((p, p) for p in pad), dil, groups, size)
    return y.squeeze(0) if unbatched else y


@register(method=False)
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution over (N, C, L) or (C, L) input."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1)


@register(method=False)
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over (N, C, H, W) or (C, H, W) input."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2)


@register(method=False)
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over (N, C, D, H, W) or (C, D, H, W) input."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 3)


@register(method=False)
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution (the adjoint of conv1d in its input)."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 1)


@register(method=False)
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution (the adjoint of conv2d in its input)."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 2)


@register(method=False)
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution (the adjoint of conv3d in its input)."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 3)


# ----------------------------------------------------------------------------- unfold / fold
class Im2Col(Function):
    node_name = "Im2ColBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, ksize, dil, pad, stride):
        xp = ctx.xp
        n, c = x.shape[:2]
        cols, out = _im2col(xp, x, ksize, stride, tuple((p, p) for p in pad), dil, 1)
        ctx.params = (x.shape[2:], ksize, dil, pad, stride)
        ck = cols.shape[1]
        return xp.ascontiguousarray(cols.reshape(ck, n, -1).transpose(1, 0, 2))

    @staticmethod
    def backward(ctx, g):
        size, ksize, dil, pad, stride = ctx.params
        return Col2Im.apply(g, size, ksize, dil, pad, stride), None, None, None, None


class Col2Im(Function):
    node_name = "Col2ImBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, cols, size, ksize, dil, pad, stride):
        xp = ctx.xp
        n, ck, length = cols.shape
        k = math.prod(ksize)
        c = ck // k
        out = tuple(_out_size(size[i] + 2 * pad[i], ksize[i], stride[i], dil[i])
                    for i in range(len(size)))
        if math.prod(out) != length:
            raise RuntimeError(f"Given output_size={list(size)}, kernel_size={list(ksize)}, "
                               f"dilation={list(dil)}, padding={list(pad)}, "
                               f"stride={list(stride)}, expected size of input's dimension 2 "
                               f"to match the calculated number of sliding blocks "
                               f"{' * '.join(map(str, out))} = {math.prod(out)}, but got "
                               f"input.size(2)={length}.")
        ctx.params = (ksize, dil, pad, stride)
        c5 = cols.transpose(1, 0, 2).reshape((c,) + tuple(ksize) + (n,) + out)
        return xp.ascontiguousarray(_col2im(xp, c5, n, c, size, ksize, stride,
                                            tuple((p, p) for p in pad), dil, out))

    @staticmethod
    def backward(ctx, g):
        ksize, dil, pad, stride = ctx.params
        return Im2Col.apply(g, ksize, dil, pad, stride), None, None, None, None, None


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks: (N, C, H, W) -> (N, C*kh*kw, L) (im2col)."""
    if input.ndim not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported "
                                  f"(got {input.ndim}D)")
    x = input.unsqueeze(0) if input.ndim == 3 else input
    ksize = _tuple(kernel_size, 2, "kernel_size")
    dil, pad, stride = (_tuple(dilation, 2, "dilation"), _tuple(padding, 2, "padding"),
                        _tuple(stride, 2, "stride"))
    for i in range(2):
        if (x.shape[2 + i] + 2 * pad[i] - dil[i] * (ksize[i] - 1) - 1) < 0:
            raise RuntimeError(f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), "
                               f"kernel_size=({ksize[0]}, {ksize[1]}), dilation=({dil[0]}, "
                               f"{dil[1]}), padding=({pad[0]}, {pad[1]}), calculated shape of "
                               f"the array of sliding blocks as (0, 0), but its components must "
                               f"be at least one.")
    y = Im2Col.apply(x, ksize, dil, pad, stride)
    return y.squeeze(0) if input.ndim == 3 else y


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combine sliding local blocks into a tensor, summing overlaps (col2im)."""
    if input.ndim not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input "
                                  f"Tensors are supported (got {input.ndim}D)")
    x = input.unsqueeze(0) if input.ndim == 2 else input
    size = _tuple(output_size, 2, "output_size")
    ksize = _tuple(kernel_size, 2, "kernel_size")
    dil, pad, stride = (_tuple(dilation, 2, "dilation"), _tuple(padding, 2, "padding"),
                        _tuple(stride, 2, "stride"))
    if x.shape[1] % math.prod(ksize):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={x.shape[1]} and "
                           f"kernel_size=({ksize[0]}, {ksize[1]})")
    y = Col2Im.apply(x, size, ksize, dil, pad, stride)
    return y.squeeze(0) if input.ndim == 2 else y
