"""Oracle tests: every scheduler's lr sequence over 100 steps equals torch's."""

import math
import warnings

import pytest
import torch

import ember

S = "lr_scheduler"


def _opts(name="SGD", two_groups=False, **kw):
    kw = kw or {"lr": 0.1, "momentum": 0.9}
    tp = [torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)]
    ep = [ember.zeros(2, requires_grad=True), ember.zeros(2, requires_grad=True)]
    if two_groups:
        targ = [{"params": tp[:1]}, {"params": tp[1:], "lr": kw["lr"] * 3}]
        earg = [{"params": ep[:1]}, {"params": ep[1:], "lr": kw["lr"] * 3}]
    else:
        targ, earg = tp, ep
    return getattr(torch.optim, name)(targ, **kw), getattr(ember.optim, name)(earg, **kw)


def _lam(e):
    return 0.95 ** e


def _mul(e):
    return 0.97


CASES = [
    ("LambdaLR", dict(lr_lambda=_lam)),
    ("MultiplicativeLR", dict(lr_lambda=_mul)),
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[10, 30, 30, 80], gamma=0.3)),
    ("ConstantLR", dict(factor=0.25, total_iters=13)),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.9, total_iters=37)),
    ("ExponentialLR", dict(gamma=0.97)),
    ("PolynomialLR", dict(total_iters=60, power=2.0)),
    ("CosineAnnealingLR", dict(T_max=17, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", dict(T_0=9, T_mult=2, eta_min=0.002)),
    ("CosineAnnealingWarmRestarts", dict(T_0=11)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=7, step_size_down=12)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=5, mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range",
                      gamma=0.98)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=101)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], epochs=5, steps_per_epoch=21, three_phase=True,
                        anneal_strategy="linear")),
]


def _group_state(opt):
    return [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]


@pytest.mark.parametrize("two_groups", [False, True])
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in
                                                    enumerate(CASES)])
def test_lr_sequence_matches_torch(name, kwargs, two_groups):
    topt, eopt = _opts(two_groups=two_groups)
    if not two_groups and isinstance(kwargs.get("max_lr"), list):
        pytest.skip("per-group list needs two groups")
    ts = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    es = getattr(ember.optim.lr_scheduler, name)(eopt, **kwargs)
    assert es.get_last_lr() == ts.get_last_lr()
    for _ in range(100):
        topt.step()
        eopt.step()
        ts.step()
        es.step()
        assert es.get_last_lr() == ts.get_last_lr()
        assert _group_state(eopt) == _group_state(topt)
    sd_e, sd_t = es.state_dict(), ts.state_dict()
    assert set(sd_e) == set(sd_t)
    for k in sd_t:
        if k not in ("lr_lambdas", "_scale_fn_ref", "_scale_fn_custom", "_anneal_func_type"):
            assert sd_e[k] == sd_t[k], k


def test_adam_betas_cycled_like_torch():
    topt, eopt = _opts("Adam", lr=0.01)
    ts = torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=0.1, total_steps=50)
    es = ember.optim.lr_scheduler.OneCycleLR(eopt, max_lr=0.1, total_steps=50)
    for _ in range(49):
        topt.step(), eopt.step(), ts.step(), es.step()
        assert eopt.param_groups[0]["betas"] == topt.param_groups[0]["betas"]
        assert es.get_last_lr() == ts.get_last_lr()


def _chain(mod, opt):
    ls = getattr(mod.optim, S)
    return ls.ChainedScheduler([ls.ExponentialLR(opt, gamma=0.95),
                                ls.StepLR(opt, step_size=10, gamma=0.5)])


def _seq(mod, opt):
    ls = getattr(mod.optim, S)
    return ls.SequentialLR(opt, [ls.LinearLR(opt, start_factor=0.1, total_iters=10),
                                 ls.CosineAnnealingLR(opt, T_max=40),
                                 ls.ExponentialLR(opt, gamma=0.9)], milestones=[10, 50])


@pytest.mark.parametrize("build", [_chain, _seq])
def test_composite_schedulers(build):
    topt, eopt = _opts(two_groups=True)
    ts, es = build(torch, topt), build(ember, eopt)
    assert es.get_last_lr() == ts.get_last_lr()
    for _ in range(100):
        topt.step(), eopt.step(), ts.step(), es.step()
        assert es.get_last_lr() == ts.get_last_lr()


