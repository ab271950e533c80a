"""Recurrent cell steps: fused pointwise parts of the LSTM, GRU and Elman RNN cells, and the
layer loop shared by nn.RNN/LSTM/GRU (padded or packed input, both directions).

A step is: gates = (x W_ih^T + b, precomputed for all steps in ONE GEMM) + h W_hh^T (one GEMM
per step), then one fused pointwise Function for the activations and the state update.
"""

from ember import _tensor
from ember._ops import joining
from ember.autograd.function import Function
from ember.autograd.function import once_differentiable

Tensor = _tensor.Tensor


def _sigmoid(xp, x):
    return 0.5 * (xp.tanh(0.5 * x) + 1.0)


def _arr(g, like, xp):
    return xp.zeros_like(like) if g is None else g._data


def _grad_mode():
    """True inside a backward run with create_graph=True (the engine enables grad then)."""
    from ember.autograd.grad_mode import _GradState

    return _GradState.enabled


def _split(t, n):
    hs = t.shape[-1] // n
    return [t.narrow(-1, k * hs, hs) for k in range(n)]


# why: one pass over the 4H gates instead of ~12 small autograd ops per step (LSTM hot loop).
class LSTMPointwise(Function):
    node_name = "LSTMCellBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, gates, c):
        xp = ctx.xp
        hs = c.shape[-1]
        act = xp.empty_like(gates)
        act[..., :2 * hs] = _sigmoid(xp, gates[..., :2 * hs])
        act[..., 2 * hs:3 * hs] = xp.tanh(gates[..., 2 * hs:3 * hs])
        act[..., 3 * hs:] = _sigmoid(xp, gates[..., 3 * hs:])
        i, f, g, o = (act[..., k * hs:(k + 1) * hs] for k in range(4))
        c2 = f * c + i * g
        tc = xp.tanh(c2)
        ctx.save_for_backward(act, c, tc, gates)
        return o * tc, c2

    @staticmethod
    def backward(ctx, dh, dc2):
        if not _grad_mode():
            return LSTMPointwise._backward_arrays(ctx, dh, dc2)
        # create_graph: the same step with ember ops, from the saved gates
        _, c, _, gates = ctx.saved_tensors
        gi, gf, gg, go = _split(gates, 4)
        i, f, g, o = gi.sigmoid(), gf.sigmoid(), gg.tanh(), go.sigmoid()
        tc = (f * c + i * g).tanh()
        dh = c.new_zeros(c.shape) if dh is None else dh
        dct = dh * o * (1 - tc * tc)
        if dc2 is not None:
            dct = dct + dc2
        dgates = joining.cat([dct * g * i * (1 - i), dct * c * f * (1 - f),
                              dct * i * (1 - g * g), dh * tc * o * (1 - o)], -1)
        return dgates, dct * f

    @staticmethod
    @once_differentiable
    def _backward_arrays(ctx, dh, dc2):
        act, c, tc, _ = (t._data for t in ctx.saved_tensors)
        xp = ctx.xp
        hs = c.shape[-1]
        i, f, g, o = (act[..., k * hs:(k + 1) * hs] for k in range(4))
        dh = _arr(dh, c, xp)
        dct = _arr(dc2, c, xp) + dh * o * (1 - tc * tc)
        dgates = xp.empty_like(act)
        dgates[..., :hs] = dct * g * i * (1 - i)
        dgates[..., hs:2 * hs] = dct * c * f * (1 - f)
        dgates[..., 2 * hs:3 * hs] = dct * i * (1 - g * g)
        dgates[..., 3 * hs:] = dh * tc * o * (1 - o)
        return dgates, dct * f


