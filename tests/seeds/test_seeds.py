"""The seed programs: every runnable code example of ../shared/seeds/ as a plain PyTorch program
(tests/seeds/programs/), run under real torch (`python prog.py`) and under ember
(`python -m ember run prog.py`), stdout compared line by line.

Comparison: text identical; numbers within tolerance (relative 1e-4, or 1.5 units of the last
printed digit, whichever is larger); object addresses (0x...) ignored. ember's random streams are
torch's on the CPU (docs/random.md), so random-valued lines (initial weights, randn data, losses,
shuffles) are compared as numbers too. A program may still list `random` regexes over the whole
output: the lines they touch are compared with every number masked and spaces collapsed (none
does now). `ignore` regexes cut spans out of both outputs (timing tables).

Speed: the framework is imported once per batch (tests/seeds/_driver.py forks one child per
program); every program runs once under each framework per test session, shared between xdist
workers through a lock. SEED_FRESH_PROCESSES=1 runs each program in its own fresh
`python prog.py` / `python -m ember run prog.py` process instead.

A program that fails on ember because ember lacks something is marked xfail(strict=True) with what
is missing; docs/seed-coverage.md lists every seed example.
"""

import fcntl
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
ROOT = HERE.parent.parent
DRIVER = HERE / "_driver.py"

# name -> options. xfail: what ember lacks; random/ignore: regexes (see module docstring);
# slow: marked slow; needs: a module the real-torch reference needs (skip if not installed).
SPECS = {
    "seed000_01_tensor_creation": {},
    "seed000_02_tensor_operations": {},
    "seed000_03_autograd": {},
    "seed000_04_linear_regression": {},
    "seed000_05_cnn": {},
    "seed000_06_rnn": {},
    "seed000_07_dataloader": {},
    "seed000_13_quantization": {
        "xfail": "ember lacks torch.quantization (quantize_dynamic, qint8): "
                 "'ember does not implement torch.quantization yet'"},
    "seed000_14_pruning": {},
    "seed001_01_tensor_fundamentals": {},
    "seed001_02_feedforward_net": {},
    "seed001_03_convnet": {},
    "seed001_05_training_loop": {},
    "seed001_07_attention": {},
    "seed001_08_focal_loss": {},
    "seed001_09_gradient_clipping": {},
    # The seed's own code raises (torch.cat of (32, 20, 512) with (1, 640, 256)): same error.
    "seed001_11_seq2seq_lstm": {"expect_error": True},
    "seed001_13_model_validation": {},
    "seed002_01_creating_tensors": {},
    "seed002_02_tensor_properties": {},
    "seed002_03_math_operations": {},
    "seed002_04_indexing_slicing": {},
    "seed002_05_reshaping": {},
    "seed002_06_concat_stack": {},
    "seed002_07_gpu_performance": {},
    "seed002_08_numpy_conversion": {},
    "seed002_09_basic_gradients": {},
    "seed002_10_controlling_gradients": {},
    "seed002_11_computational_graph": {},
    "seed002_12_jacobian_vector_product": {},
    "seed002_13_mnist_cnn": {},
    "seed002_17_torchscript": {
        "xfail": "ember lacks torch.jit (script, ScriptModule.save, jit.load): "
                 "'ember does not implement torch.jit yet'"},
    "seed002_21_mixed_precision": {},
    "seed002_22_model_structure": {},
    "seed003_01_tensor_basics": {},
    "seed003_02_simple_mlp": {},
    "seed003_03_linear_layer": {},
    "seed003_04_forward_autograd": {},
    "seed003_05_inspect_parameters": {},
    "seed003_06_nn_vs_functional": {},
    "seed003_07_optimizer_step": {},
    "seed003_08_inference_no_grad": {},
    "seed003_09_detach": {},
    "seed003_10_dataset": {},
    "seed003_11_dataloader": {},
    "seed003_12_recap": {},
    # ~1 min under real torch (Inductor compiles C++); ember runs the model eagerly
    "seed003_13_torch_compile": {"slow": True},
    # the profiler's table holds timings: cut out of both outputs
    "seed003_14_profiler": {"ignore": [r"^-{10,}(.*\n)*?Self CPU time total: .*$"]},
}


def _programs():
    found = sorted(p.stem for p in PROGRAMS.glob("seed*.py"))
    missing = set(SPECS) ^ set(found)
    assert not missing, f"programs and SPECS disagree: {sorted(missing)}"
    return found


NAMES = _programs()


