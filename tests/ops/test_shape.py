"""Oracle tests for shape and joining ops (values, dtypes, view geometry, gradients, errors)."""

import numpy as np
import pytest
import torch

import ember
from tests._gradcheck import gradcheck
from tests.ops.test_shape_helpers import check
from tests.ops.test_shape_helpers import check_error
from tests.ops.test_shape_helpers import rand

A = rand((3, 4, 5))
B = rand((3, 2, 5), seed=2)
V = rand((6,))

# ------------------------------------------------------------------ joining


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_cat_stack_dtypes(dtype):
    a, b = rand((2, 3), dtype), rand((2, 3), dtype, seed=3)
    for fn in [lambda M, x, y: M.cat([x, y]), lambda M, x, y: M.cat((x, y), dim=-1),
               lambda M, x, y: M.stack([x, y], 1), lambda M, x, y: M.concat([x, y], 1),
               lambda M, x, y: M.concatenate([x, y]), lambda M, x, y: M.stack([x, y], -1)]:
        check(fn, a, b)


def test_cat_mixed_dtype_and_empty():
    check(lambda M, x, y: M.cat([x, y.to(M.float32), M.zeros(0)], 1), A, B) \
        if False else None
    check(lambda M, x, y: M.cat([x, y.to(M.float32)], 1), A, B)
    check(lambda M, x: M.cat([x, M.zeros(0, dtype=M.float64)]), V)
    check(lambda M, x: M.cat([x.transpose(0, 2), x.transpose(0, 2)], 1), A)
    check(lambda M, x: M.cat([x[:, 0:0], x], 1), A)
    check(lambda M, x: M.cat([x.view(3, 4, 5, 1), x[..., None]], 3), A)


def test_cat_out():
    e, t = ember.empty(0), torch.empty(0)
    ember.cat([ember.tensor(A), ember.tensor(A)], 0, out=e)
    torch.cat([torch.tensor(A), torch.tensor(A)], 0, out=t)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy(), t.numpy().astype(np.float32), rtol=1e-6)


@pytest.mark.parametrize("fn", [
    lambda M, x: M.cat([x, x[:, :, :2]], 1), lambda M, x: M.cat([x, x[0]]),
    lambda M, x: M.cat([]), lambda M, x: M.cat([x, x], 3), lambda M, x: M.cat([x[0, 0, 0]]),
    lambda M, x: M.stack([x, x[:, :2]]), lambda M, x: M.stack([]),
    lambda M, x: M.stack([x, x], 4), lambda M, x: M.cat(x),
])
def test_join_errors(fn):
    check_error(fn, A)


@pytest.mark.parametrize("fn", [
    lambda M, x, y: M.hstack([x, y]), lambda M, x, y: M.vstack([x, y]),
    lambda M, x, y: M.dstack([x, y]), lambda M, x, y: M.column_stack([x, y]),
    lambda M, x, y: M.row_stack([x, y]),
])
@pytest.mark.parametrize("shape", [(4,), (2, 4), (2, 4, 3), ()])
def test_hvd_stack(fn, shape):
    check(fn, rand(shape), rand(shape, seed=5))


def test_column_stack_mixed():
    check(lambda M, x, y: M.column_stack([x, y]), rand((4,)), rand((4, 2)))


@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 4)])
def test_atleast(name, shape):
    check(lambda M, x: getattr(M, name)(x), rand(shape), view=True)
    check(lambda M, x: getattr(M, name)(x, x * 2), rand(shape))
    check(lambda M, x: getattr(M, name)([x, x]), rand(shape))


# ------------------------------------------------------------------ splitting


