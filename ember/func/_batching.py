"""Batching rules for ember.func.vmap: a BatchedTensor and the rules that run ops on it batched.

A ``BatchedTensor`` (BT) stands for one sample of a batch inside ``vmap``. It carries ``_value``,
the whole batch as an ordinary tensor (or as a BT of an outer vmap) with the batch dim first, and
``_level``, the vmap nesting level that batch belongs to. Its own ``_data`` is a per-sample view
(sample 0) so that every piece of metadata an op wrapper reads (``shape``, ``dim()``, ``size()``,
``dtype``, ``stride()``...) is the per-sample one, as torch shows inside vmap.

Every ember op funnels into ``Function.apply``. While a vmap runs, ``autograd.function._vmap_hook``
points at ``dispatch`` (outside vmap it is None: the op hot path pays one ``is not None`` test).
``dispatch`` finds the highest vmap level among the arguments; if none is batched the op runs as
usual. Otherwise it looks up a batching rule by the op's Function class (its MRO, then its module
for the elementwise families) and runs the op once on the whole batch. An op with no rule (or a
case a rule does not cover) falls back to a per-sample loop for that one op call: each batched
argument is sliced with ``select(0, b)``, the op runs per sample, and the results are stacked
(``fallback_counts`` counts these by Function class name). Views made by a fallback are copies.

Autograd flows through the whole-batch tensors: rules call ordinary ember ops on ``_value``, so
the graph is recorded there, and ``grad`` inside ``vmap`` (ember/func/_eager.py) differentiates
the whole-batch output with respect to whole-batch inputs (unbatched inputs are first expanded
to one copy per sample, which yields per-sample gradients).
"""

import collections
import weakref

from ember import _tensor
from ember._tensor import Tensor

fallback_counts = collections.Counter()  # Function class name -> per-sample fallback calls
_PLACEHOLDERS = weakref.WeakValueDictionary()  # id(BT._data) -> BT (batched index arrays)


class BatchedTensor(Tensor):
    """One sample of a vmap batch (see the module docstring)."""

    __slots__ = ("_value", "_level")

    @property
    def requires_grad(self):
        return self._value.requires_grad

    @property
    def grad_fn(self):
        return self._value.grad_fn

    @property
    def is_leaf(self):
        return self._value.is_leaf

    def requires_grad_(self, requires_grad=True):
        self._value.requires_grad_(requires_grad)
        return self

    def detach(self):
        return wrap(self._value.detach(), self._level)

    def detach_(self):
        self._value.detach_()
        return self

    def backward(self, *args, **kwargs):
        raise RuntimeError("vmap: backward() inside vmap is not supported; use ember.func.grad "
                           "or ember.func.vjp inside vmap instead")

    def item(self):
        raise RuntimeError("vmap: It looks like you're calling .item() on a Tensor. We don't "
                           "support vmap over calling .item() on a Tensor, please try to rewrite "
                           "what you're doing with other operations. If error is occurring "
                           "somewhere inside PyTorch internals, please file a bug report.")

    tolist = item

    def numpy(self, *, force=False):
        raise RuntimeError("vmap: .numpy() is not supported on a Tensor inside vmap")

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("vmap: a Tensor inside vmap cannot be converted to a NumPy array")

    def __bool__(self):
        raise RuntimeError("vmap: It looks like you're attempting to use a Tensor in some "
                           "data-dependent control flow. We don't support that yet, please "
                           "shout over at https://github.com/pytorch/functorch/issues/257 .")

    def __int__(self):
        self.item()

    __float__ = __index__ = __complex__ = __int__

    def __repr__(self):
        return f"BatchedTensor(lvl={self._level}, bdim=0, value=\n{self._value!r}\n)"


def wrap(value, level):
    """A BatchedTensor for `value` (batch dim first) at vmap `level`."""
    data = value._data
    ph = data[0] if data.shape[0] else _empty_like_sample(value)
    t = _tensor.make(ph, value._device, cls=BatchedTensor)
    t._version = value._version
    t._value = value
    t._level = level
    _PLACEHOLDERS[id(ph)] = t
    return t


def _empty_like_sample(value):
    from ember.autograd.function import xp_for

    return xp_for(value._device).empty(value._data.shape[1:], dtype=value._data.dtype)


def level_of(x):
    return x._level if type(x) is BatchedTensor else 0


