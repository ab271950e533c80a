"""RemovableHandle: the handle every register_*hook returns."""

import itertools

_ids = itertools.count()


class RemovableHandle:
    """A handle that removes a registered hook from its dict when `remove()` is called."""

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = hooks_dict
        self.id = next(_ids)
        self.extra_dict = extra_dict

    def remove(self):
        self.hooks_dict_ref.pop(self.id, None)
        if self.extra_dict is not None:
            self.extra_dict.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