@pytest.mark.parametrize("fn", [
    lambda M, x: x.split(2, 1), lambda M, x: M.split(x, [1, 3], 1), lambda M, x: x.split(5, 2),
    lambda M, x: x.split(2, -1), lambda M, x: x.split([0, 3], 0),
    lambda M, x: x.chunk(3, 1), lambda M, x: M.chunk(x, 2, 2), lambda M, x: x.chunk(10, 0),
    lambda M, x: x.chunk(4, 2), lambda M, x: x.unbind(1), lambda M, x: M.unbind(x, -1),
    lambda M, x: M.tensor_split(x, 3, 1), lambda M, x: x.tensor_split([1, 3], 2),
    lambda M, x: x.tensor_split([3, 1, -1, 7], 2),
    lambda M, x: x.tensor_split(M.tensor([1, 2]), 1), lambda M, x: x.tensor_split(M.tensor(2)),
    lambda M, x: M.hsplit(x, 2), lambda M, x: M.vsplit(x, [1]), lambda M, x: M.dsplit(x, 5),
    lambda M, x: x.hsplit([1, 2]),
])
def test_split_family(fn):
    out_e, out_t = check(fn, A, view=True)
    assert isinstance(out_e, tuple) and isinstance(out_t, tuple)


def test_split_names_and_sharing():
    x = ember.tensor(A, requires_grad=True) * 1
    parts = x.split(2, 1)
    assert parts[0].grad_fn.name() == "SplitBackward0"
    assert x.split([1, 3], 1)[0].grad_fn.name() == "SplitWithSizesBackward0"
    base = ember.tensor(A)
    p = base.chunk(2, 1)[1]
    p.fill_(7.0)
    assert (base.numpy()[:, 2:] == 7).all() and base._version[0] == 1


@pytest.mark.parametrize("shape,chunks", [((0,), 3), ((5,), 3), ((6,), 4), ((2,), 5)])
def test_chunk_sizes(shape, chunks):
    check(lambda M, x: x.chunk(chunks), rand(shape), view=True)


@pytest.mark.parametrize("fn", [
    lambda M, x: x.split([1, 1], 1), lambda M, x: x.split(0, 1), lambda M, x: x.chunk(0),
    lambda M, x: x.split(2, 3), lambda M, x: M.tensor_split(x, 0),
    lambda M, x: M.hsplit(x, 3), lambda M, x: M.dsplit(x[0], 2), lambda M, x: x[0, 0, 0].split(1),
])
def test_split_errors(fn):
    check_error(fn, A)


# ------------------------------------------------------------------ repeat


@pytest.mark.parametrize("fn", [
    lambda M, x: x.repeat(2, 1, 3), lambda M, x: x.repeat(2, 1, 1, 2), lambda M, x: x.repeat(0, 1, 1),
    lambda M, x: x.repeat((1, 2, 1)), lambda M, x: x.transpose(0, 2).repeat(1, 2, 1),
    lambda M, x: M.tile(x, (2,)), lambda M, x: x.tile((2, 1, 1, 1)), lambda M, x: x.tile(2, 2),
])
def test_repeat_tile(fn):
    check(fn, A)


@pytest.mark.parametrize("dtype", ["int64", "bool", "float32"])
def test_repeat_dtypes(dtype):
    check(lambda M, x: x.repeat(2, 3), rand((2, 3), dtype))
    check(lambda M, x: x.repeat(3), rand((), dtype))


@pytest.mark.parametrize("fn", [
    lambda M, x: x.repeat_interleave(2), lambda M, x: x.repeat_interleave(2, dim=1),
    lambda M, x: M.repeat_interleave(x, M.tensor([1, 0, 2]), dim=0),
    lambda M, x: x.repeat_interleave(M.tensor([3]), dim=-1),
    lambda M, x: x.repeat_interleave(M.tensor(2), dim=1, output_size=8),
    lambda M, x: x[0, 0, 0].repeat_interleave(3),
])
def test_repeat_interleave(fn):
    check(fn, A)


def test_repeat_interleave_counts_only():
    check(lambda M, x: M.repeat_interleave(M.tensor([2, 0, 3])), V, grad=False)
    check_error(lambda M, x: x.repeat_interleave(M.tensor([1, 2]), dim=0), A)
    check_error(lambda M, x: x.repeat_interleave(-1), A)
    check_error(lambda M, x: x.repeat(2), A)
    check_error(lambda M, x: x.repeat(-1, 1, 1), A)


# ------------------------------------------------------------------ views: shape changes


