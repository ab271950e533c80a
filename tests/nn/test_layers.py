"""Oracle tests for layers: same state (torch -> ember via numpy), same inputs; outputs, input
grads and every parameter grad compared; printed repr compared with torch's."""

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests._oracle import assert_close
from tests.nn._util import check_module

R = np.random.default_rng(0)


def rnd(*shape, dtype=np.float32, low=None):
    a = R.standard_normal(shape).astype(dtype)
    return a if low is None else np.abs(a) + low


# (constructor source, input shapes): evaluated against torch.nn and ember.nn
CASES = [
    ("ReLU()", [(4, 5)]), ("ReLU6()", [(4, 5)]), ("LeakyReLU(0.2)", [(4, 5)]),
    ("PReLU()", [(4, 5)]), ("PReLU(3, init=0.1)", [(2, 3, 4)]), ("ELU(alpha=0.7)", [(4, 5)]),
    ("SELU()", [(4, 5)]), ("CELU(alpha=1.3)", [(4, 5)]), ("GELU()", [(4, 5)]),
    ("GELU(approximate='tanh')", [(4, 5)]), ("SiLU()", [(4, 5)]), ("Mish()", [(4, 5)]),
    ("Sigmoid()", [(4, 5)]), ("Tanh()", [(4, 5)]), ("Softmax(dim=1)", [(4, 5)]),
    ("Softmax(dim=0)", [(3, 4, 5)]), ("Softmax2d()", [(2, 3, 4, 4)]),
    ("LogSoftmax(dim=-1)", [(4, 5)]), ("Softmin(dim=1)", [(4, 5)]),
    ("Softplus(beta=2, threshold=1)", [(4, 5)]), ("Softsign()", [(4, 5)]),
    ("Softshrink(0.3)", [(4, 5)]), ("Hardshrink(0.3)", [(4, 5)]), ("Tanhshrink()", [(4, 5)]),
    ("Hardtanh(-0.5, 0.7)", [(4, 5)]), ("Hardswish()", [(4, 5)]),
    ("Hardsigmoid()", [(4, 5)]), ("LogSigmoid()", [(4, 5)]),
    ("Threshold(0.1, 20.0)", [(4, 5)]), ("GLU()", [(4, 6)]), ("GLU(dim=0)", [(4, 6)]),
    ("Linear(5, 3)", [(4, 5)]), ("Linear(5, 3, bias=False)", [(2, 4, 5)]),
    ("Linear(5, 3)", [(5,)]), ("Bilinear(3, 4, 2)", [(5, 3), (5, 4)]),
    ("Identity(3, foo=1)", [(2, 2)]),
    ("LayerNorm(5)", [(4, 5)]), ("LayerNorm([3, 4], elementwise_affine=False)", [(2, 3, 4)]),
    ("LayerNorm(4, bias=False, eps=1e-3)", [(2, 3, 4)]),
    ("GroupNorm(2, 4)", [(3, 4, 5)]), ("GroupNorm(1, 6, affine=False)", [(2, 6, 2, 2)]),
    ("RMSNorm(5)", [(4, 5)]), ("RMSNorm([2, 3], eps=1e-5)", [(4, 2, 3)]),
    ("LocalResponseNorm(3)", [(2, 5, 4)]), ("LocalResponseNorm(2, k=2.0)", [(2, 4, 3, 3)]),
    ("BatchNorm1d(3)", [(4, 3)]), ("BatchNorm1d(3, affine=False)", [(4, 3, 5)]),
    ("BatchNorm2d(3, momentum=None)", [(2, 3, 4, 4)]),
    ("BatchNorm2d(3, track_running_stats=False)", [(2, 3, 2, 2)]),
    ("BatchNorm3d(2)", [(2, 2, 2, 3, 3)]),
    ("InstanceNorm1d(3)", [(2, 3, 5)]), ("InstanceNorm1d(3, affine=True)", [(3, 5)]),
    ("InstanceNorm2d(3, affine=True, track_running_stats=True)", [(2, 3, 4, 4)]),
    ("InstanceNorm3d(2)", [(2, 2, 3, 3, 3)]),
    ("Flatten()", [(2, 3, 4)]), ("Flatten(0, 1)", [(2, 3, 4)]),
    ("Unflatten(1, (2, 3))", [(4, 6)]), ("PixelShuffle(2)", [(2, 8, 3, 3)]),
    ("PixelUnshuffle(2)", [(2, 2, 4, 6)]), ("ChannelShuffle(2)", [(2, 4, 3, 3)]),
    ("CosineSimilarity()", [(4, 5), (4, 5)]), ("CosineSimilarity(dim=0)", [(4, 5), (1, 5)]),
    ("PairwiseDistance()", [(4, 5), (4, 5)]), ("PairwiseDistance(p=1, keepdim=True)",
                                               [(4, 5), (4, 5)]),
]


