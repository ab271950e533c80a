"""Random streams bit-identical to torch's CPU generator (issue 8): every sampler, many seeds,
sizes, dtypes and interleaved call sequences, compared bitwise with real torch."""

import warnings

import numpy as np
import pytest
import torch

import ember

SEEDS = [0, 1, 7, 12345, 2**32 + 5, 2**63 - 1]
SIZES = [(1,), (15,), (16,), (17,), (1000,), (3, 7), (5, 16, 3), (0,)]
FLOATS = ["float32", "float64"]


def bits(x):
    a = np.asarray(x.detach().numpy() if hasattr(x, "detach") else x)
    return a


def same(e, t):
    a, b = bits(e), bits(t)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    if a.dtype.kind == "f":
        a, b = a.view(np.uint8), b.view(np.uint8)
    assert np.array_equal(a, b), "values differ"


def both(fn, seed):
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # torch's float-range warnings
        t = fn(torch)
    ember.manual_seed(seed)
    e = fn(ember)
    return e, t


SAMPLERS = {
    "rand": lambda m, sz, dt: m.rand(*sz, dtype=dt),
    "randn": lambda m, sz, dt: m.randn(*sz, dtype=dt),
    "rand_like": lambda m, sz, dt: m.rand_like(m.zeros(sz, dtype=dt)),
    "randn_like": lambda m, sz, dt: m.randn_like(m.zeros(sz, dtype=dt)),
    "uniform_": lambda m, sz, dt: m.empty(sz, dtype=dt).uniform_(-0.37, 0.81),
    "uniform_wide": lambda m, sz, dt: m.empty(sz, dtype=dt).uniform_(-1000.0, 7.0),
    "normal_": lambda m, sz, dt: m.empty(sz, dtype=dt).normal_(0.3, 2.7),
    "normal_size": lambda m, sz, dt: m.normal(-1.5, 0.25, sz, dtype=dt),
    "exponential_": lambda m, sz, dt: m.empty(sz, dtype=dt).exponential_(2.5),
    "geometric_": lambda m, sz, dt: m.empty(sz, dtype=dt).geometric_(0.3),
    "log_normal_": lambda m, sz, dt: m.empty(sz, dtype=dt).log_normal_(0.2, 0.7),
    "cauchy_": lambda m, sz, dt: m.empty(sz, dtype=dt).cauchy_(0.4, 1.7),
    "bernoulli_scalar": lambda m, sz, dt: m.empty(sz, dtype=dt).bernoulli_(0.3),
    "bernoulli_tensor": lambda m, sz, dt: m.empty(sz, dtype=dt).bernoulli_(
        m.tensor(np.linspace(0, 1, int(np.prod(sz))).reshape(sz), dtype=dt)),
    "bernoulli_tensor_f32p": lambda m, sz, dt: m.empty(sz, dtype=dt).bernoulli_(
        m.tensor(np.linspace(0, 1, int(np.prod(sz))).reshape(sz), dtype=m.float32)),
    "bernoulli_fn": lambda m, sz, dt: m.bernoulli(m.full(sz, 0.45, dtype=dt)),
    "bernoulli_fn_p": lambda m, sz, dt: m.bernoulli(m.zeros(sz, dtype=dt), 0.6),
    "random_": lambda m, sz, dt: m.empty(sz, dtype=dt).random_(),
    "random_to": lambda m, sz, dt: m.empty(sz, dtype=dt).random_(100),
    "random_from_to": lambda m, sz, dt: m.empty(sz, dtype=dt).random_(-7, 9),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
@pytest.mark.parametrize("dt", FLOATS)
def test_samplers_bitwise(name, dt):
    for seed in SEEDS:
        for sz in SIZES:
            e, t = both(lambda m: SAMPLERS[name](m, sz, getattr(m, dt)), seed)
            same(e, t)


@pytest.mark.parametrize("dt", ["int64", "int32", "int16", "int8", "uint8", "bool"])
def test_integer_random(dt):
    for seed in SEEDS[:4]:
        for sz in [(1,), (17,), (1000,)]:
            same(*both(lambda m: m.empty(sz, dtype=getattr(m, dt)).random_(), seed))
            same(*both(lambda m: m.empty(sz, dtype=getattr(m, dt)).random_(0, 2), seed))
            same(*both(lambda m: m.empty(sz, dtype=getattr(m, dt)).bernoulli_(0.5), seed))


@pytest.mark.parametrize("args", [(10,), (-5, 1000), (0, 2**40), (-2**62, 2**62), (3, 4),
                                  (0, 2**28), (0, 2**28 - 1), (-10, 2**28 - 10), (5, 2**31 + 7)])
def test_randint(args):
    for seed in SEEDS:
        for sz in [(1,), (17,), (1000,), (4, 5)]:
            same(*both(lambda m: m.randint(*args, sz), seed))
            same(*both(lambda m: m.randint(*args, sz, dtype=m.float64), seed))
            same(*both(lambda m: m.randint_like(m.zeros(sz), *args), seed))


def test_random_int64_full_ranges():
    for seed in SEEDS[:3]:
        same(*both(lambda m: m.empty(50, dtype=m.int64).random_(-2**63, None), seed))
        same(*both(lambda m: m.empty(50, dtype=m.int64).random_(5, None), seed))
        same(*both(lambda m: m.empty(50, dtype=m.int32).random_(-3, None), seed))
        same(*both(lambda m: m.empty(50, dtype=m.float32).random_(-3, None), seed))
        same(*both(lambda m: m.empty(50, dtype=m.float64).random_(5, None), seed))
        for hi in (2**28 - 1, 2**28, 2**31 - 1):
            same(*both(lambda m: m.empty(50, dtype=m.int32).random_(0, hi), seed))
            same(*both(lambda m: m.empty(50, dtype=m.float32).random_(0, hi), seed))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 17, 1000, 60000])
