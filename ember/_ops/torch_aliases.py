"""torch-level spellings of ops ember already has elsewhere: the torch.* forms of nn.functional
ops (losses with torch's integer reduction enum, norms with torch's positional signatures,
in-place activations, dropout variants), predicates (is_nonzero, is_same_size, is_signed),
*_copy forms of view ops, and Tensor methods that are spellings of existing ops.

ember.nn.functional is imported inside each function, so `import ember` stays light.
"""

import warnings

from ember import _dtype
from ember import _tensor
from ember._ops._registry import register

Tensor = _tensor.Tensor
_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _F():
    from ember.nn import functional

    return functional


def _reduction(r):
    return _REDUCTIONS[r] if isinstance(r, int) else r


# ------------------------------------------------------------------------------ predicates

@register()
def is_nonzero(input):
    """The truth value of a one-element tensor."""
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


@register()
def is_same_size(input, other):
    return tuple(input.shape) == tuple(other.shape)


@register()
def is_signed(input):
    dt = input.dtype
    return dt is not _dtype.uint8 and dt is not _dtype.bool_


@register()
def is_inference(input):
    return False


# ------------------------------------------------------------------------------ losses / norms

@register(method=False)
def kl_div(input, target, reduction=1, log_target=False):
    with warnings.catch_warnings():   # torch.kl_div has no 'batchmean' deprecation warning
        warnings.simplefilter("ignore", UserWarning)
        return _F().kl_div(input, target, reduction=_reduction(reduction),
                           log_target=log_target)


@register(method=False)
def hinge_embedding_loss(input, target, margin=1.0, reduction=1):
    return _F().hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


@register(method=False)
def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=1):
    return _F().margin_ranking_loss(input1, input2, target, margin,
                                    reduction=_reduction(reduction))


@register(method=False)
def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=1):
    return _F().cosine_embedding_loss(input1, input2, target, margin,
                                      reduction=_reduction(reduction))


@register(method=False)
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        reduction=1):
    return _F().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                    reduction=_reduction(reduction))


@register(method=False)
def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return _F().poisson_nll_loss(input, target, log_input, full, eps=eps,
                                 reduction=_reduction(reduction))


@register(method=False)
def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=1):
    return _F().binary_cross_entropy_with_logits(input, target, weight,
                                                 reduction=_reduction(reduction),
                                                 pos_weight=pos_weight)


@register(method=False)
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled=True):
    return _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                           eps)


@register(method=False)
def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                  eps, cudnn_enabled=True):
    return _F().instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                              momentum, eps)


@register(method=False)
def rms_norm(input, normalized_shape, weight=None, eps=None):
    return _F().rms_norm(input, normalized_shape, weight, eps)


# ------------------------------------------------------------------------------ activations

@register(method=False)
def threshold(input, threshold, value):
    return _F().threshold(input, threshold, value)


@register(method=False)
def threshold_(input, threshold, value):
    return _F().threshold(input, threshold, value, inplace=True)


@register(method=False)
def selu_(input):
    return _F().selu(input, inplace=True)


@register(method=False)
def celu_(input, alpha=1.0):
    return _F().celu(input, alpha, inplace=True)


@register(method=False)
def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return _F().rrelu(input, lower, upper, training)


@register(method=False)
def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return _F().rrelu(input, lower, upper, training, inplace=True)


def _dropout(name, fn_name, inplace):
    def fn(input, p, train):
        return getattr(_F(), fn_name)(input, p, train, inplace)
    fn.__name__ = name
    register(name, method=False)(fn)


for _n, _f in [("alpha_dropout", "alpha_dropout"), ("feature_alpha_dropout",
                                                    "feature_alpha_dropout"),
               ("feature_dropout", "dropout2d"), ("dropout", "dropout")]:
    if _n != "dropout":
        _dropout(_n, _f, False)
    _dropout(_n + "_", _f, True)


@register(method=False)
def constant_pad_nd(input, pad, value=0):
    return _F().pad(input, list(pad), "constant", value)


@register(method=False)
def adaptive_avg_pool1d(input, output_size):
    return _F().adaptive_avg_pool1d(input, output_size)


@register(method=False)
def adaptive_max_pool1d(input, output_size):
    return _F().adaptive_max_pool1d(input, output_size, return_indices=True)


# ------------------------------------------------------------------------------ creation / misc

@register(method=False)
def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=False,
                  requires_grad=False):
    from ember import tensor

    return tensor(float(s) if not isinstance(s, complex) else s,
                  dtype=dtype or _dtype.get_default_dtype(), device=device,
                  requires_grad=requires_grad)


