"""Double backward (create_graph=True) through the fused nn ops, pooling, recurrent cells and
prod/cumprod with zeros: second derivatives compared with torch's, and gradgradcheck (finite
differences of the double backward) in float64."""

import numpy as np
import pytest
import torch

import ember
from tests._gradcheck import gradcheck

_rng = np.random.default_rng


def _arrays(specs, seed):
    out = []
    for k, s in enumerate(specs):
        a = _rng(seed + k).standard_normal(s if isinstance(s[0], int) else s[1])
        if s[0] == "pos":
            a = np.abs(a) + 0.5
        elif s[0] == "zeros":  # zeros in the input itself: none, one, two per slice
            a = a * _mask(s[1], *s[2:])
        out.append(a)
    return out


def _second(lib, fn, arrays, seed):
    """(first grads, second grads) of sum(w * fn(inputs)) with torch or ember."""
    xs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    outs = out if isinstance(out, tuple) else (out,)
    rng = _rng(seed)
    ws = [lib.tensor(rng.standard_normal(tuple(o.shape))) for o in outs]
    s = sum((o * w).sum() for o, w in zip(outs, ws))
    g1 = lib.autograd.grad(s, xs, create_graph=True, allow_unused=True)
    vs = [lib.tensor(rng.standard_normal(a.shape)) for a in arrays]
    s2 = sum((g * v).sum() for g, v in zip(g1, vs) if g is not None)
    g2 = lib.autograd.grad(s2, xs, allow_unused=True)
    return ([None if g is None else g.detach().numpy() for g in g1],
            [None if g is None else np.asarray(g.detach().numpy()) for g in g2])


def _idx(lib, values):
    return lib.tensor(values, dtype=lib.int64)


def _ce(lib, a, **kw):
    return lib.nn.functional.cross_entropy(a, _idx(lib, [1, 3, 0]), **kw)


def _weights(lib, *values):
    return lib.tensor(values, dtype=lib.float64)


def _nll(lib, a):
    f = lib.nn.functional
    return f.nll_loss(f.log_softmax(a, 1), _idx(lib, [[1, 2], [0, 1]]),
                      weight=_weights(lib, 0.5, 2.0, 1.0))


