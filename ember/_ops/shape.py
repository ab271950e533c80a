"""Shape ops that are views of their input: view, reshape, transpose, permute, expand,
squeeze/unsqueeze, narrow, as_strided, flatten, unbind. Views share memory and the version
counter with their base (``_view_of = 0``)."""

import numpy as np

from ember import _tensor
from ember._ops._registry import register
from ember._ops._util import shape_arg
from ember._ops._util import wrap_dim
from ember.autograd.function import Function

Tensor = _tensor.Tensor


def infer_size(shape, numel):
    """Resolve one -1 in a requested shape, with torch's errors."""
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = list(shape)
        shape[neg[0]] = numel // known
        return tuple(shape)
    if known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


class View(Function):
    node_name = "ViewBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return ctx.xp.reshape(x, shape, copy=False)
        except ValueError:
            raise RuntimeError("view size is not compatible with input tensor's size and stride "
                               "(at least one dimension spans across two contiguous subspaces). "
                               "Use .reshape(...) instead.") from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class ReshapeCopy(Function):
    node_name = "UnsafeViewBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return ctx.xp.reshape(x, shape).copy()

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


@register(function=False)
def view(input, *shape):
    """A view with a new shape (no copy); raises if the strides don't allow it."""
    from ember import _dtype

    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return _view_dtype(input, shape[0])
    shape = infer_size(shape_arg(shape), input._data.size)
    return View.apply(input, shape)


def _view_dtype(input, dtype):
    from ember import _dtype

    if not isinstance(dtype, _dtype.dtype):
        raise TypeError(f"view(): argument 'dtype' must be torch.dtype, not "
                        f"{type(dtype).__name__}")
    return _tensor.make(input._data.view(dtype.np_dtype), input._device, False, None, 0,
                        input._version)


@register()
def reshape(input, *shape):
    """Same data with a new shape: a view when possible, else a copy."""
    shape = infer_size(shape_arg(shape), input._data.size)
    try:
        np.reshape(input._data, shape, copy=False)
    except ValueError:
        return ReshapeCopy.apply(input, shape)
    return View.apply(input, shape)


@register(function=False)
def view_as(input, other):
    return view(input, other.shape)


@register(function=False)
def reshape_as(input, other):
    return reshape(input, other.shape)


class Transpose(Function):
    node_name = "TransposeBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x, d0, d1):
        ctx.dims = (d0, d1)
        return ctx.xp.swapaxes(x, d0, d1)

    @staticmethod
    def backward(ctx, g):
        return g.transpose(*ctx.dims), None, None


@register()
def transpose(input, dim0, dim1):
    """Swap two dimensions (a view)."""
    n = input.ndim
    return Transpose.apply(input, wrap_dim(dim0, n), wrap_dim(dim1, n))


swapaxes = register("swapaxes")(transpose)
swapdims = register("swapdims")(transpose)


