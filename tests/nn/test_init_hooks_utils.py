"""nn.init distributions, module hooks, nested reprs, nn.utils against torch, and float64
gradchecks of the functional forms."""

import math
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests._gradcheck import gradcheck
from tests._oracle import assert_close
from tests.nn._util import check_module
from tests.nn._util import copy_state

R = np.random.default_rng(2)


# ---------------------------------------------------------------------------- init
def test_calculate_gain_matches_torch():
    for nl, p in (("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                  ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)):
        assert nn.init.calculate_gain(nl, p) == torch.nn.init.calculate_gain(nl, p)
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        nn.init.calculate_gain("foo")


def _stats(t):
    a = t.detach().numpy().ravel()
    return a.min(), a.max(), a.mean(), a.std()


def test_init_distributions():
    w = ember.empty(400, 300)
    fan_in, fan_out = 300, 400
    b = math.sqrt(6 / (fan_in + fan_out))
    lo, hi, m, s = _stats(nn.init.xavier_uniform_(w))
    assert -b <= lo and hi <= b and abs(m) < 0.01 and abs(s - b / math.sqrt(3)) < 0.01 * b
    lo, hi, m, s = _stats(nn.init.xavier_normal_(w, gain=2.0))
    assert abs(s - 2 * math.sqrt(2 / (fan_in + fan_out))) < 0.01 * s
    bound = math.sqrt(3) * math.sqrt(2) / math.sqrt(fan_in)
    lo, hi, m, s = _stats(nn.init.kaiming_uniform_(w, nonlinearity="relu"))
    assert -bound <= lo and hi <= bound and abs(s - bound / math.sqrt(3)) < 0.01 * bound
    lo, hi, m, s = _stats(nn.init.kaiming_normal_(w, mode="fan_out"))
    assert abs(s - torch.nn.init.calculate_gain("leaky_relu", 0) / math.sqrt(fan_out)) < 0.01 * s
    lo, hi, m, s = _stats(nn.init.trunc_normal_(w, mean=1.0, std=2.0, a=-1.0, b=2.0))
    tt = torch.nn.init.trunc_normal_(torch.empty(400, 300), mean=1.0, std=2.0, a=-1.0, b=2.0)
    assert -1.0 <= lo and hi <= 2.0 and abs(m - tt.mean().item()) < 0.02
    assert abs(s - tt.std().item()) < 0.02
    lo, hi, m, s = _stats(nn.init.uniform_(w, -2, 3))
    assert -2 <= lo and hi <= 3 and abs(m - 0.5) < 0.02
    lo, hi, m, s = _stats(nn.init.normal_(w, 1.0, 0.5))
    assert abs(m - 1.0) < 0.01 and abs(s - 0.5) < 0.01
    assert float(nn.init.constant_(w, 0.3).numpy().max()) == np.float32(0.3)
    assert float(nn.init.zeros_(w).numpy().max()) == 0.0
    assert float(nn.init.ones_(w).numpy().min()) == 1.0
    assert nn.init.uniform_(w) is w
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed"):
        nn.init.xavier_uniform_(ember.empty(3))
    with pytest.raises(ValueError, match="Mode fan_foo not supported"):
        nn.init.kaiming_uniform_(w, mode="fan_foo")


def test_init_structured_and_no_grad():
    p = nn.Parameter(ember.empty(3, 5))
    nn.init.eye_(p)
    np.testing.assert_array_equal(p.detach().numpy(), torch.nn.init.eye_(torch.empty(3, 5)))
    assert p.grad_fn is None and p.requires_grad
    w = ember.empty(4, 2, 3, 3)
    tw = torch.empty(4, 2, 3, 3)
    np.testing.assert_array_equal(nn.init.dirac_(w, groups=2).numpy(),
                                  torch.nn.init.dirac_(tw, groups=2).numpy())
    q = nn.init.orthogonal_(ember.empty(6, 4), gain=2.0).numpy().astype(np.float64)
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(4), atol=1e-5)
    q = nn.init.orthogonal_(ember.empty(3, 2, 4)).numpy().reshape(3, 8).astype(np.float64)
    np.testing.assert_allclose(q @ q.T, np.eye(3), atol=1e-5)
    s = nn.init.sparse_(ember.empty(10, 6), sparsity=0.3).numpy()
    assert ((s == 0).sum(0) >= 3).all()
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        nn.init.eye_(ember.empty(2, 2, 2))


def test_default_layer_init_distributions():
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    lo, hi, m, s = _stats(lin.weight)
    assert -bound <= lo and hi <= bound and abs(s - bound / math.sqrt(3)) < 0.02 * bound
    assert hi > 0.95 * bound
    lo, hi, _, _ = _stats(lin.bias)
    assert -bound <= lo and hi <= bound
    bl = nn.Bilinear(50, 20, 30)
    lo, hi, _, s = _stats(bl.weight)
    assert -1 / math.sqrt(50) <= lo and hi <= 1 / math.sqrt(50)
    emb = nn.Embedding(1000, 100)
    _, _, m, s = _stats(emb.weight)
    assert abs(m) < 0.02 and abs(s - 1) < 0.02
    assert float(nn.PReLU(3).weight.detach().numpy().max()) == np.float32(0.25)
    bn = nn.BatchNorm1d(4)
    assert (bn.weight.detach().numpy() == 1).all() and (bn.bias.detach().numpy() == 0).all()


# ---------------------------------------------------------------------------- hooks
def _hooked(nnm, log):
    m = nnm.Linear(3, 2)

    def pre(mod, args):
        log.append("pre")
        return (args[0] * 2,)

    def pre_kw(mod, args, kwargs):
        log.append(("pre_kw", sorted(kwargs)))
        return None

    def post(mod, args, out):
        log.append("post")
        return out + 1

    def post_kw(mod, args, kwargs, out):
        log.append("post_kw")

    def first(mod, args, out):
        log.append("first")

    m.register_forward_pre_hook(pre)
    m.register_forward_pre_hook(pre_kw, with_kwargs=True)
    m.register_forward_hook(post)
    m.register_forward_hook(post_kw, with_kwargs=True)
    h = m.register_forward_hook(first, prepend=True)
    return m, h


def test_forward_hooks_order_kwargs_and_removal():
    tlog, elog = [], []
    tm, th = _hooked(torch.nn, tlog)
    em, eh = _hooked(nn, elog)
    copy_state(tm, em)
    x = R.standard_normal((4, 3)).astype(np.float32)
    assert_close(em(ember.tensor(x)), tm(torch.tensor(x)))
    assert elog == tlog
    eh.remove()
    th.remove()
    elog.clear()
    tlog.clear()
    em(ember.tensor(x))
    tm(torch.tensor(x))
    assert elog == tlog and "first" not in elog


def test_always_call_hook_runs_on_error():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    seen = []
    m = Boom()
    m.register_forward_hook(lambda mod, a, o: seen.append("always"), always_call=True)
    m.register_forward_hook(lambda mod, a, o: seen.append("normal"))
    with pytest.raises(ValueError, match="boom"):
        m(ember.ones(1))
    assert seen == ["always"]


def test_full_backward_hooks_match_torch():
    def build(nnm, log):
        m = nnm.Sequential(nnm.Linear(3, 4), nnm.Tanh(), nnm.Linear(4, 2))

        def pre(mod, gout):
            log.append(("pre", [tuple(g.shape) for g in gout]))
            return (gout[0] * 3,)

        def hook(mod, gin, gout):
            log.append(("bw", [None if g is None else tuple(g.shape) for g in gin],
                        [tuple(g.shape) for g in gout]))
            return (gin[0] * 0.5,)

        m[2].register_full_backward_pre_hook(pre)
        m[2].register_full_backward_hook(hook)
        m[0].register_full_backward_hook(hook)
        return m

    tlog, elog = [], []
    tm, em = build(torch.nn, tlog), build(nn, elog)
    copy_state(tm, em)
    x = R.standard_normal((5, 3)).astype(np.float32)
    check_module(tm, em, [x], copy=False)
    assert elog == tlog


def test_state_dict_hooks_and_global_forward_hook():
    m = nn.Linear(2, 2)
    m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: sd.__setitem__("x", 1))
    assert "x" in m.state_dict()
    calls = []
    m.register_load_state_dict_post_hook(lambda mod, keys: calls.append(list(keys.missing_keys)))
    m.load_state_dict({"weight": ember.zeros(2, 2)}, strict=False)
    assert calls == [["bias"]]
    seen = []
    h = nn.modules.module.register_module_forward_hook(lambda mod, a, o: seen.append(1))
    try:
        nn.ReLU()(ember.ones(1))
    finally:
        h.remove()
    nn.ReLU()(ember.ones(1))
    assert seen == [1]


