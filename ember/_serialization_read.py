"""The reading side of ember.serialization: torch's pickled names mapped to ember objects
(storage types, dtypes), the functions torch's pickles call to rebuild tensors and parameters,
the ``weights_only`` allowlist, the restricted unpickler and ``map_location``.

ember.serialization re-exports every name here, so checkpoints and pickles naming
``ember.serialization.<name>`` still load.
"""

import _compat_pickle
import collections
import pickle

import numpy as np

from ember import _dtype
from ember import _tensor
from ember._backend import backend_for
from ember._device import device as _device_cls
from ember._storage import TypedStorage
from ember._storage import UntypedStorage
from ember._tensor import Size
from ember._tensor import Tensor

# ---------------------------------------------------------------------------- torch's names

STORAGE_NAMES = {
    _dtype.float32: "FloatStorage", _dtype.float64: "DoubleStorage",
    _dtype.float16: "HalfStorage", _dtype.bfloat16: "BFloat16Storage",
    _dtype.uint8: "ByteStorage", _dtype.int8: "CharStorage", _dtype.int16: "ShortStorage",
    _dtype.int32: "IntStorage", _dtype.int64: "LongStorage", _dtype.bool_: "BoolStorage",
    _dtype.complex64: "ComplexFloatStorage", _dtype.complex128: "ComplexDoubleStorage",
}


class _StorageType:
    """Stands for one of torch's storage classes (torch.FloatStorage...) in a pickle."""

    __slots__ = ("module", "name", "dtype", "untyped")

    def __init__(self, module, name, dtype, untyped=False):
        self.module = module
        self.name = name
        self.dtype = dtype
        self.untyped = untyped

    def __repr__(self):
        return f"<class '{self.module}.{self.name}'>"


class _UnsupportedDtypeError(TypeError):
    """A checkpoint holds a dtype ember does not have (raised as is by load)."""


class _UnsupportedDtype:
    """A torch dtype ember has no counterpart for (uint16, float8...): fails when used."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


_STORAGE_TYPES = {d: _StorageType("torch", n, d) for d, n in STORAGE_NAMES.items()}
_UNTYPED = _StorageType("torch.storage", "UntypedStorage", _dtype.uint8, untyped=True)

_UNSUPPORTED_DTYPE_NAMES = (
    "uint16", "uint32", "uint64", "complex32", "float8_e4m3fn", "float8_e4m3fnuz",
    "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2", "qint8", "quint8",
    "qint32", "quint4x2", "quint2x4", "bits8", "bits16", "bits1x8", "bits2x4", "bits4x2",
    "int1", "int2", "int3", "int4", "int5", "int6", "int7", "uint1", "uint2", "uint3", "uint4",
    "uint5", "uint6", "uint7")


def _get_layout(name):
    """torch.serialization._get_layout: a layout object from its name."""
    if name == "torch.strided":
        return _tensor.strided
    if name == "torch.sparse_coo":
        return _tensor.sparse_coo
    raise RuntimeError(f"ember does not support the tensor layout {name}")


# ---------------------------------------------------------------------------- rebuild functions

def _check_ints(name, values):
    if not isinstance(values, (tuple, list)) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
        raise RuntimeError(f"Invalid tensor {name} in checkpoint: {values!r}")
    return tuple(values)


def _storage_parts(storage):
    if isinstance(storage, TypedStorage):
        return storage._untyped_storage, storage.dtype
    if isinstance(storage, UntypedStorage):
        return storage, _dtype.uint8
    raise RuntimeError(f"expected a storage to rebuild a tensor from, got "
                       f"{type(storage).__name__}")


def _view_of_storage(untyped, dt, storage_offset, size, stride):
    """A backend array of dtype `dt` viewing `untyped`'s memory (shares it)."""
    if isinstance(dt, _UnsupportedDtype):
        raise _UnsupportedDtypeError(f"ember does not support the dtype {dt} stored in this "
                                     "checkpoint")
    if not isinstance(dt, _dtype.dtype):
        raise RuntimeError(f"Invalid dtype in checkpoint: {dt!r}")
    if isinstance(storage_offset, bool) or not isinstance(storage_offset, int) \
            or storage_offset < 0:
        raise RuntimeError(f"Invalid storage offset in checkpoint: {storage_offset!r}")
    size = _check_ints("size", size)
    stride = _check_ints("stride", stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: size {list(size)}, "
                           f"stride {list(stride)}")
    item = dt.itemsize
    numel_storage = untyped.nbytes() // item
    empty = any(n == 0 for n in size)
    needed = 0 if empty else storage_offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if needed > numel_storage:
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
            f"{storage_offset}, and itemsize {item} requiring a storage size of "
            f"{needed * item} are out of bounds for storage of size {numel_storage * item}")
    raw = untyped._data
    if raw.shape[0] != numel_storage * item:
        raw = raw[:numel_storage * item]
    typed = raw.view(dt.np_dtype)
    offset = 0 if empty else storage_offset * item
    strides = tuple(s * item for s in stride)
    if untyped._device.type == "cpu":
        return np.ndarray(size, dt.np_dtype, buffer=typed, offset=offset, strides=strides)
    xp = backend_for(untyped._device).xp  # pragma: no cover - needs a GPU
    return xp.ndarray(size, dt.np_dtype, memptr=typed.data + offset, strides=strides)


