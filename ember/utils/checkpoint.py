"""Activation checkpointing: run a piece of the forward without keeping its intermediates, and
recompute them in backward.

use_reentrant=False (recommended): the forward runs with grad under saved_tensors_hooks that keep
only an index per saved tensor; the first backward access recomputes the piece (with the RNG
state of the first pass, so dropout masks match) and serves the saved tensors from the
recomputation. use_reentrant=True: the piece runs under no_grad inside one
CheckpointFunctionBackward node whose backward recomputes it and backpropagates through it.
"""

import warnings

from ember import _tensor
from ember.autograd.function import Function
from ember.autograd.grad_mode import enable_grad
from ember.autograd.grad_mode import no_grad
from ember.autograd.graph import saved_tensors_hooks

__all__ = ["checkpoint", "checkpoint_sequential"]

_REENTRANT_WARNING = (
    "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting "
    "in PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. "
    "use_reentrant=False is recommended, but if you need to preserve the current default "
    "behavior, you can pass use_reentrant=True. Refer to docs for more details on the "
    "differences between the two variants.")


def _rng_state(preserve):
    if not preserve:
        return None
    from ember import _random

    return _random.default_generator().get_state()


class _fork_rng:
    """Run a block with the CPU generator at `state`, then put back the state it had."""

    def __init__(self, state):
        self.state = state

    def __enter__(self):
        if self.state is not None:
            from ember import _random

            self.gen = _random.default_generator()
            self.prev = self.gen.get_state()
            self.gen.set_state(self.state)

    def __exit__(self, *exc):
        if self.state is not None:
            self.gen.set_state(self.prev)


def checkpoint(function, *args, use_reentrant=None, context_fn=None,
               determinism_check="default", debug=False, preserve_rng_state=True,
               early_stop=True, **kwargs):
    """Run ``function(*args, **kwargs)`` keeping no intermediate activations; they are
    recomputed when backward needs them."""
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    if use_reentrant:
        if context_fn is not None or debug:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        return CheckpointFunction.apply(function, preserve_rng_state, *args)
    return _checkpoint_hooks(function, args, kwargs, preserve_rng_state)


def _checkpoint_hooks(function, args, kwargs, preserve):
    state = _rng_state(preserve)
    frame = {"count": 0, "store": None}

    def recompute():
        detached = [a.detach().requires_grad_(a.requires_grad)
                    if isinstance(a, _tensor.Tensor) else a for a in args]
        store = []

        def keep(t):
            store.append(t)
            return len(store) - 1

        with _fork_rng(state), enable_grad(), saved_tensors_hooks(keep, store.__getitem__):
            function(*detached, **kwargs)
        frame["store"] = store

    def pack(t):
        frame["count"] += 1
        return frame["count"] - 1

    def unpack(i):
        if frame["store"] is None:
            recompute()
        try:
            return frame["store"][i]
        except IndexError:
            raise RuntimeError("torch.utils.checkpoint: A different number of tensors was saved "
                               "during the original forward and recomputation.") from None

    with saved_tensors_hooks(pack, unpack):
        return function(*args, **kwargs)


class CheckpointFunction(Function):
    """The reentrant variant: one node; backward recomputes and backpropagates the piece."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        ctx.run_function = run_function
        ctx.rng_state = _rng_state(preserve_rng_state)
        ctx.inputs = [a if not isinstance(a, _tensor.Tensor) else None for a in args]
        ctx.tensor_idx = [i for i, a in enumerate(args) if isinstance(a, _tensor.Tensor)]
        ctx.save_for_backward(*[a for a in args if isinstance(a, _tensor.Tensor)])
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        from ember import autograd

        inputs = list(ctx.inputs)
        saved = ctx.saved_tensors
        for i, t in zip(ctx.tensor_idx, saved):
            inputs[i] = t.detach().requires_grad_(t.requires_grad)
        with _fork_rng(ctx.rng_state), enable_grad():
            outputs = ctx.run_function(*inputs)
        if isinstance(outputs, _tensor.Tensor):
            outputs = (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, _tensor.Tensor) and o.requires_grad and g is not None]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is "
                               "not necessary")
        autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(x.grad if isinstance(x, _tensor.Tensor) else None
                                    for x in inputs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run a sequence of modules/functions in `segments` checkpointed chunks (the last chunk
    runs normally)."""
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())

    def run(start, end, fns):
        def forward(x):
            for j in range(start, end + 1):
                x = fns[j](x)
            return x
        return forward

    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run(start, end, functions), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1, functions)(input)
