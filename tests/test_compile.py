"""ember.compile (torch.compile): eager, with torch's OptimizedModule wrapper (no compilation)."""

import numpy as np
import pytest
import torch

import ember
from tests._oracle import assert_close
from tests._oracle import to_ember


def _pair():
    t = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    e = ember.nn.Sequential(ember.nn.Linear(4, 8), ember.nn.ReLU(), ember.nn.Linear(8, 2))
    e.load_state_dict({k: to_ember(v) for k, v in t.state_dict().items()})
    return t, e


def test_module_wrapper_like_torch():
    t, e = _pair()
    tc, ec = torch.compile(t), ember.compile(e)  # torch compiles lazily: no call, no Inductor
    assert type(ec).__name__ == type(tc).__name__ == "OptimizedModule"
    assert repr(ec) == repr(tc)
    assert list(ec.state_dict()) == list(tc.state_dict())
    assert [n for n, _ in ec.named_parameters()] == [n for n, _ in tc.named_parameters()]
    assert ec._orig_mod is e and len(ec) == len(tc) == 3
    assert isinstance(ec, ember.nn.Module)


def test_module_results_identical_and_passthrough():
    _, e = _pair()
    ec = ember.compile(e, mode="max-autotune")
    x = ember.tensor(np.random.default_rng(0).standard_normal((5, 4)), dtype=ember.float32)
    assert ember.equal(ec(x), e(x))
    e.eval()
    assert ec.training is False
    ec.train()
    assert e.training is True
    ec.extra = 7
    assert e.extra == 7 and ec.extra == 7
    sd = ec.state_dict()
    ec.load_state_dict(sd)
    e2 = ember.compile(ember.nn.Linear(2, 2))
    assert e2.weight is e2._orig_mod.weight and e2.in_features == 2


def test_function_and_decorator():
    def f(x, y=1):
        return x * 2 + y

    g = ember.compile(f)
    assert g.__name__ == "f" and g.__wrapped__ is f
    x = ember.arange(3.0)
    assert_close(g(x, y=2), torch.compile(f).__wrapped__(torch.arange(3.0), y=2))

    @ember.compile(fullgraph=True)
    def h(x):
        return x + 1

    assert ember.equal(h(x), x + 1)
    assert ember.compile(f, disable=True) is f


def test_errors():
    with pytest.raises(RuntimeError, match="Either mode or options"):
        ember.compile(lambda x: x, mode="default", options={})
    with pytest.raises(RuntimeError, match="Unrecognized mode"):
        ember.compile(lambda x: x, mode="fast")
