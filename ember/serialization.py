"""save/load in PyTorch's checkpoint format.

File format (what torch.save writes, read back from files it wrote): a zip archive, every record
stored uncompressed under one folder (``<name>/``, the file's base name without extension, or
``archive`` for file objects):

- ``data.pkl``: the pickled object. A tensor is reduced to
  ``torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
  OrderedDict())`` and a storage is a persistent id
  ``('storage', torch.FloatStorage, key, location, numel)``;
- ``data/<key>``: the raw bytes of each storage, saved once however many tensors view it;
- ``.format_version``, ``.storage_alignment``, ``byteorder``, ``version``,
  ``.data/serialization_id``: small text records.

Each record's data starts at a multiple of 64 bytes (padding goes into an extra field of the
local header), so a storage can be memory-mapped straight from the file.

The pickle names torch's objects (``torch._utils._rebuild_tensor_v2``, ``torch.float32``,
``torch.Size``...) so that real torch reads ember's files; ember's loader maps those names back
to ember's own. A whole ``nn.Module`` is pickled like any object: its class by reference
(``ember.nn.modules.linear.Linear``), so loading it needs ember (and ``weights_only=False``).

``load`` also reads the legacy (pre-1.6, non-zip) format: a sequence of pickles followed by the
storages' bytes.

Loading is restricted by default (``weights_only=True``): the unpickler resolves only an
allowlist of globals (tensor rebuild functions, storages, dtypes, devices, Size, OrderedDict and
plain containers) plus what ``add_safe_globals`` adds; anything else raises
``pickle.UnpicklingError`` before it can run.

Saving to a path is atomic: the archive is written to a temporary file in the same folder,
flushed, fsynced and renamed over the target; on any error the temporary file is removed and an
existing file is left untouched. Saving to a file object writes to it directly (no atomicity).
"""

import _compat_pickle
import collections
import contextlib
import io
import mmap as _mmap
import os
import pickle
import secrets
import struct
import sys
import tempfile
import types
import zipfile
import zlib

import numpy as np

from ember import _dtype
from ember import _tensor
from ember._backend import backend_for
from ember._device import CPU
from ember._device import device as _device_cls
from ember._storage import TypedStorage
from ember._storage import UntypedStorage
from ember._storage import byte_view
from ember._storage import extent
from ember._storage import owner
from ember._tensor import Size
from ember._tensor import Tensor

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals", "get_unsafe_globals_in_checkpoint", "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2
_ALIGN = 64
_ZIP64_LIMIT = 0xFFFFFFFF  # sizes/offsets at or above this use zip64 fields (tests lower it)
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001

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


def add_safe_globals(safe_globals):
    """Allow these globals (classes, functions, or (object, "module.name") pairs) in
    ``load(weights_only=True)``."""
    if not isinstance(safe_globals, (list, tuple)):
        raise TypeError(f"add_safe_globals expects a list, got {type(safe_globals).__name__}")
    for g in safe_globals:
        _safe_name(g)
    _SAFE_GLOBALS.extend(safe_globals)


def get_safe_globals():
    """The globals added with ``add_safe_globals``."""
    return list(_SAFE_GLOBALS)


def clear_safe_globals():
    """Forget every global added with ``add_safe_globals``."""
    _SAFE_GLOBALS.clear()


class safe_globals:
    """Context manager: ``with safe_globals([MyClass]): load(f)`` allows these globals inside."""

    def __init__(self, safe_globals):
        self.safe_globals = list(safe_globals)
        self._saved = None

    def __enter__(self):
        self._saved = list(_SAFE_GLOBALS)
        add_safe_globals(self.safe_globals)
        return self

    def __exit__(self, *exc):
        _SAFE_GLOBALS[:] = self._saved
        return False


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


# ---------------------------------------------------------------------------- pickler

