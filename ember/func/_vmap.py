"""vmap: map a function over a batch dimension, with real batching.

The inputs' mapped dims move to the front and each input enters ``func`` as a BatchedTensor
(ember/func/_batching.py) that looks like one sample: ``.shape``/``.size()``/``.dim()`` are the
per-sample ones. Ops with a batching rule (elementwise, reductions, shape ops, indexing, gather,
index_select, cat/stack, matmul/mm/bmm/mv/dot/einsum/linear, softmax/log_softmax, layer_norm)
run once on the whole batch; any other op falls back to a per-sample loop for that one op call
(``ember.func._batching.fallback_counts`` counts them), not for the whole function. Nesting gives
each vmap a level; in_dims/out_dims are ints, None or pytrees matching the arguments/outputs;
``chunk_size`` runs the batch in chunks and concatenates.

Randomness: a random op inside the batched body is noticed from the default generators' states.
randomness='error' then raises torch's error; 'different' and 'same' rerun the function as the
documented per-sample loop ('same' replays one generator state for every sample, 'different'
lets each sample draw its own numbers).
"""

from ember import _tensor
from ember.autograd import function as _function
from ember.func import _batching
from ember.func._pytree import tree_flatten
from ember.func._pytree import tree_unflatten


_levels = []  # batch sizes of the running vmaps, outermost first


class _RandomUsed(Exception):
    """A random op ran inside a batched vmap body."""


def _batching_push(size):
    _levels.append(size)
    _function._vmap_hook = _batching.dispatch
    return len(_levels)


def _batching_pop():
    _levels.pop()
    if not _levels:
        _function._vmap_hook = None


def current_level():
    return len(_levels)


def _generator_states():
    """Fingerprints of the default generators' states (to notice random ops in a vmap)."""
    from ember import _random

    return [(gen, gen.get_state()._data.tobytes(), gen._numpy)
            for gen in list(_random._default.values())]


def _restore(states):
    """Put the generators back as they were before the batched attempt."""
    from ember._ops import creation

    for gen, raw, _ in states:
        gen.set_state(creation.tensor(list(raw), dtype=_tensor_dtype_uint8()))


def _tensor_dtype_uint8():
    from ember import _dtype

    return _dtype.uint8


