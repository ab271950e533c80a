"""Random sampling: rand, randn, randint, randperm, normal, bernoulli, multinomial and the
in-place samplers (uniform_, normal_, random_, bernoulli_, exponential_, ...).

All draw from an ember.Generator (the device's default one unless `generator=` is given). On the
CPU each sampler turns the generator's raw mt19937 words into values with the same recipe as
torch 2.x's CPU kernels (the AVX2 ones where torch's basic and AVX2 kernels differ), so seeded
programs give torch's numbers bit for bit; docs/random.md lists the recipes and the exceptions.
Samples are made on the host and then moved to the tensor's device.
"""

import math

import numpy as np

from ember import _dtype
from ember import _random
from ember import _tensor
from ember._device import CPU
from ember._ops._registry import register
from ember._ops._util import shape_arg
from ember._ops.creation import _device
from ember._ops.creation import _finish

Tensor = _tensor.Tensor

_F32 = np.float32
_F64 = np.float64
_U64 = np.uint64


def _gen(generator):
    return _random.generator_for(generator)


def _rng(generator):
    """NumPy Generator on the same stream, for samplers that are ember's own (poisson)."""
    return _gen(generator).numpy_rng()


def _place(arr, dev):
    if dev is not CPU:
        from ember._backend import backend_for

        arr = backend_for(dev).from_host(arr, dev)
    return arr


def _float_dtype(dtype):
    dt = dtype or _dtype.get_default_dtype()
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"\"check_uniform_bounds\" not implemented for "
                           f"'{_dtype.SCALAR_NAMES[dt]}'")
    return dt


# ====================================================================== exact arithmetic helpers
def _two_sum(a, b):
    s = a + b
    bp = s - a
    ap = s - bp
    return s, (a - ap) + (b - bp)