# why: the GRU update fused (r, z, n and the blend) in one pass, backward in one pass.
class GRUPointwise(Function):
    node_name = "GRUCellBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, gx, gh, h):
        xp = ctx.xp
        hs = h.shape[-1]
        rz = _sigmoid(xp, gx[..., :2 * hs] + gh[..., :2 * hs])
        r, z = rz[..., :hs], rz[..., hs:]
        hn = gh[..., 2 * hs:]
        n = xp.tanh(gx[..., 2 * hs:] + r * hn)
        ctx.save_for_backward(rz, n, hn, h, gx, gh)
        return n + z * (h - n)

    @staticmethod
    def backward(ctx, dh2):
        if not _grad_mode():
            return GRUPointwise._backward_arrays(ctx, dh2)
        # create_graph: the same step with ember ops, from the saved gate inputs
        _, _, _, h, gx, gh = ctx.saved_tensors
        xr, xz, xn = _split(gx, 3)
        hr, hz, hn = _split(gh, 3)
        r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
        n = (xn + r * hn).tanh()
        dn = dh2 * (1 - z) * (1 - n * n)
        dr = dn * hn * r * (1 - r)
        dz = dh2 * (h - n) * z * (1 - z)
        return (joining.cat([dr, dz, dn], -1), joining.cat([dr, dz, dn * r], -1), dh2 * z)

    @staticmethod
    @once_differentiable
    def _backward_arrays(ctx, dh2):
        rz, n, hn, h, _, _ = (t._data for t in ctx.saved_tensors)
        xp = ctx.xp
        hs = h.shape[-1]
        r, z = rz[..., :hs], rz[..., hs:]
        g = dh2._data
        dn = g * (1 - z) * (1 - n * n)
        dr = dn * hn * r * (1 - r)
        dz = g * (h - n) * z * (1 - z)
        dgx = xp.concatenate([dr, dz, dn], axis=-1)
        dgh = xp.concatenate([dr, dz, dn * r], axis=-1)
        return dgx, dgh, g * z


class RNNTanh(Function):
    node_name = "TanhBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, pre):
        h = ctx.xp.tanh(pre)
        ctx.save_for_backward(h)
        return h

    @staticmethod
    def backward(ctx, g):
        (h,) = ctx.saved_tensors
        return g * (1 - h * h)


class RNNRelu(Function):
    node_name = "ReluBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, pre):
        h = ctx.xp.maximum(pre, 0)
        ctx.save_for_backward(h)
        return h

    @staticmethod
    def backward(ctx, g):
        (h,) = ctx.saved_tensors
        return g * (h > 0).to(g.dtype)


def _mm_t(x, w):
    return x @ w.t()


# ----------------------------------------------------------------------------- cell steps
def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr=None, xw=None):
    """One LSTM step; xw (precomputed x W_ih^T + biases) skips the input GEMM."""
    if xw is None:
        xw = _mm_t(x, w_ih)
        if b_ih is not None:
            xw = xw + (b_ih + b_hh)
    h2, c2 = LSTMPointwise.apply(xw + _mm_t(h, w_hh), c)
    if w_hr is not None:
        h2 = _mm_t(h2, w_hr)
    return h2, c2


def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh, xw=None):
    if xw is None:
        xw = _mm_t(x, w_ih)
        if b_ih is not None:
            xw = xw + b_ih
    gh = _mm_t(h, w_hh)
    if b_hh is not None:
        gh = gh + b_hh
    return GRUPointwise.apply(xw, gh, h)


def rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh, relu=False, xw=None):
    if xw is None:
        xw = _mm_t(x, w_ih)
        if b_ih is not None:
            xw = xw + (b_ih + b_hh)
    pre = xw + _mm_t(h, w_hh)
    return RNNRelu.apply(pre) if relu else RNNTanh.apply(pre)