# ---------------------------------------------------------------------------- reprs
def _seed_models(nnm):
    class FeedForwardNet(nnm.Module):
        def __init__(self):
            super().__init__()
            self.net = nnm.Sequential(nnm.Linear(10, 32), nnm.ReLU(), nnm.Dropout(0.1),
                                      nnm.Linear(32, 32), nnm.GELU(approximate="tanh"),
                                      nnm.LayerNorm(32), nnm.Linear(32, 3))
            self.blocks = nnm.ModuleList([nnm.Linear(4, 4) for _ in range(3)] + [nnm.ReLU()])
            self.heads = nnm.ModuleDict({"a": nnm.Linear(3, 1), "b": nnm.Identity()})
            self.params = nnm.ParameterList([nnm.Parameter(
                (torch if nnm is torch.nn else ember).ones(2, 3))])
            self.pdict = nnm.ParameterDict({"s": nnm.Parameter(
                (torch if nnm is torch.nn else ember).ones(4))})
            self.bn = nnm.BatchNorm1d(3)
            self.emb = nnm.Embedding(10, 4, padding_idx=0)
            self.loss = nnm.CrossEntropyLoss(label_smoothing=0.1)
            self.empty = nnm.Sequential()

    return FeedForwardNet()


def test_nested_repr_matches_torch():
    assert repr(_seed_models(nn)) == repr(_seed_models(torch.nn))
    assert list(_seed_models(nn).state_dict()) == list(_seed_models(torch.nn).state_dict())


