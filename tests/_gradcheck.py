"""Finite-difference gradient checks in float64, along random directions (JAX check_grads
style): cheap enough to run for every op."""

import numpy as np

import ember


def _outputs(fn, inputs):
    out = fn(*inputs)
    if isinstance(out, ember.Tensor):
        out = (out,)
    return [o for o in out if isinstance(o, ember.Tensor) and o.dtype.is_floating_point]


def gradcheck(fn, inputs, eps=1e-6, rtol=1e-5, atol=1e-7, seed=0, second_order=False):
    """Check d(sum w*fn(inputs))/d(inputs) . v against central differences, for random w, v.

    `inputs`: float64 tensors (those with requires_grad are checked) and other arguments.
    With second_order, the same check runs on the gradient function (double backward).
    """
    rng = np.random.default_rng(seed)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, ember.Tensor) and x.requires_grad]
    assert diff, "no input requires grad"
    outs = _outputs(fn, inputs)
    weights = [ember.tensor(rng.standard_normal(o.shape)) for o in outs]

    def scalar(*args):
        return sum(((o * w).sum() for o, w in zip(_outputs(fn, args), weights)),
                   ember.tensor(0.0, dtype=ember.float64))

    _check(scalar, inputs, diff, rng, eps, rtol, atol)
    if second_order:
        def grad_fn(*args):
            grads = ember.autograd.grad(scalar(*args), [args[i] for i in diff],
                                        create_graph=True, allow_unused=True)
            return tuple(g for g in grads if g is not None)

        gradcheck(grad_fn, inputs, eps, rtol * 10, atol * 10, seed + 1)
    return True


def _check(scalar, inputs, diff, rng, eps, rtol, atol):
    value = scalar(*inputs)
    if value.requires_grad:
        grads = ember.autograd.grad(value, [inputs[i] for i in diff], allow_unused=True)
    else:  # the function does not depend on the inputs (e.g. a constant gradient)
        grads = [None] * len(diff)
    for k, i in enumerate(diff):
        x = inputs[i]
        v = rng.standard_normal(x.shape)
        analytic = 0.0 if grads[k] is None else float((grads[k].detach().numpy() * v).sum())
        base = x.detach().numpy()
        plus = list(inputs)
        plus[i] = ember.tensor(base + eps * v, requires_grad=True)
        minus = list(inputs)
        minus[i] = ember.tensor(base - eps * v, requires_grad=True)
        numeric = (scalar(*plus).item() - scalar(*minus).item()) / (2 * eps)
        assert abs(analytic - numeric) <= atol + rtol * abs(numeric), (
            f"gradient mismatch for input {i}: analytic {analytic}, numeric {numeric}")
