"""View semantics vs torch: shared memory, version counters, strides/offsets of views of
non-contiguous tensors, and autograd through in-place writes on views."""

import numpy as np
import pytest
import torch

import ember
from tests._oracle import assert_close
from tests.ops.test_shape_helpers import rand

BASE = rand((4, 1, 6))

VIEWS = [
    lambda x: x[1], lambda x: x[:, :, ::2], lambda x: x[None, 2:, ..., None],
    lambda x: x.transpose(0, 2), lambda x: x.permute(2, 0, 1), lambda x: x.squeeze(1),
    lambda x: x.unsqueeze(1), lambda x: x.unsqueeze(-1), lambda x: x.view(4, 6),
    lambda x: x.view(2, 2, 1, 3, 2), lambda x: x.reshape(24), lambda x: x.flatten(1),
    lambda x: x.unflatten(2, (3, 2)), lambda x: x.expand(2, 4, 1, 6)[1],
    lambda x: x.narrow(2, 1, 3), lambda x: x.select(2, -1), lambda x: x.diagonal(0, 0, 2),
    lambda x: x.unfold(2, 2, 2), lambda x: x.movedim(0, 2), lambda x: x.split(2, 2)[1],
    lambda x: x.chunk(3, 0)[1], lambda x: x.unbind(2)[3], lambda x: x.as_strided((3, 3), (6, 1), 2),
    lambda x: x.t() if x.ndim <= 2 else x.mT, lambda x: x.tensor_split(3, 2)[2],
    lambda x: x.swapdims(0, 1), lambda x: x.squeeze(), lambda x: x.view(-1)[3:],
]

PRE = [lambda x: x, lambda x: x.transpose(0, 2), lambda x: x[:, :, 1:], lambda x: x[1:3]]


@pytest.mark.parametrize("pre", PRE)
@pytest.mark.parametrize("view", VIEWS)
def test_view_geometry_and_sharing(view, pre):
    results = []
    for M in (ember, torch):
        x = M.tensor(BASE)
        try:
            v = view(pre(x))
        except RuntimeError as e:  # e.g. view() on incompatible strides: both must refuse
            results.append(type(e))
            continue
        before = x._version if M is torch else x._version[0]
        v.mul_(2)
        after = x._version if M is torch else x._version[0]
        results.append((v, x, after - before, v.stride(), v.storage_offset(),
                        v.is_contiguous()))
    (e, t) = results
    if not isinstance(t, tuple):
        assert e is t
        return
    assert_close(e[0], t[0])
    assert_close(e[1], t[1])  # the write went through to the base
    assert e[2:] == t[2:]


def test_view_incompatible_error_message():
    x = ember.tensor(BASE).transpose(0, 2)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.view(24)


def test_version_shared_and_saved_tensor_check():
    x = ember.tensor(BASE, requires_grad=True)
    y = x * 1
    v = y[0]
    w = v * v
    y.add_(1)  # changes the saved input of mul through the base
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.sum().backward()


@pytest.mark.parametrize("op", [
    lambda v, s: v.copy_(s), lambda v, s: v.mul_(s), lambda v, s: v.add_(s * 2),
])
@pytest.mark.parametrize("view", [lambda y: y[1], lambda y: y[:, 0, ::2],
                                  lambda y: y.transpose(0, 2)[2:4]])
def test_inplace_on_view_grads(op, view):
    grads = []
    for M in (ember, torch):
        x = M.tensor(BASE, requires_grad=True)
        s_shape = tuple(view(M.tensor(BASE)).shape)
        s = M.tensor(rand(s_shape, seed=2), requires_grad=True)
        y = x * 1.5
        v = view(y)
        op(v, s)
        assert y.grad_fn.name().endswith("CopySlices")
        w = M.tensor(rand(tuple(y.shape), seed=3))
        ((y * w).sum() + (v * v).sum()).backward()
        grads.append((x.grad, s.grad, y.detach()))
    for e, t in zip(*grads):
        assert_close(e, t)


def test_from_numpy_views_share():
    a = np.arange(12.0).reshape(3, 4)
    t = ember.from_numpy(a)
    t[1:, 2] = -1.0
    assert a[2, 2] == -1.0 and a[1, 2] == -1.0
    v = t.t()
    v[0, 0] = 9.0
    assert a[0, 0] == 9.0
