"""ember.autocast / ember.amp.autocast: torch's automatic mixed precision, op by op.

While autocast is on for a device type, ops follow torch's CPU/CUDA autocast policy:

- lower precision (bfloat16 by default on 'cpu', float16 on 'cuda'): ``mm``, ``matmul`` (2-D and
  batched operands), ``bmm``, ``addmm``, ``baddbmm``, ``addbmm``, ``linear``, ``conv1d/2d/3d``,
  ``conv_transpose1d/2d/3d`` (so ``nn.Linear``, ``nn.Conv*``). Their floating inputs other than
  float64 are cast to the autocast dtype and the result has that dtype, as torch's.
- float32: the loss functions of ``ember.nn.functional`` (``l1_loss``, ``mse_loss``,
  ``cross_entropy``, ``nll_loss``, ``binary_cross_entropy(_with_logits)``, ``kl_div``,
  ``huber_loss``, ``smooth_l1_loss``, ... as torch's fp32 list) cast lower-precision inputs to
  float32 (``nn.*Loss`` modules included, they call these).
- everything else runs in the dtype of its inputs.

Not covered (they run in their inputs' dtype): torch's other fp32-list ops (prod, cdist, linalg
and fft functions, 3-D pooling, ...); ``matmul`` of a 1-D operand; autocast's weight-cast cache
(a cache only: results are the same).

The op-level casts go through one hook in ``Function.apply`` (installed only while autocast is on;
see ember/amp/_dispatch.py); the fp32 loss functions are swapped on ``ember.nn.functional`` while
an autocast region is active.
"""

import functools
import warnings

from ember import _dtype
from ember._tensor import Tensor
from ember.amp import _dispatch

# device type -> [enabled, dtype]
_STATE = {}
_DEFAULT_DTYPE = {"cpu": "bfloat16", "cuda": "float16"}
_LOWER = None  # Function classes of the lower-precision list (filled on first use)
_FP32_NAMES = ("l1_loss", "mse_loss", "huber_loss", "smooth_l1_loss", "nll_loss", "cross_entropy",
               "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
               "soft_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss",
               "multi_margin_loss", "margin_ranking_loss", "hinge_embedding_loss",
               "cosine_embedding_loss", "triplet_margin_loss", "poisson_nll_loss", "ctc_loss")
_patched = {}


def _state(device_type):
    s = _STATE.get(device_type)
    if s is None:
        import ember

        s = _STATE[device_type] = [False, getattr(ember, _DEFAULT_DTYPE.get(device_type,
                                                                             "bfloat16"))]
    return s


def is_autocast_available(device_type):
    return device_type in ("cpu", "cuda")


def is_autocast_enabled(device_type=None):
    """Whether autocast is on for ``device_type`` (no argument: 'cuda', as torch)."""
    return _state(device_type or "cuda")[0]


def get_autocast_dtype(device_type):
    return _state(device_type)[1]


def _lower_classes():
    global _LOWER
    if _LOWER is None:
        from ember._ops import conv, linalg, nn_ops

        _LOWER = frozenset([linalg.Matmul, linalg.Bmm, linalg.Addmm, linalg.Baddbmm,
                            linalg.Addbmm, nn_ops.Linear, conv.Conv, conv.ConvT])
    return _LOWER


def _eligible(t, dtype):
    return (isinstance(t, Tensor) and t.dtype.is_floating_point and t.dtype is not _dtype.float64
            and t.dtype is not dtype)


def _device_state(args):
    for a in args:
        if isinstance(a, Tensor):
            s = _STATE.get(a.device.type)
            return s if s is not None and s[0] else None
    return None