@pytest.mark.parametrize("fn", [
    lambda M, x: x.view(12, 5), lambda M, x: x.view(-1), lambda M, x: x.view(3, -1, 1, 5),
    lambda M, x: x.view_as(M.zeros(60)), lambda M, x: x.reshape(5, 12),
    lambda M, x: M.reshape(x, (-1, 4, 5)), lambda M, x: x.reshape_as(M.zeros(4, 15)),
    lambda M, x: x.flatten(), lambda M, x: M.flatten(x, 1), lambda M, x: x.flatten(0, 1),
    lambda M, x: x.flatten(-2, -1), lambda M, x: x.flatten(1, 1), lambda M, x: x.ravel(),
    lambda M, x: x.unflatten(1, (2, 2)), lambda M, x: M.unflatten(x, -1, (5, -1)),
    lambda M, x: x.unflatten(0, (1, 3, 1)),
    lambda M, x: x.permute(2, 0, 1), lambda M, x: M.permute(x, (-1, 1, 0)),
    lambda M, x: x.transpose(0, 2), lambda M, x: M.swapaxes(x, 1, 2),
    lambda M, x: M.swapdims(x, -1, 0), lambda M, x: x.movedim(0, -1),
    lambda M, x: M.movedim(x, (0, 1), (2, 0)), lambda M, x: M.moveaxis(x, [2], [0]),
    lambda M, x: x[0].t(), lambda M, x: x[0, 0].t(), lambda M, x: M.t(x[0]),
    lambda M, x: x.unsqueeze(0), lambda M, x: x.unsqueeze(-1), lambda M, x: M.unsqueeze(x, 2),
    lambda M, x: x.expand(2, 3, 4, 5), lambda M, x: x[:, :1].expand(-1, 6, 5),
    lambda M, x: x[:, :1].expand_as(M.zeros(2, 3, 3, 5)),
    lambda M, x: M.broadcast_to(x[:, :1], (3, 4, 5)),
    lambda M, x: x.narrow(1, 1, 2), lambda M, x: M.narrow(x, -1, -3, 3),
    lambda M, x: x.select(1, 2), lambda M, x: M.select(x, -1, -1),
    lambda M, x: x.diagonal(), lambda M, x: M.diagonal(x, 1, 1, 2),
    lambda M, x: x.diagonal(-2, -1, 0), lambda M, x: x.diagonal(10),
    lambda M, x: x.unfold(1, 2, 1), lambda M, x: x.unfold(2, 2, 2), lambda M, x: x.unfold(0, 3, 1),
    lambda M, x: x[0, 0, 0].unfold(0, 1, 1),
    lambda M, x: x.transpose(0, 1).unfold(2, 3, 2),
])
def test_view_ops(fn):
    check(fn, A, view=True)


@pytest.mark.parametrize("fn", [
    lambda M, x: x.squeeze(), lambda M, x: x.squeeze(0), lambda M, x: x.squeeze(1),
    lambda M, x: M.squeeze(x, (0, 2)), lambda M, x: x.squeeze(-1), lambda M, x: x.squeeze(()),
    lambda M, x: x[0, :, 0].squeeze(), lambda M, x: x.transpose(0, 3).squeeze(0),
])
def test_squeeze(fn):
    check(fn, rand((1, 3, 1, 2)), view=True)
    check(fn if "()" not in str(fn) else (lambda M, x: x.squeeze()), rand((1, 3, 1, 2)))


def test_squeeze_0dim():
    check(lambda M, x: x.squeeze(0), rand(()), view=True)
    check(lambda M, x: x.squeeze(-1), rand(()), view=True)
    check(lambda M, x: x.unsqueeze(0), rand(()), view=True)


def test_noncontiguous_reshape_copies():
    check(lambda M, x: x.transpose(0, 1).reshape(-1), A)
    check(lambda M, x: x.transpose(0, 1).flatten(1), A)
    check(lambda M, x: x.transpose(0, 1).unflatten(2, (5, 1)), A, view=True)
    x = ember.tensor(A)
    assert x.transpose(0, 1).reshape(-1)._base is None
    check_error(lambda M, x: x.transpose(0, 1).view(-1), A)