@pytest.mark.parametrize("src,shapes", CASES, ids=[c[0] for c in CASES])
def test_layer_matches_torch(src, shapes):
    tm = eval("torch.nn." + src)
    em = eval("nn." + src)
    assert repr(em) == repr(tm)
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys())
    inputs = [rnd(*s) for s in shapes]
    check_module(tm, em, inputs, rtol=1e-4, atol=1e-5)
    # running statistics (and num_batches_tracked) follow torch's
    for (k, tv), (k2, ev) in zip(tm.state_dict().items(), em.state_dict().items()):
        assert_close(ev, tv, rtol=1e-5, atol=1e-6)
    # eval mode too (batch norm uses running stats)
    check_module(tm, em, inputs, rtol=1e-4, atol=1e-5, copy=False, train=False)


def test_float64_layers():
    for src, shape in (("Linear(4, 3)", (2, 4)), ("LayerNorm(4)", (2, 4)),
                       ("BatchNorm1d(4)", (3, 4)), ("GELU()", (3, 4))):
        tm = eval("torch.nn." + src).double()
        em = eval("nn." + src).double()
        check_module(tm, em, [rnd(*shape, dtype=np.float64)], rtol=1e-10, atol=1e-10)


def test_batchnorm_running_stats_over_steps():
    for momentum in (0.1, None):
        tm = torch.nn.BatchNorm1d(3, momentum=momentum)
        em = nn.BatchNorm1d(3, momentum=momentum)
        for step in range(3):
            x = rnd(5, 3)
            assert_close(em(ember.tensor(x)), tm(torch.tensor(x)), rtol=1e-5, atol=1e-5)
        assert int(em.num_batches_tracked) == 3
        assert_close(em.running_mean, tm.running_mean)
        assert_close(em.running_var, tm.running_var)


def test_batchnorm_load_old_checkpoint_without_num_batches_tracked():
    em = nn.BatchNorm1d(3)
    sd = {k: v for k, v in em.state_dict().items() if k != "num_batches_tracked"}
    em.load_state_dict(sd)


def test_embedding():
    for kw in ({}, {"padding_idx": 1}, {"padding_idx": -1, "scale_grad_by_freq": True},
               {"max_norm": 1.0}, {"sparse": True}):
        tm = torch.nn.Embedding(6, 3, **kw)
        em = nn.Embedding(6, 3, **kw)
        assert repr(em) == repr(tm)
        idx = np.array([[1, 2, 5], [1, 1, 0]])
        check_module(tm, em, [idx])
        assert_close(em.weight, tm.weight)   # max_norm renormalises rows in place
    pre = rnd(4, 2)
    tm = torch.nn.Embedding.from_pretrained(torch.tensor(pre))
    em = nn.Embedding.from_pretrained(ember.tensor(pre))
    assert not em.weight.requires_grad and em.weight.shape == (4, 2)
    assert_close(em(ember.tensor([3, 0])), tm(torch.tensor([3, 0])))


def test_embedding_padding_row_zero_at_init_and_errors():
    em = nn.Embedding(5, 3, padding_idx=2)
    assert float(em.weight[2].abs().sum()) == 0.0
    with pytest.raises(IndexError, match="index out of range in self"):
        em(ember.tensor([7]))
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices'"):
        em(ember.tensor([1.0]))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=3)


@pytest.mark.parametrize("kw", [{"mode": "mean"}, {"mode": "sum"}, {"mode": "max"},
                                {"mode": "sum", "padding_idx": 0},
                                {"mode": "mean", "include_last_offset": True}])
def test_embedding_bag(kw):
    tm = torch.nn.EmbeddingBag(7, 3, **kw)
    em = nn.EmbeddingBag(7, 3, **kw)
    assert repr(em) == repr(tm)
    idx = np.array([1, 2, 4, 5, 4, 0, 6, 1])
    offs = np.array([0, 2, 2, 5, 8] if kw.get("include_last_offset") else [0, 2, 2, 5])
    check_module(tm, em, [idx, offs], grad_inputs=False)
    check_module(tm, em, [idx.reshape(2, 4)], grad_inputs=False, copy=False)
    if kw["mode"] == "sum" and "padding_idx" not in kw:
        w = rnd(8)
        check_module(tm, em, [idx, offs, w], copy=False)


