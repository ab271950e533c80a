"""gradcheck (first and second order) for the core ops of the foundation."""

import numpy as np
import pytest

import ember
from tests._gradcheck import gradcheck


def t(shape, seed, positive=False):
    a = np.random.default_rng(seed).standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    return ember.tensor(a, dtype=ember.float64, requires_grad=True)


CASES = {
    "add": (lambda a, b: a + b, [(3, 4), (4,)]),
    "sub": (lambda a, b: a - b, [(3, 1), (3, 4)]),
    "mul": (lambda a, b: a * b, [(2, 3), (2, 3)]),
    "div": (lambda a, b: a / b, [(2, 3), "pos(3,)"]),
    "neg": (lambda a: -a, [(5,)]),
    "pow_scalar": (lambda a: a ** 3, [(4,)]),
    "pow_tensor": (lambda a, b: a ** b, ["pos(3,)", (3,)]),
    "rpow": (lambda a: 2.0 ** a, [(3,)]),
    "exp": (lambda a: a.exp(), [(3,)]),
    "log": (lambda a: a.log(), ["pos(4,)"]),
    "relu": (lambda a: a.relu(), [(6,)]),
    "matmul_2d": (lambda a, b: a @ b, [(3, 4), (4, 2)]),
    "matmul_batched": (lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
    "matmul_vec": (lambda a, b: a @ b, [(4,), (4, 3)]),
    "sum_dim": (lambda a: a.sum(1), [(3, 4)]),
    "mean": (lambda a: a.mean((0, 2), keepdim=True), [(2, 3, 4)]),
    "reshape_transpose": (lambda a: a.transpose(0, 1).reshape(-1), [(3, 4)]),
    "view_permute": (lambda a: a.view(2, 6).permute(1, 0), [(3, 4)]),
    "getitem": (lambda a: a[1:, ::2], [(3, 4)]),
    "adv_index": (lambda a: a[[0, 2, 0]], [(3, 4)]),
}


def _inputs(specs, seed):
    out = []
    for k, s in enumerate(specs):
        if isinstance(s, str):
            out.append(t(eval(s[3:]), seed + k, positive=True))
        else:
            out.append(t(s, seed + k))
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name):
    fn, specs = CASES[name]
    gradcheck(fn, _inputs(specs, 1), second_order=True)
