"""A test double for CuPy: a "device" array module that computes with NumPy but refuses, as CuPy
does, to be converted to host NumPy implicitly. Test-only: ember never imports it.

What it checks (the seam between ember and its cuda backend, without a GPU):
- ``ndarray`` is a wrapper (not a numpy.ndarray subclass), so ``numpy.asarray(dev)``,
  ``numpy.<function>(dev)`` (``__array_function__``) and ufuncs called from the numpy module
  (``__array_ufunc__``) raise ``TypeError("implicit host conversion ...")``. Calls through this
  module (``fake_cupy.exp(dev)``) and the array's methods/operators work and return device arrays.
- Mixing a host ``numpy.ndarray`` into a device operation raises TypeError (CuPy: "Unsupported
  type"); NumPy scalars and Python numbers are accepted, as in CuPy.
- Results are always arrays: a 0-d result is a 0-d device array, never a NumPy scalar, so code that
  turns a device value into a Python number goes through ``__float__``/``item()`` and is counted.
- ``stats`` counts transfers: ``d2h`` (asnumpy, .get(), .item(), .tolist(), float()/int()/bool()/
  index() of a device array), ``h2d`` (asarray/array of host data, host index arrays or host values
  in __getitem__/__setitem__), ``sync`` (data-dependent output shapes: nonzero, unique, boolean
  masks...). ``events`` records (kind, ember frame) for the most recent ones.

It is not a GPU emulator: no streams semantics, no asynchrony, one device (id 0).
"""

import sys
import traceback
import types

import numpy as _np

stats = {"d2h": 0, "h2d": 0, "sync": 0}
events = []

_MSG = ("implicit host conversion: Implicit conversion to a NumPy array is not allowed. Please "
        "use `.get()` to construct a NumPy array explicitly.")


def reset_stats():
    for k in stats:
        stats[k] = 0
    del events[:]


def _where():
    for fr in reversed(traceback.extract_stack(limit=40)[:-3]):
        f = fr.filename.replace("\\", "/")
        if "/ember/" in f and "/tests/" not in f and "/ember/_backend/" not in f:
            return f"{f.split('/ember/', 1)[1]}:{fr.lineno} {fr.name}"
    return "?"


def _count(kind):
    stats[kind] += 1
    if len(events) < 200:
        events.append((kind, _where()))


# ---------------------------------------------------------------------- wrapping
class _Device:
    __slots__ = ()
    id = 0

    def __repr__(self):
        return "<CUDA Device 0>"


class _Mem:
    """The allocation a device array lives in (CuPy's BaseMemory): the owning NumPy array."""

    def __init__(self, owner):
        self.owner = owner
        self.ptr = owner.__array_interface__["data"][0]
        self.size = owner.nbytes


class _Ptr:
    """CuPy's MemoryPointer: an allocation and an address inside it."""

    def __init__(self, mem, offset=0):
        self.mem = mem
        self.ptr = mem.ptr + offset

    def __add__(self, offset):
        return _Ptr(self.mem, self.ptr - self.mem.ptr + offset)


def _owner(a):
    while isinstance(a.base, _np.ndarray):
        a = a.base
    return a


_DEVICE = _Device()


def _wrap(r, base=None):
    """Wrap a NumPy result: arrays (and 0-d scalars) become device arrays; containers recurse."""
    if isinstance(r, _np.ndarray):
        out = object.__new__(ndarray)
        out._a = r
        out._base = base if (base is not None and r.base is not None
                             and _np.may_share_memory(r, base._a)) else None
        return out
    if isinstance(r, _np.generic):
        return _wrap(_np.asarray(r))
    if isinstance(r, tuple):
        vals = [_wrap(x, base) for x in r]
        return type(r)(*vals) if hasattr(r, "_fields") else tuple(vals)
    if isinstance(r, list):
        return [_wrap(x, base) for x in r]
    return r


def _unwrap(x):
    """Device arrays -> their NumPy payload; host arrays are refused (CuPy: Unsupported type)."""
    if type(x) is ndarray:
        return x._a
    if isinstance(x, _np.ndarray):
        raise TypeError(f"Unsupported type {type(x)} (a host numpy.ndarray mixed into a device "
                        f"operation: {_where()})")
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v) for v in x)
    return x


def _root(x):
    return x._base if x._base is not None else x


def _first_array(args):
    for a in args:
        if type(a) is ndarray:
            return _root(a)
        if isinstance(a, (list, tuple)):
            r = _first_array(a)
            if r is not None:
                return r
    return None