def test_lazy_linear_and_batchnorm():
    em = nn.LazyLinear(3)
    assert repr(em) == repr(torch.nn.LazyLinear(3))
    assert nn.parameter.is_lazy(em.weight)
    y = em(ember.randn(2, 5))
    assert type(em) is nn.Linear and em.weight.shape == (3, 5) and y.shape == (2, 3)
    assert type(em.weight) is nn.Parameter
    bn = nn.LazyBatchNorm1d()
    bn(ember.randn(4, 6))
    assert type(bn) is nn.BatchNorm1d and bn.running_mean.shape == (6,)


def test_bad_inputs_match_torch():
    def both(src, shape, dtype=np.float32):
        x = rnd(*shape, dtype=dtype)
        with pytest.raises(Exception) as ti:
            eval("torch.nn." + src)(torch.tensor(x))
        with pytest.raises(Exception) as ei:
            eval("nn." + src)(ember.tensor(x))
        assert ei.type is ti.type, (ei.value, ti.value)
        assert str(ei.value) == str(ti.value)

    both("Linear(4, 3)", (2, 5))
    both("Linear(4, 3)", (2, 7, 5))
    both("BatchNorm1d(3)", (2, 3, 4, 5))
    both("BatchNorm1d(3)", (1, 3))
    both("BatchNorm1d(3)", (2, 4))
    both("BatchNorm2d(3)", (2, 3))
    both("LayerNorm(5)", (2, 4))
    both("GroupNorm(2, 4)", (2, 3))
    both("InstanceNorm1d(3, affine=True)", (2, 4, 5))
    both("GLU()", (2, 3))
    both("Softmax2d()", (2, 3))
    both("PixelShuffle(2)", (1, 3, 2, 2))
    with pytest.raises(RuntimeError) as ei:
        nn.Linear(4, 3)(ember.randn(2, 4, dtype=ember.float64))
    with pytest.raises(RuntimeError) as ti:
        torch.nn.Linear(4, 3)(torch.randn(2, 4, dtype=torch.float64))
    assert str(ei.value) == str(ti.value)


def test_dropout_family():
    x = ember.ones(2000, 5)
    for cls in (nn.Dropout, nn.AlphaDropout):
        m = cls(0.3)
        assert repr(m) == repr(getattr(torch.nn, cls.__name__)(0.3))
        m.eval()
        assert m(x) is x
    d = nn.Dropout(0.3)
    y = d(x.requires_grad_())
    kept = y.detach().numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y.detach().numpy()[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.7, rtol=1e-6)
    z = nn.Dropout2d(0.5)(ember.ones(4, 50, 3, 3))
    per_channel = z.numpy().reshape(4, 50, 9)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    z = nn.Dropout1d(0.5)(ember.ones(50, 4))
    assert ((z.numpy() == 0).all(-1) | (z.numpy() == 2).all(-1)).all()
    a = nn.AlphaDropout(0.2)(ember.randn(200000))
    assert abs(float(a.mean())) < 0.02 and abs(float(a.std()) - 1) < 0.02
    fa = nn.FeatureAlphaDropout(0.2)(ember.randn(4, 30, 5))
    assert fa.shape == (4, 30, 5)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        nn.Dropout1d()(ember.ones(2, 2, 2, 2))
    assert repr(nn.Dropout(0.2, inplace=True)) == repr(torch.nn.Dropout(0.2, inplace=True))


def test_rrelu_train_and_eval():
    m = nn.RReLU(0.1, 0.3)
    x = ember.tensor(-np.ones(5000, dtype=np.float32))
    y = m(x).numpy()
    assert (y <= -0.1 + 1e-6).all() and (y >= -0.3 - 1e-6).all() and y.std() > 0.03
    m.eval()
    np.testing.assert_allclose(m(x).numpy(), -0.2, rtol=1e-6)
    assert repr(m) == repr(torch.nn.RReLU(0.1, 0.3))


def test_inplace_activations_without_grad():
    x = ember.tensor([-1.0, 2.0])
    y = nn.LeakyReLU(0.5, inplace=True)(x)
    assert y is x and x[0].item() == -0.5
    x = ember.tensor([-1.0, 2.0])
    assert nn.ReLU(inplace=True)(x) is x and x[0].item() == 0.0
