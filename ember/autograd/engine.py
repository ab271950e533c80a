"""The backward engine: runs the graph from the roots in dependency order.

Gradients meeting at a node are summed; a gradient whose shape or dtype differs from its input's
is summed back to the input's shape (broadcasting) and cast to its dtype here, once, so op
backwards never un-broadcast by hand. Saved tensors are freed after use unless retain_graph.
"""

import heapq

from ember import _tensor
from ember.autograd import anomaly_mode
from ember.autograd.function import AccumulateGrad
from ember.autograd.function import accumulator_of
from ember.autograd.grad_mode import _GradState


def _root_edge(t, i):
    if t.grad_fn is not None:
        return t.grad_fn, t._output_nr
    if t._requires_grad:
        return accumulator_of(t), 0
    raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                       "grad_fn")


def _graph(root_nodes):
    """Dependency counts (incoming edges) and children of every node reachable from the roots."""
    deps = {}
    seen = set()
    stack = list(root_nodes)
    for n in root_nodes:
        seen.add(n)
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps, seen


def _needed(nodes, targets):
    """Nodes from which a target node can be reached (the only ones worth running)."""
    memo = {}
    for start in nodes:
        if start in memo:
            continue
        # iterative post-order
        stack = [(start, iter([n for n, _ in start.next_functions if n is not None]))]
        memo[start] = start in targets
        while stack:
            node, it = stack[-1]
            child = next(it, None)
            if child is None:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    memo[parent] = memo[parent] or memo[node]
                continue
            if child in memo:
                memo[node] = memo[node] or memo[child]
                continue
            memo[child] = child in targets
            stack.append((child, iter([n for n, _ in child.next_functions if n is not None])))
    return memo


def run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=None,
                 allow_unused=False, accumulate=True):
    """Backpropagate from `tensors`; accumulate into leaves' .grad, or return grads of `inputs`."""
    roots = [_root_edge(t, i) for i, t in enumerate(tensors)]
    root_nodes = list(dict.fromkeys(n for n, _ in roots))
    deps, nodes = _graph(root_nodes)

    # where the gradients of `inputs` are captured: (node, output_nr) -> index in inputs
    capture = None
    needed = None
    if inputs is not None:
        capture = {}
        for k, x in enumerate(inputs):
            if x.grad_fn is not None:
                key = (x.grad_fn, x._output_nr)
            elif x._requires_grad:
                key = (accumulator_of(x), 0)
            else:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            capture.setdefault(key, []).append(k)
        targets = {n for n, _ in capture}
        needed = _needed(root_nodes, targets)
    results = [None] * len(inputs) if inputs is not None else None

    buffers = {}
    for (node, nr), g in zip(roots, grad_tensors):
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * len(node._out_meta)
        buf[nr] = g if buf[nr] is None else buf[nr] + g

    ready = []
    for n in root_nodes:
        if deps.get(n, 0) == 0:
            heapq.heappush(ready, (-n._seq, id(n), n))

    prev = _GradState.enabled
    _GradState.enabled = create_graph
    try:
        while ready:
            _, _, node = heapq.heappop(ready)
            grads = buffers.pop(node, None)
            if grads is None:
                grads = [None] * len(node._out_meta)
            run = needed is None or needed.get(node, False)
            if run:
                grads = _call_pre_hooks(node, grads)
                if capture is not None:
                    for nr, g in enumerate(grads):
                        for k in capture.get((node, nr), ()):
                            results[k] = g
                if type(node) is AccumulateGrad:
                    if accumulate and (capture is None or (node, 0) in capture):
                        _accumulate(node, grads[0], create_graph)
                    grad_inputs = ()
                elif anomaly_mode._enabled:
                    grad_inputs = _call_node_anomaly(node, grads, create_graph)
                else:
                    grad_inputs = _call_node(node, grads, create_graph)
                    if not retain_graph:
                        node._release()
            else:
                grad_inputs = ()
            _propagate(node, grad_inputs, buffers, deps, ready, needed)
    finally:
        _GradState.enabled = prev

    if inputs is not None:
        for k, r in enumerate(results):
            if r is None and not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {k} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is "
                                   "the desired behavior.")
        return tuple(results)
    return None


def _call_pre_hooks(node, grads):
    hooks = node._tensor_pre_hooks
    if hooks:
        for nr, fns in hooks.items():
            for fn in list(fns.values()):
                if grads[nr] is None:
                    continue
                new = fn(grads[nr])
                if new is not None:
                    grads[nr] = new
    retain = node._retain_hooks
    if retain:
        for nr, fn in retain.items():
            if grads[nr] is not None:
                fn(grads[nr])
    if node._pre_hooks:
        for fn in list(node._pre_hooks.values()):
            new = fn(tuple(grads))
            if new is not None:
                _check_hook_result(fn, new, len(grads))
                grads = list(new)
    if type(node) is AccumulateGrad:
        var = node.variable
        if var._hooks and grads[0] is not None:
            for fn in list(var._hooks.values()):
                new = fn(grads[0])
                if new is not None:
                    grads[0] = new
    return grads


