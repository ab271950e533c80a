"""Shared oracle harness for the shape / joining / indexing tests: run one function on ember and
on torch (`fn(M, *inputs)` with M the module), compare outputs, view geometry and gradients."""

import numpy as np
import pytest
import torch

import ember
from tests._oracle import assert_close

NP = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "bool": np.bool_,
      "int32": np.int32, "float16": np.float16, "complex64": np.complex64, "uint8": np.uint8}


def rand(shape, dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype.startswith(("int", "uint")):
        return rng.integers(0, 10, shape).astype(NP[dtype])
    a = rng.standard_normal(shape)
    if dtype.startswith("complex"):
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(NP[dtype])


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in _flat(x)]
    return [out]


def check(fn, *arrays, grad=True, view=False, others=(), seed=1):
    """Compare fn(ember, *inputs) with fn(torch, *inputs).

    arrays: NumPy arrays that become tensors (float ones require grad when `grad`);
    others: extra non-tensor (or index tensor) args appended as they are, built per module by
    callables `(M) -> arg`. view: also compare stride(), storage_offset() and memory sharing.
    """
    def inputs(M):
        ts = []
        for a in arrays:
            t = M.tensor(a)
            if grad and a.dtype.kind == "f":
                t.requires_grad_(True)
            ts.append(t)
        return ts

    e_in, t_in = inputs(ember), inputs(torch)
    e_out = fn(ember, *e_in, *[o(ember) for o in others])
    t_out = fn(torch, *t_in, *[o(torch) for o in others])
    eo, to = _flat(e_out), _flat(t_out)
    assert len(eo) == len(to)
    assert type(e_out) is type(t_out) or not isinstance(t_out, (tuple, list)) or \
        isinstance(e_out, (tuple, list))
    for e, t in zip(eo, to):
        assert_close(e, t)
        if view:
            assert e.stride() == t.stride(), (e.stride(), t.stride())
            assert e.storage_offset() == t.storage_offset()
            assert (e._base is not None) == (t._base is not None)
    if grad and any(a.dtype.kind == "f" for a in arrays):
        rng = np.random.default_rng(seed)
        e_loss, t_loss = 0, 0
        for e, t in zip(eo, to):
            if not t.requires_grad:
                continue
            w = rng.standard_normal(tuple(t.shape))
            e_loss = e_loss + (e * ember.tensor(w, dtype=e.dtype)).sum()
            t_loss = t_loss + (t * torch.tensor(w, dtype=t.dtype)).sum()
        if isinstance(t_loss, torch.Tensor):
            e_loss.backward()
            t_loss.backward()
            for e, t in zip(e_in, t_in):
                if t.requires_grad:
                    if t.grad is None:
                        assert e.grad is None or not e.grad.detach().numpy().any()
                    else:
                        assert_close(e.grad, t.grad)
    return e_out, t_out


def check_error(fn, *arrays, others=()):
    """Both frameworks raise, and with the same exception type."""
    with pytest.raises(Exception) as te:
        fn(torch, *[torch.tensor(a) for a in arrays], *[o(torch) for o in others])
    with pytest.raises(Exception) as ee:
        fn(ember, *[ember.tensor(a) for a in arrays], *[o(ember) for o in others])
    assert ee.type is te.type, (ee.type, ee.value, te.type, te.value)


def idx(values, dtype="int64"):
    """An index-tensor argument, built for each module."""
    return lambda M: M.tensor(np.asarray(values, dtype=NP[dtype]))
