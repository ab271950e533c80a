"""utils.data: datasets, samplers, collate and DataLoader options against torch.utils.data."""

import collections
import os
import signal
import time

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import ember
import ember.utils.data as eud
from tests._oracle import assert_close


def _same(e, t):
    """Structural equality of a collated ember batch and a torch batch."""
    if isinstance(t, torch.Tensor):
        assert_close(e, t)
    elif isinstance(t, dict):
        assert type(e) is type(t) and set(e) == set(t)
        for k in t:
            _same(e[k], t[k])
    elif isinstance(t, (list, tuple)):
        assert type(e) is type(t) and len(e) == len(t), (type(e), type(t))
        for a, b in zip(e, t):
            _same(a, b)
    else:
        assert e == t


Point = collections.namedtuple("Point", ["x", "y"])
SAMPLES = [
    [1, 2, 3], [1.5, 2.5], [True, False], ["a", "b"], [b"x", b"y"],
    [np.arange(3), np.arange(3, 6)], [np.float32(1.5), np.float32(2.5)], [np.int64(3)] * 2,
    [{"a": 1, "b": [1.0, 2.0]}, {"a": 2, "b": [3.0, 4.0]}],
    [(1, "x", 2.0), (2, "y", 3.0)], [[1, 2], [3, 4]],
    [Point(1, 2.0), Point(3, 4.0)],
]


@pytest.mark.parametrize("batch", SAMPLES, ids=[str(i) for i in range(len(SAMPLES))])
def test_default_collate_and_convert_match_torch(batch):
    _same(eud.default_collate(batch), tud.default_collate(batch))
    _same(eud.default_convert(batch), tud.default_convert(batch))


def test_collate_tensors_and_errors():
    rng = np.random.default_rng(0)
    arrs = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(4)]
    _same(eud.default_collate([ember.tensor(a) for a in arrs]),
          tud.default_collate([torch.tensor(a) for a in arrs]))
    for bad in ([object(), object()], [[1, 2], [1]], [np.array(["a"]), np.array(["b"])]):
        with pytest.raises(Exception) as te:
            tud.default_collate(bad)
        with pytest.raises(Exception) as ee:
            eud.default_collate(bad)
        assert type(ee.value) is type(te.value)
        assert str(ee.value).split(";")[0] == str(te.value).split(";")[0]


