"""ember.device: where a tensor's memory lives ("cpu", "cuda", "cuda:N")."""


class device:
    """A device type with an optional index; ``ember.device("cuda:0")``."""

    __slots__ = ("type", "index")

    def __new__(cls, type_or_str, index=None):
        if isinstance(type_or_str, device):
            return type_or_str
        if isinstance(type_or_str, int) and index is None:
            type_or_str, index = "cuda", type_or_str
        if not isinstance(type_or_str, str):
            raise TypeError(f"device() received an invalid combination of arguments: "
                            f"{type(type_or_str).__name__}")
        text = type_or_str
        if ":" in text:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {text}")
            text, _, idx = text.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type_or_str}'")
            index = int(idx)
        if text not in ("cpu", "cuda", "meta"):
            raise RuntimeError(
                "Expected one of cpu, cuda, meta device type at start of device string: "
                f"{type_or_str}")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        key = (text, index)
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        self = object.__new__(cls)
        object.__setattr__(self, "type", text)
        object.__setattr__(self, "index", index)
        _CACHE[key] = self
        return self

    def __setattr__(self, name, value):
        raise AttributeError("device objects are immutable")

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    # devices are interned (one object per type/index), so identity hashing is consistent and
    # keeps dict lookups keyed by device cheap on the op hot path
    __hash__ = object.__hash__

    def __reduce__(self):
        return (device, (self.type, self.index))


_CACHE = {}

CPU = device("cpu")
