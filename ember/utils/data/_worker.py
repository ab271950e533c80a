"""Worker processes of the multi-process DataLoader, and how tensors cross process borders.

A worker takes ``(task_index, sampler_index)`` pairs from its own index queue, fetches and
collates the batch, and puts ``(task_index, batch)`` on the shared result queue. Tensors in a
batch are not pickled: their bytes are written once into a shared-memory file (``/dev/shm``)
and only its name, dtype and shape travel through the pipe; the receiving process maps the file,
unlinks it, and wraps the mapping as the tensor's array (no further copy).
"""

import mmap
import os
import random
import sys
import tempfile
import traceback
import uuid
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler

import numpy as np

from ember._tensor import Tensor

__all__ = ["WorkerInfo", "get_worker_info"]

# status polls (seconds): how often a waiting worker checks that its parent is alive
_POLL_INTERVAL = 0.5

# tensors smaller than this travel inline in the pickle (cheaper than a file for a few bytes)
_SHM_MIN_BYTES = 1024

_worker_info = None


class WorkerInfo:
    r"""Information about the current DataLoader worker: ``id``, ``num_workers``, ``seed``,
    ``dataset`` (this worker's copy)."""

    __initialized = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs.keys())
        self.__initialized = True

    def __setattr__(self, key, val):
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self):
        items = ", ".join(f"{k}={getattr(self, k)}" for k in self.__keys)
        return f"{self.__class__.__name__}({items})"


def get_worker_info():
    r"""The :class:`WorkerInfo` of this worker process, or None in the main process."""
    return _worker_info


# ---------------------------------------------------------------------- shared-memory tensors
def _shm_dir():
    return "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()


def _rebuild_inline(arr, requires_grad, device):
    from ember._device import device as _dev
    from ember._tensor import make

    t = make(arr, _dev("cpu"), requires_grad)
    return t if device == "cpu" else t.to(device)


def _rebuild_shm(path, dtype, shape, nbytes, requires_grad, device):
    """Map a shared-memory file written by another process and wrap it as a tensor."""
    from ember._device import device as _dev
    from ember._tensor import make

    if nbytes == 0:
        arr = np.empty(shape, dtype=dtype)
    else:
        fd = os.open(path, os.O_RDWR)
        try:
            buf = mmap.mmap(fd, nbytes)
        finally:
            os.close(fd)
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        arr = np.frombuffer(buf, dtype=dtype).reshape(shape)
    t = make(arr, _dev("cpu"), requires_grad)
    return t if device == "cpu" else t.to(device)


def _reduce_tensor(t):
    """ForkingPickler reducer: the tensor's bytes go to shared memory, its name to the pipe."""
    arr = t._data
    device = str(t.device)
    if t.device.type != "cpu":
        from ember._backend import backend_for

        arr = backend_for(t.device).to_host(arr)
    arr = np.ascontiguousarray(arr)
    rg = bool(t.requires_grad and t.is_leaf)
    if arr.nbytes < _SHM_MIN_BYTES:
        return _rebuild_inline, (arr.copy(), rg, device)
    path = os.path.join(_shm_dir(), f"ember_{os.getpid()}_{uuid.uuid4().hex}")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.ftruncate(fd, arr.nbytes)
        with mmap.mmap(fd, arr.nbytes) as buf:
            np.frombuffer(buf, dtype=arr.dtype)[...] = arr.reshape(-1).view(arr.dtype)
    finally:
        os.close(fd)
    return _rebuild_shm, (path, arr.dtype, arr.shape, arr.nbytes, rg, device)


def _register_reducers():
    ForkingPickler.register(Tensor, _reduce_tensor)
    from ember.nn.parameter import Parameter

    ForkingPickler.register(Parameter, _reduce_tensor)


_register_reducers()


# ---------------------------------------------------------------------- worker-side messages
class ExceptionWrapper:
    r"""An exception caught in a worker, with its traceback text, to re-raise in the parent."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        try:
            raise exc
        finally:
            # NB: drop the frame's reference so exception -> traceback -> frame is no cycle;
            # the loader iterator (and its workers) is then freed as soon as the caller is done
            exc = None


class _KeyErrorMessage(str):
    """KeyError prints its argument with repr(); keep the traceback text readable."""

    def __repr__(self):
        return self


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    seed: object = None


# ---------------------------------------------------------------------- fetchers
class _MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn

    def fetch(self, index):
        if self.auto_collation:
            fast = _tensor_batch(self.dataset, self.collate_fn, index)
            if fast is not None:
                return fast
            getitems = getattr(self.dataset, "__getitems__", None)
            if getitems is not None:
                data = getitems(index)
            else:
                data = [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


def _tensor_batch(dataset, collate_fn, index):
    """A TensorDataset batch with default_collate is one gather per tensor: the same values,
    dtypes and list structure as collating the samples, without a Python loop over them."""
    from ember.utils.data.collate import default_collate
    from ember.utils.data.dataset import TensorDataset

    if type(dataset) is not TensorDataset or collate_fn is not default_collate:
        return None
    if not isinstance(index, list) or not index:
        return None
    tensors = dataset.tensors
    if not all(t.device.type == "cpu" for t in tensors):
        return None
    import numpy as np

    from ember._ops import creation

    try:
        idx = np.asarray(index, dtype=np.int64)
    except (TypeError, ValueError):
        return None
    if idx.ndim != 1:
        return None
    it = creation.tensor(idx)
    return [t[it] for t in tensors]


class _IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset_iter = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if len(data) == 0 or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


def create_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last):
    cls = _IterableFetcher if is_iterable else _MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)


def _seed_worker(seed):
    from ember._random import manual_seed

    random.seed(seed)
    manual_seed(seed)
    np.random.seed(seed % (2 ** 32))


def worker_loop(is_iterable, dataset, index_queue, data_queue, done_event, auto_collation,
                collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers,
                persistent_workers):
    """The body of a worker process (runs until it receives None or its parent dies)."""
    global _worker_info
    import queue

    try:
        seed = base_seed + worker_id
        _seed_worker(seed)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        init_exception = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = create_fetcher(is_iterable, dataset, auto_collation, collate_fn,
                                     drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            fetcher = None
        parent = os.getppid()
        iteration_end = False
        while True:
            try:
                r = index_queue.get(timeout=_POLL_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent:
                    break  # the main process is gone: exit instead of lingering
                continue
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))
                iteration_end = False
                if r.seed is not None:
                    _seed_worker(r.seed)
                fetcher = create_fetcher(is_iterable, dataset, auto_collation, collate_fn,
                                         drop_last)
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data = init_exception
                init_exception = None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and is_iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(
                            where=f"in DataLoader worker process {worker_id}")
            data_queue.put((idx, data))
            del data, idx, index, r
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