# ----------------------------------------------------------------------------- layer loop
def run_direction(mode, xw_steps, batch_sizes, h0, c0, weights, reverse, relu=False):
    """Run one layer in one direction.

    xw_steps: per time step, the precomputed input projection (bs_t, G) with bs_t =
    batch_sizes[t] non-increasing (packed layout; padded input has them all equal).
    Returns (outputs per step, h_n, c_n) with h_n/c_n over the full batch.
    """
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    steps = len(xw_steps)
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    outs = [None] * steps
    full = batch_sizes[0] if steps else h0.shape[0]
    h, c = h0, c0
    done_h, done_c = [], []  # forward: finished rows, collected from the bottom up
    cur = full if not reverse else (batch_sizes[-1] if steps else full)
    if reverse:
        h = h0[:cur]
        c = c0[:cur] if c0 is not None else None
    for t in order:
        bs = batch_sizes[t]
        if not reverse and bs < cur:
            done_h.append(h[bs:cur])
            h = h[:bs]
            if c is not None:
                done_c.append(c[bs:cur])
                c = c[:bs]
            cur = bs
        elif reverse and bs > cur:
            h = joining.cat([h, h0[cur:bs]], 0)
            if c is not None:
                c = joining.cat([c, c0[cur:bs]], 0)
            cur = bs
        xw = xw_steps[t]
        if mode == "LSTM":
            h, c = lstm_cell(None, h, c, None, w_hh, None, None, w_hr, xw=xw)
        elif mode == "GRU":
            h = gru_cell(None, h, None, w_hh, None, b_hh, xw=xw)
        else:
            h = rnn_cell(None, h, None, w_hh, None, None, relu, xw=xw)
        outs[t] = h
    if not reverse and done_h:
        h = joining.cat([h] + done_h[::-1], 0)
        if c is not None:
            c = joining.cat([c] + done_c[::-1], 0)
    return outs, h, c


# ----------------------------------------------------------------------------- fused LSTM layer
def _gate_scale(xp, hs, dtype):
    """s with sigmoid(x) = tanh(s x) s + (1 - s) on the i, f, o gates and tanh on g (s = 1)."""
    s = xp.full((4 * hs,), 0.5, dtype=dtype)
    s[2 * hs:3 * hs] = 1.0
    return s


