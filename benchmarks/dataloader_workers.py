"""DataLoader: num_workers=2 vs num_workers=0 on a dataset whose __getitem__ costs ~1 ms.

Run: .venv/bin/python benchmarks/dataloader_workers.py [io|cpu]   (not a test; prints times and
ratios, ember and torch side by side on the same workload). "io" (default) waits 1 ms per sample
like a disk or network read; "cpu" spins 1 ms, which only speeds up with idle cores.
"""

import sys

import time

import numpy as np


MODE = sys.argv[1] if len(sys.argv) > 1 else "io"


def _make_dataset(base):
    class Slow(base):
        def __init__(self, n=800):
            self.n = n

        def __len__(self):
            return self.n

        def __getitem__(self, i):
            if MODE == "io":
                time.sleep(0.001)
            else:
                end = time.perf_counter() + 0.001  # ~1 ms of Python work per sample
                while time.perf_counter() < end:
                    pass
            return np.full((3, 32, 32), i, dtype=np.float32), i

    return Slow()


def _epoch_time(loader_cls, ds, workers, repeats=3):
    # persistent workers: the epochs measure loading, not process start-up
    best = float("inf")
    loader = loader_cls(ds, batch_size=32, num_workers=workers, persistent_workers=workers > 0)
    for _ in range(repeats):
        t0 = time.perf_counter()
        n = sum(int(y.shape[0]) for _, y in loader)
        best = min(best, time.perf_counter() - t0)
    assert n == len(ds)
    return best


def main():
    import ember.utils.data as eud

    rows = [("ember", eud.DataLoader, _make_dataset(eud.Dataset))]
    try:
        import torch.utils.data as tud

        rows.append(("torch", tud.DataLoader, _make_dataset(tud.Dataset)))
    except ImportError:
        pass
    for name, cls, ds in rows:
        t0 = _epoch_time(cls, ds, 0)
        t2 = _epoch_time(cls, ds, 2)
        print(f"[{MODE}] {name}: num_workers=0 {t0 * 1e3:7.1f} ms/epoch   num_workers=2 "
              f"{t2 * 1e3:7.1f} ms/epoch   speedup x{t0 / t2:.2f}")


if __name__ == "__main__":
    main()
