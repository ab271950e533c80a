"""Module system: attribute semantics, registration, iteration orders, state_dict, modes, to()."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.nn._util import check_module
from tests.nn._util import copy_state


def _pair(build):
    """The same model built with torch.nn and ember.nn (build takes the nn module)."""
    return build(torch.nn), build(nn)


def _nested(nnm):
    class Block(nnm.Module):
        def __init__(self):
            super().__init__()
            self.fc = nnm.Linear(4, 3)
            self.act = nnm.ReLU()
            self.register_buffer("scale", (torch if nnm is torch.nn else ember).ones(3))
            self.register_buffer("tmp", (torch if nnm is torch.nn else ember).zeros(2),
                                 persistent=False)

        def forward(self, x):
            return self.act(self.fc(x)) * self.scale

    class Net(nnm.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.layers = nnm.ModuleList([nnm.Linear(3, 3), nnm.Linear(3, 3)])
            self.head = nnm.Sequential(OrderedDict(out=nnm.Linear(3, 2)))
            self.shared = self.layers[0]

        def forward(self, x):
            x = self.block(x)
            for layer in self.layers:
                x = layer(x)
            return self.head(x)

    return Net()


def test_named_orders_and_prefixes():
    t, e = _pair(_nested)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_parameters(prefix="m", remove_duplicate=False)] == \
        [n for n, _ in t.named_parameters(prefix="m", remove_duplicate=False)]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in e.named_modules(prefix="p", remove_duplicate=False)] == \
        [n for n, _ in t.named_modules(prefix="p", remove_duplicate=False)]
    assert [n for n, _ in e.named_children()] == [n for n, _ in t.named_children()]
    assert [n for n, _ in e.named_parameters(recurse=False)] == []
    assert len(list(e.parameters())) == len(list(t.parameters()))
    assert list(e.state_dict().keys()) == list(t.state_dict().keys())
    assert repr(e) == repr(t)


def test_state_dict_round_trip_and_forward():
    t, e = _pair(_nested)
    rng = np.random.default_rng(0)
    check_module(t, e, [rng.standard_normal((5, 4)).astype(np.float32)])
    sd = e.state_dict()
    assert isinstance(sd, OrderedDict)
    assert not sd["block.fc.weight"].requires_grad
    e2 = _nested(nn)
    res = e2.load_state_dict(sd)
    assert repr(res) == "<All keys matched successfully>"
    np.testing.assert_array_equal(e2.block.fc.weight.detach().numpy(),
                                  e.block.fc.weight.detach().numpy())
    assert e.state_dict(keep_vars=True)["block.fc.weight"] is e.block.fc.weight


def _load_error(model, sd, **kw):
    with pytest.raises(Exception) as info:
        model.load_state_dict(sd, **kw)
    return info.type, str(info.value)


def test_load_state_dict_errors_match_torch():
    t, e = _pair(_nested)
    copy_state(t, e)
    tsd = t.state_dict()
    tsd.pop("head.out.bias")
    tsd["extra.key"] = torch.zeros(1)
    tsd["block.fc.weight"] = torch.zeros(2, 2)
    esd = {k: ember.tensor(v.numpy()) for k, v in tsd.items()}
    assert _load_error(e, esd) == _load_error(t, tsd)
    res_t = t.load_state_dict({k: v for k, v in tsd.items() if k != "block.fc.weight"},
                              strict=False)
    res_e = e.load_state_dict({k: v for k, v in esd.items() if k != "block.fc.weight"},
                              strict=False)
    assert res_e.missing_keys == res_t.missing_keys
    assert res_e.unexpected_keys == res_t.unexpected_keys
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        e.load_state_dict([1, 2])


def test_load_state_dict_assign():
    e = nn.Linear(3, 2)
    w = ember.ones(2, 3)
    e.load_state_dict({"weight": w, "bias": ember.zeros(2)}, assign=True)
    assert isinstance(e.weight, nn.Parameter) and e.weight.requires_grad
    w[0, 0] = 5.0
    assert e.weight[0, 0].item() == 5.0  # assigned, not copied
    e2 = nn.Linear(3, 2)
    w2 = ember.ones(2, 3)
    e2.load_state_dict({"weight": w2, "bias": ember.zeros(2)})
    w2[0, 0] = 5.0
    assert e2.weight[0, 0].item() == 1.0  # copied


def test_setattr_semantics():
    m = nn.Module()
    p = nn.Parameter(ember.ones(2))
    m.p = p
    assert m._parameters["p"] is p and "p" not in m.__dict__
    with pytest.raises(TypeError) as ei:
        m.p = ember.ones(2)
    tm = torch.nn.Module()
    tm.p = torch.nn.Parameter(torch.ones(2))
    with pytest.raises(TypeError) as ti:
        tm.p = torch.ones(2)
    assert str(ei.value) == str(ti.value)
    m.p = None
    assert m.p is None and "p" in m._parameters
    m.child = nn.Linear(2, 2)
    with pytest.raises(TypeError) as ei:
        m.child = 3
    tm.child = torch.nn.Linear(2, 2)
    with pytest.raises(TypeError) as ti:
        tm.child = 3
    assert str(ei.value) == str(ti.value)
    m.register_buffer("b", ember.zeros(2))
    m.b = ember.ones(2)
    assert m._buffers["b"][0].item() == 1.0
    with pytest.raises(TypeError) as ei:
        m.b = 3
    tm.register_buffer("b", torch.zeros(2))
    with pytest.raises(TypeError) as ti:
        tm.b = 3
    assert str(ei.value) == str(ti.value)
    m.buf = nn.Buffer(ember.ones(1), persistent=False)
    assert "buf" in m._buffers and "buf" in m._non_persistent_buffers_set
    assert type(m._buffers["buf"]) is ember.Tensor
    del m.buf
    assert "buf" not in m._buffers and "buf" not in m._non_persistent_buffers_set
    del m.child
    assert "child" not in m._modules
    # reassigning a name to a different kind moves it
    m.x = 3
    m.x = nn.Parameter(ember.ones(1))
    assert "x" in m._parameters and "x" not in m.__dict__
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
        m.nope


def test_register_errors_match_torch():
    def errs(nnm, mk):
        m = nnm.Module()
        m.a = 1
        out = []
        for f in (lambda: m.register_buffer("a.b", None), lambda: m.register_buffer("", None),
                  lambda: m.register_buffer("a", None), lambda: m.register_buffer(3, None),
                  lambda: m.register_buffer("c", 3), lambda: m.register_parameter("a.b", None),
                  lambda: m.register_parameter("c", mk()), lambda: m.add_module("a", None),
                  lambda: m.add_module("x.y", None), lambda: m.add_module("z", 3),
                  lambda: m.register_parameter("d", nnm.Parameter(mk()) * 2)):
            with pytest.raises(Exception) as info:
                f()
            out.append((info.type, str(info.value)))
        return out

    te = errs(torch.nn, lambda: torch.ones(2, requires_grad=True))
    ee = errs(nn, lambda: ember.ones(2, requires_grad=True))
    for a, b in zip(ee, te):
        assert a[0] is b[0], (a, b)
        if "Tensor" in b[1]:  # torch.FloatTensor naming: compare the shape of the message
            assert a[1].split("'")[0] == b[1].split("'")[0], (a, b)
        else:
            assert a[1] == b[1], (a, b)
    with pytest.raises(AttributeError, match="cannot assign parameters before"):
        class Bad(nn.Module):
            def __init__(self):
                self.p = nn.Parameter(ember.ones(1))
        Bad()


def test_get_submodule_parameter_buffer():
    t, e = _pair(_nested)
    assert e.get_submodule("block.fc") is e.block.fc
    assert e.get_parameter("block.fc.weight") is e.block.fc.weight
    assert e.get_buffer("block.scale") is e.block.scale
    for f in ("get_submodule", "get_parameter"):
        with pytest.raises(AttributeError) as ei:
            getattr(e, f)("block.nope")
        with pytest.raises(AttributeError) as ti:
            getattr(t, f)("block.nope")
        assert str(ei.value) == str(ti.value)


def test_train_eval_apply_requires_grad_zero_grad():
    e = _nested(nn)
    assert e.training and e.block.fc.training
    assert e.eval() is e
    assert not any(m.training for m in e.modules())
    e.train()
    assert all(m.training for m in e.modules())
    seen = []
    e.apply(lambda m: seen.append(type(m).__name__))
    t = _nested(torch.nn)
    tseen = []
    t.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen
    e.requires_grad_(False)
    assert not any(p.requires_grad for p in e.parameters())
    e.requires_grad_(True)
    e(ember.randn(2, 4)).sum().backward()
    assert e.block.fc.weight.grad is not None
    e.zero_grad(set_to_none=False)
    assert float(e.block.fc.weight.grad.numpy().sum()) == 0.0
    e.zero_grad()
    assert all(p.grad is None for p in e.parameters())


def test_to_and_dtype_conversion_keeps_parameters():
    e = _nested(nn)
    w = e.block.fc.weight
    e(ember.randn(2, 4)).sum().backward()
    e.double()
    assert e.block.fc.weight is w and w.dtype is ember.float64
    assert w.grad.dtype is ember.float64
    assert e.block.scale.dtype is ember.float64
    e.to(ember.float32)
    assert w.dtype is ember.float32
    e.half()
    assert w.dtype is ember.float16
    e.float()
    e.to("cpu", dtype=ember.float64)
    assert w.dtype is ember.float64
    e.cpu()
    m = nn.Module()
    m.register_buffer("idx", ember.tensor([1, 2]))
    m.double()
    assert m.idx.dtype is ember.int64
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point"):
        m.to(ember.int32)


def test_parameter():
    t = ember.ones(3)
    p = nn.Parameter(t)
    assert p.requires_grad and isinstance(p, ember.Tensor)
    t[0] = 7.0
    assert p[0].item() == 7.0
    tp = torch.nn.Parameter(torch.ones(3))
    assert repr(nn.Parameter(ember.ones(3))) == repr(tp)
    assert not nn.Parameter(ember.ones(1), requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    import copy

    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.requires_grad
    with ember.no_grad():
        q[0] = 1.0
    assert p[0].item() == 7.0


def test_call_fast_path_and_forward_missing():
    m = nn.Module()
    with pytest.raises(NotImplementedError) as ei:
        m(1)
    with pytest.raises(NotImplementedError) as ti:
        torch.nn.Module()(1)
    assert str(ei.value) == str(ti.value)
