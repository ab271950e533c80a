"""Shape ops that are views of their input: view, reshape, transpose, permute, expand,
squeeze/unsqueeze, narrow, as_strided, flatten, unbind, select, diagonal, unfold. Views share
memory and the version counter with their base (``_view_of = 0``). The shape ops that copy
live in shape_copies and are re-exported here."""

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
        if x.flags.c_contiguous:  # fast path: NumPy's strides are torch's here
            return x.reshape(shape)
        item = x.itemsize
        strides = view_strides(x.shape, [s // item for s in x.strides], shape)
        if strides is None:
            raise RuntimeError("view size is not compatible with input tensor's size and stride "
                               "(at least one dimension spans across two contiguous subspaces). "
                               "Use .reshape(...) instead.")
        return _strided(ctx.xp, x, tuple(shape), strides, 0)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


def view_strides(old_shape, old_strides, new_shape):
    """Strides (in elements) of a view of `old` with `new_shape`, chosen as torch chooses them;
    None when no view exists (a dimension would span two non-contiguous chunks)."""
    n_new = len(new_shape)
    numel = 1
    for s in old_shape:
        numel *= s
    if numel == 0 or not old_shape:
        if numel == 0 and tuple(old_shape) == tuple(new_shape):
            return tuple(old_strides)
        return _contiguous_strides(new_shape)
    out = [0] * n_new
    view_d = n_new - 1
    base = old_strides[-1]
    t_numel = v_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        t_numel *= old_shape[d]
        # a chunk ends where the next-outer dim is not laid out right after this one
        if d == 0 or (old_shape[d - 1] != 1 and old_strides[d - 1] != t_numel * base):
            while view_d >= 0 and (v_numel < t_numel or new_shape[view_d] == 1):
                out[view_d] = v_numel * base
                v_numel *= new_shape[view_d]
                view_d -= 1
            if v_numel != t_numel:
                return None
            if d > 0:
                base = old_strides[d - 1]
                t_numel = v_numel = 1
    if view_d != -1:
        return None
    return tuple(out)


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
    if not _viewable(input, shape):
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
        item = x.itemsize
        lead = len(shape) - x.ndim
        strides = [0] * lead + [0 if have != want else st // item for have, want, st in
                                zip(x.shape, shape[lead:], x.strides)]
        return _strided(ctx.xp, x, tuple(shape), tuple(strides), 0)

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
        item = x.itemsize
        st = [s // item for s in x.strides]
        new = x.shape[dim] * st[dim] if dim < x.ndim else 1
        return _strided(ctx.xp, x, x.shape[:dim] + (1,) + x.shape[dim:],
                        tuple(st[:dim]) + (new,) + tuple(st[dim:]), 0)

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


def _strided(xp, x, shape, strides, offset):
    """A writable NumPy/CuPy view of x's memory: element `offset` (relative to x's first element)
    is the view's first element; `strides` are in elements."""
    item = x.itemsize
    if offset:
        flat = xp.lib.stride_tricks.as_strided(x, shape=(offset + 1,), strides=(item,))
        x = flat[offset:]
    return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=tuple(s * item for s in
                                                                          strides))


def _contiguous_strides(shape):
    out = []
    acc = 1
    for s in reversed(shape):
        out.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(out))


def _positions(size, stride, offset):
    """Linear positions (int64 array of shape `size`) of a strided geometry."""
    idx = np.full((), offset, dtype=np.int64)
    for sz, st in zip(size, stride):
        idx = idx[..., None] + np.arange(sz, dtype=np.int64) * st
    return idx


def _scatter_back(g, in_shape, positions):
    """The gradient of a view of a contiguous `in_shape` tensor whose elements sit at
    `positions`: g's values added back at those positions (differentiable)."""
    from ember._ops import creation

    n = 1
    for s in in_shape:
        n *= s
    pos = _tensor.make(_to_device_array(g, positions.reshape(-1)), g._device)
    buf = creation.zeros(n, dtype=g.dtype, device=g.device)
    return buf.index_put((pos,), g.reshape(-1), accumulate=True).reshape(in_shape)


def _to_device_array(like, arr):
    from ember._backend import backend_for

    return backend_for(like._device).from_host(arr, like._device)


class AsStrided(Function):
    node_name = "AsStridedBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x, size, stride, offset):
        from ember._backend import backend_for

        be = backend_for(_tensor.device_of(x))
        root = be.storage_root(x)
        item = x.itemsize
        flat = ctx.xp.lib.stride_tricks.as_strided(root, shape=(root.nbytes // item,),
                                                   strides=(item,))
        x_off = (be.data_ptr(x) - be.data_ptr(root)) // item
        ctx.geometry = (x.shape, tuple(s // item for s in x.strides), x_off, size, stride,
                        offset)
        return ctx.xp.lib.stride_tricks.as_strided(
            flat[offset:], shape=size, strides=tuple(s * item for s in stride))

    @staticmethod
    def backward(ctx, g):
        from ember._ops import creation

        in_shape, in_stride, in_off, size, stride, offset = ctx.geometry
        # add the gradient into a buffer laid out like the storage, then read the input's
        # elements from it
        out_pos = _positions(size, stride, offset).reshape(-1)
        in_pos = _positions(in_shape, in_stride, in_off).reshape(-1)
        span = 1 + max(int(out_pos.max(initial=0)), int(in_pos.max(initial=0)))
        buf = creation.zeros(span, dtype=g.dtype, device=g.device)
        buf = buf.index_put((_tensor.make(_to_device_array(g, out_pos), g._device),),
                            g.reshape(-1), accumulate=True)
        return buf[_tensor.make(_to_device_array(g, in_pos), g._device)].reshape(in_shape), \
            None, None, None


@register()
def as_strided(input, size, stride, storage_offset=None):
    """A view with explicit size, stride (in elements) and storage offset."""
    size = tuple(int(s) for s in size)
    stride = tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: "
                           f"{list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    offset = input.storage_offset() if storage_offset is None else int(storage_offset)
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    from ember._backend import backend_for

    root = backend_for(input._device).storage_root(input._data)
    need = offset + 1 + sum((a - 1) * b for a, b in zip(size, stride)) if all(size) else 0
    avail = root.nbytes // input._data.itemsize
    if need > avail:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {input._data.itemsize} requiring a "
                           f"storage size of {need * input._data.itemsize} are out of bounds "
                           f"for storage of size {avail * input._data.itemsize}")
    return AsStrided.apply(input, size, stride, offset)


def slice_dim(xp, x, dim, start, length):
    """x[..., start:start + length, ...] along dim; an empty piece keeps torch's offset."""
    if length == 0 and start:
        item = x.itemsize
        strides = [st // item for st in x.strides]
        shape = list(x.shape)
        shape[dim] = 0
        return _strided(xp, x, tuple(shape), tuple(strides), start * strides[dim])
    index = [slice(None)] * x.ndim
    index[dim] = slice(start, start + length)
    return x[tuple(index)]


class Narrow(Function):
    node_name = "SliceBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x, dim, start, length):
        ctx.args = (x.shape, dim, start, length)
        return slice_dim(ctx.xp, x, dim, start, length)

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


def _resolve_dims(dims, n, name):
    if isinstance(dims, int):
        dims = (dims,)
    return tuple(wrap_dim(d, n) for d in dims)


@register("movedim")
def movedim(input, source, destination):
    """Move dims `source` to positions `destination`; the others keep their order (a view)."""
    n = input.ndim
    src = _resolve_dims(source, n, "source")
    dst = _resolve_dims(destination, n, "destination")
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source "
                           f"({list(source) if not isinstance(source, int) else [source]} dims) "
                           f"should contain the same number of dims as destination "
                           f"({list(destination) if not isinstance(destination, int) else [destination]}"
                           f" dims)")
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(source)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(destination)})")
    perm = [-1] * n
    for s_, d_ in zip(src, dst):
        perm[d_] = s_
    rest = iter(d for d in range(n) if d not in src)
    perm = [p if p >= 0 else next(rest) for p in perm]
    return Permute.apply(input, tuple(perm))


