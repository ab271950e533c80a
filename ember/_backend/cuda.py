"""The CUDA backend: CuPy arrays. CuPy is imported only here, lazily."""

import os

import numpy as np

from ember._device import device as _device

_ERROR = ("ember was not installed with CUDA support or no CUDA GPU is visible: install the "
          "'cuda' extra (pip install ember[cuda]) on a machine with an NVIDIA GPU")

try:  # pragma: no cover - depends on the machine
    import cupy as xp

    _AVAILABLE = xp.cuda.runtime.getDeviceCount() > 0
except Exception:  # ImportError, or CUDA driver errors when no GPU is present
    xp = None
    _AVAILABLE = False


# validate index/target values on the host (a sync per op): off by default, as torch's CUDA
# kernels check on the device; EMBER_CUDA_CHECK_VALUES=1 turns it on (see checks_values)
CHECK_VALUES = os.environ.get("EMBER_CUDA_CHECK_VALUES", "0") == "1"


def is_available():
    return _AVAILABLE


def require():
    if not _AVAILABLE:
        raise AssertionError("Torch not compiled with CUDA enabled (" + _ERROR + ")")


def device_of(arr):
    return _device("cuda", arr.device.id)


def data_ptr(arr):
    return arr.data.ptr


def storage_root(arr):
    root = arr
    while root.base is not None:
        root = root.base
    return root


def to_host(arr):
    return xp.asnumpy(arr)


def from_host(arr, device):
    with xp.cuda.Device(device.index or 0):
        # NB: not np.ascontiguousarray, which turns a 0-d array into shape (1,)
        return xp.asarray(arr if arr.flags.c_contiguous else np.array(arr, order="C"))


def synchronize():
    xp.cuda.Stream.null.synchronize()
