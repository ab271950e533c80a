from ember.nn._functional_spatial import *  # noqa: F401,F403

# ember.nn.functional: the stateless math behind every layer (modules hold state and call
# these). Hot paths are fused Functions in ember/_ops/nn_ops.py; the rest compose ember ops,
# so their gradients (and second derivatives) come from those ops.

import math
import warnings

import ember
from ember._ops import misc as _misc
from ember import _tensor
from ember._ops import nn_ops as _nn
from ember.autograd.grad_mode import _GradState
from ember.autograd.grad_mode import no_grad

Tensor = _tensor.Tensor


# ============================================================================ helpers
def _reduction(size_average=None, reduce=None, reduction="mean"):
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        if size_average and reduce:
            reduction = "mean"
        elif reduce:
            reduction = "sum"
        else:
            reduction = "none"
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", stacklevel=3)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _inplace(input, out):
    """Write `out` into `input` when no graph is recorded; otherwise return out (see docs)."""
    if _GradState.enabled and (input.requires_grad or out.requires_grad):
        return out
    with no_grad():
        input.copy_(out)
    return input


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _size_warning(input, target):
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input "
                      f"size ({input.size()}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", stacklevel=3)


# ============================================================================ linear
def linear(input, weight, bias=None):
    """y = input @ weight^T + bias. Shape: (*, in) x (out, in) -> (*, out)."""
    return _nn.Linear.apply(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """y_o = x1^T W_o x2 + b_o. Shape: (*, in1), (*, in2), (out, in1, in2) -> (*, out)."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                           f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {weight.shape[2]}")
    out = ember.einsum("...i,oij,...j->...o", input1, weight, input2)
    return out + bias if bias is not None else out


# ============================================================================ activations
def relu(input, inplace=False):
    """max(input, 0) elementwise."""
    return ember.relu_(input) if inplace else ember.relu(input)


def relu_(input):
    return ember.relu_(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp to [min_val, max_val] (gradient 0 at and beyond the bounds)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    out = ember.where(input <= min_val, min_val, ember.where(input >= max_val, max_val, input))
    return _inplace(input, out) if inplace else out


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    out = ember.where(input > 0, input, input * negative_slope)
    return _inplace(input, out) if inplace else out


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


def prelu(input, weight):
    """max(0, x) + weight * min(0, x), weight per channel (dim 1) or shared."""
    if weight.numel() != 1:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim >= 2 else input.shape[0]
        if weight.numel() != channels:
            raise RuntimeError("Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {weight.numel()} and channel size = "
                               f"{channels}.")
        if input.ndim >= 2:
            weight = weight.reshape((1, channels) + (1,) * (input.ndim - 2))
    return ember.where(input > 0, input, weight * input)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) when training."""
    if training:
        slope = ember.empty_like(input).uniform_(lower, upper)
        out = ember.where(input >= 0, input, input * slope)
    else:
        out = ember.where(input >= 0, input, input * ((lower + upper) / 2))
    return _inplace(input, out) if inplace else out


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)


def elu(input, alpha=1.0, inplace=False):
    out = ember.where(input > 0, input, alpha * input.clamp(max=0).expm1())
    return _inplace(input, out) if inplace else out


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    out = _SELU_SCALE * ember.where(input > 0, input,
                                    _SELU_ALPHA * input.clamp(max=0).expm1())
    return _inplace(input, out) if inplace else out


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    out = ember.where(input > 0, input, alpha * (input.clamp(max=0) / alpha).expm1())
    return _inplace(input, out) if inplace else out


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def gelu(input, approximate="none"):
    """x * Phi(x) (approximate='tanh': the tanh approximation)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _nn.Gelu.apply(input, approximate)


def silu(input, inplace=False):
    """x * sigmoid(x)."""
    out = _nn.Silu.apply(input)
    return _inplace(input, out) if inplace else out


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    out = input * softplus(input).tanh()
    return _inplace(input, out) if inplace else out


def sigmoid(input):
    return ember.sigmoid(input)


def tanh(input):
    return ember.tanh(input)


def hardsigmoid(input, inplace=False):
    out = hardtanh(input + 3, 0.0, 6.0) / 6
    return _inplace(input, out) if inplace else out


def hardswish(input, inplace=False):
    out = input * hardtanh(input + 3, 0.0, 6.0) / 6
    return _inplace(input, out) if inplace else out


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold."""
    bx = input * beta
    soft = bx.clamp(max=threshold).exp().log1p() / beta
    return ember.where(bx > threshold, input, soft)


def softsign(input):
    return input / (1 + input.abs())


def softshrink(input, lambd=0.5):
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return ember.where(input > lambd, input - lambd,
                       ember.where(input < -lambd, input + lambd, input * 0))


def hardshrink(input, lambd=0.5):
    return ember.where((input > lambd) | (input < -lambd), input, input * 0)


def tanhshrink(input):
    return input - input.tanh()