def _round_odd(s, err):
    """Round-to-odd correction of s = RN(x) given the exact error err = x - s."""
    fix = (err != 0) & ((s.view(np.int64) & 1) == 0)
    if fix.any():
        s = np.where(fix, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
    return s


def _fma32(a, b, c):
    """Correctly rounded float32 fused multiply-add a*b + c (what AVX2's vfmadd computes)."""
    a, b, c = np.broadcast_arrays(np.asarray(a, _F32), np.asarray(b, _F32), np.asarray(c, _F32))
    p = a.astype(_F64) * b.astype(_F64)             # exact: 24 + 24 bits
    s, err = _two_sum(p, c.astype(_F64))
    return _round_odd(s, err).astype(_F32)           # odd rounding to 53 bits, then RN to 24


def _split(a):
    c = 134217729.0 * a
    hi = c - (c - a)
    return hi, a - hi


def _fma64(a, b, c):
    """Correctly rounded float64 a*b + c (error-free transforms and rounding to odd)."""
    a, b, c = np.broadcast_arrays(np.asarray(a, _F64), np.asarray(b, _F64), np.asarray(c, _F64))
    uh = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    ul = ((ah * bh - uh) + ah * bl + al * bh) + al * bl
    th, tl = _two_sum(c, ul)
    vh, vl = _two_sum(uh, th)
    w = _round_odd(*_two_sum(tl, vl))
    out = vh + w
    special = ~np.isfinite(uh) | ~np.isfinite(c)
    if special.any():
        out = np.where(special, a * b + c, out)
    return out


# ====================================================================== raw uniforms
def _u32(g, n):
    """torch's uniform_real_distribution<float>(0, 1): 24 random bits of a 32-bit draw."""
    return (g.random_raw32(n) & _U64(0xFFFFFF)).astype(_F32) * _F32(2.0 ** -24)


def _u64(g, n):
    """uniform_real_distribution<double>(0, 1): 53 random bits of a 64-bit draw."""
    return (g.random_raw64(n) & _U64((1 << 53) - 1)).astype(_F64) * (2.0 ** -53)


def _u_small(g, n, digits):
    """half / bfloat16 uniforms: `digits` random bits of a 32-bit draw (as float32)."""
    return (g.random_raw32(n) & _U64((1 << digits) - 1)).astype(_F32) * _F32(2.0 ** -digits)


def _digits(dt):
    if dt is _dtype.float64:
        return 53
    if dt is _dtype.float32:
        return 24
    if dt is _dtype.float16:
        return 11
    return 8                                          # bfloat16


# ====================================================================== iteration order
def _host_for(t, values):
    """Arrange `values` (1-d, in torch's serial iteration order over t) into t's shape: torch
    walks a tensor in memory order (dimensions sorted by stride)."""
    shape = tuple(t.shape)
    if len(shape) <= 1 or t.is_contiguous():
        return values.reshape(shape)
    strides = t.stride()
    perm = sorted(range(len(shape)), key=lambda d: -strides[d])
    return values.reshape([shape[d] for d in perm]).transpose(np.argsort(perm))


def _fill(t, arr):
    """Write host samples into tensor t in place (no autograd: samplers are leaves' init)."""
    from ember.autograd.grad_mode import no_grad

    src = _tensor.make(np.asarray(arr).astype(t.dtype.np_dtype, copy=False), CPU)
    with no_grad():
        t.copy_(src if t.device is CPU else src.to(t.device))
    return t


def _fill_serial(t, values):
    return _fill(t, _host_for(t, values))


def _check_float_tensor(t, name="check_uniform_bounds"):
    if not t.dtype.is_floating_point:
        raise RuntimeError(f"\"{name}\" not implemented for '{_dtype.SCALAR_NAMES[t.dtype]}'")


# ====================================================================== normal recipes
def _normal_serial(g, n, mean, std):
    """torch's normal_distribution<double>: Box-Muller on two double uniforms, the sine value
    cached on the generator for the next call; values are fma(z, std, mean) in double."""
    out = np.empty(n, _F64)
    k = 0
    if n and g._next_double_normal is not None:
        out[0] = g._next_double_normal
        g._next_double_normal = None
        k = 1
    m = n - k
    if m > 0:
        pairs = (m + 1) // 2
        u = _u64(g, 2 * pairs).reshape(pairs, 2)
        r = np.sqrt(-2.0 * np.log1p(-u[:, 1]))
        theta = 2.0 * math.pi * u[:, 0]
        z = np.empty((pairs, 2), _F64)
        z[:, 0] = r * np.cos(theta)
        z[:, 1] = r * np.sin(theta)
        z = z.reshape(-1)
        out[k:] = z[:m]
        if m % 2:
            g._next_double_normal = float(z[m])
    return _fma64(out, std, mean)


def _box_muller_blocks64(d, mean, std):
    u1 = 1.0 - d[:, :8]
    u2 = d[:, 8:]
    radius = np.sqrt(-2.0 * np.log(u1))
    theta = 2.0 * math.pi * u2
    return np.concatenate([_fma64(radius * np.cos(theta), std, mean),
                           _fma64(radius * np.sin(theta), std, mean)], axis=1)


def _normal_fill(g, n, mean, std, blocks, uniform):
    """torch's normal_fill (n >= 16, contiguous): n uniforms, Box-Muller in blocks of 16 (first 8
    radii, last 8 angles); when n % 16 != 0 the last 16 values are redrawn and redone."""
    data = uniform(g, n)
    full = n // 16 * 16
    out = np.empty(n, data.dtype)
    out[:full] = blocks(data[:full].reshape(-1, 16), mean, std).reshape(-1)
    if n % 16:
        out[n - 16:] = blocks(uniform(g, 16).reshape(1, 16), mean, std).reshape(-1)
    return out


# float32 on AVX2: torch uses the avx_mathfun (cephes-based) log and sincos, compiled with
# fused multiply-adds. The functions below redo those float32 operations one by one.
_C = _F32


def _madd(a, b, c):
    return _fma32(a, b, c)


def _log256(x):
    x = np.asarray(x, _F32)
    invalid = x <= 0
    x = np.maximum(x, np.array(0x00800000, np.int32).view(_F32))
    xi = x.view(np.int32)
    e = ((xi >> 23) - 0x7F).astype(_F32) + _C(1)
    x = ((xi & ~0x7F800000) | np.array(0.5, _F32).view(np.int32)).view(_F32)
    mask = x < _C(0.707106781186547524)
    tmp = np.where(mask, x, _C(0))
    x = x - _C(1)
    e = e - np.where(mask, _C(1), _C(0))
    x = x + tmp
    z = x * x
    y = np.full_like(x, _C(7.0376836292e-2))
    for c in (-1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
              -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1):
        y = _madd(y, x, _C(c))
    y = y * x
    y = _madd(y, z, e * _C(-2.12194440e-4))
    y = _madd(-z, _C(0.5), y)
    x = x + y
    x = _madd(e, _C(0.693359375), x)
    return np.where(invalid, _C(np.nan), x)


def _sincos256(x):
    x = np.asarray(x, _F32)
    sign_sin = x.view(np.int32) & np.int32(-0x80000000)
    x = np.abs(x)
    j = (x * _C(1.27323954473516)).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(_F32)
    swap_sin = ((j & 4) << 29).astype(np.int32)
    poly_mask = (j & 2) == 0
    x = _madd(y, _C(-0.78515625), x)
    x = _madd(y, _C(-2.4187564849853515625e-4), x)
    x = _madd(y, _C(-3.77489497744594108e-8), x)
    sign_cos = ((~(j - 2) & 4) << 29).astype(np.int32)
    sign_sin = sign_sin ^ swap_sin
    z = x * x
    yc = np.full_like(x, _C(2.443315711809948e-5))
    yc = _madd(yc, z, _C(-1.388731625493765e-3))
    yc = _madd(yc, z, _C(4.166664568298827e-2))
    yc = yc * z
    yc = _madd(yc, z, -(z * _C(0.5)))
    yc = yc + _C(1)
    ys = np.full_like(x, _C(-1.9515295891e-4))
    ys = _madd(ys, z, _C(8.3321608736e-3))
    ys = _madd(ys, z, _C(-1.6666654611e-1))
    ys = ys * z
    ys = _madd(ys, x, x)
    s = np.where(poly_mask, ys, yc)
    c = np.where(poly_mask, yc, ys)
    s = (s.view(np.int32) ^ sign_sin).view(_F32)
    c = (c.view(np.int32) ^ sign_cos).view(_F32)
    return s, c


def _box_muller_blocks32(d, mean, std):
    mean, std = _F32(mean), _F32(std)
    u1 = _C(1) - d[:, :8]
    u2 = d[:, 8:]
    radius = np.sqrt(_C(-2) * _log256(u1))
    s, c = _sincos256(_C(2 * math.pi) * u2)
    return np.concatenate([_fma32(radius * c, std, mean), _fma32(radius * s, std, mean)], 1)


def _normal_host(t, g, mean, std):
    """Samples for t.normal_(mean, std) in t's layout (host array of t's dtype)."""
    n = t.numel()
    dt = t.dtype
    if n >= 16 and t.is_contiguous() and dt in (_dtype.float32, _dtype.float64):
        if dt is _dtype.float32:
            vals = _normal_fill(g, n, float(_F32(mean)), float(_F32(std)),
                                _box_muller_blocks32, _u32)
        else:
            vals = _normal_fill(g, n, mean, std, _box_muller_blocks64, _u64)
        return vals.reshape(tuple(t.shape))
    return _host_for(t, _normal_serial(g, n, mean, std).astype(dt.np_dtype))


# ====================================================================== uniform / rand
def _uniform_host(t, g, a, b):
    n = t.numel()
    dt = t.dtype
    if dt is _dtype.float64:
        vals = _fma64(_u64(g, n), b - a, a)
    elif dt is _dtype.float32:
        fa, fb = _F32(a), _F32(b)
        vals = _fma32(_u32(g, n), fb - fa, fa)
    else:                                             # half / bfloat16: not torch's bits
        fa, fb = _F32(a), _F32(b)
        vals = _fma32(_u_small(g, n, _digits(dt)), fb - fa, fa)
    return _host_for(t, vals.astype(dt.np_dtype))


def _empty(shape, dt):
    from ember._ops import creation

    return creation.empty(shape, dtype=dt)


@register(method=False)
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """Uniform samples on [0, 1)."""
    shape = shape_arg(size)
    dt = _float_dtype(dtype)
    t = _empty(shape, dt)
    arr = _uniform_host(t, _gen(generator), 0.0, 1.0)
    dev = _device(device)
    return _finish(_place(arr, dev), dev, requires_grad)


@register(method=False)
def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    """Standard normal samples."""
    shape = shape_arg(size)
    dt = _float_dtype(dtype)
    t = _empty(shape, dt)
    arr = _normal_host(t, _gen(generator), 0.0, 1.0)
    dev = _device(device)
    return _finish(_place(arr, dev), dev, requires_grad)


# ====================================================================== integers
def _int_range_default(dt):
    if dt.is_floating_point:
        return 1 << _digits(dt)
    if dt is _dtype.bool_:
        return 1
    return int(np.iinfo(dt.np_dtype).max)


def _random_from_to(g, n, dt, low, rng):
    """torch's uniform_int_from_to: (draw % range) + from, with 64-bit draws when the range is
    2**28 or more (measured on torch 2.13's CPU kernel), else 32-bit draws; a full 2**64 range
    (int64 from the minimum, no top) is the 64-bit draw itself."""
    if rng >= (1 << 64):
        vals = g.random_raw64(n).view(np.int64)
    else:
        raw = g.random_raw64(n) if rng >= (1 << 28) else g.random_raw32(n)
        vals = ((raw % _U64(rng)) + _U64(low & 0xFFFFFFFFFFFFFFFF)).view(np.int64)
    if dt is _dtype.bool_:
        return vals.astype(bool)
    return vals.astype(dt.np_dtype)


def _random_full(g, n, dt):
    """random_() with no bounds: torch's uniform_int over the dtype's natural range."""
    if dt is _dtype.int64:
        return (g.random_raw64(n) % _U64(1 << 63)).view(np.int64).copy()
    if dt is _dtype.float64:
        return (g.random_raw64(n) % _U64((1 << 53) + 1)).astype(_F64)
    raw = g.random_raw32(n)
    if dt is _dtype.bool_:
        return (raw & _U64(1)).astype(bool)
    if dt.is_floating_point:
        return (raw % _U64((1 << _digits(dt)) + 1)).astype(dt.np_dtype)
    return (raw % _U64(int(np.iinfo(dt.np_dtype).max) + 1)).astype(dt.np_dtype)


def _check_from_to(low, high):
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")


@register(method=False)
def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad=False, pin_memory=False):
    """Integers uniformly from [low, high); randint(high, size) or randint(low, high, size)."""
    if size is None:
        if high is None:
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    shape = shape_arg((size,))
    dt = dtype or _dtype.int64
    low, rng = _from_to_range(dt, low, high)
    n = int(np.prod(shape, dtype=np.int64))
    arr = _random_from_to(_gen(generator), n, dt, low, rng).reshape(shape)
    dev = _device(device)
    return _finish(_place(arr, dev), dev, requires_grad)