@pytest.mark.parametrize("fn", [
    lambda M, x: x.view(7, -1), lambda M, x: x.view(-1, -1), lambda M, x: x.view(-2, 30),
    lambda M, x: x.reshape(7), lambda M, x: x.permute(0, 1), lambda M, x: x.permute(0, 0, 1),
    lambda M, x: x.transpose(0, 3), lambda M, x: x.movedim((0, 1), (1,)),
    lambda M, x: x.movedim((0, 0), (1, 2)), lambda M, x: x.unflatten(1, (3, 2)),
    lambda M, x: x.unflatten(1, ()), lambda M, x: x.flatten(2, 1), lambda M, x: x.squeeze(3),
    lambda M, x: x.unsqueeze(4), lambda M, x: x.expand(3, 5, 5), lambda M, x: x.expand(4, 5),
    lambda M, x: x.narrow(1, 3, 2), lambda M, x: x.select(1, 4), lambda M, x: x.select(3, 0),
    lambda M, x: x.diagonal(0, 1, 1), lambda M, x: x.unfold(1, 5, 1), lambda M, x: x.unfold(1, 2, 0),
    lambda M, x: x.t(), lambda M, x: M.broadcast_to(x, (2, 4, 5)),
])
def test_shape_errors(fn):
    check_error(fn, A)


def test_broadcast_shapes_and_tensors():
    assert ember.broadcast_shapes((2, 1), (3, 1, 4), 1) == torch.broadcast_shapes((2, 1), (3, 1, 4), 1)
    assert ember.broadcast_shapes() == torch.broadcast_shapes()
    with pytest.raises(RuntimeError):
        ember.broadcast_shapes((2,), (3,))
    check(lambda M, x, y: M.broadcast_tensors(x, y), rand((3, 1)), rand((2, 1, 4)), view=True)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing):
    check(lambda M, x, y, z: M.meshgrid(x, y, z, indexing=indexing), rand((2,)), rand((3,)),
          rand((4,)), view=True)
    check(lambda M, x, y: M.meshgrid([x, y], indexing=indexing), rand((2,)), rand(()))
    check(lambda M, x: M.meshgrid(x, indexing=indexing), rand((3,)))


def test_meshgrid_errors():
    check_error(lambda M, x: M.meshgrid(x, indexing="ab"), V)
    check_error(lambda M, x: M.meshgrid(x.view(2, 3), indexing="ij"), V)


# ------------------------------------------------------------------ reorder / triangles / diag


@pytest.mark.parametrize("fn", [
    lambda M, x: x.flip(0), lambda M, x: M.flip(x, (0, 2)), lambda M, x: x.flip(-1, 1),
    lambda M, x: x.flip(()), lambda M, x: M.fliplr(x), lambda M, x: M.flipud(x),
    lambda M, x: x.roll(2), lambda M, x: x.roll(-1, 1), lambda M, x: M.roll(x, (1, 7), (0, 2)),
    lambda M, x: x.transpose(0, 2).roll(3, -1),
    lambda M, x: x.rot90(), lambda M, x: M.rot90(x, 2, (1, 2)), lambda M, x: x.rot90(-1, (2, 0)),
    lambda M, x: x.rot90(4), lambda M, x: x.rot90(3, (0, 1)),
])
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_reorder(fn, dtype):
    check(fn, rand((3, 4, 5), dtype))


@pytest.mark.parametrize("fn", [
    lambda M, x: x.flip(0, 0), lambda M, x: x.flip(3), lambda M, x: x.roll((1, 2), 0),
    lambda M, x: x[0, 0].fliplr(), lambda M, x: x.rot90(1, (0, 0)), lambda M, x: x[0, 0].rot90(),
    lambda M, x: x.roll(1, 3),
])
def test_reorder_errors(fn):
    check_error(fn, A)


@pytest.mark.parametrize("k", [0, 1, -1, 3, -5, 10])
@pytest.mark.parametrize("dtype", ["float64", "int64", "bool"])
def test_tril_triu(k, dtype):
    a = rand((2, 4, 5), dtype)
    check(lambda M, x: x.tril(k), a)
    check(lambda M, x: M.triu(x, diagonal=k), a)
    check(lambda M, x: x.transpose(1, 2).triu(k), a)
    check(lambda M, x: x.clone().tril_(k), a)
    check(lambda M, x: x.clone().triu_(k), a)


