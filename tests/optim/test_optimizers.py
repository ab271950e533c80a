"""Oracle tests: every optimizer and configuration against torch.optim, step by step."""

import warnings

import numpy as np
import pytest
import torch

import ember
from tests._oracle import to_ember
from tests._oracle import to_torch

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.002, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.05)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), maximize=True, eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adam", dict(lr=0.01, foreach=False, fused=False, capturable=False)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, maximize=True, alpha=0.9)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.01, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, weight_decay=0.05, betas=(0.8, 0.95))),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.05, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.05, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.05, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, weight_decay=0.05, maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, t0=5, lambd=0.01, weight_decay=0.01)),
    ("Rprop", dict(lr=0.01)),
    ("Rprop", dict(lr=0.01, etas=(0.3, 1.5), step_sizes=(1e-4, 0.1), maximize=True)),
]


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "w1": rng.standard_normal((6, 5)).astype(np.float32) * 0.5,
        "b1": rng.standard_normal(5).astype(np.float32) * 0.1,
        "w2": rng.standard_normal((5, 3)).astype(np.float32) * 0.5,
        "x": rng.standard_normal((16, 6)).astype(np.float32),
        "y": rng.standard_normal((16, 3)).astype(np.float32),
    }


def _params(mod, d):
    names = ("w1", "b1", "w2")
    if mod is torch:
        return [torch.tensor(d[n], requires_grad=True) for n in names]
    return [ember.tensor(d[n], requires_grad=True) for n in names]


def _loss(mod, params, d, x=None, y=None):
    w1, b1, w2 = params
    x = mod.tensor(d["x"]) if x is None else x
    y = mod.tensor(d["y"]) if y is None else y
    h = (x @ w1 + b1).relu()
    diff = h @ w2 - y
    return (diff * diff).mean() + (w1 * w1).sum() * 0.01


def _assert_params(ep, tp, step, rtol=2e-5, atol=2e-6):
    for i, (e, t) in enumerate(zip(ep, tp)):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"param {i} after step {step}")


def _run(name, kwargs, steps=30, groups=False):
    d = _data()
    tp, ep = _params(torch, d), _params(ember, d)
    if groups:
        tp_arg = [{"params": tp[:2]}, {"params": tp[2:], "lr": kwargs["lr"] * 0.5}]
        ep_arg = [{"params": ep[:2]}, {"params": ep[2:], "lr": kwargs["lr"] * 0.5}]
    else:
        tp_arg, ep_arg = tp, ep
    topt = getattr(torch.optim, name)(tp_arg, **kwargs)
    eopt = getattr(ember.optim, name)(ep_arg, **kwargs)
    for step in range(steps):
        topt.zero_grad()
        eopt.zero_grad()
        _loss(torch, tp, d).backward()
        _loss(ember, ep, d).backward()
        topt.step()
        eopt.step()
        _assert_params(ep, tp, step)
    return topt, eopt, tp, ep, d


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in
                                                      enumerate(CONFIGS)])
def test_matches_torch_30_steps(name, kwargs):
    topt, eopt, *_ = _run(name, kwargs)
    _assert_state_dicts_equal(eopt.state_dict(), topt.state_dict())


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_param_groups_with_own_lr(name):
    kwargs = {"lr": 0.05, "momentum": 0.9} if name == "SGD" else {"lr": 0.01}
    topt, eopt, *_ = _run(name, kwargs, steps=10, groups=True)
    _assert_state_dicts_equal(eopt.state_dict(), topt.state_dict())


def _assert_state_dicts_equal(esd, tsd):
    assert set(esd) == set(tsd) == {"state", "param_groups"}
    assert esd["param_groups"] == tsd["param_groups"]
    assert set(esd["state"]) == set(tsd["state"])
    for k, tstate in tsd["state"].items():
        estate = esd["state"][k]
        assert set(estate) == set(tstate), (estate.keys(), tstate.keys())
        for key, tv in tstate.items():
            ev = estate[key]
            if isinstance(tv, torch.Tensor):
                assert isinstance(ev, ember.Tensor), key
                assert tuple(ev.shape) == tuple(tv.shape), key
                assert str(ev.dtype) == str(tv.dtype), (key, ev.dtype, tv.dtype)
                np.testing.assert_allclose(ev.numpy(), tv.numpy(), rtol=2e-5, atol=2e-6)
            else:
                assert ev == tv, key


