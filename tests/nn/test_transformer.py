import numpy as np
import pytest
import torch

import ember
from tests._oracle import assert_close
from tests.nn._spatial import check_module
from tests.nn._spatial import randn

pytestmark = pytest.mark.skipif(not (hasattr(ember.nn, "LayerNorm") and
                                     hasattr(ember.nn, "Dropout") and
                                     hasattr(ember.nn.functional, "gelu")),
                                reason="needs nn.LayerNorm / nn.Dropout / F.gelu (issue 5, "
                                       "other half)")


class _Call(object):
    pass


def _wrap(lib, m, names):
    class W(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = m

        def forward(self, *args):
            n = len(args) - len(names)
            return self.m(*args[:n], **dict(zip(names, args[n:])))

    return W()


@pytest.mark.parametrize("kw", [dict(), dict(norm_first=True, activation="gelu"),
                                dict(batch_first=True, bias=False)])
def test_encoder_layer_oracle(kw):
    torch.manual_seed(0)
    tm = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kw).eval()
    em = ember.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kw).eval()
    assert repr(em) == repr(tm)
    rng = np.random.default_rng(0)
    x = randn(rng, 2, 5, 8) if kw.get("batch_first") else randn(rng, 5, 2, 8)
    mask = np.triu(np.full((5, 5), -np.inf, np.float32), 1)
    kpm = np.zeros((2, 5), bool)
    kpm[1, 4] = True
    names = ("src_mask", "src_key_padding_mask")
    check_module(_wrap(ember, em, names), _wrap(torch, tm, names), [x, mask, kpm], atol=1e-4)


@pytest.mark.parametrize("kw", [dict(), dict(norm_first=True)])
def test_decoder_layer_oracle(kw):
    torch.manual_seed(0)
    tm = torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True, **kw).eval()
    em = ember.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True, **kw).eval()
    assert repr(em) == repr(tm)
    rng = np.random.default_rng(1)
    tgt, mem = randn(rng, 2, 4, 8), randn(rng, 2, 6, 8)
    mask = np.triu(np.ones((4, 4), bool), 1)
    names = ("tgt_mask",)
    check_module(_wrap(ember, em, names), _wrap(torch, tm, names), [tgt, mem, mask], atol=1e-4)


def test_transformer_oracle():
    torch.manual_seed(0)
    kw = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
              dim_feedforward=16, dropout=0.0)
    tm = torch.nn.Transformer(**kw).eval()
    em = ember.nn.Transformer(**kw).eval()
    assert repr(em) == repr(tm)
    rng = np.random.default_rng(2)
    src, tgt = randn(rng, 6, 2, 8), randn(rng, 4, 2, 8)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(4).numpy()
    assert_close(ember.nn.Transformer.generate_square_subsequent_mask(4),
                 torch.nn.Transformer.generate_square_subsequent_mask(4))
    names = ("tgt_mask",)
    check_module(_wrap(ember, em, names), _wrap(torch, tm, names), [src, tgt, mask], atol=1e-4)


def test_encoder_stack_with_norm():
    torch.manual_seed(0)
    tl = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    tm = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(8),
                                     enable_nested_tensor=False).eval()
    el = ember.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    em = ember.nn.TransformerEncoder(el, 2, norm=ember.nn.LayerNorm(8),
                                     enable_nested_tensor=False).eval()
    assert repr(em) == repr(tm)
    check_module(em, tm, [randn(np.random.default_rng(3), 5, 2, 8)], atol=1e-4)
