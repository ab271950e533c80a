"""The foundation's first ops against torch: values, dtypes, grads, in-place forms, errors."""

import numpy as np
import pytest
import torch

import ember
from tests._oracle import assert_close
from tests._oracle import to_torch

RNG = np.random.default_rng(0)


def pair(shape, dtype="float32", positive=False, requires_grad=False):
    a = RNG.standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    if dtype.startswith("int"):
        a = (a * 5).astype(dtype)
    else:
        a = a.astype(dtype)
    e = ember.tensor(a, requires_grad=requires_grad)
    return e, to_torch(e)


BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a.abs() ** b, "matmul": lambda a, b: a @ (b.mT if b.ndim > 1 else b),
    "add_alpha": lambda a, b: a.add(b, alpha=2), "rsub_scalar": lambda a, b: 2 - a + b,
    "rdiv_scalar": lambda a, b: 2 / (a.abs() + 1) + b, "scalar_pow": lambda a, b: 2 ** a + b,
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((2, 3, 4), (3, 4)), ((4,), (4,))])
def test_binary_values_and_grads(name, shapes):
    fn = BINARY[name]
    ea, ta = pair(shapes[0], requires_grad=True)
    eb, tb = pair(shapes[1], requires_grad=True)
    eo, to = fn(ea, eb), fn(ta, tb)
    assert_close(eo, to, rtol=1e-4, atol=1e-5)
    w = RNG.standard_normal(tuple(to.shape)).astype(np.float32)
    (eo * ember.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    assert_close(ea.grad, ta.grad, rtol=1e-4, atol=1e-5)
    assert_close(eb.grad, tb.grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", ["int64", "int32", "float64"])
def test_integer_and_mixed_dtypes(dtype):
    ea, ta = pair((3,), dtype)
    eb, tb = pair((3,), "float32")
    for fn in (lambda a, b: a + b, lambda a, b: a * 2.5, lambda a, b: a / 2, lambda a, b: a - 1,
               lambda a, b: a + True, lambda a, b: a * b):
        assert_close(fn(ea, eb), fn(ta, tb), rtol=1e-5, atol=1e-5)


UNARY = {
    "neg": lambda x: -x, "exp": lambda x: x.exp(), "log": lambda x: x.abs().log(),
    "relu": lambda x: x.relu(), "sum": lambda x: x.sum(), "sum_dim": lambda x: x.sum(-1),
    "sum_keep": lambda x: x.sum((0, 1), keepdim=True), "mean": lambda x: x.mean(),
    "mean_dim": lambda x: x.mean(0), "reshape": lambda x: x.reshape(-1, 2),
    "view": lambda x: x.view(4, 3), "transpose": lambda x: x.transpose(0, 1),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_unary_values_grads_names(name, layout):
    fn = UNARY[name]
    ea, ta = pair((4, 3) if layout == "contiguous" else (3, 4), requires_grad=True)
    ex, tx = (ea, ta) if layout == "contiguous" else (ea.t(), ta.t())
    if name == "view" and layout == "transposed":
        ex, tx = ex.contiguous(), tx.contiguous()
    eo, to = fn(ex), fn(tx)
    assert_close(eo, to, rtol=1e-5, atol=1e-6)
    assert eo.grad_fn.name() == to.grad_fn.name()
    w = RNG.standard_normal(tuple(to.shape)).astype(np.float32)
    (eo * ember.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    assert_close(ea.grad, ta.grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_"])
def test_inplace_forms(op):
    ea, ta = pair((3, 4))
    eb, tb = pair((4,), positive=True)
    getattr(ea, op)(eb)
    getattr(ta, op)(tb)
    assert_close(ea, ta)
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    y, ty = x * 1, tx * 1
    getattr(y, op)(3.0)
    getattr(ty, op)(3.0)
    assert y.grad_fn.name() == ty.grad_fn.name()
    y.sum().backward()
    ty.sum().backward()
    assert_close(x.grad, tx.grad)


def test_operator_inplace_keeps_identity():
    e = ember.zeros(3)
    ref = e
    e += 1
    e *= 3
    assert ref is e and e.tolist() == [3.0, 3.0, 3.0]


def test_errors_match_torch():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(2x3 and 4x5\)"):
        ember.zeros(2, 3) @ ember.zeros(4, 5)
    with pytest.raises(RuntimeError, match="must match the size of tensor b"):
        ember.zeros(2, 3) + ember.zeros(4)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        ember.zeros(2, dtype=ember.int64).add_(1.5)
    with pytest.raises(RuntimeError, match="output with shape \\[3\\] doesn't match the "
                                           "broadcast shape \\[2, 3\\]"):
        ember.zeros(3).add_(ember.zeros(2, 3))
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        ember.tensor([2]) ** -1
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
        ember.zeros(2, 2) @ ember.zeros(2, 2, dtype=ember.float64)
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.zeros(2).sum(3)
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        ember.tensor([1, 2]).mean()


def test_sum_dtypes():
    for data in ([True, False], [1, 2], np.array([1, 2], dtype=np.uint8),
                 np.array([1.5], dtype=np.float16)):
        assert_close(ember.tensor(data).sum(), torch.tensor(data).sum())
    assert_close(ember.tensor([1, 2]).sum(dtype=ember.float64),
                 torch.tensor([1, 2]).sum(dtype=torch.float64))


def test_true_division_of_integers():
    assert_close(ember.tensor([1, 2, 3]) / ember.tensor([2, 2, 2]),
                 torch.tensor([1, 2, 3]) / torch.tensor([2, 2, 2]))
    assert_close(ember.tensor([1, 0]) / 0, torch.tensor([1, 0]) / 0)


@pytest.mark.parametrize("op", ["mul", "div"])
def test_complex_python_scalar_grad_is_conjugated(op):
    z = ember.tensor([1 + 1j, -2 + 0.5j], requires_grad=True)
    tz = torch.tensor([1 + 1j, -2 + 0.5j], requires_grad=True)
    fn = (lambda a: a * (2 - 1j)) if op == "mul" else (lambda a: a / (2 - 1j))
    fn(z).real.sum().backward()
    fn(tz).real.sum().backward()
    assert_close(z.grad, tz.grad)


def test_cosine_similarity_broadcasts_before_reducing():
    a = RNG.standard_normal((4, 5)).astype(np.float32)
    b = RNG.standard_normal((1, 5)).astype(np.float32)
    ea, eb = ember.tensor(a, requires_grad=True), ember.tensor(b, requires_grad=True)
    ta, tb = to_torch(ea), to_torch(eb)
    e = ember.cosine_similarity(ea, eb, dim=0)
    t = torch.cosine_similarity(ta, tb, dim=0)
    assert_close(e, t)
    e.sum().backward()
    t.sum().backward()
    assert_close(eb.grad, tb.grad)
    assert ember.nn.functional.cosine_similarity is ember.cosine_similarity


@pytest.mark.parametrize("call", [
    lambda m, a, b, o: m.add(a, b, out=o), lambda m, a, b, o: m.mul(a, 2, out=o),
    lambda m, a, b, o: m.exp(a, out=o), lambda m, a, b, o: m.matmul(a, b.t(), out=o),
    lambda m, a, b, o: m.sum(a, 1, out=o), lambda m, a, b, o: m.cat([a, b], out=o),
])
def test_out_argument_is_written(call):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.ones((2, 3), np.float32)
    eo, to = ember.zeros(0), torch.zeros(0)
    er = call(ember, ember.tensor(a), ember.tensor(b), eo)
    tr = call(torch, torch.tensor(a), torch.tensor(b), to)
    assert er is eo
    assert_close(eo, to)


def test_out_argument_errors():
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
        ember.add(ember.ones(2), 1, out=ember.zeros(2, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        ember.mul(ember.ones(2, requires_grad=True), 2, out=ember.zeros(2))
    with pytest.warns(UserWarning, match="was resized"):
        ember.add(ember.ones(3), 1, out=ember.zeros(2))
