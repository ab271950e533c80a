"""Oracle tests for ember/_ops/torch_aliases.py: torch.* spellings of functional ops,
predicates, *_copy forms and Tensor method spellings."""

import numpy as np
import pytest
import torch

import ember
from tests._oracle import assert_close
from tests._oracle import to_ember
from tests._oracle import to_torch

rng = np.random.default_rng(3)


def _pair(shape):
    e = ember.tensor(rng.standard_normal(shape))
    return e, to_torch(e)


def test_predicates():
    for data in [[1], [0.0], [True]]:
        assert ember.is_nonzero(ember.tensor(data)) == torch.is_nonzero(torch.tensor(data))
    for data in [[], [1, 2]]:
        with pytest.raises(RuntimeError):
            ember.is_nonzero(ember.tensor(data))
    a, b = ember.zeros(2, 3), ember.zeros(3, 2)
    assert not ember.is_same_size(a, b) and a.is_same_size(ember.ones(2, 3))
    for dt in [ember.uint8, ember.bool, ember.int8, ember.float32]:
        assert ember.is_signed(ember.zeros(1, dtype=dt)) == torch.is_signed(
            torch.zeros(1, dtype=to_torch(dt)))
    assert not a.is_xla and not a.is_mps and not a.is_nested and not a.is_inference()


@pytest.mark.parametrize("reduction", [0, 1, 2])
def test_losses_int_reduction(reduction):
    x, xt = _pair((4, 3))
    y, yt = _pair((4, 3))
    tgt = ember.tensor(np.where(rng.random((4, 3)) < 0.5, -1.0, 1.0))
    tt = to_torch(tgt)
    assert_close(ember.kl_div(x.log_softmax(1), y.softmax(1), reduction),
                 torch.kl_div(xt.log_softmax(1), yt.softmax(1), reduction))
    assert_close(ember.hinge_embedding_loss(x, tgt, 1.0, reduction),
                 torch.hinge_embedding_loss(xt, tt, 1.0, reduction))
    assert_close(ember.margin_ranking_loss(x, y, tgt, 0.1, reduction),
                 torch.margin_ranking_loss(xt, yt, tt, 0.1, reduction))
    assert_close(ember.cosine_embedding_loss(x, y, tgt[:, 0], 0.1, reduction),
                 torch.cosine_embedding_loss(xt, yt, tt[:, 0], 0.1, reduction))
    z, zt = _pair((4, 3))
    assert_close(ember.triplet_margin_loss(x, y, z, 1.0, 2, 1e-6, False, reduction),
                 torch.triplet_margin_loss(xt, yt, zt, 1.0, 2, 1e-6, False, reduction))
    assert_close(ember.poisson_nll_loss(x, y.abs(), True, False, 1e-8, reduction),
                 torch.poisson_nll_loss(xt, yt.abs(), True, False, 1e-8, reduction))
    p = (tgt + 1) / 2
    assert_close(ember.binary_cross_entropy_with_logits(x, p, None, None, reduction),
                 torch.binary_cross_entropy_with_logits(xt, to_torch(p), None, None, reduction))


def test_norms_and_activations():
    x, xt = _pair((4, 3, 5))
    w, wt = _pair((3,))
    rm, rv = ember.zeros(3, dtype=ember.float64), ember.ones(3, dtype=ember.float64)
    rmt, rvt = to_torch(rm), to_torch(rv)
    assert_close(ember.batch_norm(x, w, None, rm, rv, True, 0.1, 1e-5, True),
                 torch.batch_norm(xt, wt, None, rmt, rvt, True, 0.1, 1e-5, True))
    assert_close(rm, rmt)
    assert_close(ember.instance_norm(x, w, w, None, None, True, 0.1, 1e-5, True),
                 torch.instance_norm(xt, wt, wt, None, None, True, 0.1, 1e-5, True))
    assert_close(ember.rms_norm(x, [5]), torch.rms_norm(xt, [5]))
    assert_close(ember.threshold(x, 0.1, -1.0), torch.threshold(xt, 0.1, -1.0))
    for name in ["selu_", "celu_"]:
        assert_close(getattr(ember, name)(x.clone()), getattr(torch, name)(xt.clone()))
    assert_close(ember.threshold_(x.clone(), 0.1, 2.0), torch.threshold_(xt.clone(), 0.1, 2.0))
    assert_close(ember.rrelu(x), torch.rrelu(xt))
    assert_close(ember.constant_pad_nd(x, [1, 2], 3.0), torch.constant_pad_nd(xt, [1, 2], 3.0))
    assert_close(ember.adaptive_avg_pool1d(x, 2), torch.adaptive_avg_pool1d(xt, 2))
    assert_close(ember.adaptive_max_pool1d(x, 2), torch.adaptive_max_pool1d(xt, 2))
    assert_close(ember.alpha_dropout(x, 0.5, False), torch.alpha_dropout(xt, 0.5, False))
    assert_close(ember.feature_dropout(x, 0.5, False), torch.feature_dropout(xt, 0.5, False))


