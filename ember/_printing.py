"""Tensor repr, laid out exactly as torch prints tensors, and set_printoptions.

The layout rules (shared element width, integer/fixed/scientific choice, summarisation with
'...', line wrapping at linewidth, suffixes such as dtype= and grad_fn=) follow torch's printed
output; they work on a host NumPy copy of the data.
"""

import math

import numpy as np

from ember import _dtype


class _PrintOptions:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set options for printing tensors (as torch.set_printoptions)."""
    if profile is not None:
        for key, value in _PROFILES[profile].items():
            setattr(OPTS, key, value)
    if precision is not None:
        OPTS.precision = precision
    if threshold is not None:
        OPTS.threshold = threshold
    if edgeitems is not None:
        OPTS.edgeitems = edgeitems
    if linewidth is not None:
        OPTS.linewidth = linewidth
    OPTS.sci_mode = sci_mode


def get_printoptions():
    return {k: getattr(OPTS, k) for k in ("precision", "threshold", "edgeitems", "linewidth",
                                         "sci_mode")}


class _Formatter:
    """Chooses one element width and notation for all values of a tensor."""

    def __init__(self, values, is_float):
        self.is_float = is_float
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not is_float:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(str(v)))
        else:
            finite = flat[np.isfinite(flat) & (flat != 0)]
            if finite.size:
                self._choose(finite.astype(np.float64))
        if OPTS.sci_mode is not None:
            self.sci_mode = OPTS.sci_mode

    def _choose(self, vals):
        absvals = np.abs(vals)
        lo, hi = float(absvals.min()), float(absvals.max())
        values = vals.tolist()
        p = OPTS.precision
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        wide = hi / lo > 1000.0 or hi > 1.0e8
        if self.int_mode:
            if wide:
                self.sci_mode = True
                self.max_width = max(len(f"{v:.{p}e}") for v in values)
            else:
                self.max_width = max(len(f"{v:.0f}") + 1 for v in values)
        elif wide or lo < 1.0e-4:
            self.sci_mode = True
            self.max_width = max(len(f"{v:.{p}e}") for v in values)
        else:
            self.max_width = max(len(f"{v:.{p}f}") for v in values)

    def width(self):
        return self.max_width

    def format(self, value):
        p = OPTS.precision
        if self.is_float:
            if self.sci_mode:
                text = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{p}f}"
        else:
            text = str(value)
        return (self.max_width - len(text)) * " " + text


def _summarized(arr):
    """Only the edge items of every dimension (what the formatter needs to see)."""
    e = OPTS.edgeitems
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        return np.concatenate([arr[:e], arr[-e:]]) if arr.shape[0] > 2 * e else arr
    if not e:
        return arr[(slice(0, 0),) * arr.ndim]
    rows = list(range(e)) + list(range(arr.shape[0] - e, arr.shape[0])) \
        if arr.shape[0] > 2 * e else range(arr.shape[0])
    return np.stack([_summarized(arr[i]) for i in rows])


def _complex_str(real_fmt, imag_fmt, value):
    real = real_fmt.format(value.real)
    imag = (imag_fmt.format(value.imag) + "j").lstrip()
    if imag[0] in "+-":
        return real + imag
    return real + "+" + imag


def _element(value, fmt, fmt2):
    if fmt2 is not None:
        return _complex_str(fmt, fmt2, value)
    return fmt.format(value)


def _vector_str(arr, indent, summarize, fmt, fmt2):
    element_length = fmt.width() + 2
    if fmt2 is not None:
        element_length += fmt2.width() + 1
    per_line = max(1, int(math.floor((OPTS.linewidth - indent) / element_length)))
    e = OPTS.edgeitems
    if summarize and arr.shape[0] > 2 * e:
        data = ([_element(v, fmt, fmt2) for v in arr[:e].tolist()] + [" ..."]
                + [_element(v, fmt, fmt2) for v in arr[-e:].tolist()])
    else:
        data = [_element(v, fmt, fmt2) for v in arr.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(arr, indent, summarize, fmt, fmt2):
    if arr.ndim == 0:
        return _element(arr.item(), fmt, fmt2)
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, fmt, fmt2)
    e = OPTS.edgeitems
    if summarize and arr.shape[0] > 2 * e:
        slices = ([_nested_str(arr[i], indent + 1, summarize, fmt, fmt2) for i in range(e)]
                  + ["..."]
                  + [_nested_str(arr[i], indent + 1, summarize, fmt, fmt2)
                     for i in range(arr.shape[0] - e, arr.shape[0])])
    else:
        slices = [_nested_str(arr[i], indent + 1, summarize, fmt, fmt2)
                  for i in range(arr.shape[0])]
    sep = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(slices) + "]"


def _host_values(t):
    arr = np.asarray(t.detach().__array__())
    if arr.dtype in (_dtype.float16.np_dtype, _dtype.bfloat16.np_dtype):
        arr = arr.astype(np.float32)
    return arr


def _tensor_str(t, indent):
    arr = _host_values(t)
    summarize = arr.size > OPTS.threshold
    seen = _summarized(arr) if summarize else arr
    if np.iscomplexobj(arr):
        fmt = _Formatter(seen.real, True)
        fmt2 = _Formatter(seen.imag, True)
        return _nested_str(arr, indent, summarize, fmt, fmt2)
    fmt = _Formatter(seen, arr.dtype.kind == "f")
    return _nested_str(arr, indent, summarize, fmt, None)


def _add_suffixes(text, suffixes, indent):
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t, tensor_contents=None):
    """repr(tensor) as torch writes it."""
    from ember import _tensor
    from ember.nn.parameter import Parameter

    plain = type(t) is _tensor.Tensor or type(t) is Parameter
    prefix = "tensor(" if plain else f"{type(t).__name__}("
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    default = _dtype.get_default_dtype()
    has_default_dtype = t.dtype in (default, _dtype.default_complex_dtype(), _dtype.int64,
                                    _dtype.bool_)
    if t.numel() == 0:
        if t.ndim != 1:
            suffixes.append(f"size={tuple(t.shape)}")
        if t.dtype is not default:
            suffixes.append(f"dtype={t.dtype}")
        text = "[]" if tensor_contents is None else tensor_contents
    else:
        if not OPTS.edgeitems:
            suffixes.append(f"size={tuple(t.shape)}")
        if not has_default_dtype:
            suffixes.append(f"dtype={t.dtype}")
        text = _tensor_str(t, indent) if tensor_contents is None else tensor_contents
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    out = _add_suffixes(prefix + text, suffixes, indent)
    if isinstance(t, Parameter) and not plain:
        out = f"Parameter({out})"
    return out