def test_containers():
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    s.append(nn.Linear(3, 1))
    s.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in s] == ["Linear", "Tanh", "ReLU", "Linear"]
    assert isinstance(s[1:3], nn.Sequential) and len(s[1:3]) == 2 and s[-1] is s[3]
    del s[1]
    assert list(s._modules) == ["0", "1", "2"]
    s.extend([nn.Sigmoid()])
    assert len(s) == 4 and s(ember.ones(5, 2)).shape == (5, 1)
    with pytest.raises(IndexError, match="index 9 is out of range"):
        s[9]
    ml = nn.ModuleList([nn.ReLU()])
    ml += [nn.Tanh()]
    ml.insert(0, nn.Sigmoid())
    assert [type(m).__name__ for m in ml] == ["Sigmoid", "ReLU", "Tanh"]
    assert ml.pop(1).__class__.__name__ == "ReLU" and len(ml) == 2
    md = nn.ModuleDict([("a", nn.ReLU())])
    md["b"] = nn.Tanh()
    assert list(md.keys()) == ["a", "b"] and "a" in md and len(md) == 2
    pl = nn.ParameterList([ember.ones(2), nn.Parameter(ember.zeros(3))])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(list(pl.parameters())) == 2
    pd = nn.ParameterDict({"b": ember.ones(1), "a": ember.ones(2)})
    tpd = torch.nn.ParameterDict({"b": torch.ones(1), "a": torch.ones(2)})
    assert list(pd.keys()) == list(tpd.keys())
    assert repr(pd) == repr(tpd)


# ---------------------------------------------------------------------------- utils
def _grads_pair():
    tm = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Linear(5, 2))
    em = nn.Sequential(nn.Linear(4, 5), nn.Linear(5, 2))
    check_module(tm, em, [R.standard_normal((3, 4)).astype(np.float32) * 10])
    return tm, em


@pytest.mark.parametrize("norm_type", [2.0, 1, float("inf"), 3.0])
def test_clip_grad_norm(norm_type):
    tm, em = _grads_pair()
    tn = torch.nn.utils.clip_grad_norm_(tm.parameters(), 0.5, norm_type)
    en = nn.utils.clip_grad_norm_(em.parameters(), 0.5, norm_type)
    assert_close(en, tn, rtol=1e-5, atol=1e-6)
    for (n, tp), ep in zip(tm.named_parameters(), em.parameters()):
        assert_close(ep.grad, tp.grad, rtol=1e-5, atol=1e-6)


