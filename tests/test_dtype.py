"""dtype objects and torch's promotion rules, checked against torch for every pair."""

import itertools

import numpy as np
import pytest
import torch

import ember
from tests._oracle import EMBER_DTYPES
from tests._oracle import TORCH_DTYPES

ALL = list(TORCH_DTYPES)


@pytest.mark.parametrize("a,b", list(itertools.product(ALL, ALL)))
def test_promote_types(a, b):
    assert TORCH_DTYPES[ember.promote_types(a, b)] == torch.promote_types(TORCH_DTYPES[a],
                                                                         TORCH_DTYPES[b])


def _tensor_pair(dtype, ndim):
    shape = (2,) if ndim else ()
    return ember.zeros(shape, dtype=dtype), torch.zeros(shape, dtype=TORCH_DTYPES[dtype])


@pytest.mark.parametrize("a,b", list(itertools.product(ALL, ALL)))
def test_result_type_dim_vs_zero_dim(a, b):
    ea, ta = _tensor_pair(a, 1)
    eb, tb = _tensor_pair(b, 0)
    _same(ember.result_type(ea, eb), torch.result_type(ta, tb))


def _same(e, t):
    # ember has no complex32 (ComplexHalf): it uses complex64 where torch gives complex32
    if t == torch.complex32:
        assert e is ember.complex64
    else:
        assert TORCH_DTYPES[e] == t


@pytest.mark.parametrize("a", ALL)
@pytest.mark.parametrize("scalar", [True, 2, 2.5, 1 + 1j])
def test_result_type_with_scalars(a, scalar):
    ea, ta = _tensor_pair(a, 1)
    _same(ember.result_type(ea, scalar), torch.result_type(ta, scalar))
    ez, tz = _tensor_pair(a, 0)
    _same(ember.result_type(ez, scalar), torch.result_type(tz, scalar))


@pytest.mark.parametrize("a,b", list(itertools.product(ALL, ALL)))
def test_can_cast(a, b):
    assert ember.can_cast(a, b) == torch.can_cast(TORCH_DTYPES[a], TORCH_DTYPES[b])


def test_aliases_and_properties():
    assert ember.float is ember.float32 and ember.double is ember.float64
    assert ember.half is ember.float16 and ember.long is ember.int64
    assert ember.int is ember.int32 and ember.short is ember.int16
    assert ember.cfloat is ember.complex64 and ember.cdouble is ember.complex128
    for d in ALL:
        t = TORCH_DTYPES[d]
        assert d.is_floating_point == t.is_floating_point
        assert d.is_complex == t.is_complex
        assert d.is_signed == t.is_signed
        assert d.itemsize == t.itemsize
        assert repr(d) == repr(t)


def test_default_dtype():
    assert ember.get_default_dtype() is ember.float32
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.tensor([1.0]).dtype is ember.float64
        assert ember.tensor([1j]).dtype is ember.complex128
        assert (ember.tensor([1, 2]) / 2).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int64)


@pytest.mark.parametrize("left,right", [
    (np.array([1, 2]), 2.5), (np.array([1, 2], dtype=np.float16), 2.5),
    (np.array([1.0, 2.0], dtype=np.float32), np.array(3.0)),
    (np.array([True, False]), 3), (np.array([1, 2], dtype=np.uint8), np.array([1], np.int8)),
])
def test_binary_op_dtypes_follow_torch(left, right):
    el = ember.tensor(left)
    tl = torch.tensor(left)
    er = ember.tensor(right) if isinstance(right, np.ndarray) else right
    tr = torch.tensor(right) if isinstance(right, np.ndarray) else right
    for op in ("__add__", "__mul__", "__truediv__"):
        e = getattr(el, op)(er)
        t = getattr(tl, op)(tr)
        assert TORCH_DTYPES[e.dtype] == t.dtype, op
        np.testing.assert_allclose(np.asarray(e.float()), t.float().numpy(), rtol=1e-3)


def test_dtype_maps_are_inverse():
    for e, t in TORCH_DTYPES.items():
        assert EMBER_DTYPES[t] is e
