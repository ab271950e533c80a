"""torch.func's autodiff transforms over ember's reverse-mode engine.

grad / vjp / jacrev use autograd.grad directly. jvp / jacfwd use the double-backward ("vjp of a
vjp") trick instead of forward-mode AD: the vjp u -> u^T J is linear in u, so the gradient of
<vjp(u), v> with respect to u is J v. Transforms nest (grad(grad(f))) because inputs that already
carry history keep it (they enter through a view), and inner results keep their graph whenever
an outer transform is differentiating.
"""

from ember import _tensor
from ember.autograd.grad_mode import enable_grad
from ember.func._pytree import tree_flatten
from ember.func._pytree import tree_map
from ember.func._pytree import tree_unflatten

_depth = [0]  # how many autodiff transforms are running (nested ones keep their graph)


def _is_tensor(x):
    return isinstance(x, _tensor.Tensor)


def _enter(x):
    """A differentiable stand-in for `x` inside a transform."""
    if not _is_tensor(x):
        return x
    if x.requires_grad:
        return x.view_as(x)  # keeps outer history: nested transforms differentiate through it
    return x.detach().requires_grad_(True)


def _vmap_level():
    from ember.func import _vmap

    return len(_vmap._levels)


def _plain(x):
    """The whole-batch tensor under a chain of BatchedTensors (x itself when not batched)."""
    from ember.func._batching import BatchedTensor

    while type(x) is BatchedTensor:
        x = x._value
    return x


def _rebuild(like, p):
    """`p` (a whole-batch tensor) wrapped in the same chain of vmap levels as `like`."""
    from ember.func import _batching

    if type(like) is _batching.BatchedTensor:
        return _batching.wrap(_rebuild(like._value, p), like._level)
    return p


def _expand_levels(x, level):
    """x batched at every vmap level 1..level (unbatched levels become expanded copies)."""
    from ember.func import _batching
    from ember.func import _vmap

    if level == 0:
        return x
    if type(x) is _batching.BatchedTensor and x._level == level:
        return _batching.wrap(_expand_levels(x._value, level - 1), level)
    inner = _expand_levels(x, level - 1)
    return _batching.wrap(_batching.expand_batch(inner, _vmap._levels[level - 1]), level)


def _enter_batched(x, level):
    """Inside vmap: a stand-in batched at every level whose whole-batch tensor is the leaf, so
    that the gradient of the summed whole-batch output is the per-sample gradient."""
    if not _is_tensor(x):
        return x
    full = _expand_levels(x, level)
    return _rebuild(full, _enter(_plain(full)))


def _leave(x, keep):
    if _is_tensor(x) and not keep:
        return x.detach()
    return x


def _argnums_tuple(argnums, n):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    for a in nums:
        if not isinstance(a, int):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(a)}")
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
    return single, tuple(a % n for a in nums)


def _split_aux(out, has_aux, name):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{name}(f, ...)(*args): output of function f should be a tuple: "
                           "(output, aux) if has_aux is True")
    return out[0], out[1]


