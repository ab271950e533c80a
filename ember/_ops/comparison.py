"""Comparison ops (eq, ne, lt, le, gt, ge and their operators): bool results, no gradient."""

from ember import _tensor
from ember._ops._registry import register
from ember._ops.elementwise import binary_operands
from ember._ops.elementwise import call_binary
from ember.autograd.function import Function

Tensor = _tensor.Tensor


def _comparison(name, ufunc_name, node):
    class Compare(Function):
        node_name = node
        _array_io = True

        @staticmethod
        def forward(ctx, a, b):
            a, b, _ = binary_operands(ctx.xp, a, b)
            return call_binary(getattr(ctx.xp, ufunc_name), a, b)

    Compare.__name__ = Compare.__qualname__ = name.capitalize()

    def op(input, other, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return Compare.apply(input, other)

    op.__name__ = name
    op.__doc__ = f"Elementwise {name} comparison; a bool tensor."
    return Compare, op


Eq, eq = _comparison("eq", "equal", "EqBackward0")
Ne, ne = _comparison("ne", "not_equal", "NeBackward0")
Lt, lt = _comparison("lt", "less", "LtBackward0")
Le, le = _comparison("le", "less_equal", "LeBackward0")
Gt, gt = _comparison("gt", "greater", "GtBackward0")
Ge, ge = _comparison("ge", "greater_equal", "GeBackward0")

register("eq", methods=("__eq__",))(eq)
register("ne", "not_equal", methods=("__ne__",))(ne)
register("lt", "less", methods=("__lt__",))(lt)
register("le", "less_equal", methods=("__le__",))(le)
register("gt", "greater", methods=("__gt__",))(gt)
register("ge", "greater_equal", methods=("__ge__",))(ge)
