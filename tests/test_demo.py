"""The demo (`make demo`) in its fast mode: one epoch, checking its accuracy and reload lines."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parent.parent / "examples" / "mnist_digits.py"


@pytest.mark.slow
def test_demo_one_epoch(tmp_path):
    pytest.importorskip("sklearn")
    out = subprocess.run([sys.executable, str(DEMO), "--epochs", "1", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    accuracy = re.findall(r"Accuracy: (\d+)/360 \((\d+\.\d+)%\)", out.stdout)
    assert len(accuracy) == 2, out.stdout  # the epoch's test and the reloaded checkpoint's
    assert accuracy[0] == accuracy[1]
    assert float(accuracy[0][1]) > 70.0, out.stdout  # one epoch already learns the digits
    assert (tmp_path / "digits_cnn.pt").exists()
    assert re.search(r"Final test accuracy: \d+\.\d+%", out.stdout)
