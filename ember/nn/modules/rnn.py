"""Recurrent layers: RNN, LSTM, GRU and their single-step cells."""

import math
import numbers
import warnings

from ember._ops import creation
from ember._ops import joining
from ember._ops import rnn_ops
from ember.nn import init
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter
from ember.nn.utils.rnn import PackedSequence

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _dropout(x, p, training):
    from ember.nn import functional as F

    if hasattr(F, "dropout"):
        return F.dropout(x, p, training)
    if not training or p == 0:
        return x
    keep = creation.empty(x.shape, dtype=x.dtype, device=x.device).bernoulli_(1 - p)
    return x * keep / (1 - p)


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU: parameters per layer and direction, the layer
    loop over padded or packed input."""

    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                     "dropout", "bidirectional", "proj_size"]

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
                or isinstance(dropout, bool)):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        gate_size = _GATES[mode] * hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        real_hidden = proj_size if proj_size > 0 else hidden_size
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_in = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
                shapes = [(gate_size, layer_in), (gate_size, real_hidden)]
                if bias:
                    names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
                    shapes += [(gate_size,), (gate_size,)]
                if proj_size > 0:
                    names.append(f"weight_hr_l{layer}{suffix}")
                    shapes.append((proj_size, hidden_size))
                for n, s in zip(names, shapes):
                    setattr(self, n, Parameter(creation.empty(s, **factory_kwargs)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self):
        """A no-op: ember keeps parameters separate (kept for API compatibility)."""

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------------ checks
    def check_input(self, input, batch_sizes):
        expected = 2 if batch_sizes is not None else 3
        if input.ndim != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.ndim}")
        if self.input_size != input.shape[-1]:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")

    def _check_hidden(self, hx, expected, msg="Expected hidden size {}, got {}"):
        if tuple(hx.shape) != tuple(expected):
            raise RuntimeError(msg.format(tuple(expected), list(hx.shape)))

    def _weights(self, layer, direction):
        suffix = "_reverse" if direction == 1 else ""

        def get(name):
            return getattr(self, f"{name}_l{layer}{suffix}", None)

        return (get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"),
                get("weight_hr"))

    # ------------------------------------------------------------------ the layer loop
    def _run(self, x, batch_sizes, h0, c0):
        """x: (T, B, In) padded (batch_sizes None) or packed data (sum(bs), In)."""
        mode = "LSTM" if self.mode == "LSTM" else ("GRU" if self.mode == "GRU" else "RNN")
        relu = self.mode == "RNN_RELU"
        nd = 2 if self.bidirectional else 1
        if batch_sizes is None:
            steps, full = x.shape[0], x.shape[1]
            bs = [full] * steps
        else:
            bs = batch_sizes
        offsets = [0]
        for b in bs:
            offsets.append(offsets[-1] + b)
        hn, cn = [], []
        layer_in = x
        for layer in range(self.num_layers):
            outs_dirs = []
            for d in range(nd):
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, d)
                if batch_sizes is None:
                    # one 2-D GEMM for every step of the layer (and one for its weight gradient;
                    # a 3-D @ 2-D product's backward is a batched product summed over steps)
                    steps_, batch_ = layer_in.shape[0], layer_in.shape[1]
                    xw = (layer_in.reshape(steps_ * batch_, -1) @ w_ih.t()).reshape(
                        steps_, batch_, -1)
                else:
                    xw = layer_in @ w_ih.t()  # one GEMM for every step of the layer
                if b_ih is not None:
                    xw = xw + (b_ih if mode == "GRU" else b_ih + b_hh)
                if batch_sizes is None:
                    steps_xw = xw.unbind(0)
                else:
                    steps_xw = [xw[offsets[t]:offsets[t + 1]] for t in range(len(bs))]
                k = layer * nd + d
                if mode == "LSTM" and batch_sizes is None and w_hr is None:
                    # padded input: the whole layer-direction is one fused node
                    out_d, h, c = rnn_ops.LSTMLayer.apply(xw, h0[k], c0[k], w_hh, d == 1)
                    hn.append(h)
                    cn.append(c)
                    outs_dirs.append(out_d)
                    continue
                outs, h, c = rnn_ops.run_direction(
                    mode, steps_xw, bs, h0[k], None if c0 is None else c0[k],
                    (w_ih, w_hh, b_ih, b_hh, w_hr), reverse=d == 1, relu=relu)
                hn.append(h)
                if c is not None:
                    cn.append(c)
                if batch_sizes is None:
                    outs_dirs.append(joining.stack(outs, 0))
                else:
                    outs_dirs.append(joining.cat(outs, 0))
            out = outs_dirs[0] if nd == 1 else joining.cat(outs_dirs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                out = _dropout(out, self.dropout, True)
            layer_in = out
        h_n = joining.stack(hn, 0)
        c_n = joining.stack(cn, 0) if cn else None
        return layer_in, h_n, c_n

    def _forward(self, input, hx):
        is_lstm = self.mode == "LSTM"
        orig_input = input
        batch_sizes = None
        unbatched = False
        if isinstance(orig_input, PackedSequence):
            input, batch_sizes_t, sorted_indices, unsorted_indices = orig_input
            batch_sizes = [int(v) for v in batch_sizes_t.numpy().tolist()]
            max_batch = batch_sizes[0]
        else:
            name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(self.mode, self.mode)
            if input.ndim not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D "
                                 f"instead")
            sorted_indices = unsorted_indices = None
            unbatched = input.ndim == 2
            if unbatched:
                input = input.unsqueeze(1)
            elif self.batch_first:
                input = input.transpose(0, 1)
            max_batch = input.shape[1]
        nd = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        h_shape = (self.num_layers * nd, max_batch, real_hidden)
        c_shape = (self.num_layers * nd, max_batch, self.hidden_size)
        if hx is None:
            h0 = creation.zeros(h_shape, dtype=input.dtype, device=input.device)
            c0 = (creation.zeros(c_shape, dtype=input.dtype, device=input.device)
                  if is_lstm else None)
        else:
            if is_lstm:
                h0, c0 = hx
            else:
                h0, c0 = hx, None
            if unbatched:
                for t in (h0, c0) if is_lstm else (h0,):
                    if t.ndim != 2:
                        kind = "hx and cx" if is_lstm else "hx"
                        raise RuntimeError(f"For unbatched 2-D input, {kind} should also be 2-D "
                                           f"but got {t.ndim}-D tensor")
                h0 = h0.unsqueeze(1)
                c0 = c0.unsqueeze(1) if c0 is not None else None
            elif not isinstance(orig_input, PackedSequence):
                for t in (h0, c0) if is_lstm else (h0,):
                    if t.ndim != 3:
                        kind = "hx and cx" if is_lstm else "hx"
                        raise RuntimeError(f"For batched 3-D input, {kind} should also be 3-D "
                                           f"but got {t.ndim}-D tensor")
            if sorted_indices is not None:
                h0 = h0[:, sorted_indices]
                c0 = c0[:, sorted_indices] if c0 is not None else None
        self.check_input(input, batch_sizes_t if batch_sizes is not None else None)
        self._check_hidden(h0, h_shape, "Expected hidden[0] size {}, got {}" if is_lstm
                           else "Expected hidden size {}, got {}")
        if is_lstm:
            self._check_hidden(c0, c_shape, "Expected hidden[1] size {}, got {}")
        out, h_n, c_n = self._run(input, batch_sizes, h0, c0)
        if unsorted_indices is not None:
            h_n = h_n[:, unsorted_indices]
            c_n = c_n[:, unsorted_indices] if c_n is not None else None
        if isinstance(orig_input, PackedSequence):
            output = PackedSequence(out, batch_sizes_t, sorted_indices, unsorted_indices)
        else:
            output = out
            if unbatched:
                output = output.squeeze(1)
                h_n = h_n.squeeze(1)
                c_n = c_n.squeeze(1) if c_n is not None else None
            elif self.batch_first:
                output = output.transpose(0, 1)
        return output, ((h_n, c_n) if is_lstm else h_n)


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or relu."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             f"or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx=None):
        return self._forward(input, hx)


class LSTM(RNNBase):
    """Long short-term memory over a sequence; optional projections (proj_size)."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input, hx=None):
        return self._forward(input, hx)


