"""Storages: the flat block of memory that tensors view (torch.UntypedStorage / TypedStorage).

ember keeps no storage object inside a Tensor: a tensor is a backend array, and its storage is
the memory of the array that owns that memory (walking ``.base``). A storage object is built on
demand as a 1-D uint8 array over that whole block, so two tensors that view one block report
the same ``data_ptr()`` and ``nbytes()``, as in torch.
"""

import numpy as np

from ember import _dtype
from ember._backend import backend_for
from ember._device import CPU
from ember._device import device as _device_cls


# ---------------------------------------------------------------------------- memory helpers

def owner(arr):
    """The outermost array whose memory `arr` views.

    Walks ``.base`` through arrays, and through the wrapper objects NumPy's ``as_strided``
    leaves in between (they expose ``__array_interface__`` and keep the viewed array as
    ``.base``).
    """
    root = arr
    kind = type(arr)
    while True:
        base = root.base
        if base is None:
            return root
        if isinstance(base, kind):
            root = base
            continue
        inner = getattr(base, "base", None)
        if isinstance(inner, kind) and hasattr(base, "__array_interface__"):
            root = inner
            continue
        return root


def extent(arr, ptr):
    """(low, high): the byte addresses the array `arr` starting at address `ptr` covers."""
    lo = hi = ptr
    for n, s in zip(arr.shape, arr.strides):
        if n == 0:
            return ptr, ptr
        if s > 0:
            hi += (n - 1) * s
        else:
            lo += (n - 1) * s
    return lo, hi + arr.itemsize


class _Memory:
    """Exposes a range of host memory to NumPy while keeping its owner alive."""

    __slots__ = ("__array_interface__", "_keep")

    def __init__(self, ptr, nbytes, keep, readonly):
        self.__array_interface__ = {"data": (ptr, readonly), "shape": (nbytes,),
                                    "typestr": "|u1", "version": 3}
        self._keep = keep


def byte_view(root, device):
    """A 1-D uint8 array over the whole memory block of the owner array `root`."""
    be = backend_for(device)
    lo, hi = extent(root, be.data_ptr(root))
    if device.type == "cpu":
        if root.flags.c_contiguous and lo == be.data_ptr(root):
            return root.reshape(-1).view(np.uint8) if root.ndim != 1 or root.dtype != np.uint8 \
                else root
        return np.asarray(_Memory(lo, hi - lo, root, not root.flags.writeable))
    xp = be.xp  # pragma: no cover - needs a GPU
    mem = root.data.mem
    ptr = xp.cuda.MemoryPointer(mem, lo - mem.ptr)
    return xp.ndarray((hi - lo,), dtype=xp.uint8, memptr=ptr)


# ---------------------------------------------------------------------------- storages

def _as_device(d):
    if d is None:
        return CPU
    if isinstance(d, int):
        return _device_cls("cuda", d)
    dev = _device_cls(d)
    if dev.type == "cuda" and dev.index is None:
        dev = _device_cls("cuda", 0)
    return dev


class UntypedStorage:
    """A flat block of bytes on a device; tensors are views of one storage."""

    __slots__ = ("_data", "_device", "__weakref__")

    def __init__(self, *args, device=None):
        dev = _as_device(device)
        be = backend_for(dev)
        if not args:
            host = np.zeros(0, np.uint8)
        elif len(args) == 1 and isinstance(args[0], (int, np.integer)) \
                and not isinstance(args[0], bool):
            if args[0] < 0:
                raise RuntimeError(f"Storage size must be non-negative, got {args[0]}")
            host = np.zeros(int(args[0]), np.uint8)
        elif len(args) == 1 and isinstance(args[0], (list, tuple, bytes, bytearray)):
            host = np.array(list(args[0]) if isinstance(args[0], (list, tuple))
                            else bytearray(args[0]), dtype=np.uint8).reshape(-1)
        else:
            raise TypeError("UntypedStorage(): expected a size (int) or a sequence of bytes")
        self._data = be.from_host(host, dev) if dev.type != "cpu" else host
        self._device = dev

    @classmethod
    def _wrap(cls, data, device):
        s = object.__new__(cls)
        s._data = data
        s._device = device
        return s

    @classmethod
    def _of(cls, tensor):
        """The storage of a tensor: the whole memory block its array views."""
        return cls._wrap(byte_view(owner(tensor._data), tensor._device), tensor._device)

    # ---------------------------------------------------------------- metadata
    @property
    def device(self):
        return self._device

    @property
    def is_cuda(self):
        return self._device.type == "cuda"

    @property
    def dtype(self):
        return _dtype.uint8

    def nbytes(self):
        return int(self._data.shape[0])

    def size(self):
        return int(self._data.shape[0])

    def __len__(self):
        return int(self._data.shape[0])

    def element_size(self):
        return 1

    def data_ptr(self):
        return backend_for(self._device).data_ptr(self._data)

    def is_shared(self):
        return False

    def is_pinned(self, device="cuda"):
        return False

    def untyped(self):
        return self

    # ---------------------------------------------------------------- data
    def _host(self):
        return backend_for(self._device).to_host(self._data)

    def tolist(self):
        return self._host().tolist()

    def __iter__(self):
        return iter(self.tolist())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)._wrap(self._data[idx], self._device)
        n = len(self)
        if not -n <= idx < n:
            raise IndexError(f"index {idx} out of range for storage of size {n}")
        return int(self._host()[idx])

    def __setitem__(self, idx, value):
        self._data[idx] = value

    def fill_(self, value):
        self._data[...] = value
        return self

    def copy_(self, src, non_blocking=None):
        if src.nbytes() != self.nbytes():
            raise RuntimeError(f"size mismatch, {self.nbytes()} vs {src.nbytes()}")
        host = src._host() if src._device.type != self._device.type else src._data
        self._data[...] = backend_for(self._device).from_host(host, self._device) \
            if self._device.type != "cpu" else backend_for(src._device).to_host(src._data)
        return self

    def clone(self):
        return type(self)._wrap(self._data.copy(), self._device)

    def to(self, *, device=None, non_blocking=False):
        dev = _as_device(device)
        if dev is self._device:
            return self
        host = self._host()
        data = host.copy() if dev.type == "cpu" else backend_for(dev).from_host(host, dev)
        return type(self)._wrap(data, dev)

    def cpu(self):
        return self.to(device=CPU)

    def cuda(self, device=None, non_blocking=False):
        return self.to(device=_as_device(device if device is not None else "cuda"))

    def pin_memory(self, device="cuda"):
        return self

    def __reduce__(self):
        return (_untyped_from_bytes, (self._host().tobytes(), str(self._device)))

    def __repr__(self):
        body = "\n".join(f" {v}" for v in self.tolist())
        head = body + "\n" if body else ""
        return (f"{head}[torch.storage.UntypedStorage(device={self._device}) "
                f"of size {len(self)}]")


