"""ember.compile (torch.compile): accepted, and run eagerly.

ember has no graph compiler: ``compile(model)`` returns what torch returns, an ``OptimizedModule``
wrapping the module (repr ``OptimizedModule(\\n  (_orig_mod): ...)``, parameters and state_dict
keys prefixed ``_orig_mod.``, attribute reads/writes passed through to the wrapped module), and
``compile(fn)`` a wrapper function; calling either runs the original code eagerly, so results are
identical to the uncompiled model. ``mode``, ``backend``, ``fullgraph``, ``dynamic``, ``options``
are validated as torch does and otherwise have no effect. ``disable=True`` returns the model as is.
"""

import functools

from ember.nn.modules.module import Module

_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


class OptimizedModule(Module):
    """torch._dynamo.eval_frame.OptimizedModule: a compiled module (here: run eagerly)."""

    _opt_mod_attributes = {"_orig_mod", "dynamo_ctx", "_torchdynamo_orig_callable",
                           "get_compiler_config", "forward", "_forward", "__dict__",
                           "named_children_walk", "_super_module_initialized"}

    def __init__(self, mod, dynamo_ctx=None):
        object.__setattr__(self, "_super_module_initialized", False)
        super().__init__()
        self.__dict__["_super_module_initialized"] = True
        self._orig_mod = mod  # registered as the child module "_orig_mod"
        self.__dict__["dynamo_ctx"] = dynamo_ctx
        self.__dict__["_torchdynamo_orig_callable"] = mod.forward
        self.__dict__.pop("training", None)

    def forward(self, *args, **kwargs):
        return self._orig_mod(*args, **kwargs)

    def __len__(self):
        return len(self._orig_mod)

    @property
    def training(self):
        return self._orig_mod.training

    @training.setter
    def training(self, value):
        if self.__dict__.get("_super_module_initialized"):
            self._orig_mod.training = value

    def __getattr__(self, name):
        if name == "_orig_mod":
            return self.__dict__["_modules"]["_orig_mod"]
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._orig_mod, name)

    def __setattr__(self, name, value):
        if name == "training":
            if self.__dict__.get("_super_module_initialized"):
                self._orig_mod.training = value
            return None
        if hasattr(type(self), name) or name in OptimizedModule._opt_mod_attributes:
            return super().__setattr__(name, value)
        return setattr(self._orig_mod, name, value)

    def __delattr__(self, name):
        if hasattr(type(self), name) or name in OptimizedModule._opt_mod_attributes:
            return super().__delattr__(name)
        return delattr(self._orig_mod, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(dir(self._orig_mod)))


def _check_args(fullgraph, dynamic, backend, mode, options):
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None,  # noqa: A001
            options=None, disable=False, **kwargs):
    """torch.compile: returns an eager wrapper (ember has no compiler; results are identical)."""
    _check_args(fullgraph, dynamic, backend, mode, options)
    if model is None:
        def fn(model):
            if model is None:
                raise RuntimeError("Model can't be None")
            return compile(model, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                           mode=mode, options=options, disable=disable, **kwargs)
        return fn
    if disable:
        return model
    if isinstance(model, Module):
        return OptimizedModule(model)
    if not callable(model):
        raise RuntimeError(f"Expected a callable, got {type(model).__name__}")

    @functools.wraps(model)
    def compiled(*args, **kw):
        return model(*args, **kw)

    compiled._torchdynamo_orig_callable = model
    return compiled
