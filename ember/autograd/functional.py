"""autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp of Python functions of tensors.

All are built on reverse mode (``autograd.grad``). ``jvp`` and ``hvp`` use the double-backward
("vjp of a vjp") trick: the vjp is linear in its cotangent ``u``, so differentiating it with
respect to ``u`` along ``v`` gives J v. ``vectorize=True`` is accepted and falls back to a loop.
"""

from ember import _tensor
from ember.autograd.grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(x, arg_name, fn_name):
    single = isinstance(x, _tensor.Tensor)
    if single:
        x = (x,)
    if not isinstance(x, tuple):
        if isinstance(x, list):
            x = tuple(x)
        else:
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the given {arg_name} has type {type(x)}.")
    for i, e in enumerate(x):
        if not isinstance(e, _tensor.Tensor):
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the value at index {i} has type "
                            f"{type(e)}.")
    return not single, x


def _prep(inputs, create_graph):
    """Fresh differentiable copies of the inputs (keeping their history when create_graph)."""
    out = []
    for x in inputs:
        if create_graph and x.requires_grad:
            out.append(x.view_as(x))
        else:
            out.append(x.detach().requires_grad_(True))
    return tuple(out)


def _post(xs, create_graph, is_tuple):
    res = tuple(x if x is None or create_graph else x.detach() for x in xs)
    return res if is_tuple else res[0]


