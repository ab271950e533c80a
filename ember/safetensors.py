"""safetensors files for ember tensors: the counterpart of ``safetensors.torch``.

``from safetensors.torch import save_file, load_file`` becomes
``from ember.safetensors import save_file, load_file``. Built on the safetensors package's NumPy
API, an optional dependency (``pip install safetensors`` or ``pip install ember[safetensors]``),
imported only when one of these functions is called. bfloat16 goes through ml_dtypes.
"""

import os

import numpy as np

from ember import _dtype
from ember import _tensor
from ember._backend import backend_for
from ember._device import device as _device_cls
from ember._tensor import Tensor

__all__ = ["save", "save_file", "load", "load_file", "save_model", "load_model"]

# safetensors' dtype tags -> NumPy dtypes ember has a dtype for
_TAGS = {"F64": np.float64, "F32": np.float32, "F16": np.float16,
         "BF16": _dtype.bfloat16.np_dtype, "I64": np.int64, "I32": np.int32, "I16": np.int16,
         "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_, "C64": np.complex64}


def _package():
    try:
        import safetensors
        import safetensors.numpy
    except ImportError:
        raise ImportError("ember.safetensors needs the optional 'safetensors' package: "
                          "pip install safetensors (or pip install ember[safetensors])") from None
    return safetensors


def _to_numpy(tensors):
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, Tensor] but received {type(tensors)}")
    bad = [k for k, v in tensors.items() if not isinstance(v, Tensor)]
    if bad:
        raise ValueError(f"Key `{bad[0]}` is invalid, expected Tensor but received "
                         f"{type(tensors[bad[0]])}")
    _check_shared(tensors)
    out = {}
    for k, v in tensors.items():
        if not isinstance(k, str):
            raise ValueError(f"Expected a dict of [str, Tensor] but key {k!r} is a "
                             f"{type(k).__name__}")
        if not v.is_contiguous():
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{k}` which is not allowed. "
                "It either means you are trying to save tensors which are reference of each "
                "other in which case it's recommended to save only the full tensors, and "
                "reslice at load time, or simply call `.contiguous()` on your tensor to pack "
                "it before saving.")
        if v.dtype is _dtype.complex128:
            raise ValueError(f"safetensors cannot store the dtype {v.dtype} (tensor `{k}`)")
        host = backend_for(v.device).to_host(v._data)
        out[k] = host if host.flags.c_contiguous else host.copy(order="C")
    return out


def _shared_groups(tensors):
    """Groups of names whose tensors share memory (by overlapping byte ranges)."""
    spans = []
    for name, t in tensors.items():
        if t.numel() == 0:
            continue
        ptr = t.data_ptr()
        spans.append((str(t.device), ptr, ptr + t.numel() * t.element_size(), name))
    spans.sort()
    groups, current, end = [], [], None
    for dev, lo, hi, name in spans:
        if current and dev == current[0][0] and lo < end:
            current.append((dev, name))
            end = max(end, hi)
        else:
            if len(current) > 1:
                groups.append([n for _, n in current])
            current, end = [(dev, name)], hi
    if len(current) > 1:
        groups.append([n for _, n in current])
    return groups


def _check_shared(tensors):
    groups = _shared_groups(tensors)
    if groups:
        raise RuntimeError(
            f"Some tensors share memory, this will lead to duplicate memory on disk and "
            f"potential differences when loading them again: {groups}.\nA potential way to "
            "correctly save your model is to use `save_model`.\nMore information at "
            "https://huggingface.co/docs/safetensors/torch_shared_tensors")


def _from_numpy(arr, device):
    dev = _device_cls("cuda", device) if isinstance(device, int) else _device_cls(device)
    if arr.dtype not in _dtype._FROM_NP:
        raise TypeError(f"ember does not support the dtype {arr.dtype} stored in this file")
    host = np.array(arr, copy=True)  # writable, owns its memory
    data = host if dev.type == "cpu" else backend_for(dev).from_host(host, dev)
    return _tensor.make(data, dev)


def save(tensors, metadata=None):
    """The bytes of a safetensors file holding `tensors` (a dict of str -> Tensor)."""
    pkg = _package()
    return pkg.numpy.save(_to_numpy(tensors), metadata=metadata)


def save_file(tensors, filename, metadata=None):
    """Write `tensors` (a dict of str -> Tensor) to a safetensors file."""
    pkg = _package()
    pkg.numpy.save_file(_to_numpy(tensors), os.fspath(filename), metadata=metadata)


def load(data, device="cpu"):
    """The tensors of a safetensors file given as bytes."""
    pkg = _package()
    out = {}
    for name, info in pkg.deserialize(data):
        np_dtype = _TAGS.get(info["dtype"])
        if np_dtype is None:
            raise TypeError(f"ember does not support the safetensors dtype {info['dtype']} "
                            f"(tensor `{name}`)")
        arr = np.frombuffer(info["data"], dtype=np_dtype).reshape(info["shape"])
        out[name] = _from_numpy(arr, device)
    return out


def load_file(filename, device="cpu"):
    """The tensors of a safetensors file, on `device`."""
    pkg = _package()
    out = {}
    with pkg.safe_open(os.fspath(filename), framework="np") as f:
        for name in f.keys():
            try:
                arr = f.get_tensor(name)
            except Exception as e:  # unsupported dtype for the NumPy framework
                raise TypeError(f"ember cannot read tensor `{name}` of {filename}: {e}") \
                    from None
            out[name] = _from_numpy(np.asarray(arr), device)
    return out


def _dedupe(state_dict):
    """Keep one name per group of tensors sharing memory (the first in state_dict order)."""
    groups = _shared_groups(state_dict)
    order = {k: i for i, k in enumerate(state_dict)}
    dropped = {}
    for g in groups:
        keep = min(g, key=order.__getitem__)
        for name in g:
            if name != keep:
                dropped[name] = keep
    return {k: v for k, v in state_dict.items() if k not in dropped}, dropped


def save_model(model, filename, metadata=None, force_contiguous=False):
    """Save a module's state_dict, dropping names that alias another tensor (tied weights)."""
    state = {k: v.detach() for k, v in model.state_dict().items()}
    state, dropped = _dedupe(state)
    if force_contiguous:
        state = {k: v.contiguous() for k, v in state.items()}
    if metadata is None:
        metadata = {}
    metadata.update({k: v for k, v in dropped.items()})
    try:
        save_file(state, filename, metadata=metadata or None)
    except ValueError as e:
        raise ValueError(f"{e}\nOr use save_model(..., force_contiguous=True), read the docs "
                         "for potential caveats.") from None


def load_model(model, filename, strict=True, device="cpu"):
    """Load a safetensors file into a module; returns (missing, unexpected) key lists."""
    state = load_file(filename, device=device)
    model_state = model.state_dict()
    _, aliased = _dedupe({k: v for k, v in model_state.items()})
    for alias, kept in aliased.items():
        if alias not in state and kept in state:
            state[alias] = state[kept]
    missing = sorted(set(model_state) - set(state))
    unexpected = sorted(set(state) - set(model_state))
    if strict and (missing or unexpected):
        parts = []
        if unexpected:
            parts.append("Unexpected key(s) in state_dict: " +
                         ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if missing:
            parts.append("Missing key(s) in state_dict: " +
                         ", ".join(f'"{k}"' for k in missing) + ". ")
        raise RuntimeError(f"Error(s) in loading state_dict for {type(model).__name__}:\n\t" +
                           "\n\t".join(parts))
    model.load_state_dict(state, strict=False)
    return missing, unexpected

