"""Double backward (create_graph=True) through cdist, attention, grid_sample, svdvals /
matrix_norm('nuc') / eigvalsh: second derivatives compared with torch's (or with torch's
composite formula where torch's own fused kernel is first-order only), and gradgradcheck in
float64. The first-order path of each op stays the fused array one."""

import math

import numpy as np
import pytest
import torch

import ember
from tests._gradcheck import gradcheck

_rng = np.random.default_rng


def _second(lib, fn, arrays, seed):
    """(first grads, second grads) of sum(w * fn(inputs)) with torch or ember."""
    xs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    outs = out if isinstance(out, tuple) else (out,)
    rng = _rng(seed)
    ws = [lib.tensor(rng.standard_normal(tuple(o.shape))) for o in outs]
    s = sum((o * w).sum() for o, w in zip(outs, ws))
    g1 = lib.autograd.grad(s, xs, create_graph=True, allow_unused=True)
    vs = [lib.tensor(rng.standard_normal(a.shape)) for a in arrays]
    s2 = sum((g * v).sum() for g, v in zip(g1, vs) if g is not None)
    g2 = lib.autograd.grad(s2, xs, allow_unused=True)
    return ([None if g is None else _np_of(g) for g in g1],
            [None if g is None else _np_of(g) for g in g2])


def _np_of(g):
    g = g.detach()
    if isinstance(g, torch.Tensor) and g._is_zerotensor():  # torch's known-zero gradients
        return np.zeros(tuple(g.shape))
    return np.asarray(g.numpy())


def _arrays(specs, seed):
    out = []
    for k, s in enumerate(specs):
        kind, shape = (s[0], s[1]) if isinstance(s[0], str) else ("normal", s)
        a = _rng(seed + k).standard_normal(shape)
        if kind == "grid":  # sampling locations, some outside [-1, 1]
            a = _rng(seed + k).uniform(-1.2, 1.2, shape)
        out.append(a)
    return out


# ------------------------------------------------------------------------------ cdist

def _cdist(p):
    def fn(L, a, b):
        if L is ember:
            return ember.cdist(a, b, p=p)
        if p == 2:  # torch's mm path is its twice-differentiable one
            return torch.cdist(a, b, compute_mode="use_mm_for_euclid_dist")
        d = (a.unsqueeze(-2) - b.unsqueeze(-3)).abs()  # torch's _cdist_backward is first-order
        if p == 1:
            return d.sum(-1)
        if p == math.inf:
            return d.amax(-1)
        return (d ** p).sum(-1) ** (1 / p)
    return fn


# name -> (fn(lib, *inputs), input specs)
OPS = {}
for _p in (1, 2, 3, 1.5, math.inf):
    OPS[f"cdist_p{_p}"] = (_cdist(_p), [(4, 3), (5, 3)])
    OPS[f"cdist_p{_p}_batched"] = (_cdist(_p), [(2, 1, 4, 3), (3, 5, 3)])


# ------------------------------------------------------------------------------ attention

def _math_sdpa(L, *args, **kw):
    """torch's math SDPA kernel: its CPU flash kernel is first-order only."""
    from torch.nn.attention import SDPBackend
    from torch.nn.attention import sdpa_kernel

    with sdpa_kernel(SDPBackend.MATH):
        return torch.nn.functional.scaled_dot_product_attention(*args, **kw)


def _sdpa(mask=None, **kw):
    def fn(L, q, k, v, *m):
        am = m[0] if m else (None if mask is None else L.tensor(mask))
        if L is torch:
            return _math_sdpa(L, q, k, v, attn_mask=am, **kw)
        return ember.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=am, **kw)
    return fn


_QKV = [(2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 3)]
_BOOL_MASK = (np.arange(20).reshape(4, 5) % 3 != 1)
OPS["sdpa"] = (_sdpa(), _QKV)
OPS["sdpa_scale"] = (_sdpa(scale=0.7), _QKV)
OPS["sdpa_causal"] = (_sdpa(is_causal=True), [(2, 4, 3), (2, 4, 3), (2, 4, 3)])
OPS["sdpa_bool_mask"] = (_sdpa(_BOOL_MASK), _QKV)
OPS["sdpa_float_mask_grad"] = (_sdpa(), _QKV + [(4, 5)])


def _mha(need_weights, average=True, kpm=False):
    def fn(L, query, key, value, w_in, b_in, w_out, b_out):
        f = L.nn.functional.multi_head_attention_forward
        mask = L.tensor([[False, False, True, False, False]] * 2) if kpm else None
        args = (query, key, value, 4, 2, w_in, b_in, None, None, False, 0.0, w_out, b_out)
        kw = dict(need_weights=need_weights, average_attn_weights=average,
                  key_padding_mask=mask)
        if L is torch:
            from torch.nn.attention import SDPBackend
            from torch.nn.attention import sdpa_kernel

            with sdpa_kernel(SDPBackend.MATH):
                out, w = f(*args, **kw)
        else:
            out, w = f(*args, **kw)
        return (out, w) if need_weights else out
    return fn


_MHA = [(3, 2, 4), (5, 2, 4), (5, 2, 4), (12, 4), (12,), (4, 4), (4,)]
OPS["mha_weights"] = (_mha(True), _MHA)
OPS["mha_weights_per_head_kpm"] = (_mha(True, False, True), _MHA)
OPS["mha_no_weights"] = (_mha(False), _MHA)