def _grads(outputs, inputs, grad_outputs, create_graph, strict, retain=True, what="output"):
    from ember import autograd
    from ember._ops import creation

    outs = [o for o in outputs if o.requires_grad]
    gos = [g for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if outs:
        res = autograd.grad(outs, inputs, gos, retain_graph=retain, create_graph=create_graph,
                            allow_unused=True)
    else:
        res = (None,) * len(inputs)
    final = []
    for i, (r, x) in enumerate(zip(res, inputs)):
        if r is None:
            if strict:
                raise RuntimeError(f"The {what} of the user-provided function is independent of "
                                   f"input {i}. This is not allowed in strict mode.")
            r = creation.zeros_like(x)
        elif strict and create_graph and not r.requires_grad:
            raise RuntimeError("The jacobian of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")
        final.append(r)
    return tuple(final)


def _check_v(v, outputs, name):
    if len(v) != len(outputs):
        raise RuntimeError(f"The given v should contain a single Tensor." if len(outputs) == 1
                           else f"v is a tuple of invalid length: should be {len(outputs)} but "
                           f"got {len(v)}.")
    for i, (a, o) in enumerate(zip(v, outputs)):
        if a.shape != o.shape:
            raise RuntimeError(f"Entry {i} in v has invalid size: should be {o.shape} but got "
                               f"{a.shape}.")


def _default_v(v, outputs, fn_name):
    if v is None:
        if len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError(f"The vector v can only be None if the user-provided function "
                               f"returns a single Tensor with a single element.")
        from ember._ops import creation

        return (creation.ones_like(outputs[0]),)
    return v


def _call(func, inputs, fn_name):
    out = func(*inputs)
    is_tuple, out = _as_tuple(out, "outputs of the user-provided function", fn_name)
    return is_tuple, out


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product at `inputs`."""
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prep(inputs, create_graph)
        out_tuple, outputs = _call(func, inputs, "vjp")
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            _check_v(v, outputs, "vjp")
        else:
            v = _default_v(v, outputs, "vjp")
        res = _grads(outputs, inputs, v, create_graph, strict)
    return _post(outputs, create_graph, out_tuple), _post(res, create_graph, in_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by the double-backward trick."""
    from ember import autograd
    from ember._ops import creation

    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prep(inputs, create_graph)
        if v is None:
            if len(inputs) != 1 or inputs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the "
                                   "user-provided function is a single Tensor with a single "
                                   "element.")
            v = (creation.ones_like(inputs[0]),)
        else:
            _, v = _as_tuple(v, "v", "jvp")
            _check_v(v, inputs, "jvp")
        out_tuple, outputs = _call(func, inputs, "jvp")
        us = tuple(creation.zeros_like(o).requires_grad_(True) for o in outputs)
        g = _grads(outputs, inputs, us, True, strict)
        keep = [(gi, vi) for gi, vi in zip(g, v) if gi.requires_grad]
        if keep:
            res = autograd.grad([a for a, _ in keep], us, [b for _, b in keep],
                                create_graph=create_graph, allow_unused=True)
        else:
            res = (None,) * len(us)
        final = []
        for i, (r, o) in enumerate(zip(res, outputs)):
            if r is None:
                if strict:
                    raise RuntimeError(f"The output of the user-provided function is "
                                       f"independent of input {i}. This is not allowed in "
                                       "strict mode.")
                r = creation.zeros_like(o)
            final.append(r)
    return _post(outputs, create_graph, out_tuple), _post(final, create_graph, out_tuple)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of func at inputs: one row (a vjp with a one-hot vector) per output element.

    Returns a Tensor (one input, one output), a tuple over inputs or outputs, or a tuple (over
    outputs) of tuples (over inputs), each block of shape output.shape + input.shape.
    """
    from ember import autograd
    from ember._ops import creation
    from ember._ops import joining

    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                         'Hint: If your function has vector outputs, use "reverse-mode" since '
                         "it is more efficient.")
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("torch.autograd.functional.jacobian: `strategy=\"forward-"
                                  "mode\"` is only implemented for `vectorize=True`.")
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prep(inputs, create_graph)
        out_tuple, outputs = _call(func, inputs, "jacobian")
        blocks = []
        for i, out in enumerate(outputs):
            flat = out.reshape(-1)
            rows = [[] for _ in inputs]
            for j in range(flat.numel()):
                if out.requires_grad:
                    gs = autograd.grad(flat[j], inputs, retain_graph=True,
                                       create_graph=create_graph, allow_unused=True)
                else:
                    gs = (None,) * len(inputs)
                for k, (g, x) in enumerate(zip(gs, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function "
                                               f"does not require gradients. The outputs must "
                                               "be computed in a differentiable manner from "
                                               "the input when running in strict mode."
                                               if not out.requires_grad else
                                               f"Output {i} of the user-provided function is "
                                               f"independent of input {k}. This is not allowed "
                                               "in strict mode.")
                        g = creation.zeros_like(x)
                    rows[k].append(g)
            per_in = []
            for k, x in enumerate(inputs):
                if rows[k]:
                    jac = joining.stack(rows[k], 0)
                else:
                    jac = creation.zeros((0,) + tuple(x.shape), dtype=x.dtype, device=x.device)
                per_in.append(jac.reshape(tuple(out.shape) + tuple(x.shape)))
            blocks.append(_post(per_in, create_graph, True))
    if not out_tuple and not in_tuple:
        return blocks[0][0]
    if not out_tuple:
        return blocks[0]
    if not in_tuple:
        return tuple(b[0] for b in blocks)
    return tuple(blocks)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: the Jacobian of its gradient."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def grad_func(*xs):
        out = func(*xs)
        out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        if out_tuple or outs[0].numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor "
                               "containing a single element")
        out = outs[0].reshape(())
        return _grads((out,), xs, (None,), True, strict)

    res = jacobian(grad_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    if not in_tuple:
        return res[0][0]
    return res


def _scalar_fn_and_grad(func, inputs, create_graph, strict, fn_name):
    in_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _prep(inputs, create_graph)
    out_tuple, outs = _call(func, inputs, fn_name)
    if out_tuple or outs[0].numel() != 1:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor "
                           "containing a single element.")
    g = _grads(outs, inputs, (None,), True, strict)
    return in_tuple, inputs, outs[0], g


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a scalar function."""
    with enable_grad():
        in_tuple, inputs, out, g = _scalar_fn_and_grad(func, inputs, create_graph, strict, "vhp")
        v = _vector_for(v, inputs, "vhp")
        res = _grads(g, inputs, v, create_graph, strict, what="jacobian")
    return _post((out,), create_graph, False), _post(res, create_graph, in_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a scalar function (double-backward trick)."""
    from ember import autograd
    from ember._ops import creation

    with enable_grad():
        in_tuple, inputs, out, g = _scalar_fn_and_grad(func, inputs, create_graph, strict, "hvp")
        v = _vector_for(v, inputs, "hvp")
        us = tuple(creation.zeros_like(x).requires_grad_(True) for x in inputs)
        gu = _grads(g, inputs, us, True, strict, what="jacobian")
        keep = [(a, b) for a, b in zip(gu, v) if a.requires_grad]
        res = (autograd.grad([a for a, _ in keep], us, [b for _, b in keep],
                             create_graph=create_graph, allow_unused=True)
               if keep else (None,) * len(us))
        res = tuple(r if r is not None else creation.zeros_like(x) for r, x in zip(res, inputs))
    return _post((out,), create_graph, False), _post(res, create_graph, in_tuple)


def _vector_for(v, inputs, fn_name):
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single "
                               "element.")
        from ember._ops import creation

        return (creation.ones_like(inputs[0]),)
    _, v = _as_tuple(v, "v", fn_name)
    _check_v(v, inputs, fn_name)
    return v
