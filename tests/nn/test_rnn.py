import numpy as np
import pytest
import torch
import torch.nn.utils.rnn as trnn

import ember
import ember.nn.utils.rnn as ernn
from tests._gradcheck import gradcheck
from tests._oracle import assert_close
from tests.nn._spatial import check_module
from tests.nn._spatial import copy_module
from tests.nn._spatial import randn

CONFIGS = [
    {}, dict(num_layers=2), dict(bidirectional=True), dict(batch_first=True, bias=False),
    dict(num_layers=2, bidirectional=True, batch_first=True),
]


def _pair(name, *args, **kw):
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(*args, **kw)
    em = getattr(ember.nn, name)(*args, **kw)
    return em, tm


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kw", CONFIGS)
def test_rnn_oracle(name, kw):
    em, tm = _pair(name, 3, 5, **kw)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    x = randn(np.random.default_rng(0), 4, 2, 3)
    check_module(em, tm, [x], atol=1e-5)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_rnn_with_initial_state(name):
    em, tm = _pair(name, 3, 4, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(1)
    x = randn(rng, 5, 2, 3)
    h0 = randn(rng, 4, 2, 4)
    if name == "LSTM":
        c0 = randn(rng, 4, 2, 4)

        class E(ember.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, x, h, c):
                return self.m(x, (h, c))

        class T(torch.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, x, h, c):
                return self.m(x, (h, c))

        check_module(E(em), T(tm), [x, h0, c0])
    else:
        check_module(em, tm, [x, h0])


def test_rnn_relu_and_unbatched():
    em, tm = _pair("RNN", 3, 4, nonlinearity="relu", num_layers=2)
    assert repr(em) == repr(tm)
    check_module(em, tm, [randn(np.random.default_rng(0), 5, 3)])
    em, tm = _pair("LSTM", 3, 4, bidirectional=True)
    check_module(em, tm, [randn(np.random.default_rng(1), 5, 3)])


def test_lstm_proj_size():
    em, tm = _pair("LSTM", 3, 6, proj_size=2, num_layers=2, bidirectional=True)
    assert repr(em) == repr(tm)
    assert {k: tuple(v.shape) for k, v in em.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in tm.state_dict().items()}
    check_module(em, tm, [randn(np.random.default_rng(0), 4, 2, 3)])


def test_rnn_dropout_train_eval():
    em, tm = _pair("GRU", 3, 4, num_layers=2, dropout=0.5)
    assert repr(em) == repr(tm)
    em.eval()
    tm.eval()
    check_module(em, tm, [randn(np.random.default_rng(0), 4, 2, 3)])
    em.train()
    x = ember.tensor(randn(np.random.default_rng(0), 4, 2, 3))
    a, _ = em(x)
    b, _ = em(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_rnn_packed(name, enforce_sorted, bidirectional):
    em, tm = _pair(name, 3, 4, num_layers=2, bidirectional=bidirectional)
    copy_module(em, tm)
    lengths = [5, 3, 3, 1] if enforce_sorted else [2, 5, 1, 4]
    rng = np.random.default_rng(0)
    x = randn(rng, 5, 4, 3)
    xe = ember.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    pe = ernn.pack_padded_sequence(xe, lengths, enforce_sorted=enforce_sorted)
    pt = trnn.pack_padded_sequence(xt, torch.tensor(lengths), enforce_sorted=enforce_sorted)
    assert_close(pe.data, pt.data)
    assert_close(pe.batch_sizes, pt.batch_sizes)
    oe, he = em(pe)
    ot, ht = tm(pt)
    assert isinstance(oe, ernn.PackedSequence)
    assert_close(oe.data, ot.data)
    ue, le = ernn.pad_packed_sequence(oe, batch_first=True)
    ut, lt = trnn.pad_packed_sequence(ot, batch_first=True)
    assert_close(ue, ut)
    assert_close(le, lt)
    he = he if name != "LSTM" else he[0] * 2 + he[1]
    ht = ht if name != "LSTM" else ht[0] * 2 + ht[1]
    assert_close(he, ht)
    w = rng.standard_normal(tuple(ut.shape))
    w2 = rng.standard_normal(tuple(ht.shape))
    ((ue * ember.tensor(w, dtype=ember.float32)).sum() +
     (he * ember.tensor(w2, dtype=ember.float32)).sum()).backward()
    ((ut * torch.tensor(w, dtype=torch.float32)).sum() +
     (ht * torch.tensor(w2, dtype=torch.float32)).sum()).backward()
    assert_close(xe.grad, xt.grad)
    for k, p in tm.named_parameters():
        assert_close(dict(em.named_parameters())[k].grad, p.grad, atol=1e-5)


@pytest.mark.parametrize("name,kw", [("RNNCell", {}), ("RNNCell", dict(nonlinearity="relu")),
                                     ("LSTMCell", {}), ("GRUCell", {}),
                                     ("GRUCell", dict(bias=False))])
def test_cells(name, kw):
    em, tm = _pair(name, 3, 4, **kw)
    assert repr(em) == repr(tm)
    rng = np.random.default_rng(0)
    check_module(em, tm, [randn(rng, 2, 3)])
    check_module(em, tm, [randn(rng, 3)])
    if name != "LSTMCell":
        check_module(em, tm, [randn(rng, 2, 3), randn(rng, 2, 4)])


def test_cell_gradcheck():
    from ember._ops import rnn_ops

    rng = np.random.default_rng(0)

    def t(*s):
        return ember.tensor(rng.standard_normal(s), requires_grad=True)

    x, h, c = t(2, 3), t(2, 4), t(2, 4)
    wi, wh, bi, bh = t(16, 3), t(16, 4), t(16), t(16)
    gradcheck(lambda *a: rnn_ops.lstm_cell(*a), [x, h, c, wi, wh, bi, bh])
    wi3, wh3, bi3, bh3 = t(12, 3), t(12, 4), t(12), t(12)
    gradcheck(lambda *a: rnn_ops.gru_cell(*a), [x, h, wi3, wh3, bi3, bh3])
    wi1, wh1, bi1, bh1 = t(4, 3), t(4, 4), t(4), t(4)
    gradcheck(lambda *a: rnn_ops.rnn_cell(*a), [x, h, wi1, wh1, bi1, bh1])


def test_rnn_errors():
    em = ember.nn.LSTM(3, 4)
    tm = torch.nn.LSTM(3, 4)
    for shape in [(2, 3, 4, 3), (5, 2, 7)]:
        with pytest.raises(Exception) as et:
            tm(torch.zeros(shape))
        with pytest.raises(type(et.value)) as ee:
            em(ember.zeros(shape))
        assert str(ee.value) == str(et.value)
    with pytest.raises(RuntimeError) as et:
        tm(torch.zeros(5, 2, 3), (torch.zeros(2, 2, 4), torch.zeros(1, 2, 4)))
    with pytest.raises(RuntimeError) as ee:
        em(ember.zeros(5, 2, 3), (ember.zeros(2, 2, 4), ember.zeros(1, 2, 4)))
    assert str(ee.value) == str(et.value)
    with pytest.raises(ValueError):
        ember.nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError):
        ember.nn.LSTM(3, 4, proj_size=4)


def test_rnn_default_init_bounds():
    m = ember.nn.LSTM(3, 16, num_layers=2)
    for p in m.parameters():
        a = np.abs(p.detach().numpy())
        assert a.max() <= 0.25 and a.max() > 0.2


def test_pad_sequence_and_pack_sequence():
    rng = np.random.default_rng(0)
    seqs = [randn(rng, n, 2) for n in (3, 5, 2)]
    se = [ember.tensor(s, requires_grad=True) for s in seqs]
    st = [torch.tensor(s, requires_grad=True) for s in seqs]
    for kw in [{}, dict(batch_first=True, padding_value=-1.0),
               dict(batch_first=True, padding_side="left")]:
        assert_close(ernn.pad_sequence(se, **kw), trnn.pad_sequence(st, **kw))
    pe = ernn.pack_sequence(se, enforce_sorted=False)
    pt = trnn.pack_sequence(st, enforce_sorted=False)
    assert_close(pe.data, pt.data)
    assert_close(pe.sorted_indices, pt.sorted_indices)
    assert_close(pe.unsorted_indices, pt.unsorted_indices)
    for a, b in zip(ernn.unpack_sequence(pe), trnn.unpack_sequence(pt)):
        assert_close(a, b)
    w = rng.standard_normal(tuple(pt.data.shape))
    (pe.data * ember.tensor(w, dtype=ember.float32)).sum().backward()
    (pt.data * torch.tensor(w, dtype=torch.float32)).sum().backward()
    for a, b in zip(se, st):
        assert_close(a.grad, b.grad)
    pu, lu = ernn.pad_packed_sequence(pe, total_length=7, padding_value=9.0)
    tu, tl = trnn.pad_packed_sequence(pt, total_length=7, padding_value=9.0)
    assert_close(pu, tu)
    assert_close(lu, tl)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        ernn.pack_sequence(se)
