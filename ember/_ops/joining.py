"""Joining, splitting and repeating: cat, stack (+ h/v/d/column stacks), split, chunk,
tensor_split (+ h/v/d splits), repeat, tile, repeat_interleave, meshgrid, atleast_nd."""

from ember import _dtype
from ember import _tensor
from ember._ops._registry import register
from ember._ops._util import shape_arg
from ember._ops._util import wrap_dim
from ember.autograd.function import Function

Tensor = _tensor.Tensor


def _tensor_list(tensors, name):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return tensors


def _mark_views(outs, input):
    """Pieces of a multi-output view op share memory and version with the input's base."""
    base = input if input._base is None else input._base
    for o in outs:
        o._version = input._version
        o._base = base
    return outs


class Cat(Function):
    node_name = "CatBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, dim, *xs):
        xp = ctx.xp
        rt = _dtype.result_type(*xs)
        ctx.sizes = [x.shape[dim] if x.ndim else 0 for x in xs]
        ctx.dim = dim
        parts = [x.astype(rt.np_dtype, copy=False) for x in xs if not (x.ndim == 1 and
                                                                      x.shape[0] == 0)]
        if not parts:
            return xp.zeros((0,), rt.np_dtype)
        return xp.concatenate(parts, axis=dim)

    @staticmethod
    def backward(ctx, g):
        grads = []
        start = 0
        for size in ctx.sizes:
            grads.append(g.narrow(ctx.dim, start, size) if size or g.ndim else None)
            start += size
        return (None, *grads)


@register()
def cat(tensors, dim=0, *, out=None):
    """Concatenate tensors along an existing dimension."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    ref = next((t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)), tensors[0])
    if ref.ndim == 0:
        pos = next(i for i, t in enumerate(tensors) if t.ndim == 0)
        raise RuntimeError(f"zero-dimensional tensor (at position {pos}) cannot be concatenated")
    d = wrap_dim(dim, ref.ndim)
    for i, t in enumerate(tensors):
        if t.ndim == 1 and t.shape[0] == 0:
            continue
        if t.ndim != ref.ndim:
            if t.ndim == 0:
                raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                                   "concatenated")
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and "
                               f"{t.ndim}")
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[k]} but got size {t.shape[k]} for "
                                   f"tensor number {i} in the list.")
    res = Cat.apply(d, *tensors)
    return _write_out(res, out)


def _write_out(res, out):
    if out is None:
        return res
    if tuple(out.shape) != tuple(res.shape):
        out.resize_(res.shape)
    return out.copy_(res)


concat = register("concat")(cat)
concatenate = register("concatenate")(cat)


class Stack(Function):
    node_name = "StackBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, dim, *xs):
        rt = _dtype.result_type(*xs)
        ctx.dim = dim
        return ctx.xp.stack([x.astype(rt.np_dtype, copy=False) for x in xs], axis=dim)

    @staticmethod
    def backward(ctx, g):
        return (None, *g.unbind(ctx.dim))


@register()
def stack(tensors, dim=0, *, out=None):
    """Join tensors of equal shape along a new dimension."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)}"
                               f" at entry 0 and {list(t.shape)} at entry {i}")
    d = wrap_dim(dim, len(shape) + 1)
    return _write_out(Stack.apply(d, *tensors), out)


@register(method=False)
def hstack(tensors, *, out=None):
    """Stack column-wise: cat along dim 1 (dim 0 for 1-D tensors)."""
    tensors = atleast_1d(_tensor_list(tensors, "hstack"))
    if not tensors:
        raise RuntimeError("hstack expects a non-empty TensorList")
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1, out=out)


@register(method=False)
def vstack(tensors, *, out=None):
    """Stack row-wise: cat along dim 0 after making inputs at least 2-D."""
    tensors = atleast_2d(_tensor_list(tensors, "vstack"))
    if not tensors:
        raise RuntimeError("vstack expects a non-empty TensorList")
    return cat(tensors, 0, out=out)


row_stack = register("row_stack", method=False)(vstack)


@register(method=False)
def dstack(tensors, *, out=None):
    """Stack depth-wise: cat along dim 2 after making inputs at least 3-D."""
    tensors = atleast_3d(_tensor_list(tensors, "dstack"))
    if not tensors:
        raise RuntimeError("dstack expects a non-empty TensorList")
    return cat(tensors, 2, out=out)


@register(method=False)
def column_stack(tensors, *, out=None):
    """Stack 0-D/1-D tensors as columns, and 2-D+ tensors along dim 1."""
    tensors = _tensor_list(tensors, "column_stack")
    if not tensors:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    cols = [t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in tensors]
    return cat(cols, 1, out=out)


# ---------------------------------------------------------------------------------- atleast


