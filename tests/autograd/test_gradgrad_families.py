"""Second derivatives of a representative list of ops from every family: gradgradcheck
(finite differences of the double backward) in float64 on small inputs."""

import numpy as np
import pytest

import ember
import ember.nn.functional as F

_rng = np.random.default_rng


def _t(shape, seed, positive=False, grad=True):
    a = _rng(seed).standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    return ember.tensor(a, dtype=ember.float64, requires_grad=grad)


def _idx(values):
    return ember.tensor(values, dtype=ember.int64)


# name -> (function, input specs); a spec is a shape, or ("pos", shape) for positive inputs
OPS = {
    # elementwise
    "mul_div": (lambda a, b: a * b / (b * b + 1), [(2, 3), (3,)]),
    "exp_log": (lambda a: a.exp() + a.abs().add(1).log(), [(2, 3)]),
    "sin_cos_tanh": (lambda a: a.sin() * a.cos() + a.tanh(), [(5,)]),
    "sigmoid": (lambda a: a.sigmoid(), [(5,)]),
    "pow_tensor": (lambda a, b: a ** b, [("pos", (4,)), (4,)]),
    "sqrt_rsqrt": (lambda a: a.sqrt() + a.rsqrt(), [("pos", (4,))]),
    "where_clamp": (lambda a: ember.where(a > 0, a * a, a.clamp(-0.5, 0.5) ** 3), [(6,)]),
    # reductions
    "sum_mean": (lambda a: (a.sum(0) * a.mean(1, keepdim=True)).sum(0), [(3, 4)]),
    "prod": (lambda a: a.prod(1), [(2, 3)]),
    "var_std": (lambda a: a.var(1) + a.std(0).sum(), [(3, 4)]),
    "logsumexp": (lambda a: a.logsumexp(1), [(2, 4)]),
    "norm": (lambda a: a.norm(dim=1), [(2, 3)]),
    "amax": (lambda a: a.amax(1) * a.sum(1), [(2, 4)]),
    "cumsum_cumprod": (lambda a: a.cumsum(0) * a.cumprod(0), [(4,)]),
    # shape / indexing
    "reshape_permute": (lambda a: (a.reshape(2, 6).t() ** 2).permute(1, 0), [(3, 4)]),
    "cat_stack": (lambda a, b: ember.stack([ember.cat([a * b, b], 0) ** 2, a.repeat(2, 1)]),
                  [(2, 3), (2, 3)]),
    "getitem_slice": (lambda a: a[1:, ::2] ** 2, [(3, 4)]),
    "gather": (lambda a: a.gather(1, _idx([[0, 2], [1, 1]])) ** 2, [(2, 3)]),
    "index_select": (lambda a: a.index_select(0, _idx([2, 0, 2])) ** 3, [(3, 2)]),
    "masked_fill": (lambda a: a.masked_fill(a > 0.5, 0.0) ** 2, [(2, 3)]),
    "setitem_view": (lambda a, b: _write(a, b), [(3,), (2,)]),
    # linalg
    "matmul": (lambda a, b: (a @ b) ** 2, [(2, 3), (3, 2)]),
    "bmm": (lambda a, b: a.bmm(b).tanh(), [(2, 2, 3), (2, 3, 2)]),
    "inverse_det": (lambda a: ember.linalg.inv(a + 3 * ember.eye(3, dtype=ember.float64))
                    .sum() * ember.linalg.det(a + 3 * ember.eye(3, dtype=ember.float64)),
                    [(3, 3)]),
    # nn functional
    "softmax": (lambda a: F.softmax(a, dim=1), [(2, 4)]),
    "log_softmax": (lambda a: F.log_softmax(a, dim=-1), [(2, 4)]),
    "cross_entropy": (lambda a: F.cross_entropy(a, _idx([1, 3])), [(2, 4)]),
    "mse_loss": (lambda a, b: F.mse_loss(a, b), [(2, 3), (2, 3)]),
    "layer_norm": (lambda a, w, b: F.layer_norm(a, (4,), w, b), [(2, 4), (4,), (4,)]),
    "gelu_silu": (lambda a: F.gelu(a) + F.silu(a), [(5,)]),
    "conv2d": (lambda a, w: F.conv2d(a, w, padding=1), [(1, 1, 3, 3), (2, 1, 2, 2)]),
    "max_pool2d": (lambda a: F.max_pool2d(a, 2) ** 2, [(1, 1, 4, 4)]),
    "avg_pool2d": (lambda a: F.avg_pool2d(a, 2) ** 2, [(1, 2, 2, 2)]),
    "batch_norm": (lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True),
                   [(4, 2), (2,), (2,)]),
    "adaptive_max_pool1d": (lambda a: F.adaptive_max_pool1d(a, 2) ** 2, [(1, 2, 5)]),
    "lstm_cell": (lambda x, h, c, wi, wh: ember._ops.rnn_ops.lstm_cell(
        x, h, c, wi, wh, None, None)[0].tanh(), [(2, 3), (2, 2), (2, 2), (8, 3), (8, 2)]),
}


def _write(a, b):
    buf = a * 1
    buf[1:] = b * a[:2]
    return buf ** 2


def _inputs(specs, seed):
    out = []
    for k, s in enumerate(specs):
        if isinstance(s, tuple) and s and s[0] == "pos":
            out.append(_t(s[1], seed + k, positive=True))
        else:
            out.append(_t(s, seed + k))
    return out


# The fused ops (pooling, norms, cross_entropy, recurrent cells) keep an array backward for
# first order and differentiate twice under create_graph, as torch does; their second
# derivatives are compared with torch's in tests/nn/test_double_backward.py.
@pytest.mark.parametrize("name", sorted(OPS))
def test_gradgradcheck(name):
    fn, specs = OPS[name]
    inputs = _inputs(specs, 3)
    assert ember.autograd.gradcheck(fn, inputs, atol=1e-5, rtol=1e-4, fast_mode=True)
    assert ember.autograd.gradgradcheck(fn, inputs, atol=1e-5, rtol=1e-4, fast_mode=True)
