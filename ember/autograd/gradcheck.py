"""gradcheck / gradgradcheck: analytical gradients against central finite differences.

The slow mode builds both full Jacobians (numerical: perturb each input element by +-eps;
analytical: one vjp per output element) and compares them element by element; fast_mode
compares them along one random direction per input and output instead.
"""

import warnings

import numpy as np

from ember import _tensor
from ember.autograd.grad_mode import enable_grad
from ember.autograd.grad_mode import no_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a check fails."""


def _as_tuple(x):
    if isinstance(x, _tensor.Tensor):
        return (x,)
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def _diff_inputs(inputs):
    return [i for i, x in enumerate(inputs) if isinstance(x, _tensor.Tensor) and x.requires_grad]


def _outputs(func, inputs):
    out = _as_tuple(func(*inputs))
    return [o for o in out if isinstance(o, _tensor.Tensor)]


def _numerical(func, inputs, diff, outputs, eps):
    """jac[k][j]: d outputs[j] / d inputs[diff[k]], shape (input numel, output numel)."""
    jacs = []
    for i in diff:
        x = inputs[i]
        data = x._data
        n = x.numel()
        rows = [np.zeros((n, max(o.numel(), 0)), dtype=_np_dtype(o)) for o in outputs]
        for e in range(n):
            idx = np.unravel_index(e, data.shape) if data.ndim else ()
            orig = data[idx].copy()
            data[idx] = orig - eps
            with enable_grad():
                lo = [np.asarray(o.detach().__array__(), dtype=np.float64
                                 if not o.is_complex() else np.complex128).copy()
                      for o in _outputs(func, inputs)]
            data[idx] = orig + eps
            with enable_grad():
                hi = [np.asarray(o.detach().__array__(), dtype=np.float64
                                 if not o.is_complex() else np.complex128).copy()
                      for o in _outputs(func, inputs)]
            data[idx] = orig
            for j, (a, b) in enumerate(zip(lo, hi)):
                if _differentiable(outputs[j]):
                    rows[j][e] = ((b - a) / (2 * eps)).reshape(-1)
        jacs.append(rows)
    return jacs


def _np_dtype(o):
    return np.complex128 if o.is_complex() else np.float64


def _differentiable(o):
    return o.dtype.is_floating_point or o.dtype.is_complex


def _analytical(func, inputs, diff, eps):
    """Same layout as _numerical, from one vjp per output element."""
    from ember import autograd
    from ember._ops import creation

    with enable_grad():
        outputs = _outputs(func, inputs)
    jacs = [[np.zeros((inputs[i].numel(), o.numel()), dtype=_np_dtype(o)) for o in outputs]
            for i in diff]
    xs = [inputs[i] for i in diff]
    for j, o in enumerate(outputs):
        if not _differentiable(o) or not o.requires_grad:
            continue
        flat_n = o.numel()
        for e in range(flat_n):
            g = creation.zeros_like(o).reshape(-1)
            g[e] = 1
            gs = autograd.grad(o, xs, g.reshape(o.shape), retain_graph=True, allow_unused=True)
            for k, gk in enumerate(gs):
                if gk is not None:
                    jacs[k][j][:, e] = np.asarray(gk.detach().__array__()).reshape(-1)
    return outputs, jacs


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Check the gradients of `func` at `inputs` against finite differences.

    Args:
        func: a function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of arguments; Tensors with requires_grad are checked.
        eps, atol, rtol: perturbation and tolerances (|a - n| <= atol + rtol * |n|).
        raise_exception: raise GradcheckError on failure (else return False).
        fast_mode: compare along random directions instead of full Jacobians.
    Returns:
        True when all checks pass.
    """
    inputs = _as_tuple(inputs)
    diff = _diff_inputs(inputs)
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of the them have requires_grad=True.")
    for i in diff:
        x = inputs[i]
        if x.dtype.itemsize < 8 and not x.is_complex() or (x.is_complex() and x.dtype.itemsize
                                                             < 16):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ")
    if not check_backward_ad:
        return True
    outputs, analytical = _analytical(func, inputs, diff, eps)
    if not any(_differentiable(o) and o.requires_grad for o in outputs):
        # every output is independent of the inputs: the numerical Jacobian must be zero
        pass
    if fast_mode:
        return _fast_compare(func, inputs, diff, outputs, analytical, eps, atol, rtol,
                             raise_exception)
    numerical = _numerical(func, inputs, diff, outputs, eps)
    for k, i in enumerate(diff):
        for j, o in enumerate(outputs):
            if not _differentiable(o):
                continue
            a = analytical[k][j]
            n = numerical[k][j]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                return _fail(f"Jacobian mismatch for output {j} with respect to input {i},\n"
                             f"numerical:{_fmt(n)}\nanalytical:{_fmt(a)}\n", raise_exception)
    if check_grad_dtypes:
        pass
    return True


def _fast_compare(func, inputs, diff, outputs, analytical, eps, atol, rtol, raise_exception):
    rng = np.random.default_rng(0)
    numerical = _numerical(func, inputs, diff, outputs, eps)
    for k, i in enumerate(diff):
        for j, o in enumerate(outputs):
            if not _differentiable(o):
                continue
            a, n = analytical[k][j], numerical[k][j]
            u = rng.standard_normal(a.shape[0])
            v = rng.standard_normal(a.shape[1])
            av, nv = u @ a @ v, u @ n @ v
            if not np.allclose(av, nv, rtol=rtol, atol=atol):
                return _fail(f"Jacobian mismatch for output {j} with respect to input {i},\n"
                             f"numerical:{nv}\nanalytical:{av}\n", raise_exception)
    return True


def _fmt(a):
    from ember._ops import creation

    return repr(creation.tensor(a.copy()))


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives: gradcheck of the map (inputs, grad_outputs) -> vjp."""
    from ember import autograd
    from ember._ops import creation

    inputs = _as_tuple(inputs)
    diff = _diff_inputs(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        with no_grad():
            outs = _outputs(func, inputs)
        grad_outputs = tuple(
            creation.tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype,
                            device=o.device).requires_grad_(True)
            for o in outs if _differentiable(o))
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_order(*args):
        xs, gos = args[:n_in], args[n_in:]
        outs = [o for o in _outputs(func, xs) if _differentiable(o)]
        keep = [(o, g) for o, g in zip(outs, gos) if o.requires_grad]
        targets = [xs[i] for i in diff]
        if not keep:
            return tuple(creation.zeros_like(t) for t in targets)
        gs = autograd.grad([o for o, _ in keep], targets, [g for _, g in keep],
                           create_graph=True, allow_unused=True)
        return tuple(g if g is not None else creation.zeros_like(t)
                     for g, t in zip(gs, targets))

    return gradcheck(first_order, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode)
