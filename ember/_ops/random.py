"""Random sampling: rand, randn, randint, randperm, normal, bernoulli, multinomial and the
in-place samplers (uniform_, normal_, random_, bernoulli_, exponential_, ...).

All draw from an ember.Generator (the device's default one unless `generator=` is given). The CPU
stream is mt19937; matching torch's per-function recipes bit for bit is tracked in issue 8.
"""

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


def _rng(generator):
    return _random.generator_for(generator).numpy_rng()


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


@register(method=False)
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """Uniform samples on [0, 1)."""
    shape = shape_arg(size)
    dt = _float_dtype(dtype)
    arr = _rng(generator).random(shape).astype(dt.np_dtype)
    dev = _device(device)
    return _finish(_place(arr, dev), dev, requires_grad)


@register(method=False)
def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    """Standard normal samples."""
    shape = shape_arg(size)
    dt = _float_dtype(dtype)
    arr = _rng(generator).standard_normal(shape).astype(dt.np_dtype)
    dev = _device(device)
    return _finish(_place(arr, dev), dev, requires_grad)


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
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    shape = shape_arg((size,))
    dt = dtype or _dtype.int64
    arr = _rng(generator).integers(low, high, shape, dtype=np.int64).astype(dt.np_dtype)
    dev = _device(device)
    return _finish(_place(arr, dev), dev, requires_grad)


@register(method=False)
def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0..n-1."""
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    dt = dtype or _dtype.int64
    arr = _rng(generator).permutation(n).astype(dt.np_dtype)
    dev = _device(device)
    return _finish(_place(arr, dev), dev, requires_grad)


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
                 requires_grad=False, memory_format=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype,
                   device=device or input.device, requires_grad=requires_grad)


def _fill(t, arr):
    """Write host samples into tensor t in place (no autograd: samplers are leaves' init)."""
    from ember.autograd.grad_mode import no_grad

    with no_grad():
        t.copy_(_tensor.make(np.asarray(arr), CPU) if t.device is CPU else
                _tensor.make(np.asarray(arr), CPU).to(t.device))
    return t


@register(function=False)
def uniform_(input, a=0.0, b=1.0, *, generator=None):
    """Fill with samples from U(a, b)."""
    return _fill(input, _rng(generator).uniform(a, b, input.shape))


@register(function=False)
def normal_(input, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples from N(mean, std^2)."""
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(input, _rng(generator).normal(mean, std, input.shape))


@register(function=False)
def random_(input, from_=0, to=None, *, generator=None):
    """Fill with integers from [from, to) (to defaults to the dtype's range)."""
    if to is None:
        dt = input.dtype
        if dt.is_floating_point:
            to = 2 ** {2: 11, 4: 24, 8: 53}[dt.itemsize] + 1
        elif dt is _dtype.bool_:
            to = 2
        else:
            to = int(np.iinfo(dt.np_dtype).max) + 1
    return _fill(input, _rng(generator).integers(from_, to, input.shape))


@register(function=False)
def exponential_(input, lambd=1.0, *, generator=None):
    return _fill(input, _rng(generator).exponential(1.0 / lambd, input.shape))


@register(function=False)
def geometric_(input, p, *, generator=None):
    return _fill(input, _rng(generator).geometric(p, input.shape))


@register(function=False)
def log_normal_(input, mean=1.0, std=2.0, *, generator=None):
    return _fill(input, _rng(generator).lognormal(mean, std, input.shape))


@register(function=False)
def cauchy_(input, median=0.0, sigma=1.0, *, generator=None):
    return _fill(input, median + sigma * _rng(generator).standard_cauchy(input.shape))


@register(function=False)
def bernoulli_(input, p=0.5, *, generator=None):
    """Fill with 0/1 samples, 1 with probability p (scalar or tensor)."""
    probs = p.detach().numpy() if isinstance(p, Tensor) else p
    return _fill(input, _rng(generator).random(input.shape) < probs)


@register()
def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples with probabilities given by input (or p)."""
    probs = input.detach().__array__() if p is None else p
    if p is None and ((probs < 0) | (probs > 1)).any():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    arr = (_rng(generator).random(input.shape) < probs).astype(input.dtype.np_dtype)
    return _finish(_place(arr, input.device), input.device, False)


@register(method=False)
def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False, pin_memory=False):
    """Normal samples; mean and std may be tensors (broadcast) or numbers (then size is given)."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean.detach().__array__() if isinstance(mean, Tensor) else mean
        s = std.detach().__array__() if isinstance(std, Tensor) else std
        ref = mean if isinstance(mean, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        arr = _rng(generator).normal(m, s, shape).astype(ref.dtype.np_dtype)
        return _finish(_place(arr, ref.device), ref.device, False)
    if size is None:
        raise TypeError("normal() missing required argument 'size'")
    dt = _float_dtype(dtype)
    arr = _rng(generator).normal(mean, std, shape_arg((size,))).astype(dt.np_dtype)
    dev = _device(device)
    return _finish(_place(arr, dev), dev, requires_grad)


@register()
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Sample category indices from (rows of) non-negative weights."""
    w = np.asarray(input.detach().__array__(), dtype=np.float64)
    single = w.ndim == 1
    w2 = w[None] if single else w
    if not replacement and num_samples > w2.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if (w2 < 0).any() or not np.isfinite(w2).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rng = _rng(generator)
    rows = []
    for row in w2:
        total = row.sum()
        if total <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        rows.append(rng.choice(len(row), num_samples, replace=replacement, p=row / total))
    arr = np.asarray(rows, dtype=np.int64)
    if single:
        arr = arr[0]
    return _finish(_place(arr, input.device), input.device, False)


@register()
def poisson(input, generator=None):
    lam = input.detach().__array__()
    arr = _rng(generator).poisson(lam).astype(input.dtype.np_dtype)
    return _finish(_place(arr, input.device), input.device, False)
