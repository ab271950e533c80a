"""Files written by ember.serialization before it was split into _serialization_read /
_serialization_write still load: plain pickles name ``ember.serialization._rebuild_from_array``
(and parameters ``ember.nn.parameter._rebuild_parameter``); checkpoints name torch's rebuild
functions, which the loader maps to ember's."""

import base64
import io
import pickle

import ember
from ember import nn
from ember import serialization

# pickle.dumps({"t": arange(6.).reshape(2, 3).requires_grad_(), "i": tensor([[1, 2], [3, 4]]).t(),
#               "p": nn.Parameter(tensor([1.5, -2.]))}, protocol=2), written before the split
PLAIN_PICKLE = base64.b64decode(
    "gAJ9cQAoWAEAAAB0cQFjZW1iZXIuc2VyaWFsaXphdGlvbgpfcmVidWlsZF9mcm9tX2FycmF5CnECKGNlbWJlci5f"
    "dGVuc29yClRlbnNvcgpxA2NudW1weS5fY29yZS5tdWx0aWFycmF5Cl9yZWNvbnN0cnVjdApxBGNudW1weQpuZGFy"
    "cmF5CnEFSwCFcQZjX2NvZGVjcwplbmNvZGUKcQdYAQAAAGJxCFgGAAAAbGF0aW4xcQmGcQpScQuHcQxScQ0oSwFL"
    "AksDhnEOY251bXB5CmR0eXBlCnEPWAIAAABmNHEQiYiHcRFScRIoSwNYAQAAADxxE05OTkr/////Sv////9LAHRx"
    "FGKJaAdYGwAAAAAAAAAAAMKAPwAAAEAAAEBAAADCgEAAAMKgQHEVaAmGcRZScRd0cRhiWAMAAABjcHVxGYhOdHEa"
    "UnEbWAEAAABpcRxoAihoA2gEaAVLAIVxHWgLh3EeUnEfKEsBSwJLAoZxIGgPWAIAAABpOHEhiYiHcSJScSMoSwNo"
    "E05OTkr/////Sv////9LAHRxJGKJaAdYIAAAAAEAAAAAAAAAAwAAAAAAAAACAAAAAAAAAAQAAAAAAAAAcSVoCYZx"
    "JlJxJ3RxKGJoGYlOdHEpUnEqWAEAAABwcStjZW1iZXIubm4ucGFyYW1ldGVyCl9yZWJ1aWxkX3BhcmFtZXRlcgpx"
    "LGgCKGgDaARoBUsAhXEtaAuHcS5ScS8oSwFLAoVxMGgSiWgHWAoAAAAAAMOAPwAAAMOAcTFoCYZxMlJxM3RxNGJo"
    "GYlOdHE1UnE2iIZxN1JxOHUu")