class _Storages:
    """The storages a save writes: one record per distinct memory block."""

    def __init__(self):
        self.by_root = {}
        self.records = []  # (key, byte array, device)
        self._keep = []

    def _entry(self, root, device, dt):
        entry = self.by_root.get(id(root))
        if entry is None:
            data = byte_view(root, device)
            be = backend_for(device)
            entry = {"key": str(len(self.records)), "lo": be.data_ptr(data),
                     "nbytes": int(data.shape[0]), "device": device, "dtype": dt}
            self.by_root[id(root)] = entry
            self.records.append((entry["key"], data, device))
            self._keep.append(root)
        elif entry["dtype"] is not dt:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same "
                               "data as different types")
        return entry

    @staticmethod
    def _location(device):
        return "cpu" if device.type == "cpu" else f"cuda:{device.index or 0}"

    def for_tensor(self, t):
        """(persistent id, storage offset, stride) for a tensor's storage."""
        arr, dev, dt = t._data, t._device, t.dtype
        be = backend_for(dev)
        item = dt.itemsize
        root = owner(arr)
        lo, hi = extent(root, be.data_ptr(root))
        off = be.data_ptr(arr) - lo
        if (off % item or (hi - lo) % item or any(s < 0 or s % item for s in arr.strides)
                or arr.size and off < 0):
            root = arr = arr.copy()  # not expressible as a torch view: save it on its own
            off = 0
        entry = self._entry(root, dev, dt)
        pid = ("storage", _STORAGE_TYPES[dt], entry["key"], self._location(dev),
               entry["nbytes"] // item)
        return pid, off // item if arr.size else 0, t.stride()

    def for_storage(self, s):
        untyped = s._untyped_storage if isinstance(s, TypedStorage) else s
        dt = s.dtype if isinstance(s, TypedStorage) else _dtype.uint8
        root = owner(untyped._data)
        entry = self._entry(root, untyped._device, dt)
        stype = _STORAGE_TYPES[dt] if isinstance(s, TypedStorage) else _UNTYPED
        item = dt.itemsize
        return ("storage", stype, entry["key"], self._location(untyped._device),
                entry["nbytes"] // item)


_SAVE_NAMES = None


def _save_names():
    global _SAVE_NAMES
    if _SAVE_NAMES is None:
        names = {}
        for full, obj in _TORCH_GLOBALS.items():
            if callable(obj) and not isinstance(obj, type) and obj.__module__ == __name__:
                names[obj] = full
        names.update({Size: "torch.Size", _device_cls: "torch.device", Tensor: "torch.Tensor",
                      _parameter_class(): "torch.nn.parameter.Parameter"})
        _SAVE_NAMES = {k: tuple(v.rsplit(".", 1)) for k, v in names.items()}
    return _SAVE_NAMES


_PLAIN_TYPES = frozenset((int, float, str, bytes, bool, type(None), tuple, list, dict, complex))


class _TorchPickler(pickle._Pickler):
    """Pickles with torch's names for tensors, storages, dtypes, devices and Size."""

    # the base table maps functions to the base class's save_global: route them to ours
    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[types.FunctionType] = lambda self, obj: self.save_global(obj)

    def __init__(self, file, protocol, storages):
        super().__init__(file, protocol)
        self._storages = storages
        self._names = _save_names()
        self._parameter = _parameter_class()

    def persistent_id(self, obj):
        t = type(obj)
        if t is _StoragePid:
            return obj.pid
        if t is UntypedStorage or t is TypedStorage:
            return self._storages.for_storage(obj)
        return None

    def reducer_override(self, obj):
        t = type(obj)
        if t in _PLAIN_TYPES:
            return NotImplemented
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if t is _dtype.dtype or t is _StorageType:
            return obj.name  # a str: pickle calls save_global, which writes torch's name
        if t is _device_cls:
            return (_device_cls, (obj.type,) if obj.index is None else (obj.type, obj.index))
        if t is Size:
            return (Size, (tuple(obj),))
        if t is _tensor.layout:
            return (_get_layout, ("torch." + obj.name,))
        return NotImplemented

    def _reduce_tensor(self, t):
        state = getattr(t, "__dict__", None) or None
        if isinstance(t, self._parameter):
            data = _tensor.make(t._data, t._device)
            if state:
                return (_rebuild_parameter_with_state,
                        (data, t.requires_grad, collections.OrderedDict(), dict(state)))
            return (_rebuild_parameter, (data, t.requires_grad, collections.OrderedDict()))
        pid, offset, stride = self._storages.for_tensor(t)
        args = (_StoragePid(pid), offset, tuple(t.shape), tuple(stride), t.requires_grad,
                collections.OrderedDict())
        cls = type(t)
        if cls.__name__ == "Buffer" and cls.__module__.startswith("ember."):
            cls = Tensor
        if cls is Tensor and not state:
            return (_rebuild_tensor_v2, args)
        return (_rebuild_from_type_v2, (_rebuild_tensor_v2, cls, args, dict(state or {})))

    def save_global(self, obj, name=None):
        if isinstance(obj, _dtype.dtype):
            module, qualname = "torch", obj.name
        elif type(obj) is _StorageType:
            module, qualname = obj.module, obj.name
        else:
            try:
                found = self._names.get(obj)
            except TypeError:  # unhashable
                found = None
            if found is None:
                return super().save_global(obj, name)
            module, qualname = found
        if self.proto >= 4:
            self.save(module)
            self.save(qualname)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{module}\n{qualname}\n".encode("utf-8"))
        self.memoize(obj)


class _StoragePid:
    """Carries a storage's persistent id through the pickler."""

    __slots__ = ("pid",)

    def __init__(self, pid):
        self.pid = pid


def _pickle(obj, protocol, storages):
    buf = io.BytesIO()
    _TorchPickler(buf, protocol, storages).dump(obj)
    return buf.getvalue()


# ---------------------------------------------------------------------------- zip writer

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_EOCD = struct.Struct("<IHHHHIIH")
_EOCD64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<IIQI")
_DOS_DATE = (1 << 5) | 1  # 1980-01-01


class _ZipWriter:
    """Writes a stored (uncompressed) zip whose records' data start at 64-byte multiples."""

    def __init__(self, f, prefix):
        self.f = f
        self.prefix = prefix
        self.pos = 0
        self.entries = []

    def _write(self, data):
        self.f.write(data)
        self.pos += memoryview(data).nbytes

    def add(self, name, data):
        full = f"{self.prefix}/{name}".encode("utf-8")
        view = memoryview(data).cast("B") if not isinstance(data, bytes) else memoryview(data)
        size = view.nbytes
        crc = zlib.crc32(view) & 0xFFFFFFFF
        offset = self.pos
        big = size >= _ZIP64_LIMIT or offset >= _ZIP64_LIMIT
        extra = struct.pack("<HHQQ", 1, 16, size, size) if size >= _ZIP64_LIMIT else b""
        pad = (-(offset + _LOCAL.size + len(full) + len(extra) + 4)) % _ALIGN
        extra += struct.pack("<HH", 0x4246, pad) + b"Z" * pad
        hsize = 0xFFFFFFFF if size >= _ZIP64_LIMIT else size
        self._write(_LOCAL.pack(0x04034B50, 45 if big else 20, 0x0800, 0, 0, _DOS_DATE, crc,
                                hsize, hsize, len(full), len(extra)))
        self._write(full)
        self._write(extra)
        self._write(view)
        self.entries.append((full, crc, size, offset))

    def close(self):
        cd_start = self.pos
        for full, crc, size, offset in self.entries:
            fields = []
            if size >= _ZIP64_LIMIT:
                fields += [size, size]
            if offset >= _ZIP64_LIMIT:
                fields.append(offset)
            extra = struct.pack(f"<HH{len(fields)}Q", 1, 8 * len(fields), *fields) \
                if fields else b""
            big = bool(fields)
            self._write(_CENTRAL.pack(
                0x02014B50, 45 if big else 20, 45 if big else 20, 0x0800, 0, 0, _DOS_DATE, crc,
                0xFFFFFFFF if size >= _ZIP64_LIMIT else size,
                0xFFFFFFFF if size >= _ZIP64_LIMIT else size, len(full), len(extra), 0, 0, 0,
                0, 0xFFFFFFFF if offset >= _ZIP64_LIMIT else offset))
            self._write(full)
            self._write(extra)
        cd_size = self.pos - cd_start
        count = len(self.entries)
        if count >= 0xFFFF or cd_start >= _ZIP64_LIMIT or cd_size >= _ZIP64_LIMIT:
            eocd64 = self.pos
            self._write(_EOCD64.pack(0x06064B50, _EOCD64.size - 12, 45, 45, 0, 0, count, count,
                                     cd_size, cd_start))
            self._write(_LOCATOR64.pack(0x07064B50, 0, eocd64, 1))
            self._write(_EOCD.pack(0x06054B50, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                                   min(cd_size, 0xFFFFFFFF), min(cd_start, 0xFFFFFFFF), 0))
        else:
            self._write(_EOCD.pack(0x06054B50, 0, 0, count, count, cd_size, cd_start, 0))


def _host_bytes(data, device):
    if device.type == "cpu":
        return data
    return backend_for(device).to_host(data)  # pragma: no cover - needs a GPU


def _write_zip(obj, f, prefix, protocol, byteorder_record=True):
    storages = _Storages()
    pkl = _pickle(obj, protocol, storages)
    w = _ZipWriter(f, prefix)
    w.add("data.pkl", pkl)
    w.add(".format_version", b"1")
    w.add(".storage_alignment", str(_ALIGN).encode())
    if byteorder_record:
        w.add("byteorder", sys.byteorder.encode())
    for key, data, device in storages.records:
        w.add(f"data/{key}", _host_bytes(data, device))
    w.add("version", b"3\n")
    w.add(".data/serialization_id", f"{secrets.randbelow(10 ** 40):040d}".encode())
    w.close()


def _storage_itemsize(storages, key):
    for entry in storages.by_root.values():
        if entry["key"] == key:
            return entry["dtype"].itemsize
    return 1


class _LegacyPickler(_TorchPickler):
    """Legacy persistent ids carry a sixth element: storage view metadata (always None)."""

    def persistent_id(self, obj):
        pid = super().persistent_id(obj)
        return pid + (None,) if pid is not None else None


# ---------------------------------------------------------------------------- save

def _archive_name(path):
    base = os.path.basename(path)
    stem = os.path.splitext(base)[0]
    return stem or "archive"


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Save an object (tensors, state_dicts, modules...) in PyTorch's checkpoint format.

    `f` is a path (str or os.PathLike), written atomically (temporary file in the same folder,
    fsync, rename: an existing file is never left half-written), or a binary file object,
    written directly from its current position.
    """
    def write(fh, prefix):
        if _use_new_zipfile_serialization:
            _write_zip(obj, fh, prefix, pickle_protocol, not _disable_byteorder_record)
        else:
            _write_legacy_file(obj, fh, pickle_protocol)

    if isinstance(f, (str, bytes, os.PathLike)):
        path = os.fsdecode(f)
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise RuntimeError(f"Parent directory {os.path.dirname(path) or folder} does not "
                               "exist.")
        try:
            mode = os.stat(path).st_mode & 0o7777
        except OSError:
            mode = 0o666 & ~_umask()
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                                   suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                write(fh, _archive_name(path))
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return
    if not hasattr(f, "write"):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'write'")
    write(f, "archive")
    if hasattr(f, "flush"):
        f.flush()


def _write_legacy_file(obj, f, protocol):
    storages = _Storages()
    buf = io.BytesIO()
    _LegacyPickler(buf, protocol, storages).dump(obj)
    pickle.dump(_LEGACY_MAGIC, f, protocol=protocol)
    pickle.dump(_LEGACY_PROTOCOL, f, protocol=protocol)
    pickle.dump({"protocol_version": _LEGACY_PROTOCOL, "little_endian": sys.byteorder == "little",
                 "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=protocol)
    f.write(buf.getvalue())
    keys = sorted(k for k, _, _ in storages.records)
    pickle.dump(keys, f, protocol=protocol)
    by_key = {k: (d, dev) for k, d, dev in storages.records}
    for key in keys:
        data, dev = by_key[key]
        item = _storage_itemsize(storages, key)
        host = _host_bytes(data, dev)
        f.write(struct.pack("<q", host.shape[0] // item))
        f.write(memoryview(host).cast("B"))


# ---------------------------------------------------------------------------- load

def _corrupt(name, detail):
    return RuntimeError(
        f"PytorchStreamReader failed reading zip archive: {detail}. If you are seeing this "
        "error, there is a high likelihood that your checkpoint file is corrupted. This can "
        "happen if the checkpoint was not saved properly, was transferred incorrectly, or was "
        f"modified after saving (file: {name})")


class _ZipSource:
    """Reads the records of a torch zip checkpoint from a seekable binary file."""

    def __init__(self, fh, name):
        self.fh = fh
        self.name = name
        try:
            self.zf = zipfile.ZipFile(fh)
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
                struct.error, IndexError) as e:
            raise _corrupt(name, f"failed finding central directory ({e})") from None
        self.infos = {i.filename: i for i in infos}
        pkl = [n for n in self.infos if n.endswith("data.pkl") and n.count("/") == 1]
        if not pkl:
            raise RuntimeError(f"PytorchStreamReader failed locating file data.pkl: file not "
                               f"found (file: {name})")
        self.prefix = pkl[0][:-len("data.pkl")]

    def has(self, record):
        return self.prefix + record in self.infos

    def read(self, record):
        full = self.prefix + record
        if full not in self.infos:
            raise RuntimeError(f"PytorchStreamReader failed locating file {record}: file not "
                               f"found (file: {self.name})")
        try:
            return self.zf.read(full)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                struct.error) as e:
            raise _corrupt(self.name, f"failed reading file {record} ({e})") from None

    def data_offset(self, record):
        info = self.infos.get(self.prefix + record)
        if info is None:
            raise RuntimeError(f"PytorchStreamReader failed locating file {record}: file not "
                               f"found (file: {self.name})")
        self.fh.seek(info.header_offset)
        head = self.fh.read(_LOCAL.size)
        if len(head) != _LOCAL.size or head[:4] != b"PK\x03\x04":
            raise _corrupt(self.name, f"bad local header for {record}")
        fields = _LOCAL.unpack(head)
        return info, info.header_offset + _LOCAL.size + fields[9] + fields[10]

    def read_array(self, record):
        """The record's bytes in a fresh writable uint8 array."""
        info, start = self.data_offset(record)
        if info.compress_type != zipfile.ZIP_STORED:
            return np.frombuffer(bytearray(self.read(record)), np.uint8)
        arr = np.empty(info.file_size, np.uint8)
        self.fh.seek(start)
        got = self.fh.readinto(memoryview(arr))
        if got != info.file_size or (zlib.crc32(arr) & 0xFFFFFFFF) != info.CRC:
            raise _corrupt(self.name, f"failed reading file {record} (truncated or bad CRC)")
        return arr


def _open_for_read(f):
    """(file handle, display name, whether we opened it)."""
    if isinstance(f, (str, bytes, os.PathLike)):
        path = os.fsdecode(f)
        return open(path, "rb"), path, True
    if not hasattr(f, "read"):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'read'")
    name = getattr(f, "name", None)
    name = name if isinstance(name, str) else f"<{type(f).__name__}>"
    try:
        seekable = f.seekable()
    except (AttributeError, OSError, ValueError):
        seekable = False
    if not seekable:
        return io.BytesIO(f.read()), name, False
    return f, name, False


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Load an object saved with ember.save or torch.save (zip format, or the legacy format).

    map_location: None (each storage where it was saved), a device or str, a dict mapping saved
    locations to new ones, or a callable (storage, location) -> storage or None.
    weights_only (default True): only tensors, storages, dtypes, devices, Size, OrderedDict and
    plain Python containers/values (plus ``add_safe_globals``) can be unpickled.
    mmap: map storages from the file instead of reading them (zip format, path only).
    """
    if weights_only is None:
        weights_only = os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0") in ("0", "")
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                           "specified")
    if "encoding" not in pickle_load_args:
        pickle_load_args["encoding"] = "utf-8"
    if mmap and not isinstance(f, (str, bytes, os.PathLike)):
        raise ValueError("f must be a file path in order to use the mmap argument")
    fh, name, opened = _open_for_read(f)
    try:
        start = fh.tell()
        magic = fh.read(4)
        fh.seek(start)
        if magic == b"PK\x03\x04":
            return _load_zip(fh, name, map_location, weights_only, mmap, pickle_load_args)
        if mmap:
            raise RuntimeError("mmap can only be used with files saved with "
                               "`torch.save(_use_new_zipfile_serialization=True), please "
                               "torch.save your checkpoint with this option in order to use "
                               "mmap.")
        if magic[:1] == b"\x80":  # a pickle: the legacy format
            return _load_legacy(fh, name, map_location, weights_only, pickle_load_args)
        if not magic:
            raise RuntimeError(f"Invalid checkpoint: the file is empty (file: {name})")
        raise RuntimeError(f"Invalid magic number; corrupt file? {name} is neither a zip "
                           "checkpoint nor a legacy torch.save file")
    finally:
        if opened:
            fh.close()


def _unpickle(data_file, name, weights_only, persistent_load, pickle_load_args):
    up = _Unpickler(data_file, weights_only, persistent_load, **pickle_load_args)
    try:
        return up.load()
    except (_WeightsOnlyError, _UnsupportedDtypeError):
        raise
    except (pickle.UnpicklingError, EOFError) as e:
        if weights_only:
            raise pickle.UnpicklingError(_weights_only_message(
                f"{type(e).__name__}: {e} (file: {name})")) from None
        raise RuntimeError(f"Invalid checkpoint {name}: its pickle is corrupted "
                           f"({type(e).__name__}: {e})") from None
    except (TypeError, ValueError, AttributeError, IndexError, KeyError, struct.error) as e:
        if weights_only:
            raise pickle.UnpicklingError(_weights_only_message(
                f"{type(e).__name__}: {e} (file: {name})")) from None
        raise


def _load_zip(fh, name, map_location, weights_only, mmap, pickle_load_args):
    src = _ZipSource(fh, name)
    swap = False
    if src.has("byteorder"):
        order = src.read("byteorder").decode("ascii", "replace").strip()
        if order not in ("little", "big"):
            raise RuntimeError(f"Unknown endianness type: {order}")
        swap = order != sys.byteorder
    mapped = None
    if mmap:
        mmap_fh = open(name, "rb")
        try:
            mapped = _mmap.mmap(mmap_fh.fileno(), 0, access=_mmap.ACCESS_COPY)
        finally:
            mmap_fh.close()
    loaded = {}

    def persistent_load(pid):
        stype, key, location, numel = _parse_pid(pid)
        untyped = loaded.get(key)
        if untyped is None:
            record = f"data/{key}"
            if mapped is not None:
                info, start = src.data_offset(record)
                if info.compress_type != zipfile.ZIP_STORED or start + info.file_size > len(
                        mapped):
                    raise _corrupt(name, f"cannot map file {record}")
                arr = np.ndarray((info.file_size,), np.uint8, buffer=mapped, offset=start)
            else:
                arr = src.read_array(record)
            item = stype.dtype.itemsize
            if arr.shape[0] != numel * item:
                raise RuntimeError(f"Invalid checkpoint {name}: storage {key} has "
                                   f"{arr.shape[0]} bytes, expected {numel * item}")
            if swap and item > 1:
                arr.view(stype.dtype.np_dtype).byteswap(inplace=True)
            untyped = _restore(UntypedStorage._wrap(arr, CPU), location, map_location)
            loaded[key] = untyped
        if stype.untyped:
            return untyped
        return TypedStorage._wrap(untyped, stype.dtype)

    return _unpickle(io.BytesIO(src.read("data.pkl")), name, weights_only, persistent_load,
                     pickle_load_args)


def _load_legacy(fh, name, map_location, weights_only, pickle_load_args):
    def restricted(what):
        try:
            return _Unpickler(fh, True, _no_pid, **pickle_load_args).load()
        except _WeightsOnlyError:
            raise
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as e:
            raise RuntimeError(f"Invalid legacy checkpoint {name}: cannot read {what} "
                               f"({type(e).__name__}: {e})") from None

    if restricted("magic number") != _LEGACY_MAGIC:
        raise RuntimeError(f"Invalid magic number; corrupt file? ({name})")
    if restricted("protocol version") != _LEGACY_PROTOCOL:
        raise RuntimeError(f"Invalid protocol version in legacy checkpoint {name}")
    info = restricted("system info")
    if not isinstance(info, dict) or info.get("little_endian", True) is not (
            sys.byteorder == "little"):
        raise RuntimeError(f"ember cannot load legacy checkpoint {name} saved with another "
                           "byte order")
    storages = {}  # key -> (cpu byte array, dtype, location)

    def persistent_load(pid):
        stype, key, location, numel = _parse_pid(pid)
        entry = storages.get(key)
        if entry is None:
            target = location
            if map_location is not None and not callable(map_location):
                target = map_location.get(location, location) if isinstance(
                    map_location, dict) else str(map_location)
            if str(target) != "cpu":
                _place(UntypedStorage(), target)  # raises torch's error without a GPU
                raise RuntimeError("ember loads legacy (non-zip) checkpoints to the CPU only: "
                                   "pass map_location='cpu' and move the tensors after")
            entry = (np.empty(numel * stype.dtype.itemsize, np.uint8), stype.dtype)
            storages[key] = entry
        return TypedStorage._wrap(UntypedStorage._wrap(entry[0], CPU), stype.dtype) \
            if not stype.untyped else UntypedStorage._wrap(entry[0], CPU)

    result = _unpickle(fh, name, weights_only, persistent_load, pickle_load_args)
    keys = restricted("storage keys")
    if not isinstance(keys, list):
        raise RuntimeError(f"Invalid legacy checkpoint {name}: bad storage key list")
    for key in keys:
        head = fh.read(8)
        if len(head) != 8:
            raise RuntimeError(f"Invalid legacy checkpoint {name}: truncated storage data")
        numel = struct.unpack("<q", head)[0]
        if key not in storages:
            raise RuntimeError(f"Invalid legacy checkpoint {name}: unknown storage {key!r}")
        arr, dt = storages[key]
        if numel * dt.itemsize != arr.shape[0]:
            raise RuntimeError(f"Invalid legacy checkpoint {name}: storage {key} size mismatch")
        got = fh.readinto(memoryview(arr)) if arr.shape[0] else 0
        if got != arr.shape[0]:
            raise RuntimeError(f"Invalid legacy checkpoint {name}: truncated storage data")
    return result


def _no_pid(pid):
    raise pickle.UnpicklingError("unexpected persistent id in a legacy checkpoint header")


def get_unsafe_globals_in_checkpoint(f):
    """The "module.name" globals in a checkpoint that ``weights_only=True`` would reject."""
    import pickletools

    fh, name, opened = _open_for_read(f)
    try:
        data = _ZipSource(fh, name).read("data.pkl")
    finally:
        if opened:
            fh.close()
    user = _user_safe_table()
    found = []
    strings = []
    for op, arg, _ in pickletools.genops(data):
        if op.name in ("GLOBAL", "INST"):
            full = arg.replace(" ", ".", 1)
        elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
            full = f"{strings[-2]}.{strings[-1]}"
        else:
            if isinstance(arg, str):
                strings.append(arg)
            continue
        if _resolve(full, True) is None and full not in user and full not in found:
            found.append(full)
    return found


# ---------------------------------------------------------------------------- plain pickle

def _reduce_tensor(t, protocol):
    """Tensor.__reduce_ex__ (pickle, copy, multiprocessing): the data as a NumPy array."""
    host = backend_for(t._device).to_host(t._data)
    host = host if host.flags.c_contiguous else host.copy(order="C")
    state = dict(t.__dict__) if getattr(t, "__dict__", None) else None
    return (_rebuild_from_array, (type(t), host, str(t._device), t._requires_grad, state))


def _rebuild_from_array(cls, array, device, requires_grad, state=None):
    dev = _device_cls(device)
    arr = array if dev.type == "cpu" else backend_for(dev).from_host(array, dev)
    t = _tensor.make(arr, dev, bool(requires_grad), cls=cls)
    return _set_obj_state(t, state)
