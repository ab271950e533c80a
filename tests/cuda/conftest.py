"""Fixtures for tests/cuda: `fake_device` installs tests/cuda/fake_cupy.py as ember's cuda backend.

The fake device runs without a GPU (in CI): it checks the host/device seam (no implicit host
conversion, counted transfers); the `cuda`-marked tests in test_cuda.py still need a real GPU.
"""

import pytest


@pytest.fixture
def fake_device(monkeypatch):
    """ember's cuda backend on the fake CuPy; yields the fake module (stats, reset_stats)."""
    import ember._backend as backend
    from ember._backend import cuda as cuda_backend
    from ember.autograd import function
    from tests.cuda import fake_cupy

    monkeypatch.setattr(cuda_backend, "xp", fake_cupy)
    monkeypatch.setattr(cuda_backend, "_AVAILABLE", True)
    monkeypatch.setattr(backend, "_CUDA", None)
    # per-device caches of the array module and the no-grad ctx
    monkeypatch.setattr(function, "_XP", {})
    monkeypatch.setattr(function, "_NULL_CTX", {})
    fake_cupy.reset_stats()
    yield fake_cupy
    fake_cupy.reset_stats()