@register(method=False)
def unravel_index(indices, shape):
    """The coordinates of flat indices in a tensor of `shape` (a tuple of int64 tensors)."""
    from ember import tensor as _t

    if not isinstance(indices, Tensor):
        indices = _t(indices)
    if indices.dtype.is_floating_point or indices.dtype.is_complex or \
            indices.dtype is _dtype.bool_:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(shape))
    total = 1
    for s in shape:
        total *= s
    if bool(((indices < -total) | (indices >= total)).any()):
        raise ValueError("'indices' must be in range [-{0}, {0})".format(total))
    flat = indices.to(_dtype.int64) % max(total, 1)
    out = []
    for s in reversed(shape):
        out.append(flat % s)
        flat = flat.div(s, rounding_mode="floor")
    return tuple(reversed(out))


@register()
def adjoint(input):
    """The conjugate transpose of the last two dims (a view)."""
    if input.dim() < 2:
        raise RuntimeError("tensor.adjoint() is only supported on matrices or batches of "
                           "matrices. Got 1-D tensor.")
    out = input.transpose(-2, -1)
    return out.conj() if input.dtype.is_complex else out


@register(method=False)
def fill(input, value):
    return input.clone().fill_(value)


@register(method=False, function=True)
def fill_(input, value):
    return input.fill_(value)


@register(method=False)
def zero_(input):
    return input.zero_()


@register(method=False)
def detach(input):
    return input.detach()


@register(method=False)
def detach_(input):
    return input.detach_()


@register(method=False)
def typename(obj):
    if isinstance(obj, Tensor):
        return "torch." + {"Float": "FloatTensor", "Double": "DoubleTensor",
                           "Half": "HalfTensor", "BFloat16": "BFloat16Tensor",
                           "Long": "LongTensor", "Int": "IntTensor", "Short": "ShortTensor",
                           "Char": "CharTensor", "Byte": "ByteTensor", "Bool": "BoolTensor",
                           "ComplexFloat": "ComplexFloatTensor",
                           "ComplexDouble": "ComplexDoubleTensor"}[
            _dtype.SCALAR_NAMES[obj.dtype]]
    module = getattr(type(obj), "__module__", "")
    name = type(obj).__qualname__
    return name if module in ("builtins", "") else module + "." + name


@register(method=False)
def is_storage(obj):
    from ember._storage import TypedStorage
    from ember._storage import UntypedStorage

    return isinstance(obj, (TypedStorage, UntypedStorage))


# ------------------------------------------------------------------------------ split variants

@register()
def split_with_sizes(input, split_sizes, dim=0):
    if sum(split_sizes) != input.shape[dim]:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to "
                           f"{input.shape[dim]} (input tensor's size at dimension {dim}), but "
                           f"got split_sizes={list(split_sizes)}")
    return input.split(list(split_sizes), dim)


@register()
def unsafe_split(input, split_size, dim=0):
    return input.split(split_size, dim)


@register()
def unsafe_split_with_sizes(input, split_sizes, dim=0):
    return split_with_sizes(input, split_sizes, dim)


@register()
def unsafe_chunk(input, chunks, dim=0):
    return input.chunk(chunks, dim)


def _copy_of(view_name):
    def fn(input, *args, **kwargs):
        return getattr(input, view_name)(*args, **kwargs).clone()
    fn.__name__ = view_name + "_copy"
    fn.__doc__ = f"{view_name}, returned as a new tensor (not a view)."
    register(view_name + "_copy", method=False)(fn)
    return fn


for _v in ["diagonal", "expand", "permute", "select", "squeeze", "t", "transpose", "unsqueeze",
           "view", "unfold", "detach", "alias", "narrow", "unbind", "split",
           "split_with_sizes", "view_as_real", "view_as_complex"]:
    if _v == "alias":
        register("alias_copy", method=False)(lambda input: input.clone())
    elif _v in ("unbind", "split", "split_with_sizes"):
        def _multi(input, *args, _v=_v, **kwargs):
            return tuple(t.clone() for t in getattr(input, _v)(*args, **kwargs))
        register(_v + "_copy", method=False)(_multi)
    elif _v in ("view_as_real", "view_as_complex"):
        def _vc(input, _v=_v):
            from ember import view_as_complex, view_as_real

            return (view_as_real if _v == "view_as_real" else view_as_complex)(input).clone()
        register(_v + "_copy", method=False)(_vc)
    else:
        _copy_of(_v)


@register(function=False)
def narrow_copy(input, dim, start, length):
    return input.narrow(dim, start, length).clone()


def _slice_copy(input, dim=0, start=None, end=None, step=1):
    idx = [slice(None)] * input.dim()
    idx[dim] = slice(start, end, step)
    return input[tuple(idx)].clone()


register("slice_copy", method=False)(_slice_copy)


# ------------------------------------------------------------------------------ methods

@register(function=False)
def cumsum_(input, dim, *, dtype=None):
    return input.copy_(input.cumsum(dim, dtype=dtype))


@register(function=False)
def cumprod_(input, dim, *, dtype=None):
    return input.copy_(input.cumprod(dim, dtype=dtype))