# name -> (fn(lib, *inputs), input specs)
OPS = {
    "layer_norm": (lambda L, a, w, b: L.nn.functional.layer_norm(a, (3, 4), w, b),
                   [(2, 3, 4), (3, 4), (3, 4)]),
    "layer_norm_noaffine": (lambda L, a: L.nn.functional.layer_norm(a, (5,)), [(3, 5)]),
    "batch_norm_train": (lambda L, a, w, b: L.nn.functional.batch_norm(
        a, None, None, w, b, training=True), [(4, 3, 2), (3,), (3,)]),
    "batch_norm_train_2d": (lambda L, a: L.nn.functional.batch_norm(
        a, None, None, training=True), [(3, 2, 2, 2)]),
    "batch_norm_eval": (lambda L, a, w, b: L.nn.functional.batch_norm(
        a, L.tensor([0.1, -0.2, 0.3], dtype=L.float64),
        L.tensor([1.5, 0.7, 2.0], dtype=L.float64), w, b, training=False),
        [(4, 3, 2), (3,), (3,)]),
    "cross_entropy": (lambda L, a: _ce(L, a), [(3, 5)]),
    "cross_entropy_opts": (lambda L, a: _ce(L, a, weight=_weights(L, 1, 0.5, 2, 1.5, 0.2),
                                            ignore_index=0, label_smoothing=0.2), [(3, 5)]),
    "cross_entropy_sum_2d": (lambda L, a: L.nn.functional.cross_entropy(
        a, _idx(L, [[1, 0], [2, 2]]), reduction="sum"), [(2, 3, 2)]),
    "cross_entropy_none": (lambda L, a: _ce(L, a, reduction="none"), [(3, 5)]),
    "nll_loss": (_nll, [(2, 3, 2)]),
    "softmax_log_softmax": (lambda L, a: L.softmax(a, 1) * L.log_softmax(a, 0), [(3, 4)]),
    "max_pool1d": (lambda L, a: L.nn.functional.max_pool1d(a, 3, 2, padding=1) ** 2,
                   [(2, 2, 7)]),
    "max_pool2d": (lambda L, a: L.nn.functional.max_pool2d(a, 2) ** 2, [(1, 2, 4, 4)]),
    "max_pool2d_overlap": (lambda L, a: L.nn.functional.max_pool2d(
        a, 3, 1, padding=1, dilation=1) ** 2, [(1, 1, 4, 5)]),
    "max_pool3d": (lambda L, a: L.nn.functional.max_pool3d(a, 2, 1) ** 2, [(1, 1, 3, 3, 3)]),
    "max_pool2d_indices": (lambda L, a: L.nn.functional.max_pool2d(
        a, 2, return_indices=True)[0] ** 2, [(2, 4, 4)]),
    "avg_pool1d": (lambda L, a: L.nn.functional.avg_pool1d(a, 3, 2, padding=1) ** 2,
                   [(2, 2, 7)]),
    "avg_pool2d": (lambda L, a: L.nn.functional.avg_pool2d(
        a, 3, 2, padding=1, count_include_pad=False) ** 2, [(1, 2, 5, 5)]),
    "avg_pool3d": (lambda L, a: L.nn.functional.avg_pool3d(a, 2, ceil_mode=True) ** 2,
                   [(1, 1, 3, 4, 4)]),
    "adaptive_avg_pool2d": (lambda L, a: L.nn.functional.adaptive_avg_pool2d(a, 2) ** 2,
                            [(1, 2, 4, 6)]),
    "adaptive_avg_pool1d_uneven": (lambda L, a: L.nn.functional.adaptive_avg_pool1d(a, 3) ** 2,
                                   [(1, 2, 7)]),
    "adaptive_max_pool2d": (lambda L, a: L.nn.functional.adaptive_max_pool2d(a, (2, 3)) ** 2,
                            [(1, 2, 5, 7)]),
    "adaptive_max_pool1d": (lambda L, a: L.nn.functional.adaptive_max_pool1d(a, 3) ** 2,
                            [(2, 2, 7)]),
    "prod_zeros": (lambda L, a: a.prod(1), [("zeros", (3, 4))]),
    "prod_zeros_keepdim_dim0": (lambda L, a: a.prod(0, keepdim=True), [("zeros", (4, 3), 3)]),
    "prod_all_two_zeros": (lambda L, a: a.prod(), [("zeros", (3, 4), 2)]),
    "prod_all_one_zero": (lambda L, a: a.prod(), [("zeros", (3, 4), 1)]),
    "prod_no_zero": (lambda L, a: a.prod(1), [(3, 4)]),
    "cumprod_zeros": (lambda L, a: a.cumprod(1), [("zeros", (3, 4))]),
    "cumprod_zeros_dim0": (lambda L, a: a.cumprod(0), [("zeros", (4, 3), 2)]),
    "cumprod_no_zero": (lambda L, a: a.cumprod(1), [(3, 4)]),
}


def _mask(shape, k=None):
    """0/1 mask placing zeros: none in row 0, one in row 1, two in row 2 (or k zeros in all)."""
    m = np.ones(shape)
    if k is not None:
        m.reshape(-1)[[5, 2, 9][:k]] = 0
    elif shape[0] == 3:
        m[1, 2] = 0
        m[2, 0] = m[2, 3] = 0
    return m


