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

import contextlib
import io
import mmap as _mmap
import os
import pickle
import struct
import sys
import tempfile
import zipfile
import zlib

import numpy as np

from ember import _tensor
from ember._backend import backend_for
from ember._device import CPU
from ember._device import device as _device_cls
from ember._serialization_read import _SAFE_GLOBALS
from ember._serialization_read import _Unpickler
from ember._serialization_read import _UnsupportedDtypeError
from ember._serialization_read import _WeightsOnlyError
from ember._serialization_read import _parse_pid
from ember._serialization_read import _place
from ember._serialization_read import _resolve
from ember._serialization_read import _restore
from ember._serialization_read import _safe_name
from ember._serialization_read import _set_obj_state
from ember._serialization_read import _user_safe_table
from ember._serialization_read import _weights_only_message
from ember._serialization_write import _LEGACY_MAGIC
from ember._serialization_write import _LEGACY_PROTOCOL
from ember._serialization_write import _LOCAL
from ember._serialization_write import _write_legacy_file
from ember._serialization_write import _write_zip
from ember._storage import TypedStorage
from ember._storage import UntypedStorage

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals", "get_unsafe_globals_in_checkpoint", "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2

# ---------------------------------------------------------------------------- allowlist

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


# the reading and writing machinery, reachable here as before the split (pickles and
# checkpoints may name ember.serialization.<name>)
from ember._serialization_read import STORAGE_NAMES  # noqa: E402,F401
from ember._serialization_read import _StorageType  # noqa: E402,F401
from ember._serialization_read import _UnsupportedDtype  # noqa: E402,F401
from ember._serialization_read import _STORAGE_TYPES  # noqa: E402,F401
from ember._serialization_read import _UNTYPED  # noqa: E402,F401
from ember._serialization_read import _UNSUPPORTED_DTYPE_NAMES  # noqa: E402,F401
from ember._serialization_read import _get_layout  # noqa: E402,F401
from ember._serialization_read import _check_ints  # noqa: E402,F401
from ember._serialization_read import _storage_parts  # noqa: E402,F401
from ember._serialization_read import _view_of_storage  # noqa: E402,F401
from ember._serialization_read import _rebuild_tensor  # noqa: E402,F401
from ember._serialization_read import _set_requires_grad  # noqa: E402,F401
from ember._serialization_read import _rebuild_tensor_v2  # noqa: E402,F401
from ember._serialization_read import _rebuild_tensor_v3  # noqa: E402,F401
from ember._serialization_read import _parameter_class  # noqa: E402,F401
from ember._serialization_read import _rebuild_parameter  # noqa: E402,F401
from ember._serialization_read import _rebuild_parameter_with_state  # noqa: E402,F401
from ember._serialization_read import _REBUILDERS  # noqa: E402,F401
from ember._serialization_read import _rebuild_from_type_v2  # noqa: E402,F401
from ember._serialization_read import _rebuild_device_tensor_from_cpu_tensor  # noqa: E402,F401
from ember._serialization_read import _rebuild_device_tensor_from_numpy  # noqa: E402,F401
from ember._serialization_read import _unsupported  # noqa: E402,F401
from ember._serialization_read import _codecs_encode  # noqa: E402,F401
from ember._serialization_read import _torch_globals  # noqa: E402,F401
from ember._serialization_read import _TORCH_GLOBALS  # noqa: E402,F401
from ember._serialization_read import _LAZY_GLOBALS  # noqa: E402,F401
from ember._serialization_read import _is_user_safe  # noqa: E402,F401
from ember._serialization_read import _cuda_error  # noqa: E402,F401
from ember._serialization_write import _ALIGN  # noqa: E402,F401
from ember._serialization_write import _ZIP64_LIMIT  # noqa: E402,F401
from ember._serialization_write import _Storages  # noqa: E402,F401
from ember._serialization_write import _SAVE_NAMES  # noqa: E402,F401
from ember._serialization_write import _save_names  # noqa: E402,F401
from ember._serialization_write import _PLAIN_TYPES  # noqa: E402,F401
from ember._serialization_write import _TorchPickler  # noqa: E402,F401
from ember._serialization_write import _StoragePid  # noqa: E402,F401
from ember._serialization_write import _pickle  # noqa: E402,F401
from ember._serialization_write import _CENTRAL  # noqa: E402,F401
from ember._serialization_write import _EOCD  # noqa: E402,F401
from ember._serialization_write import _EOCD64  # noqa: E402,F401
from ember._serialization_write import _LOCATOR64  # noqa: E402,F401
from ember._serialization_write import _DOS_DATE  # noqa: E402,F401
from ember._serialization_write import _ZipWriter  # noqa: E402,F401
from ember._serialization_write import _host_bytes  # noqa: E402,F401
from ember._serialization_write import _storage_itemsize  # noqa: E402,F401
from ember._serialization_write import _LegacyPickler  # noqa: E402,F401