def test_datasets():
    x = ember.arange(10)
    ds = eud.TensorDataset(x, x * 2)
    assert len(ds) == 10 and ds[3][1].item() == 6
    cat = ds + eud.TensorDataset(x[:4], x[:4])
    assert len(cat) == 14 and cat[12][0].item() == 2 and cat[-1][0].item() == 3
    assert cat.cumulative_sizes == [10, 14]
    sub = eud.Subset(ds, [5, 1])
    assert len(sub) == 2 and sub[0][0].item() == 5
    st = eud.StackDataset(a=list(range(3)), b="xyz")
    assert st[1] == {"a": 1, "b": "y"}
    with pytest.raises(ValueError, match="Size mismatch"):
        eud.StackDataset([1, 2], [1])
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        eud.TensorDataset(x, x[:3])
    parts = eud.random_split(range(10), [0.5, 0.3, 0.2], generator=ember.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [5, 3, 2]
    assert sorted(i for p in parts for i in p) == list(range(10))
    assert [len(p) for p in eud.random_split(range(7), [0.5, 0.5])] == \
        [len(p) for p in tud.random_split(range(7), [0.5, 0.5])]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        eud.random_split(range(10), [3, 3])
    g1, g2 = ember.Generator().manual_seed(3), ember.Generator().manual_seed(3)
    assert [list(p) for p in eud.random_split(range(10), [4, 6], generator=g1)] == \
        [list(p) for p in eud.random_split(range(10), [4, 6], generator=g2)]


def test_samplers():
    assert list(eud.SequentialSampler(range(5))) == list(tud.SequentialSampler(range(5)))
    for n, bs, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False)]:
        e = eud.BatchSampler(eud.SequentialSampler(range(n)), bs, drop)
        t = tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop)
        assert list(e) == list(t) and len(e) == len(t)
    g = ember.Generator().manual_seed(0)
    perm = list(eud.RandomSampler(range(20), generator=g))
    assert sorted(perm) == list(range(20))
    assert perm == list(eud.RandomSampler(range(20), generator=ember.Generator().manual_seed(0)))
    ember.manual_seed(5)
    a = list(eud.RandomSampler(range(20)))
    ember.manual_seed(5)
    assert a == list(eud.RandomSampler(range(20)))
    rs = eud.RandomSampler(range(5), replacement=True, num_samples=70)
    vals = list(rs)
    assert len(vals) == 70 == len(rs) and all(0 <= v < 5 for v in vals)
    assert len(list(eud.RandomSampler(range(5), num_samples=12))) == 12
    assert sorted(eud.SubsetRandomSampler([3, 7, 9])) == [3, 7, 9]
    w = eud.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 50)
    assert set(w) <= {1, 3} and len(w) == 50
    for cls, args in [("RandomSampler", (range(3),), ), ]:
        pass
    for t_args, kw in [((range(3),), dict(replacement=1)), ((range(3),), dict(num_samples=0))]:
        with pytest.raises(Exception) as te:
            tud.RandomSampler(*t_args, **kw)
        with pytest.raises(Exception) as ee:
            eud.RandomSampler(*t_args, **kw)
        assert type(ee.value) is type(te.value) and str(ee.value) == str(te.value)
    for kw in [dict(batch_size=0, drop_last=False), dict(batch_size=2, drop_last=1)]:
        with pytest.raises(ValueError) as te:
            tud.BatchSampler(range(3), **kw)
        with pytest.raises(ValueError) as ee:
            eud.BatchSampler(range(3), **kw)
        assert str(ee.value) == str(te.value)
    with pytest.raises(ValueError) as ee:
        eud.WeightedRandomSampler([[1.0]], 3)
    with pytest.raises(ValueError) as te:
        tud.WeightedRandomSampler([[1.0]], 3)
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (2, 4, False),
                                                  (12, 4, False)])
def test_distributed_sampler(n, replicas, drop_last):
    for rank in range(replicas):
        e = eud.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        t = tud.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(e) == list(t) and len(e) == len(t)
    shards = [list(eud.DistributedSampler(range(n), replicas, r, seed=4)) for r in
              range(replicas)]
    s = eud.DistributedSampler(range(n), replicas, 0, seed=4)
    s.set_epoch(1)
    assert len(list(s)) == len(shards[0])
    if not drop_last and n >= replicas:
        assert sorted(set(i for sh in shards for i in sh)) == list(range(n))
    with pytest.raises(ValueError, match=r"Invalid rank 5, rank should be in the interval"):
        eud.DistributedSampler(range(n), replicas, 5)


class _Squares(eud.Dataset):
    def __init__(self, n=23):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == 13 and getattr(self, "fail", False):
            raise ValueError("bad sample 13")
        return np.full((40,), i, dtype=np.float32), i * i


def _batches(loader):
    return [(xb.numpy().copy(), yb.tolist()) for xb, yb in loader]


@pytest.mark.parametrize("kw", [dict(batch_size=5), dict(batch_size=5, drop_last=True),
                                dict(batch_size=None), dict(batch_size=4, num_workers=2),
                                dict(batch_size=3, num_workers=2, prefetch_factor=1,
                                     drop_last=True),
                                dict(batch_sampler=[[3, 1], [0], [5, 6, 7]], num_workers=2)])
def test_loader_matches_torch(kw):
    tl = tud.DataLoader(_Squares(), **kw)
    el = eud.DataLoader(_Squares(), **kw)
    if kw.get("batch_size", 1) is None:
        assert [(x.numpy().tolist(), y) for x, y in el] == \
            [(x.numpy().tolist(), y) for x, y in tl]
        return
    eb, tb = _batches(el), [(x.numpy(), y.tolist()) for x, y in tl]
    assert len(el) == len(tl) == len(eb) == len(tb)
    for (ex, ey), (tx, ty) in zip(eb, tb):
        np.testing.assert_array_equal(ex, tx)
        assert ey == ty


