"""ember.save / ember.load against real torch.save / torch.load: every dtype, views and shared
storages, Parameters, state_dicts, legacy format, mmap, map_location, archive layout."""

import collections
import io
import mmap
import pathlib
import pickle
import pickletools
import zipfile

import numpy as np
import pytest
import torch

import ember
from ember import serialization
from tests.serialization._util import ALL_DTYPES
from tests.serialization._util import assert_same
from tests.serialization._util import ember_from
from tests.serialization._util import random_array
from tests.serialization._util import torch_from

SHAPES = [(), (0,), (2, 0, 3), (5,), (3, 4)]


def _pair(rng, shape, dt):
    a = random_array(rng, shape, dt)
    return ember_from(a), torch_from(a)


# ---------------------------------------------------------------------------- every dtype

@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
def test_every_dtype_ember_to_torch(dt, rng, tmp_path):
    pairs = [_pair(rng, s, dt) for s in SHAPES]
    path = tmp_path / "t.pt"
    ember.save([e for e, _ in pairs], path)
    for weights_only in (True, False):
        got = torch.load(path, weights_only=weights_only)
        assert len(got) == len(pairs)
        for (e, t), g in zip(pairs, got):
            assert_same(e, g)


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
def test_every_dtype_torch_to_ember(dt, rng, tmp_path):
    pairs = [_pair(rng, s, dt) for s in SHAPES]
    path = tmp_path / "t.pt"
    torch.save([t for _, t in pairs], path)
    for weights_only in (True, False):
        got = ember.load(path, weights_only=weights_only)
        for (_, t), g in zip(pairs, got):
            assert_same(g, t)


# ---------------------------------------------------------------------------- views and storages

def _views(lib, base):
    """Several views of one base: offset slice, transpose, strided slice, reshape."""
    m = base[2:].view(2, 5) if lib is torch else base[2:].view(2, 5)
    return {"base": base, "offset": base[3:9], "mat": m, "t": m.t(), "strided": m[:, ::2],
            "row": m[1]}


def test_views_share_storage_ember_to_torch(tmp_path):
    base = ember.arange(12, dtype=ember.float32)
    views = _views(ember, base)
    views["other"] = ember.ones(3)
    ember.save(views, tmp_path / "v.pt")
    got = torch.load(tmp_path / "v.pt")
    ptr = got["base"].untyped_storage().data_ptr()
    for k, v in views.items():
        assert_same(v, got[k])
        shared = got[k].untyped_storage().data_ptr() == ptr
        assert shared == (k != "other"), k
    assert got["base"].untyped_storage().nbytes() == 48
    got["base"][5] = 100.0  # the loaded views alias one storage, as the saved ones did
    assert got["mat"][0, 3].item() == 100.0 and got["offset"][2].item() == 100.0
    with zipfile.ZipFile(tmp_path / "v.pt") as z:
        storages = [n for n in z.namelist() if "/data/" in n]
    assert len(storages) == 2  # the shared storage is saved once


def test_views_share_storage_torch_to_ember(tmp_path):
    base = torch.arange(12, dtype=torch.float64)
    views = _views(torch, base)
    torch.save(views, tmp_path / "v.pt")
    got = ember.load(tmp_path / "v.pt")
    ptr = got["base"].untyped_storage().data_ptr()
    for k, v in views.items():
        assert_same(got[k], v)
        assert got[k].untyped_storage().data_ptr() == ptr
        assert got[k].untyped_storage().nbytes() == 96
    got["base"].numpy()[5] = 100.0
    assert got["mat"][0, 3].item() == 100.0 and got["t"][3, 0].item() == 100.0


def test_view_of_larger_storage_saves_whole_storage(tmp_path):
    # torch saves the full storage of a view: the restored view keeps its offset
    base = ember.arange(10, dtype=ember.int64)
    ember.save(base[4:6], tmp_path / "s.pt")
    t = torch.load(tmp_path / "s.pt")
    assert t.tolist() == [4, 5] and t.storage_offset() == 4
    assert t.untyped_storage().nbytes() == 80
    e = ember.load(tmp_path / "s.pt")
    assert e.tolist() == [4, 5] and e.storage_offset() == 4