_MISSING = object()


def _float_from(dt, v):
    """torch's update_from: when from + 1 rounds below from on dt's grid, the next value up."""
    f = dt.np_dtype.type(v + 1)
    if int(f) < v:
        return int(np.nextafter(f, dt.np_dtype.type(np.inf)))
    return v


def _float_to(dt, v):
    """torch's update_to: when to - 1 rounds to to or above on dt's grid, the next value down."""
    f = dt.np_dtype.type(v - 1)
    if int(f) >= v:
        return int(np.nextafter(f, dt.np_dtype.type(-np.inf)))
    return v


def _from_to_range(dt, low, high):
    """(from, range) of torch's random_(from, to) for dtype dt (to=None: the dtype's top)."""
    low = int(low)
    if high is None:
        to_inc = _int_range_default(dt)
        if dt.is_floating_point:
            low = _float_from(dt, low)
        if dt is _dtype.int64 and low == -(1 << 63):
            return low, 1 << 64
        return low, to_inc - low + 1
    high = int(high)
    _check_from_to(low, high)
    if dt.is_floating_point:
        low = _float_from(dt, low)
        return low, _float_to(dt, high) - low
    return low, high - low


@register(function=False)
def random_(input, from_=_MISSING, to=_MISSING, *, generator=None, **kw):
    """random_(): the dtype's natural range; random_(to): [0, to); random_(from, to): [from, to)
    (to=None: up to the dtype's top)."""
    if "from" in kw:
        from_ = kw.pop("from")
    if kw:
        raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kw))}'")
    g = _gen(generator)
    dt = input.dtype
    n = input.numel()
    if from_ is _MISSING and to is _MISSING:
        return _fill_serial(input, _random_full(g, n, dt))
    if to is _MISSING:                                # random_(to)
        from_, to = 0, from_
    elif from_ is _MISSING:
        from_ = 0
    low, rng = _from_to_range(dt, from_, to)
    return _fill_serial(input, _random_from_to(g, n, dt, low, rng))


