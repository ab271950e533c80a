"""ember.cuda: CUDA devices through CuPy (torch.cuda's API).

Without CuPy or a GPU, is_available() is False, device_count() is 0, and anything that needs a
device raises torch's "not compiled with CUDA" AssertionError, worded for ember.
"""

import contextlib

from ember._backend import cuda as _backend
from ember._device import device as _device

_state = {"current": 0, "peak": {}}


def is_available():
    """Whether a CUDA GPU is usable (CuPy installed and a device visible)."""
    return _backend.is_available()


def _require():
    _backend.require()
    return _backend.xp


def device_count():
    if not is_available():
        return 0
    return _backend.xp.cuda.runtime.getDeviceCount()


def is_initialized():
    return is_available()


def current_device():
    _require()
    return _state["current"]


def set_device(device):
    xp = _require()
    index = _index(device)
    xp.cuda.Device(index).use()
    _state["current"] = index


def _index(device):
    if device is None:
        return current_device()
    if isinstance(device, int):
        return device
    d = _device(device)
    return d.index if d.index is not None else current_device()


class device:
    """Context manager that changes the current device."""

    def __init__(self, device):
        self.index = _index(device) if device is not None else None

    def __enter__(self):
        if self.index is not None:
            self.prev = current_device()
            set_device(self.index)

    def __exit__(self, *exc):
        if self.index is not None:
            set_device(self.prev)


def get_device_properties(device=None):
    xp = _require()
    props = xp.cuda.runtime.getDeviceProperties(_index(device))
    return _DeviceProperties(props)


class _DeviceProperties:
    def __init__(self, props):
        name = props["name"]
        self.name = name.decode() if isinstance(name, bytes) else name
        self.total_memory = props["totalGlobalMem"]
        self.multi_processor_count = props["multiProcessorCount"]
        self.major = props["major"]
        self.minor = props["minor"]

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, "
                f"minor={self.minor}, total_memory={self.total_memory // 2**20}MB, "
                f"multi_processor_count={self.multi_processor_count})")


def get_device_name(device=None):
    return get_device_properties(device).name


def get_device_capability(device=None):
    p = get_device_properties(device)
    return (p.major, p.minor)


def is_bf16_supported(including_emulation=True):
    if not is_available():
        return False
    return get_device_capability()[0] >= 8 or including_emulation


def synchronize(device=None):
    _require()
    _backend.synchronize()


class Event:
    """A CUDA event for timing and synchronisation (record / elapsed_time)."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        xp = _require()
        self._event = xp.cuda.Event(block=blocking, disable_timing=not enable_timing,
                                    interprocess=interprocess)

    def record(self, stream=None):
        self._event.record(None if stream is None else stream._stream)

    def synchronize(self):
        self._event.synchronize()

    def query(self):
        return self._event.done

    def elapsed_time(self, end_event):
        return _backend.xp.cuda.get_elapsed_time(self._event, end_event._event)


class Stream:
    """A CUDA stream; usable as a context manager via ember.cuda.stream(s)."""

    def __init__(self, device=None, priority=0):
        xp = _require()
        self._stream = xp.cuda.Stream(non_blocking=True)

    def synchronize(self):
        self._stream.synchronize()

    def query(self):
        return self._stream.done

    def wait_stream(self, other):
        self._stream.wait_event(other._stream.record())

    def record_event(self, event=None):
        event = event or Event()
        event.record(self)
        return event


@contextlib.contextmanager
def stream(s):
    if s is None:
        yield
        return
    with s._stream:
        yield


def current_stream(device=None):
    _require()
    s = Stream.__new__(Stream)
    s._stream = _backend.xp.cuda.get_current_stream()
    return s


def _pool():
    return _require().get_default_memory_pool()


def memory_allocated(device=None):
    return _pool().used_bytes()


def memory_reserved(device=None):
    return _pool().total_bytes()


def max_memory_allocated(device=None):
    peak = max(_state["peak"].get(_index(device), 0), memory_allocated())
    _state["peak"][_index(device)] = peak
    return peak


def reset_peak_memory_stats(device=None):
    _state["peak"][_index(device)] = memory_allocated()


def empty_cache():
    if is_available():
        _pool().free_all_blocks()


def memory_summary(device=None, abbreviated=False):
    return (f"ember CUDA memory summary (device {_index(device)}): "
            f"allocated {memory_allocated() / 2**20:.1f} MiB, "
            f"reserved {memory_reserved() / 2**20:.1f} MiB, "
            f"peak allocated {max_memory_allocated() / 2**20:.1f} MiB")


def manual_seed(seed):
    """Seed the current GPU's generator (ignored without a GPU, as torch does)."""
    if not is_available():
        return
    from ember import _random

    _random.default_generator(_device("cuda", current_device())).manual_seed(seed)


def manual_seed_all(seed):
    if not is_available():
        return
    from ember import _random

    for i in range(device_count()):
        _random.default_generator(_device("cuda", i)).manual_seed(seed)


class nvtx:
    """NVTX ranges (no-ops when CuPy's NVTX support is unavailable)."""

    @staticmethod
    def range_push(msg):
        try:
            _backend.xp.cuda.nvtx.RangePush(msg)
        except Exception:
            pass
        return 0

    @staticmethod
    def range_pop():
        try:
            _backend.xp.cuda.nvtx.RangePop()
        except Exception:
            pass
        return 0

    @staticmethod
    @contextlib.contextmanager
    def range(msg):
        nvtx.range_push(msg)
        try:
            yield
        finally:
            nvtx.range_pop()
