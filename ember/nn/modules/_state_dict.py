"""nn.Module's state_dict machinery: saving parameters, persistent buffers and extra state
under dotted keys, and loading them back (strict key checks, assign, lazy parameters, torch's
error messages). Module's methods of the same names call these."""

import itertools
from collections import OrderedDict
from collections import namedtuple
from collections.abc import Mapping

from ember._tensor import Tensor
from ember.autograd.grad_mode import no_grad
from ember.nn.parameter import Parameter
from ember.nn.parameter import is_lazy


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _module():
    from ember.nn.modules.module import Module  # module.py imports this file

    return Module


def save_to_state_dict(mod, destination, prefix, keep_vars):
    for name, param in mod._parameters.items():
        if param is not None:
            destination[prefix + name] = param if keep_vars else param.detach()
    for name, buf in mod._buffers.items():
        if buf is not None and name not in mod._non_persistent_buffers_set:
            destination[prefix + name] = buf if keep_vars else buf.detach()
    if type(mod).get_extra_state is not _module().get_extra_state:
        destination[prefix + "_extra_state"] = mod.get_extra_state()

def state_dict(mod, *args, destination=None, prefix="", keep_vars=False):
    """An OrderedDict of every parameter and persistent buffer, keyed by dotted name."""
    if args:
        if destination is None and len(args) > 0:
            destination = args[0]
        if len(args) > 1 and prefix == "":
            prefix = args[1]
        if len(args) > 2 and keep_vars is False:
            keep_vars = args[2]
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()
    local_metadata = dict(version=mod._version)
    if hasattr(destination, "_metadata"):
        destination._metadata[prefix[:-1]] = local_metadata
    for hook in mod._state_dict_pre_hooks.values():
        hook(mod, prefix, keep_vars)
    mod._save_to_state_dict(destination, prefix, keep_vars)
    for name, module in mod._modules.items():
        if module is not None:
            module.state_dict(destination=destination, prefix=prefix + name + ".",
                              keep_vars=keep_vars)
    for hook in mod._state_dict_hooks.values():
        result = hook(mod, destination, prefix, local_metadata)
        if result is not None:
            destination = result
    return destination

def load_from_state_dict(mod, state_dict, prefix, local_metadata, strict, missing_keys,
                         unexpected_keys, error_msgs):
    for hook in mod._load_state_dict_pre_hooks.values():
        hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
             error_msgs)
    persistent = {k: v for k, v in mod._buffers.items()
                  if k not in mod._non_persistent_buffers_set}
    local_state = {k: v for k, v in itertools.chain(mod._parameters.items(),
                                                    persistent.items()) if v is not None}
    assign = local_metadata.get("assign_to_params_buffers", False)
    for name, param in local_state.items():
        key = prefix + name
        if key not in state_dict:
            if strict:
                missing_keys.append(key)
            continue
        input_param = state_dict[key]
        if not isinstance(input_param, Tensor):
            error_msgs.append(f'While copying the parameter named "{key}", expected '
                              "torch.Tensor or Tensor-like object from checkpoint but "
                              f"received {type(input_param)}")
            continue
        lazy = is_lazy(param)
        if not lazy and param.ndim == 0 and input_param.ndim == 1 \
                and input_param.shape[0] == 1:
            input_param = input_param[0]
        if not lazy and input_param.shape != param.shape:
            error_msgs.append(f"size mismatch for {key}: copying a param with shape "
                              f"{input_param.shape} from checkpoint, the shape in current "
                              f"model is {param.shape}.")
            continue
        try:
            with no_grad():
                if lazy:
                    param.materialize(input_param.shape)
                if assign:
                    if isinstance(param, Parameter):
                        if not isinstance(input_param, Parameter):
                            input_param = Parameter(input_param,
                                                    requires_grad=param.requires_grad)
                        else:
                            input_param.requires_grad_(param.requires_grad)
                    setattr(mod, name, input_param)
                else:
                    param.copy_(input_param)
        except Exception as ex:  # noqa: BLE001 - reported like torch, with the shapes
            error_msgs.append(f'While copying the parameter named "{key}", whose dimensions '
                              f"in the model are {param.size()} and whose dimensions in the "
                              f"checkpoint are {input_param.size()}, an exception occurred "
                              f": {ex.args}.")
    extra_key = prefix + "_extra_state"
    if type(mod).set_extra_state is not _module().set_extra_state:
        if extra_key in state_dict:
            mod.set_extra_state(state_dict[extra_key])
        elif strict:
            missing_keys.append(extra_key)
    elif strict and extra_key in state_dict:
        unexpected_keys.append(extra_key)
    if strict:
        for key in state_dict.keys():
            if key.startswith(prefix) and key != extra_key:
                input_name = key[len(prefix):].split(".", 1)[0]
                if input_name not in mod._modules and input_name not in local_state:
                    unexpected_keys.append(key)

def load_state_dict(mod, state_dict, strict=True, assign=False):
    """Copy parameters and buffers from `state_dict`; strict checks keys both ways."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    missing_keys, unexpected_keys, error_msgs = [], [], []
    metadata = getattr(state_dict, "_metadata", None)
    state_dict = OrderedDict(state_dict)
    if metadata is not None:
        state_dict._metadata = metadata

    def load(module, local_state_dict, prefix=""):
        local_metadata = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
        if assign:
            local_metadata["assign_to_params_buffers"] = assign
        module._load_from_state_dict(local_state_dict, prefix, local_metadata, True,
                                     missing_keys, unexpected_keys, error_msgs)
        for name, child in module._modules.items():
            if child is not None:
                child_prefix = prefix + name + "."
                child_sd = {k: v for k, v in local_state_dict.items()
                            if k.startswith(child_prefix)}
                load(child, child_sd, child_prefix)
        incompatible = _IncompatibleKeys(missing_keys, unexpected_keys)
        for hook in module._load_state_dict_post_hooks.values():
            out = hook(module, incompatible)
            if out is not None:
                raise RuntimeError("Hooks registered with "
                                   "``register_load_state_dict_post_hook`` are not expected "
                                   "to return new values, if incompatible_keys need to be "
                                   "modified,it should be done inplace.")

    load(mod, state_dict)
    del load
    if strict:
        if unexpected_keys:
            error_msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in unexpected_keys)))
        if missing_keys:
            error_msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in missing_keys)))
    if error_msgs:
        raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
            mod.__class__.__name__, "\n\t".join(error_msgs)))
    return _IncompatibleKeys(missing_keys, unexpected_keys)