# ====================================================================== randperm
_RANDPERM_SMALL = 0xFFFFFFFF // 20


def _randperm_host(g, n):
    if n < _RANDPERM_SMALL:
        # swap position i with i + (32-bit draw % (n - i)), i = 0 .. n-2
        perm = list(range(n))
        if n > 1:
            z = (g.random_raw32(n - 1) % np.arange(n, 1, -1, dtype=_U64)).tolist()
            for i, k in enumerate(z):
                if k:
                    j = i + k
                    perm[i], perm[j] = perm[j], perm[i]
        return np.array(perm, dtype=np.int64)
    # large n: "inside-out" Fisher-Yates with 64-bit draws % (i + 1)
    z = (g.random_raw64(n) % np.arange(1, n + 1, dtype=_U64)).astype(np.int64)
    perm = np.empty(n, np.int64)
    for i, k in enumerate(z.tolist()):
        perm[i] = perm[k]
        perm[k] = i
    return perm


@register(method=False)
def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0..n-1."""
    n = int(n)
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    dt = dtype or _dtype.int64
    arr = _randperm_host(_gen(generator), n).astype(dt.np_dtype)
    dev = _device(device)
    return _finish(_place(arr, dev), dev, requires_grad)


# ====================================================================== *_like
def _like(fn):
    def create(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None):
        return fn(*input.shape, dtype=dtype or input.dtype, device=device or input.device,
                  requires_grad=requires_grad, generator=generator)

    return create


rand_like = register("rand_like", method=False)(_like(rand))
randn_like = register("randn_like", method=False)(_like(randn))


@register(method=False)
def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, generator=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype,
                   device=device or input.device, requires_grad=requires_grad,
                   generator=generator)


# ====================================================================== in-place samplers
@register(function=False)
def uniform_(input, a=0.0, b=1.0, *, generator=None, **kw):
    """Fill with samples from U(a, b)."""
    if "from" in kw:
        a = kw.pop("from")
    if "to" in kw:
        b = kw.pop("to")
    _check_float_tensor(input)
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={a} > to={b}")
    return _fill(input, _uniform_host(input, _gen(generator), float(a), float(b)))


@register(function=False)
def normal_(input, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples from N(mean, std^2)."""
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    _check_float_tensor(input, "normal_kernel_cpu")
    return _fill(input, _normal_host(input, _gen(generator), float(mean), float(std)))


