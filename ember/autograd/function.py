"""Function (ops and user-defined autograd functions) and Node (the backward graph / ctx).

An op is a Function subclass whose ``forward(ctx, *args)`` computes on backend arrays and whose
``backward(ctx, *grads)`` is written with ember ops (so it is differentiable itself). A user's
Function subclass is the same class with ``_array_io = False``: its forward sees Tensors.
``Function.apply`` is the hot path: it tests one flag to decide whether to record a node.
"""

import itertools
import weakref

from ember import _tensor
from ember._tensor import Tensor
from ember._tensor import make
from ember._backend import backend_for
from ember._device import CPU
from ember.autograd import anomaly_mode
from ember.autograd.grad_mode import _GradState
from ember.autograd.grad_mode import no_grad

_sequence = itertools.count()

_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward.")

_XP = {}

# ember.func.vmap's batching dispatcher while a vmap runs, else None (the one check ops pay)
_vmap_hook = None

# set while ember.profiler records or ember.amp autocast is on: hook(cls, args, apply_op) -> out
_dispatch_hook = None


def xp_for(dev):
    """The array module for a device (cached)."""
    xp = _XP.get(dev)
    if xp is None:
        xp = _XP[dev] = backend_for(dev).xp
    return xp


class Node:
    """A node of the backward graph. For a Function it is also the ``ctx`` of forward/backward."""

    __slots__ = ("next_functions", "needs_input_grad", "xp", "_arg_pos", "_input_meta",
                 "_out_meta", "_saved", "_to_save", "_freed", "_seq", "_pre_hooks", "_hooks",
                 "_tensor_pre_hooks", "_retain_hooks", "_non_diff", "_dirty", "_materialize",
                 "_metadata", "_anomaly_trace", "__dict__", "__weakref__")

    _fn = None  # the Function subclass this node belongs to (set on the per-function class)

    def __init__(self):
        self._seq = next(_sequence)
        self._saved = None
        self._to_save = None
        self._freed = False
        self._pre_hooks = None
        self._hooks = None
        self._tensor_pre_hooks = None
        self._retain_hooks = None
        self._non_diff = None
        self._dirty = None
        self._materialize = True
        self._metadata = None
        self._anomaly_trace = None

    # ------------------------------------------------------------------ ctx API
    def save_for_backward(self, *tensors):
        """Save tensors (or, in ops, backend arrays) for backward."""
        self._to_save = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = tensors

    def set_materialize_grads(self, value):
        self._materialize = bool(value)

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        saved = self._saved
        if not saved:
            return ()
        return tuple(rec.unpack(self) if rec is not None else None for rec in saved)

    # ------------------------------------------------------------------ graph API
    def name(self):
        return type(self).__name__

    @property
    def metadata(self):
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) -> new grad_inputs or None, after this node runs."""
        from ember.utils.hooks import RemovableHandle

        if self._hooks is None:
            self._hooks = {}
        handle = RemovableHandle(self._hooks)
        self._hooks[handle.id] = fn
        return handle

    def register_prehook(self, fn):
        """fn(grad_outputs) -> new grad_outputs or None, before this node runs."""
        from ember.utils.hooks import RemovableHandle

        if self._pre_hooks is None:
            self._pre_hooks = {}
        handle = RemovableHandle(self._pre_hooks)
        self._pre_hooks[handle.id] = fn
        return handle

    def _release(self):
        self._saved = None
        self._freed = True

    def __call__(self, *grads):
        return self._fn.backward(self, *grads)

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"


class AccumulateGrad(Node):
    """The node that accumulates a leaf tensor's gradient into its ``.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        Node.__init__(self)
        self.variable = variable
        self.next_functions = ()
        self._arg_pos = ()
        self._input_meta = ()
        self._out_meta = ((tuple(variable.shape), variable.dtype, variable.device),)


def accumulator_of(t):
    """The AccumulateGrad node of a leaf tensor (held weakly by the tensor, as in torch)."""
    ref = t._accum
    acc = ref() if ref is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._accum = weakref.ref(acc)
    return acc


