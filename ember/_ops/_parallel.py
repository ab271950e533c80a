"""Intra-op parallelism for big NumPy ufunc calls (CPU only).

NumPy runs a ufunc on one thread but releases the GIL inside the loop, so a call over a large
contiguous array can be split into one contiguous chunk per core, each computed by a persistent
worker thread into its slice of one preallocated output (torch's parallel_for over the same
grain). Small calls, non-contiguous or broadcasting operands, subclasses (the fake CuPy device)
and anything but NumPy arrays take the plain call. The thread count is ember.get_num_threads().

Used by the elementwise ops through ``call_binary`` / ``unary`` (ember/_ops/elementwise.py) and
by the batched GEMM in ``_blas.matmul`` (``run``).
"""

import os
import threading

import numpy as np

# elements below which a ufunc call stays on the calling thread (~0.3 ms of one core: a thread
# hand-off costs ~20-50 us)
MIN_SIZE = 1 << 19
_ALIGN = 4096  # chunk boundaries, in elements (whole cache lines / pages)

_nd = np.ndarray
_pool = None
_lock = threading.Lock()
_CPUS = os.cpu_count() or 1
# NumPy's default error state, which the pool's threads run under
_DEFAULT_ERR = {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}


# glibc malloc: keep freed blocks of up to MMAP_MAX bytes in the heap and trim it back to the OS
# only past TRIM bytes free. By default an array over 128 KB (then, adaptively, up to 32 MB) is a
# fresh mmap each time and freed heap tops are trimmed, so every new array faults its pages in
# again; on this VM a fault costs ~5 us per 4 KB page (a fresh 3.3 MB array: 4.5 ms to write,
# 0.3 ms when reused). lstm_step made ~7,300 faults per step (~28 MB) and spent a third of its
# time in them; with these settings it makes none. EMBER_MALLOC_TUNE=0 leaves malloc alone.
MMAP_MAX = 32 << 20
TRIM = 128 << 20


def _tune_malloc():
    if os.environ.get("EMBER_MALLOC_TUNE", "1") == "0" or not os.sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # not glibc (musl has no mallopt)
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3
    return bool(mallopt(-3, MMAP_MAX)) and bool(mallopt(-1, TRIM))


_malloc_tuned = _tune_malloc()


def num_threads():
    from ember._ops import _blas

    return _blas._threads or _CPUS


def _get_pool():
    global _pool
    if _pool is None:
        with _lock:
            if _pool is None:
                from concurrent.futures import ThreadPoolExecutor

                _pool = ThreadPoolExecutor(max(_CPUS - 1, 1), thread_name_prefix="ember-intraop")
    return _pool


def run(tasks):
    """Run zero-argument callables, the first on this thread and the rest on the pool; return
    their results in order (the first exception is raised after all have finished)."""
    if len(tasks) == 1:
        return [tasks[0]()]
    pool = _get_pool()
    futures = [pool.submit(t) for t in tasks[1:]]
    try:
        first = tasks[0]()
    finally:
        rest = [f.result() for f in futures] if futures else []
    return [first] + rest


def _chunk(fn, args, out, start, stop, err):
    def task():
        sl = slice(start, stop)
        parts = [x[sl] if type(x) is _nd else x for x in args]
        if err is None:
            fn(*parts, out=out[sl])
        else:
            with np.errstate(**err):
                fn(*parts, out=out[sl])

    return task


def ufunc(fn, *args):
    """``fn(*args)`` for a NumPy ufunc, split over threads when the array operands are big,
    C-contiguous and of one shape (Python scalars allowed); otherwise the plain call."""
    shape = None
    size = 0
    for x in args:
        if type(x) is _nd:
            if shape is None:
                shape, size = x.shape, x.size
            elif x.shape != shape:
                return fn(*args)
            if not x.flags.c_contiguous:
                return fn(*args)
        elif isinstance(x, np.generic) or not isinstance(x, (int, float, complex)):
            return fn(*args)
    if size < MIN_SIZE or fn.nout != 1:
        return fn(*args)
    n = num_threads()
    if n <= 1:
        return fn(*args)
    n = min(n, size // (MIN_SIZE // 2))
    if n <= 1:
        return fn(*args)
    # the result dtype, from a one-element call (NEP 50 scalar rules included)
    with np.errstate(all="ignore"):
        probe = fn(*[x.reshape(-1)[:1] if type(x) is _nd else x for x in args])
    out = np.empty(shape, probe.dtype)
    flat_args = [x.reshape(-1) if type(x) is _nd else x for x in args]
    flat_out = out.reshape(-1)
    err = np.geterr()
    err = None if err == _DEFAULT_ERR else err
    step = -(-size // n)
    step = -(-step // _ALIGN) * _ALIGN
    tasks = [_chunk(fn, flat_args, flat_out, s, min(s + step, size), err)
             for s in range(0, size, step)]
    run(tasks)
    return out



def rows(fn, n, size):
    """Call ``fn(lo, hi)`` over [0, n) split in one contiguous range per intra-op thread when the
    work (``size`` elements in all) is worth a hand-off, else ``fn(0, n)`` once. For row-wise
    kernels (softmax over the last dim) whose rows are independent."""
    nt = num_threads() if size >= ROWS_MIN_SIZE else 1
    nt = min(nt, n)
    if nt <= 1:
        fn(0, n)
        return
    step = -(-n // nt)
    run([(lambda lo=lo: fn(lo, min(lo + step, n))) for lo in range(0, n, step)])


# elements from which a row-wise kernel with a transcendental per element (exp: ~2 ns each on
# one core) is split over threads
ROWS_MIN_SIZE = 1 << 17