def test_randperm(n):
    for seed in SEEDS[:4]:
        same(*both(lambda m: m.randperm(n), seed))
    same(*both(lambda m: m.randperm(n, dtype=m.int32), 3))
    same(*both(lambda m: m.randperm(n, dtype=m.float64), 3))


def test_randperm_large_path_recipe():
    # torch switches to 64-bit "inside-out" Fisher-Yates at n >= 2**32 // 20 (too large to
    # compare in a unit test); check the recipe on the raw stream with the threshold lowered
    from ember._ops import random as R

    old = R._RANDPERM_SMALL
    try:
        R._RANDPERM_SMALL = 5
        g = ember.Generator().manual_seed(3)
        perm = R._randperm_host(g, 100)
    finally:
        R._RANDPERM_SMALL = old
    b = np.random.MT19937(0)
    b._legacy_seeding(3)
    raw = b.random_raw(200)
    z = ((raw[0::2] << np.uint64(32)) | raw[1::2]) % np.arange(1, 101, dtype=np.uint64)
    ref = np.empty(100, np.int64)
    for i, k in enumerate(z.tolist()):
        ref[i] = ref[k]
        ref[k] = i
    assert np.array_equal(perm, ref)
    assert sorted(perm.tolist()) == list(range(100))


@pytest.mark.parametrize("dt", FLOATS)
def test_normal_overloads(dt):
    def mk(m):
        mean = m.tensor(np.linspace(-2, 2, 40).reshape(8, 5), dtype=getattr(m, dt))
        std = m.tensor(np.linspace(0.1, 3, 5), dtype=getattr(m, dt))
        return mean, std

    for seed in SEEDS[:4]:
        same(*both(lambda m: m.normal(*mk(m)), seed))
        same(*both(lambda m: m.normal(mk(m)[0], 0.7), seed))
        same(*both(lambda m: m.normal(0.3, mk(m)[1]), seed))
        same(*both(lambda m: m.normal(mk(m)[0][:2, :3], 1.5), seed))
        same(*both(lambda m: m.normal(0.0, 1.0, (3, 40), dtype=getattr(m, dt)), seed))


@pytest.mark.parametrize("dt", FLOATS)
def test_non_contiguous_targets(dt):
    def go(m, fn):
        base = m.zeros(6, 40, dtype=getattr(m, dt))
        fn(base.t())
        fn(base[:, ::3])
        return base

    for name in ["uniform_", "normal_", "exponential_", "bernoulli_", "random_", "cauchy_"]:
        args = {"bernoulli_": (0.4,)}.get(name, ())
        same(*both(lambda m: go(m, lambda x: getattr(x, name)(*args)), 11))