# ------------------------------------------------------------------------------ singular values

def _la(name, *args, **kw):
    return lambda L, a: getattr(L.linalg, name)(a, *args, **kw)


def _sym(name, *args):
    return lambda L, a: getattr(L.linalg, name)(a + a.transpose(-1, -2), *args)


OPS["svdvals"] = (_la("svdvals"), [(4, 3)])
OPS["svdvals_wide_batched"] = (_la("svdvals"), [(2, 3, 5)])
OPS["matrix_norm_nuc"] = (_la("matrix_norm", "nuc"), [(4, 3)])
OPS["matrix_norm_nuc_dims_keepdim"] = (_la("matrix_norm", "nuc", (0, 2), True), [(3, 2, 4)])
OPS["matrix_norm_2"] = (_la("matrix_norm", 2), [(3, 4)])
OPS["matrix_norm_-2"] = (_la("matrix_norm", -2), [(2, 4, 3)])
OPS["norm_nuc"] = (lambda L, a: L.norm(a, p="nuc"), [(3, 3)])
OPS["svd_s_only"] = (lambda L, a: L.linalg.svd(a, full_matrices=False)[1], [(4, 3)])
OPS["eigvalsh"] = (_sym("eigvalsh"), [(4, 4)])
OPS["eigvalsh_upper_batched"] = (_sym("eigvalsh", "U"), [(2, 3, 3)])


# ------------------------------------------------------------------------------ grid_sample

def _grid(mode, pad, ac, square=False):
    def fn(L, x, grid):
        out = L.nn.functional.grid_sample(x, grid, mode=mode, padding_mode=pad,
                                          align_corners=ac)
        return out * out if square else out
    return fn


for _mode in ("bilinear", "nearest"):
    for _pad in ("zeros", "border", "reflection"):
        for _ac in (False, True):
            OPS[f"grid_sample_{_mode}_{_pad}_{_ac}"] = (
                _grid(_mode, _pad, _ac), [(2, 3, 4, 5), ("grid", (2, 3, 3, 2))])
OPS["grid_sample_bilinear_squared"] = (_grid("bilinear", "zeros", False, True),
                                       [(2, 3, 4, 5), ("grid", (2, 3, 3, 2))])
OPS["grid_sample_nearest_squared"] = (_grid("nearest", "border", False, True),
                                      [(1, 2, 4, 5), ("grid", (1, 3, 3, 2))])


# ------------------------------------------------------------------------------ norms, distances

_F = (lambda L: L.nn.functional)
OPS["pairwise_distance"] = (lambda L, a, b: _F(L).pairwise_distance(a, b), [(3, 4), (3, 4)])
OPS["pairwise_distance_p3_keepdim"] = (
    lambda L, a, b: _F(L).pairwise_distance(a, b, p=3, keepdim=True), [(3, 4), (3, 4)])
OPS["triplet_margin_swap"] = (lambda L, a, b, c: _F(L).triplet_margin_loss(
    a, b, c, margin=3.0, p=3, swap=True), [(3, 4), (3, 4), (3, 4)])
OPS["vector_norm_1"] = (lambda L, a: L.linalg.vector_norm(a, 1, 1), [(3, 4)])
OPS["vector_norm_inf"] = (lambda L, a: L.linalg.vector_norm(a, math.inf, 1), [(3, 4)])
OPS["matrix_norm_1"] = (_la("matrix_norm", 1), [(3, 4)])


# ------------------------------------------------------------------------------ modules

def _module(kind):
    def fn(L, x):
        L.manual_seed(0)
        if kind == "mha":
            return L.nn.MultiheadAttention(4, 2).double()(x, x, x)[0]
        m = L.nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0).double()
        if L is torch:
            from torch.nn.attention import SDPBackend
            from torch.nn.attention import sdpa_kernel

            with sdpa_kernel(SDPBackend.MATH):
                return m(x)
        return m(x)
    return fn


OPS["multihead_attention_module"] = (_module("mha"), [(3, 2, 4)])
OPS["transformer_encoder_layer"] = (_module("encoder"), [(3, 2, 4)])


@pytest.mark.parametrize("name", sorted(OPS))
def test_second_derivative_matches_torch(name):
    fn, specs = OPS[name]
    arrays = _arrays(specs, 3)
    e1, e2 = _second(ember, fn, arrays, 7)
    t1, t2 = _second(torch, fn, arrays, 7)
    for e, t in zip(e1 + e2, t1 + t2):
        assert (e is None) == (t is None)
        if t is not None:
            np.testing.assert_allclose(e, t, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradgradcheck(name):
    fn, specs = OPS[name]
    inputs = [ember.tensor(a, dtype=ember.float64, requires_grad=True)
              for a in _arrays(specs, 5)]
    assert gradcheck(lambda *xs: fn(ember, *xs), inputs, atol=1e-6, rtol=1e-4,
                     second_order=True)


def test_cdist_p0_second_derivative_is_zero():
    a = ember.randn(4, 3, dtype=ember.float64, requires_grad=True)
    b = ember.randn(5, 3, dtype=ember.float64, requires_grad=True)
    (g,) = ember.autograd.grad(ember.cdist(a, b, p=0).sum(), a, create_graph=True)
    assert float(g.abs().sum()) == 0.0
