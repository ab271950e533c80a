"""ember.nn.utils: gradient clipping, parameter/vector conversion, weight and spectral norm,
parametrizations, conv-bn fusion, and (in rnn) sequence packing.

Only ``rnn`` (needed by the recurrent layers) is imported with ``ember``; the other submodules
and their functions load on first access (module ``__getattr__``), which keeps ``import ember``
fast: parametrizations alone (with ember.func) was ~60 ms of it.
"""

import sys as _sys
import types as _types

from ember.nn.utils import rnn  # noqa: F401

# submodules named like the function they define: the package attribute is the function (as with
# the eager `from ember.nn.utils.weight_norm import weight_norm`), even when the submodule is
# first imported directly (the import system then sets the package attribute to the module)
_SHADOWED = ("spectral_norm", "weight_norm")


class _Package(_types.ModuleType):
    def __setattr__(self, name, value):
        if name in _SHADOWED and isinstance(value, _types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package

# public name -> submodule defining it
_LAZY_NAMES = {
    "clip_grad_norm": "clip_grad",
    "clip_grad_norm_": "clip_grad",
    "clip_grad_value_": "clip_grad",
    "clip_grads_with_norm_": "clip_grad",
    "get_total_norm": "clip_grad",
    "parameters_to_vector": "convert_parameters",
    "vector_to_parameters": "convert_parameters",
    "fuse_conv_bn_eval": "fusion",
    "fuse_conv_bn_weights": "fusion",
    "fuse_linear_bn_eval": "fusion",
    "fuse_linear_bn_weights": "fusion",
    "remove_spectral_norm": "spectral_norm",
    "spectral_norm": "spectral_norm",
    "remove_weight_norm": "weight_norm",
    "weight_norm": "weight_norm",
}
_LAZY_SUBMODULES = ("parametrizations", "parametrize", "prune", "clip_grad",
                    "convert_parameters", "fusion", "stateless")

__all__ = ["rnn", *_LAZY_SUBMODULES[:3], *_LAZY_NAMES]


def __getattr__(name):
    import importlib

    sub = _LAZY_NAMES.get(name)
    if sub is not None:
        value = getattr(importlib.import_module(f"{__name__}.{sub}"), name)
        globals()[name] = value
        return value
    if name in _LAZY_SUBMODULES:
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_NAMES) | set(_LAZY_SUBMODULES))