def test_clip_grad_value_and_nonfinite():
    tm, em = _grads_pair()
    torch.nn.utils.clip_grad_value_(tm.parameters(), 0.1)
    nn.utils.clip_grad_value_(em.parameters(), 0.1)
    for tp, ep in zip(tm.parameters(), em.parameters()):
        assert_close(ep.grad, tp.grad)
    p = nn.Parameter(ember.ones(2))
    p.grad = ember.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    total = nn.utils.get_total_norm([ember.tensor([3.0]), ember.tensor([4.0])])
    assert abs(float(total) - 5.0) < 1e-6


def test_parameters_vector_round_trip():
    em = nn.Linear(3, 2)
    v = nn.utils.parameters_to_vector(em.parameters())
    assert v.shape == (8,)
    nn.utils.vector_to_parameters(ember.arange(8.0), em.parameters())
    assert em.weight[0, 1].item() == 1.0 and em.bias[1].item() == 7.0
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: int"):
        nn.utils.vector_to_parameters(3, em.parameters())


def test_weight_norm_parametrization_matches_torch():
    tm = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(4, 3))
    em = nn.utils.parametrizations.weight_norm(nn.Linear(4, 3))
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    check_module(tm, em, [R.standard_normal((5, 4)).astype(np.float32)])
    assert_close(em.weight, tm.weight)
    nn.utils.parametrize.remove_parametrizations(em, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(tm, "weight")
    assert type(em) is nn.Linear and list(em.state_dict()) == list(tm.state_dict())
    assert_close(em.weight, tm.weight)


def test_spectral_norm_parametrization_matches_torch():
    tm = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(4, 3))
    em = nn.utils.parametrizations.spectral_norm(nn.Linear(4, 3))
    assert list(em.state_dict()) == list(tm.state_dict())
    check_module(tm, em, [R.standard_normal((5, 4)).astype(np.float32)], rtol=1e-4)
    tm.eval()
    em.eval()
    assert_close(em.weight, tm.weight, rtol=1e-4, atol=1e-5)
    w = em.weight.detach().numpy().astype(np.float64)
    assert abs(np.linalg.svd(w, compute_uv=False)[0] - 1) < 0.05


def test_old_weight_norm_and_spectral_norm_hooks():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = torch.nn.utils.weight_norm(torch.nn.Linear(4, 3))
        em = nn.utils.weight_norm(nn.Linear(4, 3))
    assert list(em.state_dict()) == list(tm.state_dict())
    check_module(tm, em, [R.standard_normal((5, 4)).astype(np.float32)])
    nn.utils.remove_weight_norm(em)
    assert "weight" in em._parameters
    ts = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3))
    es = nn.utils.spectral_norm(nn.Linear(4, 3))
    assert sorted(es.state_dict()) == sorted(ts.state_dict())
    check_module(ts, es, [R.standard_normal((5, 4)).astype(np.float32)], rtol=1e-4)


def test_custom_parametrization_cached_and_remove():
    class Sym(nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(0, 1)

    m = nn.Linear(3, 3)
    nn.utils.parametrize.register_parametrization(m, "weight", Sym())
    assert type(m).__name__ == "ParametrizedLinear"
    assert nn.utils.parametrize.is_parametrized(m, "weight")
    w = m.weight.detach().numpy()
    np.testing.assert_allclose(w, w.T)
    with nn.utils.parametrize.cached():
        assert m.weight is m.weight
    nn.utils.parametrize.remove_parametrizations(m, "weight", leave_parametrized=True)
    assert type(m) is nn.Linear
    np.testing.assert_allclose(m.weight.detach().numpy(), w)


def test_fuse_conv_bn_eval():
    if not hasattr(nn, "Conv2d"):
        pytest.skip("Conv2d not available yet")
    tc, tb = torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4)
    ec, eb = nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)
    x = R.standard_normal((2, 3, 6, 6)).astype(np.float32)
    tb(tc(torch.tensor(x)))  # non-trivial running stats
    copy_state(tc, ec)
    copy_state(tb, eb)
    tc.eval(), tb.eval(), ec.eval(), eb.eval()
    tf = torch.nn.utils.fuse_conv_bn_eval(tc, tb)
    ef = nn.utils.fuse_conv_bn_eval(ec, eb)
    assert_close(ef(ember.tensor(x)), tf(torch.tensor(x)), rtol=1e-4, atol=1e-5)
    unfused = eb(ec(ember.tensor(x))).detach().numpy()
    assert_close(ef(ember.tensor(x)), torch.tensor(unfused), rtol=1e-4, atol=1e-5)


