"""The update rules of the optimizers, as plain functions over lists of tensors.

Each function takes the parameters, their gradients and the optimizer's state tensors (lists in
matching order) plus the hyperparameters as keywords, and updates parameters and state in place.
The math runs on the backend arrays (``t._data``: NumPy or CuPy) with whole-array in-place ops and
``out=`` buffers; the order of floating-point operations follows torch's single-tensor kernels so
float32 results agree to rounding.
"""

import math

from ember._backend import array_module

__all__ = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "radam",
           "asgd", "rprop", "sparse_adam"]


def _real(a):
    """A complex array as its interleaved real view (torch.view_as_real); others unchanged."""
    if a.dtype.kind == "c":
        return a.view(a.real.dtype)
    return a


def _grad(p, g, maximize, weight_decay):
    """The effective gradient array: negated when maximizing, plus L2 weight decay."""
    ga = _real(g._data)
    if maximize:
        ga = -ga
    if weight_decay != 0:
        ga = ga + weight_decay * _real(p._data)
    return ga


def _lerp_(m, g, weight, tmp):
    """m.lerp_(g, weight) with torch's two-sided formula; tmp is scratch of m's shape."""
    # NB: torch picks the form by weight so both ends stay exact
    if weight < 0.5:
        _sub(g, m, tmp)
        tmp *= weight
        m += tmp
    else:
        _sub(g, m, tmp)
        tmp *= 1 - weight
        _sub(g, tmp, m)


def _sub(a, b, out):
    # ndarray.__sub__ cannot take out=; both NumPy and CuPy arrays have the ufunc via type
    return _xp(a).subtract(a, b, out=out)


def _xp(a):
    return array_module(a)


def _addcmul_(v, a, b, value, tmp):
    """v += value * a * b (torch's order: (value*a)*b), using tmp as scratch."""
    xp = _xp(v)
    xp.multiply(a, value, out=tmp)
    tmp *= b
    v += tmp


def _step(step_t):
    """Increment a 0-dim step tensor in place and return its value as a Python float."""
    step_t._data += 1
    return float(step_t._data)


def sgd(params, d_p_list, momentum_buffer_list, *, weight_decay, momentum, lr, dampening,
        nesterov, maximize, foreach=None, fused=None, has_sparse_grad=False, grad_scale=None,
        found_inf=None):
    """SGD with optional momentum (heavy-ball or Nesterov), dampening and weight decay."""
    from ember._tensor import make

    for i, p in enumerate(params):
        pa = _real(p._data)
        xp = _xp(pa)
        g = _grad(p, d_p_list[i], maximize, weight_decay)
        if momentum != 0:
            buf = momentum_buffer_list[i]
            if buf is None:
                buf_a = g.copy()
                momentum_buffer_list[i] = make(buf_a, p._device) if pa is p._data else \
                    make(buf_a.view(p._data.dtype), p._device)
            else:
                buf_a = _real(buf._data)
                buf_a *= momentum
                if dampening == 0:
                    buf_a += g
                else:
                    buf_a += (1 - dampening) * g
            if nesterov:
                g = g + momentum * buf_a
            else:
                g = buf_a
        upd = xp.multiply(g, -lr)
        pa += upd
        p._version[0] += 1


def adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, *, amsgrad,
         beta1, beta2, lr, weight_decay, eps, maximize, decoupled_weight_decay=False,
         foreach=None, capturable=False, differentiable=False, fused=None, grad_scale=None,
         found_inf=None, has_complex=False):
    """Adam (and AdamW when decoupled_weight_decay): bias-corrected moment estimates."""
    for i, p in enumerate(params):
        pa = _real(p._data)
        xp = _xp(pa)
        step = _step(state_steps[i])
        if weight_decay != 0 and decoupled_weight_decay:
            pa *= 1 - lr * weight_decay
            g = _grad(p, grads[i], maximize, 0)
        else:
            g = _grad(p, grads[i], maximize, weight_decay)
        m = _real(exp_avgs[i]._data)
        v = _real(exp_avg_sqs[i]._data)
        tmp = xp.empty_like(pa)
        _lerp_(m, g, 1 - beta1, tmp)
        v *= beta2
        _addcmul_(v, g, g, 1 - beta2, tmp)
        step_size = lr / (1 - beta1 ** step)
        bc2_sqrt = (1 - beta2 ** step) ** 0.5
        if amsgrad:
            vmax = _real(max_exp_avg_sqs[i]._data)
            xp.maximum(vmax, v, out=vmax)
            xp.sqrt(vmax, out=tmp)
        else:
            xp.sqrt(v, out=tmp)
        tmp /= bc2_sqrt
        tmp += eps
        upd = xp.multiply(m, -step_size)
        upd /= tmp
        pa += upd
        p._version[0] += 1


def adamw(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, **kwargs):
    """AdamW: Adam with decoupled weight decay."""
    kwargs["decoupled_weight_decay"] = True
    adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, **kwargs)


def rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list, state_steps, *, lr,
            alpha, eps, weight_decay, momentum, centered, maximize, foreach=None,
            capturable=False, differentiable=False, has_complex=False):
    """RMSprop, optionally centered and with momentum."""
    for i, p in enumerate(params):
        pa = _real(p._data)
        xp = _xp(pa)
        _step(state_steps[i])
        g = _grad(p, grads[i], maximize, weight_decay)
        sq = _real(square_avgs[i]._data)
        tmp = xp.empty_like(pa)
        sq *= alpha
        _addcmul_(sq, g, g, 1 - alpha, tmp)
        if centered:
            ga = _real(grad_avgs[i]._data)
            _lerp_(ga, g, 1 - alpha, tmp)
            avg = xp.multiply(ga, -1)
            avg *= ga
            avg += sq
            xp.sqrt(avg, out=avg)
        else:
            avg = xp.sqrt(sq)
        avg += eps
        if momentum > 0:
            buf = _real(momentum_buffer_list[i]._data)
            buf *= momentum
            xp.divide(g, avg, out=tmp)
            buf += tmp
            xp.multiply(buf, -lr, out=tmp)
            pa += tmp
        else:
            xp.multiply(g, -lr, out=tmp)
            tmp /= avg
            pa += tmp
        p._version[0] += 1


def adagrad(params, grads, state_sums, state_steps, *, lr, weight_decay, lr_decay, eps,
            maximize, foreach=None, fused=None, has_sparse_grad=False, differentiable=False,
            has_complex=False, grad_scale=None, found_inf=None):
    """Adagrad: per-coordinate steps scaled by the root of the summed squared gradients."""
    for i, p in enumerate(params):
        pa = _real(p._data)
        xp = _xp(pa)
        step = _step(state_steps[i])
        g = _grad(p, grads[i], maximize, weight_decay)
        clr = lr / (1 + (step - 1) * lr_decay)
        s = _real(state_sums[i]._data)
        tmp = xp.multiply(g, g)
        s += tmp
        std = xp.sqrt(s)
        std += eps
        xp.multiply(g, -clr, out=tmp)
        tmp /= std
        pa += tmp
        p._version[0] += 1


def adadelta(params, grads, square_avgs, acc_deltas, state_steps, *, lr, rho, eps,
             weight_decay, maximize, foreach=None, capturable=False, differentiable=False,
             has_complex=False):
    """Adadelta: step sizes from running averages of squared gradients and updates."""
    for i, p in enumerate(params):
        pa = _real(p._data)
        xp = _xp(pa)
        _step(state_steps[i])
        g = _grad(p, grads[i], maximize, weight_decay)
        sq = _real(square_avgs[i]._data)
        acc = _real(acc_deltas[i]._data)
        tmp = xp.empty_like(pa)
        sq *= rho
        _addcmul_(sq, g, g, 1 - rho, tmp)
        std = sq + eps
        xp.sqrt(std, out=std)
        delta = acc + eps
        xp.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        acc *= rho
        _addcmul_(acc, delta, delta, 1 - rho, tmp)
        xp.multiply(delta, -lr, out=tmp)
        pa += tmp
        p._version[0] += 1


def adamax(params, grads, exp_avgs, exp_infs, state_steps, *, eps, beta1, beta2, lr,
           weight_decay, maximize, foreach=None, capturable=False, differentiable=False,
           has_complex=False):
    """Adamax: Adam with the infinity norm in place of the second moment."""
    for i, p in enumerate(params):
        pa = _real(p._data)
        xp = _xp(pa)
        step = _step(state_steps[i])
        g = _grad(p, grads[i], maximize, weight_decay)
        m = _real(exp_avgs[i]._data)
        u = _real(exp_infs[i]._data)
        tmp = xp.empty_like(pa)
        _lerp_(m, g, 1 - beta1, tmp)
        u *= beta2
        xp.abs(g, out=tmp)
        tmp += eps
        xp.maximum(u, tmp, out=u)
        clr = lr / (1 - beta1 ** step)
        xp.multiply(m, -clr, out=tmp)
        tmp /= u
        pa += tmp
        p._version[0] += 1


def nadam(params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps, *, beta1, beta2, lr,
          weight_decay, momentum_decay, eps, decoupled_weight_decay=False, maximize=False,
          foreach=None, capturable=False, differentiable=False, has_complex=False):
    """NAdam: Adam with Nesterov momentum and a momentum-decay schedule."""
    for i, p in enumerate(params):
        pa = _real(p._data)
        xp = _xp(pa)
        step = _step(state_steps[i])
        bc2 = 1 - beta2 ** step
        if weight_decay != 0 and decoupled_weight_decay:
            pa *= 1 - lr * weight_decay
            g = _grad(p, grads[i], maximize, 0)
        else:
            g = _grad(p, grads[i], maximize, weight_decay)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mp = mu_products[i]._data
        mp *= mu
        m = _real(exp_avgs[i]._data)
        v = _real(exp_avg_sqs[i]._data)
        tmp = xp.empty_like(pa)
        _lerp_(m, g, 1 - beta1, tmp)
        v *= beta2
        _addcmul_(v, g, g, 1 - beta2, tmp)
        denom = xp.divide(v, bc2)
        xp.sqrt(denom, out=denom)
        denom += eps
        mu_product = float(mp)
        mu_product_next = mu_product * mu_next
        xp.multiply(g, -lr * (1.0 - mu) / (1.0 - mu_product), out=tmp)
        tmp /= denom
        pa += tmp
        xp.multiply(m, (-lr * mu_next) / (1.0 - mu_product_next), out=tmp)
        tmp /= denom
        pa += tmp
        p._version[0] += 1


