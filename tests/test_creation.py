"""Creation functions against torch: values, dtypes, shapes, errors."""

import numpy as np
import pytest
import torch

import ember
from tests._oracle import assert_close

DATA = [
    3, 2.5, True, 1 + 2j, [1, 2, 3], [1.0, 2, 3], [[True, False]], [[1, 2], [3, 4]],
    [], [[]], (1, 2), [1, 2.5j],
]


@pytest.mark.parametrize("data", DATA, ids=repr)
def test_tensor_infers_dtype_like_torch(data):
    assert_close(ember.tensor(data), torch.tensor(data))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int32", "int64",
                                   "uint8", "bool", "complex64"])
def test_tensor_from_numpy_keeps_dtype(dtype):
    arr = np.arange(6).reshape(2, 3).astype(dtype)
    assert_close(ember.tensor(arr), torch.tensor(arr))
    assert_close(ember.as_tensor(arr), torch.as_tensor(arr))
    assert_close(ember.from_numpy(arr), torch.from_numpy(arr))


def test_tensor_of_tensors_and_dtype_arg():
    assert_close(ember.tensor([ember.tensor(1.5), ember.tensor(2.0)]),
                 torch.tensor([torch.tensor(1.5), torch.tensor(2.0)]))
    assert_close(ember.tensor([1, 2], dtype=ember.float64), torch.tensor([1, 2],
                                                                         dtype=torch.float64))
    t = ember.tensor([1.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf


def test_tensor_errors():
    with pytest.raises(ValueError, match="expected sequence of length 2 at dim 1 \\(got 1\\)"):
        ember.tensor([[1, 2], [3]])
    with pytest.raises(TypeError):
        ember.tensor("abc")
    with pytest.raises(TypeError):
        ember.from_numpy([1, 2])


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
def test_filled(name):
    e = getattr(ember, name)(2, 3)
    t = getattr(torch, name)(2, 3)
    assert e.shape == t.shape and str(e.dtype) == str(t.dtype)
    if name != "empty":
        assert_close(e, t)
        assert_close(getattr(ember, name)((2,), dtype=ember.int64),
                     getattr(torch, name)((2,), dtype=torch.int64))
        like = getattr(ember, name + "_like")(ember.zeros(3, dtype=ember.float64))
        assert like.dtype is ember.float64 and like.shape == (3,)
    with pytest.raises(RuntimeError, match="negative dimension"):
        getattr(ember, name)(-1)


@pytest.mark.parametrize("value", [7, 2.5, True])
def test_full(value):
    assert_close(ember.full((2, 2), value), torch.full((2, 2), value))
    assert_close(ember.full_like(ember.zeros(3), value), torch.full_like(torch.zeros(3), value))


@pytest.mark.parametrize("args", [(5,), (2, 9), (1, 10, 3), (0.0, 1.0, 0.1), (10, 0, -2),
                                  (0, 1, 0.3), (-3.5, 3)])
def test_arange(args):
    assert_close(ember.arange(*args), torch.arange(*args))


@pytest.mark.parametrize("args", [(0, 1, 5), (-2.5, 7, 11), (3, 3, 1), (0, 10, 0),
                                  (1, 100, 250), (0, 1, 1), (-4, 9, 2)])
def test_linspace_logspace(args):
    assert_close(ember.linspace(*args), torch.linspace(*args))
    assert_close(ember.linspace(*args, dtype=ember.float64),
                 torch.linspace(*args, dtype=torch.float64))
    assert_close(ember.logspace(*args), torch.logspace(*args), rtol=1e-5)


def test_eye():
    assert_close(ember.eye(3), torch.eye(3))
    assert_close(ember.eye(2, 4, dtype=ember.int64), torch.eye(2, 4, dtype=torch.int64))


def test_random_creation_shapes_and_dtypes():
    ember.manual_seed(0)
    assert ember.rand(2, 3).shape == (2, 3) and ember.rand(2).dtype is ember.float32
    assert ember.randn(4, dtype=ember.float64).dtype is ember.float64
    r = ember.randint(0, 5, (100,))
    assert r.dtype is ember.int64 and 0 <= r.min().item() and r.max().item() < 5
    p = ember.randperm(10)
    assert sorted(p.tolist()) == list(range(10))
    g = ember.Generator().manual_seed(3)
    a = ember.rand(5, generator=g)
    g.manual_seed(3)
    assert ember.rand(5, generator=g).tolist() == a.tolist()
    assert ember.initial_seed() == 0


def test_generator_state_roundtrip():
    g = ember.Generator().manual_seed(5)
    state = g.get_state()
    a = ember.randn(3, generator=g)
    g.set_state(state)
    assert ember.randn(3, generator=g).tolist() == a.tolist()
