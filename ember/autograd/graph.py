"""autograd.graph: the Node type and hooks on saved tensors (saved_tensors_hooks, save_on_cpu)."""

from ember.autograd import function as _function
from ember.autograd.function import Node

__all__ = ["Node", "saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks"]


class saved_tensors_hooks:
    """Context manager: every tensor saved for backward inside it is passed to
    ``pack_hook(tensor) -> obj`` when saved and restored by ``unpack_hook(obj) -> tensor`` when
    backward needs it."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if _disabled[0] is not None:
            raise RuntimeError(_disabled[0])
        _function._SAVED_HOOKS.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc):
        _function._SAVED_HOOKS.pop()


_disabled = [None]


class disable_saved_tensors_hooks:
    """Context manager under which registering saved_tensors_hooks raises `error_message`."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        self.prev = _disabled[0]
        _disabled[0] = self.error_message

    def __exit__(self, *exc):
        _disabled[0] = self.prev


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are moved to the CPU when saved and back to their device when used."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack(t):
            return (t.device, t.cpu())

        def unpack(packed):
            device, t = packed
            return t.to(device)

        super().__init__(pack, unpack)
