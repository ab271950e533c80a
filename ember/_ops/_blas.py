"""CPU BLAS threads: torch.set_num_threads / get_num_threads, and a GEMM that runs small products
on one thread.

NumPy's OpenBLAS splits every GEMM over all its threads. For small products (an LSTM step, one
head of attention, bmm of 128x128 matrices) waking and joining the threads costs more than the
product, and on a loaded machine a descheduled helper thread stalls the caller for a whole time
slice (measured: bmm 64x128x128 took 10-20x longer on 2 threads than on 1). Like torch's
parallel_for grain size, ``matmul`` runs a product whose per-matrix work m*n*k is below
``SMALL_GEMM``, or with a dimension below ``SKINNY``, on the calling thread only (OpenBLAS's
thread-local thread count, so other threads are unaffected); a batch of such products with
enough work in all is split over the intra-op threads instead (``_batched``). Without an OpenBLAS we can find, everything falls back to NumPy.
"""

import ctypes
import glob
import os

import numpy as np

from ember._ops._registry import register

# per-matrix multiply-adds below which a GEMM runs on one thread (~0.1 ms of one core)
SMALL_GEMM = 1 << 22
# a dimension below which the product is memory-bound (im2col of a 1-channel 3x3 conv: k = 9,
# a 10-class head: n = 10): extra threads only add synchronisation (measured 7x slower on 2)
SKINNY = 16

_lib = False  # not looked up yet; None when no OpenBLAS was found
_set_local = None


def _load():
    global _lib, _set_local
    _lib = None
    try:
        libdir = os.path.dirname(np.__file__) + ".libs"
        paths = sorted(glob.glob(os.path.join(libdir, "*openblas*")))
        if not paths:
            return None
        lib = ctypes.CDLL(paths[0])
        for prefix in ("scipy_openblas_", "openblas_"):
            for suffix in ("64_", "_64_", ""):
                setter = getattr(lib, f"{prefix}set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    setter.argtypes = [ctypes.c_int]
                    setter.restype = None
                    getter.restype = ctypes.c_int
                    lib.ember_set, lib.ember_get = setter, getter
                    local = getattr(lib, "openblas_set_num_threads_local", None)
                    if local is not None:
                        local.argtypes = [ctypes.c_int]
                        local.restype = ctypes.c_int
                        _set_local = local
                    _lib = lib
                    return lib
    except OSError:
        pass
    return None


def _blas():
    return _load() if _lib is False else _lib


_threads = None  # the count set through set_num_threads (None: the library's default)


@register(method=False)
def set_num_threads(num):
    """Set the number of threads used for intra-op parallelism on CPU (BLAS)."""
    global _threads
    if not isinstance(num, int) or isinstance(num, bool) or num <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _threads = num
    lib = _blas()
    if lib is not None:
        lib.ember_set(num)


@register(method=False)
def get_num_threads():
    """The number of threads used for intra-op parallelism on CPU."""
    lib = _blas()
    if lib is not None:
        return int(lib.ember_get())
    return _threads or os.cpu_count() or 1


def matmul(xp, a, b, out=None):
    """xp.matmul, with small per-matrix products on the calling thread only (CPU)."""
    if xp is np and a.ndim >= 2 and b.ndim >= 2:
        if _lib is False:
            _load()
        local = _set_local
        m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
        if local is not None and (m * k * n < SMALL_GEMM or min(m, k, n) < SKINNY):
            if (out is None and a.ndim >= 3 and a.shape[:-2] == b.shape[:-2]
                    and a.size // (m * k) >= 2 and a.size // (m * k) * m * k * n >= SMALL_GEMM):
                res = _batched(a, b, m, k, n, local)
                if res is not None:
                    return res
            old = local(1)
            try:
                return np.matmul(a, b) if out is None else np.matmul(a, b, out=out)
            finally:
                local(old)
    return xp.matmul(a, b) if out is None else xp.matmul(a, b, out=out)


def _one_thread_matmul(local, a, b, out, start, stop):
    # one 2-D GEMM per matrix: NumPy's stacked matmul, called from two threads at once with
    # the thread-local count at 1, ran no faster than on one thread (measured 5.5 ms vs 3.2 ms
    # for these 2-D calls, bmm 64x128x128 on 2 cores)
    def task():
        old = local(1)
        try:
            mm = np.matmul
            for i in range(start, stop):
                mm(a[i], b[i], out=out[i])
        finally:
            local(old)

    return task


def _batched(a, b, m, k, n, local):
    """A stack of small products with enough work in all: the batch split over the intra-op
    threads (ember/_ops/_parallel.py), each chunk on single-threaded BLAS (torch's bmm
    parallelises over the batch the same way). None when one thread is asked for."""
    from ember._ops import _parallel

    batch = a.size // (m * k)
    nt = min(_parallel.num_threads(), batch)
    if nt <= 1:
        return None
    dtype = np.result_type(a, b)
    a3, b3 = a.reshape(batch, m, k), b.reshape(batch, k, n)
    out = np.empty((batch, m, n), dtype)
    step = -(-batch // nt)
    _parallel.run([_one_thread_matmul(local, a3, b3, out, s, min(s + step, batch))
                   for s in range(0, batch, step)])
    return out.reshape(a.shape[:-2] + (m, n))
