"""ember: PyTorch's API, written in Python, on NumPy (CPU) and CuPy (CUDA)."""

# the torch API level ember follows, and ember's own release (torch.__version__ under `ember run`)
__version__ = "2.13.0+ember.0.1.0"

from ember import _dtype
from ember._device import device
from ember._dtype import bfloat16
from ember._dtype import bool_ as bool  # noqa: A001
from ember._dtype import complex64
from ember._dtype import complex128
from ember._dtype import dtype
from ember._dtype import float16
from ember._dtype import float32
from ember._dtype import float64
from ember._dtype import get_default_dtype
from ember._dtype import int8
from ember._dtype import int16
from ember._dtype import int32
from ember._dtype import int64
from ember._dtype import promote_types
from ember._dtype import result_type as _result_type
from ember._dtype import set_default_dtype
from ember._dtype import uint8
from ember._random import Generator
from ember._storage import TypedStorage
from ember._storage import UntypedStorage
from ember._random import default_generator as _default_generator
from ember._random import get_rng_state
from ember._random import initial_seed
from ember._random import manual_seed
from ember._random import seed
from ember._random import set_rng_state
from ember._tensor import Size
from ember._tensor import Tensor
from ember._tensor import is_tensor
from ember._tensor import strided
from ember._printing import set_printoptions
from ember.autograd.anomaly_mode import is_anomaly_check_nan_enabled
from ember.autograd.anomaly_mode import is_anomaly_enabled
from ember.autograd.anomaly_mode import set_detect_anomaly
from ember.autograd.grad_mode import enable_grad
from ember.autograd.grad_mode import inference_mode
from ember.autograd.grad_mode import is_grad_enabled
from ember.autograd.grad_mode import is_inference_mode_enabled
from ember.autograd.grad_mode import no_grad
from ember.autograd.grad_mode import set_grad_enabled

# op families: importing them fills the registry
from ember._ops import _registry
from ember._ops import comparison as _comparison  # noqa: F401
from ember._ops import complex_ops as _complex_ops  # noqa: F401
from ember._ops import conv as _conv  # noqa: F401
from ember._ops import creation as _creation  # noqa: F401
from ember._ops import decompositions as _decompositions  # noqa: F401
from ember._ops import elementwise as _elementwise  # noqa: F401
from ember._ops import elementwise_more as _elementwise_more  # noqa: F401
from ember._ops import extra_math as _extra_math  # noqa: F401
from ember._ops import indexing as _indexing  # noqa: F401
from ember._ops import joining as _joining  # noqa: F401
from ember._ops import linalg as _linalg_ops  # noqa: F401
from ember._ops import misc as _misc  # noqa: F401
from ember._ops import nn_ops as _nn_ops  # noqa: F401
from ember._ops import pooling as _pooling  # noqa: F401
from ember._ops import random as _random_ops  # noqa: F401
from ember._ops import reduction as _reduction  # noqa: F401
from ember._ops import shape as _shape  # noqa: F401
from ember._ops import sorting as _sorting  # noqa: F401
from ember._ops import torch_aliases as _torch_aliases  # noqa: F401
from ember._ops import windows as _windows  # noqa: F401

globals().update(_registry.FUNCTIONS)
_registry.bind_methods(Tensor)

from ember import autograd  # noqa: E402
from ember import cuda  # noqa: E402
from ember import linalg  # noqa: E402
from ember import utils  # noqa: E402

half = float16
float = float32  # noqa: A001
double = float64
cfloat = complex64
cdouble = complex128
short = int16
int = int32  # noqa: A001
long = int64
cpu = device("cpu")
from math import e  # noqa: E402
from math import inf  # noqa: E402
from math import nan  # noqa: E402
from math import pi  # noqa: E402
default_generator = _default_generator()


def result_type(tensor1, tensor2):
    """The dtype torch's promotion rules give an op on these two operands."""
    return _result_type(tensor1, tensor2)


def can_cast(from_, to):
    return _dtype.can_cast(from_, to)


def is_floating_point(input):
    return input.dtype.is_floating_point


def is_complex(input):
    return input.dtype.is_complex


def numel(input):
    return input.numel()


def save(obj, f, *args, **kwargs):
    """Save an object in PyTorch's checkpoint format (see ember.serialization.save)."""
    from ember import serialization

    return serialization.save(obj, f, *args, **kwargs)


def load(f, *args, **kwargs):
    """Load a checkpoint written by torch.save or ember.save (see ember.serialization.load)."""
    from ember import serialization

    return serialization.load(f, *args, **kwargs)


# imported on first use, to keep `import ember` fast (ember.nn with its modules and functional
# API was ~20% of it; `ember.nn` and `import ember.nn` work as before)
_LAZY_SUBMODULES = ("nn", "optim", "serialization", "func", "compat", "onnx", "jit", "amp",
                    "profiler", "distributed", "fft", "special", "testing")


# torch's top-level autocast names, from ember.amp (loaded on first use)
_LAZY_AMP = ("autocast", "get_autocast_dtype", "is_autocast_enabled")


def __getattr__(name):
    if name == "compile":
        from ember._compile import compile as value

        globals()["compile"] = value
        return value
    if name in _LAZY_AMP:
        from ember.amp import autocast_mode

        value = getattr(autocast_mode, name)
        globals()[name] = value
        return value
    if name in _LAZY_SUBMODULES:
        import importlib

        try:
            return importlib.import_module("ember." + name)
        except ModuleNotFoundError as e:
            if e.name != "ember." + name:
                raise
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"module 'ember' has no attribute '{name}' (ember does not implement "
                         f"torch.{name} yet)")
