"""ember dtypes and torch's type-promotion rules.

`result_type` is the one place that decides the dtype of an op's result; ops call it and never
rely on NumPy's casting rules, which differ from torch's (NumPy: int64 + 2.5 -> float64,
torch: int64 + 2.5 -> float32).
"""

import builtins

import ml_dtypes
import numpy as np

# promotion categories, ordered
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type; prints as torch does (``torch.float32``)."""

    __slots__ = ("name", "np_dtype", "itemsize", "is_floating_point", "is_complex", "is_signed",
                 "_category", "_aliases", "__weakref__")

    def __init__(self, name, np_dtype, category, is_signed=True, aliases=()):
        self.name = name
        self.np_dtype = np.dtype(np_dtype)
        self.itemsize = self.np_dtype.itemsize
        self._category = category
        self.is_floating_point = category == _FLOAT
        self.is_complex = category == _COMPLEX
        self.is_signed = is_signed
        self._aliases = aliases

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def to_real(self):
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self):
        return {float32: complex64, float64: complex128, float16: complex64,
                bfloat16: complex64}.get(self, self)


def _dtype_by_name(name):
    return _BY_NAME[name]


float16 = dtype("float16", np.float16, _FLOAT, aliases=("half",))
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, _FLOAT)
float32 = dtype("float32", np.float32, _FLOAT, aliases=("float",))
float64 = dtype("float64", np.float64, _FLOAT, aliases=("double",))
complex64 = dtype("complex64", np.complex64, _COMPLEX, aliases=("cfloat",))
complex128 = dtype("complex128", np.complex128, _COMPLEX, aliases=("cdouble",))
uint8 = dtype("uint8", np.uint8, _INT, is_signed=False)
int8 = dtype("int8", np.int8, _INT)
int16 = dtype("int16", np.int16, _INT, aliases=("short",))
int32 = dtype("int32", np.int32, _INT, aliases=("int",))
int64 = dtype("int64", np.int64, _INT, aliases=("long",))
bool_ = dtype("bool", np.bool_, _BOOL, is_signed=False)

ALL = (float16, bfloat16, float32, float64, complex64, complex128,
       uint8, int8, int16, int32, int64, bool_)

_BY_NAME = {}
for _d in ALL:
    _BY_NAME[_d.name] = _d
    for _a in _d._aliases:
        _BY_NAME[_a] = _d

# NumPy dtype -> ember dtype; the hot path reads a tensor's dtype through this table.
_FROM_NP = {d.np_dtype: d for d in ALL}


def from_numpy_dtype(np_dtype):
    """Map a NumPy dtype to an ember dtype, raising TypeError for ones torch has no match for."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        pass
    np_dtype = np.dtype(np_dtype)
    if np_dtype in _FROM_NP:
        return _FROM_NP[np_dtype]
    raise TypeError(
        f"can't convert np.ndarray of type numpy.{np_dtype}. The only supported types are: "
        "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, "
        "and bool.")


# legacy type strings, as Tensor.type() prints them
_TYPE_NAMES = {float32: "FloatTensor", float64: "DoubleTensor", float16: "HalfTensor",
               bfloat16: "BFloat16Tensor", uint8: "ByteTensor", int8: "CharTensor",
               int16: "ShortTensor", int32: "IntTensor", int64: "LongTensor",
               bool_: "BoolTensor", complex64: "ComplexFloatTensor",
               complex128: "ComplexDoubleTensor"}

# torch's scalar type names used in error messages ("Float", "Long", ...)
SCALAR_NAMES = {float32: "Float", float64: "Double", float16: "Half", bfloat16: "BFloat16",
                uint8: "Byte", int8: "Char", int16: "Short", int32: "Int", int64: "Long",
                bool_: "Bool", complex64: "ComplexFloat", complex128: "ComplexDouble"}


# ---------------------------------------------------------------------------- default dtype

class _Defaults:
    float = float32


def get_default_dtype():
    """Return the current default floating point dtype."""
    return _Defaults.float


def set_default_dtype(d):
    """Set the default floating point dtype (float32 or float64, also float16/bfloat16)."""
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _Defaults.float = d


def default_complex_dtype():
    return complex128 if _Defaults.float is float64 else complex64


# ---------------------------------------------------------------------------- promotion