# ---------------------------------------------------------------- running
def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("MPLBACKEND", "Agg")
    env["PYTHONHASHSEED"] = "0"
    return env


def _run_batch(mode, names, outdir):
    progs = [str(PROGRAMS / f"{n}.py") for n in names]
    return subprocess.Popen([sys.executable, str(DRIVER), mode, str(outdir), *progs],
                            env=_env(), cwd=str(outdir), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def _run_fresh(mode, name, outdir):
    prog = str(PROGRAMS / f"{name}.py")
    cmd = [sys.executable, prog] if mode == "torch" else [sys.executable, "-m", "ember", "run",
                                                          prog]
    cwd = outdir / f"{name}.cwd"
    cwd.mkdir(parents=True, exist_ok=True)
    try:
        r = subprocess.run(cmd, env=_env(), cwd=str(cwd), capture_output=True, text=True,
                           timeout=float(os.environ.get("SEED_PROGRAM_TIMEOUT", "120")))
        out, err, rc = r.stdout, r.stderr, r.returncode
    except subprocess.TimeoutExpired as e:
        out, err, rc = e.stdout or "", e.stderr or "", 124
    (outdir / f"{name}.out").write_text(out if isinstance(out, str) else out.decode())
    (outdir / f"{name}.err").write_text(err if isinstance(err, str) else err.decode())
    (outdir / f"{name}.rc").write_text(str(rc))


class _Outputs:
    """Outputs of every program under one framework, computed once per session (all workers)."""

    def __init__(self, base, mode, names):
        self.dir = base / mode
        self.mode = mode
        self.names = names

    def ensure(self, names):
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir.parent / f"{self.mode}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            todo = [n for n in names if not (self.dir / f"{n}.rc").exists()]
            if not todo:
                return
            if os.environ.get("SEED_FRESH_PROCESSES") == "1":
                for n in todo:
                    _run_fresh(self.mode, n, self.dir)
                return
            p = _run_batch(self.mode, todo, self.dir)
            _, err = p.communicate()
            if p.returncode != 0:
                raise RuntimeError(f"seed driver ({self.mode}) failed:\n{err[-3000:]}")

    def get(self, name):
        self.ensure([name])
        out = (self.dir / f"{name}.out").read_text()
        err = (self.dir / f"{name}.err").read_text()
        rc = int((self.dir / f"{name}.rc").read_text())
        return out, err, rc


@pytest.fixture(scope="session")
def outputs(tmp_path_factory, request):
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by all xdist workers of this run
    base = base / "seed_outputs"
    torch_out = _Outputs(base, "torch", NAMES)
    ember_out = _Outputs(base, "ember", NAMES)
    if os.environ.get("SEED_FRESH_PROCESSES") == "1":
        return {"torch": torch_out, "ember": ember_out}  # one fresh process per test, lazily
    # Start both batches at once: the selected programs under ember, those expected to pass
    # under torch (an xfail program needs its reference only once ember runs it).
    selected = {item.callspec.params["name"] for item in request.session.items
                if getattr(item, "callspec", None) and "name" in item.callspec.params}
    selected = [n for n in NAMES if n in selected]
    passing = [n for n in selected if "xfail" not in SPECS[n]]
    import threading

    errors = []

    def go(o, names):
        try:
            o.ensure(names)
        except Exception as e:  # reported by the tests that need it
            errors.append(e)

    threads = [threading.Thread(target=go, args=(torch_out, passing)),
               threading.Thread(target=go, args=(ember_out, selected))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"torch": torch_out, "ember": ember_out}


# ---------------------------------------------------------------- comparing
_NUM = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:nan|inf)\b")
_ADDR = re.compile(r"0x[0-9a-fA-F]+")


def _numbers(line):
    return _NUM.findall(line), _NUM.sub("#", line)


def _tol(tok):
    m = re.match(r"[-+]?\d*\.(\d+)", tok)
    mant_digits = len(m.group(1)) if m else 0
    exp = re.search(r"[eE]([-+]?\d+)", tok)
    if not mant_digits:
        return 0.0  # "8." or "8": no rounding allowance
    return 10.0 ** (-mant_digits + (int(exp.group(1)) if exp else 0))


def _close(a, b):
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    if x != x or y != y:
        return x != x and y != y
    if not any(c in a + b for c in ".eE"):
        return False  # integers: exact
    tol = max(1e-4 * max(abs(x), abs(y)), 1.5 * max(_tol(a), _tol(b)))
    return abs(x - y) <= tol