def _cell(lib, kind, x, h, c, wih, whh, bih, bhh):
    """One LSTM/GRU/RNN cell step (torch's fused cell ops; ember's fused pointwise steps)."""
    from ember._ops import rnn_ops

    g = {"lstm": 4, "gru": 3, "rnn": 1}[kind] * h.shape[1]
    wih, whh, bih, bhh = wih[:g], whh[:g], bih[:g], bhh[:g]
    if lib is torch:
        if kind == "lstm":
            return torch._VF.lstm_cell(x, (h, c), wih, whh, bih, bhh)
        if kind == "gru":
            return torch._VF.gru_cell(x, h, wih, whh, bih, bhh) * c
        return torch._VF.rnn_tanh_cell(x, h, wih, whh, bih, bhh) * c
    if kind == "lstm":
        return rnn_ops.lstm_cell(x, h, c, wih, whh, bih, bhh)
    if kind == "gru":
        return rnn_ops.gru_cell(x, h, wih, whh, bih, bhh) * c
    return rnn_ops.rnn_cell(x, h, wih, whh, bih, bhh) * c


_CELL_SPECS = [(2, 3), (2, 2), (2, 2), (8, 3), (8, 2), (8,), (8,)]
for _kind in ("lstm", "gru", "rnn"):
    OPS[f"{_kind}_cell"] = ((lambda k: lambda L, *xs: _cell(L, k, *xs))(_kind), _CELL_SPECS)
OPS["lstm_cell_h_only"] = (lambda L, *xs: _cell(L, "lstm", *xs)[0].tanh(), _CELL_SPECS)


@pytest.mark.parametrize("name", sorted(OPS))
def test_second_derivative_matches_torch(name):
    fn, specs = OPS[name]
    arrays = _arrays(specs, 3)
    e1, e2 = _second(ember, fn, arrays, 7)
    t1, t2 = _second(torch, fn, arrays, 7)
    for e, t in zip(e1 + e2, t1 + t2):
        assert (e is None) == (t is None)
        if t is not None:
            np.testing.assert_allclose(e, t, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradgradcheck(name):
    fn, specs = OPS[name]
    inputs = [ember.tensor(a, dtype=ember.float64, requires_grad=True)
              for a in _arrays(specs, 5)]
    assert gradcheck(lambda *xs: fn(ember, *xs), inputs, atol=1e-6, rtol=1e-4,
                     second_order=True)


_INPLACE = [("exp_", ()), ("log_", ()), ("square_", ()), ("logit_", ()), ("nan_to_num_", ()),
            ("clamp_min_", (0.5,)), ("clamp_max_", (0.5,)), ("round_", ()),
            ("round_", (1,))]


@pytest.mark.parametrize("name,args", _INPLACE)
def test_inplace_unary_node_and_second_derivative(name, args):
    """y.exp_() on a non-leaf is ExpBackward0 (not CopyBackwards) and differentiates twice."""
    res = []
    for lib in (torch, ember):
        x = lib.tensor([0.2, 0.5, 0.9], dtype=lib.float64, requires_grad=True)
        z = x * 0.8
        if name == "round_" and args:
            z.round_(decimals=args[0])
        else:
            getattr(z, name)(*args)
        (g1,) = lib.autograd.grad((z * z * x).sum(), x, create_graph=True)
        (g2,) = lib.autograd.grad(g1.sum(), x)
        res.append((type(z.grad_fn).__name__, type(z.grad_fn.next_functions[0][0]).__name__,
                    z.detach().numpy(), g1.detach().numpy(), g2.numpy()))
    (tn, tnext, *tv), (en, enext, *ev) = res
    assert (en, enext) == (tn, tnext)
    for e, t in zip(ev, tv):
        np.testing.assert_allclose(e, t, rtol=1e-10, atol=1e-12)


def test_inplace_unary_refusals():
    with pytest.raises(RuntimeError, match="result type Float can't be cast"):
        ember.tensor([1, 2]).exp_()
    leaf = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf.exp_()
    base = ember.ones(4, dtype=ember.float64, requires_grad=True) * 1
    v = base[1:3]
    v.log_()
    assert type(base.grad_fn).__name__ == "CopySlices"
