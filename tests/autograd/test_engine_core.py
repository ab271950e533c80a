"""The seeds' autograd examples and the engine's basic contract, against real torch."""

import pytest
import torch

import ember
from tests._oracle import assert_close
from tests._oracle import to_torch


def test_seed_square():
    x = ember.tensor(2.0, requires_grad=True)
    y = x ** 2
    z = 2 * y + 3
    z.backward()
    assert repr(x.grad) == "tensor(8.)"


def test_seed_product_of_sum_and_product():
    a = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = ember.tensor([4.0, 5.0, 6.0], requires_grad=True)
    c = (a + b) * (a * b)
    c.sum().backward()
    ta, tb = to_torch(a), to_torch(b)
    ((ta + tb) * (ta * tb)).sum().backward()
    assert_close(a.grad, ta.grad)
    assert_close(b.grad, tb.grad)
    assert c.grad_fn.name() == "MulBackward0"
    assert [n.name() for n, _ in c.grad_fn.next_functions] == ["AddBackward0", "MulBackward0"]


def test_seed_jacobian_vector_product():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x * x
    v = ember.tensor([1.0, 1.0, 1.0])
    y.backward(v)
    # d(x^3)/dx = 3x^2 -> [3, 12, 27]; the seed uses y = x**2 * 2 ... checked by hand here
    assert x.grad.tolist() == [3.0, 12.0, 27.0]


def test_broadcast_grad_is_summed_back():
    a = ember.ones(2, 3, requires_grad=True)
    b = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (a * b).sum().backward()
    assert b.grad.tolist() == [2.0, 2.0, 2.0]
    assert a.grad.tolist() == [[1.0, 2.0, 3.0]] * 2


def test_backward_twice_raises():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp()).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_non_scalar_backward_raises():
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        (x * 2).backward()


def test_no_grad_fn_raises():
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        ember.ones(2).sum().backward()


def test_leaf_inplace_raises():
    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x.add_(1)


def test_saved_tensor_modified_inplace_raises():
    x = ember.ones(3, requires_grad=True)
    y = x.exp()
    z = y.sum()
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()
    tx = torch.ones(3, requires_grad=True)
    ty = tx.exp()
    tz = ty.sum()
    ty.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tz.backward()


def test_autograd_grad_and_create_graph():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x ** 3).sum()
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), x)
    assert g.tolist() == [3.0, 12.0, 27.0]
    assert gg.tolist() == [6.0, 12.0, 18.0]
    assert x.grad is None


def test_grad_accumulates():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


def test_no_grad_modes():
    x = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @ember.no_grad()
    def f(v):
        return v * 2

    assert not f(x).requires_grad
    with ember.set_grad_enabled(False):
        assert not ember.is_grad_enabled()
    assert ember.is_grad_enabled()
    with ember.inference_mode():
        assert not (x * 2).requires_grad


def test_retain_grad_and_hooks():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    h = y.register_hook(lambda g: g * 10)
    y.sum().backward()
    # torch runs the retain_grad hook after the other tensor hooks
    assert y.grad.tolist() == [10.0, 10.0]
    assert x.grad.tolist() == [20.0, 20.0]
    h.remove()


def test_inplace_on_view_flows_to_base():
    w = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    buf = ember.zeros(2, 3)
    buf[1] = w * 2
    (buf * ember.tensor([[1.0, 1.0, 1.0], [5.0, 6.0, 7.0]])).sum().backward()
    assert w.grad.tolist() == [10.0, 12.0, 14.0]
