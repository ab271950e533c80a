"""Tensor core: views share memory, strides/offsets, version counters, conversions, protocols."""

import numpy as np
import pytest
import torch

import ember
from tests._oracle import assert_close
from tests._oracle import to_torch

VIEW_OPS = {
    "slice": lambda x: x[1:, ::2],
    "int_index": lambda x: x[1],
    "none_ellipsis": lambda x: x[None, ..., 1],
    "view": lambda x: x.view(4, 6),
    "view_infer": lambda x: x.view(-1, 3),
    "transpose": lambda x: x.transpose(0, 2),
    "permute": lambda x: x.permute(2, 0, 1),
    "expand": lambda x: x[:, :1].expand(2, 5, 4),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "squeeze": lambda x: x[:, :1].squeeze(1),
    "narrow": lambda x: x.narrow(2, 1, 2),
    "as_strided": lambda x: x.as_strided((3, 2), (4, 1), 2),
    "T_2d": lambda x: x[0].T,
    "mT": lambda x: x.mT,
}


@pytest.mark.parametrize("name", sorted(VIEW_OPS))
def test_views_match_torch_and_share_memory(name):
    fn = VIEW_OPS[name]
    base = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    e, t = ember.tensor(base), torch.tensor(base)
    ev, tv = fn(e), fn(t)
    assert_close(ev, tv)
    assert ev.stride() == tv.stride()
    assert ev.storage_offset() == tv.storage_offset()
    assert ev.is_contiguous() == tv.is_contiguous()
    # writing through the view changes the base and bumps the shared version counter
    v0 = e._version[0]
    if name != "expand":
        ev.fill_(-1.0)
        tv.fill_(-1.0)
        assert_close(e, t)
        assert e._version[0] == v0 + 1
        assert ev._version is e._version


def test_view_error_matches_torch():
    e = ember.zeros(3, 4).t()
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        e.view(12)
    with pytest.raises(RuntimeError, match=r"shape '\[5, 5\]' is invalid for input of size 12"):
        ember.zeros(3, 4).view(5, 5)
    assert e.reshape(12).tolist() == torch.zeros(3, 4).t().reshape(12).tolist()


def test_reshape_copies_only_when_needed():
    e = ember.arange(12).reshape(3, 4)
    r = e.reshape(4, 3)
    assert r.data_ptr() == e.data_ptr()
    c = e.t().reshape(12)
    assert c.data_ptr() != e.data_ptr()


def test_numpy_and_from_numpy_share_memory():
    a = np.zeros(3, dtype=np.float32)
    t = ember.from_numpy(a)
    a[0] = 5
    assert t[0].item() == 5
    t.add_(1)
    assert a.tolist() == [6.0, 1.0, 1.0]
    assert t.numpy() is a or np.shares_memory(t.numpy(), a)
    copied = ember.tensor(a)
    a[1] = 100
    assert copied[1].item() == 1.0


def test_numpy_of_requires_grad_raises():
    with pytest.raises(RuntimeError, match="Use tensor.detach"):
        ember.ones(2, requires_grad=True).numpy()


def test_metadata():
    e = ember.zeros(2, 3, dtype=ember.float64)
    t = torch.zeros(2, 3, dtype=torch.float64)
    assert e.shape == t.shape and e.size() == (2, 3) and e.size(1) == 3 and e.size(-1) == 3
    assert e.dim() == e.ndim == 2 and e.numel() == 6 and e.element_size() == 8
    assert str(e.dtype) == str(t.dtype) and str(e.device) == str(t.device)
    assert str(e.layout) == str(t.layout)
    assert e.is_floating_point() and not e.is_complex()
    assert len(e) == 2
    with pytest.raises(IndexError):
        e.size(2)


def test_scalar_protocols():
    assert float(ember.tensor(2.5)) == 2.5
    assert int(ember.tensor([7])) == 7
    assert bool(ember.tensor(0.0)) is False
    assert [10, 20][ember.tensor(1)] == 20
    assert ember.tensor(3).item() == 3 and isinstance(ember.tensor(3).item(), int)
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(ember.tensor([1, 2]))
    with pytest.raises(TypeError):
        [1, 2][ember.tensor(1.0)]
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        ember.tensor([1, 2]).item()
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ember.tensor(1))


def test_iter_and_tolist():
    e = ember.tensor([[1, 2], [3, 4]])
    rows = list(e)
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4]]
    assert e.tolist() == [[1, 2], [3, 4]]
    assert np.asarray(e).tolist() == [[1, 2], [3, 4]]