def _float_table():
    # lattice of torch.promote_types for floating and complex kinds
    return {
        frozenset((float16, bfloat16)): float32,
    }


_SPECIAL = _float_table()


def promote_types(a, b):
    """The smallest dtype to which both a and b can be cast (torch.promote_types)."""
    if a is b:
        return a
    key = frozenset((a, b))
    if key in _SPECIAL:
        return _SPECIAL[key]
    ca, cb = a._category, b._category
    if ca == _COMPLEX or cb == _COMPLEX:
        # complex with anything: widen the real parts
        ra = a.to_real() if ca == _COMPLEX else a
        rb = b.to_real() if cb == _COMPLEX else b
        r = promote_types(ra, rb) if (ra._category == _FLOAT or rb._category == _FLOAT) else float32
        if r._category != _FLOAT:
            r = float32
        return complex128 if r is float64 else complex64
    if ca != cb:
        return a if ca > cb else b
    if ca == _FLOAT:
        return a if a.itemsize > b.itemsize else b
    if ca == _INT:
        if a.is_signed == b.is_signed:
            return a if a.itemsize > b.itemsize else b
        # uint8 with a signed type: the signed type if wider, else int16
        s = a if a.is_signed else b
        return s if s.itemsize > 1 else int16
    return a


def _scalar_category(x):
    t = type(x)
    if t is builtins.bool or t is np.bool_:
        return _BOOL
    if t is int or isinstance(x, np.integer):
        return _INT
    if t is float or isinstance(x, np.floating):
        return _FLOAT
    if t is complex or isinstance(x, np.complexfloating):
        return _COMPLEX
    return None


def _default_for(category):
    if category == _FLOAT:
        return _Defaults.float
    if category == _COMPLEX:
        return default_complex_dtype()
    if category == _INT:
        return int64
    return bool_


def result_type(*operands):
    """torch.result_type over any mix of tensors and Python scalars.

    Tensors with dimensions outrank 0-dim tensors, which outrank Python scalars; a lower-priority
    operand only matters when its category (bool < int < float < complex) is higher.
    """
    if len(operands) == 2:  # fast path: the common array/array and array/scalar cases
        a, b = operands
        if type(a) is np.ndarray:
            tb = type(b)
            if tb is np.ndarray:
                if a.dtype == b.dtype:
                    return _FROM_NP[a.dtype]
            elif tb is float:
                if a.dtype.kind in "fc":
                    return _FROM_NP[a.dtype]
            elif tb is int:
                if a.dtype.kind in "iufc":
                    return _FROM_NP[a.dtype]
            elif tb is builtins.bool:
                return _FROM_NP[a.dtype]
    dim_t = zero_t = scal = None  # running result per priority class
    for x in operands:
        if isinstance(x, np.generic):  # NumPy scalars promote like Python scalars
            x = x.item()
        d = getattr(x, "dtype", None)
        if d is not None:
            if not isinstance(d, dtype):  # a backend array
                d = _FROM_NP[d]
            if x.ndim:
                dim_t = d if dim_t is None else promote_types(dim_t, d)
            else:
                zero_t = d if zero_t is None else promote_types(zero_t, d)
        else:
            c = _scalar_category(x)
            if c is None:
                raise TypeError(f"result_type: unsupported operand of type {type(x).__name__}")
            if scal is None or c > scal:
                scal = c
    return _combine(dim_t, zero_t, scal)


def _combine(dim_t, zero_t, scal_cat):
    wrapped = None if scal_cat is None else _default_for(scal_cat)
    return _combine_categories(dim_t, _combine_categories(zero_t, wrapped))


def _combine_categories(higher, lower):
    """Merge the result of a higher-priority operand class with a lower one (torch's rule)."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher._category == _COMPLEX:
        return higher
    if lower._category == _COMPLEX:
        # a float keeps its width as the real part; ember has no complex32, so half -> complex64
        if higher._category == _FLOAT:
            return complex128 if higher is float64 else complex64
        return lower
    if higher._category == _FLOAT:
        return higher
    if higher is bool_ or lower._category == _FLOAT:
        return promote_types(higher, lower)
    return higher


def can_cast(from_, to):
    """torch.can_cast: whether a cast from `from_` to `to` is allowed by the promotion rules."""
    return from_._category <= to._category


def is_floating_point(t):
    return t.dtype.is_floating_point


def is_complex(t):
    return t.dtype.is_complex
