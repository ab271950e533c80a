"""Tensor repr (provisional: to be made byte-identical to torch's formatter)."""

import numpy as np

from ember import _dtype


def tensor_repr(t):
    arr = np.asarray(t.__array__())
    if arr.dtype == _dtype.bfloat16.np_dtype:
        arr = arr.astype(np.float32)
    body = np.array2string(arr, separator=", ", prefix="tensor(")
    parts = [body]
    if t.dtype not in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool_):
        parts.append(f"dtype={t.dtype}")
    if t.device.type != "cpu":
        parts.append(f"device='{t.device}'")
    if t.grad_fn is not None:
        parts.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        parts.append("requires_grad=True")
    return "tensor(" + ", ".join(parts) + ")"


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    pass
