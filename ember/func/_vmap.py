"""vmap: map a function over a batch dimension.

ember has no batched-tensor interpreter: vmap runs the function once per sample (slicing each
batched input along its in_dim) and stacks the results along out_dims. This is the documented
fallback of torch.func.vmap's semantics; results, nesting, in_dims/out_dims pytrees and the
randomness modes behave as torch's, only the speed is that of a Python loop over the batch.
randomness='same' replays the same generator state for every sample; 'different' lets each
sample draw fresh numbers; 'error' does not detect random ops (it behaves like 'different').
"""

from ember import _tensor
from ember.func._pytree import tree_flatten
from ember.func._pytree import tree_unflatten


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
        from ember import _random

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
        odims = ([out_dims] * len(out_leaves0) if out_dims is None or isinstance(out_dims, int)
                 else _broadcast_dims(out_dims, results[0], name))
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