class GRU(RNNBase):
    """Gated recurrent unit over a sequence."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        return self._forward(input, hx)


class RNNCellBase(Module):
    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(creation.empty((num_chunks * hidden_size, input_size),
                                                  **factory_kwargs))
        self.weight_hh = Parameter(creation.empty((num_chunks * hidden_size, hidden_size),
                                                  **factory_kwargs))
        if bias:
            self.bias_ih = Parameter(creation.empty(num_chunks * hidden_size, **factory_kwargs))
            self.bias_hh = Parameter(creation.empty(num_chunks * hidden_size, **factory_kwargs))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += f", bias={self.bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _prep(self, input, hx, name):
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D "
                             f"instead")
        if hx is not None and not isinstance(hx, tuple) and hx.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {hx.ndim}D instead")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} "
                               f"expected {self.input_size}")
        return input, batched

    def _zeros(self, input):
        return creation.zeros((input.shape[0], self.hidden_size), dtype=input.dtype,
                              device=input.device)


class RNNCell(RNNCellBase):
    """One Elman RNN step."""

    __constants__ = ["input_size", "hidden_size", "bias", "nonlinearity"]

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, batched = self._prep(input, hx, "RNNCell")
        hx = self._zeros(input) if hx is None else (hx if batched else hx.unsqueeze(0))
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        h = rnn_ops.rnn_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                             self.bias_hh, relu=self.nonlinearity == "relu")
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        input, batched = self._prep(input, hx, "LSTMCell")
        if hx is None:
            z = self._zeros(input)
            hx = (z, z)
        elif not batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = rnn_ops.lstm_cell(input, hx[0], hx[1], self.weight_ih, self.weight_hh,
                                 self.bias_ih, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        input, batched = self._prep(input, hx, "GRUCell")
        hx = self._zeros(input) if hx is None else (hx if batched else hx.unsqueeze(0))
        h = rnn_ops.gru_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                             self.bias_hh)
        return h if batched else h.squeeze(0)
