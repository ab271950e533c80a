"""The op registry: every public spelling of an op comes from one definition.

A family module decorates its public functions with ``@register(...)``; ``ember/__init__.py``
re-exports ``FUNCTIONS`` and ``bind_methods()`` installs ``METHODS`` on Tensor. A Tensor method is
the same function with the tensor as its first argument. The ``ember.X`` spelling of a function
that takes ``out=`` gets torch's out semantics here, once, for every family.
"""

import functools
import warnings

FUNCTIONS = {}
METHODS = {}


def register(*names, method=True, function=True, methods=()):
    """Register a function under ember.<name> and (if method) Tensor.<name>.

    ``names`` default to the function's own name; ``methods`` lists extra method-only names
    (operators such as ``__add__``).
    """

    def deco(fn):
        all_names = names or (fn.__name__,)
        public = _with_out(fn) if function and _takes_out(fn) else fn
        for n in all_names:
            if function:
                FUNCTIONS[n] = public
            if method:
                METHODS[n] = fn
        for n in methods:
            METHODS[n] = fn
        return fn

    return deco


def bind_methods(tensor_cls):
    for name, fn in METHODS.items():
        if name in tensor_cls.__dict__ and not callable(tensor_cls.__dict__[name]):
            continue
        setattr(tensor_cls, name, fn)


def _takes_out(fn):
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    return "out" in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]


def _with_out(fn):
    """ember.X(..., out=t): compute, then write into t as torch does (resize, cast check)."""

    @functools.wraps(fn)
    def with_out(*args, out=None, **kwargs):
        result = fn(*args, **kwargs)
        if out is None:
            return result
        return write_out(result, out, fn.__name__)

    return with_out


def write_out(result, out, name):
    """Copy an op's result(s) into the tensor(s) given as out=."""
    from ember import _dtype
    from ember import _tensor
    from ember.autograd.grad_mode import _GradState
    from ember.autograd.grad_mode import no_grad

    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(result)} Tensors")
        return type(result)(*(write_out(r, o, name) for r, o in zip(result, out))) \
            if hasattr(result, "_fields") else tuple(write_out(r, o, name)
                                                     for r, o in zip(result, out))
    if not isinstance(out, _tensor.Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if _GradState.enabled and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if not _dtype.can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"result type {_dtype.SCALAR_NAMES[result.dtype]} can't be cast to "
                           f"the desired output type {_dtype.SCALAR_NAMES[out.dtype]}")
    if out.shape != result.shape:
        if out.numel() != 0:
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(out.shape)}, which does not match the required output shape "
                          f"{list(result.shape)}. This behavior is deprecated, and in a future "
                          "PyTorch release outputs will not be resized unless they have zero "
                          "elements. You can explicitly reuse an out tensor t by resizing it, "
                          "inplace, to zero elements with t.resize_(0).", UserWarning,
                          stacklevel=3)
        from ember.autograd.function import xp_for

        out._data = xp_for(out._device).empty(tuple(result.shape), dtype=out._data.dtype)
    with no_grad():
        out.copy_(result)
    return out
