"""The chain of op-dispatch hooks behind ``ember.autograd.function._dispatch_hook``.

``Function.apply`` tests one module global; while no hook is set it is None and ops take their
usual path. ember.profiler (outermost: it times an op including autocast's casts) and ember.amp's
autocast (innermost) register here; the composed chain is installed as that global.
"""

from ember.autograd import function as _function

_ORDER = ("profiler", "autocast")
_hooks = {}


def set_hook(name, hook):
    """Install (hook(cls, args, apply_op) -> out) or remove (None) the hook called ``name``."""
    if hook is None:
        _hooks.pop(name, None)
    else:
        _hooks[name] = hook
    chain = None
    for n in reversed(_ORDER):
        h = _hooks.get(n)
        if h is None:
            continue
        chain = h if chain is None else _compose(h, chain)
    _function._dispatch_hook = chain


def _compose(outer, inner):
    def hook(cls, args, apply_op):
        return outer(cls, args, lambda c, a: inner(c, a, apply_op))
    return hook