def unwrap(x, level):
    """(whole-batch value, True) for a BT at `level`; (x, False) otherwise."""
    if type(x) is BatchedTensor and x._level == level:
        return x._value, True
    return x, False


def batch_size(x, level):
    return x._value.shape[0]


def expand_batch(x, n):
    """An unbatched tensor seen as a batch of n identical samples (an expanded view)."""
    return x.unsqueeze(0).expand(n, *x.shape)


def _wrap_out(out, level):
    if isinstance(out, tuple):
        vals = [wrap(o, level) if isinstance(o, Tensor) else o for o in out]
        return type(out)(*vals) if hasattr(out, "_fields") else tuple(vals)
    return wrap(out, level) if isinstance(out, Tensor) else out


# ---------------------------------------------------------------------------------- dispatch
_INDEX_OPS = set()  # Function classes whose index argument may hold arrays of batched tensors


def _placeholder_level(idx):
    items = idx if isinstance(idx, (tuple, list)) else (idx,)
    level = 0
    for i in items:
        bt = _PLACEHOLDERS.get(id(i)) if hasattr(i, "shape") else None
        if bt is not None and bt._data is i and bt._level > level:
            level = bt._level
    return level


def dispatch(cls, args):
    """The vmap hook of Function.apply: a batched result, or NotImplemented (run as usual)."""
    level = 0
    for a in args:
        if type(a) is BatchedTensor and a._level > level:
            level = a._level
    if cls in _INDEX_OPS or _is_index_op(cls):
        pl = _placeholder_level(args[1])
        if pl > level or (pl and pl == level):
            return _fallback(cls, args, max(pl, level))
    if level == 0:
        return NotImplemented
    rule = _rule_for(cls)
    if rule is not None:
        out = rule(cls, args, level)
        if out is not NotImplemented:
            return out
    return _fallback(cls, args, level)


def _is_index_op(cls):
    from ember._ops import indexing

    if issubclass(cls, (indexing.AdvancedIndex, indexing.IndexPut, indexing.IndexPutAccumulate,
                        indexing.IndexPutCopy)):
        _INDEX_OPS.add(cls)
        return True
    return False


def _sample(a, level, b):
    if type(a) is BatchedTensor:
        return a._value.select(0, b) if a._level == level else a
    if isinstance(a, tuple) and a and not hasattr(a, "_fields"):
        return tuple(_sample(x, level, b) for x in a)
    if isinstance(a, list):
        return [_sample(x, level, b) for x in a]
    if hasattr(a, "shape") and not isinstance(a, Tensor):
        bt = _PLACEHOLDERS.get(id(a))
        if bt is not None and bt._data is a and bt._level == level:
            return bt._value.select(0, b)._data
    return a


def _find_size(args, level):
    for a in args:
        if type(a) is BatchedTensor and a._level == level:
            return a._value.shape[0]
        if isinstance(a, (tuple, list)):
            n = _find_size(a, level)
            if n is not None:
                return n
        elif hasattr(a, "shape") and not isinstance(a, Tensor):
            bt = _PLACEHOLDERS.get(id(a))
            if bt is not None and bt._data is a and bt._level == level:
                return bt._value.shape[0]
    return None


def _fallback(cls, args, level):
    """Run the op once per sample and stack the results (ops without a batching rule)."""
    from ember._ops import joining

    fallback_counts[cls.__name__] += 1
    n = _find_size(args, level)
    inplace = getattr(cls, "_inplace", False)
    if inplace and not (type(args[0]) is BatchedTensor and args[0]._level == level):
        import numpy as np  # shapes only

        shape = [n] + list(np.broadcast_shapes(*[tuple(a.shape) for a in args
                                                  if isinstance(a, Tensor)]))
        raise RuntimeError(f"output with shape {list(args[0].shape)} doesn't match the "
                           f"broadcast shape {shape}")
    outs = [cls.apply(*[_sample(a, level, b) for a in args]) for b in range(n)]
    if inplace:
        return args[0]
    first = outs[0] if n else cls.apply(*[_sample(a, level, 0) for a in args])
    if isinstance(first, tuple):
        res = []
        for k, o in enumerate(first):
            if isinstance(o, Tensor):
                res.append(wrap(joining.stack([r[k] for r in outs], 0), level))
            else:
                res.append(o)
        return type(first)(*res) if hasattr(first, "_fields") else tuple(res)
    if not isinstance(first, Tensor):
        return first
    return wrap(joining.stack(outs, 0), level)


