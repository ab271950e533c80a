"""Command line: `ember run script.py [args...]` runs a PyTorch program on ember unchanged."""

import argparse
import os
import runpy
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="ember", description="ember: PyTorch in Python")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a PyTorch script with `import torch` resolved to ember")
    run.add_argument("-m", dest="module", help="run a module (like python -m)")
    run.add_argument("script", nargs="?", help="the script to run")
    run.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script")
    ns = parser.parse_args(argv)
    if ns.command == "run":
        return _run(ns)
    return 2


def _run(ns):
    from ember import compat

    compat.install()
    if ns.module:
        sys.argv = [ns.module] + ([ns.script] if ns.script else []) + ns.args
        runpy.run_module(ns.module, run_name="__main__", alter_sys=True)
        return 0
    if not ns.script:
        print("ember run: a script path (or -m module) is required", file=sys.stderr)
        return 2
    script = os.path.abspath(ns.script)
    sys.argv = [ns.script] + ns.args
    sys.path.insert(0, os.path.dirname(script))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