# ember.save({"t": ..., "i": ..., "p": ...}) of the same tensors (zip format), before the split
ZIP_CHECKPOINT = base64.b64decode(
    "UEsDBBQAAAgAAAAAIQCw3ieWYAEAAGABAAAQABIAYXJjaGl2ZS9kYXRhLnBrbEZCDgBaWlpaWlpaWlpaWlpaWoAC"
    "fXEAKFgBAAAAdHEBY3RvcmNoLl91dGlscwpfcmVidWlsZF90ZW5zb3JfdjIKcQIoKFgHAAAAc3RvcmFnZXEDY3Rv"
    "cmNoCkZsb2F0U3RvcmFnZQpxBFgBAAAAMHEFWAMAAABjcHVxBksGdHEHUUsASwJLA4ZxCEsDSwGGcQmJY2NvbGxl"
    "Y3Rpb25zCk9yZGVyZWREaWN0CnEKKVJxC3RxDFJxDVgBAAAAaXEOaAIoKGgDY3RvcmNoCkxvbmdTdG9yYWdlCnEP"
    "WAEAAAAxcRBoBksEdHERUUsASwJLAoZxEksBSwKGcROJaAopUnEUdHEVUnEWWAEAAABwcRdjdG9yY2guX3V0aWxz"
    "Cl9yZWJ1aWxkX3BhcmFtZXRlcgpxGGgCKChoA2gEWAEAAAAycRloBksCdHEaUUsASwKFcRtLAYVxHIloCilScR10"
    "cR5ScR+IaAopUnEgh3EhUnEidS5QSwMEFAAACAAAAAAhALfv3IMBAAAAAQAAABcAKwBhcmNoaXZlLy5mb3JtYXRf"
    "dmVyc2lvbkZCJwBaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWloxUEsDBBQAAAgAAAAAIQA/"
    "d3HpAgAAAAIAAAAaAAcAYXJjaGl2ZS8uc3RvcmFnZV9hbGlnbm1lbnRGQgMAWlpaNjRQSwMEFAAACAAAAAAhAIU9"
    "4xkGAAAABgAAABEADwBhcmNoaXZlL2J5dGVvcmRlckZCCwBaWlpaWlpaWlpaWmxpdHRsZVBLAwQUAAAIAAAAACEA"
    "F5DnkRgAAAAYAAAADgAOAGFyY2hpdmUvZGF0YS8wRkIKAFpaWlpaWlpaWloAAAAAAACAPwAAAEAAAEBAAACAQAAA"
    "oEBQSwMEFAAACAAAAAAhAAAmaZwgAAAAIAAAAA4APABhcmNoaXZlL2RhdGEvMUZCOABaWlpaWlpaWlpaWlpaWlpa"
    "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWgEAAAAAAAAAAgAAAAAAAAADAAAAAAAAAAQA"
    "AAAAAAAAUEsDBBQAAAgAAAAAIQA6LN/MCAAAAAgAAAAOADQAYXJjaGl2ZS9kYXRhLzJGQjAAWlpaWlpaWlpaWlpa"
    "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaAADAPwAAAMBQSwMEFAAACAAAAAAhANGeZ1UCAAAA"
    "AgAAAA8ACwBhcmNoaXZlL3ZlcnNpb25GQgcAWlpaWlpaWjMKUEsDBBQAAAgAAAAAIQA56ARzKAAAACgAAAAeAEIA"
    "YXJjaGl2ZS8uZGF0YS9zZXJpYWxpemF0aW9uX2lkRkI+AFpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpa"
    "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaNjIyNzcxMDk0ODc4ODMwOTE5MDk0MDE4Njk4NDA4NzYxNTc0"
    "MTAwMlBLAQIUABQAAAgAAAAAIQCw3ieWYAEAAGABAAAQAAAAAAAAAAAAAAAAAAAAAABhcmNoaXZlL2RhdGEucGts"
    "UEsBAhQAFAAACAAAAAAhALfv3IMBAAAAAQAAABcAAAAAAAAAAAAAAAAAoAEAAGFyY2hpdmUvLmZvcm1hdF92ZXJz"
    "aW9uUEsBAhQAFAAACAAAAAAhAD93cekCAAAAAgAAABoAAAAAAAAAAAAAAAAAAQIAAGFyY2hpdmUvLnN0b3JhZ2Vf"
    "YWxpZ25tZW50UEsBAhQAFAAACAAAAAAhAIU94xkGAAAABgAAABEAAAAAAAAAAAAAAAAAQgIAAGFyY2hpdmUvYnl0"
    "ZW9yZGVyUEsBAhQAFAAACAAAAAAhABeQ55EYAAAAGAAAAA4AAAAAAAAAAAAAAAAAhgIAAGFyY2hpdmUvZGF0YS8w"
    "UEsBAhQAFAAACAAAAAAhAAAmaZwgAAAAIAAAAA4AAAAAAAAAAAAAAAAA2AIAAGFyY2hpdmUvZGF0YS8xUEsBAhQA"
    "FAAACAAAAAAhADos38wIAAAACAAAAA4AAAAAAAAAAAAAAAAAYAMAAGFyY2hpdmUvZGF0YS8yUEsBAhQAFAAACAAA"
    "AAAhANGeZ1UCAAAAAgAAAA8AAAAAAAAAAAAAAAAAyAMAAGFyY2hpdmUvdmVyc2lvblBLAQIUABQAAAgAAAAAIQA5"
    "6ARzKAAAACgAAAAeAAAAAAAAAAAAAAAAAAIEAABhcmNoaXZlLy5kYXRhL3NlcmlhbGl6YXRpb25faWRQSwUGAAAA"
    "AAkACQBHAgAAqAQAAAAA")