# ---------------------------------------------------------------------------------- rules
_RULES = {}
_ELEMENTWISE_MODULES = ("ember._ops.elementwise", "ember._ops.elementwise_binary",
                        "ember._ops.elementwise_more", "ember._ops.comparison",
                        "ember._ops.complex_ops")
_NOT_ELEMENTWISE = {"Dropout", "Cumulative", "Diff"}
_resolved = {}


def _rule_for(cls):
    try:
        return _resolved[cls]
    except KeyError:
        pass
    rule = None
    for c in cls.__mro__:
        if _RULES_MODULE.get(c.__name__) == c.__module__:
            rule = _RULES[c.__name__]
            break
    if rule is None and cls.__module__ in _ELEMENTWISE_MODULES and \
            cls.__name__ not in _NOT_ELEMENTWISE:
        rule = _elementwise
    _resolved[cls] = rule
    return rule


_RULES_MODULE = {}


def _rule(*names, module=None):
    def deco(fn):
        for n in names:
            _RULES[n] = fn
            if module is not None:
                _RULES_MODULE[n] = "ember._ops." + module
        return fn

    return deco


def _pad_to(v, k):
    """Insert k singleton dims right after the batch dim of a whole-batch value."""
    if k <= 0:
        return v
    return v[(slice(None),) + (None,) * k]


@_rule("Clone", "Contiguous", "ToCopy", "Fill", "Copy", module="creation")
@_rule("Gelu", "Silu", module="nn_ops")
def _elementwise(cls, args, level):
    """Broadcasting ops: line up the batch dims, pad lower-rank batched operands."""
    rank = 0
    for a in args:
        if isinstance(a, Tensor) and a._data.ndim > rank:
            rank = a._data.ndim
    new = []
    for a in args:
        if type(a) is BatchedTensor and a._level == level:
            new.append(_pad_to(a._value, rank - a._data.ndim))
        else:
            new.append(a)
    if getattr(cls, "_inplace", False):
        if not (type(args[0]) is BatchedTensor and args[0]._level == level):
            return NotImplemented  # the fallback raises torch's error
        if args[0]._data.ndim < rank:
            return NotImplemented
        cls.apply(*new)
        return args[0]
    return _wrap_out(cls.apply(*new), level)


def _b(d, ndim):
    """A per-sample dim (negative ones counted from ndim) as a whole-batch dim."""
    return (d + ndim if d < 0 else d) + 1


def _shift(dims, ndim):
    if dims is None:
        return tuple(range(1, ndim + 1))
    if isinstance(dims, int):
        return _b(dims, ndim)
    return tuple(_b(d, ndim) for d in dims)


@_rule("Sum", "Mean", "Prod", "NanSum", "Amax", "LogSumExp", module="reduction")
def _reduce_x_dims(cls, args, level):
    v, _ = unwrap(args[0], level)
    if type(args[0]) is not BatchedTensor or args[0]._level != level:
        return NotImplemented
    dims = _shift(args[1], args[0]._data.ndim)
    if args[1] is None:
        return wrap(cls.apply(v, dims, False, *args[3:]), level)
    return wrap(cls.apply(v, dims, *args[2:]), level)


@_rule("Var", "Std", module="reduction")
def _reduce_var(cls, args, level):
    if type(args[0]) is not BatchedTensor or args[0]._level != level:
        return NotImplemented
    keep = args[3] if args[1] is not None else False
    return wrap(cls.apply(args[0]._value, _shift(args[1], args[0]._data.ndim), args[2], keep),
                level)


@_rule("MaxAll", module="reduction")
def _reduce_all(cls, args, level):
    from ember._ops import reduction

    x = args[0]
    if type(x) is not BatchedTensor or x._level != level or x._value.numel() == 0:
        return NotImplemented
    amax = reduction.Amin if args[1] == "min" else reduction.Amax
    dims = tuple(range(1, x._data.ndim + 1))
    return wrap(amax.apply(x._value, dims, False, "amin" if args[1] == "min" else "amax"),
                level)


@_rule("VectorNorm", module="reduction")
def _vector_norm(cls, args, level):
    x, ordv, dims, keep = args
    if type(x) is not BatchedTensor or x._level != level:
        return NotImplemented
    if dims is None:
        keep = keep and False
    return wrap(cls.apply(x._value, ordv, _shift(dims, x._data.ndim), keep), level)