def test_fuse_linear_bn_eval():
    tl, tb = torch.nn.Linear(3, 4).eval(), torch.nn.BatchNorm1d(4).eval()
    tb.running_mean.uniform_()
    el, eb = nn.Linear(3, 4).eval(), nn.BatchNorm1d(4).eval()
    copy_state(tl, el)
    copy_state(tb, eb)
    x = R.standard_normal((2, 3)).astype(np.float32)
    ef = nn.utils.fuse_linear_bn_eval(el, eb)
    assert_close(ef(ember.tensor(x)), tb(tl(torch.tensor(x))), rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------------------- gradchecks
def _x(*shape, pos=False):
    a = R.standard_normal(shape)
    return ember.tensor(np.abs(a) + 0.5 if pos else a, requires_grad=True)


@pytest.mark.parametrize("fn", [
    lambda x: F.softmax(x, 1), lambda x: F.log_softmax(x, 0), lambda x: F.gelu(x),
    lambda x: F.gelu(x, approximate="tanh"), lambda x: F.silu(x), lambda x: F.mish(x),
    lambda x: F.elu(x, 0.5), lambda x: F.selu(x), lambda x: F.celu(x, 2.0),
    lambda x: F.leaky_relu(x, 0.1), lambda x: F.softplus(x, 2.0), lambda x: F.softsign(x),
    lambda x: F.logsigmoid(x), lambda x: F.hardswish(x), lambda x: F.tanhshrink(x),
    lambda x: F.glu(x, 1), lambda x: F.normalize(x), lambda x: F.softmin(x, 1),
    lambda x: F.local_response_norm(x.unsqueeze(0), 2),
    lambda x: F.pixel_shuffle(x.reshape(1, 4, 3, 1), 2), lambda x: F.pdist(x),
], ids=lambda f: "fn")
def test_gradcheck_elementwise(fn):
    gradcheck(fn, [_x(3, 4)], second_order=True)


def test_gradcheck_layers():
    x, w, b = _x(3, 4), _x(5, 4), _x(5)
    gradcheck(lambda x, w, b: F.linear(x, w, b), [x, w, b], second_order=True)
    gradcheck(lambda x, w, b: F.bilinear(x, x, ember.stack([w[:4]] * 2), b[:2]), [x, w, b])
    g, bb = _x(4), _x(4)
    gradcheck(lambda x, g, bb: F.layer_norm(x, (4,), g, bb), [x, g, bb])
    gradcheck(lambda x, g, bb: F.batch_norm(x, None, None, g, bb, training=True), [x, g, bb])
    gradcheck(lambda x, g, bb: F.group_norm(x.reshape(3, 4, 1), 2, g, bb), [x, g, bb])
    gradcheck(lambda x, g: F.rms_norm(x, (4,), g), [x, g], second_order=True)
    gradcheck(lambda x, g, bb: F.instance_norm(x.reshape(3, 4, 1).repeat(1, 1, 3) * x.reshape(
        3, 4, 1), weight=g, bias=bb), [x, g, bb])
    gradcheck(lambda w: F.embedding(ember.tensor([[0, 2], [4, 2]]), w), [w],
              second_order=True)
    gradcheck(lambda a, b2: F.cosine_similarity(a, b2), [x, _x(3, 4)])
    gradcheck(lambda a, b2: F.pairwise_distance(a, b2), [x, _x(3, 4)])
    gradcheck(lambda x, w: F.prelu(x, w), [x, _x(4)])


def test_fused_layer_norm_is_twice_differentiable():
    import torch

    x = _x(3, 4)
    y = F.layer_norm(x, (4,))
    (g,) = ember.autograd.grad((y * y * y).sum(), [x], create_graph=True)
    g.sum().backward()
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    ty = torch.nn.functional.layer_norm(tx, (4,))
    (tg,) = torch.autograd.grad((ty * ty * ty).sum(), [tx], create_graph=True)
    tg.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
