"""The CPU backend: NumPy arrays."""

import numpy as xp

from ember._device import CPU as DEVICE

ndarray = xp.ndarray


def data_ptr(arr):
    return arr.__array_interface__["data"][0]


def storage_root(arr):
    """The array that owns the memory `arr` views (the storage)."""
    root = arr
    while isinstance(root.base, xp.ndarray):
        root = root.base
    return root


def to_host(arr):
    return arr


def from_host(arr, device):
    return arr


def synchronize():
    pass