def _grad_impl(func, argnums, has_aux, args, kwargs):
    from ember import autograd
    from ember._ops import creation

    single, nums = _argnums_tuple(argnums, len(args))
    outer = _depth[0] > 0 or any(
        _is_tensor(leaf) and leaf.requires_grad
        for a in args for leaf in tree_flatten(a)[0])
    level = _vmap_level()
    _depth[0] += 1
    try:
        with enable_grad():
            args = list(args)
            specs = {}
            flat = {}
            for a in nums:
                leaves, spec = tree_flatten(args[a])
                leaves = ([_enter(x) for x in leaves] if not level else
                          [_enter_batched(x, level) for x in leaves])
                flat[a], specs[a] = leaves, spec
                args[a] = tree_unflatten(leaves, spec)
            out = func(*args, **kwargs)
            out, aux = _split_aux(out, has_aux, "grad_and_value")
            if not _is_tensor(out):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"Tensor, got {type(out)}")
            if out.numel() != 1 or out.dim() != 0 and out.numel() == 1 and False:
                pass
            if out.dim() != 0:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"scalar Tensor, got tensor with {out.dim()} dims. Maybe "
                                   "you wanted to use the vjp or jacrev APIs instead?")
            xs = [x for a in nums for x in flat[a]]
            if not out.requires_grad:
                gs = (None,) * len(xs)
            elif level:  # per-sample: the summed whole batch w.r.t. whole-batch leaves
                po = _plain(out)
                gs = autograd.grad(po, [_plain(x) for x in xs], creation.ones_like(po),
                                   create_graph=outer, allow_unused=True)
                gs = [_rebuild(x, g) if g is not None else None for x, g in zip(xs, gs)]
            else:
                gs = autograd.grad(out, xs, create_graph=outer, allow_unused=True)
            gs = [g if g is not None else creation.zeros_like(x) for g, x in zip(gs, xs)]
    finally:
        _depth[0] -= 1
    gs = [_leave(g, outer) for g in gs]
    results = []
    k = 0
    for a in nums:
        n = len(flat[a])
        results.append(tree_unflatten(gs[k:k + n], specs[a]))
        k += n
    grads = results[0] if single else tuple(results)
    value = _leave(out, outer)
    if has_aux:
        aux = tree_map(lambda t: _leave(t, outer), aux)
    return grads, value, aux


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (gradient of func w.r.t. args[argnums], func's value)."""
    def wrapper(*args, **kwargs):
        g, v, aux = _grad_impl(func, argnums, has_aux, args, kwargs)
        return (g, (v, aux)) if has_aux else (g, v)

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A function returning the gradient of scalar `func` w.r.t. args[argnums] (pytrees ok)."""
    def wrapper(*args, **kwargs):
        g, _, aux = _grad_impl(func, argnums, has_aux, args, kwargs)
        return (g, aux) if has_aux else g

    return wrapper


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn[, aux]): vjp_fn(cotangents) gives one cotangent per primal."""
    from ember import autograd
    from ember._ops import creation

    outer = _depth[0] > 0 or any(_is_tensor(x) and x.requires_grad
                                 for p in primals for x in tree_flatten(p)[0])
    with enable_grad():
        flat_specs = [tree_flatten(p) for p in primals]
        leaves = [[_enter(x) for x in lv] for lv, _ in flat_specs]
        ins = [tree_unflatten(lv, sp) for lv, (_, sp) in zip(leaves, flat_specs)]
        _depth[0] += 1
        try:
            out = func(*ins)
        finally:
            _depth[0] -= 1
        out, aux = _split_aux(out, has_aux, "vjp")
    out_leaves, out_spec = tree_flatten(out)
    xs = [x for lv in leaves for x in lv]

    def vjp_fn(cotangents):
        ct_leaves, ct_spec = tree_flatten(cotangents)
        if len(ct_leaves) != len(out_leaves):
            raise RuntimeError("Expected pytree structure of cotangents to be the same as "
                               "pytree structure of outputs to the function.")
        pairs = [(o, c) for o, c in zip(out_leaves, ct_leaves) if o.requires_grad]
        with enable_grad():
            if pairs:
                gs = autograd.grad([o for o, _ in pairs], xs, [c for _, c in pairs],
                                   retain_graph=True, create_graph=outer or _depth[0] > 0
                                   or any(c.requires_grad for _, c in pairs),
                                   allow_unused=True)
            else:
                gs = (None,) * len(xs)
        gs = [g if g is not None else creation.zeros_like(x) for g, x in zip(gs, xs)]
        res = []
        k = 0
        for lv, (_, sp) in zip(leaves, flat_specs):
            res.append(tree_unflatten(gs[k:k + len(lv)], sp))
            k += len(lv)
        return tuple(res)

    out = tree_map(lambda t: _leave(t, outer), out)
    if has_aux:
        return out, vjp_fn, tree_map(lambda t: _leave(t, outer), aux)
    return out, vjp_fn


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J @ tangents), by the double-backward trick (no forward-mode AD)."""
    from ember import autograd
    from ember._ops import creation

    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it "
                           "should be valid to call f(*primals).")
    if not isinstance(tangents, tuple) or len(tangents) != len(primals):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have "
                           "the same python structure.")
    outer = _depth[0] > 0 or any(_is_tensor(x) and x.requires_grad
                                 for p in primals + tangents for x in tree_flatten(p)[0])
    _depth[0] += 1
    try:
        with enable_grad():
            flat_specs = [tree_flatten(p) for p in primals]
            leaves = [[_enter(x) for x in lv] for lv, _ in flat_specs]
            ins = [tree_unflatten(lv, sp) for lv, (_, sp) in zip(leaves, flat_specs)]
            out = func(*ins)
            out, aux = _split_aux(out, has_aux, "jvp")
            out_leaves, out_spec = tree_flatten(out)
            xs = [x for lv in leaves for x in lv]
            ts = [t for tg in tangents for t in tree_flatten(tg)[0]]
            us = [creation.zeros_like(o).requires_grad_(True) for o in out_leaves]
            pairs = [(o, u) for o, u in zip(out_leaves, us) if o.requires_grad]
            if pairs:
                gs = autograd.grad([o for o, _ in pairs], xs, [u for _, u in pairs],
                                   create_graph=True, allow_unused=True)
            else:
                gs = (None,) * len(xs)
            keep = [(g, t) for g, t in zip(gs, ts) if g is not None and g.requires_grad]
            if keep:
                jv = autograd.grad([g for g, _ in keep], us, [t for _, t in keep],
                                   create_graph=outer, allow_unused=True)
            else:
                jv = (None,) * len(us)
            jv = [j if j is not None else creation.zeros_like(o)
                  for j, o in zip(jv, out_leaves)]
    finally:
        _depth[0] -= 1
    res = (tree_map(lambda t: _leave(t, outer), out),
           tree_unflatten([_leave(j, outer) for j in jv], out_spec))
    if has_aux:
        return res + (tree_map(lambda t: _leave(t, outer), aux),)
    return res


def _jac(func, argnums, has_aux, args, kwargs, name):
    """Jacobian blocks of func's outputs w.r.t. args[argnums], one vjp per output element."""
    from ember._ops import joining

    single, nums = _argnums_tuple(argnums, len(args))

    def f_sub(*sub):
        full = list(args)
        for a, s in zip(nums, sub):
            full[a] = s
        return func(*full, **kwargs)

    res = vjp(f_sub, *[args[a] for a in nums], has_aux=has_aux)
    out, vjp_fn = res[0], res[1]
    out_leaves, out_spec = tree_flatten(out)
    from ember._ops import creation

    per_out = []
    for k, o in enumerate(out_leaves):
        rows = []
        n = o.numel()
        for e in range(n):
            cts = [creation.zeros_like(x) for x in out_leaves]
            flat = cts[k].reshape(-1)
            flat[e] = 1
            rows.append(vjp_fn(tree_unflatten(cts, out_spec)))
        blocks = []
        for j, a in enumerate(nums):
            lv, sp = tree_flatten(args[a])
            cols = []
            for li, leaf in enumerate(lv):
                if rows:
                    g = joining.stack([tree_flatten(r[j])[0][li] for r in rows], 0)
                else:
                    g = creation.zeros((0,) + tuple(leaf.shape), dtype=leaf.dtype)
                cols.append(g.reshape(tuple(o.shape) + tuple(leaf.shape)))
            blocks.append(tree_unflatten(cols, sp))
        per_out.append(blocks[0] if single else tuple(blocks))
    jac = tree_unflatten(per_out, out_spec)
    if has_aux:
        return jac, res[2]
    return jac


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """The Jacobian of func w.r.t. args[argnums] by reverse mode (one vjp per output element)."""
    def wrapper(*args, **kwargs):
        return _jac(func, argnums, has_aux, args, kwargs, "jacrev")

    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of func w.r.t. args[argnums]. ember has no forward-mode AD: this computes the
    same matrix as jacrev (reverse mode), which gives identical results."""
    def wrapper(*args, **kwargs):
        return _jac(func, argnums, has_aux, args, kwargs, "jacfwd")

    return wrapper


def hessian(func, argnums=0):
    """The Hessian of a scalar func: jacfwd(jacrev(func))."""
    return jacfwd(jacrev(func, argnums), argnums)