@register(function=False)
def exponential_(input, lambd=1.0, *, generator=None):
    """Fill with Exp(lambd) samples: -1/lambd * log1p(-u), u a double uniform."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    _check_float_tensor(input, "exponential_cpu")
    g = _gen(generator)
    vals = (-1.0 / float(lambd)) * np.log1p(-_u64(g, input.numel()))
    return _fill_serial(input, vals.astype(input.dtype.np_dtype))


@register(function=False)
def geometric_(input, p, *, generator=None):
    """Fill with Geometric(p) samples: ceil(log(u) / log1p(-p))."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    g = _gen(generator)
    with np.errstate(divide="ignore"):
        vals = np.ceil(np.log(_u64(g, input.numel())) / np.log1p(-float(p)))
    if not input.dtype.is_floating_point:
        vals = np.where(np.isfinite(vals), vals, 0)
    return _fill_serial(input, vals.astype(input.dtype.np_dtype))


@register(function=False)
def log_normal_(input, mean=1.0, std=2.0, *, generator=None):
    """Fill with exp(N(mean, std^2)) samples (the double normal, cache included)."""
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    _check_float_tensor(input, "log_normal_cpu")
    vals = np.exp(_normal_serial(_gen(generator), input.numel(), float(mean), float(std)))
    return _fill_serial(input, vals.astype(input.dtype.np_dtype))