def _host_index(key):
    """Index keys: device arrays unwrap; host arrays/lists are uploaded (counted h2d)."""
    if isinstance(key, tuple):
        return tuple(_host_index(k) for k in key)
    if type(key) is ndarray:
        if key._a.dtype == _np.bool_:
            _count("sync")  # the result's size depends on the mask's contents
        return key._a
    if isinstance(key, (_np.ndarray, list)):
        _count("h2d")
        arr = _np.asarray(key)
        if arr.dtype == _np.bool_:
            _count("sync")
        return arr
    return key


_SYNC_FUNCS = {"nonzero", "flatnonzero", "argwhere", "unique", "compress", "extract",
               "unique_values", "unique_counts", "unique_inverse", "unique_all", "trim_zeros"}


class ndarray:
    """A device array: NumPy storage behind an interface that refuses implicit host copies."""

    __slots__ = ("_a", "_base")
    __array_priority__ = 100
    __hash__ = None

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        if memptr is None:
            self._a = _np.ndarray(shape, dtype, order=order)
        else:  # a view of existing device memory (cupy.ndarray(..., memptr=ptr))
            buf = memptr.mem.owner.reshape(-1).view(_np.uint8)
            self._a = _np.ndarray(shape, dtype, buffer=buf, offset=memptr.ptr - memptr.mem.ptr,
                                  strides=strides, order=order)
        self._base = None

    # -- refusals (what CuPy refuses)
    def __array__(self, *args, **kwargs):
        raise TypeError(_MSG + f" ({_where()})")

    def __array_function__(self, func, types, args, kwargs):
        raise TypeError(f"implicit host conversion: numpy.{func.__name__} called on a device "
                        f"array; use xp.{func.__name__} ({_where()})")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if any(isinstance(i, _np.generic) for i in inputs) and method == "__call__" and all(
                type(i) is ndarray or isinstance(i, (_np.generic, int, float, complex, bool))
                for i in inputs) and "out" not in kwargs:
            # a NumPy scalar's operator (np.float32(2) * dev): CuPy computes it on the device
            return _wrap(getattr(ufunc, method)(*_unwrap(inputs), **kwargs))
        raise TypeError(f"implicit host conversion: numpy.{ufunc.__name__}"
                        f"{'' if method == '__call__' else '.' + method} called on a device "
                        f"array; use xp.{ufunc.__name__} ({_where()})")

    # -- explicit transfers (counted)
    def get(self, stream=None, order="C", out=None):
        _count("d2h")
        return self._a.copy()

    def set(self, arr, stream=None):
        _count("h2d")
        self._a[...] = arr

    def item(self, *args):
        _count("d2h")
        return self._a.item(*args)

    def tolist(self):
        _count("d2h")
        return self._a.tolist()

    def __float__(self):
        _count("d2h")
        return float(self._a)

    def __int__(self):
        _count("d2h")
        return int(self._a)

    def __complex__(self):
        _count("d2h")
        return complex(self._a)

    def __bool__(self):
        _count("d2h")
        return bool(self._a)

    def __index__(self):
        _count("d2h")
        return self._a.__index__()

    def __repr__(self):
        return "fake_cupy." + repr(self._a)

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError("fake_cupy arrays cannot be pickled directly (copy to host with .get())")

    # -- metadata
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    flags = property(lambda self: self._a.flags)
    base = property(lambda self: self._base)
    device = property(lambda self: _DEVICE)
    data = property(lambda self: _Ptr(_Mem(_owner(self._a)), self._a.__array_interface__[
        "data"][0] - _owner(self._a).__array_interface__["data"][0]))
    T = property(lambda self: _wrap(self._a.T, _root(self)))
    mT = property(lambda self: _wrap(self._a.mT, _root(self)))
    real = property(lambda self: _wrap(self._a.real, _root(self)))
    imag = property(lambda self: _wrap(self._a.imag, _root(self)))

    @shape.setter
    def shape(self, value):
        self._a.shape = value

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (self[i] for i in range(len(self._a)))

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        attr = getattr(self._a, name)
        if not callable(attr):
            return _wrap(attr, _root(self))
        root = _root(self)
        if name in ("nonzero",):
            _count("sync")

        def method(*args, **kwargs):
            if "out" in kwargs and type(kwargs["out"]) is ndarray:
                kwargs["out"] = kwargs["out"]._a
            return _wrap(attr(*_unwrap(args), **_unwrap_kw(kwargs)), root)

        return method

    def __getitem__(self, key):
        return _wrap(self._a[_host_index(key)], _root(self))

    def __setitem__(self, key, value):
        if isinstance(value, (_np.ndarray, list)):
            _count("h2d")
            value = _np.asarray(value)
        elif type(value) is ndarray:
            value = value._a
        self._a[_host_index(key)] = value


