"""Run one program on torch and on ember and compare results or raised errors."""

import numpy as np
import torch

import ember


def run_both(fn):
    """fn(lib) on both libraries: same exception type and message, or equal results."""
    out = {}
    for lib in (torch, ember):
        try:
            out[lib] = ("ok", fn(lib))
        except Exception as e:  # noqa: BLE001 - the error itself is compared
            out[lib] = ("err", type(e).__name__, str(e))
    t, e = out[torch], out[ember]
    assert t[0] == e[0], (t, e)
    if t[0] == "err":
        assert t[1:] == e[1:], (t, e)
        return None
    _compare(e[1], t[1])
    return e[1]


def _compare(e, t):
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), (e, t)
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    elif isinstance(t, (list, tuple)):
        assert len(e) == len(t), (e, t)
        for a, b in zip(e, t):
            _compare(a, b)
    elif isinstance(t, dict):
        assert e.keys() == t.keys()
        for k in t:
            _compare(e[k], t[k])
    elif isinstance(t, float):
        assert abs(e - t) <= 1e-5 * max(1, abs(t)), (e, t)
    else:
        assert e == t, (e, t)


def version(t):
    """The version counter's value (torch: int `_version`; ember: `_version_count`)."""
    return t._version_count if isinstance(t, ember.Tensor) else t._version