def _autocast_hook(cls, args, apply_op):
    if cls in _LOWER:
        s = _device_state(args)
        if s is not None:
            # torch's lower-precision kernels read inputs rounded to the autocast dtype,
            # accumulate in float32 and round the result once: the inputs are rounded here and
            # kept in float32 containers (so forward and backward compute in one dtype), and the
            # result is rounded to the autocast dtype.
            dtype = s[1]
            f32 = _dtype.float32
            args = tuple(a.to(dtype).to(f32) if _eligible(a, dtype) or
                         (isinstance(a, Tensor) and a.dtype is dtype) else a for a in args)
            out = apply_op(cls, args)
            if isinstance(out, Tensor) and _eligible(out, dtype):
                out = out.to(dtype)
            return out
    return apply_op(cls, args)


def _fp32_wrapper(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _device_state(list(args) + list(kwargs.values())) is not None:
            f32 = _dtype.float32
            args = tuple(a.float() if _eligible(a, f32) else a for a in args)
            kwargs = {k: (v.float() if _eligible(v, f32) else v) for k, v in kwargs.items()}
        return fn(*args, **kwargs)
    wrapper.__wrapped__ = fn
    return wrapper


def _refresh():
    """Install the hooks while any device type has autocast on; remove them otherwise."""
    on = any(s[0] for s in _STATE.values())
    from ember.nn import functional as F

    if on:
        _lower_classes()
        _dispatch.set_hook("autocast", _autocast_hook)
        if not _patched:
            for name in _FP32_NAMES:
                fn = getattr(F, name, None)
                if fn is not None:
                    _patched[name] = fn
                    setattr(F, name, _fp32_wrapper(fn))
    else:
        _dispatch.set_hook("autocast", None)
        for name, fn in _patched.items():
            setattr(F, name, fn)
        _patched.clear()


class autocast:  # noqa: N801
    """torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = _state(device_type)[1] if dtype is None else dtype
        if dtype is None and device_type in _DEFAULT_DTYPE:
            import ember

            self.fast_dtype = getattr(ember, _DEFAULT_DTYPE[device_type])
        self._cache_enabled = True if cache_enabled is None else cache_enabled
        if device_type == "cuda":
            from ember import cuda

            if enabled and not cuda.is_available():
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling "
                              "autocast.", stacklevel=2)
                enabled = False
        elif device_type == "cpu":
            ok = (_dtype.bfloat16, _dtype.float16)
            if enabled and self.fast_dtype not in ok:
                warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling "
                              "autocast.\nCPU Autocast only supports dtype of torch.bfloat16, "
                              "torch.float16 currently.", stacklevel=2)
                enabled = False
        else:
            raise RuntimeError(f"User specified an unsupported autocast device_type "
                               f"'{device_type}'")
        self._enabled = enabled

    def __enter__(self):
        s = _state(self.device)
        self.prev = s[0]
        self.prev_fastdtype = s[1]
        s[0] = self._enabled
        s[1] = self.fast_dtype
        _refresh()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        s = _state(self.device)
        s[0] = self.prev
        s[1] = self.prev_fastdtype
        _refresh()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorate_autocast


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorator for a custom Function's forward: with ``cast_inputs``, run it with autocast off
    and floating inputs cast to that dtype (when autocast is on for ``device_type``)."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        args[0]._fwd_used_autocast = is_autocast_enabled(device_type)
        args[0]._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None or not is_autocast_enabled(device_type):
            return fwd(*args, **kwargs)
        cast = [a.to(cast_inputs) if isinstance(a, Tensor) and a.dtype.is_floating_point
                and a.dtype is not _dtype.float64 else a for a in args[1:]]
        kw = {k: (v.to(cast_inputs) if isinstance(v, Tensor) and v.dtype.is_floating_point
                  and v.dtype is not _dtype.float64 else v) for k, v in kwargs.items()}
        with autocast(device_type=device_type, enabled=False):
            return fwd(args[0], *cast, **kw)
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorator for a custom Function's backward: runs with forward's autocast state."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type=device_type, enabled=getattr(ctx, "_fwd_used_autocast", False),
                      dtype=getattr(ctx, "_dtype", None)):
            return bwd(*args, **kwargs)
    return decorate_bwd