@register(function=False)
def fill_diagonal_(input, fill_value, wrap=False):
    """Fill the main diagonal (all dims equal index) in place; wrap restarts it every N + 1
    rows for tall matrices, as in torch."""
    nd = input.dim()
    if nd < 2:
        raise RuntimeError("dimensions must larger than 1")
    if nd > 2 and len(set(input.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    from ember import arange
    from ember.autograd.grad_mode import no_grad

    n = min(input.shape)
    if nd == 2 and wrap and input.shape[0] > input.shape[1] + 1:
        cols = input.shape[1]
        rows = arange(0, input.shape[0], device=input.device)
        keep = (rows % (cols + 1)) < cols
        rows = rows[keep]
        idx = (rows, rows % (cols + 1))
    else:
        i = arange(n, device=input.device)
        idx = (i,) * nd
    with no_grad() if not input.requires_grad else _null():
        input[idx] = fill_value
    return input


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


@register(function=False)
def chalf(input, memory_format=None):
    raise RuntimeError("ember has no complex32 (chalf) dtype")


@register(function=False)
def new(input, *args, **kwargs):
    """The legacy constructor: Tensor.new(size...) or Tensor.new(data), input's dtype/device."""
    from ember import empty, tensor

    if len(args) == 1 and not isinstance(args[0], int):
        if isinstance(args[0], Tensor):
            return args[0].to(input.dtype)
        if isinstance(args[0], tuple) and all(isinstance(a, int) for a in args[0]):
            return empty(args[0], dtype=input.dtype, device=input.device)
        return tensor(args[0], dtype=input.dtype, device=input.device)
    return empty(*args, dtype=input.dtype, device=input.device)


@register(function=False)
def apply_(input, callable):
    """Apply a Python function to each element in place (cpu only, slow: as torch)."""
    if input.device.type != "cpu":
        raise TypeError("apply_ is only implemented on CPU tensors")
    if input.requires_grad:
        raise RuntimeError("Can't call apply_() on Variable that requires grad. Use "
                           "var.detach().apply_() instead.")
    arr = input._data
    flat = [callable(v) for v in arr.reshape(-1).tolist()]
    from ember import tensor

    input.copy_(tensor(flat, dtype=input.dtype).reshape(input.shape))
    return input


@register(function=False)
def map_(input, tensor, callable):
    """self[i] = callable(self[i], tensor[i]) elementwise (tensor broadcasts), cpu only."""
    if input.requires_grad:
        raise RuntimeError("Can't call map_() on Variable that requires grad. Use "
                           "var.detach().map_() instead.")
    other = tensor.expand(input.shape)
    a = input._data.reshape(-1).tolist()
    b = other.contiguous()._data.reshape(-1).tolist()
    from ember import tensor as _t

    input.copy_(_t([callable(x, y) for x, y in zip(a, b)], dtype=input.dtype)
                .reshape(input.shape))
    return input


@register(function=False)
def map2_(input, x, y, callable):
    if input.requires_grad:
        raise RuntimeError("Can't call map2_() on Variable that requires grad.")
    a = input._data.reshape(-1).tolist()
    b = x.expand(input.shape).contiguous()._data.reshape(-1).tolist()
    c = y.expand(input.shape).contiguous()._data.reshape(-1).tolist()
    from ember import tensor as _t

    input.copy_(_t([callable(p, q, r) for p, q, r in zip(a, b, c)], dtype=input.dtype)
                .reshape(input.shape))
    return input


@register(function=False)
def is_set_to(input, tensor):
    """Same storage, offset, sizes and strides."""
    return (input.data_ptr() == tensor.data_ptr() and input.shape == tensor.shape and
            input.stride() == tensor.stride() and input.dtype is tensor.dtype and
            input.device is tensor.device)


@register(function=False)
def dim_order(input, *, ambiguity_check=False):
    strides = input.stride()
    return tuple(sorted(range(input.dim()), key=lambda i: -strides[i]))


@register(function=False)
def is_pinned(input, device=None):
    return False


@register(function=False)
def pin_memory(input, device=None):
    return input


@register(function=False)
def is_shared(input):
    return False


@register(function=False)
def share_memory_(input):
    return input


@register(function=False)
def resize_as(input, the_template, *, memory_format=None):
    return input.clone().resize_(the_template.shape)


@register()
def resize_as_(input, the_template, *, memory_format=None):
    return input.resize_(the_template.shape)


def _false(self):
    return False


# torch's backend/layout flags (properties): ember tensors are dense, strided, cpu or cuda
for _flag in ["is_xla", "is_xpu", "is_mps", "is_mtia", "is_maia", "is_ipu", "is_vulkan",
              "is_mkldnn", "is_nested", "is_sparse_csr"]:
    if not hasattr(Tensor, _flag):
        setattr(Tensor, _flag, property(_false))