class _SavedTensor:
    """One value saved for backward, with the version it had when saved."""

    __slots__ = ("tensor", "data", "version", "saved_version", "output_nr", "device")

    def __init__(self, tensor, data, version, output_nr, device):
        self.tensor = tensor          # the input Tensor (None for outputs and intermediates)
        self.data = data
        self.version = version        # the shared version counter ([int]) or None
        self.saved_version = version[0] if version is not None else 0
        self.output_nr = output_nr    # >= 0 when this is an output of the node
        self.device = device

    def unpack(self, node):
        if self.version is not None and self.version[0] != self.saved_version:
            t = self.tensor
            shape = list(self.data.shape)
            dt = t.dtype if t is not None else _tensor.dtype_of(self.data)
            from ember._dtype import _TYPE_NAMES
            where = (f", which is output {self.output_nr} of {_op_name(node)}"
                     if self.output_nr >= 0 else
                     (f", which is output {t._output_nr} of {_op_name(t._grad_fn)}"
                      if t is not None and t._grad_fn is not None else ""))
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [torch.{_TYPE_NAMES[dt]} {shape}]{where}, is at version "
                f"{self.version[0]}; expected version {self.saved_version} instead. Hint: enable "
                "anomaly detection to find the operation that failed to compute its gradient, "
                "with torch.autograd.set_detect_anomaly(True, check_nan=False).")
        if self.tensor is not None:
            return self.tensor
        if self.output_nr >= 0:
            # re-attach the output to its node so that double backward flows through it
            return _tensor.make(self.data, self.device, True, node, self.output_nr, self.version)
        return _tensor.make(self.data, self.device)


def _op_name(node):
    """The forward op of a node as torch's errors name it (MulBackward0 -> Mul)."""
    import re

    return re.sub(r"Backward\d*$", "", node.name())