@_rule("SelectAlongDim", module="reduction")
def _select_along(cls, args, level):
    x, dim, keep, pick = args
    if type(x) is not BatchedTensor or x._level != level or dim is None or x._data.ndim == 0:
        return NotImplemented
    return _wrap_out(cls.apply(x._value, _b(dim, x._data.ndim), keep, pick), level)


@_rule("Softmax", "LogSoftmax", module="nn_ops")
@_rule("Transpose", module="shape")
def _shift_dim_args(cls, args, level):
    """Ops whose every int argument after the tensor is a dim."""
    x = args[0]
    if type(x) is not BatchedTensor or x._level != level:
        return NotImplemented
    if x._data.ndim == 0:
        return NotImplemented
    return wrap(cls.apply(x._value, *[_b(d, x._data.ndim) for d in args[1:]]), level)


@_rule("Select", "Narrow", "Unbind", "Unfold", module="shape")
def _dim_second(cls, args, level):
    """(x, dim, *rest): shift dim."""
    x = args[0]
    if type(x) is not BatchedTensor or x._level != level or x._data.ndim == 0:
        return NotImplemented
    return _wrap_out(cls.apply(x._value, _b(args[1], x._data.ndim), *args[2:]), level)


_rule("Split", "SplitWithSizes", module="joining")(_dim_second)


@_rule("Diagonal", module="shape")
def _diagonal(cls, args, level):
    x, off, d1, d2 = args
    if type(x) is not BatchedTensor or x._level != level:
        return NotImplemented
    return wrap(cls.apply(x._value, off, _b(d1, x._data.ndim), _b(d2, x._data.ndim)), level)


@_rule("Permute", module="shape")
def _permute(cls, args, level):
    x, dims = args
    if type(x) is not BatchedTensor or x._level != level:
        return NotImplemented
    return wrap(cls.apply(x._value, (0,) + _shift(tuple(dims), x._data.ndim)), level)


@_rule("Unsqueeze", module="shape")
def _unsqueeze(cls, args, level):
    x, dim = args
    if type(x) is not BatchedTensor or x._level != level:
        return NotImplemented
    return wrap(cls.apply(x._value, _b(dim, x._data.ndim + 1)), level)


@_rule("Squeeze", module="shape")
def _squeeze(cls, args, level):
    x, dims = args
    if type(x) is not BatchedTensor or x._level != level:
        return NotImplemented
    return wrap(cls.apply(x._value, _shift(tuple(dims), x._data.ndim)), level)


@_rule("View", "ReshapeCopy", module="shape")
def _view(cls, args, level):
    x, shape = args
    if type(x) is not BatchedTensor or x._level != level:
        return NotImplemented
    v = x._value
    shape = (v.shape[0],) + tuple(shape)
    try:
        return wrap(cls.apply(v, shape), level)
    except RuntimeError:
        from ember._ops import shape as shape_ops

        if cls is shape_ops.View:  # the batch layout (not the sample's) forbids a view
            return wrap(shape_ops.ReshapeCopy.apply(v, shape), level)
        raise


@_rule("Expand", module="shape")
def _expand(cls, args, level):
    x, shape = args
    if type(x) is not BatchedTensor or x._level != level:
        return NotImplemented
    v = _pad_to(x._value, len(shape) - x._data.ndim)
    return wrap(cls.apply(v, (v.shape[0],) + tuple(shape)), level)


@_rule("Repeat", module="joining")
def _repeat(cls, args, level):
    x, reps = args
    if type(x) is not BatchedTensor or x._level != level:
        return NotImplemented
    v = _pad_to(x._value, len(reps) - x._data.ndim)
    return wrap(cls.apply(v, (1,) + tuple(reps)), level)


@_rule("Cat", "Stack", module="joining")
def _cat(cls, args, level):
    dim, xs = args[0], args[1:]
    n = _find_size(xs, level)
    vals = []
    for x in xs:
        v, batched = unwrap(x, level)
        vals.append(v if batched else expand_batch(x, n))
    nd = xs[0]._data.ndim + (cls.__name__ == "Stack")
    return wrap(cls.apply(_b(dim, nd), *vals), level)


def _basic_idx(idx):
    return (slice(None),) + (idx if isinstance(idx, tuple) else (idx,))


@_rule("BasicIndex", module="indexing")
def _basic_index(cls, args, level):
    x, idx = args
    if type(x) is not BatchedTensor or x._level != level:
        return NotImplemented
    return wrap(cls.apply(x._value, _basic_idx(idx)), level)


