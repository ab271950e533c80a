"""ember.cuda: the no-GPU path (runs everywhere) and GPU checks (marker `cuda`, skipped without)."""

import numpy as np
import pytest

import ember


def test_unavailable_path_without_gpu():
    if ember.cuda.is_available():
        pytest.skip("this machine has a GPU: the no-GPU path does not apply")
    assert ember.cuda.device_count() == 0
    assert ember.cuda.is_bf16_supported() is False
    ember.cuda.manual_seed(0)  # accepted silently, as torch does
    ember.cuda.manual_seed_all(0)
    ember.cuda.empty_cache()
    with pytest.raises(AssertionError, match="not compiled with CUDA enabled"):
        ember.zeros(2, device="cuda")
    with pytest.raises(AssertionError, match="not compiled with CUDA enabled"):
        ember.zeros(2).cuda()
    with pytest.raises(AssertionError, match="not compiled with CUDA enabled"):
        ember.cuda.current_device()
    with pytest.raises(AssertionError, match="not compiled with CUDA enabled"):
        ember.cuda.get_device_name()


def test_device_objects_do_not_need_a_gpu():
    d = ember.device("cuda:1")
    assert d.type == "cuda" and d.index == 1 and str(d) == "cuda:1"
    assert ember.device("cuda", 0) == "cuda:0"
    with pytest.raises(RuntimeError):
        ember.device("tpu")


@pytest.mark.cuda
def test_tensor_roundtrip_and_ops_on_gpu():
    x = ember.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), device="cuda")
    assert x.device.type == "cuda" and x.is_cuda
    y = (x @ x.t() + 1).relu().sum()
    assert y.cpu().item() == float(((np.arange(6.0).reshape(2, 3) @ np.arange(6.0).reshape(2, 3).T)
                                    + 1).sum())


@pytest.mark.cuda
def test_backward_on_gpu():
    w = ember.randn(3, 4, device="cuda", requires_grad=True)
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad.cpu().numpy(), 2 * w.detach().cpu().numpy(), rtol=1e-6)


@pytest.mark.cuda
def test_cross_device_error():
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        ember.ones(2, device="cuda") + ember.ones(2)


@pytest.mark.cuda
def test_device_queries():
    assert ember.cuda.device_count() >= 1
    props = ember.cuda.get_device_properties(0)
    assert props.total_memory > 0 and props.multi_processor_count > 0
    assert isinstance(ember.cuda.get_device_name(), str)
    start, end = ember.cuda.Event(enable_timing=True), ember.cuda.Event(enable_timing=True)
    start.record()
    ember.ones(1000, 1000, device="cuda").sum()
    end.record()
    ember.cuda.synchronize()
    assert start.elapsed_time(end) >= 0