class FunctionMeta(type):
    """Gives each Function subclass its own Node subclass, named as torch names it."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        node_name = attrs.get("node_name") or (name + "Backward")
        cls._node_cls = type(node_name, (Node,), {"__slots__": (), "_fn": cls})
        if "vjp" in attrs and bases:
            if "backward" in attrs:
                raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom "
                                   "Function is not allowed. You should only implement one "
                                   "of them.")
            cls.backward = attrs["vjp"]
        if bases and not cls._array_io:
            # user functions take keyword arguments; ops keep the positional hot path
            cls.apply = classmethod(_apply_user_kw)


class _NullCtx:
    """The ctx ops see when no graph is recorded: saving does nothing."""

    needs_input_grad = (False,) * 64

    def save_for_backward(self, *args):
        pass

    def mark_dirty(self, *args):
        pass

    def mark_non_differentiable(self, *args):
        pass

    def set_materialize_grads(self, value):
        pass


_NULL_CTX = {}


def _null_ctx(dev):
    ctx = _NULL_CTX.get(dev)
    if ctx is None:
        ctx = _NULL_CTX[dev] = _NullCtx()
        ctx.xp = xp_for(dev)
        ctx.ndarray = ctx.xp.ndarray
    return ctx


class Function(metaclass=FunctionMeta):
    """Base class of differentiable operations; subclass it for custom autograd functions.

    Define ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as static methods (or
    ``forward(*args)`` plus ``setup_context(ctx, inputs, output)``) and call ``Fn.apply(...)``.
    """

    # True for ember's own ops: forward receives and returns backend arrays
    _array_io = False
    # index of the input whose memory output 0 views (view ops), or None
    _view_of = None
    # whether forward writes into input 0 and returns it (in-place ops)
    _inplace = False
    # ops that move data between devices (to_copy, copy_): index of the arg (a device, or a
    # Tensor) whose device the outputs live on; inputs may then be on different devices
    _out_device = None

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode AD.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @classmethod
    def vjp(cls, ctx, *grad_outputs):
        return cls.backward(ctx, *grad_outputs)

    @classmethod
    def apply(cls, *args):
        if cls._array_io:
            if _dispatch_hook is not None:  # profiler or autocast on (one global test)
                return _dispatch_hook(cls, args, _apply_op)
            return _apply_op(cls, args)
        return _apply_user_function(cls, args)


def _apply_op(cls, args):
    """The hot path of every ember op: unwrap, compute, wrap; record a node only if needed."""
    if _vmap_hook is not None:
        out = _vmap_hook(cls, args)
        if out is not NotImplemented:
            return out
    dev = None
    needs = False
    arrays = []
    append = arrays.append
    for a in args:
        if isinstance(a, Tensor):
            if dev is None:
                dev = a._device
            elif a._device is not dev and cls._out_device is None:
                dev, args = _common_device(cls, args)
                return _apply_op(cls, args)
            if a._requires_grad:
                needs = True
            append(a._data)
        else:
            append(a)
    if dev is None:
        dev = CPU
    if needs and _GradState.enabled:
        ctx = cls._node_cls()
        ctx.xp = xp_for(dev)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        if cls._inplace:
            _check_inplace(args[0])
        out = cls.forward(ctx, *arrays)
        if cls._out_device is not None:
            dev = _out_dev(cls, args)
            ctx.xp = xp_for(dev)
        return _wrap_outputs(cls, ctx, args, arrays, out, dev, True)
    ctx = _NULL_CTX.get(dev) or _null_ctx(dev)
    out = cls.forward(ctx, *arrays)
    if cls._out_device is not None:
        dev = _out_dev(cls, args)
        ctx = _NULL_CTX.get(dev) or _null_ctx(dev)
    if cls._inplace:
        target = args[0]
        if target._base is not None and target._attr_ver == -1 and _GradState.enabled:
            _check_inplace(target)
        target._version[0] += 1
        return target
    if type(out) is ctx.ndarray and cls._view_of is None:
        return make(out, dev)
    return _wrap_outputs(cls, ctx, args, arrays, out, dev, False)


def _apply_user_kw(cls, *args, **kwargs):
    if _has_setup_context(cls):
        sig = cls.__dict__.get("_fwd_signature")
        if sig is None:
            import inspect

            sig = inspect.signature(cls.forward)
            cls._fwd_signature = sig
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        return _apply_user_function(cls, bound.args)
    return _apply_user_function(cls, args, kwargs)


def _apply_user_function(cls, args, kwargs=None):
    if _vmap_hook is not None and not kwargs:
        out = _vmap_hook(cls, args)
        if out is not NotImplemented:
            return out
    dev = None
    needs = False
    for a in args:
        if isinstance(a, Tensor):
            if dev is None:
                dev = a._device
            if a._requires_grad:
                needs = True
    if dev is None:
        dev = CPU
    record = needs and _GradState.enabled
    ctx = cls._node_cls()
    ctx.xp = xp_for(dev)
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
    ctx._nargs = len(args)
    with no_grad():
        if _has_setup_context(cls):
            out = cls.forward(*args)
            cls.setup_context(ctx, args, out)
        elif kwargs:
            out = cls.forward(ctx, *args, **kwargs)
        else:
            out = cls.forward(ctx, *args)
    if ctx._dirty:
        _mark_dirty_inputs(ctx, args, record)
    return _wrap_outputs(cls, ctx, args, None, out, dev, record)


def _mark_dirty_inputs(ctx, args, record):
    """Inputs a custom function changed in place (ctx.mark_dirty): checks and version bump."""
    for d in ctx._dirty:
        if not any(d is a for a in args):
            raise RuntimeError("mark_dirty only accepts input tensors, but argument 0 isn't "
                               "one.")
        if _GradState.enabled:
            if d.grad_fn is None and d._requires_grad:
                raise RuntimeError("a leaf Variable that requires grad has been used in an "
                                   "in-place operation.")
            if record:
                _check_inplace(d)
        d._version[0] += 1


def _out_dev(cls, args):
    d = args[cls._out_device]
    return d._device if isinstance(d, Tensor) else d


def _common_device(cls, args):
    """Tensors on several devices: allowed only for 0-dim CPU tensors, which move over."""
    devs = [a._device for a in args if isinstance(a, Tensor) and (a.ndim or a._device is not CPU)]
    main = devs[0] if devs else CPU
    for d in devs:
        if d is not main:
            raise RuntimeError("Expected all tensors to be on the same device, but found at "
                               f"least two devices, {main} and {d}!")
    moved = tuple(a.to(main) if isinstance(a, Tensor) and a._device is not main else a
                  for a in args)
    return main, moved


def _has_setup_context(cls):
    return cls.setup_context is not Function.setup_context


# nodes of ops that return several views: their outputs may not be modified in place
_MULTI_VIEW = {"UnbindBackward0": "Unbind", "SplitBackward0": "Split",
               "SplitWithSizesBackward0": "SplitWithSizes"}


def _check_inplace(target):
    if target.grad_fn is None and target._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    base = target._base
    if base is not None:
        if base.grad_fn is None and base._requires_grad:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                               "an in-place operation.")
        fn = target._grad_fn
        if fn is not None and type(fn).__name__ in _MULTI_VIEW:
            raise RuntimeError(
                f"Output {target._output_nr} of {_MULTI_VIEW[type(fn).__name__]} is a view and "
                "is being modified inplace. This view is the output of a function that returns "
                "multiple views. Such functions do not allow the output views to be modified "
                "inplace. You should replace the inplace operation by an out-of-place one.")
        if target._attr_ver == -1:
            raise RuntimeError(
                "A view was created in no_grad mode and is being modified inplace with grad "
                "mode enabled. Given that this use case is ambiguous and error-prone, it is "
                "forbidden. You can clarify your code by moving both the view and the inplace "
                "either both inside the no_grad block (if you don't want the inplace to be "
                "tracked) or both outside (if you want the inplace to be tracked).")


def _wrap_outputs(cls, ctx, args, arrays, out, dev, record):
    single = type(out) is not tuple
    outs = (out,) if single else out
    results = []
    non_diff = ctx._non_diff if record else None
    for i, o in enumerate(outs):
        if cls._array_io:
            if cls._inplace and i == 0:
                target = args[0]
                target._version[0] += 1
                results.append(target)
                continue
            if not isinstance(o, ctx.xp.ndarray):
                arr = ctx.xp.asarray(o)
                if record and ctx._to_save:  # a 0-dim result came back as a NumPy scalar
                    ctx._to_save = tuple(arr if s is o else s for s in ctx._to_save)
                o = arr
            if i == 0 and cls._view_of is not None:
                base = args[cls._view_of]
                t = make(o, dev, False, None, 0, base._version)
                t._base = base if base._base is None else base._base
                if not record and base._requires_grad:
                    t._attr_ver = -1  # a view made without grad of a tensor that requires it
            else:
                t = make(o, dev)
            results.append(t)
        else:
            if isinstance(o, Tensor):
                if any(o is a for a in args) and (ctx._dirty is None
                                                  or not any(o is d for d in ctx._dirty)):
                    o = o.view_as(o)  # returning an input unchanged gives a new alias
                results.append(o)
            else:
                results.append(o)
    if record:
        _record(cls, ctx, args, arrays, results, non_diff)
    elif ctx.__class__ is not _NullCtx and not cls._array_io:
        ctx._to_save = None
    return results[0] if single else tuple(results)


def _record(cls, ctx, args, arrays, results, non_diff):
    Tensor = _tensor.Tensor
    dirty = ctx._dirty
    nexts = []
    pos = []
    meta = []
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            if a._requires_grad:
                # an in-place target was checked (its node regenerated if stale) before its
                # version was bumped: read its node directly
                fn = a._grad_fn if a._base is None or (i == 0 and cls._inplace) or (
                    dirty is not None and any(a is d for d in dirty)) else a.grad_fn
                if fn is None:
                    nexts.append((accumulator_of(a), 0))
                else:
                    nexts.append((fn, a._output_nr))
                meta.append((a._data.shape, a.dtype))
            else:
                nexts.append((None, 0))
                meta.append(None)
            pos.append(i)
    ctx.next_functions = tuple(nexts)
    ctx._arg_pos = tuple(pos)
    ctx._input_meta = tuple(meta)
    out_meta = []
    for i, t in enumerate(results):
        if not isinstance(t, Tensor):
            out_meta.append(None)
            continue
        out_meta.append((t._data.shape, t.dtype, t._device))
        differentiable = t.dtype.is_floating_point or t.dtype.is_complex
        if non_diff is not None and any(t is n or t._data is n for n in non_diff):
            differentiable = False
        if differentiable:
            inplace = (cls._inplace and i == 0) or (
                ctx._dirty is not None and any(t is d for d in ctx._dirty))
            if inplace and t._retains_grad:
                _move_retain_hook(t, ctx, i)
            if inplace and t._base is not None:
                from ember.autograd import _views

                _views.rebase_view_history(t, ctx, i)
            else:
                t._grad_fn = ctx
                t._output_nr = i
                t._requires_grad = True
                if t._base is not None:
                    t._attr_ver = t._version[0]
    ctx._out_meta = tuple(out_meta)
    to_save = ctx._to_save
    if to_save:
        ctx._to_save = None
        ctx._saved = [_resolve_saved(x, args, arrays, results, cls._inplace) for x in to_save]
        if _SAVED_HOOKS:
            pack, unpack = _SAVED_HOOKS[-1]
            ctx._saved = [_PackedSaved(rec, pack, unpack, ctx) if rec is not None else None
                          for rec in ctx._saved]
    if anomaly_mode._enabled:
        ctx._anomaly_trace = anomaly_mode.capture_stack()


# (pack, unpack) pairs of active autograd.graph.saved_tensors_hooks, innermost last
_SAVED_HOOKS = []


class _PackedSaved:
    """A saved value handed to a saved_tensors_hooks pack hook; unpacked on access."""

    __slots__ = ("packed", "unpack_fn")

    def __init__(self, rec, pack, unpack, node):
        self.packed = pack(rec.unpack(node))
        self.unpack_fn = unpack

    def unpack(self, node):
        return self.unpack_fn(self.packed)


def _move_retain_hook(t, ctx, nr):
    """retain_grad follows a tensor to the node of the in-place op that rewrote it."""
    old = t._grad_fn
    hooks = old._retain_hooks if old is not None else None
    fn = hooks.pop(t._output_nr, None) if hooks else None
    if fn is None:
        return
    if ctx._retain_hooks is None:
        ctx._retain_hooks = {}
    ctx._retain_hooks[nr] = fn


def _resolve_saved(x, args, arrays, results, inplace=False):
    """Classify a saved value as an input, an output or an intermediate of the node."""
    if x is None:
        return None
    Tensor = _tensor.Tensor
    is_tensor = isinstance(x, Tensor)
    if inplace:
        # another input aliasing the in-place target (x.mul_(x)) was saved before the write
        ver = args[0]._version
        for i in range(1, len(args)):
            a = args[i]
            if isinstance(a, Tensor) and a._version is ver and (a is x or arrays[i] is x):
                rec = _SavedTensor(a, a._data, ver, -1, a._device)
                rec.saved_version -= 1
                return rec
    for i, r in enumerate(results):
        if isinstance(r, Tensor) and (r is x or (not is_tensor and r._data is x)):
            if r.grad_fn is None:  # a non-differentiable output: save it as a plain value
                return _SavedTensor(r, r._data, r._version, -1, r._device)
            return _SavedTensor(None, r._data, r._version, i, r._device)
    for i, a in enumerate(args):
        if isinstance(a, Tensor) and (a is x or (arrays is not None and arrays[i] is x)):
            return _SavedTensor(a, a._data, a._version, -1, a._device)
    if is_tensor:
        return _SavedTensor(x, x._data, x._version, -1, x._device)
    return _SavedTensor(None, x, None, -1, _tensor.device_of(x))


def once_differentiable(backward):
    """Mark a backward as first-order only: its results cannot be differentiated again."""
    import functools

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            out = backward(ctx, *grads)
        if not _GradState.enabled:
            return out
        requires = any(isinstance(g, _tensor.Tensor) and g._requires_grad for g in grads)
        if not requires:
            return out
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        deps = [g for g in grads if isinstance(g, _tensor.Tensor) and g._requires_grad]
        dev = deps[0]._device
        ndarray = xp_for(dev).ndarray
        # raw arrays (ops' first-order backwards) are wrapped too, so that differentiating
        # them raises instead of silently giving zero
        marked = tuple(_DelayedError.apply(make(g, dev) if isinstance(g, ndarray) else g, *deps)
                       if isinstance(g, (_tensor.Tensor, ndarray)) else g for g in outs)
        return marked[0] if single else marked

    return wrapper


class _DelayedError(Function):
    node_name = "Error"

    @staticmethod
    def forward(ctx, x, *deps):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")


class InplaceFunction(Function):
    pass


class NestedIOFunction(Function):
    pass
