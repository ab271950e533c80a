"""Run ember and torch on the same workloads, interleaved over rounds, and report median times
and the ratio ember/torch. `python -m benchmarks [--rounds 5] [--only NAME,...] [--json FILE]`."""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from benchmarks.workloads import WORKLOADS


def _time(fn, inner):
    start = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - start) / inner


# seconds to sleep before each timed block: both frameworks' BLAS/OpenMP worker threads busy-wait
# for a while after a parallel region (OpenBLAS ~0.1 s by default). Interleaved without a pause,
# the framework timed second ran with one core taken by the other's spinning threads (torch's
# conv2d_fwd_bwd: 47 ms alone, 83 ms right after ember's multi-threaded GEMMs).
SETTLE_S = 0.2


def run_workload(name, rounds, ember, torch, settle=None):
    settle = SETTLE_S if settle is None else settle
    build, inner = WORKLOADS[name]
    fns = {"ember": build(ember), "torch": build(torch)}
    for fn in fns.values():  # warm up (allocations, lazy state)
        fn()
    times = {"ember": [], "torch": []}
    for r in range(rounds):
        order = ("ember", "torch") if r % 2 == 0 else ("torch", "ember")
        for fw in order:
            if settle:
                time.sleep(settle)
            times[fw].append(_time(fns[fw], inner))
    med = {fw: statistics.median(ts) for fw, ts in times.items()}
    return {"ember_s": med["ember"], "torch_s": med["torch"],
            "ratio": med["ember"] / med["torch"]}


def import_time(module, repeats=5):
    code = f"import time; t=time.perf_counter(); import {module}; print(time.perf_counter()-t)"
    out = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True).stdout) for _ in range(repeats)]
    return statistics.median(out)


def installed_size(module_names):
    import importlib.util

    total = 0
    for name in module_names:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        for root in spec.submodule_search_locations:
            for dirpath, _, files in os.walk(root):
                total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files
                             if not os.path.islink(os.path.join(dirpath, f)))
    return total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated workload names")
    parser.add_argument("--json", default="", help="write the results to this JSON file")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--settle", type=float, default=SETTLE_S,
                        help="seconds of sleep before each timed block (idle worker threads)")
    args = parser.parse_args(argv)

    import warnings

    import torch

    import ember

    # the ConvNet workload is PyTorch's MNIST example, whose Dropout2d sees 2-D input
    warnings.filterwarnings("ignore", message="dropout2d: Received a 2-D input")

    torch.set_num_threads(args.threads)
    ember.set_num_threads(args.threads)
    print(f"threads: {args.threads} (torch {torch.get_num_threads()}, "
          f"ember {ember.get_num_threads()})")
    names = [n for n in args.only.split(",") if n] or list(WORKLOADS)
    results = {}
    print(f"{'workload':22s} {'ember':>11s} {'torch':>11s} {'ember/torch':>12s}")
    for name in names:
        try:
            r = run_workload(name, args.rounds, ember, torch, args.settle)
        except Exception as e:  # a missing op must not hide the other results
            r = {"error": f"{type(e).__name__}: {e}"}
            print(f"{name:22s} error: {r['error'][:70]}")
        else:
            print(f"{name:22s} {r['ember_s'] * 1e3:9.3f}ms {r['torch_s'] * 1e3:9.3f}ms "
                  f"{r['ratio']:11.2f}x")
        results[name] = r
    if not args.only:
        e_imp, t_imp = import_time("ember"), import_time("torch")
        results["import_time"] = {"ember_s": e_imp, "torch_s": t_imp, "ratio": e_imp / t_imp}
        print(f"{'import':22s} {e_imp * 1e3:9.1f}ms {t_imp * 1e3:9.1f}ms "
              f"{e_imp / t_imp:11.2f}x")
        e_size = installed_size(["ember", "numpy", "ml_dtypes"])
        t_size = installed_size(["torch"])
        results["installed_size"] = {"ember_bytes": e_size, "torch_bytes": t_size,
                                     "ratio": e_size / t_size}
        print(f"{'installed size':22s} {e_size / 2**20:9.1f}MB {t_size / 2**20:9.1f}MB "
              f"{e_size / t_size:11.2f}x  (ember counts numpy + ml_dtypes)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"threads": args.threads, "rounds": args.rounds, "results": results}, f,
                      indent=2)
    return results


if __name__ == "__main__":
    main()