# ember.save({"t": ..., "i": ...}, _use_new_zipfile_serialization=False), before the split
LEGACY_CHECKPOINT = base64.b64decode(
    "gAKKCmz8nEb5IGqoUBkugAJN6QMugAJ9cQAoWBAAAABwcm90b2NvbF92ZXJzaW9ucQFN6QNYDQAAAGxpdHRsZV9l"
    "bmRpYW5xAohYCgAAAHR5cGVfc2l6ZXNxA31xBChYBQAAAHNob3J0cQVLAlgDAAAAaW50cQZLBFgEAAAAbG9uZ3EH"
    "SwR1dS6AAn1xAChYAQAAAHRxAWN0b3JjaC5fdXRpbHMKX3JlYnVpbGRfdGVuc29yX3YyCnECKChYBwAAAHN0b3Jh"
    "Z2VxA2N0b3JjaApGbG9hdFN0b3JhZ2UKcQRYAQAAADBxBVgDAAAAY3B1cQZLBk50cQdRSwBLAksDhnEISwNLAYZx"
    "CYljY29sbGVjdGlvbnMKT3JkZXJlZERpY3QKcQopUnELdHEMUnENWAEAAABpcQ5oAigoaANjdG9yY2gKTG9uZ1N0"
    "b3JhZ2UKcQ9YAQAAADFxEGgGSwROdHERUUsASwJLAoZxEksBSwKGcROJaAopUnEUdHEVUnEWdS6AAl1xAChYAQAA"
    "ADBxAVgBAAAAMXECZS4GAAAAAAAAAAAAAAAAAIA/AAAAQAAAQEAAAIBAAACgQAQAAAAAAAAAAQAAAAAAAAACAAAA"
    "AAAAAAMAAAAAAAAABAAAAAAAAAA=")


def _check(d, grad=True):
    assert d["t"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert d["t"].dtype is ember.float32
    assert d["t"].requires_grad is grad
    assert d["i"].tolist() == [[1, 3], [2, 4]]
    assert d["i"].dtype is ember.int64


def test_plain_pickle_written_before_split_loads():
    assert b"ember.serialization\n_rebuild_from_array" in PLAIN_PICKLE
    d = pickle.loads(PLAIN_PICKLE)
    _check(d)
    assert type(d["p"]) is nn.Parameter and d["p"].tolist() == [1.5, -2.0]


def test_plain_pickle_still_names_serialization():
    t = ember.arange(3.0)
    data = pickle.dumps(t, protocol=2)
    assert b"ember.serialization\n_rebuild_from_array" in data
    assert pickle.loads(data).tolist() == [0.0, 1.0, 2.0]


def test_checkpoints_written_before_split_load():
    d = ember.load(io.BytesIO(ZIP_CHECKPOINT))
    _check(d, grad=False)
    assert type(d["p"]) is nn.Parameter and d["p"].tolist() == [1.5, -2.0]
    _check(ember.load(io.BytesIO(LEGACY_CHECKPOINT)), grad=False)


def test_moved_names_reachable_from_serialization():
    for name in ("_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3",
                 "_rebuild_parameter", "_rebuild_parameter_with_state", "_rebuild_from_type_v2",
                 "_rebuild_device_tensor_from_cpu_tensor", "_rebuild_device_tensor_from_numpy",
                 "_rebuild_from_array", "_reduce_tensor", "_set_obj_state", "_get_layout",
                 "_codecs_encode", "STORAGE_NAMES", "_Unpickler", "_TorchPickler", "_ZipWriter",
                 "_Storages", "_write_zip", "_load_zip", "_load_legacy", "_ZipSource"):
        assert callable(getattr(serialization, name)) or name == "STORAGE_NAMES", name