@pytest.mark.parametrize("method,dtype", [("float", "float32"), ("double", "float64"),
                                          ("half", "float16"), ("bfloat16", "bfloat16"),
                                          ("long", "int64"), ("int", "int32"), ("short", "int16"),
                                          ("bool", "bool"), ("byte", "uint8"), ("char", "int8")])
def test_conversions(method, dtype):
    data = np.array([-1.5, 0.0, 2.7, 100.2])
    e = getattr(ember.tensor(data), method)()
    t = getattr(torch.tensor(data), method)()
    assert str(e.dtype) == str(t.dtype) == f"torch.{dtype}"
    assert_close(e, t, rtol=1e-2, atol=1e-2)


def test_to_and_type():
    e = ember.tensor([1, 2])
    assert e.to(ember.float64).dtype is ember.float64
    assert e.to("cpu") is e
    assert e.to(ember.int64) is e
    assert e.to(ember.int64, copy=True) is not e
    assert e.type() == "torch.LongTensor"
    assert e.type(ember.float32).dtype is ember.float32
    assert e.type("torch.DoubleTensor").dtype is ember.float64
    assert e.type_as(ember.zeros(1, dtype=ember.float16)).dtype is ember.float16
    f = ember.tensor([1.0], requires_grad=True)
    g = f.double()
    assert g.grad_fn.name() == "ToCopyBackward0"
    g.sum().backward()
    assert f.grad.dtype is ember.float32


def test_clone_copy_fill_zero():
    e = ember.tensor([1.0, 2.0])
    c = e.clone()
    c.fill_(3)
    assert e.tolist() == [1.0, 2.0] and c.tolist() == [3.0, 3.0]
    e.copy_(ember.tensor([5, 6]))
    assert e.tolist() == [5.0, 6.0] and e.dtype is ember.float32
    e.copy_(ember.tensor(9.0))
    assert e.tolist() == [9.0, 9.0]
    e.zero_()
    assert e.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError):
        e.copy_(ember.zeros(3))


def test_contiguous():
    e = ember.arange(6).reshape(2, 3).t()
    assert not e.is_contiguous()
    c = e.contiguous()
    assert c.is_contiguous() and c.stride() == (2, 1) and c.tolist() == e.tolist()
    assert c.contiguous() is c


def test_detach_shares_memory_and_version():
    x = ember.ones(3, requires_grad=True)
    d = x.detach()
    d.add_(1)
    assert x.tolist() == [2.0, 2.0, 2.0]
    assert d._version is x._version and not d.requires_grad


def test_version_counter_bumps():
    x = ember.zeros(3)
    v = x._version[0]
    x.add_(1)
    x.mul_(2)
    x[0] = 5
    assert x._version[0] == v + 3


def test_requires_grad_rules():
    with pytest.raises(RuntimeError, match="floating point and complex"):
        ember.tensor([1, 2]).requires_grad_()
    y = ember.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        y.requires_grad_(False)
    assert y.is_leaf is False and ember.ones(1).is_leaf


def test_size_type():
    s = ember.zeros(2, 3).shape
    assert isinstance(s, ember.Size) and isinstance(s, tuple)
    assert s.numel() == 6 and isinstance(s[0:1], ember.Size)
    assert repr(s[0:1]) == "torch.Size([2])"


def test_new_factories():
    e = ember.zeros(2, dtype=ember.float64)
    assert e.new_zeros(3).dtype is ember.float64
    assert e.new_ones((2, 2)).tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert e.new_full((2,), 7).tolist() == [7.0, 7.0]
    assert e.new_empty(4).shape == (4,)
    assert e.new_tensor([1, 2]).dtype is ember.float64


def test_data_ptr_and_element_size():
    e = ember.arange(10, dtype=ember.float32)
    assert e[2:].data_ptr() - e.data_ptr() == 8
    assert e.element_size() == 4 and e.nbytes == 40


def test_legacy_tensor_constructor():
    assert ember.Tensor([1, 2]).dtype is ember.float32
    assert ember.Tensor(2, 3).shape == (2, 3)
    assert isinstance(to_torch(ember.Tensor([1.0])), torch.Tensor)


def test_format_matches_torch():
    for value in (6, 21.0, 3.5, True, -0.125):
        e, t = ember.tensor(value), torch.tensor(value)
        assert f"{e}" == f"{t}" and f"{e:>8}" == f"{t:>8}"
    assert f"{ember.tensor(3.14159):.2f}" == f"{torch.tensor(3.14159):.2f}"
    assert f"{ember.tensor([1, 2])}" == f"{torch.tensor([1, 2])}"
    assert (ember.pi, ember.e, ember.inf) == (torch.pi, torch.e, torch.inf)