def _random_lines(text, patterns):
    marked = set()
    for pat in patterns:
        for m in re.finditer(pat, text, re.M):
            first = text.count("\n", 0, m.start())
            last = text.count("\n", 0, max(m.end() - 1, m.start()))
            marked.update(range(first, last + 1))
    return marked


def _prepare(text, spec):
    text = _ADDR.sub("0x?", text)
    for pat in spec.get("ignore", ()):
        text = re.sub(pat, "<ignored>", text, flags=re.M)
    return text


def compare(ref, got, spec):
    """Return a list of differences (empty when the outputs agree)."""
    ref, got = _prepare(ref, spec), _prepare(got, spec)
    rnd_ref = _random_lines(ref, spec.get("random", ()))
    rnd_got = _random_lines(got, spec.get("random", ()))
    rl, gl = ref.splitlines(), got.splitlines()
    diffs = []
    if len(rl) != len(gl):
        diffs.append(f"line count: torch {len(rl)}, ember {len(gl)}")
    for i, (a, b) in enumerate(zip(rl, gl)):
        na, ta = _numbers(a)
        nb, tb = _numbers(b)
        if i in rnd_ref or i in rnd_got:
            if (i in rnd_ref) != (i in rnd_got) or "".join(ta.split()) != "".join(tb.split()):
                diffs.append(f"line {i + 1} (random values masked):\n  torch: {a}\n  ember: {b}")
            continue
        if ta != tb or len(na) != len(nb) or not all(map(_close, na, nb)):
            diffs.append(f"line {i + 1}:\n  torch: {a}\n  ember: {b}")
        if len(diffs) > 10:
            break
    return diffs


# ---------------------------------------------------------------- the tests
def _params():
    out = []
    for n in NAMES:
        spec = SPECS[n]
        marks = []
        if "xfail" in spec:
            marks.append(pytest.mark.xfail(strict=True, reason=spec["xfail"]))
        if spec.get("slow"):
            marks.append(pytest.mark.slow)
        out.append(pytest.param(n, marks=marks, id=n))
    return out


def _last_line(text):
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return _ADDR.sub("0x?", lines[-1]) if lines else ""


@pytest.mark.parametrize("name", _params())
def test_seed_program(name, outputs):
    spec = SPECS[name]
    got, got_err, got_rc = outputs["ember"].get(name)
    if spec.get("expect_error"):
        # The seed's code raises under torch itself: ember must raise the same error.
        ref, ref_err, ref_rc = outputs["torch"].get(name)
        assert ref_rc != 0, f"{name} was expected to fail under torch (the seed's own bug)"
        assert got_rc != 0, f"{name} ran under ember but raises under torch:\n{got[-2000:]}"
        assert _last_line(got_err) == _last_line(ref_err), (
            f"different errors:\n  torch: {_last_line(ref_err)}\n  ember: {_last_line(got_err)}")
    else:
        assert got_rc == 0, (f"{name} failed under `ember run` (exit {got_rc}):\n"
                             f"{got_err[-3000:]}\n--- stdout ---\n{got[-2000:]}")
        ref, ref_err, ref_rc = outputs["torch"].get(name)
        if ref_rc != 0 and spec.get("needs") and f"No module named '{spec['needs']}" in ref_err:
            pytest.skip(f"the real-torch reference needs {spec['needs']}, not installed here")
        assert ref_rc == 0, f"{name} failed under real torch (exit {ref_rc}):\n{ref_err[-3000:]}"
        assert ref.strip(), f"{name} printed nothing under torch"
    diffs = compare(ref, got, spec)
    assert not diffs, f"{name}: ember's output differs from torch's:\n" + "\n".join(diffs)


def test_compare_helper():
    spec = {"random": [r"^Loss: .*$"]}
    assert compare("a 1.2345\nLoss: 0.5\n", "a 1.2346\nLoss: 0.7\n", spec) == []
    assert compare("a 1.2345\n", "a 1.2365\n", {})
    assert compare("tensor([1, 2])\n", "tensor([1, 3])\n", {})
    assert compare("<X object at 0x7f00>\n", "<X object at 0x1234>\n", {}) == []
    assert compare("x\n", "x\ny\n", {})
    assert compare("tensor(8.)\n", "tensor(9.)\n", {})
    assert compare("tensor([[ 0.5, -1.0]])\n", "tensor([[-0.5,  1.0]])\n",
                   {"random": [r"^tensor.*$"]}) == []
    assert json.dumps(SPECS)  # specs stay plain data