def radam(params, grads, exp_avgs, exp_avg_sqs, state_steps, *, beta1, beta2, lr, weight_decay,
          eps, decoupled_weight_decay=False, maximize=False, foreach=None, capturable=False,
          differentiable=False, has_complex=False):
    """RAdam: Adam with a rectified adaptive learning rate."""
    for i, p in enumerate(params):
        pa = _real(p._data)
        xp = _xp(pa)
        step = _step(state_steps[i])
        if weight_decay != 0 and decoupled_weight_decay:
            pa *= 1 - lr * weight_decay
            g = _grad(p, grads[i], maximize, 0)
        else:
            g = _grad(p, grads[i], maximize, weight_decay)
        m = _real(exp_avgs[i]._data)
        v = _real(exp_avg_sqs[i]._data)
        tmp = xp.empty_like(pa)
        _lerp_(m, g, 1 - beta1, tmp)
        v *= beta2
        _addcmul_(v, g, g, 1 - beta2, tmp)
        bc1 = 1 - beta1 ** step
        bc2 = 1 - beta2 ** step
        upd = xp.divide(m, bc1)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
        upd *= lr
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            xp.sqrt(v, out=tmp)
            tmp += eps
            xp.divide(bc2 ** 0.5, tmp, out=tmp)
            upd *= tmp
            upd *= rect
        pa -= upd
        p._version[0] += 1


def asgd(params, grads, axs, mus, etas, state_steps, *, lambd, lr, t0, alpha, weight_decay,
         maximize, foreach=None, capturable=False, differentiable=False, has_complex=False):
    """Averaged SGD: SGD with a decaying step and a running average of the iterates."""
    for i, p in enumerate(params):
        pa = _real(p._data)
        xp = _xp(pa)
        step_t = state_steps[i]
        step_t._data += 1
        g = _grad(p, grads[i], maximize, weight_decay)
        eta = etas[i]._data
        mu = mus[i]._data
        eta_value = float(eta)
        pa *= 1 - lambd * eta_value
        pa += xp.multiply(g, -eta_value)
        ax = _real(axs[i]._data)
        if float(mu) != 1:
            tmp = xp.subtract(pa, ax)
            tmp *= mu
            ax += tmp
        else:
            ax[...] = pa
        step = float(step_t._data)
        eta[...] = lr / ((1 + lambd * lr * step) ** alpha)
        mu[...] = 1 / max(1, step - t0)
        p._version[0] += 1


def rprop(params, grads, prevs, step_sizes, state_steps, *, step_size_min, step_size_max,
          etaminus, etaplus, maximize, foreach=None, capturable=False, differentiable=False,
          has_complex=False):
    """Rprop: per-coordinate step sizes grown or shrunk by the sign agreement of gradients."""
    for i, p in enumerate(params):
        pa = _real(p._data)
        xp = _xp(pa)
        _step(state_steps[i])
        g = _grad(p, grads[i], maximize, 0)
        prev = _real(prevs[i]._data)
        ss = _real(step_sizes[i]._data)
        s = xp.multiply(g, prev)
        factor = xp.ones_like(s)
        shrink = s < 0
        factor[s > 0] = etaplus
        factor[shrink] = etaminus
        ss *= factor
        xp.clip(ss, step_size_min, step_size_max, out=ss)
        g = xp.where(shrink, 0, g).astype(pa.dtype, copy=False)
        upd = xp.sign(g)
        upd *= -1
        upd *= ss
        pa += upd
        prev[...] = g
        p._version[0] += 1


def sparse_adam(params, grads, exp_avgs, exp_avg_sqs, state_steps, *, eps, beta1, beta2, lr,
                maximize):
    """SparseAdam on dense gradients: Adam restricted to the coordinates with nonzero grads."""
    for i, p in enumerate(params):
        pa = p._data
        xp = _xp(pa)
        state_steps[i] += 1
        step = state_steps[i]
        g = grads[i]._data
        if maximize:
            g = -g
        mask = g != 0
        m = exp_avgs[i]._data
        v = exp_avg_sqs[i]._data
        gm = g[mask]
        m_old = m[mask]
        m[mask] = m_old + (gm - m_old) * (1 - beta1)
        v_old = v[mask]
        v[mask] = v_old + (gm * gm - v_old) * (1 - beta2)
        bc1 = 1 - beta1 ** step
        bc2 = 1 - beta2 ** step
        step_size = lr * math.sqrt(bc2) / bc1
        denom = xp.sqrt(v[mask]) + eps
        pa[mask] += -step_size * m[mask] / denom
        p._version[0] += 1
