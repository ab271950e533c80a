"""ember.autograd: reverse-mode automatic differentiation."""

from ember import _tensor
from ember.autograd import _views  # noqa: F401  (installs view grad_fn regeneration)
from ember.autograd import engine
from ember.autograd.anomaly_mode import detect_anomaly
from ember.autograd.anomaly_mode import set_detect_anomaly
from ember.autograd.function import Function
from ember.autograd.function import once_differentiable
from ember.autograd import functional  # noqa: F401
from ember.autograd import graph  # noqa: F401
from ember.autograd.anomaly_mode import is_anomaly_check_nan_enabled
from ember.autograd.anomaly_mode import is_anomaly_enabled
from ember.autograd.gradcheck import gradcheck
from ember.autograd.gradcheck import gradgradcheck
from ember.autograd.grad_mode import enable_grad
from ember.autograd.grad_mode import inference_mode
from ember.autograd.grad_mode import is_grad_enabled
from ember.autograd.grad_mode import is_inference_mode_enabled
from ember.autograd.grad_mode import no_grad
from ember.autograd.grad_mode import set_grad_enabled

__all__ = ["Function", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
           "inference_mode", "is_grad_enabled", "is_inference_mode_enabled", "detect_anomaly",
           "set_detect_anomaly", "once_differentiable", "gradcheck", "gradgradcheck",
           "functional", "graph", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, _tensor.Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs, grads):
    """Default and validate the gradients of the outputs (ones for scalars)."""
    from ember._ops import creation

    out = []
    for i, (o, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if o._requires_grad and o.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not (o.dtype.is_floating_point or o.dtype.is_complex):
                raise RuntimeError(f"grad can be implicitly created only for real scalar "
                                   f"outputs but got {o.dtype}")
            g = creation.ones_like(o)
        elif not isinstance(g, _tensor.Tensor):
            g = creation.full_like(o, g)
        elif g.shape != o.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} "
                               f"and output[{i}] has a shape of {o.shape}.")
        out.append(g)
    return out


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Compute the sum of gradients of `tensors` w.r.t. graph leaves (into their .grad)."""
    tensors = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors) or (None,) * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(grads)} tensors and {len(tensors)} gradients")
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _as_tuple(inputs)
    if inputs is not None and len(inputs) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    grads = _make_grads(tensors, grads)
    engine.run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs,
                        allow_unused=True, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return the gradients of `outputs` w.r.t. `inputs` (without touching .grad)."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if is_grads_batched:
        return _grad_batched(outputs, inputs, grad_outputs, retain_graph, create_graph,
                             allow_unused, materialize_grads)
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and not allow_unused:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad requires one grad_output per output: got "
                           f"{len(grad_outputs)} and {len(outputs)}")
    if retain_graph is None:
        retain_graph = create_graph
    keep = [(o, g) for o, g in zip(outputs, grad_outputs) if o._requires_grad]
    if not keep:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                           "grad_fn")
    outs = [o for o, _ in keep]
    grads = _make_grads(outs, [g for _, g in keep])
    result = engine.run_backward(outs, grads, retain_graph, create_graph, inputs=inputs,
                                 allow_unused=allow_unused, accumulate=False)
    if materialize_grads:
        from ember._ops import creation

        result = tuple(r if r is not None else creation.zeros_like(x)
                       for r, x in zip(result, inputs))
    return result


def _grad_batched(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                  materialize_grads):
    """is_grads_batched: the first dim of each grad_output is a batch; one backward per entry
    (a loop, where torch uses vmap), results stacked."""
    from ember._ops import joining

    gos = _as_tuple(grad_outputs)
    n = gos[0].shape[0]
    per = []
    for b in range(n):
        per.append(grad(outputs, inputs, tuple(g[b] for g in gos), retain_graph=True,
                        create_graph=create_graph, allow_unused=allow_unused,
                        materialize_grads=materialize_grads))
    return tuple(None if per[0][k] is None else joining.stack([p[k] for p in per], 0)
                 for k in range(len(inputs)))


# torch.func lives in its own package; importing it here makes `ember.func` available after
# `import ember` (its modules import only ember._tensor and autograd at load time)
from ember import func  # noqa: E402,F401
