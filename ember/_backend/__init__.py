"""Backends: the array module (`xp`) for each device kind.

Everything above this package computes through ``backend_for(device).xp`` and never imports
numpy or cupy to compute; nothing outside it knows which device kind it runs on.
"""

from ember._backend import cpu

_CUDA = None


def backend_for(dev):
    """The backend module (cpu or cuda) that serves an ember.device."""
    if dev.type == "cpu":
        return cpu
    if dev.type == "cuda":
        return _cuda_backend()
    raise RuntimeError(f"ember has no backend for device type '{dev.type}'")


def _cuda_backend():
    global _CUDA
    if _CUDA is None:
        from ember._backend import cuda

        cuda.require()
        _CUDA = cuda
    return _CUDA


def device_of_array(arr):
    """The ember device an array lives on (NumPy -> cpu, CuPy -> its GPU)."""
    if isinstance(arr, cpu.xp.ndarray):
        return cpu.DEVICE
    return _cuda_backend().device_of(arr)


def array_module(arr):
    """The array module (numpy or cupy) of a backend array, for code that holds only arrays."""
    if isinstance(arr, cpu.xp.ndarray):
        return cpu.xp
    return _cuda_backend().xp


def checks_values(arr):
    """Whether an op should validate data values of `arr` on the host (index bounds, targets).

    Free for cpu arrays. On cuda it would cost a device-to-host copy and a stream sync per op,
    so, as torch (whose CUDA kernels assert on the device, asynchronously), it is skipped unless
    ``ember._backend.cuda.CHECK_VALUES`` (env ``EMBER_CUDA_CHECK_VALUES=1``) is set for debugging.
    """
    return isinstance(arr, cpu.xp.ndarray) or _cuda_backend().CHECK_VALUES