def logsigmoid(input):
    """log(sigmoid(x)), computed stably."""
    return input.clamp(max=0) - (-input.abs()).exp().log1p()


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value."""
    out = ember.where(input > threshold, input, value)
    return _inplace(input, out) if inplace else out


def threshold_(input, threshold_, value):
    return threshold(input, threshold_, value, True)


def glu(input, dim=-1):
    """a * sigmoid(b), where a, b are the two halves of input along dim."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % input.ndim
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size "
                           f"{input.shape[d]}")
    a, b = input.chunk(2, d)
    return a * b.sigmoid()


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x_i) / sum_j exp(x_j) along dim (input cast to dtype first when given)."""
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return _nn.Softmax.apply(input, dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return _nn.Softmax.apply(-input, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along dim, computed stably."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return _nn.LogSoftmax.apply(input, dim)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """Samples from the Gumbel-softmax distribution; hard=True: one-hot, straight-through."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -ember.empty_like(logits).exponential_().log()
    y = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y
    index = y.max(dim, keepdim=True)[1]
    y_hard = ember.zeros_like(logits).scatter(dim, index, 1.0)
    return y_hard - y.detach() + y


# ============================================================================ dropout
def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only)."""
    _check_p(p)
    if not training or p == 0:
        return input
    mask = _nn.bernoulli_mask(input, 1 - p)
    out = _nn.Dropout.apply(input, p, mask)
    return _inplace(input, out) if inplace else out


def _feature_mask(input, keep, batched):
    shape = tuple(input.shape[:2] if batched else input.shape[:1])
    shape += (1,) * (input.ndim - len(shape))
    return _nn.bernoulli_mask(input, keep, shape)


def _feature_dropout(input, p, training, inplace, spatial, name):
    _check_p(p)
    nd = input.ndim
    if nd not in (spatial + 1, spatial + 2):
        if spatial == 1:
            raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {nd}D "
                               "input. Note that dropout1d exists to provide channel-wise "
                               "dropout on inputs with 1 spatial dimension, a channel "
                               "dimension, and an optional batch dimension (i.e. 2D or 3D "
                               "inputs).")
        warnings.warn(f"{name}: Received a {nd}-D input to {name}, which is deprecated and "
                      f"will result in an error in a future release. To retain the behavior "
                      f"and silence this warning, please use dropout instead. Note that "
                      f"{name} exists to provide channel-wise dropout on inputs with "
                      f"{spatial} spatial dimensions, a channel dimension, and an optional "
                      f"batch dimension (i.e. {spatial + 1}D or {spatial + 2}D inputs).",
                      stacklevel=3)
    if not training or p == 0:
        return input
    batched = nd == spatial + 2 or nd not in (spatial + 1, spatial + 2)
    if spatial == 2 and nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      stacklevel=3)
        batched = True
    mask = _feature_mask(input, 1 - p, batched)
    out = _nn.Dropout.apply(input, p, mask)
    return _inplace(input, out) if inplace else out


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) / (C, L) inputs."""
    return _feature_dropout(input, p, training, inplace, 1, "dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) / (C, H, W) inputs."""
    return _feature_dropout(input, p, training, inplace, 2, "dropout2d")


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) / (C, D, H, W) inputs."""
    return _feature_dropout(input, p, training, inplace, 3, "dropout3d")


_ALPHA_PRIME = 1.7580993408473766  # selu scale * selu alpha


def _alpha_dropout(input, p, training, inplace, mask):
    _check_p(p)
    if not training or p == 0:
        return input
    if p == 1:
        out = input * 0
        return _inplace(input, out) if inplace else out
    a = 1.0 / math.sqrt((_ALPHA_PRIME ** 2 * p + 1) * (1 - p))
    keep = mask.to(input.dtype)
    out = input * (keep * a) + (keep - 1) * (_ALPHA_PRIME * a) + _ALPHA_PRIME * a * p
    return _inplace(input, out) if inplace else out


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps SELU's self-normalising mean and variance."""
    if not training or p == 0:
        _check_p(p)
        return input
    return _alpha_dropout(input, p, training, inplace, _nn.bernoulli_mask(input, 1 - p))


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels."""
    if not training or p == 0:
        _check_p(p)
        return input
    mask = _feature_mask(input, 1 - p, True)
    return _alpha_dropout(input, p, training, inplace, mask)


# ============================================================================ normalization
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise over (N, *) per channel; training updates running stats in place."""
    if training:
        size = input.shape
        n = 1
        for i, s in enumerate(size):
            if i != 1:
                n *= s
        if n == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got "
                             f"input size {size}")
    c = input.shape[1] if input.ndim > 1 else 0
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    if running_mean is not None and running_var is not None and training:
        running_mean._version[0] += 1
        running_var._version[0] += 1
    return _nn.BatchNorm.apply(input, weight, bias,
                               running_mean._data if running_mean is not None else None,
                               running_var._data if running_var is not None else None,
                               bool(training), momentum, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) over its spatial dims."""
    n, c = input.shape[0], input.shape[1]
    x = input.reshape((1, n * c) + tuple(input.shape[2:]))
    rm = running_mean.repeat(n) if running_mean is not None else None
    rv = running_var.repeat(n) if running_var is not None else None
    w = weight.repeat(n) if weight is not None else None
    b = bias.repeat(n) if bias is not None else None
    out = _nn.BatchNorm.apply(x, w, b, rm._data if rm is not None else None,
                              rv._data if rv is not None else None, bool(use_input_stats),
                              momentum, eps)
    if use_input_stats:
        with no_grad():
            if running_mean is not None:
                running_mean.copy_(rm.reshape(n, c).mean(0))
            if running_var is not None:
                running_var.copy_(rv.reshape(n, c).mean(0))
    return out.reshape(input.shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing `normalized_shape` dims, then scale and shift."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    nd = len(normalized_shape)
    if tuple(input.shape[input.ndim - nd:]) != normalized_shape or input.ndim < nd:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input "
                           f"with shape [*, {', '.join(map(str, normalized_shape))}], but got "
                           f"input of size{list(input.shape)}")
    return _nn.LayerNorm.apply(input, nd, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise over groups of channels (and spatial dims), then per-channel affine."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError("Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    x = input.reshape(n, num_groups, -1)
    y = _nn.LayerNorm.apply(x, 1, None, None, eps).reshape(input.shape)
    bshape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(bshape)
    if bias is not None:
        y = y + bias.reshape(bshape)
    return y


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) over the trailing dims, times weight."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    nd = len(tuple(normalized_shape))
    if tuple(input.shape[input.ndim - nd:]) != tuple(normalized_shape):
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input "
                           f"with shape [*, {', '.join(map(str, normalized_shape))}], but got "
                           f"input of size{list(input.shape)}")
    if eps is None:
        import numpy as np

        eps = float(np.finfo(input.dtype.np_dtype).eps)
    dims = tuple(range(input.ndim - nd, input.ndim))
    y = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return y * weight if weight is not None else y


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Normalise each channel by the squares of its `size` neighbouring channels."""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} "
                         "dimensions)")
    if input.numel() == 0:
        return input
    sq = input * input
    c = input.shape[1]
    before, after = size // 2, (size - 1) // 2
    pad_shape = list(input.shape)
    parts = []
    if before:
        pad_shape[1] = before
        parts.append(ember.zeros(pad_shape, dtype=input.dtype, device=input.device))
    parts.append(sq)
    if after:
        pad_shape[1] = after
        parts.append(ember.zeros(pad_shape, dtype=input.dtype, device=input.device))
    padded = ember.cat(parts, 1) if len(parts) > 1 else sq
    win = padded.narrow(1, 0, c)
    for i in range(1, size):
        win = win + padded.narrow(1, i, c)
    div = (win * (alpha / size) + k) ** beta
    return input / div


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) along dim."""
    denom = input.norm(p, dim, keepdim=True).clamp(min=eps)
    return input / denom


# ============================================================================ distances
# one definition each, in ember/_ops/misc.py (also ember.cosine_similarity / pairwise_distance)
pairwise_distance = _misc.pairwise_distance
cosine_similarity = _misc.cosine_similarity


def pdist(input, p=2):
    """Distances between every pair of rows (upper triangle, row-major)."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    n = input.shape[0]
    if n < 2:
        return ember.zeros(0, dtype=input.dtype, device=input.device)
    i, j = ember.triu_indices(n, n, 1, device=input.device)
    return (input.index_select(0, i) - input.index_select(0, j)).norm(p, 1)


