"""Argument helpers shared by the op families: dims, shapes and torch's error wording."""

from ember import _tensor


def wrap_dim(dim, ndim):
    """Normalise a possibly negative dim, raising torch's IndexError when out of range."""
    n = ndim if ndim > 0 else 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


def wrap_dims(dim, ndim):
    """None -> all dims; int or sequence -> sorted tuple of non-negative dims (no repeats)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        return (wrap_dim(dim, ndim),)
    out = tuple(wrap_dim(d, ndim) for d in dim)
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return out


def shape_arg(args):
    """Accept f(2, 3), f((2, 3)), f([2, 3]) or f(Size) and return a tuple of ints."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    try:
        return tuple(int(_index(s)) for s in args)
    except TypeError:
        raise TypeError(f"expected a sequence of integers for the size, got "
                        f"{tuple(type(a).__name__ for a in args)}") from None


def _index(s):
    if isinstance(s, _tensor.Tensor):
        return s.__index__()
    if isinstance(s, float) or isinstance(s, bool):
        raise TypeError
    return s.__index__()


def broadcast_shapes(*shapes):
    """torch.broadcast_shapes, with torch's error for mismatched sizes."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, size in enumerate(s):
            j = ndim - len(s) + i
            if out[j] == 1:
                out[j] = size
            elif size != 1 and size != out[j]:
                raise RuntimeError(f"The size of tensor a ({out[j]}) must match the size of "
                                   f"tensor b ({size}) at non-singleton dimension {i}")
    return tuple(out)


def broadcast_error(a_shape, b_shape):
    """torch's message for two shapes that do not broadcast."""
    n = max(len(a_shape), len(b_shape))
    a = (1,) * (n - len(a_shape)) + tuple(a_shape)
    b = (1,) * (n - len(b_shape)) + tuple(b_shape)
    for i in range(n - 1, -1, -1):
        if a[i] != b[i] and a[i] != 1 and b[i] != 1:
            return RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor "
                                f"b ({b[i]}) at non-singleton dimension {i}")
    return RuntimeError(f"shapes {list(a_shape)} and {list(b_shape)} cannot be broadcast")


def as_tensor_arg(x, like):
    """A Python scalar or array-like as a tensor on `like`'s device (for tensor-only args)."""
    if isinstance(x, _tensor.Tensor):
        return x
    from ember._ops import creation

    return creation.tensor(x, device=like.device)