def test_storage_offset_and_strides_match_torch_writer(tmp_path):
    # the same object saved by both: data.pkl is byte-identical
    def build(lib):
        base = lib.arange(12, dtype=lib.float32)
        sd = collections.OrderedDict(
            a=base, b=base[2:].view(2, 5), c=lib.ones(2, dtype=lib.bfloat16),
            d=lib.zeros(2, dtype=lib.complex64), e=lib.tensor([True]))
        sd._metadata = {"": {"version": 1}}
        return sd

    eb, tb = io.BytesIO(), io.BytesIO()
    ember.save(build(ember), eb)
    torch.save(build(torch), tb)
    ez, tz = zipfile.ZipFile(eb), zipfile.ZipFile(tb)
    assert ez.namelist() == tz.namelist()
    assert ez.read("archive/data.pkl") == tz.read("archive/data.pkl")
    for name in tz.namelist():
        if not name.endswith("serialization_id"):
            assert ez.read(name) == tz.read(name), name
    for info in ez.infolist():  # records start on 64-byte boundaries, stored uncompressed
        raw = eb.getvalue()
        n, x = np.frombuffer(raw[info.header_offset + 26:info.header_offset + 30], "<u2")
        assert (info.header_offset + 30 + n + x) % 64 == 0
        assert info.compress_type == zipfile.ZIP_STORED


def test_saving_one_storage_as_two_dtypes_is_an_error():
    x = ember.arange(4, dtype=ember.int32)
    with pytest.raises(RuntimeError, match="view the same data as different types"):
        ember.save([x, x.view(ember.float32)], io.BytesIO())
    with pytest.raises(RuntimeError, match="view the same data as different types"):
        y = torch.arange(4, dtype=torch.int32)
        torch.save([y, y.view(torch.float32)], io.BytesIO())


# ---------------------------------------------------------------------------- Parameters etc.

def test_parameters_and_requires_grad_both_ways(tmp_path):
    p = ember.nn.Parameter(ember.randn(3, 2))
    frozen = ember.nn.Parameter(ember.ones(2), requires_grad=False)
    rg = ember.ones(2, requires_grad=True)
    ember.save({"p": p, "frozen": frozen, "rg": rg, "plain": ember.zeros(1)}, tmp_path / "p.pt")
    got = torch.load(tmp_path / "p.pt")
    assert type(got["p"]) is torch.nn.Parameter and got["p"].requires_grad
    assert type(got["frozen"]) is torch.nn.Parameter and not got["frozen"].requires_grad
    assert type(got["rg"]) is torch.Tensor and got["rg"].requires_grad
    assert_same(p, got["p"])
    assert not got["plain"].requires_grad

    torch.save(got, tmp_path / "q.pt")
    back = ember.load(tmp_path / "q.pt")
    assert type(back["p"]) is ember.nn.Parameter and back["p"].requires_grad
    assert type(back["frozen"]) is ember.nn.Parameter and not back["frozen"].requires_grad
    assert type(back["rg"]) is ember.Tensor and back["rg"].requires_grad
    assert back["rg"].is_leaf
    assert_same(back["p"], got["p"])


def test_tensor_attributes_round_trip(tmp_path):
    t = torch.ones(2)
    t.note = "hello"
    torch.save(t, tmp_path / "a.pt")
    e = ember.load(tmp_path / "a.pt")
    assert e.note == "hello" and e.tolist() == [1.0, 1.0]
    ember.save(e, tmp_path / "b.pt")
    assert torch.load(tmp_path / "b.pt").note == "hello"


