"""nn ops: the fused forward/backward definitions behind nn.functional's hot paths
(linear, softmax, log_softmax, cross_entropy, layer_norm, batch_norm, dropout, gelu, silu) and
array-level helpers for the activations and losses that other families do not provide.

Forwards compute on backend arrays (``ctx.xp``); backwards use ember ops so they stay
differentiable. Public names live in ember.nn.functional; none are registered on ember.* here
unless torch has them at top level (softmax, log_softmax, dropout, ...).
"""

import math

from ember import _dtype
from ember._backend import checks_values
from ember import _tensor
from ember._ops import _blas
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
        out = _blas.matmul(ctx.xp, x, w.T) if ctx.w2d else x @ w
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


def _upcast(xp, x):
    """Half-precision inputs compute in float32 (as torch's CPU kernels accumulate)."""
    if x.dtype.itemsize < 4 and x.dtype.kind == "f" or x.dtype == _dtype.bfloat16.np_dtype:
        return x.astype(xp.float32), x.dtype
    return x, None


def _down(x, dt):
    return x if dt is None else x.astype(dt)


# ------------------------------------------------------------------------------ softmax
def _softmax_arrays(xp, x, dim, log):
    """softmax / log_softmax of x along dim: max-shift, exp, sum and normalise written into one
    output array (in-place ufuncs); on NumPy, rows independent of dim are split over the
    intra-op threads (ember/_ops/_parallel.py) for big inputs."""
    out = xp.empty_like(x)

    def work(lo, hi):
        xs, o = (x, out) if lo is None else (x[lo:hi], out[lo:hi])
        xp.subtract(xs, xs.max(axis=dim, keepdims=True), out=o)
        if log:
            o -= xp.log(xp.exp(o).sum(axis=dim, keepdims=True))
        else:
            xp.exp(o, out=o)
            o /= o.sum(axis=dim, keepdims=True)

    from ember._ops import _parallel

    if type(x) is _parallel._nd and dim != 0 and x.ndim > 1:
        _parallel.rows(work, x.shape[0], x.size)
    else:
        work(None, None)
    return out


class Softmax(Function):
    # why: max-shifted exp in one pass; backward y*(g - sum(g*y)) from the saved output
    node_name = "SoftmaxBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim):
        xp = ctx.xp
        if x.ndim == 0:
            return xp.ones_like(x)
        dim = wrap_dim(dim, x.ndim)
        ctx.dim = dim
        x32, dt = _upcast(xp, x)
        y = _down(_softmax_arrays(xp, x32, dim, False), dt)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    # why: x - logsumexp(x) is stable where log(softmax(x)) underflows; backward from output
    node_name = "LogSoftmaxBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, dim):
        xp = ctx.xp
        if x.ndim == 0:
            return xp.zeros_like(x)
        dim = wrap_dim(dim, x.ndim)
        ctx.dim = dim
        x32, dt = _upcast(xp, x)
        y = _down(_softmax_arrays(xp, x32, dim, True), dt)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g - y.exp() * g.sum(ctx.dim, keepdim=True), None


# ------------------------------------------------------------------------------ gelu / silu
_SQRT_2 = math.sqrt(2.0)
_SQRT_2_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _erf(xp, x):
    from ember._ops import _special

    return _special.erf(xp, x) if hasattr(_special, "erf") else xp.vectorize(math.erf)(x)


class Gelu(Function):
    # why: one elementwise pass each way instead of ~6 composed nodes (erf / tanh forms)
    node_name = "GeluBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, approximate):
        xp = ctx.xp
        ctx.approximate = approximate
        ctx.save_for_backward(x)
        x32, dt = _upcast(xp, x)
        if approximate == "tanh":
            y = 0.5 * x32 * (1.0 + xp.tanh(_SQRT_2_PI * (x32 + 0.044715 * x32 ** 3)))
        else:
            y = 0.5 * x32 * (1.0 + _erf(xp, x32 / _SQRT_2))
        return _down(y.astype(x32.dtype, copy=False), dt)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            inner = _SQRT_2_PI * (x + 0.044715 * x * x * x)
            t = inner.tanh()
            d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_PI * (1 + 3 * 0.044715 * x * x)
        else:
            cdf = 0.5 * (1 + (x / _SQRT_2).erf())
            d = cdf + x * (-0.5 * x * x).exp() * _INV_SQRT_2PI
        return g * d, None