def _convert_sd(sd, conv):
    return {"state": {k: {n: conv(v) for n, v in s.items()} for k, s in sd["state"].items()},
            "param_groups": [dict(g) for g in sd["param_groups"]]}


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.05, momentum=0.9)),
                                         ("Adam", dict(lr=0.01, amsgrad=True)),
                                         ("AdamW", dict(lr=0.01)),
                                         ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
                                         ("NAdam", dict(lr=0.01)),
                                         ("ASGD", dict(lr=0.05, t0=3)),
                                         ("Rprop", dict(lr=0.01)),
                                         ("Adagrad", dict(lr=0.1))])
def test_state_dict_moves_between_frameworks(name, kwargs):
    """torch state_dict -> ember load_state_dict continues identically, and back."""
    topt, eopt, tp, ep, d = _run(name, kwargs, steps=5)
    # fresh ember optimizer over copies of torch's weights, loaded with torch's state
    ep2 = [ember.tensor(t.detach().numpy().copy(), requires_grad=True) for t in tp]
    eopt2 = getattr(ember.optim, name)(ep2, **kwargs)
    eopt2.load_state_dict(_convert_sd(topt.state_dict(), lambda v: to_ember(v)
                                      if isinstance(v, torch.Tensor) else v))
    # and a fresh torch optimizer loaded from ember's state
    tp2 = [torch.tensor(e.detach().numpy().copy(), requires_grad=True) for e in ep]
    topt2 = getattr(torch.optim, name)(tp2, **kwargs)
    topt2.load_state_dict(_convert_sd(eopt.state_dict(), lambda v: to_torch(v)
                                      if isinstance(v, ember.Tensor) else v))
    for step in range(10):
        for opt in (topt, eopt2, topt2):
            opt.zero_grad()
        _loss(torch, tp, d).backward()
        _loss(torch, tp2, d).backward()
        _loss(ember, ep2, d).backward()
        topt.step()
        topt2.step()
        eopt2.step()
        _assert_params(ep2, tp, step)
        _assert_params(ep2, tp2, step)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_matches_torch(line_search_fn):
    d = _data(1)
    tp, ep = _params(torch, d), _params(ember, d)
    kw = dict(lr=0.5, max_iter=5, history_size=4, line_search_fn=line_search_fn)
    topt, eopt = torch.optim.LBFGS(tp, **kw), ember.optim.LBFGS(ep, **kw)

    def closure(mod, opt, params):
        def f():
            opt.zero_grad()
            loss = _loss(mod, params, d)
            loss.backward()
            return loss
        return f

    for step in range(6):
        tl = topt.step(closure(torch, topt, tp))
        el = eopt.step(closure(ember, eopt, ep))
        np.testing.assert_allclose(float(el), tl.item(), rtol=1e-4)
        _assert_params(ep, tp, step, rtol=5e-4, atol=5e-5)
    ts, es = topt.state_dict()["state"][0], eopt.state_dict()["state"][0]
    assert es["func_evals"] == ts["func_evals"] and es["n_iter"] == ts["n_iter"]
    assert set(es) == set(ts)


def test_step_hooks_zero_grad_and_closure():
    d = _data()
    ep = _params(ember, d)
    opt = ember.optim.SGD(ep, lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append(("pre", o is opt)))
    opt.register_step_post_hook(lambda o, a, k: calls.append(("post", o is opt)))
    loss = opt.step(lambda: _loss(ember, ep, d).backward() or 3.0)
    assert loss == 3.0 and calls == [("pre", True), ("post", True)]
    h1.remove()
    opt.step()
    assert calls[-1] == ("post", True) and len(calls) == 3
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and float((p.grad * p.grad).sum()) == 0 for p in ep)
    opt.zero_grad()
    assert all(p.grad is None for p in ep)


