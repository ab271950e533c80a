"""Sorting and selection (sort, argsort, topk, kthvalue, median, mode, quantile), uniques,
counting (bincount, histc, histogram) and binary search (searchsorted, bucketize).

Selections return torch's named tuples; their gradient goes to the selected indices through
the gather/scatter pair of `reduction`.
"""

import builtins

from ember import _dtype
from ember import _tensor
from ember._ops._registry import FUNCTIONS
from ember._ops._registry import register
from ember._ops.reduction import RETURN_TYPES
from ember._ops.reduction import TakeAlongDim
from ember._ops.reduction import _check_tensor
from ember._ops.reduction import _const
from ember._ops.reduction import _name
from ember._ops.reduction import _nan_mask
from ember._ops.reduction import _wrap
from ember._ops.reduction import int_dim
from ember._ops.reduction import select_class
from ember.autograd.function import Function
from ember.autograd.function import xp_for

Tensor = _tensor.Tensor


def argsort_array(xp, x, dim, descending=False):
    """Stable argsort along dim; NaN sorts as the largest value (as in torch)."""
    if x.dtype.kind == "c":
        raise RuntimeError("sort(): Complex dtypes are not supported")
    if not descending:
        return xp.argsort(x, axis=dim, kind="stable")
    # a stable ascending sort of the reversed slice, reversed back, keeps equal elements in
    # their original order in the descending result
    idx = xp.argsort(xp.flip(x, dim), axis=dim, kind="stable")
    return xp.flip(x.shape[dim] - 1 - idx, dim)


def _dim_of(input, dim, name):
    return 0 if input.ndim == 0 else int_dim(dim, input.ndim, name)


# ------------------------------------------------------------------------------ sort / topk

Sort = select_class("Sort", "SortBackward0")
TopK = select_class("TopK", "TopkBackward0")


@register()
def sort(input, dim=-1, descending=False, *, stable=False, out=None):
    """Sorted values along `dim` and their indices (always stable here)."""
    _check_tensor(input, "sort")
    d = _dim_of(input, dim, "sort")
    vals, idx = Sort.apply(input, d, True,
                           lambda xp, x, dm: argsort_array(xp, x, dm, descending))
    return RETURN_TYPES["sort"](vals, idx)


@register()
def argsort(input, dim=-1, descending=False, *, stable=False):
    """Indices that sort `input` along `dim`."""
    _check_tensor(input, "argsort")
    d = _dim_of(input, dim, "argsort")
    x = input._data
    xp = xp_for(input._device)
    if x.ndim == 0:
        return _wrap(xp.zeros((), xp.int64), input._device)
    return _wrap(argsort_array(xp, x, d, descending).astype(xp.int64), input._device)


@register()
def msort(input, *, out=None):
    """input sorted along dim 0."""
    return sort(input, 0).values


@register()
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):  # noqa: A002
    """The k largest (or smallest) elements along `dim`, with their indices."""
    _check_tensor(input, "topk")
    d = _dim_of(input, dim, "topk")
    if input.dtype is _dtype.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    n = input.shape[d] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")

    keep = k if input.ndim else 1  # torch returns a 0-dim input itself, even for k=0

    def pick(xp, x, dm):
        idx = argsort_array(xp, x, dm, descending=largest)
        return xp.take(idx, xp.arange(keep), axis=dm)

    vals, idx = TopK.apply(input, d, True, pick)
    return RETURN_TYPES["topk"](vals, idx)


# ------------------------------------------------------------------------------ kthvalue / median

KthValue = select_class("KthValue", "KthvalueBackward0")
MedianDim = select_class("MedianDim", "MedianBackward1")
NanMedianDim = select_class("NanMedianDim", "NanmedianBackward1")
Mode = select_class("Mode", "ModeBackward0")


def _no_bool(input, kernel):
    if input.dtype is _dtype.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _reduce_check(input, d, name):
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


