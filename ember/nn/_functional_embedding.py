"""Embedding lookups of ember.nn.functional (re-exported there): embedding (with max_norm
renormalisation), embedding_bag and one_hot."""

import ember
from ember._backend import checks_values
from ember.autograd.grad_mode import no_grad


def _padding_idx(padding_idx, num):
    """padding_idx checked against num embeddings, a negative one counted from the end."""
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= num:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -num:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = num + padding_idx
    return padding_idx


class _Embedding(ember.autograd.Function):
    node_name = "EmbeddingBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, weight, idx, padding_idx, scale_grad_by_freq):
        ctx.meta = (weight.shape, padding_idx, scale_grad_by_freq)
        ctx.save_for_backward(idx)
        return weight[idx]

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        shape, padding_idx, by_freq = ctx.meta
        flat = idx.reshape(-1)
        gflat = g.reshape(-1, shape[1])
        keep = None
        if padding_idx is not None:
            keep = (flat != padding_idx).to(g.dtype).unsqueeze(1)
        if by_freq:
            counts = ember.zeros(shape[0], dtype=g.dtype, device=g.device).index_add(
                0, flat, ember.ones(flat.shape[0], dtype=g.dtype, device=g.device))
            scale = (1.0 / counts.index_select(0, flat)).unsqueeze(1)
            keep = scale if keep is None else keep * scale
        if keep is not None:
            gflat = gflat * keep
        gw = ember.zeros(shape, dtype=g.dtype, device=g.device).index_add(0, flat, gflat)
        return gw, None, None, None


def _check_indices(input, name="embedding"):
    if input.dtype not in (ember.int64, ember.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{input.type()} instead (while checking arguments for {name})")


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of `weight` at `input`'s indices. Shape: (*) x (num, dim) -> (*, dim)."""
    num = weight.shape[0]
    padding_idx = _padding_idx(padding_idx, num)
    _check_indices(input)
    if input.numel() and checks_values(input._data):  # cuda: no host sync (checks_values)
        lo, hi = int(input.min()), int(input.max())
        if lo < 0 or hi >= num:
            raise IndexError("index out of range in self")
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    return _Embedding.apply(weight, input, padding_idx, scale_grad_by_freq)


def _embedding_renorm_(weight, input, max_norm, norm_type):
    with no_grad():
        import numpy as np

        rows = ember.tensor(np.unique(np.asarray(input.detach().__array__()).reshape(-1)),
                            device=weight.device)
        sel = weight.index_select(0, rows)
        norms = sel.norm(norm_type, 1, keepdim=True)
        scale = ember.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight[rows] = sel * scale


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sums / means / maxes of bags of embeddings, without materialising each bag."""
    import numpy as np

    _check_indices(input, "embedding_bag")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError("embedding_bag: per_sample_weights was not None. "
                                      "per_sample_weights is only supported for mode='sum' "
                                      f"(got mode='{mode}'). Please open a feature request on "
                                      "GitHub.")
        if per_sample_weights.shape != input.shape:
            raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}"
                             f") is not None, then it must have the same shape as the input "
                             f"({input.shape})")
    num = weight.shape[0]
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {type(offsets)}")
        b, length = input.shape
        bag_of = np.repeat(np.arange(b), length)
        n_bags = b
        flat = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        offs = np.asarray(offsets.detach().__array__()).astype(np.int64)
        n = input.shape[0]
        n_bags = len(offs) - 1 if include_last_offset else len(offs)
        bounds = np.append(offs[:n_bags], n) if not include_last_offset else offs
        bounds = np.minimum(bounds, n)
        bag_of = np.repeat(np.arange(n_bags), np.diff(bounds))
        used = int(bounds[-1]) if n_bags else 0
        flat = input if used == n else input[:used]
        if per_sample_weights is not None and used != n:
            per_sample_weights = per_sample_weights[:used]
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.ndim}")
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    emb = embedding(flat, weight, padding_idx, None, 2.0, scale_grad_by_freq)
    idx_host = np.asarray(flat.detach().__array__()).reshape(-1)
    keep = np.ones(idx_host.shape[0], dtype=bool) if padding_idx is None else \
        idx_host != padding_idx
    bag_t = ember.tensor(bag_of.astype(np.int64), device=weight.device)
    d = weight.shape[1]
    if per_sample_weights is not None:
        emb = emb * per_sample_weights.unsqueeze(1)
    if not keep.all():
        emb = emb * ember.tensor(keep, device=weight.device).to(emb.dtype).unsqueeze(1)
    if mode == "max":
        fill = ember.full((n_bags, d), float("-inf"), dtype=weight.dtype, device=weight.device)
        index = bag_t.unsqueeze(1).expand(-1, d)
        src = emb if keep.all() else ember.where(
            ember.tensor(keep, device=weight.device).unsqueeze(1), emb, float("-inf"))
        out = fill.scatter_reduce(0, index, src, "amax", include_self=True)
        empty = ember.tensor(np.bincount(bag_of[keep], minlength=n_bags) == 0,
                             device=weight.device).unsqueeze(1)
        return ember.where(empty, 0.0, out)
    out = ember.zeros((n_bags, d), dtype=weight.dtype, device=weight.device).index_add(
        0, bag_t, emb)
    if mode == "mean":
        counts = np.bincount(bag_of[keep], minlength=n_bags).astype(np.float64)
        out = out / ember.tensor(np.maximum(counts, 1), device=weight.device).to(
            out.dtype).unsqueeze(1)
    return out


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding with a trailing dimension of num_classes."""
    if tensor.dtype is not ember.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return ember.zeros(tuple(tensor.shape) + (num_classes,), dtype=ember.int64,
                           device=tensor.device)
    if num_classes == -1 or checks_values(tensor._data):
        # num_classes=-1: the output shape depends on the data (a host sync on cuda, as torch)
        lo, hi = int(tensor.min()), int(tensor.max())
        if lo < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes == -1:
            num_classes = hi + 1
        elif hi >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = ember.zeros(tuple(tensor.shape) + (num_classes,), dtype=ember.int64,
                      device=tensor.device)
    return out.scatter(-1, tensor.unsqueeze(-1), 1)