def _broadcast_dims(dims, tree, what):
    """in_dims as one entry per leaf of `tree` (an int/None applies to a whole subtree)."""
    leaves, spec = tree_flatten(tree)
    if dims is None or isinstance(dims, int):
        return [dims] * len(leaves)
    if isinstance(tree, (tuple, list)) and isinstance(dims, (tuple, list)):
        if len(dims) != len(tree):
            raise ValueError(f"vmap({what}, in_dims={dims}, ...)(<inputs>): in_dims is not "
                             "compatible with the structure of `inputs`. in_dims has structure "
                             f"of length {len(dims)} but inputs has length {len(tree)}.")
        out = []
        for d, t in zip(dims, tree):
            out.extend(_broadcast_dims(d, t, what))
        return out
    if isinstance(tree, dict) and isinstance(dims, dict):
        out = []
        for k, t in tree.items():
            out.extend(_broadcast_dims(dims[k], t, what))
        return out
    raise ValueError(f"vmap({what}, in_dims={dims}, ...)(<inputs>): in_dims is not compatible "
                     "with the structure of `inputs`.")


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Vectorize `func` over a dimension of its inputs (see the module docstring)."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    name = getattr(func, "__name__", repr(func))

    def wrapper(*args, **kwargs):
        from ember._ops import joining

        if isinstance(in_dims, int):
            dims_tree = in_dims
        elif isinstance(in_dims, (tuple, list)):
            if len(in_dims) != len(args):
                raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is "
                                 "not compatible with the structure of `inputs`. in_dims has "
                                 f"structure of length {len(in_dims)} but inputs has length "
                                 f"{len(args)}.")
            dims_tree = tuple(in_dims)
        else:
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected "
                             "`in_dims` to be int or a (potentially nested) tuple matching the "
                             f"structure of inputs, got: {type(in_dims)}.")
        leaves, spec = tree_flatten(args)
        dims = _broadcast_dims(dims_tree, args, name)
        size = None
        for x, d in zip(leaves, dims):
            if d is None:
                continue
            if not isinstance(x, _tensor.Tensor):
                raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim="
                                 f"{d} for an input but the input is of type {type(x)}. We "
                                 "cannot vmap over non-Tensor arguments, please use None as "
                                 "the respective in_dim")
            if not -x.dim() <= d < max(x.dim(), 1) or x.dim() == 0:
                raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim="
                                 f"{d} for some input, but that input is a Tensor of "
                                 f"dimensionality {x.dim()} so expected in_dim to satisfy "
                                 f"-{x.dim()} <= in_dim < {x.dim()}.")
            n = x.shape[d]
            if size is not None and n != size:
                raise ValueError(f"vmap: Expected all tensors to have the same size in the "
                                 f"mapped dimension, got sizes [{size}, {n}] for the mapped "
                                 "dimension")
            size = n
        if size is None:
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): at least one "
                             "input must be a Tensor mapped over a dimension (in_dims not "
                             "None)")
        if chunk_size is not None and chunk_size < size:
            return _chunked(leaves, dims, spec, size, kwargs)
        return _run(leaves, dims, spec, size, kwargs)

    def _run(leaves, dims, spec, size, kwargs):
        states = _generator_states()
        try:
            return _run_batched(leaves, dims, spec, size, kwargs)
        except _RandomUsed:
            pass
        if randomness == "error":
            raise RuntimeError("vmap: called random operation while in randomness error mode. "
                               "Please either use the 'same' or 'different' randomness flags "
                               "on vmap or perform the randomness operation out of vmap")
        _restore(states)  # random ops inside: run the documented per-sample loop instead
        return _run_loop(leaves, dims, spec, size, kwargs)

    def _chunked(leaves, dims, spec, size, kwargs):
        from ember._ops import joining

        parts = []
        for s in range(0, size, chunk_size):
            n = min(chunk_size, size - s)
            chunk = [x.narrow(d, s, n) if d is not None else x for x, d in zip(leaves, dims)]
            parts.append(_run(chunk, dims, spec, n, kwargs))
        flat = [tree_flatten(p)[0] for p in parts]
        out_leaves0, out_spec = tree_flatten(parts[0])
        odims = _out_dims(parts[0], len(out_leaves0))
        res = [flat[0][k] if od is None else joining.cat([f[k] for f in flat], od)
               for k, od in enumerate(odims)]
        return tree_unflatten(res, out_spec)

    def _out_dims(result, n):
        if out_dims is None or isinstance(out_dims, int):
            return [out_dims] * n
        return _broadcast_dims(out_dims, result, name)

    def _run_batched(leaves, dims, spec, size, kwargs):
        level = _batching_push(size)
        states = _generator_states()
        try:
            batched = [_batching.wrap(x.movedim(d, 0) if d else x, level) if d is not None
                       else x for x, d in zip(leaves, dims)]
            result = func(*tree_unflatten(batched, spec), **kwargs)
            if _generator_states() != states:
                raise _RandomUsed
            out_leaves, out_spec = tree_flatten(result)
            odims = _out_dims(result, len(out_leaves))
            outs = []
            for x, od in zip(out_leaves, odims):
                if not isinstance(x, _tensor.Tensor):
                    raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, "
                                     f"got type {type(x)}. Did you mean to set out_dims= to "
                                     "None for output?")
                value, batched_out = _batching.unwrap(x, level)
                if od is None:
                    if batched_out:
                        raise ValueError(f"vmap({name}, ...): `{name}` can not return a "
                                         "BatchedTensor when out_dim is None")
                    outs.append(x)
                    continue
                if not batched_out:  # the same for every sample: an expanded view, as torch
                    value = _batching.expand_batch(x, size)
                outs.append(value.movedim(0, od) if od else value)
            return tree_unflatten(outs, out_spec)
        finally:
            _batching_pop()

    def _run_loop(leaves, dims, spec, size, kwargs):
        from ember import _random
        from ember._ops import joining

        gen = _random.default_generator()
        state = gen.get_state() if randomness == "same" else None
        results = []
        for b in range(size):
            if state is not None:
                gen.set_state(state)
            sample = [x.select(d, b) if d is not None else x for x, d in zip(leaves, dims)]
            results.append(func(*tree_unflatten(sample, spec), **kwargs))
        out_leaves0, out_spec = tree_flatten(results[0])
        per_sample = [tree_flatten(r)[0] for r in results]
        odims = _out_dims(results[0], len(out_leaves0))
        stacked = []
        for k, od in enumerate(odims):
            vals = [s[k] for s in per_sample]
            if not isinstance(vals[0], _tensor.Tensor):
                raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got "
                                 f"type {type(vals[0])}. Did you mean to set out_dims= to None "
                                 "for output?")
            if od is None:
                if any(v is not vals[0] for v in vals):  # it depends on the sample
                    raise ValueError(f"vmap({name}, ...): `{name}` can not return a "
                                     "BatchedTensor when out_dim is None")
                stacked.append(vals[0])
            else:
                stacked.append(joining.stack(vals, od))
        return tree_unflatten(stacked, out_spec)

    return wrapper