@register()
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The k-th smallest element along `dim` and its index."""
    _check_tensor(input, "kthvalue")
    d = _dim_of(input, dim, "kthvalue")
    _no_bool(input, "kthvalue_cpu")
    n = input.shape[d] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")

    def pick(xp, x, dm):
        return xp.take(argsort_array(xp, x, dm), [k - 1], axis=dm)

    return RETURN_TYPES["kthvalue"](*KthValue.apply(input, d, keepdim, pick))


def _pick_median(ignore_nan):
    def pick(xp, x, dm):
        order = argsort_array(xp, x, dm)
        if x.dtype.kind != "f":
            return xp.take(order, [(x.shape[dm] - 1) // 2], axis=dm)
        nan = xp.isnan(x)
        if ignore_nan:
            k = x.shape[dm] - nan.sum(axis=dm, keepdims=True)
            pos = xp.maximum((k - 1) // 2, 0)
            return xp.take_along_axis(order, pos, axis=dm)
        lower = xp.take(order, [(x.shape[dm] - 1) // 2], axis=dm)
        first_nan = xp.expand_dims(xp.argmax(nan, axis=dm), dm)
        return xp.where(nan.any(axis=dm, keepdims=True), first_nan, lower)

    return pick


_PICK_MEDIAN = _pick_median(False)
_PICK_NANMEDIAN = _pick_median(True)


class MedianAll(Function):
    """median()/nanmedian() of all elements (the lower of the two middle values); ties share
    the gradient evenly, as in torch."""

    node_name = "MedianBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, ignore_nan):
        xp = ctx.xp
        flat = x.reshape(-1)
        if x.dtype.kind == "f":
            nan = xp.isnan(flat)
            if ignore_nan:
                flat = flat[~nan]
            elif nan.any():
                flat = flat[:0]
        if flat.size == 0:  # torch: NaN, or the integer type's minimum
            fill = (xp.nan if x.dtype.kind == "f" else True if x.dtype.kind == "b"
                    else xp.iinfo(x.dtype).min)
            out = xp.asarray(fill, dtype=x.dtype)
        else:
            out = xp.asarray(xp.sort(flat)[(flat.size - 1) // 2])
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        mask = _nan_mask(ctx.xp, x._data, out._data)
        return g * _const(mask.astype(x._data.dtype), x) / builtins.max(int(mask.sum()), 1), None


class NanMedianAll(MedianAll):
    node_name = "NanmedianBackward0"


def _median(input, dim, keepdim, name):
    _check_tensor(input, name)
    if input.dtype.is_complex:
        raise RuntimeError(f"{name}() does not support complex inputs")
    ignore_nan = name == "nanmedian"
    if dim is None:
        if input.numel():
            _no_bool(input, f"{name}_cpu")
        return (NanMedianAll if ignore_nan else MedianAll).apply(input, ignore_nan)
    d = _dim_of(input, dim, name)
    _reduce_check(input, d, name)
    _no_bool(input, f"{name}_out")
    cls, pick = (NanMedianDim, _PICK_NANMEDIAN) if ignore_nan else (MedianDim, _PICK_MEDIAN)
    return RETURN_TYPES[name](*cls.apply(input, d, keepdim, pick))


@register()
def median(input, dim=None, keepdim=False, *, out=None):
    """Lower median of all elements, or (values, indices) along `dim`; NaN propagates."""
    return _median(input, dim, keepdim, "median")


@register()
def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """median ignoring NaN values."""
    return _median(input, dim, keepdim, "nanmedian")


def _pick_mode(xp, x, dm):
    x = xp.moveaxis(x, dm, -1)
    order = xp.argsort(x, axis=-1, kind="stable")
    s = xp.take_along_axis(x, order, -1)
    n = x.shape[-1]
    pos = xp.arange(n)
    start = xp.ones(s.shape, bool)
    start[..., 1:] = s[..., 1:] != s[..., :-1]
    run_start = xp.maximum.accumulate(xp.where(start, pos, 0), axis=-1)
    # the first position reaching the longest run ends the smallest most frequent value; its
    # stable-sorted index is that value's last occurrence (torch's choice)
    best = xp.argmax(pos - run_start, axis=-1)[..., None]
    idx = xp.take_along_axis(order, best, -1)
    return xp.moveaxis(idx, -1, dm)


@register()
def mode(input, dim=-1, keepdim=False, *, out=None):
    """Most frequent value along `dim` (smallest among equals) and its last index."""
    _check_tensor(input, "mode")
    d = _dim_of(input, dim, "mode")
    _reduce_check(input, d, "mode")
    return RETURN_TYPES["mode"](*Mode.apply(input, d, keepdim, _pick_mode))


# ------------------------------------------------------------------------------ quantile

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, name):
    _check_tensor(input, name)
    if input.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest. Got {interpolation}")
    xp = xp_for(input._device)
    scalar_q = not isinstance(q, Tensor)
    if scalar_q:
        qa = xp.asarray([float(q)], dtype=input._data.dtype)
    else:
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.dtype is not input.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        qa = q._data.reshape(-1)
        scalar_q = q.ndim == 0
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if not bool(((qa >= 0) & (qa <= 1)).all()):
        bad = float(qa[~((qa >= 0) & (qa <= 1))][0])
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]" if not scalar_q
                           or isinstance(q, Tensor) else
                           f"{name}() q must be in the range [0, 1] but got {bad:g}")
    if dim is None:
        x = input.reshape(-1)
        out_shape = [1] * input.ndim if keepdim else []
    else:
        d = _dim_of(input, dim, name)
        order = [i for i in range(input.ndim) if i != d] + ([d] if input.ndim else [])
        x = input.permute(*order) if input.ndim else input.reshape(1)
        out_shape = list(input.shape)
        if input.ndim:
            if keepdim:
                out_shape[d] = 1
            else:
                del out_shape[d]
    vals = FUNCTIONS["sort"](x, -1).values          # NaN sorts last
    n = x.shape[-1]
    nan = xp.isnan(x._data)
    if name == "nanquantile":
        k = (n - nan.sum(-1, keepdims=True)).astype(qa.dtype)
    else:
        k = xp.full(nan.shape[:-1] + (1,), n, dtype=qa.dtype)
    invalid = (k == 0) if name == "nanquantile" else nan.any(-1, keepdims=True)
    # torch points the ranks of a NaN result at the last (NaN) sorted value, which then
    # receives the gradient
    rank = xp.where(invalid, n - 1, qa * xp.maximum(k - 1, 0))    # (..., Q)
    lo = xp.floor(rank).astype(xp.int64)
    hi = xp.ceil(rank).astype(xp.int64)
    if interpolation == "lower":
        res = TakeAlongDim.apply(vals, _const(lo, input), -1)
    elif interpolation == "higher":
        res = TakeAlongDim.apply(vals, _const(hi, input), -1)
    elif interpolation == "nearest":
        res = TakeAlongDim.apply(vals, _const(xp.round(rank).astype(xp.int64), input), -1)
    else:
        below = TakeAlongDim.apply(vals, _const(lo, input), -1)
        above = TakeAlongDim.apply(vals, _const(hi, input), -1)
        if interpolation == "midpoint":
            res = below + (above - below) * 0.5
        else:
            res = below + (above - below) * _const((rank - lo).astype(qa.dtype), input)
    # (..., Q) -> (Q, *out_shape)
    res = res.permute(res.ndim - 1, *range(res.ndim - 1)).reshape(len(qa), *out_shape)
    return res[0] if scalar_q else res


@register()
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """q-th quantiles of `input` (over all elements or along `dim`); NaN propagates."""
    return _quantile(input, q, dim, keepdim, interpolation, "quantile")


@register()
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """quantile ignoring NaN values."""
    return _quantile(input, q, dim, keepdim, interpolation, "nanquantile")


# ------------------------------------------------------------------------------ unique

def _unique_result(xp, dev, out, inverse, counts, return_inverse, return_counts):
    res = [_wrap(out, dev)]
    if return_inverse:
        res.append(_wrap(inverse.astype(xp.int64), dev))
    if return_counts:
        res.append(_wrap(counts.astype(xp.int64), dev))
    return res[0] if len(res) == 1 else tuple(res)


@register()
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The unique elements (sorted), optionally with inverse indices and counts."""
    _check_tensor(input, "unique")
    xp = xp_for(input._device)
    x = input._data
    if dim is None:
        kw = {"equal_nan": False} if x.dtype.kind == "f" else {}
        out, inverse, counts = xp.unique(x.reshape(-1), return_inverse=True,
                                         return_counts=True, **kw)
        inverse = inverse.reshape(x.shape)
    else:
        d = _dim_of(input, dim, "unique")
        if x.ndim == 0:
            raise IndexError("Dimension out of range (expected to be in range of [-1, 0], "
                             f"but got {dim})")
        if x.shape[d] == 0:
            out, inverse, counts = x, xp.zeros(0, xp.int64), xp.zeros(0, xp.int64)
        else:
            out, inverse, counts = xp.unique(x, return_inverse=True, return_counts=True,
                                             axis=d)
            inverse = inverse.reshape(-1)
    return _unique_result(xp, input._device, out, inverse, counts, return_inverse,
                          return_counts)


