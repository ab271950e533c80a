"""weights_only=True never runs code from a checkpoint; the allowlist API; atomic saves;
corrupted and truncated files."""

import io
import os
import pickle
import re
import struct
import zipfile

import pytest
import torch

import ember
from ember import serialization


def _zip_with_pickle(data, prefix="archive"):
    """A torch-style checkpoint whose data.pkl is `data` (hand-made bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{prefix}/data.pkl", data)
        z.writestr(f"{prefix}/byteorder", "little")
        z.writestr(f"{prefix}/version", "3\n")
    return buf.getvalue()


def _global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _call(module, name, *str_args):
    """Protocol-2 pickle bytes calling module.name(*str_args) (GLOBAL + REDUCE)."""
    out = b"\x80\x02" + _global(module, name) + b"("
    for a in str_args:
        enc = a.encode()
        out += b"X" + struct.pack("<I", len(enc)) + enc
    return out + b"tR"


def _short(text):
    return b"\x8c" + bytes([len(text)]) + text.encode()


def _payloads(marker):
    cmd = f"touch {marker}"
    code = f"open({str(marker)!r}, 'w').close()"
    return {
        "os.system": _call("os", "system", cmd) + b".",
        "posix.system": _call("posix", "system", cmd) + b".",
        "builtins.eval": _call("builtins", "eval", code) + b".",
        "builtins.exec": _call("builtins", "exec", code) + b".",
        "__builtin__.eval (py2 name)": _call("__builtin__", "eval", code) + b".",
        "subprocess.Popen": b"\x80\x02" + _global("subprocess", "Popen") + b"(X\x05\x00\x00\x00"
                            b"touch" + b"X" + struct.pack("<I", len(str(marker))) +
                            str(marker).encode() + b"\x86\x85R.",
        # inside a state_dict, after legitimate content
        "nested in OrderedDict": b"\x80\x02" + _global("collections", "OrderedDict") +
                                 b")R(X\x01\x00\x00\x00a" + _call("os", "system", cmd)[2:] +
                                 b"u.",
        # protocol 4 STACK_GLOBAL with a dotted attribute walk off an allowed class
        "dotted STACK_GLOBAL": b"\x80\x04" + _short("collections") +
                               _short("OrderedDict.__init__.__globals__") + b"\x93.",
        # copyreg._reconstructor / __reduce_ex__ style object construction
        "copyreg._reconstructor": _call("copyreg", "_reconstructor") + b".",
        # _codecs.encode is allowed, but only as protocol 2's bytes encoder
        "_codecs.encode rot13": _call("_codecs", "encode", "abc", "rot13") + b".",
    }


@pytest.mark.parametrize("kind", list(_payloads("m")))
@pytest.mark.parametrize("container", ["zip", "raw pickle"])
def test_malicious_pickles_never_run(kind, container, tmp_path):
    marker = tmp_path / "pwned"
    data = _payloads(marker)[kind]
    blob = _zip_with_pickle(data) if container == "zip" else data
    path = tmp_path / "evil.pt"
    path.write_bytes(blob)
    with pytest.raises(pickle.UnpicklingError) as ei:
        ember.load(path)
    assert not marker.exists()
    msg = str(ei.value)
    assert "Weights only load failed" in msg
    if kind in ("os.system", "posix.system", "builtins.eval", "subprocess.Popen"):
        name = kind if kind != "os.system" else "os.system"
        assert f"Unsupported global: GLOBAL {name}" in msg
        assert "add_safe_globals" in msg
    with pytest.raises(pickle.UnpicklingError):
        ember.load(io.BytesIO(blob), weights_only=True)
    assert not marker.exists()


def test_payload_is_real_without_weights_only(tmp_path):
    # the same bytes do run with weights_only=False: the test above would catch a regression
    marker = tmp_path / "pwned"
    ember.load(io.BytesIO(_zip_with_pickle(_payloads(marker)["os.system"])),
               weights_only=False)
    assert marker.exists()


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_torch_and_ember_written_malicious_checkpoints(tmp_path):
    marker = tmp_path / "pwned"
    obj = {"weights": torch.ones(2), "evil": _Evil(marker)}
    torch.save(obj, tmp_path / "t.pt")
    ember.save({"weights": ember.ones(2), "evil": _Evil(marker)}, tmp_path / "e.pt")
    for p in ("t.pt", "e.pt"):
        with pytest.raises(pickle.UnpicklingError, match="GLOBAL posix.system|GLOBAL os.system"):
            ember.load(tmp_path / p)
        assert not marker.exists()
    legacy = tmp_path / "legacy.pt"
    torch.save(obj, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(pickle.UnpicklingError):
        ember.load(legacy)
    assert not marker.exists()


class Point:
    """A user class for the allowlist tests."""

    def __init__(self, x):
        self.x = x

    def __eq__(self, other):
        return isinstance(other, Point) and other.x == self.x


def test_safe_globals_api(tmp_path):
    ember.save({"p": Point(3), "t": ember.ones(1)}, tmp_path / "p.pt")
    serialization.clear_safe_globals()
    with pytest.raises(pickle.UnpicklingError, match=re.escape(
            f"Unsupported global: GLOBAL {__name__}.Point was not an allowed global by "
            f"default. Please use `torch.serialization.add_safe_globals([{__name__}.Point])`")):
        ember.load(tmp_path / "p.pt")
    assert serialization.get_unsafe_globals_in_checkpoint(tmp_path / "p.pt") == \
        [f"{__name__}.Point"]
    with serialization.safe_globals([Point]):
        assert serialization.get_safe_globals() == [Point]
        assert ember.load(tmp_path / "p.pt")["p"] == Point(3)
        assert serialization.get_unsafe_globals_in_checkpoint(tmp_path / "p.pt") == []
    assert serialization.get_safe_globals() == []
    serialization.add_safe_globals([(Point, f"{__name__}.Point")])
    try:
        assert ember.load(tmp_path / "p.pt")["p"] == Point(3)
    finally:
        serialization.clear_safe_globals()
    with pytest.raises(pickle.UnpicklingError):
        ember.load(tmp_path / "p.pt")
    assert ember.load(tmp_path / "p.pt", weights_only=False)["p"] == Point(3)
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        ember.load(tmp_path / "p.pt", pickle_module=pickle)


def test_rejection_message_matches_torch(tmp_path):
    import fractions

    torch.save({"f": fractions.Fraction(1, 2)}, tmp_path / "f.pt")
    with pytest.raises(pickle.UnpicklingError) as te:
        torch.load(tmp_path / "f.pt")
    with pytest.raises(pickle.UnpicklingError) as ee:
        ember.load(tmp_path / "f.pt")
    plain = re.sub(r"\x1b\[[0-9;]*m", "", str(te.value))
    assert str(ee.value) == plain


# ---------------------------------------------------------------------------- atomic saves

class _Exploding:
    def __reduce__(self):
        raise RuntimeError("cannot pickle me")


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name != "ckpt.pt")


def test_failed_pickling_leaves_existing_checkpoint_untouched(tmp_path):
    path = tmp_path / "ckpt.pt"
    ember.save({"w": ember.ones(3)}, path)
    good = path.read_bytes()
    with pytest.raises(RuntimeError, match="cannot pickle me"):
        ember.save({"w": ember.zeros(1000), "x": [1, 2, _Exploding()]}, path)
    assert path.read_bytes() == good and _leftovers(tmp_path) == []
    assert torch.load(path)["w"].tolist() == [1.0, 1.0, 1.0]


def test_write_failing_midway_leaves_existing_checkpoint_untouched(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    ember.save({"w": ember.ones(3)}, path)
    good = path.read_bytes()
    real_add = serialization._ZipWriter.add
    calls = []

    def failing_add(self, name, data):
        calls.append(name)
        if name.startswith("data/"):
            real_add(self, name, data[: len(data) // 2])  # half a record reaches the disk
            raise OSError(28, "No space left on device")
        real_add(self, name, data)

    monkeypatch.setattr(serialization._ZipWriter, "add", failing_add)
    with pytest.raises(OSError, match="No space left"):
        ember.save({"w": ember.zeros(1000)}, path)
    assert "data/0" in calls
    assert path.read_bytes() == good and _leftovers(tmp_path) == []
    monkeypatch.undo()
    ember.save({"w": ember.zeros(4)}, path)  # a later save replaces it
    assert torch.load(path)["w"].tolist() == [0.0] * 4 and _leftovers(tmp_path) == []


def test_interrupted_fsync_and_mode(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    ember.save(ember.ones(1), path)
    mask = os.umask(0)
    os.umask(mask)
    assert (os.stat(path).st_mode & 0o777) == (0o666 & ~mask)

    def boom(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", boom)
    good = path.read_bytes()
    with pytest.raises(KeyboardInterrupt):
        ember.save(ember.zeros(1), path)
    assert path.read_bytes() == good and _leftovers(tmp_path) == []


# ---------------------------------------------------------------------------- corrupted files

@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.pt"
    ember.save({"w": ember.arange(100.0), "b": ember.ones(3, dtype=ember.int64)}, path)
    return path.read_bytes()


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, -1])
def test_truncated_files(cut, good_file, tmp_path):
    n = len(good_file) - 1 if cut == -1 else int(len(good_file) * cut)
    path = tmp_path / "trunc.pt"
    path.write_bytes(good_file[:n])
    with pytest.raises(RuntimeError, match=r"PytorchStreamReader failed .*trunc\.pt"):
        ember.load(path)
    with pytest.raises(RuntimeError):  # torch rejects them too
        torch.load(path)


def test_corrupted_storage_bytes(good_file, tmp_path):
    data = bytearray(good_file)
    start = data.index(b"data/0") + len("data/0")
    start += (-start) % 64 + 8  # inside the 64-aligned record data
    data[start] ^= 0xFF
    path = tmp_path / "bad.pt"
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match=r"bad CRC.*bad\.pt"):
        ember.load(path)


@pytest.mark.parametrize("content,match", [
    (b"", "empty"),
    (b"hello, this is not a checkpoint", "Invalid magic number"),
    (b"\x80\x02K\x01.", "magic number"),
])
def test_wrong_formats(content, match, tmp_path):
    path = tmp_path / "x.pt"
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match=match) as ei:
        ember.load(path)
    assert "x.pt" in str(ei.value)


def test_zip_without_data_pkl(tmp_path):
    path = tmp_path / "z.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/other.txt", "hi")
    with pytest.raises(RuntimeError, match="failed locating file data.pkl"):
        ember.load(path)


def test_corrupted_pickle_in_zip(tmp_path):
    path = tmp_path / "c.pt"
    path.write_bytes(_zip_with_pickle(b"\x80\x02}q\x00(X\x01"))
    with pytest.raises(pickle.UnpicklingError):
        ember.load(path)
    with pytest.raises(RuntimeError, match="c.pt"):
        ember.load(path, weights_only=False)


def test_out_of_bounds_tensor_is_rejected(tmp_path):
    # a pickle claiming a view larger than its storage
    t = torch.arange(4.0)
    buf = io.BytesIO()
    torch.save(t, buf)
    raw = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        pkl = z.read("archive/data.pkl")
    bad = pkl.replace(b"K\x04\x85", b"K\x09\x85", 1)  # size (4,) -> (9,)
    assert bad != pkl
    with pytest.raises(RuntimeError, match="out of bounds"):
        _load_with_data(bad, raw)


def _load_with_data(pkl, original):
    with zipfile.ZipFile(io.BytesIO(original)) as z:
        records = {n: z.read(n) for n in z.namelist()}
    records["archive/data.pkl"] = pkl
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, d in records.items():
            z.writestr(n, d)
    return ember.load(io.BytesIO(buf.getvalue()))
