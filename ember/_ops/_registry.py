"""The op registry: every public spelling of an op comes from one definition.

A family module decorates its public functions with ``@register(...)``; ``ember/__init__.py``
re-exports ``FUNCTIONS`` and ``bind_methods()`` installs ``METHODS`` on Tensor. A Tensor method is
the same function with the tensor as its first argument.
"""

FUNCTIONS = {}
METHODS = {}


def register(*names, method=True, function=True, methods=()):
    """Register a function under ember.<name> and (if method) Tensor.<name>.

    ``names`` default to the function's own name; ``methods`` lists extra method-only names
    (operators such as ``__add__``).
    """

    def deco(fn):
        all_names = names or (fn.__name__,)
        for n in all_names:
            if function:
                FUNCTIONS[n] = fn
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
