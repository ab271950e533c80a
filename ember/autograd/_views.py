"""In-place ops on views: the base's history is rewritten (torch's CopySlices)."""

import numpy as np

from ember import _tensor
from ember.autograd.function import Function
from ember.autograd.function import accumulator_of


def _base_positions(view, base):
    """For each element of `view`, its linear (C-order) index in `base`."""
    from ember._backend import backend_for

    be = backend_for(base._device)
    item = base._data.itemsize
    start = be.data_ptr(base._data)
    # base's element offsets (in items) within its memory, laid out in base's shape
    base_off = _offsets(base._data.shape, [s // item for s in base._data.strides])
    flat = base_off.reshape(-1)
    order = np.argsort(flat, kind="stable")
    sorted_off = flat[order]
    view_off = _offsets(view._data.shape, [s // item for s in view._data.strides])
    view_off = view_off + (be.data_ptr(view._data) - start) // item
    pos = np.searchsorted(sorted_off, view_off)
    return order[np.clip(pos, 0, len(order) - 1)]


def _offsets(shape, strides):
    off = np.zeros((), dtype=np.int64)
    for size, st in zip(shape, strides):
        off = off[..., None] + np.arange(size, dtype=np.int64) * st
    return off


class CopySlices(Function):
    """Node for a base whose view was modified in place: inputs (old base, new view value)."""

    node_name = "CopySlices"

    @staticmethod
    def backward(ctx, g):
        idx = _tensor.make(ctx.positions.reshape(-1), _tensor.CPU)
        flat = g.reshape(-1)
        g_base = flat.clone()
        g_base[idx] = 0
        g_view = flat[idx].reshape(ctx.view_shape)
        return g_base.reshape(g.shape), g_view


class ViewOfBase(Function):
    """A view re-derived from its (rewritten) base: gathers its elements' gradient."""

    node_name = "AsStridedBackward0"

    @staticmethod
    def backward(ctx, g):
        from ember._ops import creation

        idx = _tensor.make(ctx.positions.reshape(-1), _tensor.CPU)
        out = creation.zeros(ctx.base_shape, dtype=g.dtype, device=g.device).reshape(-1)
        out = out.index_put((idx,), g.reshape(-1), accumulate=True)
        return out.reshape(ctx.base_shape)


def _node(cls, nexts, in_meta, out_meta):
    n = cls._node_cls()
    n.next_functions = tuple(nexts)
    n._arg_pos = tuple(range(len(nexts)))
    n._input_meta = tuple(in_meta)
    n._out_meta = tuple(out_meta)
    n.needs_input_grad = tuple(e[0] is not None for e in nexts)
    return n


def rebase_view_history(view, op_node, nr=0):
    """`view` (of `view._base`) was just written in place by the op recorded as `op_node`
    (whose output `nr` it is now)."""
    base = view._base
    positions = _base_positions(view, base)
    if base.grad_fn is not None:
        base_edge = (base.grad_fn, base._output_nr)
    elif base._requires_grad:
        base_edge = (accumulator_of(base), 0)
    else:
        base_edge = (None, 0)
    bmeta = (base._data.shape, base.dtype)
    vmeta = (view._data.shape, view.dtype)
    copy = _node(CopySlices, [base_edge, (op_node, nr)], [bmeta, vmeta],
                 [(base._data.shape, base.dtype, base._device)])
    copy.positions = positions
    copy.view_shape = view._data.shape
    base._grad_fn = copy
    base._output_nr = 0
    base._requires_grad = True
    _set_reader(view, base, (copy, 0), positions)


def _set_reader(view, base, edge, positions):
    bmeta = (base._data.shape, base.dtype)
    reader = _node(ViewOfBase, [edge], [bmeta], [(view._data.shape, view.dtype, view._device)])
    reader.positions = positions
    reader.base_shape = base._data.shape
    view._grad_fn = reader
    view._output_nr = 0
    view._requires_grad = True
    view._attr_ver = view._version[0]
    return reader


def view_grad_fn(view):
    """A view's grad_fn, regenerated from its base when the base's history was rewritten by an
    in-place op since the view's node was made (the view's node would be stale)."""
    fn = view._grad_fn
    ver = view._attr_ver
    if ver is None or ver == -1 or ver == view._version[0]:
        return fn
    base = view._base
    if not base._requires_grad:
        return fn
    if base._grad_fn is not None:
        edge = (base._grad_fn, base._output_nr)
    else:
        edge = (accumulator_of(base), 0)
    return _set_reader(view, base, edge, _base_positions(view, base))


_tensor._view_grad_fn = view_grad_fn
