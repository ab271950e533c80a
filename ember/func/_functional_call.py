"""functional_call: run a module with some parameters/buffers replaced by given tensors."""


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """Call `module(*args, **kwargs)` with its parameters and buffers named in the dict(s)
    swapped for the given tensors (restored afterwards, also on error)."""
    if isinstance(parameter_and_buffer_dicts, dict):
        mapping = dict(parameter_and_buffer_dicts)
    elif isinstance(parameter_and_buffer_dicts, (list, tuple)):
        mapping = {}
        seen = set()
        for d in parameter_and_buffer_dicts:
            for k, v in d.items():
                if k in seen:
                    raise ValueError(f"{k} appeared in multiple dictionaries; behavior of "
                                     "functional call is ambiguous")
                seen.add(k)
                mapping[k] = v
    else:
        raise ValueError(f"Expected parameter_and_buffer_dicts to be a dict, or a list/tuple "
                         f"of dicts, but got {type(parameter_and_buffer_dicts)}")
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    kwargs = kwargs or {}
    names = dict(module.named_parameters(remove_duplicate=False))
    names.update(dict(module.named_buffers(remove_duplicate=False)))
    if tie_weights:
        # names that share one tensor with a given name get the same replacement
        by_id = {}
        for n, t in names.items():
            by_id.setdefault(id(t), []).append(n)
        for n in list(mapping):
            if n in names:
                for other in by_id[id(names[n])]:
                    if other not in mapping:
                        mapping[other] = mapping[n]
    if strict:
        missing = [n for n in names if n not in mapping]
        unexpected = [n for n in mapping if n not in names]
        if missing or unexpected:
            parts = []
            if unexpected:
                parts.append("Unexpected key(s): " + ", ".join(repr(k) for k in unexpected)
                             + ".")
            if missing:
                parts.append("Missing key(s): " + ", ".join(repr(k) for k in missing) + ".")
            raise RuntimeError("Error(s) in reloading state_dict for "
                               f"{type(module).__name__}:\n\t" + "\n\t".join(parts))
    saved = []
    try:
        for name, value in mapping.items():
            owner, attr = _owner(module, name)
            if attr in owner._parameters:
                saved.append((owner, "_parameters", attr, owner._parameters[attr]))
                owner._parameters[attr] = value
            elif attr in owner._buffers:
                saved.append((owner, "_buffers", attr, owner._buffers[attr]))
                owner._buffers[attr] = value
            else:
                saved.append((owner, None, attr, owner.__dict__.get(attr, _MISSING)))
                owner.__dict__[attr] = value
        return module(*args, **kwargs)
    finally:
        for owner, kind, attr, old in reversed(saved):
            if kind is None:
                if old is _MISSING:
                    owner.__dict__.pop(attr, None)
                else:
                    owner.__dict__[attr] = old
            else:
                getattr(owner, kind)[attr] = old


_MISSING = object()


def _owner(module, name):
    parts = name.split(".")
    m = module
    for p in parts[:-1]:
        m = getattr(m, p)
    return m, parts[-1]