moveaxis = register("moveaxis")(movedim)


@register()
def unflatten(input, dim, sizes):
    """Expand dimension `dim` into the shape `sizes` (one entry may be -1)."""
    n = input.ndim
    d = wrap_dim(dim, n)
    sizes = shape_arg((sizes,))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    have = input.shape[d]
    try:
        resolved = infer_size(sizes, have)
    except RuntimeError:
        if sizes.count(-1) > 1:
            raise
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({have}) in the input tensor") from None
    shape = tuple(input.shape[:d]) + resolved + tuple(input.shape[d + 1:])
    return view(input, shape) if _viewable(input, shape) else reshape(input, shape)


def _viewable(input, shape):
    item = input._data.itemsize
    return view_strides(input._data.shape, [s // item for s in input._data.strides],
                        shape) is not None


@register()
def ravel(input):
    """The elements as a 1-D tensor (a view when contiguous)."""
    return reshape(input, -1)


class Select(Function):
    node_name = "SelectBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.args = (x.shape, dim, index)
        return x[(slice(None),) * dim + (index, Ellipsis)]

    @staticmethod
    def backward(ctx, g):
        shape, dim, index = ctx.args
        from ember._ops import creation

        out = creation.zeros(shape, dtype=g.dtype, device=g.device)
        return out.select_scatter(g, dim, index), None, None


@register()
def select(input, dim, index):
    """The slice at `index` along `dim`, without that dimension (a view)."""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d]
    index = int(index)
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {dim}")
    return Select.apply(input, d, index + size if index < 0 else index)