# ============================================================================ shuffles
def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    r = upscale_factor
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c}"
                           f" is not divisible by {r * r}")
    oc = c // (r * r)
    nl = len(lead)
    x = input.reshape(*lead, oc, r, r, h, w)
    perm = list(range(nl)) + [nl, nl + 3, nl + 1, nl + 4, nl + 2]
    return x.permute(*perm).reshape(*lead, oc, h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W)."""
    r = downscale_factor
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by "
                           f"downscale_factor, but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by "
                           f"downscale_factor, but input.size(-1)={w} is not divisible by {r}")
    nl = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    perm = list(range(nl)) + [nl, nl + 2, nl + 4, nl + 1, nl + 3]
    return x.permute(*perm).reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input, groups):
    """Interleave channels: (N, g*k, *) viewed as (N, g, k, *) -> (N, k, g, *)."""
    if input.ndim < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value "
                           f"of groups:{groups}")
    n, c = input.shape[0], input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    rest = tuple(input.shape[2:])
    return input.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(input.shape)


native_channel_shuffle = channel_shuffle


# embedding / embedding_bag / one_hot and the losses live in their own files
from ember.nn._functional_embedding import _Embedding  # noqa: E402,F401
from ember.nn._functional_embedding import _check_indices  # noqa: E402,F401
from ember.nn._functional_embedding import _embedding_renorm_  # noqa: E402,F401
from ember.nn._functional_embedding import embedding  # noqa: E402,F401
from ember.nn._functional_embedding import embedding_bag  # noqa: E402,F401
from ember.nn._functional_embedding import one_hot  # noqa: E402,F401
from ember.nn._functional_loss import *  # noqa: E402,F401,F403
