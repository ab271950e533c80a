"""ember.utils: data loading, checkpointing, hooks (submodules load on first use)."""

_LAZY_SUBMODULES = ("data", "checkpoint", "hooks", "tensorboard", "benchmark", "cpp_extension")


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module("ember.utils." + name)
    raise AttributeError(f"module 'ember.utils' has no attribute '{name}' (ember does not "
                         f"implement torch.utils.{name} yet)")