def _rebuild_tensor(storage, storage_offset, size, stride):
    untyped, dt = _storage_parts(storage)
    arr = _view_of_storage(untyped, dt, storage_offset, size, stride)
    return _tensor.make(arr, untyped._device)


def _set_requires_grad(t, requires_grad):
    if requires_grad:
        if not isinstance(requires_grad, bool):
            raise RuntimeError(f"Invalid requires_grad in checkpoint: {requires_grad!r}")
        t.requires_grad = True
    return t


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    return _set_requires_grad(t, requires_grad)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    untyped, _ = _storage_parts(storage)
    arr = _view_of_storage(untyped, dtype, storage_offset, size, stride)
    return _set_requires_grad(_tensor.make(arr, untyped._device), requires_grad)


def _parameter_class():
    from ember.nn.parameter import Parameter

    return Parameter


def _rebuild_parameter(data, requires_grad, backward_hooks):
    if not isinstance(data, Tensor):
        raise RuntimeError(f"expected a Tensor to rebuild a Parameter, got "
                           f"{type(data).__name__}")
    return Tensor._make_subclass(_parameter_class(), data, bool(requires_grad))


def _set_obj_state(obj, state):
    if state is None:
        return obj
    if isinstance(state, tuple) and len(state) == 2:
        dict_state, slots_state = state
    else:
        dict_state, slots_state = state, None
    for part in (dict_state, slots_state):
        if not part:
            continue
        if not isinstance(part, dict):
            raise RuntimeError(f"Invalid object state in checkpoint: {type(part).__name__}")
        for k, v in part.items():
            if not isinstance(k, str) or k.startswith("__"):
                raise RuntimeError(f"Invalid attribute name in checkpoint: {k!r}")
            setattr(obj, k, v)
    return obj


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _set_obj_state(_rebuild_parameter(data, requires_grad, backward_hooks), state)


_REBUILDERS = set()  # functions _rebuild_from_type_v2 may call (filled below)


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in _REBUILDERS and not _is_user_safe(func):
        raise RuntimeError(f"Invalid rebuild function in checkpoint: {func!r}")
    if not isinstance(args, tuple):
        raise RuntimeError("Invalid rebuild arguments in checkpoint")
    ret = func(*args)
    if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
        raise RuntimeError(f"Invalid tensor type in checkpoint: {new_type!r}")
    if type(ret) is not new_type:
        ret = Tensor._make_subclass(new_type, ret, ret.requires_grad)
    return _set_obj_state(ret, state)


def _rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad):
    return _set_requires_grad(data.to(dtype=dtype, device=device), requires_grad)


def _rebuild_device_tensor_from_numpy(data, dtype, device, requires_grad):
    from ember._ops import creation

    t = creation.tensor(np.asarray(data), dtype=dtype, device=device)
    return _set_requires_grad(t, requires_grad)


def _unsupported(kind):
    def rebuild(*args, **kwargs):
        raise RuntimeError(f"ember cannot load {kind} tensors (the checkpoint holds one)")

    rebuild.__name__ = "_rebuild_" + kind.replace(" ", "_")
    return rebuild


