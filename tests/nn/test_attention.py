import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F
from tests._gradcheck import gradcheck
from tests.nn._spatial import check_fn
from tests.nn._spatial import check_module
from tests.nn._spatial import randn


def _mask_arrays(rng, kind, L, S):
    if kind == "bool":
        m = rng.random((L, S)) > 0.3
        m[:, 0] = True
        return m
    if kind == "float":
        return randn(rng, L, S)
    return None


@pytest.mark.parametrize("kind", [None, "bool", "float"])
@pytest.mark.parametrize("kw", [{}, dict(scale=0.3)])
def test_sdpa_oracle(kind, kw):
    rng = np.random.default_rng(0)
    q, k, v = randn(rng, 2, 3, 4, 5), randn(rng, 2, 3, 6, 5), randn(rng, 2, 3, 6, 7)
    m = _mask_arrays(rng, kind, 4, 6)
    if m is None:
        check_fn(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kw),
                 lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, **kw), [q, k, v])
    else:
        check_fn(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, m, **kw),
                 lambda q, k, v, m: TF.scaled_dot_product_attention(q, k, v, m, **kw),
                 [q, k, v, m])


def test_sdpa_causal_and_gqa():
    rng = np.random.default_rng(1)
    q, k, v = randn(rng, 2, 4, 5, 3), randn(rng, 2, 2, 5, 3), randn(rng, 2, 2, 5, 3)
    check_fn(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                                            enable_gqa=True),
             lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, is_causal=True,
                                                             enable_gqa=True), [q, k, v])


def test_sdpa_dropout_statistics():
    ember.manual_seed(0)
    q = ember.ones(1, 1, 4, 8)
    v = ember.ones(1, 1, 200, 8)
    out = F.scaled_dot_product_attention(q, ember.ones(1, 1, 200, 8), v, dropout_p=0.5)
    assert abs(float(out.mean()) - 1.0) < 0.2 and not np.allclose(out.numpy(), 1.0)


def test_sdpa_gradcheck():
    rng = np.random.default_rng(0)

    def t(*s):
        return ember.tensor(rng.standard_normal(s), requires_grad=True)

    q, k, v, m = t(2, 3, 4), t(2, 5, 4), t(2, 5, 3), t(3, 5)
    gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, m), [q, k, v, m])


MHA_CASES = [
    dict(), dict(batch_first=True), dict(bias=False), dict(kdim=3, vdim=5),
    dict(add_bias_kv=True), dict(add_zero_attn=True),
]


class _E(ember.nn.Module):
    def __init__(self, m, **call):
        super().__init__()
        self.m, self.call = m, call

    def forward(self, q, k, v, *masks):
        names = self.call.get("mask_names", ())
        kw = {k: v for k, v in self.call.items() if k != "mask_names"}
        kw.update(dict(zip(names, masks)))
        return self.m(q, k, v, **kw)


class _T(torch.nn.Module):
    def __init__(self, m, **call):
        super().__init__()
        self.m, self.call = m, call

    def forward(self, q, k, v, *masks):
        names = self.call.get("mask_names", ())
        kw = {k: v for k, v in self.call.items() if k != "mask_names"}
        kw.update(dict(zip(names, masks)))
        return self.m(q, k, v, **kw)


def _mha_pair(**kw):
    torch.manual_seed(0)
    return ember.nn.MultiheadAttention(8, 2, **kw), torch.nn.MultiheadAttention(8, 2, **kw)


@pytest.mark.parametrize("kw", MHA_CASES)
def test_mha_oracle(kw):
    em, tm = _mha_pair(**kw)
    assert repr(em) == repr(tm)
    assert {k: tuple(v.shape) for k, v in em.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in tm.state_dict().items()}
    rng = np.random.default_rng(0)
    bf = kw.get("batch_first", False)
    shape_q = (2, 4, 8) if bf else (4, 2, 8)
    shape_k = (2, 5) if bf else (5, 2)
    q = randn(rng, *shape_q)
    k = randn(rng, *shape_k, kw.get("kdim", 8))
    v = randn(rng, *shape_k, kw.get("vdim", 8))
    check_module(_E(em), _T(tm), [q, k, v])


@pytest.mark.parametrize("mask_kind", ["bool", "float"])
@pytest.mark.parametrize("average", [True, False])
def test_mha_masks(mask_kind, average):
    em, tm = _mha_pair(batch_first=True)
    rng = np.random.default_rng(1)
    q = randn(rng, 2, 4, 8)
    kv = randn(rng, 2, 5, 8)
    kpm = np.zeros((2, 5), bool)
    kpm[0, 3:] = True
    if mask_kind == "bool":
        am = rng.random((4, 5)) > 0.7
        am[:, 0] = False
        kpm = kpm
    else:
        am = randn(rng, 4, 5)
        kpm = np.where(kpm, -1e9, 0).astype(np.float32)
    call = dict(mask_names=("key_padding_mask", "attn_mask"), average_attn_weights=average)
    check_module(_E(em, **call), _T(tm, **call), [q, kv, kv, kpm, am])


def test_mha_3d_mask_unbatched_and_no_weights():
    em, tm = _mha_pair()
    rng = np.random.default_rng(2)
    q = randn(rng, 4, 2, 8)
    am = randn(rng, 4, 4, 4)
    call = dict(mask_names=("attn_mask",), need_weights=False)
    oe, ot = check_module(_E(em, **call), _T(tm, **call), [q, q, q, am])
    assert oe[1] is None and ot[1] is None
    qu = randn(rng, 3, 8)
    check_module(_E(em), _T(tm), [qu, qu, qu])


def test_mha_errors():
    with pytest.raises(AssertionError):
        ember.nn.MultiheadAttention(7, 2)
    m = ember.nn.MultiheadAttention(8, 2)
    x = ember.zeros(4, 2, 8)
    with pytest.raises(RuntimeError, match="The shape of the 2D attn_mask"):
        m(x, x, x, attn_mask=ember.zeros(3, 3))
