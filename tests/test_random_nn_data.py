"""Seeded nn initialisation, dropout and data-loading orders identical to torch (issue 8)."""

import math
import warnings

import numpy as np
import pytest
import torch
from torch.utils import data as TD

import ember
import ember.utils.data as ED


def same(e, t):
    a = np.asarray(e.detach().numpy())
    b = np.asarray(t.detach().numpy())
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.array_equal(a.view(np.uint8), b.view(np.uint8))


def both(fn, seed=3):
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = fn(torch)
        ember.manual_seed(seed)
        e = fn(ember)
    return e, t


INITS = [("uniform_", (-0.3, 0.4)), ("normal_", (0.1, 0.5)), ("xavier_uniform_", ()),
         ("xavier_normal_", (2.0,)), ("kaiming_uniform_", ()), ("kaiming_uniform_", (math.sqrt(5),)),
         ("kaiming_normal_", (0, "fan_out", "relu")), ("trunc_normal_", ()),
         ("trunc_normal_", (0.1, 0.02, -0.04, 0.04)), ("trunc_normal_", (0.0, 1.0, 2.0, 4.0)),
         ("sparse_", (0.3,))]


@pytest.mark.parametrize("fn,args", INITS)
def test_init_functions(fn, args):
    for seed in [0, 3, 99]:
        for shape in [(20, 30), (7, 5), (16, 3, 3, 3)][: 2 if fn == "sparse_" else 3]:
            same(*both(lambda m: getattr(m.nn.init, fn)(m.empty(shape), *args), seed))
            g_e, g_t = ember.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
            if fn != "sparse_":
                same(getattr(ember.nn.init, fn)(ember.empty(shape), *args, generator=g_e),
                     getattr(torch.nn.init, fn)(torch.empty(shape), *args, generator=g_t))


def test_orthogonal_draws_same_normals():
    # same Gaussian draws as torch; the QR itself (LAPACK) may differ in the last bits
    e, t = both(lambda m: m.nn.init.orthogonal_(m.empty(20, 30)))
    np.testing.assert_allclose(e.numpy(), t.numpy(), atol=1e-5)


MODULES = [lambda m: m.nn.Linear(30, 20), lambda m: m.nn.Conv2d(3, 8, 3),
           lambda m: m.nn.Conv1d(3, 8, 5), lambda m: m.nn.Conv3d(2, 3, 2),
           lambda m: m.nn.ConvTranspose2d(4, 6, 3), lambda m: m.nn.Bilinear(5, 6, 7),
           lambda m: m.nn.Embedding(10, 4), lambda m: m.nn.EmbeddingBag(10, 3),
           lambda m: m.nn.LSTM(5, 7, 2), lambda m: m.nn.GRU(5, 7), lambda m: m.nn.RNN(5, 7),
           lambda m: m.nn.LSTMCell(4, 6), lambda m: m.nn.MultiheadAttention(16, 4),
           lambda m: m.nn.TransformerEncoderLayer(16, 4, 32), lambda m: m.nn.PReLU(),
           lambda m: m.nn.Sequential(m.nn.Linear(4, 5), m.nn.ReLU(), m.nn.Linear(5, 2))]


@pytest.mark.parametrize("i", range(len(MODULES)))
def test_default_layer_init(i):
    e, t = both(MODULES[i])
    pe, pt = list(e.parameters()), list(t.parameters())
    assert len(pe) == len(pt)
    for a, b in zip(pe, pt):
        same(a, b)


def test_dropout_masks():
    for p in [0.1, 0.3, 0.5, 0.9]:
        same(*both(lambda m: m.nn.functional.dropout(m.ones(1000), p)))
        same(*both(lambda m: m.nn.Dropout(p)(m.ones(50, 20))))
        same(*both(lambda m: m.nn.Dropout2d(p)(m.ones(4, 8, 3, 3))))
        same(*both(lambda m: m.nn.functional.alpha_dropout(m.ones(100), p, True)))
        same(*both(lambda m: m.nn.functional.dropout(m.ones(40, dtype=m.float64), p)))


def _orders(m, D, gen):
    ds = D.TensorDataset(m.arange(50))
    g = m.Generator().manual_seed(7) if gen else None
    dl = D.DataLoader(ds, batch_size=8, shuffle=True, generator=g)
    out = [[b[0].tolist() for b in dl] for _ in range(2)]
    out.append(list(D.RandomSampler(range(20), generator=g)))
    out.append(list(D.RandomSampler(range(20), replacement=True, num_samples=40, generator=g)))
    out.append([list(s.indices) for s in D.random_split(range(30), [10, 15, 5], generator=g)])
    out.append([list(s.indices) for s in D.random_split(range(30), [0.5, 0.5], generator=g)])
    out.append(list(D.SubsetRandomSampler(list(range(10)), generator=g)))
    out.append(list(D.WeightedRandomSampler([0.1, 0.5, 0.4, 1.0], 10, generator=g)))
    out.append(m.randn(3).tolist())                 # the global stream stays in step
    return out


@pytest.mark.parametrize("gen", [False, True])
def test_data_orders(gen):
    for seed in [0, 1]:
        torch.manual_seed(seed)
        t = _orders(torch, TD, gen)
        ember.manual_seed(seed)
        e = _orders(ember, ED, gen)
        assert e == t


def _train(m, D):
    m.manual_seed(0)
    x = m.randn(96, 10)
    y = (x[:, :3].sum(1) > 0).long()
    model = m.nn.Sequential(m.nn.Linear(10, 32), m.nn.ReLU(), m.nn.Dropout(0.2),
                            m.nn.Linear(32, 2))
    opt = m.optim.SGD(model.parameters(), lr=0.1)
    dl = D.DataLoader(D.TensorDataset(x, y), batch_size=16, shuffle=True)
    lines = []
    for epoch in range(2):
        for xb, yb in dl:
            opt.zero_grad()
            loss = m.nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            lines.append(f"{loss.item():.5f}")
    return lines


def test_training_script_losses_identical():
    assert _train(ember, ED) == _train(torch, TD)
