"""Run seed programs, each in its own forked child, and record stdout, stderr and exit status.

    python tests/seeds/_driver.py torch OUTDIR PROG.py [PROG.py ...]
    python tests/seeds/_driver.py ember OUTDIR PROG.py [PROG.py ...]

`torch` runs each program as `python prog.py` would (real PyTorch); `ember` runs each as
`python -m ember run prog.py` would (it calls `ember.__main__.main(["run", prog])`). The framework
is imported once in the parent, then every program runs in a forked child, in its own empty
working directory (programs write checkpoints there), so that the import cost (seconds on a busy
machine) is paid once per batch, not once per program. For each program NAME it writes
OUTDIR/NAME.out, OUTDIR/NAME.err and OUTDIR/NAME.rc (the exit status; 124 on timeout).
"""

import os
import runpy
import signal
import sys
import time

TIMEOUT_S = float(os.environ.get("SEED_PROGRAM_TIMEOUT", "120"))


def _child(mode, prog, outdir, name):
    cwd = os.path.join(outdir, name + ".cwd")
    os.makedirs(cwd, exist_ok=True)
    os.chdir(cwd)
    for fd, suffix in ((1, ".out"), (2, ".err")):
        f = os.open(os.path.join(outdir, name + suffix), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(f, fd)
        os.close(f)
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    code = 0
    try:
        if mode == "torch":
            sys.argv = [prog]
            sys.path.insert(0, os.path.dirname(prog))
            runpy.run_path(prog, run_name="__main__")
        else:
            import ember.__main__

            code = ember.__main__.main(["run", prog]) or 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv):
    mode, outdir, progs = argv[0], argv[1], [os.path.abspath(p) for p in argv[2:]]
    assert mode in ("torch", "ember"), mode
    os.makedirs(outdir, exist_ok=True)
    if mode == "torch":
        import torch  # noqa: F401  (imported once, inherited by every child)
    else:
        import ember  # noqa: F401
        import ember.compat  # noqa: F401
    for prog in progs:
        name = os.path.splitext(os.path.basename(prog))[0]
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(mode, prog, outdir, name)
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                rc = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                rc = 124
                break
            time.sleep(0.02)
        with open(os.path.join(outdir, name + ".rc"), "w") as f:
            f.write(str(rc))


if __name__ == "__main__":
    main(sys.argv[1:])