def test_interleaved_sequence():
    """Many functions on one generator: the cached normal and stream positions stay in step."""
    def seq(m, g):
        out = [m.randn(3, generator=g, dtype=m.float64), m.randn(1, generator=g),
               m.rand(5, generator=g), m.randn(17, generator=g),
               m.empty(3).normal_(generator=g), m.randint(0, 10, (4,), generator=g),
               m.empty(5).log_normal_(generator=g), m.randperm(9, generator=g),
               m.empty(7, dtype=m.float64).normal_(2.0, 0.5, generator=g),
               m.empty(4).exponential_(generator=g), m.bernoulli(m.full((6,), 0.5), generator=g),
               m.multinomial(m.tensor([0.1, 0.5, 0.4]), 4, True, generator=g),
               m.empty(33, dtype=m.float64).normal_(generator=g), m.randn(2, generator=g)]
        return out

    for seed in SEEDS:
        g_t = torch.Generator().manual_seed(seed)
        g_e = ember.Generator().manual_seed(seed)
        for e, t in zip(seq(ember, g_e), seq(torch, g_t)):
            same(e, t)
        same(g_e.get_state(), g_t.get_state())


def test_default_generator_sequence():
    for seed in SEEDS[:3]:
        def seq(m):
            return [m.randn(5), m.rand(2, 3), m.randn(1, dtype=m.float64), m.randperm(20),
                    m.randn(40), m.empty(5).uniform_(2, 3), m.randint(5, (3,))]
        torch.manual_seed(seed)
        ts = seq(torch)
        ember.manual_seed(seed)
        es = seq(ember)
        for e, t in zip(es, ts):
            same(e, t)


@pytest.mark.parametrize("dt", FLOATS)
def test_multinomial(dt):
    w = np.random.default_rng(0).random((4, 30)) ** 3
    w[1, :10] = 0
    for seed in SEEDS[:4]:
        for n, repl in [(1, True), (1, False), (50, True), (7, False), (20, False)]:
            same(*both(lambda m: m.multinomial(m.tensor(w, dtype=getattr(m, dt)), n, repl),
                       seed))
            same(*both(lambda m: m.multinomial(m.tensor(w[0], dtype=getattr(m, dt)), n, repl),
                       seed))


def test_generator_api_and_state_layout():
    g = ember.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed()
    for seed in [0, 5, 2**40 + 3, -1]:
        g.manual_seed(seed)
        gt = torch.Generator().manual_seed(seed)
        assert g.initial_seed() == gt.initial_seed()
        same(g.get_state(), gt.get_state())
        ember.randn(3, generator=g, dtype=ember.float64)
        torch.randn(3, generator=gt, dtype=torch.float64)
        same(g.get_state(), gt.get_state())        # cached normal included
    # round trips, both directions
    torch.manual_seed(9)
    torch.randn(5, dtype=torch.float64)
    ember.set_rng_state(ember.tensor(torch.get_rng_state().numpy()))
    same(ember.randn(7, dtype=ember.float64), torch.randn(7, dtype=torch.float64))
    ember.manual_seed(4)
    ember.rand(630)
    ember.randn(1)
    st = ember.get_rng_state()
    assert st.dtype is ember.uint8 and tuple(st.shape) == (5056,)
    torch.set_rng_state(torch.from_numpy(st.numpy().copy()))
    same(ember.randn(21), torch.randn(21))
    a = ember.rand(4)
    ember.set_rng_state(st)
    ember.randn(21)
    same(ember.rand(4), a)
    s = g.seed()
    assert g.initial_seed() == s
    with pytest.raises(RuntimeError):
        ember.set_rng_state(ember.zeros(10, dtype=ember.uint8))


def test_errors():
    with pytest.raises(RuntimeError):
        ember.empty(3).uniform_(2, 1)
    with pytest.raises(RuntimeError):
        ember.empty(3).normal_(0, -1)
    with pytest.raises(RuntimeError):
        ember.randint(5, 5, (2,))
    with pytest.raises(RuntimeError):
        ember.empty(3).bernoulli_(1.5)
    with pytest.raises(RuntimeError):
        ember.multinomial(ember.tensor([1.0, 0.0]), 2, False)