class Silu(Function):
    # why: x*sigmoid(x) in one pass; backward s*(1 + x*(1-s)) without a sigmoid node
    node_name = "SiluBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        ctx.save_for_backward(x)
        x32, dt = _upcast(xp, x)
        with _quiet(xp):
            y = x32 / (1.0 + xp.exp(-x32))
        return _down(y.astype(x32.dtype, copy=False), dt)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return g * s * (1 + x * (1 - s))


def _quiet(xp):
    return xp.errstate(over="ignore", invalid="ignore", divide="ignore")


# ------------------------------------------------------------------------------ dropout
class Dropout(Function):
    # why: the Bernoulli mask is drawn once and saved; backward is one multiply
    node_name = "NativeDropoutBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, p, mask):
        scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
        m = mask.astype(x.dtype) * x.dtype.type(scale)
        ctx.save_for_backward(m)
        return x * m

    @staticmethod
    def backward(ctx, g):
        (m,) = ctx.saved_tensors
        return g * m, None, None


def bernoulli_mask(x, keep, shape=None):
    """A boolean keep-mask (probability `keep`) of `shape` (default x's), on x's device."""
    from ember._backend import backend_for
    from ember._ops.random import bernoulli_host

    shape = tuple(x.shape) if shape is None else tuple(shape)
    host = bernoulli_host(shape, keep)               # torch's bernoulli_(keep) stream
    if x.device.type != "cpu":
        host = backend_for(x.device).from_host(host, x.device)
    return _tensor.make(host, x.device)


# ------------------------------------------------------------------------------ layer norm
def _once(backward):
    """First-order-only backward computed on arrays: results wrapped as Tensors so that
    once_differentiable can mark them (double backward then raises)."""
    import functools

    from ember.autograd.function import once_differentiable

    @functools.wraps(backward)
    def as_tensors(ctx, *grads):
        out = backward(ctx, *grads)
        dev = grads[0].device
        return tuple(o if o is None or isinstance(o, Tensor) else _tensor.make(o, dev)
                     for o in out)

    return once_differentiable(as_tensors)


def _grad_mode():
    """True inside a backward run with create_graph=True (the engine enables grad then)."""
    from ember.autograd.grad_mode import _GradState

    return _GradState.enabled


def _const(arr, like):
    return _tensor.make(arr, like.device)


def _normalized(x, axes, eps):
    """xhat and rstd of x over axes, with ember ops (a graph from x)."""
    xc = x - x.mean(axes, keepdim=True)
    rstd = ((xc * xc).mean(axes, keepdim=True) + eps).rsqrt()
    return xc * rstd, rstd


def _norm_grad_x(gxhat, xhat, rstd, axes):
    """d/dx of a normalization over axes, given d/dxhat (ember ops, differentiable)."""
    return rstd * (gxhat - gxhat.mean(axes, keepdim=True)
                   - xhat * (gxhat * xhat).mean(axes, keepdim=True))


