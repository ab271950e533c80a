"""Parameter, Buffer and the uninitialized placeholders of lazy modules (to be written)."""

from ember._tensor import Tensor


class Parameter(Tensor):
    pass


class Buffer(Tensor):
    pass


class UninitializedParameter(Parameter):
    pass


class UninitializedBuffer(Tensor):
    pass
