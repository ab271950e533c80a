"""Attention: scaled_dot_product_attention and multi_head_attention_forward.

One fused Function computes softmax(q k^T * scale + mask) (dropout) @ v and returns the output
and the (dropped-out) attention probabilities; its backward is the standard softmax-attention
adjoint, in arrays.
"""

import math

from ember import _dtype
from ember import _tensor
from ember._ops import creation
from ember._ops import joining
from ember.autograd.function import Function
from ember.autograd.function import once_differentiable
from ember.autograd.grad_mode import _GradState

Tensor = _tensor.Tensor


# why: one pass for scores/softmax/dropout/PV and its adjoint (instead of ~8 graph nodes).
class Attention(Function):
    node_name = "ScaledDotProductAttentionBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, q, k, v, mask, keep, scale, p):
        xp = ctx.xp
        s = xp.matmul(q, xp.swapaxes(k, -1, -2)) * scale
        if mask is not None:
            s = s + mask
        m = s.max(axis=-1, keepdims=True)
        with _quiet(xp):
            e = xp.exp(s - m)
            probs = e / e.sum(axis=-1, keepdims=True)
        probs = probs.astype(q.dtype, copy=False)
        pd = probs * (keep / (1.0 - p)).astype(q.dtype) if keep is not None else probs
        out = xp.matmul(pd, v)
        ctx.scale, ctx.p = scale, p
        ctx.save_for_backward(q, k, v, probs, keep, mask)
        return out, pd

    @staticmethod
    def backward(ctx, g, gp):
        if _GradState.enabled:  # create_graph: the same adjoint with ember ops
            return _attention_grad(ctx, g, gp)
        return Attention._backward_arrays(ctx, g, gp)

    @staticmethod
    @once_differentiable
    def _backward_arrays(ctx, g, gp):
        q, k, v, probs, keep, _ = (None if t is None else t._data for t in ctx.saved_tensors)
        xp = ctx.xp
        scale, p = ctx.scale, ctx.p
        pd = probs * (keep / (1.0 - p)).astype(q.dtype) if keep is not None else probs
        gdrop = xp.zeros_like(probs) if g is None else xp.matmul(g._data, xp.swapaxes(v, -1, -2))
        if gp is not None:
            gdrop = gdrop + gp._data
        gprob = gdrop * (keep / (1.0 - p)).astype(q.dtype) if keep is not None else gdrop
        ds = probs * (gprob - (gprob * probs).sum(axis=-1, keepdims=True))
        ds = xp.nan_to_num(ds) * scale
        gq = xp.matmul(ds, k)
        gk = xp.matmul(xp.swapaxes(ds, -1, -2), q)
        gv = None if g is None else xp.matmul(xp.swapaxes(pd, -1, -2), g._data)
        gmask = ds / scale if ctx.needs_input_grad[3] else None
        return gq, gk, gv, gmask, None, None, None


def _attention_grad(ctx, g, gp):
    """Attention's backward with ember ops (differentiable: double backward). The
    probabilities are recomputed from q, k and the mask so that they carry a graph."""
    q, k, v, _, keep, mask = ctx.saved_tensors
    scale, p = ctx.scale, ctx.p
    s = (q @ k.transpose(-1, -2)) * scale
    if mask is not None:
        s = s + mask
    probs = s.softmax(-1)
    kd = keep * (1.0 / (1.0 - p)) if keep is not None else None
    gdrop = None if g is None else g @ v.transpose(-1, -2)
    if gp is not None:
        gdrop = gp if gdrop is None else gdrop + gp
    if gdrop is None:
        return (None,) * 7
    gprob = gdrop * kd if kd is not None else gdrop
    ds = (probs * (gprob - (gprob * probs).sum(-1, keepdim=True))).nan_to_num()
    gq = (ds @ k) * scale
    gk = (ds.transpose(-1, -2) @ q) * scale
    gv = None
    if g is not None:
        pd = probs * kd if kd is not None else probs
        gv = pd.transpose(-1, -2) @ g
    gmask = ds if ctx.needs_input_grad[3] else None
    return gq, gk, gv, gmask, None, None, None