def _call_node(node, grads, create_graph):
    if node._materialize and any(g is None for g in grads):
        grads = [g if g is not None or m is None else _zeros_like_meta(m)
                 for g, m in zip(grads, node._out_meta)]
    fn = node._fn
    out = fn.backward(node, *grads)
    if type(out) is not tuple:
        out = (out,)
    if not fn._array_io:
        out = _check_count(node, out)
    if anomaly_mode._enabled and anomaly_mode._check_nan:
        _check_nan(node, out)
    if node._hooks:
        out = _call_post_hooks(node, out, grads)
    return out


def _call_node_anomaly(node, grads, create_graph):
    """_call_node, and on failure torch's warning with the forward op's traceback."""
    try:
        return _call_node(node, grads, create_graph)
    except Exception:
        if node._anomaly_trace:
            import warnings

            warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that "
                          f"caused the error:\n{node._anomaly_trace}", UserWarning, stacklevel=2)
        raise


def _check_count(node, out):
    """A custom Function's backward must return one gradient per forward input."""
    n = node.__dict__.get("_nargs")
    if n is None or len(out) == n:
        return out
    if len(out) > n and all(g is None for g in out[n:]):
        return out[:n]
    raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                       f"(expected {n}, got {len(out)})")


def _check_hook_result(fn, new, n):
    if len(new) != n:
        name = getattr(fn, "__name__", type(fn).__name__)
        raise RuntimeError(f"hook '{name}' has returned an incorrect number of values (got "
                           f"{len(new)}, but expected {n})")


def _call_post_hooks(node, out, grads):
    """Node hooks see one grad per next_function (torch's grad_inputs), not per forward arg."""
    pos = node._arg_pos
    n = len(out)
    grad_inputs = tuple(out[p] if p < n else None for p in pos)
    for fn in list(node._hooks.values()):
        new = fn(grad_inputs, tuple(grads))
        if new is not None:
            _check_hook_result(fn, new, len(grad_inputs))
            grad_inputs = tuple(new)
    out = [None] * max(n, (max(pos) + 1) if pos else 0)
    for p, g in zip(pos, grad_inputs):
        out[p] = g
    return tuple(out)


def _check_nan(node, out):
    for i, g in enumerate(out):
        if isinstance(g, _tensor.Tensor) and bool(g.isnan().any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th "
                               "output.")


def _zeros_like_meta(meta):
    shape, dtype, device = meta
    from ember._ops import creation

    return creation.zeros(shape, dtype=dtype, device=device)


def _propagate(node, grad_inputs, buffers, deps, ready, needed):
    n_out = len(grad_inputs)
    name = None
    arg_pos = node._arg_pos
    input_meta = node._input_meta
    Tensor = _tensor.Tensor
    from_np = _tensor._FROM_NP
    push = heapq.heappush
    for k, (nxt, nr) in enumerate(node.next_functions):
        if nxt is None:
            continue
        pos = arg_pos[k]
        g = grad_inputs[pos] if pos < n_out else None
        if g is not None:
            if type(g) is not Tensor and not isinstance(g, Tensor):
                g = _tensor.make(g, nxt._out_meta[nr][2])
            shape, dtype = input_meta[k]
            data = g._data
            if data.shape != shape:
                if name is None:
                    name = node.name()
                g = _fit_shape(g, shape, name, k)
                data = g._data
            if from_np.get(data.dtype) is not dtype and g.dtype is not dtype:
                g = g.to(dtype)
            buf = buffers.get(nxt)
            if buf is None:
                buf = buffers[nxt] = [None] * len(nxt._out_meta)
            buf[nr] = g if buf[nr] is None else buf[nr] + g
        left = deps[nxt] - 1
        deps[nxt] = left
        if left == 0:
            push(ready, (-nxt._seq, id(nxt), nxt))


def _fit_shape(g, shape, name, k):
    try:
        return g.sum_to_size(shape)
    except RuntimeError:
        raise RuntimeError(f"Function {name} returned an invalid gradient at index {k} - got "
                           f"{list(g.shape)} but expected shape compatible with "
                           f"{list(shape)}") from None


def _accumulate(node, g, create_graph):
    if g is None:
        return
    var = node.variable
    if not create_graph:
        g = g.detach()
    old = var.grad
    if old is None:
        if not create_graph:
            g = _tensor.make(g._data.copy(), g._device)
        var.grad = g
    elif create_graph or old._requires_grad:
        var.grad = old + g
    else:
        old._data += g._data
        old._version[0] += 1
    hooks = getattr(var, "_post_acc_hooks", None)
    if hooks:
        for fn in list(hooks.values()):
            fn(var)