def test_loader_shuffle_sampler_and_collate_fn():
    el = eud.DataLoader(_Squares(), batch_size=4, shuffle=True,
                        generator=ember.Generator().manual_seed(0))
    ys = [y for _, yb in el for y in yb.tolist()]
    assert sorted(ys) == [i * i for i in range(23)]
    el2 = eud.DataLoader(_Squares(), batch_size=4, shuffle=True,
                         generator=ember.Generator().manual_seed(0))
    assert ys == [y for _, yb in el2 for y in yb.tolist()]
    el = eud.DataLoader(_Squares(), batch_size=2, sampler=[4, 2, 0],
                        collate_fn=lambda b: [y for _, y in b])
    assert list(el) == [[16, 4], [0]]


def test_loader_bad_arguments_match_torch():
    cases = [dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
             dict(num_workers=1, prefetch_factor=-1), dict(persistent_workers=True),
             dict(shuffle=True, sampler=[0, 1]), dict(batch_sampler=[[0]], batch_size=2),
             dict(batch_sampler=[[0]], shuffle=True), dict(batch_size=None, drop_last=True),
             dict(multiprocessing_context="fork"),
             dict(num_workers=1, multiprocessing_context="nope"),
             dict(num_workers=1, multiprocessing_context=3)]
    for kw in cases:
        with pytest.raises(Exception) as te:
            tud.DataLoader(_Squares(), **kw)
        with pytest.raises(Exception) as ee:
            eud.DataLoader(_Squares(), **kw)
        assert type(ee.value) is type(te.value), kw
        assert str(ee.value) == str(te.value), kw
    for kw in [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])]:
        with pytest.raises(ValueError) as te:
            tud.DataLoader(_TIter(), **kw)
        with pytest.raises(ValueError) as ee:
            eud.DataLoader(_EIter(), **kw)
        assert str(ee.value).split(", but got")[0] == str(te.value).split(", but got")[0]
    el = eud.DataLoader(_Squares())
    with pytest.raises(ValueError, match="batch_size attribute should not be set after "
                                         "DataLoader is initialized"):
        el.batch_size = 3


class _EIter(eud.IterableDataset):
    def __init__(self, n=17):
        self.n = n

    def __iter__(self):
        info = eud.get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))

    def __len__(self):
        return self.n


class _TIter(tud.IterableDataset):
    def __init__(self, n=17):
        self.n = n

    def __iter__(self):
        info = tud.get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))

    def __len__(self):
        return self.n


@pytest.mark.parametrize("kw", [dict(batch_size=4), dict(batch_size=4, num_workers=2),
                                dict(batch_size=3, num_workers=3, drop_last=True),
                                dict(batch_size=None, num_workers=2)])
def test_iterable_dataset_sharding_matches_torch(kw):
    e = [b.tolist() if hasattr(b, "tolist") else b for b in eud.DataLoader(_EIter(), **kw)]
    t = [b.tolist() if hasattr(b, "tolist") else b for b in tud.DataLoader(_TIter(), **kw)]
    assert e == t
    assert eud.get_worker_info() is None


def _children():
    import multiprocessing

    return {p.pid for p in multiprocessing.active_children()}


def _gone(pids, wait=5.0):
    deadline = time.time() + wait
    while time.time() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return False


def _consume_failing_loader():
    ds = _Squares()
    ds.fail = True
    it = iter(eud.DataLoader(ds, batch_size=2, num_workers=2))
    pids = it._worker_pids
    try:
        for _ in it:
            pass
    except ValueError as e:
        return pids, str(e)
    return pids, None


def test_worker_exception_reraised_with_traceback_and_no_leak():
    pids, msg = _consume_failing_loader()
    assert msg.startswith("Caught ValueError in DataLoader worker process 0.\n"
                          "Original Traceback (most recent call last):")
    assert "bad sample 13" in msg and "__getitem__" in msg
    assert _gone(pids)