class _quiet:
    def __init__(self, xp):
        self.xp = xp

    def __enter__(self):
        self.old = self.xp.seterr(invalid="ignore") if hasattr(self.xp, "seterr") else None

    def __exit__(self, *a):
        if self.old is not None:
            self.xp.seterr(**self.old)


def _additive(mask, dtype, like):
    """bool mask (True = attend) -> 0/-inf float mask; float masks pass through."""
    if mask is None:
        return None
    if mask.dtype == _dtype.bool_:
        zeros = creation.zeros(mask.shape, dtype=dtype, device=like.device)
        return zeros.masked_fill(mask.logical_not(), float("-inf"))
    return mask


def _dropout_keep(shape, p, like):
    if p <= 0.0:
        return None
    return creation.empty(shape, dtype=like.dtype, device=like.device).bernoulli_(1.0 - p)


def attention(q, k, v, mask, dropout_p, scale):
    """Fused attention on (..., L, E) q and (..., S, E) k/v with an additive mask."""
    shape = tuple(q.shape[:-1]) + (k.shape[-2],)
    keep = _dropout_keep(shape, dropout_p, q)
    return Attention.apply(q, k, v, mask, keep, scale, float(dropout_p))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(Q K^T * scale + mask) V, with a bool (True = attend) or additive float mask."""
    L, S = query.shape[-2], key.shape[-2]
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
        attn_mask = creation.ones((L, S), dtype=_dtype.bool_, device=query.device).tril()
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        rep = query.shape[-3] // key.shape[-3]
        key = key.repeat_interleave(rep, dim=-3)
        value = value.repeat_interleave(rep, dim=-3)
    mask = _additive(attn_mask, query.dtype, query)
    out, _ = attention(query, key, value, mask, dropout_p, float(scale))
    return out


def _canonical(mask, name, dtype, like):
    """MHA masks: bool True = NOT allowed -> -inf; float masks are additive."""
    if mask is None:
        return None
    if mask.dtype == _dtype.bool_:
        zeros = creation.zeros(mask.shape, dtype=dtype, device=like.device)
        return zeros.masked_fill(mask, float("-inf"))
    if not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention on seq-first (L, N, E) inputs (or unbatched (L, E))."""
    from ember.nn import functional as F

    batched = query.ndim == 3
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    dt = query.dtype
    key_padding_mask = _canonical(key_padding_mask, "key_padding_mask", dt, query)
    attn_mask = _canonical(attn_mask, "attn_mask", dt, query)
    # projections
    if not use_separate_proj_weight:
        w_q, w_k, w_v = in_proj_weight.chunk(3)
        b_q, b_k, b_v = in_proj_bias.chunk(3) if in_proj_bias is not None else (None,) * 3
    else:
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
        b_q, b_k, b_v = in_proj_bias.chunk(3) if in_proj_bias is not None else (None,) * 3
    q = F.linear(query, w_q, b_q)
    k = F.linear(key, w_k, b_k)
    v = F.linear(value, w_v, b_v)
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is "
                                   f"{_tensor.Size(attn_mask.shape)}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is "
                                   f"{_tensor.Size(attn_mask.shape)}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")
    if bias_k is not None and bias_v is not None:
        k = joining.cat([k, bias_k.expand(1, bsz, embed_dim)])
        v = joining.cat([v, bias_v.expand(1, bsz, embed_dim)])
        if attn_mask is not None:
            attn_mask = F.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = F.pad(key_padding_mask, (0, 1))
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = (k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None
         else static_k)
    v = (v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None
         else static_v)
    if add_zero_attn:
        zshape = (bsz * num_heads, 1, head_dim)
        k = joining.cat([k, creation.zeros(zshape, dtype=k.dtype, device=k.device)], 1)
        v = joining.cat([v, creation.zeros(zshape, dtype=v.dtype, device=v.device)], 1)
        if attn_mask is not None:
            attn_mask = F.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = F.pad(key_padding_mask, (0, 1))
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but "
                                 f"got {_tensor.Size(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(
            bsz, num_heads, 1, src_len).reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    out, probs = attention(q, k, v, attn_mask, dropout_p, 1.0 / math.sqrt(head_dim))
    out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = F.linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    weights = None
    if need_weights:
        weights = probs.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            weights = weights.squeeze(0)
    if not batched:
        out = out.squeeze(1)
    return out, weights
