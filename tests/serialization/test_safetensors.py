"""ember.safetensors against the safetensors package's torch API, both ways."""

import sys

import numpy as np
import pytest
import torch

import ember
from ember import safetensors as est
from tests.serialization._util import ALL_DTYPES
from tests.serialization._util import assert_same
from tests.serialization._util import ember_from
from tests.serialization._util import random_array
from tests.serialization._util import torch_from

st = pytest.importorskip("safetensors.torch")

# safetensors has no complex128
DTYPES = [d for d in ALL_DTYPES if d is not ember.complex128]


def _pairs(rng):
    out = {}
    for dt in DTYPES:
        for shape in [(), (0, 2), (3, 4)]:
            a = random_array(rng, shape, dt)
            out[f"{dt.name}_{len(shape)}"] = (ember_from(a), torch_from(a))
    return out


def test_torch_written_files_read_by_ember(rng, tmp_path):
    pairs = _pairs(rng)
    path = tmp_path / "t.safetensors"
    st.save_file({k: t for k, (_, t) in pairs.items()}, path, metadata={"format": "pt"})
    got = est.load_file(path)
    got_bytes = est.load(st.save({k: t for k, (_, t) in pairs.items()}))
    assert set(got) == set(pairs) == set(got_bytes)
    for k, (_, t) in pairs.items():
        assert_same(got[k], t)
        assert_same(got_bytes[k], t)
    got[f"{ember.float32.name}_2"].numpy()[0, 0] = 5.0  # loaded tensors are writable


def test_ember_written_files_read_by_torch(rng, tmp_path):
    pairs = _pairs(rng)
    path = tmp_path / "e.safetensors"
    est.save_file({k: e for k, (e, _) in pairs.items()}, path, metadata={"epoch": "3"})
    got = st.load_file(path)
    got_bytes = st.load(est.save({k: e for k, (e, _) in pairs.items()}))
    for k, (e, _) in pairs.items():
        assert_same(e, got[k])
        assert_same(e, got_bytes[k])
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        assert f.metadata() == {"epoch": "3"}


def test_bfloat16_round_trip_is_exact(tmp_path):
    bits = np.arange(-32768, 32768, 97, dtype=np.int32).astype(np.int16)
    e = ember_from(bits.view(ember.bfloat16.np_dtype))
    est.save_file({"b": e}, tmp_path / "b.safetensors")
    t = st.load_file(tmp_path / "b.safetensors")["b"]
    np.testing.assert_array_equal(t.view(torch.int16).numpy(), bits)
    back = est.load(st.save({"b": t}))["b"]
    assert back.dtype is ember.bfloat16
    np.testing.assert_array_equal(back.numpy().view(np.int16), bits)


def test_errors_match_safetensors_torch(tmp_path):
    base = ember.arange(6.0)
    with pytest.raises(RuntimeError, match="share memory"):
        est.save({"a": base, "b": base[2:]})
    with pytest.raises(RuntimeError, match="share memory"):
        tb = torch.arange(6.0)
        st.save({"a": tb, "b": tb[2:]})
    with pytest.raises(ValueError, match="non contiguous tensor"):
        est.save({"a": ember.ones(2, 3).t()})
    with pytest.raises(ValueError, match="non contiguous tensor"):
        st.save({"a": torch.ones(2, 3).t()})
    with pytest.raises(ValueError):
        est.save({"a": ember.ones(2, dtype=ember.complex128)})
    with pytest.raises(TypeError, match="U16|uint16"):
        est.load(st.save({"u": torch.ones(2, dtype=torch.uint16)}))


def test_missing_package_gives_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match="pip install safetensors"):
        est.save({"a": ember.ones(1)})


def test_save_model_load_model_with_tied_weights(tmp_path):
    class Tied(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = ember.nn.Linear(3, 4, bias=False)
            self.head = ember.nn.Linear(4, 3, bias=False)
            self.out = ember.nn.Linear(3, 4)
            self.out.weight = self.emb.weight  # tied

    ember.manual_seed(0)
    m = Tied()
    path = tmp_path / "m.safetensors"
    est.save_model(m, path)
    assert sorted(st.load_file(path)) == ["emb.weight", "head.weight", "out.bias"]
    ember.manual_seed(1)
    m2 = Tied()
    missing, unexpected = est.load_model(m2, path)
    assert missing == [] and unexpected == []
    for (k, a), (_, b) in zip(m.state_dict().items(), m2.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    assert m2.out.weight is m2.emb.weight
    st.save_file({"emb.weight": torch.ones(4, 3)}, tmp_path / "partial.safetensors")
    with pytest.raises(RuntimeError, match="Missing key"):
        est.load_model(m2, tmp_path / "partial.safetensors")
    missing, _ = est.load_model(m2, tmp_path / "partial.safetensors", strict=False)
    assert missing == ["head.weight", "out.bias"]
