"""nn ops: the fused forward/backward definitions behind nn.functional's hot paths
(linear, softmax, log_softmax, cross_entropy, layer_norm, batch_norm, dropout, gelu, silu) and
array-level helpers for the activations and losses that other families do not provide.

Forwards compute on backend arrays (``ctx.xp``); backwards use ember ops so they stay
differentiable. Public names live in ember.nn.functional; none are registered on ember.* here
unless torch has them at top level (softmax, log_softmax, dropout, ...).
"""

import math

from ember import _dtype
from ember import _tensor
from ember._ops._util import wrap_dim
from ember.autograd.function import Function

Tensor = _tensor.Tensor


def _name(arr):
    return _dtype.SCALAR_NAMES[_tensor.dtype_of(arr)]


# ------------------------------------------------------------------------------ linear
class Linear(Function):
    # why: one GEMM (+ bias) forward and two GEMMs backward, no transpose/view nodes per call
    node_name = "AddmmBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, w, b):
        if x.dtype != w.dtype or (b is not None and b.dtype != x.dtype):
            other = w if x.dtype != w.dtype else b
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_name(x)} and "
                               f"{_name(other)}")
        if x.ndim == 0 or w.ndim != 2 and w.ndim != 1:
            raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                               f"{x.ndim}D and {w.ndim}D")
        if x.shape[-1] != w.shape[-1]:
            rows = 1
            for s in x.shape[:-1]:
                rows *= s
            wt = "x".join(map(str, w.shape[::-1]))
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x"
                               f"{x.shape[-1]} and {wt})")
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None,
                              w if ctx.needs_input_grad[0] else None)
        ctx.w2d = w.ndim == 2
        out = x @ w.T
        if b is not None:
            out += b
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = g @ w if ctx.w2d else g.unsqueeze(-1) * w
        if ctx.needs_input_grad[1]:
            if ctx.w2d:
                g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
                x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
                gw = g2.t() @ x2 if x.ndim > 1 else g.unsqueeze(-1) * x
            else:
                gw = (g.unsqueeze(-1) * x).reshape(-1, x.shape[-1]).sum(0)
        if ctx.needs_input_grad[2]:
            gb = g.reshape(-1, g.shape[-1]).sum(0) if g.ndim > 1 else g
        return gx, gw, gb


def linear(input, weight, bias=None):
    return Linear.apply(input, weight, bias)
