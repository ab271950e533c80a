import os

import numpy as np
import pytest

# torch's float32 random kernels differ between CPU capability levels; pin the oracle's path.
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")


def pytest_collection_modifyitems(config, items):
    try:
        import ember.cuda

        has_gpu = ember.cuda.is_available()
    except Exception:
        has_gpu = False
    if has_gpu:
        return
    skip = pytest.mark.skip(reason="no CUDA GPU on this machine")
    for item in items:
        if item.get_closest_marker("cuda") is not None:
            item.add_marker(skip)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