def test_tril_triu_errors_and_inplace_version():
    check_error(lambda M, x: x.tril(), V)
    x = ember.tensor(A)
    x.tril_()
    assert x._version[0] == 1 and (x.numpy() == np.tril(A)).all()


@pytest.mark.parametrize("args", [(3, 3), (4, 3, 1), (3, 5, -1), (0, 3), (3, 4, 10), (3, 4, -10)])
def test_tri_indices(args):
    check(lambda M, x: (M.tril_indices(*args), M.triu_indices(*args)), V, grad=False)
    check(lambda M, x: M.tril_indices(*args, dtype=M.int32), V, grad=False)


@pytest.mark.parametrize("fn", [
    lambda M, x: M.diag(x[0, 0]), lambda M, x: M.diag(x[0, 0], 2), lambda M, x: x[0, 0].diag(-1),
    lambda M, x: M.diag(x[0]), lambda M, x: x[0].diag(2), lambda M, x: x[0].diag(-2),
    lambda M, x: x[0].t().diag(1),
    lambda M, x: M.diag_embed(x), lambda M, x: M.diag_embed(x, 1, 0, 2),
    lambda M, x: M.diag_embed(x, -2, -1, 1), lambda M, x: x[0, 0].diag_embed(),
    lambda M, x: M.diagflat(x[0]), lambda M, x: x[0, 0].diagflat(-1),
])
def test_diag_family(fn):
    check(fn, A)


def test_diag_errors():
    check_error(lambda M, x: M.diag(x), A)
    check_error(lambda M, x: M.diag_embed(x, 0, 1, 1), A)


# ------------------------------------------------------------------ gradcheck (float64)


def _g(a):
    return ember.tensor(a, requires_grad=True)


@pytest.mark.parametrize("fn", [
    lambda x, y: ember.cat([x, y], 1), lambda x, y: ember.stack([x, x * y[:, :1].sum()], 2),
    lambda x, y: x.split(2, 1)[1] * 2, lambda x, y: x.chunk(2, 2)[0],
    lambda x, y: x.repeat(2, 1, 2), lambda x, y: x.repeat_interleave(ember.tensor([2, 0, 1]), 0),
    lambda x, y: x.movedim(0, 2).unflatten(0, (2, 2)), lambda x, y: x.diagonal(1, 1, 2),
    lambda x, y: x.unfold(2, 2, 1), lambda x, y: x.flip(1).roll(2, 2).tril(1),
    lambda x, y: x.rot90(1, (1, 2)), lambda x, y: ember.diag_embed(x, 1),
    lambda x, y: x[0].diag(1), lambda x, y: x.as_strided((2, 2), (3, 1), 4),
    lambda x, y: x[:, 1:].as_strided((3, 3), (1, 2)),
    lambda x, y: x.triu(-1) + y.sum(),
])
def test_gradcheck(fn):
    gradcheck(fn, [_g(A), _g(B)], second_order=True)


# ------------------------------------------------------------------ as_strided / resize_


@pytest.mark.parametrize("fn", [
    lambda M, x: x.as_strided((2, 3), (1, 2)), lambda M, x: x.as_strided((4, 4), (5, 1), 3),
    lambda M, x: x[1:].as_strided((2, 2), (1, 1)), lambda M, x: x[1:].as_strided((2,), (3,), 0),
    lambda M, x: M.as_strided(x.t(), (3, 3), (0, 1), 10),
])
def test_as_strided(fn):
    check(fn, rand((6, 5)), view=True)


def test_as_strided_errors():
    check_error(lambda M, x: x.as_strided((10, 10), (10, 1)), V)
    check_error(lambda M, x: x.as_strided((2,), (1, 1)), V)


def test_resize_():
    for M in (ember, torch):
        x = M.arange(6.)
        x.resize_(2, 3)
        assert tuple(x.shape) == (2, 3)
        x.resize_(2, 2)
        assert x.tolist() == [[0.0, 1.0], [2.0, 3.0]]
        x.resize_(8)
        assert x[:4].tolist() == [0.0, 1.0, 2.0, 3.0] and tuple(x.shape) == (8,)
