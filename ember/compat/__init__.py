"""Run PyTorch programs unchanged: `import torch` (and its submodules) resolve to ember.

``install()`` adds an import hook that maps ``torch`` -> ``ember``, ``torch.X`` -> ``ember.X`` and
``torchvision`` / ``torchaudio`` -> ember's domain libraries, lazily, module by module, so that
``torch.nn is ember.nn``. It refuses to alias when the real torch is already imported. A torch
module that ember does not have fails with "ember does not implement torch.X yet".
"""

import importlib
import importlib.abc
import importlib.machinery
import sys

ALIASES = {
    "torch": "ember",
    "torchvision": "ember.vision",
    "torchaudio": "ember.audio",
    "torchtext": "ember.text",
}


class NotImplementedInEmber(ImportError):
    """A torch module that ember does not provide."""


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        pass


class TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Resolves torch* imports to the matching ember modules."""

    def find_spec(self, fullname, path=None, target=None):
        root, _, rest = fullname.partition(".")
        if root not in ALIASES:
            return None
        target_name = ALIASES[root] + ("." + rest if rest else "")
        try:
            module = importlib.import_module(target_name)
        except ModuleNotFoundError as e:
            if e.name and (target_name == e.name or target_name.startswith(e.name + ".")):
                raise NotImplementedInEmber(f"ember does not implement {fullname} yet "
                                            f"(no module {target_name})", name=fullname) from None
            raise
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module))


_FINDER = TorchAliasFinder()


def _real_torch_loaded():
    mod = sys.modules.get("torch")
    return mod is not None and not getattr(mod, "__name__", "").startswith("ember")


def install():
    """Make `import torch` (and torchvision, ...) import ember in this process."""
    if _real_torch_loaded():
        raise RuntimeError("the real PyTorch is already imported in this process; ember.compat "
                           "will not alias torch to ember (start a fresh interpreter, or import "
                           "ember.compat before torch)")
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def uninstall():
    """Remove the hook and the torch aliases it created."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in list(sys.modules):
        root = name.partition(".")[0]
        if root in ALIASES and getattr(sys.modules[name], "__name__", "").startswith("ember"):
            del sys.modules[name]


def is_installed():
    return _FINDER in sys.meta_path