def test_add_param_group_and_repr():
    d = _data()
    tp, ep = _params(torch, d), _params(ember, d)
    topt = torch.optim.Adam(tp[:1], lr=0.01)
    eopt = ember.optim.Adam(ep[:1], lr=0.01)
    topt.add_param_group({"params": tp[1:], "lr": 0.5})
    eopt.add_param_group({"params": ep[1:], "lr": 0.5})
    assert repr(eopt) == repr(topt)
    assert eopt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]
    with pytest.raises(ValueError, match="some parameters appear in more than one"):
        eopt.add_param_group({"params": ep[:1]})


def test_named_parameters_groups():
    d = _data()
    tp, ep = _params(torch, d), _params(ember, d)
    topt = torch.optim.SGD([("a", tp[0]), ("b", tp[1])], lr=0.1)
    eopt = ember.optim.SGD([("a", ep[0]), ("b", ep[1])], lr=0.1)
    assert eopt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]


def _raises_same(fn_t, fn_e):
    with pytest.raises(Exception) as te:
        fn_t()
    with pytest.raises(Exception) as ee:
        fn_e()
    assert type(ee.value) is type(te.value)
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=-1)), ("SGD", dict(lr=0.1, momentum=-0.5)),
    ("SGD", dict(lr=0.1, weight_decay=-1)), ("SGD", dict(lr=0.1, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, fused=True, foreach=True)),
    ("Adam", dict(lr=-0.1)), ("Adam", dict(betas=(1.0, 0.9))), ("Adam", dict(betas=(0.9, -1.0))),
    ("Adam", dict(eps=-1e-8)), ("Adam", dict(weight_decay=-1)),
    ("Adam", dict(fused=True, foreach=True)),
    ("AdamW", dict(betas=(0.9, 1.5))), ("RMSprop", dict(alpha=-1)),
    ("RMSprop", dict(momentum=-1)), ("Adagrad", dict(lr_decay=-1)),
    ("Adagrad", dict(initial_accumulator_value=-1)), ("Adadelta", dict(rho=1.5)),
    ("Adamax", dict(betas=(0.9, 1.0))), ("NAdam", dict(momentum_decay=-1)),
    ("RAdam", dict(eps=-1)), ("ASGD", dict(weight_decay=-1)), ("Rprop", dict(etas=(1.5, 2.0))),
    ("LBFGS", dict(lr=-1)), ("SparseAdam", dict(lr=0.0)),
])
def test_invalid_hyperparameters(name, kwargs):
    _raises_same(lambda: getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)],
                                                     **kwargs),
                 lambda: getattr(ember.optim, name)([ember.zeros(2, requires_grad=True)],
                                                    **kwargs))


def test_bad_params():
    tl = torch.zeros(3, requires_grad=True)
    el = ember.zeros(3, requires_grad=True)
    _raises_same(lambda: torch.optim.SGD([], lr=0.1), lambda: ember.optim.SGD([], lr=0.1))
    _raises_same(lambda: torch.optim.SGD([tl * 2], lr=0.1),
                 lambda: ember.optim.SGD([el * 2], lr=0.1))
    _raises_same(lambda: torch.optim.SGD(tl, lr=0.1), lambda: ember.optim.SGD(el, lr=0.1))
    _raises_same(lambda: torch.optim.SGD([1.0], lr=0.1), lambda: ember.optim.SGD([1.0], lr=0.1))
    _raises_same(lambda: torch.optim.SGD([{"params": {tl}}], lr=0.1),
                 lambda: ember.optim.SGD([{"params": {el}}], lr=0.1))
    _raises_same(lambda: torch.optim.LBFGS([{"params": [tl]}, {"params": [tl * 1]}]),
                 lambda: ember.optim.LBFGS([{"params": [el]}, {"params": [el * 1]}]))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ember.optim.SGD([el, el], lr=0.1)
    assert any("duplicate parameters" in str(x.message) for x in w)
    topt, eopt = torch.optim.SGD([tl], lr=0.1), ember.optim.SGD([el], lr=0.1)
    bad = {"state": {}, "param_groups": [{"params": [0, 1], **{k: v for k, v in
                                                              topt.defaults.items()}}]}
    _raises_same(lambda: topt.load_state_dict(bad), lambda: eopt.load_state_dict(bad))

