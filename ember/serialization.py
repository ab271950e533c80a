"""save/load in PyTorch's checkpoint format (to be written)."""


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True):
    raise NotImplementedError("ember.save is not implemented yet")


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **kw):
    raise NotImplementedError("ember.load is not implemented yet")
