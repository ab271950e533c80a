"""ember.nn.utils.prune against torch.nn.utils.prune (same seeds: same weights, same masks)."""

import numpy as np
import pytest
import torch
import torch.nn.utils.prune as tprune

import ember
import ember.nn.utils.prune as eprune
from tests._oracle import assert_close


def _pair(make, seed=0):
    torch.manual_seed(seed)
    t = make(torch)
    ember.manual_seed(seed)
    e = make(ember)
    for (n, a), (_, b) in zip(t.named_parameters(), e.named_parameters()):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy()), n  # torch's generator
    return t, e


def _conv(m):
    return m.nn.Conv2d(3, 6, 3)


def _same_state(t, e):
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    for (n, a), (_, b) in zip(t.named_buffers(), e.named_buffers()):
        assert_close(b, a)
    assert_close(e.weight.detach(), t.weight.detach())
    assert eprune.is_pruned(e) == tprune.is_pruned(t)


CASES = [
    ("l1_unstructured", dict(amount=0.3)),
    ("l1_unstructured", dict(amount=7)),
    ("random_unstructured", dict(amount=0.5)),
    ("random_unstructured", dict(amount=0)),
    ("ln_structured", dict(amount=0.5, n=2, dim=0)),
    ("ln_structured", dict(amount=1, n=1, dim=1)),
    ("ln_structured", dict(amount=2, n=float("inf"), dim=-1)),
    ("random_structured", dict(amount=0.5, dim=0)),
    ("random_structured", dict(amount=2, dim=1)),
    ("identity", dict()),
]


@pytest.mark.parametrize("fn,kw", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_prune_methods_match_torch(fn, kw):
    t, e = _pair(_conv)
    torch.manual_seed(1)
    ember.manual_seed(1)
    getattr(tprune, fn)(t, "weight", **kw)
    getattr(eprune, fn)(e, "weight", **kw)
    _same_state(t, e)
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    assert_close(e(ember.tensor(x)), t(torch.from_numpy(x)), atol=1e-5, rtol=1e-5)


def test_iterative_pruning_container_and_remove():
    t, e = _pair(_conv)
    for mod, pr in ((t, tprune), (e, eprune)):
        (torch if mod is t else ember).manual_seed(3)
        pr.l1_unstructured(mod, "weight", amount=0.2)
        pr.ln_structured(mod, "weight", amount=0.5, n=2, dim=0)
        pr.random_unstructured(mod, "weight", amount=0.25)
        pr.l1_unstructured(mod, "bias", amount=3)
    hooks_t = [type(h).__name__ for h in t._forward_pre_hooks.values()]
    hooks_e = [type(h).__name__ for h in e._forward_pre_hooks.values()]
    assert hooks_e == hooks_t == ["PruningContainer", "L1Unstructured"]
    assert [type(m).__name__ for m in list(e._forward_pre_hooks.values())[0]] == \
        ["L1Unstructured", "LnStructured", "RandomUnstructured"]
    _same_state(t, e)
    tprune.remove(t, "weight")
    eprune.remove(e, "weight")
    _same_state(t, e)
    assert isinstance(e.weight, ember.nn.Parameter)
    assert eprune.is_pruned(e) and tprune.is_pruned(t)
    tprune.remove(t, "bias")
    eprune.remove(e, "bias")
    assert not eprune.is_pruned(e)
    _same_state(t, e)
    with pytest.raises(ValueError, match="has to be pruned before pruning can be removed"):
        eprune.remove(e, "weight")


def test_hook_recomputes_and_grad_flows_to_orig():
    _, e = _pair(_conv)
    eprune.l1_unstructured(e, "weight", amount=0.5)
    with ember.no_grad():
        e.weight_orig.fill_(2.0)
    e(ember.ones(1, 3, 5, 5)).sum().backward()
    assert int((e.weight == 2.0).sum()) == e.weight.numel() - int((e.weight_mask == 0).sum())
    g = e.weight_orig.grad
    assert g is not None and bool((g[e.weight_mask == 0] == 0).all())


def test_global_unstructured_and_custom_mask_match_torch():
    def make(m):
        return m.nn.Sequential(m.nn.Linear(6, 5), m.nn.ReLU(), m.nn.Linear(5, 3))

    t, e = _pair(make)
    tprune.global_unstructured([(t[0], "weight"), (t[2], "weight")],
                               pruning_method=tprune.L1Unstructured, amount=0.4)
    eprune.global_unstructured([(e[0], "weight"), (e[2], "weight")],
                               pruning_method=eprune.L1Unstructured, amount=0.4)
    for i in (0, 2):
        _same_state(t[i], e[i])
    mask = np.random.default_rng(0).integers(0, 2, (5,)).astype(np.float32)
    tprune.custom_from_mask(t[0], "bias", torch.from_numpy(mask))
    eprune.custom_from_mask(e[0], "bias", ember.tensor(mask))
    assert_close(e[0].bias.detach(), t[0].bias.detach())
    sd_t, sd_e = t.state_dict(), e.state_dict()
    assert list(sd_e) == list(sd_t)


def test_prune_method_standalone_and_errors():
    w = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    assert_close(eprune.L1Unstructured(amount=0.5).prune(ember.tensor(w)),
                 tprune.L1Unstructured(amount=0.5).prune(torch.from_numpy(w)))
    lin = ember.nn.Linear(3, 2)
    with pytest.raises(ValueError, match="should either be a float in the range"):
        eprune.l1_unstructured(lin, "weight", amount=1.5)
    with pytest.raises(TypeError, match="Invalid type for amount"):
        eprune.l1_unstructured(lin, "weight", amount="x")
    with pytest.raises(ValueError, match="should be smaller than the number of parameters"):
        eprune.l1_unstructured(lin, "weight", amount=7)
    assert [n for n, _ in lin.named_parameters()] == ["bias", "weight"]  # restored (at the end), as torch
    with pytest.raises(ValueError, match="Structured pruning can only be applied"):
        eprune.ln_structured(lin, "bias", amount=1, n=2, dim=0)
    with pytest.raises(TypeError, match='Only "unstructured" PRUNING_TYPE'):
        eprune.global_unstructured([(lin, "weight")], pruning_method=eprune.LnStructured,
                                   amount=1, n=2, dim=0)