def _untyped_from_bytes(data, device):
    dev = _as_device(device)
    host = np.frombuffer(bytearray(data), np.uint8)
    arr = host if dev.type == "cpu" else backend_for(dev).from_host(host, dev)
    return UntypedStorage._wrap(arr, dev)


class TypedStorage:
    """A storage seen as elements of one dtype (torch's legacy FloatStorage, LongStorage...)."""

    __slots__ = ("_untyped_storage", "dtype", "__weakref__")

    def __init__(self, *args, dtype=None, device=None, wrap_storage=None):
        dt = dtype or _dtype.get_default_dtype()
        if wrap_storage is not None:
            if args:
                raise RuntimeError("TypedStorage(): no positional arguments are allowed with "
                                   "wrap_storage")
            if not isinstance(wrap_storage, UntypedStorage):
                raise TypeError("TypedStorage(): wrap_storage must be an UntypedStorage, got "
                                f"{type(wrap_storage).__name__}")
            self._untyped_storage = wrap_storage
        elif not args:
            self._untyped_storage = UntypedStorage(device=device)
        elif len(args) == 1 and isinstance(args[0], (int, np.integer)):
            self._untyped_storage = UntypedStorage(int(args[0]) * dt.itemsize, device=device)
        elif len(args) == 1 and isinstance(args[0], (list, tuple)):
            host = np.asarray(args[0], dtype=dt.np_dtype).reshape(-1)
            dev = _as_device(device)
            u = host.view(np.uint8)
            self._untyped_storage = UntypedStorage._wrap(
                u if dev.type == "cpu" else backend_for(dev).from_host(u, dev), dev)
        else:
            raise TypeError("TypedStorage(): expected a size, a sequence or wrap_storage")
        self.dtype = dt

    @classmethod
    def _wrap(cls, untyped, dtype):
        s = object.__new__(cls)
        s._untyped_storage = untyped
        s.dtype = dtype
        return s

    @property
    def device(self):
        return self._untyped_storage.device

    @property
    def is_cuda(self):
        return self._untyped_storage.is_cuda

    def untyped(self):
        return self._untyped_storage

    def element_size(self):
        return self.dtype.itemsize

    def size(self):
        return self._untyped_storage.nbytes() // self.dtype.itemsize

    __len__ = size

    def nbytes(self):
        return self._untyped_storage.nbytes()

    def data_ptr(self):
        return self._untyped_storage.data_ptr()

    def _array(self):
        """The storage's memory as a 1-D array of its dtype."""
        return self._untyped_storage._data.view(self.dtype.np_dtype)

    def tolist(self):
        arr = backend_for(self.device).to_host(self._array())
        if self.dtype is _dtype.bfloat16:
            arr = arr.astype(np.float32)
        return arr.tolist()

    def __getitem__(self, idx):
        n = self.size()
        if not -n <= idx < n:
            raise IndexError(f"index {idx} out of range for storage of size {n}")
        return self.tolist()[idx]

    def cpu(self):
        return TypedStorage._wrap(self._untyped_storage.cpu(), self.dtype)

    def cuda(self, device=None, non_blocking=False):
        return TypedStorage._wrap(self._untyped_storage.cuda(device), self.dtype)

    def to(self, *, device=None, non_blocking=False):
        return TypedStorage._wrap(self._untyped_storage.to(device=device), self.dtype)

    def clone(self):
        return TypedStorage._wrap(self._untyped_storage.clone(), self.dtype)

    def pickle_storage_type(self):
        from ember.serialization import STORAGE_NAMES

        return STORAGE_NAMES[self.dtype]

    def __reduce__(self):
        return (TypedStorage._wrap, (self._untyped_storage, self.dtype))

    def __repr__(self):
        body = "\n".join(f" {v}" for v in self.tolist())
        head = body + "\n" if body else ""
        return f"{head}[torch.storage.TypedStorage(dtype={self.dtype}, device={self.device}) " \
               f"of size {self.size()}]"
