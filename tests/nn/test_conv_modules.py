import math

import numpy as np
import pytest
import torch

import ember
from tests.nn._spatial import check_module
from tests.nn._spatial import randn

CASES = [
    ("Conv1d", (3, 4, 3), {}, (2, 3, 9)),
    ("Conv1d", (4, 6, 2), dict(stride=2, padding=1, dilation=2, groups=2, bias=False), (2, 4, 9)),
    ("Conv1d", (2, 3, 3), dict(padding="same", padding_mode="circular"), (2, 2, 7)),
    ("Conv2d", (3, 5, 3), {}, (2, 3, 7, 6)),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
     (2, 4, 8, 7)),
    ("Conv2d", (2, 3, 3), dict(padding=1, padding_mode="reflect"), (1, 2, 5, 6)),
    ("Conv2d", (2, 3, 3), dict(padding=(2, 1), padding_mode="replicate"), (1, 2, 5, 6)),
    ("Conv2d", (2, 3, 4), dict(padding="same", padding_mode="reflect"), (1, 2, 6, 6)),
    ("Conv2d", (2, 3, 3), dict(padding="valid"), (2, 6, 6)),
    ("Conv3d", (2, 3, 2), dict(stride=(1, 2, 1), padding=1), (1, 2, 4, 5, 4)),
    ("ConvTranspose1d", (4, 3, 3), dict(stride=2, padding=1, output_padding=1), (2, 4, 5)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, groups=2, dilation=2, bias=False),
     (2, 4, 3, 4)),
    ("ConvTranspose2d", (3, 2, (3, 2)), dict(stride=(2, 3), padding=(1, 0),
                                             output_padding=(1, 2)), (2, 3, 4, 3)),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=2), (1, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("name,args,kw,shape", CASES)
def test_conv_module_oracle(name, args, kw, shape):
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(*args, **kw)
    em = getattr(ember.nn, name)(*args, **kw)
    assert repr(em) == repr(tm)
    assert {k: tuple(v.shape) for k, v in em.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in tm.state_dict().items()}
    x = randn(np.random.default_rng(0), *shape)
    check_module(em, tm, [x], atol=1e-4, rtol=1e-4)


def test_conv_transpose_output_size():
    torch.manual_seed(0)
    tm = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    em = ember.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    x = randn(np.random.default_rng(0), 1, 3, 4, 4)

    class Wrap:
        def __init__(self, m):
            self.m = m

    check_module(em, tm, [x], atol=1e-4)
    ye = em(ember.tensor(x), output_size=[8, 8])
    yt = tm(torch.tensor(x), output_size=[8, 8])
    assert tuple(ye.shape) == tuple(yt.shape) == (1, 2, 8, 8)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), atol=1e-5)
    with pytest.raises(ValueError):
        em(ember.tensor(x), output_size=[10, 10])


@pytest.mark.parametrize("name,args", [("Conv2d", (6, 8, 3)), ("Conv1d", (4, 2, 5)),
                                       ("ConvTranspose2d", (6, 4, 3))])
def test_conv_default_init_bounds(name, args):
    m = getattr(ember.nn, name)(*args)
    fan_in = m.weight.shape[1] * math.prod(m.weight.shape[2:])
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform(a=sqrt(5)) bound == 1/sqrt(fan_in)
    w = m.weight.detach().numpy()
    b = m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.7 * bound
    assert np.abs(b).max() <= bound
    assert m.weight.requires_grad and isinstance(m.weight, ember.nn.Parameter)


def test_conv_module_errors():
    for kw, msg in [(dict(groups=2), "in_channels must be divisible by groups"),
                    (dict(padding="same", stride=2), "padding='same' is not supported")]:
        with pytest.raises(ValueError, match=msg):
            ember.nn.Conv2d(3, 4, 3, **kw)
        with pytest.raises(ValueError, match=msg):
            torch.nn.Conv2d(3, 4, 3, **kw)
    with pytest.raises(ValueError):
        ember.nn.Conv2d(3, 4, 3, padding="foo")
    with pytest.raises(ValueError):
        ember.nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")
    m = ember.nn.Conv2d(3, 4, 3)
    with pytest.raises(RuntimeError) as ee:
        m(ember.zeros(1, 5, 6, 6))
    with pytest.raises(RuntimeError) as et:
        torch.nn.Conv2d(3, 4, 3)(torch.zeros(1, 5, 6, 6))
    assert "expected input[1, 5, 6, 6] to have 3 channels, but got 5 channels instead" in \
        str(ee.value) and str(ee.value).split("weight of size")[1] == \
        str(et.value).split("weight of size")[1]


def test_lazy_conv():
    m = ember.nn.LazyConv2d(4, 3)
    y = m(ember.randn(2, 3, 6, 6))
    assert tuple(y.shape) == (2, 4, 4, 4)
    assert type(m) is ember.nn.Conv2d and tuple(m.weight.shape) == (4, 3, 3, 3)
    assert repr(m) == repr(torch.nn.Conv2d(3, 4, 3))