@register(function=False)
def cauchy_(input, median=0.0, sigma=1.0, *, generator=None):
    """Fill with Cauchy samples: median + sigma * tan(pi * (u - 0.5))."""
    _check_float_tensor(input, "cauchy_cpu")
    u = _u64(_gen(generator), input.numel())
    vals = _fma64(float(sigma), np.tan(math.pi * (u - 0.5)), float(median))
    return _fill_serial(input, vals.astype(input.dtype.np_dtype))


def bernoulli_host(shape, p, generator=None):
    """A bool array of `shape`: u < p with u a double uniform per element (torch's
    bernoulli_(float p), which dropout uses)."""
    shape = tuple(shape)
    n = int(np.prod(shape, dtype=np.int64))
    return (_u64(_gen(generator), n) < float(p)).reshape(shape)


def _check_p(p):
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")


def _bernoulli_tensor_p(t, g, probs):
    """p given per element: a double uniform if p is float64, else a float uniform."""
    probs = np.broadcast_to(probs, tuple(t.shape))
    if ((probs < 0) | (probs > 1)).any():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    n = t.numel()
    if probs.dtype == _F64:
        u = _u64(g, n)
        ordered = probs
    else:
        u = _u32(g, n)
        ordered = probs.astype(_F32)
    if len(t.shape) > 1 and not t.is_contiguous():
        strides = t.stride()
        perm = sorted(range(t.dim()), key=lambda d: -strides[d])
        ordered = ordered.transpose(perm)
    res = (u < ordered.reshape(-1)).astype(t.dtype.np_dtype)
    return _host_for(t, res)


@register(function=False)
def bernoulli_(input, p=0.5, *, generator=None):
    """Fill with 0/1 samples, 1 with probability p (scalar or tensor)."""
    g = _gen(generator)
    if isinstance(p, Tensor):
        probs = np.asarray(p.detach().cpu().numpy())
        if probs.dtype not in (np.float32, np.float64, np.float16):
            probs = probs.astype(_F32)
        return _fill(input, _bernoulli_tensor_p(input, g, probs))
    _check_p(p)
    vals = (_u64(g, input.numel()) < float(p)).astype(input.dtype.np_dtype)
    return _fill_serial(input, vals)