def test_python_values_and_torch_objects_both_ways(tmp_path):
    def build(lib):
        od = collections.OrderedDict(w=lib.ones(2), n=3)
        od._metadata = collections.OrderedDict({"": {"version": 2}, "sub": {"version": 1}})
        return {"od": od, "nested": [1, (2.5, "s", None), {"b": b"\x00\xff", "c": 1 + 2j}],
                "set": {1, 2}, "size": lib.Size([2, 3]), "dtype": lib.float16,
                "dev": lib.device("cuda", 1), "cpu": lib.device("cpu"), "bool": True,
                "big": 2 ** 70}

    ember.save(build(ember), tmp_path / "e.pt")
    got = torch.load(tmp_path / "e.pt")
    want = build(torch)
    assert type(got["od"]) is collections.OrderedDict
    assert got["od"]._metadata == want["od"]._metadata
    assert got["nested"] == want["nested"] and got["set"] == want["set"]
    assert type(got["size"]) is torch.Size and got["size"] == want["size"]
    assert got["dtype"] is torch.float16
    assert got["dev"] == torch.device("cuda", 1) and got["cpu"] == torch.device("cpu")
    assert got["big"] == 2 ** 70 and got["bool"] is True

    torch.save(want, tmp_path / "t.pt")
    back = ember.load(tmp_path / "t.pt")
    assert back["od"]._metadata == want["od"]._metadata
    assert list(back["od"]) == ["w", "n"] and back["od"]["w"].tolist() == [1.0, 1.0]
    assert back["nested"] == want["nested"] and back["set"] == {1, 2}
    assert type(back["size"]) is ember.Size and tuple(back["size"]) == (2, 3)
    assert back["dtype"] is ember.float16
    assert back["dev"] == ember.device("cuda", 1) and back["cpu"] is ember.device("cpu")


