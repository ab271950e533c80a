"""Loss functions of ember.nn.functional (re-exported there).

cross_entropy with class indices runs the fused log_softmax+nll op (ember/_ops/nn_ops.py); the
others compose ember ops, so their gradients come from those ops.
"""

import math
import warnings

import ember
from ember._backend import checks_values
from ember._ops import nn_ops as _nn
from ember.autograd.grad_mode import no_grad
from ember.nn.functional import _reduce
from ember.nn.functional import _reduction
from ember.nn.functional import _size_warning
from ember.nn.functional import log_softmax
from ember.nn.functional import logsigmoid
from ember.nn.functional import pairwise_distance

__all__ = ["l1_loss", "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "kl_div", "huber_loss", "smooth_l1_loss",
           "soft_margin_loss", "multilabel_soft_margin_loss", "multilabel_margin_loss",
           "multi_margin_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
           "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss"]


def _weighted(loss, weight):
    return loss * weight if weight is not None else loss


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|input - target|, reduced."""
    _size_warning(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    return _reduce(_weighted((input - target).abs(), weight), reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(input - target)^2, reduced."""
    _size_warning(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    d = input - target
    return _reduce(_weighted(d * d, weight), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - delta/2)."""
    _size_warning(input, target)
    reduction = _reduction(None, None, reduction)
    d = input - target
    ad = d.abs()
    loss = ember.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))
    return _reduce(_weighted(loss, weight), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - beta/2."""
    _size_warning(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    ad = d.abs()
    if beta == 0:
        return _reduce(ad, reduction)
    loss = ember.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta)
    return _reduce(loss, reduction)


def _check_targets(input, target):
    if input.ndim == 0:
        raise ValueError("Expected input to have at least one dimension")
    if input.ndim == 1:
        if target.ndim != 0:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        return
    if target.dtype not in (ember.int64, ember.uint8):
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{ember._dtype.SCALAR_NAMES[target.dtype]}")
    if input.shape[0] != (target.shape[0] if target.ndim else 1):
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0] if target.ndim else 1}).")
    if input.ndim == 2:
        if target.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    else:
        expected = (input.shape[0],) + tuple(input.shape[2:])
        if tuple(target.shape) != expected:
            if input.ndim == 3:
                raise RuntimeError(f"Expected target size {list(expected)}, got "
                                   f"{list(target.shape)}")
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: "
                               f"{list(target.shape)}")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """-input[n, target[n]] * weight[target[n]], reduced (mean: weighted mean).

    Shape: input (N, C) or (N, C, d1, ...) or (C,); target (N) / (N, d1, ...) / ().
    """
    reduction = _reduction(size_average, reduce, reduction)
    if target.dtype.is_floating_point or target.dtype not in (ember.int64, ember.uint8):
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{ember._dtype.SCALAR_NAMES[target.dtype]}")
    _check_targets(input, target)
    c = input.shape[1] if input.ndim > 1 else input.shape[0]
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    logp = input.movedim(1, -1).reshape(-1, c) if input.ndim > 1 else input.reshape(1, c)
    t = target.reshape(-1).long()
    valid = t != ignore_index
    ts = ember.where(valid, t, 0)
    if checks_values(ts._data):  # cuda: no host sync per call (ember._backend.checks_values)
        bad = (ts < 0) | (ts >= c)
        if bool(bad.any()):
            raise IndexError(f"Target {int(t[bad.nonzero()[0, 0]])} is out of bounds.")
    picked = logp.gather(1, ts.unsqueeze(1)).squeeze(1)
    w = weight.index_select(0, ts) if weight is not None else ember.ones_like(picked)
    w = w * valid.to(w.dtype)
    loss = -picked * w
    if reduction == "none":
        return loss.reshape(target.shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / w.sum()


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """log_softmax over dim 1 followed by nll_loss (class-index targets), or the cross
    entropy against class probabilities (a float target of input's shape).

    Shape: input (N, C) / (N, C, d1, ...) / (C,); target (N) / (N, d1, ...) / () of class
    indices, or input's shape of probabilities.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    c = input.shape[1] if input.ndim > 1 else input.shape[0]
    if target.dtype.is_floating_point:
        if target.shape != input.shape:
            if input.ndim > 1 and target.ndim == input.ndim - 1:
                raise RuntimeError("expected target dtype to be Long or Byte, but got "
                                   f"{ember._dtype.SCALAR_NAMES[target.dtype]}")
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        logp = log_softmax(input, 1 if input.ndim > 1 else 0)
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / c
        prod = logp * target
        if weight is not None:
            prod = prod * weight.reshape((1, c) + (1,) * (input.ndim - 2) if input.ndim > 1
                                         else (c,))
        loss = -prod.sum(1 if input.ndim > 1 else 0)
        if reduction == "mean":
            return loss.sum() / (input.numel() // c) if input.numel() else loss.sum() * \
                float("nan")
        return _reduce(loss, reduction)
    if target.dtype not in (ember.int64, ember.uint8):
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{ember._dtype.SCALAR_NAMES[target.dtype]}")
    _check_targets(input, target)
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    return _nn.CrossEntropy.apply(input, target, weight, reduction, ignore_index,
                                  float(label_smoothing))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-(t log x + (1 - t) log(1 - x)), logs clamped at -100."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.size()}) that is different to the "
                         f"input size ({input.size()}) is deprecated. Please ensure they have "
                         "the same size.")
    if input.numel() and (bool((input < 0).any()) or bool((input > 1).any())):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = -(target * input.log().clamp(min=-100) + (1 - target) * (1 - input).log().clamp(
        min=-100))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """Sigmoid + binary cross entropy in one stable expression (pos_weight scales positives)."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    softplus_neg = (-input.abs()).exp().log1p() + (-input).clamp(min=0)
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + log_weight * softplus_neg
    else:
        loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """target * (log target - input) (input holds log-probabilities)."""
    reduction = _reduction(size_average, reduce, reduction) if reduction != "batchmean" else \
        reduction
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        pos = target > 0
        tlogt = ember.where(pos, target * ember.where(pos, target, 1.0).log(), 0.0)
        loss = tlogt - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-y x)), reduced."""
    reduction = _reduction(size_average, reduce, reduction)
    z = -target * input
    loss = z.clamp(min=0) + (-z.abs()).exp().log1p()
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Per-class binary logistic losses averaged over classes."""
    reduction = _reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    c = input.shape[input.ndim - 1]
    loss = loss.sum(input.ndim - 1) / c
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Hinge loss between every target class and every non-target class (targets end at -1)."""
    import numpy as np

    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    t = np.asarray(target.detach().__array__()).reshape(x.shape)
    c = x.shape[1]
    is_t = np.zeros(x.shape, dtype=bool)
    for n in range(t.shape[0]):
        for j in t[n]:
            if j < 0:
                break
            if j >= c:
                raise RuntimeError(f"multilabel_margin_loss: target out of range {j}")
            is_t[n, j] = True
    pair = ember.tensor((is_t[:, :, None] & ~is_t[:, None, :]).astype(np.float64),
                        device=input.device).to(input.dtype)
    margins = (1 - x.unsqueeze(2) + x.unsqueeze(1)).clamp(min=0)
    loss = (margins * pair).sum((1, 2)) / c
    if input.ndim < 2:
        loss = loss.reshape(()) if input.ndim == 1 else loss
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Multi-class hinge: sum_{k != y} max(0, margin - x_y + x_k)^p / C."""
    reduction = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    t = target.reshape(-1)
    c = x.shape[1]
    if x.shape[0] != t.shape[0]:
        raise RuntimeError(f"inconsistent target size, expected {x.shape[0]} but got "
                           f"{list(target.shape)}")
    if t.numel() and (int(t.min()) < 0 or int(t.max()) >= c):
        raise RuntimeError("target out of range")
    xy = x.gather(1, t.unsqueeze(1))
    m = (margin - xy + x).clamp(min=0)
    if p == 2:
        m = m * m
    if weight is not None:
        m = m * weight.index_select(0, t).unsqueeze(1)
    not_y = ember.ones_like(x).scatter(1, t.unsqueeze(1), 0.0)
    loss = (m * not_y).sum(1) / c
    if input.ndim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -y (x1 - x2) + margin)."""
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same "
                           f"dimension but got sizes: input1: {input1.size()}, input2: "
                           f"{input2.size()}, target: {target.size()} ")
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """x where y = 1, max(0, margin - x) where y = -1."""
    reduction = _reduction(size_average, reduce, reduction)
    zero = input * 0
    loss = ember.where(target != 1, (margin - input).clamp(min=0), zero) + \
        ember.where(target != -1, input, zero)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1."""
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim not in (1, 2) or input1.shape != input2.shape:
        raise RuntimeError(f"cosine_embedding_loss: Expected tensors of equal size with 1 or 2 "
                           f"dimensions, got {input1.shape} and {input2.shape}")
    d = input1.ndim - 1
    eps = 1e-12
    prod = (input1 * input2).sum(d)
    mag1 = (input1 * input1).sum(d) + eps
    mag2 = (input2 * input2).sum(d) + eps
    cos = prod / (mag1 * mag2).sqrt()
    zero = cos * 0
    loss = ember.where(target == 1, 1 - cos, zero) + \
        ember.where(target == -1, (cos - margin).clamp(min=0), zero)
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)), d the p-norm distance."""
    reduction = _reduction(size_average, reduce, reduction)
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {anchor.ndim}D, "
                           f"positive {positive.ndim}D, and negative {negative.ndim}D inputs")
    d_ap = pairwise_distance(anchor, positive, p, eps)
    d_an = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_an = ember.minimum(d_an, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_ap - d_an).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """Triplet loss with a user distance (default: pairwise_distance)."""
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than "
                         f"0, got {margin} instead")
    reduction = _reduction(None, None, reduction)
    dist = distance_function if distance_function is not None else pairwise_distance
    d_ap = dist(anchor, positive)
    d_an = dist(anchor, negative)
    if swap:
        d_an = ember.minimum(d_an, dist(positive, negative))
    return _reduce((margin + d_ap - d_an).clamp(min=0), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Poisson negative log likelihood (log_input: input is log rate)."""
    reduction = _reduction(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        safe = ember.where(target > 1, target, 2.0)
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        loss = loss + ember.where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 (log var + (input - target)^2 / var) (+ 0.5 log 2 pi when full)."""
    if isinstance(var, (int, float)):
        var = ember.full_like(input, float(var))
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif input.shape[:-1] == var.shape[:-1] and var.shape[-1] == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    # the clamp is not differentiated (as in torch): gradients flow as if unclamped
    var = var + (var.clamp(min=eps) - var).detach()
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist Temporal Classification loss (forward-backward over the label lattice).

    Shape: log_probs (T, N, C) or (T, C); targets (N, S) padded or 1-D concatenated.
    """
    reduction = _reduction(None, None, reduction)
    return _nn.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction,
                        zero_infinity)