def _raise_in_loop_body():
    it = iter(eud.DataLoader(_Squares(), batch_size=2, num_workers=2))
    pids = it._worker_pids
    try:
        for _ in it:
            raise KeyError("user error")
    except KeyError:
        pass
    return pids


def test_exception_in_loop_body_shuts_workers_down():
    assert _gone(_raise_in_loop_body())


def test_in_order_and_out_of_order():
    class Slow(eud.Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            if i == 0:
                time.sleep(0.5)
            return i

    inorder = [b.item() for b in eud.DataLoader(Slow(), num_workers=2)]
    assert inorder == list(range(8))
    anyorder = [b.item() for b in eud.DataLoader(Slow(), num_workers=2, in_order=False)]
    assert sorted(anyorder) == list(range(8)) and anyorder[0] != 0


def _sleep_forever(worker_id):
    if worker_id == 1:
        time.sleep(30)


def test_timeout_and_killed_worker():
    loader = eud.DataLoader(_Squares(), batch_size=2, num_workers=2, timeout=0.5,
                            worker_init_fn=_sleep_forever)
    it = iter(loader)
    pids = it._worker_pids
    next(it)
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.5 seconds"):
        next(it)
    del it
    assert _gone(pids)

    it = iter(eud.DataLoader(_Squares(), batch_size=2, num_workers=2,
                             worker_init_fn=_sleep_forever))
    victim = it._worker_pids[1]
    next(it)
    os.kill(victim, signal.SIGKILL)
    with pytest.raises(RuntimeError) as ei:
        for _ in it:
            pass
    assert str(ei.value) == f"DataLoader worker (pid {victim}) is killed by signal: Killed. "
    pids = it._worker_pids
    del it
    assert _gone(pids)


def test_break_gc_and_persistent_workers_leave_no_processes():
    loader = eud.DataLoader(_Squares(), batch_size=2, num_workers=2)
    it = iter(loader)
    pids = it._worker_pids
    for i, _ in enumerate(it):
        if i == 1:
            break
    del it
    assert _gone(pids)
    seen = []
    loader = eud.DataLoader(_Squares(), batch_size=5, num_workers=2, persistent_workers=True,
                            worker_init_fn=lambda wid: None)
    for _ in range(2):
        seen.append([y for _, yb in loader for y in yb.tolist()])
        assert loader._iterator is not None
    assert seen[0] == seen[1] == [i * i for i in range(23)]
    pids = loader._iterator._worker_pids
    assert all(_alive(p) for p in pids)
    del loader
    assert _gone(pids)


def test_worker_info_and_seeds():
    def collate(batch):
        info = eud.get_worker_info()
        return (info.id, info.num_workers, info.seed, int(ember.randint(0, 10 ** 9, (1,))))

    loader = eud.DataLoader(range(4), batch_size=1, num_workers=2, collate_fn=collate,
                            generator=ember.Generator().manual_seed(7))
    out = list(loader)
    assert [o[0] for o in out] == [0, 1, 0, 1] and all(o[1] == 2 for o in out)
    assert out[1][2] == out[0][2] + 1
    again = list(eud.DataLoader(range(4), batch_size=1, num_workers=2, collate_fn=collate,
                                generator=ember.Generator().manual_seed(7)))
    assert again == out


def test_tensors_cross_processes_through_shared_memory():
    big = ember.tensor(np.arange(4096, dtype=np.float64).reshape(64, 64))
    ds = eud.TensorDataset(big)
    before = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    out = [b[0] for b in eud.DataLoader(ds, batch_size=16, num_workers=2)]
    np.testing.assert_array_equal(ember.cat(out).numpy(), big.numpy())
    assert out[0].dtype is ember.float64 and out[0]._data.base is not None
    after = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    assert not {f for f in after - before if f.startswith("ember_")}


def test_pin_memory_warns_without_accelerator():
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no "
                                         "accelerator is found"):
        list(eud.DataLoader(range(3), pin_memory=True))