# why: a 2-layer LSTM over 50 steps was ~600 autograd nodes per direction-layer (GEMM, add,
# pointwise per step), and Python overhead, not arithmetic, dominated (lstm_step 3.2-3.7x torch).
# One node per layer and direction: the time loop runs on arrays in forward, and backward through
# time is one loop on arrays plus one GEMM for the recurrent weight gradient.
class LSTMLayer(Function):
    node_name = "LSTMBackward0"
    _array_io = True

    @staticmethod
    def forward(ctx, xw, h0, c0, w_hh, reverse):
        """xw: (T, B, 4H) input projections with both biases; h0, c0: (B, H); w_hh: (4H, H).
        Returns out (T, B, H), h_n, c_n."""
        from ember._ops import _blas

        xp = ctx.xp
        steps, batch, g4 = xw.shape
        hs = g4 // 4
        dtype = xw.dtype
        s = _gate_scale(xp, hs, dtype)
        s1 = 1.0 - s
        # all four activations as one tanh: act = tanh(s * pre) * s + (1 - s); the scale s is
        # folded into the input projections (one pass for all steps) and the recurrent weights
        whs = (w_hh * s[:, None]).T
        acts = xp.multiply(xw, s)
        cs = xp.empty((steps + 1, batch, hs), dtype)  # cs[k]: the cell state before step k
        tcs = xp.empty((steps, batch, hs), dtype)
        out = xp.empty((steps, batch, hs), dtype)
        ig = xp.empty((batch, hs), dtype)
        cs[0] = c0
        h = h0
        mul, add, tanh, matmul = xp.multiply, xp.add, xp.tanh, _blas.matmul
        for k in range(steps):
            t = steps - 1 - k if reverse else k
            a = acts[t]
            a += matmul(xp, h, whs)
            tanh(a, out=a)
            mul(a, s, out=a)
            add(a, s1, out=a)
            c = cs[k + 1]
            mul(a[:, hs:2 * hs], cs[k], out=c)
            mul(a[:, :hs], a[:, 2 * hs:3 * hs], out=ig)
            c += ig
            tc = tcs[t]
            tanh(c, out=tc)
            h = out[t]
            mul(a[:, 3 * hs:], tc, out=h)
        ctx.reverse = reverse
        ctx.save_for_backward(xw, h0, c0, w_hh, out, acts, cs, tcs)
        return out, h.copy(), cs[steps].copy()

    @staticmethod
    def backward(ctx, dout, dhn, dcn):
        if _grad_mode():
            return LSTMLayer._backward_graph(ctx, dout, dhn, dcn)
        return LSTMLayer._backward_arrays(ctx, dout, dhn, dcn)

    @staticmethod
    def _backward_graph(ctx, dout, dhn, dcn):
        """create_graph: recompute the layer from the saved inputs with the differentiable cell
        steps and differentiate that (create_graph=True): the twice-differentiable path."""
        from ember import autograd

        xw, h0, c0, w_hh = ctx.saved_tensors[:4]
        need = ctx.needs_input_grad
        outs, h, c = run_direction("LSTM", xw.unbind(0), [xw.shape[1]] * xw.shape[0], h0, c0,
                                   (None, w_hh, None, None, None), ctx.reverse)
        out = joining.stack(outs, 0)
        pairs = [(o, g) for o, g in ((out, dout), (h, dhn), (c, dcn)) if g is not None]
        ins = [t for t, n in zip((xw, h0, c0, w_hh), need) if n]
        grads = iter(autograd.grad([o for o, _ in pairs], ins, [g for _, g in pairs],
                                   create_graph=True, allow_unused=True))
        return tuple(next(grads) if n else None for n in need[:4]) + (None,)

    @staticmethod
    @once_differentiable
    def _backward_arrays(ctx, dout, dhn, dcn):
        from ember._ops import _blas

        xw, h0, c0, w_hh, out, acts, cs, tcs = (t._data for t in ctx.saved_tensors)
        xp = ctx.xp
        reverse = ctx.reverse
        steps, batch, g4 = acts.shape
        hs = g4 // 4
        s = _gate_scale(xp, hs, acts.dtype)
        # everything that does not depend on the incoming gradient, for all steps at once:
        # the activations' derivatives (s^2 (1 - tanh^2) = s^2 - (act - (1 - s))^2),
        # o (1 - tanh(c)^2), and the factors [g, c_prev, i] of the i, f, g gate gradients
        deriv = acts - (1.0 - s)
        xp.multiply(deriv, deriv, out=deriv)
        xp.subtract(s * s, deriv, out=deriv)
        a4 = acts.reshape(steps, batch, 4, hs)
        q = tcs * tcs
        xp.subtract(1.0, q, out=q)
        q *= a4[:, :, 3]
        p = xp.empty((steps, batch, 3, hs), acts.dtype)
        p[:, :, 0] = a4[:, :, 2]
        p[:, :, 2] = a4[:, :, 0]
        cprev = cs[:-1] if not reverse else cs[:-1][::-1]  # the state before each time step
        p[:, :, 1] = cprev
        dh = xp.zeros_like(h0) if dhn is None else dhn._data.copy()
        dc = xp.zeros_like(c0) if dcn is None else dcn._data.copy()
        dout = None if dout is None else dout._data
        dg = xp.empty_like(acts)
        dg4 = dg.reshape(steps, batch, 4, hs)
        mul, matmul = xp.multiply, _blas.matmul
        tmp = xp.empty((batch, hs), acts.dtype)
        for k in range(steps - 1, -1, -1):
            t = steps - 1 - k if reverse else k
            if dout is not None:
                dh += dout[t]
            mul(dh, q[t], out=tmp)
            dc += tmp
            d4 = dg4[t]
            mul(dc[:, None], p[t], out=d4[:, :3])
            mul(dh, tcs[t], out=d4[:, 3])
            d = dg[t]
            d *= deriv[t]
            dh = matmul(xp, d, w_hh)
            dc *= a4[t, :, 1]
        # the recurrent weight gradient in one GEMM: sum_t dgates_t^T h_{t-1}
        dw = None
        if ctx.needs_input_grad[3]:
            if reverse:
                hprev = xp.concatenate([out[1:], h0[None]], 0)
            else:
                hprev = xp.concatenate([h0[None], out[:-1]], 0)
            dw = _blas.matmul(xp, dg.reshape(-1, g4).T, hprev.reshape(-1, hs))
        return dg, dh, dc, dw, None