@_rule("AdvancedIndex", module="indexing")
def _advanced_index(cls, args, level):
    x, idx = args
    if type(x) is not BatchedTensor or x._level != level:
        return NotImplemented
    items = idx if isinstance(idx, tuple) else (idx,)
    adv = [k for k, i in enumerate(items) if hasattr(i, "shape") or isinstance(i, list)]
    if adv and adv[-1] - adv[0] + 1 != len(adv):
        return NotImplemented  # split advanced indices move their dims to the front
    return wrap(cls.apply(x._value, _basic_idx(idx)), level)


@_rule("Gather", module="gather_scatter")
def _gather(cls, args, level):
    x, dim, idx = args
    if x._data.ndim == 0:
        return NotImplemented
    n = _find_size((x, idx), level)
    xv, xb = unwrap(x, level)
    iv, ib = unwrap(idx, level)
    return wrap(cls.apply(xv if xb else expand_batch(x, n), _b(dim, x._data.ndim),
                          iv if ib else expand_batch(idx, n)), level)


@_rule("IndexSelect", module="index_dim")
def _index_select(cls, args, level):
    x, dim, idx = args
    if type(x) is not BatchedTensor or x._level != level or level_of(idx) == level:
        return NotImplemented
    if x._data.ndim == 0:
        return NotImplemented
    return wrap(cls.apply(x._value, _b(dim, x._data.ndim), idx), level)


@_rule("Linear", module="nn_ops")
def _linear(cls, args, level):
    x, w, b = args
    xv, xb = unwrap(x, level)
    if level_of(w) != level and (b is None or level_of(b) != level):
        if not xb:
            return NotImplemented
        return wrap(cls.apply(xv, w, b), level)  # (*, in) takes the batch dim as one more *
    from ember._ops import linalg

    out = _matmul(linalg.Matmul, x, w.transpose(-1, -2) if w._data.ndim == 2 else w, level)
    return out + b if b is not None else out


@_rule("LayerNorm", module="nn_ops")
def _layer_norm(cls, args, level):
    x, nd, w, b, eps = args
    if level_of(w) == level or level_of(b) == level or level_of(x) != level:
        return NotImplemented
    return wrap(cls.apply(x._value, nd, w, b, eps), level)


@_rule("Matmul", "Dot", "Mv", "Bmm", module="linalg")
def _matmul_rule(cls, args, level):
    from ember._ops import linalg

    return _matmul(linalg.Matmul, args[0], args[1], level)


def _matmul(cls, a, b, level):
    """matmul of per-sample operands as one broadcasting matmul over the batch."""
    av, ab = unwrap(a, level)
    bv, bb = unwrap(b, level)
    ra, rb = a._data.ndim, b._data.ndim
    if ra == 0 or rb == 0:
        return NotImplemented
    if ab and not bb and rb == 2:  # (B, *, n) @ (n, p): the batch is one more leading dim
        return wrap(cls.apply(av, b), level)
    if bb and not ab and ra == 2 and rb >= 2:  # (m, n) @ (B, *, n, p)
        return wrap(cls.apply(a, bv), level)
    # make both at least 2-D per sample, then give batched operands the same rank
    if ra == 1:
        av = av.unsqueeze(-2) if ab else a.unsqueeze(-2)
    if rb == 1:
        bv = bv.unsqueeze(-1) if bb else b.unsqueeze(-1)
    ra2, rb2 = max(ra, 2), max(rb, 2)
    r = max(ra2, rb2)
    if ab:
        av = _pad_to(av, r - ra2)
    if bb:
        bv = _pad_to(bv, r - rb2)
    out = cls.apply(av, bv)
    if rb == 1:
        out = out.squeeze(-1)
    if ra == 1:
        out = out.squeeze(-2 if rb != 1 else -1)
    return wrap(out, level)


@_rule("Einsum", module="linalg")
def _einsum(cls, args, level):
    from ember._ops import linalg

    terms, out_term, ops = args[0], args[1], args[2:]
    used = set("".join(terms)) | set(out_term)
    letter = next(c for c in linalg._LETTERS if c not in used)
    new_terms, vals = [], []
    for t, o in zip(terms, ops):
        v, batched = unwrap(o, level)
        new_terms.append(letter + t if batched else t)
        vals.append(v)
    return wrap(cls.apply(new_terms, letter + out_term, *vals), level)
