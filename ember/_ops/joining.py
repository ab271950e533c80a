"""Joining and splitting: cat, stack, split, chunk."""

from ember import _dtype
from ember import _tensor
from ember._ops._registry import register
from ember._ops._util import wrap_dim
from ember.autograd.function import Function

Tensor = _tensor.Tensor


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
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    ref = next((t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)), tensors[0])
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, ref.ndim)
    for i, t in enumerate(tensors):
        if t.ndim == 1 and t.shape[0] == 0:
            continue
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and "
                               f"{t.ndim}")
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[k]} but got size {t.shape[k]} for "
                                   f"tensor number {i} in the list.")
    return Cat.apply(d, *tensors)


concat = register("concat")(cat)
concatenate = register("concatenate")(cat)


@register()
def stack(tensors, dim=0, *, out=None):
    """Join tensors of equal shape along a new dimension."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)}"
                               f" at entry 0 and {list(t.shape)} at entry {i}")
    d = wrap_dim(dim, len(shape) + 1)
    return cat([t.unsqueeze(d) for t in tensors], d)