def _codecs_encode(obj, encoding="utf-8", errors="strict"):
    """_codecs.encode as protocol-2 pickles use it for bytes: str -> bytes in latin1 only."""
    if not isinstance(obj, str) or encoding not in ("latin1", "latin-1") or errors != "strict":
        raise _WeightsOnlyError(_weights_only_message(
            "_codecs.encode is only allowed with a str and the 'latin1' encoding (as pickle "
            f"protocol 2 writes bytes), got encoding {encoding!r}"))
    return obj.encode("latin1")


_REBUILDERS.update((_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
                    _rebuild_parameter_with_state))


# ---------------------------------------------------------------------------- allowlist

def _torch_globals():
    table = {
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch._utils._rebuild_device_tensor_from_cpu_tensor":
            _rebuild_device_tensor_from_cpu_tensor,
        "torch._utils._rebuild_qtensor": _unsupported("quantized"),
        "torch._utils._rebuild_sparse_tensor": _unsupported("sparse"),
        "torch._utils._rebuild_nested_tensor": _unsupported("nested"),
        "torch._utils._rebuild_meta_tensor_no_storage": _unsupported("meta"),
        "torch._utils._rebuild_wrapper_subclass": _unsupported("wrapper subclass"),
        "torch.Size": Size,
        "torch.device": _device_cls,
        "torch.Tensor": Tensor,
        "torch.storage.UntypedStorage": _UNTYPED,
        "torch.serialization._get_layout": _get_layout,
        "collections.OrderedDict": collections.OrderedDict,
        "collections.Counter": collections.Counter,
        "builtins.set": set,
        "builtins.frozenset": frozenset,
        "builtins.bytearray": bytearray,
        "builtins.complex": complex,
        "_codecs.encode": _codecs_encode,
    }
    for d, name in STORAGE_NAMES.items():
        table["torch." + name] = _STORAGE_TYPES[d]
        table["torch.cuda." + name] = _STORAGE_TYPES[d]
    for d in _dtype.ALL:
        table["torch." + d.name] = d
    for alias in ("half", "float", "double", "cfloat", "cdouble", "short", "int", "long"):
        table["torch." + alias] = _dtype._BY_NAME[alias]
    for name in _UNSUPPORTED_DTYPE_NAMES:
        table["torch." + name] = _UnsupportedDtype(name)
    return table


_TORCH_GLOBALS = _torch_globals()
# lazily resolved (import cycles): torch name -> (ember module, attribute)
_LAZY_GLOBALS = {"torch.nn.parameter.Parameter": ("ember.nn.parameter", "Parameter")}

_SAFE_GLOBALS = []  # what add_safe_globals was given, in order


def _safe_name(entry):
    if isinstance(entry, tuple):
        if len(entry) != 2 or not isinstance(entry[1], str):
            raise ValueError("safe global entries must be objects or (object, 'module.name') "
                             "tuples")
        return entry[1], entry[0]
    return f"{entry.__module__}.{entry.__qualname__}", entry


def _user_safe_table():
    return dict(_safe_name(g) for g in _SAFE_GLOBALS)


def _is_user_safe(obj):
    return any((g[0] if isinstance(g, tuple) else g) is obj for g in _SAFE_GLOBALS)


def _weights_only_message(detail):
    return ("Weights only load failed. This file can still be loaded, to do so you have two "
            "options, do those steps only if you trust the source of the checkpoint. \n\t(1) In "
            "PyTorch 2.6, we changed the default value of the `weights_only` argument in "
            "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` "
            "set to `False` will likely succeed, but it can result in arbitrary code execution. "
            "Do it only if you got the file from a trusted source.\n\t(2) Alternatively, to "
            "load with `weights_only=True` please check the recommended steps in the following "
            f"error message.\n\tWeightsUnpickler error: {detail}\n\nCheck the documentation of "
            "torch.load to learn more about types accepted by default with weights_only "
            "https://pytorch.org/docs/stable/generated/torch.load.html.")


class _WeightsOnlyError(pickle.UnpicklingError):
    pass


def _resolve(full, weights_only):
    """The ember object a pickle's global names, or None if it is not a known torch name."""
    obj = _TORCH_GLOBALS.get(full)
    if obj is not None:
        return obj
    lazy = _LAZY_GLOBALS.get(full)
    if lazy is not None:
        import importlib

        return getattr(importlib.import_module(lazy[0]), lazy[1])
    return None


# ---------------------------------------------------------------------------- unpickler