def _diag_geometry(shape, strides, offset, d1, d2):
    """(shape, strides, start offset) of the diagonal view; strides/offset in elements."""
    n1, n2 = shape[d1], shape[d2]
    if offset >= 0:
        length = max(min(n1, n2 - offset), 0)
        start = offset * strides[d2] if length else 0
    else:
        length = max(min(n1 + offset, n2), 0)
        start = -offset * strides[d1] if length else 0
    keep = [i for i in range(len(shape)) if i not in (d1, d2)]
    out_shape = tuple(shape[i] for i in keep) + (length,)
    out_strides = tuple(strides[i] for i in keep) + (strides[d1] + strides[d2],)
    return out_shape, out_strides, start


class Diagonal(Function):
    node_name = "DiagonalBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        item = x.itemsize
        geo = _diag_geometry(x.shape, [s // item for s in x.strides], offset, d1, d2)
        ctx.args = (x.shape, offset, d1, d2)
        return _strided(ctx.xp, x, *geo)

    @staticmethod
    def backward(ctx, g):
        shape, offset, d1, d2 = ctx.args
        return diag_embed_into(g, shape, offset, d1, d2), None, None, None


def diag_embed_into(g, shape, offset, d1, d2):
    """Zeros of `shape` with g on the (offset, d1, d2) diagonal (differentiable in g)."""
    geo = _diag_geometry(shape, _contiguous_strides(shape), offset, d1, d2)
    return _scatter_back(g, shape, _positions(*geo))


@register()
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of dims (dim1, dim2) as the last dimension (a view)."""
    n = input.ndim
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, int(offset), d1, d2)


class Unfold(Function):
    node_name = "UnfoldBackward0"
    _array_io = True
    _view_of = 0

    @staticmethod
    def forward(ctx, x, dim, size, step):
        item = x.itemsize
        st = [s // item for s in x.strides]
        shape, strides = _unfold_geometry(x.shape, st, dim, size, step)
        ctx.args = (x.shape, dim, size, step)
        return _strided(ctx.xp, x, shape, strides, 0)

    @staticmethod
    def backward(ctx, g):
        shape, dim, size, step = ctx.args
        geo = _unfold_geometry(shape, _contiguous_strides(shape), dim, size, step)
        return _scatter_back(g, shape, _positions(*geo, 0)), None, None, None


def _unfold_geometry(shape, strides, dim, size, step):
    shape = list(shape)
    strides = list(strides)
    if not shape:
        return (size,), (1,)
    n = (shape[dim] - size) // step + 1
    st = strides[dim]
    shape[dim] = n
    strides[dim] = st * step
    return tuple(shape) + (size,), tuple(strides) + (st,)


@register(function=False)
def unfold(input, dimension, size, step):
    """All windows of `size` elements with stride `step` along `dimension` (a view)."""
    d = wrap_dim(dimension, input.ndim)
    have = input.shape[d] if input.ndim else 1
    if size > have:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {have} but size is "
                           f"{size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    return Unfold.apply(input, d, int(size), int(step))


@register()
def broadcast_to(input, size):
    """Broadcast to `size` (a view; see expand)."""
    return expand(input, size)


@register(method=False)
def broadcast_shapes(*shapes):
    """The shape that tensors of the given shapes broadcast to."""
    from ember._ops._util import broadcast_shapes as _bs

    norm = []
    for s in shapes:
        if isinstance(s, int):
            s = (s,)
        s = tuple(int(v) for v in s)
        if any(v < 0 for v in s):
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(s)}: "
                               f"{list(s)}")
        norm.append(s)
    return _tensor.Size(_bs(*norm))


@register(function=False)
def resize_(input, *sizes, memory_format=None):
    """Change the shape in place; new elements are uninitialised (kept data is row-major)."""
    shape = shape_arg(sizes)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: "
                           f"{list(shape)}")
    if input._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    n = 1
    for s in shape:
        n *= s
    arr = input._data
    if n == arr.size and arr.flags.c_contiguous:
        input._data = arr.reshape(shape)
    else:
        from ember.autograd.function import xp_for

        new = xp_for(input._device).empty(n, dtype=arr.dtype)
        k = min(n, arr.size)
        new[:k] = arr.reshape(-1)[:k]
        input._data = new.reshape(shape)
    return input


# the copying shape ops, registered with this module and reachable through it
from ember._ops.shape_copies import diag  # noqa: E402,F401
from ember._ops.shape_copies import diag_embed  # noqa: E402,F401
from ember._ops.shape_copies import diagflat  # noqa: E402,F401
from ember._ops.shape_copies import flip  # noqa: E402,F401
from ember._ops.shape_copies import fliplr  # noqa: E402,F401
from ember._ops.shape_copies import flipud  # noqa: E402,F401
from ember._ops.shape_copies import roll  # noqa: E402,F401
from ember._ops.shape_copies import rot90  # noqa: E402,F401
from ember._ops.shape_copies import tril  # noqa: E402,F401
from ember._ops.shape_copies import tril_  # noqa: E402,F401
from ember._ops.shape_copies import tril_indices  # noqa: E402,F401
from ember._ops.shape_copies import triu  # noqa: E402,F401
from ember._ops.shape_copies import triu_  # noqa: E402,F401
from ember._ops.shape_copies import triu_indices  # noqa: E402,F401