class LayerNorm(Function):
    # why: mean/rstd in one pass, closed-form backward; 2-3x fewer array passes than composed
    node_name = "NativeLayerNormBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, nd, w, b, eps):
        xp = ctx.xp
        axes = tuple(range(x.ndim - nd, x.ndim))
        x32, dt = _upcast(xp, x)
        mean = x32.mean(axis=axes, keepdims=True)
        xc = x32 - mean
        var = (xc * xc).mean(axis=axes, keepdims=True)
        rstd = 1.0 / xp.sqrt(var + eps)
        xhat = xc * rstd
        y = xhat
        if w is not None:
            y = y * w
        if b is not None:
            y = y + b
        ctx.axes = axes
        ctx.eps = eps
        ctx.save_for_backward(xhat, rstd, w, x)
        return _down(y.astype(x32.dtype, copy=False), dt)

    @staticmethod
    def backward(ctx, g):
        if _grad_mode():  # create_graph: the same formulas with ember ops, from x
            _, _, w, x = ctx.saved_tensors
            axes = ctx.axes
            lead = tuple(range(x.ndim - len(axes)))
            xhat, rstd = _normalized(x, axes, ctx.eps)
            gx = gw = gb = None
            if ctx.needs_input_grad[0]:
                gx = _norm_grad_x(g * w if w is not None else g, xhat, rstd, axes)
            if ctx.needs_input_grad[2]:
                gw = (g * xhat).sum(lead) if lead else g * xhat
            if ctx.needs_input_grad[3]:
                gb = g.sum(lead) if lead else g
            return gx, None, gw, gb, None
        return LayerNorm._backward_arrays(ctx, g)

    @staticmethod
    @_once
    def _backward_arrays(ctx, g):
        xhat, rstd, w, _ = ctx.saved_tensors
        xhat, rstd = xhat._data, rstd._data
        gy = g._data.astype(xhat.dtype, copy=False)
        axes = ctx.axes
        lead = tuple(range(xhat.ndim - len(axes)))
        gx = gw = gb = None
        gxhat = gy * w._data if w is not None else gy
        if ctx.needs_input_grad[0]:
            d = 1
            for a in axes:
                d *= xhat.shape[a]
            gx = rstd * (gxhat - gxhat.mean(axis=axes, keepdims=True)
                         - xhat * (gxhat * xhat).mean(axis=axes, keepdims=True))
        if ctx.needs_input_grad[2]:
            gw = (gy * xhat).sum(axis=lead)
        if ctx.needs_input_grad[3]:
            gb = gy.sum(axis=lead)
        return gx, None, gw, gb, None


# ------------------------------------------------------------------------------ batch norm
class BatchNorm(Function):
    # why: per-channel stats in one pass, running-stat update in place, closed-form backward
    node_name = "NativeBatchNormBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, w, b, rmean, rvar, training, momentum, eps):
        xp = ctx.xp
        axes = (0,) + tuple(range(2, x.ndim))
        bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        x32, dt = _upcast(xp, x)
        if training:
            n = x.size // x.shape[1] if x.shape[1] else 0
            mean = x32.mean(axis=axes)
            xc = x32 - mean.reshape(bshape)
            var = (xc * xc).mean(axis=axes)
            if rmean is not None:
                rmean *= (1 - momentum)
                rmean += (momentum * mean).astype(rmean.dtype)
            if rvar is not None:
                unbiased = var * (n / (n - 1)) if n > 1 else var
                rvar *= (1 - momentum)
                rvar += (momentum * unbiased).astype(rvar.dtype)
        else:
            mean = rmean.astype(x32.dtype)
            var = rvar.astype(x32.dtype)
            xc = x32 - mean.reshape(bshape)
        rstd = (1.0 / xp.sqrt(var + eps)).astype(x32.dtype)
        xhat = xc * rstd.reshape(bshape)
        y = xhat
        if w is not None:
            y = y * w.reshape(bshape)
        if b is not None:
            y = y + b.reshape(bshape)
        ctx.axes = axes
        ctx.bshape = bshape
        ctx.training = training
        ctx.eps = eps
        ctx.save_for_backward(xhat, rstd, w, x, None if training else mean)
        return _down(y.astype(x32.dtype, copy=False), dt)

    @staticmethod
    def backward(ctx, g):
        if _grad_mode():  # create_graph: the same formulas with ember ops, from x
            _, rstd, w, x, mean = ctx.saved_tensors
            axes, bshape = ctx.axes, ctx.bshape
            if ctx.training:
                xhat, rstd = _normalized(x, axes, ctx.eps)
            else:  # running stats are constants
                rstd = rstd.reshape(bshape)
                xhat = (x - mean.reshape(bshape)) * rstd
            gx = gw = gb = None
            if ctx.needs_input_grad[0]:
                gxhat = g * w.reshape(bshape) if w is not None else g
                gx = _norm_grad_x(gxhat, xhat, rstd, axes) if ctx.training else gxhat * rstd
            if ctx.needs_input_grad[1]:
                gw = (g * xhat).sum(axes)
            if ctx.needs_input_grad[2]:
                gb = g.sum(axes)
            return gx, gw, gb, None, None, None, None, None
        return BatchNorm._backward_arrays(ctx, g)

    @staticmethod
    @_once
    def _backward_arrays(ctx, g):
        xhat, rstd, w, _, _ = ctx.saved_tensors
        xhat, rstd = xhat._data, rstd._data
        gy = g._data.astype(xhat.dtype, copy=False)
        axes, bshape = ctx.axes, ctx.bshape
        gx = gw = gb = None
        scale = rstd if w is None else rstd * w._data
        if ctx.needs_input_grad[0]:
            if ctx.training:
                gx = scale.reshape(bshape) * (
                    gy - gy.mean(axis=axes, keepdims=True)
                    - xhat * (gy * xhat).mean(axis=axes, keepdims=True))
            else:
                gx = gy * scale.reshape(bshape)
        if ctx.needs_input_grad[1]:
            gw = (gy * xhat).sum(axis=axes)
        if ctx.needs_input_grad[2]:
            gb = gy.sum(axis=axes)
        return gx, gw, gb, None, None, None, None, None