def _unwrap_kw(kwargs):
    return {k: _unwrap(v) for k, v in kwargs.items()} if kwargs else kwargs


def _operand(x):
    if type(x) is ndarray:
        return x._a
    if isinstance(x, (int, float, complex, bool, _np.generic)):
        return x
    if isinstance(x, _np.ndarray):
        raise TypeError(f"Unsupported type {type(x)} (a host numpy.ndarray mixed into a device "
                        f"operation: {_where()})")
    return NotImplemented


def _binop(name):
    def op(self, other):
        o = _operand(other)
        if o is NotImplemented:
            return NotImplemented
        return _wrap(getattr(self._a, name)(o))

    op.__name__ = name
    return op


def _iop(name):
    def op(self, other):
        o = _operand(other)
        if o is NotImplemented:
            return NotImplemented
        getattr(self._a, name)(o)
        return self

    op.__name__ = name
    return op


for _n in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or",
           "xor", "lshift", "rshift", "divmod"):
    setattr(ndarray, f"__{_n}__", _binop(f"__{_n}__"))
    setattr(ndarray, f"__r{_n}__", _binop(f"__r{_n}__"))
    if _n != "divmod":
        setattr(ndarray, f"__i{_n}__", _iop(f"__i{_n}__"))
for _n in ("lt", "le", "eq", "ne", "gt", "ge"):
    setattr(ndarray, f"__{_n}__", _binop(f"__{_n}__"))
for _n in ("neg", "pos", "abs", "invert"):
    setattr(ndarray, f"__{_n}__", (lambda n: lambda self: _wrap(getattr(self._a, n)()))(
        f"__{_n}__"))


# ---------------------------------------------------------------------- module functions
class _UFunc:
    """A ufunc of the device module (and its .reduce/.accumulate/.at/.outer/.reduceat)."""

    def __init__(self, uf):
        self._uf = uf
        self.__name__ = uf.__name__
        self.nin, self.nout, self.identity = uf.nin, uf.nout, uf.identity

    def _run(self, method, args, kwargs):
        out = kwargs.get("out")
        if out is not None:
            kwargs = dict(kwargs)
            kwargs["out"] = tuple(_unwrap(o) for o in out) if isinstance(out, tuple) \
                else _unwrap(out)
        r = getattr(self._uf, method)(*_unwrap(args), **_unwrap_kw(
            {k: v for k, v in kwargs.items() if k != "out"}),
            **({"out": kwargs["out"]} if out is not None else {}))
        if out is not None:
            return out
        return _wrap(r)

    def __call__(self, *args, **kwargs):
        return self._run("__call__", args, kwargs)

    def reduce(self, *args, **kwargs):
        return self._run("reduce", args, kwargs)

    def accumulate(self, *args, **kwargs):
        return self._run("accumulate", args, kwargs)

    def reduceat(self, *args, **kwargs):
        return self._run("reduceat", args, kwargs)

    def outer(self, *args, **kwargs):
        return self._run("outer", args, kwargs)

    def at(self, a, indices, b=None):
        idx = _host_index(indices)
        if b is None:
            self._uf.at(_unwrap(a), idx)
        else:
            self._uf.at(_unwrap(a), idx, _unwrap(b))


def _function(fn, name):
    def call(*args, **kwargs):
        if name in _SYNC_FUNCS:
            _count("sync")
        out = kwargs.get("out")
        if out is not None:
            kwargs = dict(kwargs)
            kwargs["out"] = _unwrap(out)
        r = fn(*_unwrap(args), **_unwrap_kw(kwargs))
        if out is not None:
            return out
        return _wrap(r, _first_array(args))

    call.__name__ = name
    return call


# names NumPy has and CuPy does not (an ember op that needs one would fail on a real GPU)
_MISSING = {"nditer", "frompyfunc", "asmatrix"}


class _Namespace(types.ModuleType):
    """A view of a NumPy (sub)module whose functions take and return device arrays."""

    def __init__(self, name, np_mod, prefix=""):
        super().__init__(name)
        self._np_mod = np_mod
        self._prefix = prefix

    def __getattr__(self, name):
        if name.startswith("__") or (self._prefix + name) in _MISSING:
            raise AttributeError(name)
        attr = getattr(self._np_mod, name)
        if isinstance(attr, types.ModuleType):
            val = _Namespace(f"{self.__name__}.{name}", attr, f"{self._prefix}{name}.")
        elif isinstance(attr, _np.ufunc):
            val = _UFunc(attr)
        elif isinstance(attr, type) or not callable(attr):
            val = attr  # dtypes, scalar types, finfo/iinfo classes, constants
        else:
            val = _function(attr, name)
        setattr(self, name, val)
        return val