@pytest.mark.parametrize("kwargs", [dict(), dict(mode="max", factor=0.5, patience=2),
                                    dict(threshold_mode="abs", threshold=0.05, cooldown=3,
                                         min_lr=0.01, patience=1),
                                    dict(min_lr=[0.001, 0.02], eps=1e-3, patience=0)])
def test_reduce_lr_on_plateau(kwargs):
    topt, eopt = _opts(two_groups=True)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    es = ember.optim.lr_scheduler.ReduceLROnPlateau(eopt, **kwargs)
    for i in range(100):
        metric = 1.0 / (1 + i % 7) + 0.001 * math.sin(i)
        topt.step(), eopt.step()
        ts.step(metric)
        es.step(metric)
        assert es.get_last_lr() == ts.get_last_lr()
        assert es.num_bad_epochs == ts.num_bad_epochs and es.best == ts.best


def test_state_dict_round_trip_continues():
    topt, eopt = _opts()
    ts = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=20)
    es = ember.optim.lr_scheduler.CosineAnnealingLR(eopt, T_max=20)
    for _ in range(7):
        topt.step(), eopt.step(), ts.step(), es.step()
    sd = ts.state_dict()
    topt2, eopt2 = _opts()
    eopt2.param_groups[0]["initial_lr"] = 0.1
    eopt2.param_groups[0]["lr"] = eopt.param_groups[0]["lr"]
    es2 = ember.optim.lr_scheduler.CosineAnnealingLR(eopt2, T_max=20, last_epoch=6)
    es2.load_state_dict(sd)
    for _ in range(30):
        topt.step(), eopt2.step(), ts.step(), es2.step()
        assert es2.get_last_lr() == ts.get_last_lr()


def test_warning_when_scheduler_steps_first():
    for mod in (torch, ember):
        opt = mod.optim.SGD([mod.zeros(2, requires_grad=True)], lr=0.1)
        sched = mod.optim.lr_scheduler.StepLR(opt, 3)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            sched.step()
        msgs = [str(x.message) for x in w if x.category is UserWarning]
        assert any("Detected call of `lr_scheduler.step()` before `optimizer.step()`" in m
                   for m in msgs), mod
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            opt.step()
            sched.step()
        assert not w
    eopt = ember.optim.SGD([ember.zeros(2, requires_grad=True)], lr=0.1)
    es = ember.optim.lr_scheduler.StepLR(eopt, 3)
    eopt.step()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        es.step()
        es.get_lr()
    assert [str(x.message) for x in w] == ["To get the last learning rate computed by the "
                                           "scheduler, please use `get_last_lr()`."]


@pytest.mark.parametrize("name,kwargs", [
    ("ConstantLR", dict(factor=2.0)), ("LinearLR", dict(start_factor=0)),
    ("LinearLR", dict(end_factor=1.5)), ("CosineAnnealingWarmRestarts", dict(T_0=0)),
    ("CosineAnnealingWarmRestarts", dict(T_0=5, T_mult=0)),
    ("OneCycleLR", dict(max_lr=0.1)), ("OneCycleLR", dict(max_lr=0.1, total_steps=-3)),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=10, anneal_strategy="exp")),
    ("CyclicLR", dict(base_lr=0.1, max_lr=1.0, mode="bad")),
    ("ReduceLROnPlateau", dict(factor=1.0)), ("ReduceLROnPlateau", dict(mode="middle")),
    ("LambdaLR", dict(lr_lambda=[_lam, _lam, _lam])),
])
def test_bad_arguments(name, kwargs):
    topt, eopt = _opts()
    with pytest.raises(Exception) as te:
        getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    with pytest.raises(Exception) as ee:
        getattr(ember.optim.lr_scheduler, name)(eopt, **kwargs)
    assert type(ee.value) is type(te.value) and str(ee.value) == str(te.value)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        ember.optim.lr_scheduler.StepLR(object(), 3)


def test_swalr_and_averaged_model_lr():
    topt, eopt = _opts()
    ts = torch.optim.swa_utils.SWALR(topt, swa_lr=0.05, anneal_epochs=5)
    es = ember.optim.swa_utils.SWALR(eopt, swa_lr=0.05, anneal_epochs=5)
    for _ in range(20):
        topt.step(), eopt.step(), ts.step(), es.step()
        assert es.get_last_lr() == ts.get_last_lr()