# ------------------------------------------------------------------------------ cross entropy
_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


class CrossEntropy(Function):
    # why: log_softmax + nll in one pass; backward softmax - target without a logp node
    node_name = "NllLossBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, x, t, w, reduction, ignore_index, smoothing):
        xp = ctx.xp
        c = x.shape[1] if x.ndim > 1 else x.shape[0]
        x32, dt = _upcast(xp, x)
        logits = xp.moveaxis(x32, 1, -1).reshape(-1, c) if x.ndim > 1 else x32.reshape(1, c)
        tf = t.reshape(-1).astype(xp.int64, copy=False)
        valid = tf != ignore_index
        ts = xp.where(valid, tf, 0)
        if checks_values(ts):  # cuda: no host sync per call (ember._backend.checks_values)
            bad = (ts < 0) | (ts >= c)
            if bad.any():
                raise IndexError(f"Target {int(tf[xp.argmax(bad)])} is out of bounds.")
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
        rows = xp.arange(tf.shape[0])
        wt = (w.astype(logp.dtype)[ts] if w is not None else xp.ones_like(logp[:, 0]))
        wt = wt * valid
        nll = -logp[rows, ts] * wt
        if smoothing > 0:
            wc = w.astype(logp.dtype) if w is not None else None
            smooth = -(logp * wc).sum(axis=1) if wc is not None else -logp.sum(axis=1)
            smooth = smooth * valid
        mode = _REDUCTIONS[reduction]
        if mode == 0:
            loss = nll if smoothing == 0 else (1 - smoothing) * nll + smoothing / c * smooth
            out = loss.reshape(t.shape)
            denom = None
        else:
            denom = wt.sum() if mode == 1 else None
            total = nll.sum() / denom if mode == 1 else nll.sum()
            if smoothing > 0:
                s = smooth.sum() / denom if mode == 1 else smooth.sum()
                total = (1 - smoothing) * total + smoothing / c * s
            out = xp.asarray(total)
        ctx.save_for_backward(logp, x)
        ctx.meta = (x.shape, c, ts, valid, wt, mode, denom, smoothing, w)
        return _down(out.astype(logp.dtype, copy=False), dt)

    @staticmethod
    def backward(ctx, g):
        if _grad_mode():
            return CrossEntropy._backward_graph(ctx, g)
        return CrossEntropy._backward_arrays(ctx, g)

    @staticmethod
    def _backward_graph(ctx, g):
        """create_graph: softmax * rowsum(A) - A with ember ops (A is linear in g)."""
        _, x = ctx.saved_tensors
        xp = ctx.xp
        shape, c, ts, valid, wt, mode, denom, smoothing, w = ctx.meta
        logits = x.movedim(1, -1).reshape(-1, c) if x.ndim > 1 else x.reshape(1, c)
        p = LogSoftmax.apply(logits, 1).exp()
        if mode == 0:
            r = g.reshape(-1)
        else:
            r = (g / _const(xp.asarray(denom, dtype=g._data.dtype), g) if mode == 1 else g
                 ).expand(wt.shape)
        onehot = xp.zeros(p.shape, dtype=g._data.dtype)
        onehot[xp.arange(ts.shape[0]), ts] = (1 - smoothing) * wt
        a = _const(onehot, g) * r.unsqueeze(1)
        if smoothing > 0:
            wc = w.astype(onehot.dtype) if w is not None else xp.ones(c, onehot.dtype)
            a = a + _const((smoothing / c) * valid[:, None] * wc[None, :], g) * r.unsqueeze(1)
        gx = p * a.sum(1, keepdim=True) - a
        if len(shape) > 1:
            gx = gx.reshape((shape[0],) + tuple(shape[2:]) + (c,)).movedim(-1, 1)
        else:
            gx = gx.reshape(shape)
        return gx, None, None, None, None, None

    @staticmethod
    @_once
    def _backward_arrays(ctx, g):
        (logp, _) = ctx.saved_tensors
        logp = logp._data
        xp = ctx.xp
        shape, c, ts, valid, wt, mode, denom, smoothing, w = ctx.meta
        gy = g._data.astype(logp.dtype, copy=False)
        if mode == 0:
            r = gy.reshape(-1)
        elif mode == 1:
            r = xp.broadcast_to(gy / denom, wt.shape)
        else:
            r = xp.broadcast_to(gy, wt.shape)
        # dL/dlogp = -A ; dL/dlogits = -A + softmax * rowsum(A)
        a = xp.zeros_like(logp)
        rows = xp.arange(ts.shape[0])
        a[rows, ts] = (1 - smoothing) * wt * r
        if smoothing > 0:
            wc = w.astype(logp.dtype) if w is not None else xp.ones(c, logp.dtype)
            a += (smoothing / c) * (r * valid)[:, None] * wc[None, :]
        gx = xp.exp(logp) * a.sum(axis=1, keepdims=True) - a
        if len(shape) > 1:
            moved = (shape[0],) + tuple(shape[2:]) + (c,)
            gx = xp.moveaxis(gx.reshape(moved), -1, 1)
        else:
            gx = gx.reshape(shape)
        return gx, None, None, None, None, None