class _Unpickler(pickle.Unpickler):
    """Maps torch's names to ember; with weights_only, resolves nothing off the allowlist."""

    def __init__(self, file, weights_only, persistent_load, **kwargs):
        super().__init__(file, **kwargs)
        self._fix_imports = kwargs.get("fix_imports", True)
        self._weights_only = weights_only
        self._user_safe = _user_safe_table() if weights_only else None
        self._persistent = persistent_load

    def find_class(self, module, name):
        if self._fix_imports:  # Python 2 names, as protocol 2 writes them
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        full = f"{module}.{name}"
        obj = _resolve(full, self._weights_only)
        if obj is not None:
            return obj
        if self._weights_only:
            if full in self._user_safe:
                return self._user_safe[full]
            raise _WeightsOnlyError(_weights_only_message(
                f"Unsupported global: GLOBAL {full} was not an allowed global by default. "
                f"Please use `torch.serialization.add_safe_globals([{full}])` or the "
                f"`torch.serialization.safe_globals([{full}])` context manager to allowlist "
                "this global if you trust this class/function."))
        if module == "torch" or module.startswith("torch."):
            import importlib

            ember_module = "ember" + module[5:]
            try:
                obj = importlib.import_module(ember_module)
                for part in name.split("."):
                    obj = getattr(obj, part)
                return obj
            except (ImportError, AttributeError):
                raise AttributeError(f"ember has no counterpart of {full} (looked for "
                                     f"{ember_module}.{name}), needed to load this "
                                     "checkpoint") from None
        return super().find_class(module, name)

    def persistent_load(self, pid):
        return self._persistent(pid)


def _parse_pid(pid):
    if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage"):
        raise pickle.UnpicklingError(f"Unknown persistent id in checkpoint: {pid!r}")
    stype, key, location, numel = pid[1:5]
    if not isinstance(stype, _StorageType):
        raise pickle.UnpicklingError(f"Unknown storage type in checkpoint: {stype!r}")
    if not (isinstance(key, str) and isinstance(location, str) and isinstance(numel, int)
            and numel >= 0):
        raise pickle.UnpicklingError(f"Invalid storage id in checkpoint: {pid!r}")
    if len(pid) == 6 and pid[5] is not None:
        raise RuntimeError("ember cannot load legacy storage views (saved by PyTorch < 1.0)")
    return stype, key, location, numel


# ---------------------------------------------------------------------------- map_location

def _cuda_error(location):
    from ember._backend import cuda

    if not cuda.is_available():
        raise RuntimeError("Attempting to deserialize object on a CUDA device but "
                           "torch.cuda.is_available() is False. If you are running on a "
                           "CPU-only machine, please use torch.load with "
                           "map_location=torch.device('cpu') to map your storages to the CPU.")
    dev = _device_cls(location)
    count = cuda.xp.cuda.runtime.getDeviceCount()  # pragma: no cover - needs a GPU
    if (dev.index or 0) >= count:  # pragma: no cover
        raise RuntimeError(f"Attempting to deserialize object on CUDA device {dev.index} but "
                           f"torch.cuda.device_count() is {count}. Please use torch.load with "
                           "map_location to map your storages to an existing device.")
    return None  # pragma: no cover


def _place(storage, location):
    """Move a CPU storage to the device named by `location` (a str or device)."""
    loc = str(location)
    if loc == "cpu":
        return storage
    try:
        dev = _device_cls(loc)
    except (RuntimeError, TypeError):
        dev = None
    if dev is None or dev.type != "cuda":
        raise RuntimeError(f"don't know how to restore data location of "
                           f"torch.storage.UntypedStorage (tagged with {loc})")
    _cuda_error(loc)
    return storage.cuda(dev.index or 0)  # pragma: no cover - needs a GPU


def _restore(storage, location, map_location):
    if map_location is None:
        return _place(storage, location)
    if isinstance(map_location, dict):
        return _place(storage, map_location.get(location, location))
    if isinstance(map_location, (str, _device_cls)):
        return _place(storage, map_location)
    if callable(map_location):
        result = map_location(storage, location)
        if result is None:
            return _place(storage, location)
        if isinstance(result, TypedStorage):
            return result._untyped_storage
        if not isinstance(result, UntypedStorage):
            raise RuntimeError(f"map_location should return a storage, got "
                               f"{type(result).__name__}")
        return result
    raise ValueError(f"map_location should be either None, a string, a torch.device, a dict "
                     f"or a callable, but got {type(map_location).__name__}")