@register()
def t(input):
    """Transpose a tensor of at most 2 dimensions."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.ndim}D")
    if input.ndim < 2:
        return View.apply(input, tuple(input.shape))
    return transpose(input, 0, 1)


class Permute(Function):
    node_name = "PermuteBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return ctx.xp.transpose(x, dims)

    @staticmethod
    def backward(ctx, g):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return g.permute(*inverse), None


@register()
def permute(input, *dims):
    """Reorder dimensions (a view)."""
    dims = shape_arg(dims)
    n = input.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {n} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, n) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, dims)


class Expand(Function):
    node_name = "ExpandBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g.sum_to_size(ctx.shape), None


@register(function=False)
def expand(input, *sizes):
    """Broadcast singleton dimensions to a larger size (a view, no copy); -1 keeps a size."""
    sizes = shape_arg(sizes)
    src = input._data.shape
    if len(sizes) < len(src):
        raise RuntimeError(f"expand(torch.{_tensor.dtype_of(input._data).name.capitalize()}"
                           f"Tensor{{{list(src)}}}, size={list(sizes)}): the number of sizes "
                           f"provided ({len(sizes)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({len(src)})")
    lead = len(sizes) - len(src)
    shape = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   "leading, non-existing dimension 0")
            shape.append(s)
            continue
        have = src[i - lead]
        if s == -1:
            s = have
        if have != s and have != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({have}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(src)}")
        shape.append(s)
    shape = tuple(shape)
    if shape == src:
        return View.apply(input, shape)
    return Expand.apply(input, shape)


@register(function=False)
def expand_as(input, other):
    return expand(input, other.shape)


class Unsqueeze(Function):
    node_name = "UnsqueezeBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return ctx.xp.expand_dims(x, dim)

    @staticmethod
    def backward(ctx, g):
        return g.squeeze(ctx.dim), None


@register()
def unsqueeze(input, dim):
    """Insert a dimension of size one at `dim` (a view)."""
    return Unsqueeze.apply(input, wrap_dim(dim, input.ndim + 1))


class Squeeze(Function):
    node_name = "SqueezeBackward1"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x, dims):
        ctx.shape = x.shape
        dims = tuple(d for d in dims if x.shape[d] == 1)
        return ctx.xp.squeeze(x, axis=dims) if dims else x.view()

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class SqueezeAll(Squeeze):
    node_name = "SqueezeBackward0"


@register()
def squeeze(input, dim=None):
    """Remove dimensions of size one (all of them, or those in `dim`)."""
    n = input.ndim
    if dim is None:
        return SqueezeAll.apply(input, tuple(range(n)))
    if isinstance(dim, int):
        dims = (wrap_dim(dim, n),)
    else:
        dims = tuple(wrap_dim(d, n) for d in dim)
    if n == 0:
        dims = ()
    return Squeeze.apply(input, dims)


class AsStrided(Function):
    node_name = "AsStridedBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x, size, stride, offset, base_shape):
        from ember._backend import backend_for

        be = backend_for(_tensor.device_of(x))
        root = be.storage_root(x)
        item = x.itemsize
        flat = ctx.xp.lib.stride_tricks.as_strided(root, shape=(root.nbytes // item,),
                                                   strides=(item,))
        ctx.geometry = (x.shape, size, stride, offset)
        return ctx.xp.lib.stride_tricks.as_strided(
            flat[offset:], shape=size, strides=tuple(s * item for s in stride))

    @staticmethod
    def backward(ctx, g):
        in_shape, size, stride, offset = ctx.geometry
        from ember._ops import creation

        # scatter-add the gradient through the same geometry on a contiguous buffer
        n = 1
        for s in in_shape:
            n *= s
        span = offset + 1 + sum((sz - 1) * st for sz, st in zip(size, stride) if sz > 0)
        buf = creation.zeros(max(span, n), dtype=g.dtype, device=g.device)
        idx = _strided_indices(size, stride, offset)
        buf = buf.index_put((creation.tensor(idx.reshape(-1)),), g.reshape(-1),
                            accumulate=True)
        return buf[:n].reshape(in_shape), None, None, None, None


def _strided_indices(size, stride, offset):
    idx = np.full((), offset, dtype=np.int64)
    for sz, st in zip(size, stride):
        idx = idx[..., None] + np.arange(sz, dtype=np.int64) * st
    return idx


@register()
def as_strided(input, size, stride, storage_offset=None):
    """A view with explicit size, stride (in elements) and storage offset."""
    size = tuple(int(s) for s in size)
    stride = tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    offset = input.storage_offset() if storage_offset is None else int(storage_offset)
    return AsStrided.apply(input, size, stride, offset, tuple(input.shape))


class Narrow(Function):
    node_name = "SliceBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x, dim, start, length):
        ctx.args = (x.shape, dim, start, length)
        index = [slice(None)] * x.ndim
        index[dim] = slice(start, start + length)
        return x[tuple(index)]

    @staticmethod
    def backward(ctx, g):
        shape, dim, start, length = ctx.args
        from ember._ops import creation

        out = creation.zeros(shape, dtype=g.dtype, device=g.device)
        index = [slice(None)] * len(shape)
        index[dim] = slice(start, start + length)
        out[tuple(index)] = g
        return out, None, None, None


@register()
def narrow(input, dim, start, length):
    """A view of `length` elements along `dim` from `start`."""
    dim = wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    start = int(start)
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return Narrow.apply(input, dim, start, length)


@register()
def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions start_dim..end_dim into one."""
    n = input.ndim
    if n == 0:
        return reshape(input, 1)
    s = wrap_dim(start_dim, n)
    e = wrap_dim(end_dim, n)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = tuple(input.shape)
    if s == e:
        return input
    mid = 1
    for d in shape[s:e + 1]:
        mid *= d
    return reshape(input, shape[:s] + (mid,) + shape[e + 1:])


class Unbind(Function):
    node_name = "UnbindBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        n = x.shape[dim]
        index = [slice(None)] * x.ndim
        outs = []
        for i in range(n):
            index[dim] = i
            outs.append(x[tuple(index)])
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grads):
        from ember._ops import joining

        return joining.stack(grads, ctx.dim), None


@register()
def unbind(input, dim=0):
    """Split along `dim` into a tuple of views without that dimension."""
    dim = wrap_dim(dim, input.ndim)
    outs = Unbind.apply(input, dim)
    if not isinstance(outs, tuple):
        outs = (outs,)
    for o in outs:  # each piece is a view of the input
        o._version = input._version
        o._base = input if input._base is None else input._base
    return outs