@register()
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive elements (or slices along `dim`)."""
    _check_tensor(input, "unique_consecutive")
    xp = xp_for(input._device)
    x = input._data
    if dim is None:
        flat = x.reshape(-1)
        d = 0
    else:
        d = _dim_of(input, dim, "unique_consecutive")
        flat = x.reshape(1) if x.ndim == 0 else x
    n = flat.shape[d]
    start = xp.ones(n, bool)
    if n > 1:
        a = xp.take(flat, xp.arange(1, n), axis=d)
        b = xp.take(flat, xp.arange(n - 1), axis=d)
        diff = a != b
        if flat.ndim > 1:
            diff = diff.any(axis=tuple(i for i in range(flat.ndim) if i != d))
        start[1:] = diff
    pos = xp.nonzero(start)[0]
    out = xp.take(flat, pos, axis=d)
    inverse = xp.cumsum(start) - 1
    if dim is None:
        inverse = inverse.reshape(x.shape)
    counts = xp.diff(xp.append(pos, n))
    return _unique_result(xp, input._device, out, inverse, counts, return_inverse,
                          return_counts)


# ------------------------------------------------------------------------------ counting

@register()
def bincount(input, weights=None, minlength=0):
    """Counts of each non-negative integer (summed `weights` when given)."""
    _check_tensor(input, "bincount")
    xp = xp_for(input._device)
    x = input._data
    if x.dtype.kind not in "biu":
        raise NotImplementedError(f'"bincount_cpu" not implemented for \'{_name(x)}\'')
    if x.ndim != 1 or (x.size and int(x.min()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return _wrap(xp.bincount(x, minlength=minlength).astype(xp.int64), input._device)
    w = weights._data
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out_dt = w.dtype if w.dtype in (xp.float32, xp.float64) else xp.float64
    out = xp.bincount(x, weights=w.astype(xp.float64), minlength=minlength)
    return _wrap(out.astype(out_dt), input._device)


@register()
def histc(input, bins=100, min=0, max=0, *, out=None):  # noqa: A002
    """Histogram with `bins` equal bins over [min, max] (the data range when both are 0)."""
    _check_tensor(input, "histc")
    xp = xp_for(input._device)
    x = input._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f'"histogram_cpu" not implemented for \'{_name(x)}\'')
    if bins <= 0:
        raise RuntimeError("torch.histc(): bins must be > 0, but got " + str(bins))
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError("torch.histc(): max must be larger than min")
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    flat = x.reshape(-1)
    keep = (flat >= lo) & (flat <= hi)
    v = flat[keep].astype(xp.float64)
    idx = xp.floor((v - lo) * bins / (hi - lo)).astype(xp.int64)
    idx = xp.minimum(idx, bins - 1)
    out = xp.bincount(idx, minlength=bins)[:bins].astype(x.dtype)
    return _wrap(out, input._device)


@register()
def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):  # noqa: A002
    """(hist, bin_edges): counts (or density) of `input` in `bins` (a count or edges)."""
    _check_tensor(input, "histogram")
    xp = xp_for(input._device)
    x = input._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f'"histogram_cpu" not implemented for \'{_name(x)}\'')
    flat = x.reshape(-1)
    if isinstance(bins, Tensor):
        edges = bins._data.astype(x.dtype)
    else:
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif flat.size:
            lo, hi = float(flat.min()), float(flat.max())
        else:
            lo, hi = 0.0, 0.0
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5  # torch widens an empty range like NumPy
        edges = xp.linspace(lo, hi, int(bins) + 1, dtype=x.dtype)
    w = None if weight is None else weight._data.reshape(-1)
    hist, _ = xp.histogram(flat, bins=edges, weights=w, density=density)
    return RETURN_TYPES["histogram"](_wrap(hist.astype(x.dtype), input._device),
                                     _wrap(edges, input._device))


# ------------------------------------------------------------------------------ binary search

def _side(right, side, name):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"{name}(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError(f"{name}(): side and right can't be set to opposites, got side "
                               "of left while right was True")
        return side
    return "right" if right else "left"


@register(method=False)
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None, out=None):
    """Insertion indices of `input` into the innermost dim of `sorted_sequence`."""
    _check_tensor(sorted_sequence, "searchsorted")
    side = _side(right, side, "torch.searchsorted")
    xp = xp_for(sorted_sequence._device)
    seq = sorted_sequence._data
    scalar = not isinstance(input, Tensor)
    v = xp.asarray(input) if scalar else input._data
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if sorter is not None:
        srt = sorter._data
        if srt.shape != seq.shape:
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same "
                               "size, but got boundary tensor "
                               f"{list(seq.shape)}and got sorter tensor {list(srt.shape)}")
        seq = xp.take_along_axis(seq, srt, -1)
    out_dt = xp.int32 if out_int32 else xp.int64
    if seq.ndim == 1:
        res = xp.searchsorted(seq, v, side=side)
    else:
        if scalar or v.shape[:-1] != seq.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension "
                               "or the first N-1 dimensions of boundaries tensor and input "
                               "value tensor must match, but we got boundaries tensor "
                               f"{list(seq.shape)} and input value tensor "
                               f"{list(v.shape)}")
        with xp.errstate(invalid="ignore"):
            cmp = seq[..., None, :] <= v[..., :, None] if side == "right" else \
                seq[..., None, :] < v[..., :, None]
        res = cmp.sum(-1)
    return _wrap(xp.asarray(res).astype(out_dt), sorted_sequence._device)


@register(method=False)
def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """Index of the bucket of each element of `input` given 1-D sorted `boundaries`."""
    _check_tensor(boundaries, "bucketize")
    if boundaries.ndim != 1:
        raise RuntimeError("boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
