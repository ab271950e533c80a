"""The import hook and `ember run`: each check runs in a fresh interpreter."""

import subprocess
import sys
import textwrap

import pytest


def run_python(code, *args):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args],
                          capture_output=True, text=True, timeout=120)


def test_module_identity_under_the_hook():
    out = run_python("""
        import ember, ember.compat
        ember.compat.install()
        import torch, torch.nn as nn, torch.nn.functional as F
        from torch import Tensor
        from torch.utils.data import DataLoader
        import torch.optim
        assert torch is ember and torch.nn is ember.nn and F is ember.nn.functional
        assert Tensor is ember.Tensor and torch.optim is ember.optim
        assert DataLoader is ember.utils.data.DataLoader
        assert isinstance(torch.zeros(2), torch.Tensor)
        assert "+ember" in torch.__version__ and torch.__version__.startswith("2.")
        print("ok")
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_missing_module_says_ember_lacks_it():
    out = run_python("""
        import ember.compat
        ember.compat.install()
        try:
            import torch.nonexistent_submodule
        except ImportError as e:
            print(e)
    """)
    assert "ember does not implement torch.nonexistent_submodule yet" in out.stdout, out.stderr


def test_missing_attribute_says_ember_lacks_it():
    out = run_python("""
        import ember.compat
        ember.compat.install()
        import torch
        try:
            torch.some_function_we_lack
        except AttributeError as e:
            print(e)
    """)
    assert "ember does not implement torch.some_function_we_lack yet" in out.stdout, out.stderr


def test_refuses_when_real_torch_is_loaded():
    out = run_python("""
        import torch
        import ember.compat
        try:
            ember.compat.install()
        except RuntimeError as e:
            print("refused:", e)
        assert torch.__name__ == "torch"
    """)
    assert out.stdout.startswith("refused: the real PyTorch is already imported"), out.stderr


def test_ember_run_script(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent("""
        import sys
        import torch
        x = torch.tensor(2.0, requires_grad=True)
        y = x ** 2
        z = 2 * y + 3
        z.backward()
        print(x.grad, sys.argv[1:], torch.__name__)
    """))
    for cmd in ([sys.executable, "-m", "ember", "run", str(script), "a", "--b"],):
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "tensor(8.) ['a', '--b'] ember"


@pytest.mark.parametrize("code", ["import torchvision", "import torchaudio"])
def test_domain_libraries_not_built_yet_fail_clearly(code):
    out = run_python(f"""
        import ember.compat
        ember.compat.install()
        try:
            {code}
            print("imported")
        except ImportError as e:
            print(e)
    """)
    assert f"ember does not implement {code.split()[1]} yet" in out.stdout, out.stderr
