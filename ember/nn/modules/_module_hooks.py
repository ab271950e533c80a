"""nn.Module's hook machinery: the global (every-module) hook tables, hook registration with
RemovableHandles, full backward hooks (identity nodes on a module's inputs and outputs) and the
hooked call path. Module (ember/nn/modules/module.py) uses it; ``__call__`` comes here only
when some hook is registered."""

import itertools
import warnings
from collections import OrderedDict

from ember._tensor import Tensor
from ember.autograd.function import Function
from ember.utils.hooks import RemovableHandle

_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_always_called = OrderedDict()
_global_backward_pre_hooks = OrderedDict()
_global_backward_hooks = OrderedDict()
_global_buffer_registration_hooks = OrderedDict()
_global_parameter_registration_hooks = OrderedDict()
_global_module_registration_hooks = OrderedDict()


class _Dicts:
    """Several hook dicts that one RemovableHandle cleans up together."""

    def __init__(self, *dicts):
        self.dicts = dicts

    def pop(self, key, default=None):
        for d in self.dicts:
            d.pop(key, None)
        return default


def add_hook(hooks, hook, *extra, prepend=False):
    """Store `hook` in the ordered dict `hooks` under a new handle (that also cleans `extra`
    dicts on removal); prepend puts it first."""
    handle = RemovableHandle(hooks, extra_dict=_Dicts(*extra) if extra else None)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


class _BackwardHookFn(Function):
    """Identity on a group of tensors whose backward reports the gradients flowing through."""

    node_name = "BackwardHookFunctionBackward"

    @staticmethod
    def forward(ctx, callback, *tensors):
        ctx.callback = callback
        return tuple(t.view_as(t) for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        new = ctx.callback(grads)
        if new is not None:
            grads = tuple(new)
        return (None,) + tuple(grads)


def _spread(grads, positions, n):
    """The gradients of the hooked tensors at their positions among n arguments (None elsewhere)."""
    full = [None] * n
    for i, g in zip(positions, grads):
        full[i] = g
    return tuple(full)


class _BackwardHook:
    """Runs a module's full backward (pre-)hooks from identity nodes on its inputs and outputs."""

    def __init__(self, module, hooks, pre_hooks):
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_positions = ()
        self.inputs_hooked = False

    def _wrap(self, args, callback):
        pos = [i for i, a in enumerate(args)
               if isinstance(a, Tensor) and a.requires_grad]
        if not pos:
            return args, ()
        outs = _BackwardHookFn.apply(callback, *[args[i] for i in pos])
        if isinstance(outs, Tensor):
            outs = (outs,)
        new = list(args)
        for i, o in zip(pos, outs):
            new[i] = o
        return tuple(new), tuple(pos)

    def setup_input_hook(self, args):
        self.n_inputs = len(args)
        new, pos = self._wrap(args, self._on_input_grads)
        self.input_positions = pos
        self.inputs_hooked = bool(pos)
        return new

    def setup_output_hook(self, result):
        single = isinstance(result, Tensor)
        outs = (result,) if single else result
        if not isinstance(outs, tuple):
            return result
        self.n_outputs = len(outs)
        new, pos = self._wrap(outs, self._on_output_grads)
        self.output_positions = pos
        return new[0] if single else new

    def _on_output_grads(self, grads):
        full = _spread(grads, self.output_positions, self.n_outputs)
        for hook in self.pre_hooks:
            res = hook(self.module, full)
            if res is not None:
                full = tuple(res) if isinstance(res, (tuple, list)) else (res,)
        self.grad_outputs = full
        if not self.inputs_hooked:
            # no input needs a gradient: the hooks see None for every grad_input
            for hook in self.hooks:
                res = hook(self.module, (None,) * max(self.n_inputs, 1), full)
                if res is not None and any(r is not None for r in res):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
        return tuple(full[i] for i in self.output_positions)

    def _on_input_grads(self, grads):
        full = _spread(grads, self.input_positions, self.n_inputs)
        for hook in self.hooks:
            res = hook(self.module, full, self.grad_outputs)
            if res is not None:
                res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                if len(res) != len(full):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                       f"got {len(res)}, but expected {len(full)}")
                full = res
        return tuple(full[i] for i in self.input_positions)


def _forward_hook(mod, hook_id, hook, args, kwargs, result):
    """Run one forward hook; its return value (if not None) replaces the result."""
    if hook_id in mod._forward_hooks_with_kwargs:
        res = hook(mod, args, kwargs, result)
    else:
        res = hook(mod, args, result)
    return result if res is None else res


def call_with_hooks(mod, args, kwargs):
    """Module.__call__ when a hook is registered: forward pre-hooks, backward hooks on the
    inputs and outputs, forward, forward hooks (always_call ones even when forward raises)."""
    called_always = set()
    result = None
    try:
        for hook_id, hook in itertools.chain(_global_forward_pre_hooks.items(),
                                             mod._forward_pre_hooks.items()):
            if hook_id in mod._forward_pre_hooks_with_kwargs:
                res = hook(mod, args, kwargs)
                if res is not None:
                    if isinstance(res, tuple) and len(res) == 2:
                        args, kwargs = res
                    else:
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {res}.")
            else:
                res = hook(mod, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        bw = None
        full_hooks = list(_global_backward_hooks.values()) + list(
            mod._backward_hooks.values())
        pre_hooks = list(_global_backward_pre_hooks.values()) + list(
            mod._backward_pre_hooks.values())
        if full_hooks or pre_hooks:
            bw = _BackwardHook(mod, full_hooks, pre_hooks)
            args = bw.setup_input_hook(args)
        result = mod.forward(*args, **kwargs)
        for hook_id, hook in itertools.chain(_global_forward_hooks.items(),
                                             mod._forward_hooks.items()):
            if (hook_id in mod._forward_hooks_always_called
                    or hook_id in _global_forward_hooks_always_called):
                called_always.add(hook_id)
            result = _forward_hook(mod, hook_id, hook, args, kwargs, result)
        if bw is not None:
            result = bw.setup_output_hook(result)
        return result
    except Exception:
        for hook_id, hook in itertools.chain(_global_forward_hooks.items(),
                                             mod._forward_hooks.items()):
            always = (hook_id in mod._forward_hooks_always_called
                      or hook_id in _global_forward_hooks_always_called)
            if always and hook_id not in called_always:
                try:
                    result = _forward_hook(mod, hook_id, hook, args, kwargs, result)
                except Exception as e:  # noqa: BLE001
                    warnings.warn("forward hook with ``always_call=True`` raised an "
                                  f"exception that was silenced as another error was "
                                  f"raised in forward: {str(e)}", stacklevel=3)
        raise