def _atleast(fn, tensors):
    if len(tensors) == 1 and not isinstance(tensors[0], Tensor):
        return [fn(t) for t in tensors[0]] if isinstance(tensors[0], list) else \
            tuple(fn(t) for t in tensors[0])
    if len(tensors) == 1:
        return fn(tensors[0])
    return tuple(fn(t) for t in tensors)


def _one_1d(t):
    return t.reshape(1) if t.ndim == 0 else t


def _one_2d(t):
    if t.ndim == 0:
        return t.reshape(1, 1)
    return t.unsqueeze(0) if t.ndim == 1 else t


def _one_3d(t):
    if t.ndim == 0:
        return t.reshape(1, 1, 1)
    if t.ndim == 1:
        return t.unsqueeze(0).unsqueeze(-1)
    return t.unsqueeze(-1) if t.ndim == 2 else t


@register(method=False)
def atleast_1d(*tensors):
    """Views with at least one dimension."""
    return _atleast(_one_1d, tensors)


@register(method=False)
def atleast_2d(*tensors):
    """Views with at least two dimensions."""
    return _atleast(_one_2d, tensors)


@register(method=False)
def atleast_3d(*tensors):
    """Views with at least three dimensions."""
    return _atleast(_one_3d, tensors)


# ---------------------------------------------------------------------------------- split


class Split(Function):
    """Views of consecutive pieces along one dimension."""

    node_name = "SplitBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim, sizes):
        ctx.dim = dim
        from ember._ops.shape import slice_dim

        outs = []
        start = 0
        for s in sizes:
            outs.append(slice_dim(ctx.xp, x, dim, start, s))
            start += s
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grads):
        return cat(grads, ctx.dim), None, None


class SplitWithSizes(Split):
    node_name = "SplitWithSizesBackward0"


def _split(input, dim, sizes, cls):
    outs = cls.apply(input, dim, tuple(sizes))
    if not isinstance(outs, tuple):
        outs = (outs,)
    return _mark_views(outs, input)


@register()
def split(tensor, split_size_or_sections, dim=0):
    """Split into pieces of a given size (the last may be smaller) or of the given sizes."""
    if tensor.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, tensor.ndim)
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got split_sizes="
                               f"{sizes}")
        return _split(tensor, d, sizes, SplitWithSizes)
    size = int(split_size_or_sections)
    if size < 0 or (size == 0 and n != 0):
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {n}" if size == 0 else
                           f"split expects split_size be non-negative, but got split_size={size}")
    if n == 0:
        sizes = [0]
    else:
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
    return _split(tensor, d, sizes, Split)


@register()
def chunk(input, chunks, dim=0):
    """Split into `chunks` pieces of equal size (the last may be smaller, fewer if needed)."""
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    size = (n + chunks - 1) // chunks
    if n == 0:
        return _split(input, d, [0] * chunks, Split)
    return split(input, size, d)


@register()
def tensor_split(input, indices_or_sections, dim=0):
    """Split into n nearly equal views, or at the given indices (like numpy.array_split)."""
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.dtype.is_floating_point or ios.dtype.is_complex or ios.dtype is _dtype.bool_:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have "
                               f"integer dtype, but got {ios.dtype}")
        if ios.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {ios.ndim} dims")
        ios = ios.item() if ios.ndim == 0 else ios.tolist()
    if isinstance(ios, (list, tuple)):
        bounds = [int(i) for i in ios]
    else:
        sections = int(ios)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        q, r = divmod(n, sections)
        bounds = []
        pos = 0
        for i in range(sections - 1):
            pos += q + (1 if i < r else 0)
            bounds.append(pos)
    outs = []
    edges = [0] + bounds + [n]
    for a, b in zip(edges[:-1], edges[1:]):
        start, stop, _ = slice(a, b).indices(n)
        outs.append(input.narrow(d, start, max(stop - start, 0)))
    return tuple(outs)


def _dsplit_like(name, dim, min_dim):
    def fn(input, indices_or_sections):
        if input.ndim < min_dim:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} "
                               f"dimension, but got a tensor with {input.ndim} dimensions!")
        d = dim if not (name == "hsplit" and input.ndim == 1) else 0
        if isinstance(indices_or_sections, int) and not isinstance(indices_or_sections, bool):
            n = input.shape[d]
            if indices_or_sections == 0 or n % indices_or_sections:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but "
                                   f"the size of the dimension {n} is not divisible by the split_"
                                   f"size {indices_or_sections}!")
        return tensor_split(input, indices_or_sections, d)

    fn.__name__ = name
    fn.__doc__ = f"Split along dimension {dim} (numpy.{name})."
    return register(name)(fn)


hsplit = _dsplit_like("hsplit", 1, 1)
vsplit = _dsplit_like("vsplit", 0, 2)
dsplit = _dsplit_like("dsplit", 2, 3)


