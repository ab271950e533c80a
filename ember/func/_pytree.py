"""A minimal pytree: flatten nested tuples/lists/dicts of leaves, and rebuild them."""


def tree_flatten(tree):
    """(leaves, spec): the leaves in order and a spec that tree_unflatten rebuilds from."""
    leaves = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves):
    if isinstance(tree, (tuple, list)):
        return (type(tree), [_flatten(t, leaves) for t in tree])
    if isinstance(tree, dict):
        return (dict, [(k, _flatten(v, leaves)) for k, v in tree.items()])
    leaves.append(tree)
    return None


def tree_unflatten(leaves, spec):
    it = iter(leaves)
    return _build(spec, it)


def _build(spec, it):
    if spec is None:
        return next(it)
    kind, children = spec
    if kind is dict:
        return {k: _build(s, it) for k, s in children}
    items = [_build(s, it) for s in children]
    if kind is tuple or kind is list:
        return kind(items)
    try:  # named tuples
        return kind(*items)
    except TypeError:
        return kind(items)


def tree_map(fn, tree):
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)
