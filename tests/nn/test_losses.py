"""Loss functions against torch: every reduction and option; input grads; bad inputs."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests._gradcheck import gradcheck
from tests._oracle import assert_close

R = np.random.default_rng(1)
RED = ["none", "mean", "sum"]


def run(name, arrays, kwargs, grad=(0,), rtol=1e-5, atol=1e-6):
    """F.<name>(*arrays, **kwargs) in both frameworks: value and grads of inputs in `grad`."""
    t_args, e_args = [], []
    for i, a in enumerate(arrays):
        if isinstance(a, np.ndarray):
            rg = i in grad
            t_args.append(torch.tensor(a, requires_grad=rg))
            e_args.append(ember.tensor(a, requires_grad=rg))
        else:
            t_args.append(a)
            e_args.append(a)
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    ekw = {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = getattr(TF, name)(*t_args, **tkw)
        e = getattr(F, name)(*e_args, **ekw)
    assert_close(e, t, rtol=rtol, atol=atol)
    w = R.standard_normal(tuple(t.shape)).astype(arrays[0].dtype)
    (t * torch.tensor(w)).sum().backward()
    (e * ember.tensor(w)).sum().backward()
    for i in grad:
        assert_close(e_args[i].grad, t_args[i].grad, rtol=rtol * 10, atol=atol * 10)


def f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


def probs(*shape):
    return R.uniform(0.05, 0.95, shape).astype(np.float32)


@pytest.mark.parametrize("red", RED)
def test_regression_losses(red):
    x, y = f32(4, 5), f32(4, 5)
    run("l1_loss", [x, y], {"reduction": red}, grad=(0, 1))
    run("mse_loss", [x, y], {"reduction": red}, grad=(0, 1))
    run("huber_loss", [x * 2, y], {"reduction": red, "delta": 0.7}, grad=(0, 1))
    run("smooth_l1_loss", [x * 2, y], {"reduction": red, "beta": 0.5}, grad=(0, 1))
    run("smooth_l1_loss", [x, y], {"reduction": red, "beta": 0.0})
    run("soft_margin_loss", [x, np.sign(y)], {"reduction": red})
    run("poisson_nll_loss", [x, np.abs(y) * 3], {"reduction": red})
    run("poisson_nll_loss", [np.abs(x) + 0.1, np.abs(y) * 3],
        {"reduction": red, "log_input": False, "full": True})
    run("gaussian_nll_loss", [x, y, np.abs(f32(4, 5)) + 0.1], {"reduction": red},
        grad=(0, 2))
    run("gaussian_nll_loss", [x, y, np.abs(f32(4, 1)) + 0.1], {"reduction": red,
                                                               "full": True}, grad=(0, 2))
    run("kl_div", [np.log(probs(4, 5)), probs(4, 5)], {"reduction": red}, grad=(0, 1))
    run("kl_div", [np.log(probs(4, 5)), np.log(probs(4, 5))],
        {"reduction": red, "log_target": True}, grad=(0, 1))


def test_kl_div_batchmean_and_zero_targets():
    t = probs(3, 4)
    t[0, 0] = 0
    run("kl_div", [np.log(probs(3, 4)), t], {"reduction": "batchmean"}, grad=(0,))


@pytest.mark.parametrize("red", RED)
def test_binary_losses(red):
    x, t = probs(4, 3), (R.random((4, 3)) > 0.5).astype(np.float32)
    w = probs(3)
    run("binary_cross_entropy", [x, t], {"reduction": red})
    run("binary_cross_entropy", [x, probs(4, 3)], {"reduction": red, "weight": w}, grad=(0, 1))
    z = f32(4, 3) * 3
    run("binary_cross_entropy_with_logits", [z, t], {"reduction": red}, grad=(0, 1))
    run("binary_cross_entropy_with_logits", [z, t],
        {"reduction": red, "weight": w, "pos_weight": probs(3) * 3})
    run("multilabel_soft_margin_loss", [z, t], {"reduction": red})
    run("multilabel_soft_margin_loss", [z, t], {"reduction": red, "weight": w})


@pytest.mark.parametrize("red", RED)
def test_cross_entropy_and_nll(red):
    x = f32(6, 5)
    t = R.integers(0, 5, 6)
    w = probs(5)
    run("cross_entropy", [x, t], {"reduction": red})
    run("cross_entropy", [x, t], {"reduction": red, "weight": w})
    t2 = t.copy()
    t2[[1, 3]] = -100
    run("cross_entropy", [x, t2], {"reduction": red, "weight": w})
    t3 = t.copy()
    t3[2] = 4
    run("cross_entropy", [x, t3], {"reduction": red, "ignore_index": 4, "label_smoothing": 0.2})
    run("cross_entropy", [x, t2], {"reduction": red, "weight": w, "label_smoothing": 0.3})
    # K-dim inputs
    xk = f32(2, 4, 3, 2)
    tk = R.integers(0, 4, (2, 3, 2))
    run("cross_entropy", [xk, tk], {"reduction": red, "weight": probs(4),
                                    "label_smoothing": 0.1})
    run("nll_loss", [xk, tk], {"reduction": red})
    # unbatched
    run("cross_entropy", [f32(5), np.array(3)], {"reduction": red})
    # class probabilities
    p = probs(6, 5)
    p /= p.sum(1, keepdims=True)
    run("cross_entropy", [x, p], {"reduction": red}, grad=(0, 1))
    run("cross_entropy", [x, p], {"reduction": red, "weight": w, "label_smoothing": 0.2})
    run("cross_entropy", [xk, probs(2, 4, 3, 2)], {"reduction": red})
    run("nll_loss", [x, t2], {"reduction": red, "weight": w})


def test_cross_entropy_module_and_float64():
    x = R.standard_normal((5, 4))
    t = R.integers(0, 4, 5)
    tm = torch.nn.CrossEntropyLoss(weight=torch.ones(4) * 0.5, label_smoothing=0.1).double()
    em = nn.CrossEntropyLoss(weight=ember.ones(4) * 0.5, label_smoothing=0.1).double()
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict()) == ["weight"]
    assert_close(em(ember.tensor(x), ember.tensor(t)), tm(torch.tensor(x), torch.tensor(t)))


@pytest.mark.parametrize("red", RED)
def test_margin_losses(red):
    x = f32(4, 5)
    t = R.integers(0, 5, 4)
    run("multi_margin_loss", [x, t], {"reduction": red})
    run("multi_margin_loss", [x, t], {"reduction": red, "p": 2, "margin": 0.5,
                                      "weight": probs(5)})
    ml = np.array([[3, 0, -1, 1, 2], [1, 2, 4, -1, 0], [0, -1, 0, 0, 0], [4, 3, 2, 1, 0]])
    run("multilabel_margin_loss", [x, ml], {"reduction": red})
    a, b = f32(6), f32(6)
    y = np.sign(f32(6))
    run("margin_ranking_loss", [a, b, y], {"reduction": red, "margin": 0.2}, grad=(0, 1))
    run("hinge_embedding_loss", [a, y], {"reduction": red, "margin": 0.5})
    run("cosine_embedding_loss", [f32(4, 3), f32(4, 3), np.sign(f32(4))],
        {"reduction": red, "margin": 0.1}, grad=(0, 1))
    run("triplet_margin_loss", [f32(4, 3), f32(4, 3), f32(4, 3)],
        {"reduction": red, "margin": 0.5, "swap": True}, grad=(0, 1, 2))
    run("triplet_margin_loss", [f32(4, 3), f32(4, 3), f32(4, 3)],
        {"reduction": red, "p": 1}, grad=(0, 1, 2))


def test_triplet_with_distance_module():
    for kw in ({}, {"margin": 0.3, "swap": True}):
        tm = torch.nn.TripletMarginWithDistanceLoss(**kw)
        em = nn.TripletMarginWithDistanceLoss(**kw)
        assert repr(em) == repr(tm)
        a, p, n = f32(4, 3), f32(4, 3), f32(4, 3)
        assert_close(em(*map(ember.tensor, (a, p, n))), tm(*map(torch.tensor, (a, p, n))))
    em = nn.TripletMarginWithDistanceLoss(distance_function=lambda x, y: 1 - F.cosine_similarity(x, y))
    tm = torch.nn.TripletMarginWithDistanceLoss(distance_function=lambda x, y: 1 - TF.cosine_similarity(x, y))
    assert_close(em(*map(ember.tensor, (a, p, n))), tm(*map(torch.tensor, (a, p, n))))


@pytest.mark.parametrize("red", RED)
def test_ctc_loss(red):
    t_len, n, c = 12, 3, 5
    lp = torch.randn(t_len, n, c, generator=torch.Generator().manual_seed(0)).log_softmax(2)
    lp_np = lp.detach().numpy()
    targets = np.array([[1, 2, 2, 3], [4, 1, 0, 0], [2, 3, 1, 4]])
    in_lens = np.array([12, 10, 9])
    tgt_lens = np.array([4, 2, 3])
    run("ctc_loss", [lp_np, targets, in_lens, tgt_lens], {"reduction": red}, rtol=1e-4,
        atol=1e-5)
    flat = np.concatenate([targets[i, :tgt_lens[i]] for i in range(n)])
    run("ctc_loss", [lp_np, flat, in_lens, tgt_lens], {"reduction": red, "blank": 0},
        rtol=1e-4, atol=1e-5)


def test_ctc_through_log_softmax_and_zero_infinity():
    x = R.standard_normal((6, 2, 4)).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    ex = ember.tensor(x, requires_grad=True)
    tgt = np.array([[1, 2, 1, 2, 1, 2, 3], [1, 1, 0, 0, 0, 0, 0]])
    lens = (np.array([6, 6]), np.array([7, 2]))   # first is impossible (inf loss)
    tl = TF.ctc_loss(tx.log_softmax(2), torch.tensor(tgt), *map(torch.tensor, lens),
                     zero_infinity=True)
    el = F.ctc_loss(ex.log_softmax(2), ember.tensor(tgt), *map(ember.tensor, lens),
                    zero_infinity=True)
    assert_close(el, tl, rtol=1e-4, atol=1e-5)
    tl.backward()
    el.backward()
    assert_close(ex.grad, tx.grad, rtol=1e-4, atol=1e-5)
    em = nn.CTCLoss(blank=1, zero_infinity=True)
    assert repr(em) == repr(torch.nn.CTCLoss(blank=1, zero_infinity=True))


def test_loss_module_reprs_and_buffers():
    for src in ("L1Loss()", "MSELoss(reduction='sum')", "NLLLoss()", "BCELoss()",
                "BCEWithLogitsLoss()", "KLDivLoss()", "HuberLoss()", "SmoothL1Loss()",
                "SoftMarginLoss()", "MultiLabelSoftMarginLoss()", "MultiLabelMarginLoss()",
                "MultiMarginLoss()", "MarginRankingLoss()", "HingeEmbeddingLoss()",
                "CosineEmbeddingLoss()", "TripletMarginLoss()", "PoissonNLLLoss()",
                "GaussianNLLLoss()", "CTCLoss()"):
        tm, em = eval("torch.nn." + src), eval("nn." + src)
        assert repr(em) == repr(tm)
        assert list(em._buffers) == list(tm._buffers)
        assert em.reduction == tm.reduction
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert nn.L1Loss(size_average=False).reduction == "sum"
        assert nn.L1Loss(reduce=False).reduction == "none"


def _err(fn_t, fn_e):
    with pytest.raises(Exception) as ti:
        fn_t()
    with pytest.raises(Exception) as ei:
        fn_e()
    assert ei.type is ti.type, (ei.value, ti.value)
    assert str(ei.value) == str(ti.value)


def test_bad_inputs_match_torch():
    x = f32(3, 5)
    cases = [
        ("cross_entropy", [x, np.array([1, 2, 3, 4])], {}),
        ("cross_entropy", [x, np.array([1, 2, 7])], {}),
        ("cross_entropy", [x, np.array([1, 2, -3])], {}),
        ("cross_entropy", [f32(2, 5, 4), np.zeros((2, 3), dtype=np.int64)], {}),
        ("cross_entropy", [f32(2, 5, 4, 4), np.zeros((2, 3, 4), dtype=np.int64)], {}),
        ("cross_entropy", [x, np.array([1, 2, 3], dtype=np.int32)], {}),
        ("cross_entropy", [x, np.array([1, 2, 3])], {"reduction": "foo"}),
        ("nll_loss", [x, np.array([1, 2, 3, 4])], {}),
        ("binary_cross_entropy", [probs(3), probs(4)], {}),
        ("binary_cross_entropy_with_logits", [f32(3), probs(4)], {}),
        ("margin_ranking_loss", [f32(3), f32(3, 1), f32(3)], {}),
        ("mse_loss", [x, f32(3, 4)], {}),
    ]
    for name, arrays, kw in cases:
        _err(lambda: getattr(TF, name)(*map(torch.tensor, arrays), **kw),
             lambda: getattr(F, name)(*map(ember.tensor, arrays), **kw))
    with pytest.warns(UserWarning, match="Using a target size"):
        F.mse_loss(ember.tensor(x), ember.tensor(f32(5)))


def test_gradcheck_float64():
    x = ember.tensor(R.standard_normal((4, 3)), requires_grad=True)
    y = ember.tensor(R.standard_normal((4, 3)), requires_grad=True)
    t = ember.tensor(R.integers(0, 3, 4))
    p = ember.tensor(R.uniform(0.1, 0.9, (4, 3)), requires_grad=True)
    gradcheck(lambda a: F.cross_entropy(a, t, label_smoothing=0.1), [x])
    gradcheck(lambda a: F.nll_loss(a, t), [x], second_order=True)
    gradcheck(lambda a, b: F.mse_loss(a, b), [x, y], second_order=True)
    gradcheck(lambda a, b: F.huber_loss(a, b, delta=0.5), [x, y])
    gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b), [x, p], second_order=True)
    gradcheck(lambda a: F.binary_cross_entropy(a, p.detach()), [p])
    gradcheck(lambda a, b: F.kl_div(a, b, reduction="batchmean"), [x, p])
    gradcheck(lambda a, b, c: F.triplet_margin_loss(a, b, c), [x, y, p])
    gradcheck(lambda a, b: F.cosine_embedding_loss(a, b, ember.tensor([1, -1, 1, -1])),
              [x, y])
    gradcheck(lambda a: F.multi_margin_loss(a, t), [x])
    gradcheck(lambda a, b: F.gaussian_nll_loss(a, y.detach(), b), [x, p])