# ---------------------------------------------------------------------------------- repeat


class Repeat(Function):
    node_name = "RepeatBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, reps):
        lead = len(reps) - x.ndim
        ctx.shape = x.shape
        ctx.reps = reps
        return ctx.xp.tile(x.reshape((1,) * lead + x.shape), reps)

    @staticmethod
    def backward(ctx, g):
        reps = ctx.reps
        shape = (1,) * (len(reps) - len(ctx.shape)) + tuple(ctx.shape)
        split = []
        for r, s in zip(reps, shape):
            split += [r, s]
        dims = tuple(range(0, 2 * len(reps), 2))
        gx = g.reshape(split).sum(dims) if dims else g.reshape(split)
        return gx.reshape(ctx.shape), None


@register(function=False)
def repeat(input, *sizes):
    """Tile the tensor `sizes[i]` times along each dimension (a copy)."""
    reps = shape_arg(sizes)
    if len(reps) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(reps)}: {list(reps)}")
    return Repeat.apply(input, reps)


@register()
def tile(input, *dims):
    """Repeat along each dimension; missing leading reps count as 1 (numpy.tile)."""
    reps = shape_arg(dims)
    if len(reps) < input.ndim:
        reps = (1,) * (input.ndim - len(reps)) + tuple(reps)
    return repeat(input, reps)


@register()
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element `repeats` times (an int or one count per element) along `dim`."""
    from ember._ops import creation
    from ember._ops import indexing

    if repeats is None:  # torch.repeat_interleave(repeats): indices repeated by counts
        counts = input
        if counts.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if counts.dtype not in (_dtype.int64, _dtype.int32):
            raise RuntimeError("repeats has to be Long or Int tensor")
        c = counts._data
        if (c < 0).any():
            raise RuntimeError("repeats can not be negative")
        idx = creation.arange(c.shape[0], device=counts.device)
        out = _tensor.make(idx._data.repeat(c.astype("int64")), counts.device)
        return out.to(counts.dtype)
    if dim is None:
        input = input.reshape(-1)
        d = 0
    else:
        d = wrap_dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1
    if isinstance(repeats, Tensor):
        if repeats.dtype.is_floating_point or repeats.dtype is _dtype.bool_:
            raise RuntimeError("repeats has to be Long or Int tensor")
        if repeats.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if repeats.ndim == 0 or repeats.numel() == 1:
            reps = repeats._data.reshape(()).repeat(n)
        else:
            if repeats.shape[0] != n:
                raise RuntimeError("repeats must have the same size as input along dim, but got "
                                   f"repeats.size(0) = {repeats.shape[0]} and input.size({d}) = "
                                   f"{n}")
            reps = repeats._data
    else:
        if repeats < 0:
            raise RuntimeError("repeats can not be negative")
        reps = None
    if (reps is not None and (reps < 0).any()):
        raise RuntimeError("repeats can not be negative")
    if input.ndim == 0:
        input = input.reshape(1)
    base = creation.arange(n, device=input.device)
    if reps is None:
        idx = _tensor.make(base._data.repeat(int(repeats)), input.device)
    else:
        idx = _tensor.make(base._data.repeat(reps.astype("int64")), input.device)
    if output_size is not None and idx.shape[0] != output_size:
        raise RuntimeError("allocated size does not match required size")
    return indexing.index_select(input, d, idx)


# ---------------------------------------------------------------------------------- meshgrid


@register(method=False)
def meshgrid(*tensors, indexing=None):
    """Coordinate grids (expanded views) from 1-D tensors; indexing 'ij' (default) or 'xy'."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        indexing = "ij"
    elif indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    if not tensors:
        raise RuntimeError("torch.meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t}")
    ts = [t.reshape(-1) for t in tensors]
    dt, dev = ts[0].dtype, ts[0].device
    for t in ts[1:]:
        if t.dtype is not dt:
            raise RuntimeError("torch.meshgrid: Expected all tensors in the tensor list to have "
                               "the same dtype")
        if t.device is not dev:
            raise RuntimeError("torch.meshgrid: Expected all tensors in the tensor list to have "
                               "the same device")
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = [t.shape[0] for t in ts]
    n = len(ts)
    outs = []
    for i, t in enumerate(ts):
        view = [1] * n
        view[i] = shape[i]
        outs.append(t.view(view).expand(shape))
    if swap:
        outs[0], outs[1] = outs[1], outs[0]
    return tuple(outs)


@register(method=False)
def broadcast_tensors(*tensors):
    """Expanded views of the tensors to their common broadcast shape."""
    from ember._ops._util import broadcast_shapes as _bs

    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = _bs(*[t.shape for t in tensors])
    return tuple(t.expand(shape) for t in tensors)