class _TorchNet(torch.nn.Module):
    """A small ResNet-style network (conv/bn/residual/linear) written with torch.nn."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1, bias=False),
                                        torch.nn.BatchNorm2d(8), torch.nn.ReLU())
        self.block = torch.nn.Sequential(torch.nn.Conv2d(8, 8, 3, padding=1, bias=False),
                                         torch.nn.BatchNorm2d(8))
        self.down = torch.nn.Conv2d(8, 16, 1, stride=2)
        self.fc = torch.nn.Linear(16, 10)

    def forward(self, x):
        x = self.stem(x)
        x = torch.relu(self.block(x) + x)
        return self.fc(self.down(x).mean((2, 3)))


def test_torch_model_state_dict_and_optimizer_to_ember_and_back(tmp_path):
    torch.manual_seed(0)
    net = _TorchNet()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for p in net.parameters():  # one Adam step from made-up gradients (no conv needed)
        p.grad = torch.randn_like(p)
    opt.step()
    net.train()
    net.stem[1].running_mean.uniform_()
    net.stem[1].num_batches_tracked += 5
    ckpt = {"epoch": 3, "model_state_dict": net.state_dict(),
            "optimizer_state_dict": opt.state_dict(), "loss": torch.tensor(0.25)}
    torch.save(ckpt, tmp_path / "ckpt.pt")

    got = ember.load(tmp_path / "ckpt.pt")
    assert got["epoch"] == 3 and got["loss"].item() == 0.25
    sd = got["model_state_dict"]
    assert type(sd) is collections.OrderedDict and list(sd) == list(net.state_dict())
    assert sd._metadata == net.state_dict()._metadata
    for k, v in net.state_dict().items():
        assert_same(sd[k], v)
    assert sd["stem.1.num_batches_tracked"].dtype is ember.int64
    osd = got["optimizer_state_dict"]
    tosd = opt.state_dict()
    assert osd["param_groups"] == tosd["param_groups"]
    for i, state in tosd["state"].items():
        for k, v in state.items():
            assert_same(osd["state"][i][k], v)

    ember.save(got, tmp_path / "back.pt")  # and back into the torch model
    again = torch.load(tmp_path / "back.pt")
    net2 = _TorchNet()
    net2.load_state_dict(again["model_state_dict"])
    opt2 = torch.optim.Adam(net2.parameters(), lr=1e-3)
    opt2.load_state_dict(again["optimizer_state_dict"])
    for k, v in net.state_dict().items():
        assert torch.equal(net2.state_dict()[k], v)


def test_checkpoint_workflow_with_ember_nn_and_optim(tmp_path):
    ember.manual_seed(0)
    model = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.ReLU(), ember.nn.Linear(3, 1))
    opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = ember.randn(5, 4)
    loss = model(x).pow(2).mean()
    loss.backward()
    opt.step()
    path = tmp_path / "ckpt.pt"
    ember.save({"epoch": 1, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": opt.state_dict(), "loss": loss.item()}, path)

    ckpt = ember.load(path)
    model2 = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.ReLU(), ember.nn.Linear(3, 1))
    opt2 = ember.optim.SGD(model2.parameters(), lr=0.1, momentum=0.9)
    model2.load_state_dict(ckpt["model_state_dict"])
    opt2.load_state_dict(ckpt["optimizer_state_dict"])
    assert ckpt["epoch"] == 1 and ckpt["loss"] == loss.item()
    for (k, a), (_, b) in zip(model.state_dict().items(), model2.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for o in (opt, opt2):  # resumed training takes the same step
        o.zero_grad()
    model(x).pow(2).mean().backward()
    model2(x).pow(2).mean().backward()
    opt.step()
    opt2.step()
    for a, b in zip(model.parameters(), model2.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6)

    tck = torch.load(path)  # and real torch reads the ember checkpoint into the same layers
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    tmodel.load_state_dict(tck["model_state_dict"])
    assert tck["optimizer_state_dict"]["param_groups"][0]["momentum"] == 0.9


def test_whole_module_needs_ember_and_weights_only_false(tmp_path):
    model = ember.nn.Sequential(ember.nn.Linear(2, 2), ember.nn.ReLU())
    ember.save(model, tmp_path / "m.pt")
    with pytest.raises(pickle.UnpicklingError, match="ember.nn.modules"):
        ember.load(tmp_path / "m.pt")
    back = ember.load(tmp_path / "m.pt", weights_only=False)
    assert type(back) is ember.nn.Sequential and isinstance(back[0], ember.nn.Linear)
    x = ember.randn(3, 2)
    np.testing.assert_array_equal(back(x).detach().numpy(), model(x).detach().numpy())


def test_plain_pickle_of_tensors():
    p = ember.nn.Parameter(ember.randn(2, 3))
    t = ember.arange(6.0).reshape(2, 3).t()
    b = ember.ones(2, dtype=ember.bfloat16)
    p2, t2, b2 = pickle.loads(pickle.dumps((p, t, b)))
    assert type(p2) is ember.nn.Parameter and p2.requires_grad
    np.testing.assert_array_equal(p2.detach().numpy(), p.detach().numpy())
    assert t2.tolist() == t.tolist() and b2.dtype is ember.bfloat16


# ---------------------------------------------------------------------------- legacy format

def test_legacy_format_both_ways(tmp_path, rng):
    base = torch.arange(6.0)
    obj = {"a": base, "v": base[1:].view(5)[::2], "i": torch.ones(2, dtype=torch.int64),
           "h": torch.ones(3, dtype=torch.bfloat16), "p": torch.nn.Parameter(torch.randn(2))}
    torch.save(obj, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    got = ember.load(tmp_path / "old.pt")
    for k, v in obj.items():
        assert_same(got[k], v)
    assert got["v"].untyped_storage().data_ptr() == got["a"].untyped_storage().data_ptr()
    assert type(got["p"]) is ember.nn.Parameter

    ember.save(got, tmp_path / "old2.pt", _use_new_zipfile_serialization=False)
    assert not zipfile.is_zipfile(tmp_path / "old2.pt")
    back = torch.load(tmp_path / "old2.pt")
    for k, v in obj.items():
        assert_same(got[k], back[k])
    with pytest.raises(RuntimeError, match="mmap can only be used"):
        ember.load(tmp_path / "old.pt", mmap=True)


# ---------------------------------------------------------------------------- mmap

def test_mmap_maps_storages_from_the_file(tmp_path, rng):
    a, at = _pair(rng, (64, 16), ember.float32)
    torch.save({"a": at, "v": at[3:, 2:], "h": torch.ones(5, dtype=torch.float16)},
               tmp_path / "m.pt")
    before = (tmp_path / "m.pt").read_bytes()
    got = ember.load(tmp_path / "m.pt", mmap=True)
    assert_same(got["a"], at)
    assert_same(got["v"], at[3:, 2:])
    root = got["a"].numpy()
    while isinstance(root.base, np.ndarray):
        root = root.base
    assert isinstance(root.base, mmap.mmap)
    got["a"].numpy()[0, 0] = 123.0  # copy-on-write: the file is unchanged
    assert got["v"].untyped_storage().data_ptr() == got["a"].untyped_storage().data_ptr()
    del got, root
    assert (tmp_path / "m.pt").read_bytes() == before

    ember.save({"a": a}, tmp_path / "e.pt")  # ember's records are aligned: torch can map them
    assert_same(a, torch.load(tmp_path / "e.pt", mmap=True)["a"])
    with pytest.raises(ValueError, match="file path"):
        ember.load(io.BytesIO(before), mmap=True)


# ---------------------------------------------------------------------------- map_location

@pytest.fixture
def cuda_checkpoint(monkeypatch):
    """A checkpoint whose storages are tagged 'cuda:0' (as saved from a GPU)."""
    monkeypatch.setattr(serialization._Storages, "_location", staticmethod(lambda d: "cuda:0"))
    buf = io.BytesIO()
    ember.save({"w": ember.arange(4.0), "v": ember.ones(2, dtype=ember.int64)}, buf)
    monkeypatch.undo()
    return buf.getvalue()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only error")
def test_cuda_checkpoint_without_gpu_raises_like_torch(cuda_checkpoint):
    from ember._backend import cuda

    if cuda.is_available():
        pytest.skip("a GPU is visible to ember")
    with pytest.raises(RuntimeError) as te:
        torch.load(io.BytesIO(cuda_checkpoint))
    with pytest.raises(RuntimeError) as ee:
        ember.load(io.BytesIO(cuda_checkpoint))
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("kind", ["str", "device", "dict", "callable", "callable_none_cpu"])
def test_map_location_variants(kind, cuda_checkpoint):
    seen = []

    def fn(storage, location):
        seen.append((type(storage).__name__, location))
        return storage

    ml = {"str": "cpu", "device": ember.device("cpu"), "dict": {"cuda:0": "cpu"},
          "callable": fn, "callable_none_cpu": fn}[kind]
    got = ember.load(io.BytesIO(cuda_checkpoint), map_location=ml)
    assert got["w"].tolist() == [0.0, 1.0, 2.0, 3.0] and got["w"].device == ember.device("cpu")
    assert got["v"].dtype is ember.int64
    if kind.startswith("callable"):
        assert seen == [("UntypedStorage", "cuda:0")] * 2
    # torch agrees on the values for the same map_location
    tml = {"str": "cpu", "device": torch.device("cpu"), "dict": {"cuda:0": "cpu"},
           "callable": lambda s, loc: s, "callable_none_cpu": lambda s, loc: s}[kind]
    assert torch.load(io.BytesIO(cuda_checkpoint), map_location=tml)["w"].tolist() == \
        got["w"].tolist()


def test_map_location_errors():
    buf = io.BytesIO()
    ember.save(ember.ones(1), buf)
    with pytest.raises(RuntimeError, match="don't know how to restore data location"):
        ember.load(io.BytesIO(buf.getvalue()), map_location="meta")
    with pytest.raises(RuntimeError, match="map_location should return a storage"):
        ember.load(io.BytesIO(buf.getvalue()), map_location=lambda s, loc: 3)


# ---------------------------------------------------------------------------- targets

def test_file_targets_and_archive_names(tmp_path):
    t = ember.arange(3.0)
    ember.save(t, str(tmp_path / "model.pth.tar"))
    ember.save(t, pathlib.Path(tmp_path / "p.pt"))
    with open(tmp_path / "fo.pt", "wb") as fh:
        ember.save(t, fh)
    buf = io.BytesIO()
    ember.save(t, buf)
    names = {}
    for n in ("model.pth.tar", "p.pt", "fo.pt"):
        names[n] = zipfile.ZipFile(tmp_path / n).namelist()[0]
        torch.save(torch.arange(3.0), tmp_path / ("torch_" + n))
    assert names == {"model.pth.tar": "model.pth/data.pkl", "p.pt": "p/data.pkl",
                     "fo.pt": "archive/data.pkl"}
    assert zipfile.ZipFile(buf).namelist()[0] == "archive/data.pkl"
    for n in ("model.pth.tar", "p.pt", "fo.pt"):
        assert ember.load(tmp_path / n).tolist() == [0.0, 1.0, 2.0]
        with open(tmp_path / n, "rb") as fh:
            assert torch.load(fh).tolist() == [0.0, 1.0, 2.0]
    buf.seek(0)
    assert ember.load(buf).tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(RuntimeError, match="Parent directory"):
        ember.save(t, tmp_path / "missing" / "x.pt")


def test_zip64_records_are_readable(monkeypatch, rng):
    from ember import _serialization_write

    monkeypatch.setattr(_serialization_write, "_ZIP64_LIMIT", 40)  # the zip writer's limit
    a, at = _pair(rng, (30,), ember.float64)
    buf = io.BytesIO()
    ember.save({"a": a, "b": ember.ones(2)}, buf)
    data = buf.getvalue()
    assert b"PK\x06\x06" in data  # the zip64 end record was needed
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    assert_same(a, torch.load(io.BytesIO(data))["a"])
    assert_same(ember.load(io.BytesIO(data))["a"], at)


# ---------------------------------------------------------------------------- storages

def test_untyped_storage_matches_torch():
    e = ember.arange(12, dtype=ember.float32)
    t = torch.arange(12, dtype=torch.float32)
    ev, tv = e[2:].view(2, 5).t(), t[2:].view(2, 5).t()
    assert ev.untyped_storage().nbytes() == tv.untyped_storage().nbytes() == 48
    assert ev.untyped_storage().data_ptr() == e.untyped_storage().data_ptr() == e.data_ptr()
    assert len(ev.untyped_storage()) == len(tv.untyped_storage())
    assert list(e[1:2].untyped_storage())[:8] == list(t[1:2].untyped_storage())[:8]
    other = ember.arange(12, dtype=ember.float32)
    assert other.untyped_storage().data_ptr() != e.untyped_storage().data_ptr()
    from ember._storage import TypedStorage
    from ember._storage import UntypedStorage

    s = UntypedStorage([1, 2, 3, 255])
    assert s.nbytes() == 4 and s.tolist() == [1, 2, 3, 255] and s[-1] == 255

    ts = TypedStorage._wrap(e.untyped_storage(), ember.float32)
    assert ts.size() == 12 and ts.element_size() == 4 and ts[3] == 3.0


def test_storages_round_trip(tmp_path):
    t = torch.arange(4, dtype=torch.int16)
    torch.save({"u": t.untyped_storage(), "t": torch.ones(2)}, tmp_path / "s.pt")
    got = ember.load(tmp_path / "s.pt")
    assert isinstance(got["u"], ember._storage.UntypedStorage)
    assert got["u"].nbytes() == 8 and got["u"].tolist() == [0, 0, 1, 0, 2, 0, 3, 0]
    ember.save(got, tmp_path / "s2.pt")
    back = torch.load(tmp_path / "s2.pt")
    mine = torch.load(tmp_path / "s.pt")  # torch reads both files alike (a uint8 storage)
    assert type(back["u"]) is type(mine["u"]) and back["u"].dtype == mine["u"].dtype
    assert back["u"].tolist() == mine["u"].tolist() == t.untyped_storage().tolist()
    # a storage saved both untyped and as a tensor of another dtype: an error in both
    e = ember.arange(4, dtype=ember.int16)
    with pytest.raises(RuntimeError, match="view the same data as different types"):
        ember.save({"u": e.untyped_storage(), "t": e}, io.BytesIO())
    with pytest.raises(RuntimeError, match="view the same data as different types"):
        torch.save({"u": t.untyped_storage(), "t": t}, io.BytesIO())


def test_pickle_protocols(tmp_path):
    obj = {"a": ember.ones(2), "d": ember.float64, "b": b"xy"}
    for proto in (2, 3, 4, 5):
        buf = io.BytesIO()
        ember.save(obj, buf, pickle_protocol=proto)
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
            ops = {op.name for op, _, _ in pickletools.genops(z.read("archive/data.pkl"))}
        assert ("STACK_GLOBAL" in ops) == (proto >= 4)
        # (torch's weights_only unpickler lacks protocol 3's SHORT_BINBYTES opcode)
        got = torch.load(io.BytesIO(buf.getvalue()), weights_only=proto == 2)
        assert got["a"].tolist() == [1.0, 1.0] and got["d"] is torch.float64
        assert got["b"] == b"xy"
        assert ember.load(io.BytesIO(buf.getvalue()))["d"] is ember.float64


def test_unsupported_dtype_in_checkpoint(tmp_path):
    torch.save({"u": torch.ones(2, dtype=torch.uint16)}, tmp_path / "u.pt")
    with pytest.raises(TypeError, match="dtype torch.uint16"):
        ember.load(tmp_path / "u.pt")