# ------------------------------------------------------------------------------ ctc
def _lse(xp, *arrs):
    m = arrs[0]
    for a in arrs[1:]:
        m = xp.maximum(m, a)
    safe = xp.where(xp.isfinite(m), m, 0.0)
    tot = 0
    for a in arrs:
        tot = tot + xp.exp(a - safe)
    with _quiet(xp):
        return xp.log(tot) + safe


class CTCLoss(Function):
    # why: alpha/beta recursions over the label lattice; torch's gradient formula from them
    node_name = "CtcLossBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, lp, labels, in_lens, tgt_lens, blank, zero_infinity):
        xp = ctx.xp
        lp64 = lp.astype(xp.float64)
        t_max, n_batch, _ = lp64.shape
        ninf = -xp.inf
        nll = xp.zeros(n_batch)
        grad = xp.zeros_like(lp64)
        for n in range(n_batch):
            tn = int(in_lens[n])
            lab = labels[n]
            ext = xp.full(2 * len(lab) + 1, blank, dtype=xp.int64)
            ext[1::2] = lab
            s_len = ext.shape[0]
            skip = xp.zeros(s_len, dtype=bool)
            if s_len > 2:
                skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
            emit = lp64[:tn, n][:, ext]                       # (tn, S)
            alpha = xp.full((tn, s_len), ninf)
            alpha[0, 0] = emit[0, 0]
            if s_len > 1:
                alpha[0, 1] = emit[0, 1]
            for t in range(1, tn):
                prev = alpha[t - 1]
                a1 = xp.concatenate([[ninf], prev[:-1]])
                a2 = xp.where(skip, xp.concatenate([[ninf, ninf], prev[:-2]])[:s_len], ninf)
                alpha[t] = _lse(xp, prev, a1, a2) + emit[t]
            beta = xp.full((tn, s_len), ninf)
            beta[tn - 1, s_len - 1] = emit[tn - 1, s_len - 1]
            if s_len > 1:
                beta[tn - 1, s_len - 2] = emit[tn - 1, s_len - 2]
            skip_next = xp.concatenate([skip[2:], [False, False]])[:s_len]
            for t in range(tn - 2, -1, -1):
                nxt = beta[t + 1]
                b1 = xp.concatenate([nxt[1:], [ninf]])
                b2 = xp.where(skip_next, xp.concatenate([nxt[2:], [ninf, ninf]])[:s_len], ninf)
                beta[t] = _lse(xp, nxt, b1, b2) + emit[t]
            ll = _lse(xp, alpha[tn - 1, -1], alpha[tn - 1, -2]) if s_len > 1 \
                else alpha[tn - 1, -1]
            nll[n] = -ll
            ab = alpha + beta
            lcab = xp.full((tn, lp64.shape[2]), ninf)
            for s in range(s_len):
                c = int(ext[s])
                lcab[:, c] = _lse(xp, lcab[:, c], ab[:, s])
            with _quiet(xp):
                g = xp.exp(lp64[:tn, n]) - xp.exp(lcab + nll[n] - lp64[:tn, n])
            if zero_infinity and not xp.isfinite(nll[n]):
                g = xp.zeros_like(g)
            grad[:tn, n] = g
        if zero_infinity:
            nll = xp.where(xp.isfinite(nll), nll, 0.0)
        ctx.save_for_backward(grad.astype(lp.dtype))
        return nll.astype(lp.dtype)

    @staticmethod
    def backward(ctx, g):
        (grad,) = ctx.saved_tensors
        return grad * g.reshape(1, -1, 1), None, None, None, None, None  # linear in g


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction,
             zero_infinity):
    import numpy as np

    def host(v):
        if isinstance(v, Tensor):
            return np.asarray(v.detach().__array__()).astype(np.int64).reshape(-1)
        return np.asarray(v, dtype=np.int64).reshape(-1)

    batched = log_probs.ndim == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    in_lens, tgt_lens = host(input_lengths), host(target_lengths)
    tg = np.asarray(targets.detach().__array__()).astype(np.int64)
    n = lp.shape[1]
    if tg.ndim == 2:
        labels = [tg[i, :tgt_lens[i]] for i in range(n)]
    else:
        offs = np.concatenate([[0], np.cumsum(tgt_lens)])
        labels = [tg[offs[i]:offs[i + 1]] for i in range(n)]
    for i in range(n):
        if in_lens[i] > lp.shape[0]:
            raise RuntimeError(f"Expected input_lengths to have value at most {lp.shape[0]}, "
                               f"but got value {in_lens[i]} (while checking arguments for "
                               "ctc_loss_cpu)")
    nll = CTCLoss.apply(lp, labels, in_lens, tgt_lens, blank, zero_infinity)
    if reduction == "mean":
        denom = _tensor.make(np.maximum(tgt_lens, 1).astype(nll._data.dtype), nll.device)
        return (nll / denom).mean()
    if reduction == "sum":
        return nll.sum()
    return nll if batched else nll.reshape(())