@register()
def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples with probabilities given by input (or p)."""
    from ember._ops import creation

    res = creation.empty(tuple(input.shape), dtype=input.dtype)
    if p is None:
        bernoulli_(res, input, generator=generator)
    else:
        bernoulli_(res, p, generator=generator)
    arr = res.numpy()
    return _finish(_place(arr, input.device), input.device, False)


@register(method=False)
def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False, pin_memory=False):
    """Normal samples; mean and std may be tensors (broadcast) or numbers (then size is given).
    Tensor forms follow torch: samples of N(0, 1) (or N(0, std) for a number std), then
    multiplied by the std tensor and added the mean, in the output's dtype."""
    g = _gen(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean.detach().cpu().numpy() if isinstance(mean, Tensor) else None
        s = std.detach().cpu().numpy() if isinstance(std, Tensor) else None
        ref = mean if isinstance(mean, Tensor) else std
        dt = ref.dtype
        if s is not None and (s < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        if m is not None and s is not None:
            shape = np.broadcast_shapes(m.shape, s.shape)
        else:
            shape = (m if m is not None else s).shape
        tmp = _empty(shape, dt)
        if s is None:                                 # normal(Tensor mean, float std)
            z = _normal_host(tmp, g, 0.0, float(std))
            arr = (z + m).astype(dt.np_dtype)
        else:
            z = _normal_host(tmp, g, 0.0, 1.0)
            arr = (z * s).astype(dt.np_dtype)
            arr = (arr + (m if m is not None else dt.np_dtype.type(mean))).astype(dt.np_dtype)
        return _finish(_place(np.ascontiguousarray(arr), ref.device), ref.device, False)
    if size is None:
        raise TypeError("normal() missing required argument 'size'")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    dt = _float_dtype(dtype)
    t = _empty(shape_arg((size,)), dt)
    arr = _normal_host(t, g, float(mean), float(std))
    dev = _device(device)
    return _finish(_place(arr, dev), dev, requires_grad)


@register()
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Sample category indices from (rows of) non-negative weights, with torch's recipes:
    with replacement, a double uniform per sample searched in the normalised cumulative sum;
    without (or one sample), argmax / top-k of p / Exp(1)."""
    w = np.asarray(input.detach().cpu().numpy())
    if w.dtype.kind != "f":
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{_dtype.SCALAR_NAMES[input.dtype]}")
    if w.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    single = w.ndim == 1
    w2 = w[None] if single else w
    ncat = w2.shape[1]
    if not replacement and num_samples > ncat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if (w2 < 0).any() or not np.isfinite(w2).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (w2.sum(axis=1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    g = _gen(generator)
    if not replacement or num_samples == 1:
        if not replacement and ((w2 > 0).sum(axis=1) < num_samples).any():
            raise RuntimeError("invalid multinomial distribution (with replacement=False, not "
                               "enough non-negative category to sample)")
        q = ((-1.0) * np.log1p(-_u64(g, w2.size))).astype(w2.dtype).reshape(w2.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            s = (w2 / q).astype(w2.dtype)
        if num_samples == 1:
            arr = np.argmax(s, axis=1)[:, None]
        else:
            arr = np.argsort(-s, axis=1, kind="stable")[:, :num_samples]
    else:
        cum = np.cumsum(w2, axis=1, dtype=w2.dtype)
        total = cum[:, -1:]
        cum = (cum / np.where(total > 0, total, 1)).astype(w2.dtype)
        cum[:, -1] = 1
        u = _u64(g, w2.shape[0] * num_samples).reshape(w2.shape[0], num_samples)
        arr = np.stack([np.searchsorted(cum[i], u[i], side="left")
                        for i in range(w2.shape[0])])
        arr = np.minimum(arr, ncat - 1)
    arr = np.asarray(arr, dtype=np.int64)
    if single:
        arr = arr[0]
    return _finish(_place(arr, input.device), input.device, False)


@register()
def poisson(input, generator=None):
    """Poisson samples (ember's own stream: not torch's recipe)."""
    lam = input.detach().cpu().numpy()
    arr = _rng(generator).poisson(lam).astype(input.dtype.np_dtype)
    return _finish(_place(arr, input.device), input.device, False)