def test_creation_and_copies():
    assert_close(ember.scalar_tensor(3), torch.scalar_tensor(3))
    assert_close(ember.scalar_tensor(2.5, dtype=ember.float64),
                 torch.scalar_tensor(2.5, dtype=torch.float64))
    idx = torch.tensor([0, 5, 11, -1])
    assert_close(list(ember.unravel_index(to_ember(idx), (3, 4))),
                 list(torch.unravel_index(idx, (3, 4))))
    with pytest.raises(TypeError):
        ember.unravel_index(ember.tensor([1.0]), (3,))
    x, xt = _pair((3, 4))
    for name, args in [("transpose_copy", (0, 1)), ("t_copy", ()), ("permute_copy", ((1, 0),)),
                       ("diagonal_copy", ()), ("select_copy", (1, 2)),
                       ("unsqueeze_copy", (0,)), ("view_copy", ((4, 3),)),
                       ("expand_copy", ((2, 3, 4),)), ("detach_copy", ()),
                       ("alias_copy", ()), ("unfold_copy", (1, 2, 1)),
                       ("slice_copy", (1, 1, 3)), ("narrow_copy", (1, 0, 2))]:
        e = getattr(ember, name)(x, *args)
        assert_close(e, getattr(torch, name)(xt, *args))
        assert e.data_ptr() != x.data_ptr()
    for name, args in [("split_with_sizes", ([1, 3], 1)), ("unsafe_split", (2,)),
                       ("unsafe_chunk", (2, 1)), ("unsafe_split_with_sizes", ([2, 1],)),
                       ("unbind_copy", ()), ("split_copy", (2,))]:
        assert_close(list(getattr(ember, name)(x, *args)), list(getattr(torch, name)(xt, *args)))
    with pytest.raises(RuntimeError):
        ember.split_with_sizes(x, [1, 1], 1)
    assert_close(ember.adjoint(x), torch.adjoint(xt))
    c = ember.tensor(rng.standard_normal((2, 3)) + 1j)
    assert_close(c.adjoint(), to_torch(c).adjoint().resolve_conj())
    assert ember.typename(x) == torch.typename(xt)
    assert ember.typename(3) == torch.typename(3)
    assert_close(ember.fill(x, 2.0), torch.fill(xt, 2.0))


def test_methods():
    x, xt = _pair((3, 4))
    for name in ["cumsum_", "cumprod_"]:
        assert_close(getattr(x.clone(), name)(1), getattr(xt.clone(), name)(1))
    for shape, wrap in [((3, 3), False), ((7, 3), True), ((7, 3), False), ((3, 3, 3), False)]:
        e, t = ember.zeros(*shape), torch.zeros(*shape)
        assert_close(e.fill_diagonal_(5.0, wrap), t.fill_diagonal_(5.0, wrap))
    assert_close(x.new(2, 3).fill_(1.0), xt.new(2, 3).fill_(1.0))
    assert_close(x.new([1, 2]), xt.new([1, 2]))
    a, at = x.clone(), xt.clone()
    assert_close(a.apply_(lambda v: v * 2 + 1), at.apply_(lambda v: v * 2 + 1))
    b = ember.tensor(rng.standard_normal(4))
    assert_close(x.clone().map_(b, lambda p, q: p - q),
                 xt.clone().map_(to_torch(b), lambda p, q: p - q))
    assert_close(x.clone().map2_(b, x, lambda p, q, r: p + q * r),
                 xt.clone().map2_(to_torch(b), xt, lambda p, q, r: p + q * r))
    assert x.is_set_to(x) and not x.is_set_to(x.clone())
    assert x.t().dim_order() == xt.t().dim_order()
    assert not x.is_pinned() and not x.is_shared()
    assert_close(x.resize_as(ember.zeros(12)), xt.resize_as(torch.zeros(12)))
    with pytest.raises(RuntimeError):
        x.clone().requires_grad_().apply_(lambda v: v)