# ---------------------------------------------------------------------- the module
class _FakeCupy(_Namespace):
    ndarray = ndarray

    def asarray(self, a, dtype=None, order=None, blocking=False):
        if type(a) is ndarray:
            return a if dtype is None or a.dtype == dtype else _wrap(a._a.astype(dtype))
        if isinstance(a, (_np.ndarray, list, tuple)) or (isinstance(a, _np.generic)):
            if isinstance(a, (_np.ndarray, list, tuple)):
                _count("h2d")
            return _wrap(_np.array(_unwrap_host(a), dtype=dtype, order=order or "K"))
        return _wrap(_np.array(a, dtype=dtype))

    def array(self, a, dtype=None, copy=True, order="K", ndmin=0, blocking=False):
        if type(a) is ndarray:
            return _wrap(_np.array(a._a, dtype=dtype, copy=copy, order=order, ndmin=ndmin))
        if isinstance(a, (_np.ndarray, list, tuple)):
            _count("h2d")
        return _wrap(_np.array(_unwrap_host(a), dtype=dtype, order=order, ndmin=ndmin))

    def ascontiguousarray(self, a, dtype=None):
        if type(a) is not ndarray:
            return self.ascontiguousarray(self.asarray(a), dtype)
        return _wrap(_np.ascontiguousarray(a._a, dtype=dtype), _root(a))

    def asnumpy(self, a, stream=None, order="C", out=None, blocking=True):
        if type(a) is ndarray:
            _count("d2h")
            return a._a.copy()
        return _np.asarray(a)

    def get_array_module(self, *args):
        return self

    def get_default_memory_pool(self):
        return _POOL

    def get_default_pinned_memory_pool(self):
        return _POOL


def _unwrap_host(a):
    """Host data for an upload: lists may hold device 0-d arrays (counted as d2h reads)."""
    if isinstance(a, (list, tuple)):
        return [_unwrap_host(x) for x in a]
    if type(a) is ndarray:
        return a.get()
    return a


class _Pool:
    def used_bytes(self):
        return 0

    def total_bytes(self):
        return 0

    def free_all_blocks(self):
        pass

    def set_limit(self, size=None, fraction=None):
        pass


_POOL = _Pool()


class _CudaDevice:
    def __init__(self, device=None):
        self.id = 0 if device is None else int(device)
        if self.id != 0:
            raise RuntimeError(f"fake_cupy: invalid device ordinal {self.id} (one fake device)")

    def use(self):
        pass

    def synchronize(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _Event:
    def __init__(self, block=False, disable_timing=False, interprocess=False):
        self.done = True

    def record(self, stream=None):
        pass

    def synchronize(self):
        pass


class _Stream:
    null = None

    def __init__(self, null=False, non_blocking=False, ptds=False):
        self.done = True

    def synchronize(self):
        pass

    def record(self, event=None):
        return event or _Event()

    def wait_event(self, event):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_Stream.null = _Stream(null=True)


class _Runtime:
    @staticmethod
    def getDeviceCount():
        return 1

    @staticmethod
    def getDeviceProperties(i):
        return {"name": b"Fake CUDA device", "totalGlobalMem": 16 * 2**30,
                "multiProcessorCount": 1, "major": 8, "minor": 0}


cuda = types.SimpleNamespace(
    Device=_CudaDevice, Event=_Event, Stream=_Stream, runtime=_Runtime,
    get_current_stream=lambda: _Stream.null,
    get_elapsed_time=lambda a, b: 0.0,
    MemoryPointer=_Ptr,
    nvtx=types.SimpleNamespace(RangePush=lambda msg: None, RangePop=lambda: None),
)


def _install():
    """Replace this module by the device namespace, so that ``fake_cupy.exp(...)`` computes on
    the fake device while ``fake_cupy.stats`` / ``reset_stats`` / ``cuda`` stay reachable."""
    mod = _FakeCupy(__name__, _np)
    for name in ("cuda", "stats", "events", "reset_stats", "ndarray", "__file__", "__doc__"):
        setattr(mod, name, globals()[name])
    sys.modules[__name__] = mod
    return mod


_install()
