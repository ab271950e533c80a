"""The writing side of ember.serialization: the pickler that writes torch's names for tensors,
storages, dtypes and devices, the 64-byte-aligned zip writer and the legacy (pre-1.6) format."""

import collections
import io
import pickle
import secrets
import struct
import sys
import types
import zlib

from ember import _dtype
from ember import _tensor
from ember import _serialization_read as _read
from ember._backend import backend_for
from ember._device import device as _device_cls
from ember._serialization_read import _STORAGE_TYPES
from ember._serialization_read import _TORCH_GLOBALS
from ember._serialization_read import _UNTYPED
from ember._serialization_read import _StorageType
from ember._serialization_read import _get_layout
from ember._serialization_read import _parameter_class
from ember._serialization_read import _rebuild_from_type_v2
from ember._serialization_read import _rebuild_parameter
from ember._serialization_read import _rebuild_parameter_with_state
from ember._serialization_read import _rebuild_tensor_v2
from ember._storage import TypedStorage
from ember._storage import UntypedStorage
from ember._storage import byte_view
from ember._storage import extent
from ember._storage import owner
from ember._tensor import Size
from ember._tensor import Tensor

_ALIGN = 64
_ZIP64_LIMIT = 0xFFFFFFFF  # sizes/offsets at or above this use zip64 fields (tests lower it)
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001

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
            if callable(obj) and not isinstance(obj, type) and obj.__module__ == _read.__name__:
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