# ------------------------------------------------------------------------------ public names
# torch exposes these at top level / as Tensor methods too; the definitions live in
# ember.nn.functional (imported lazily: nn imports ember).
from ember._ops._registry import register  # noqa: E402


def _F():
    from ember.nn import functional

    return functional


@register()
def softmax(input, dim, dtype=None):
    """Softmax along dim (input cast to dtype first when given)."""
    return _F().softmax(input, dim, dtype=dtype)


@register()
def log_softmax(input, dim, dtype=None):
    """log(softmax) along dim, computed stably."""
    return _F().log_softmax(input, dim, dtype=dtype)


@register(method=False)
def dropout(input, p, train):
    return _F().dropout(input, p, train)


@register(method=False)
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    return _F().layer_norm(input, normalized_shape, weight, bias, eps)


@register(method=False)
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    return _F().group_norm(input, num_groups, weight, bias, eps)


@register(method=False)
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    return _F().embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                          scale_grad_by_freq=scale_grad_by_freq)


@register(method=False)
def pdist(input, p=2):
    return _F().pdist(input, p)


@register(method=False)
def pixel_shuffle(input, upscale_factor):
    return _F().pixel_shuffle(input, upscale_factor)


@register(method=False)
def pixel_unshuffle(input, downscale_factor):
    return _F().pixel_unshuffle(input, downscale_factor)


@register(method=False)
def channel_shuffle(input, groups):
    return _F().channel_shuffle(input, groups)


@register()
def prelu(input, weight):
    return _F().prelu(input, weight)


@register(method=False)
def selu(input):
    return _F().selu(input)


@register(method=False)
def celu(input, alpha=1.0):
    return _F().celu(input, alpha)


@register()
def hardshrink(input, lambd=0.5):
    return _F().hardshrink(input, lambd)


@register(method=False)
def bilinear(input1, input2, weight, bias=None):
    return _F().bilinear(input1, input2, weight, bias)
