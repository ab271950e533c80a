"""nn.utils.rnn: PackedSequence and the packing / padding helpers."""

from collections import namedtuple

import numpy as np

from ember import _tensor
from ember._ops import creation
from ember._ops import joining

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]

Tensor = _tensor.Tensor

_PackedSequenceBase = namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices",
                                                     "unsorted_indices"])


class PackedSequence(_PackedSequenceBase):
    """Variable-length sequences packed time-major: ``data`` holds the active rows of step 0,
    then of step 1, ...; ``batch_sizes[t]`` says how many rows step t has."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError("batch_sizes should always be on CPU. Instances of "
                                 "PackedSequence should never be created manually. They should "
                                 "be instantiated by functions like pack_sequence and "
                                 "pack_padded_sequences in nn.utils.rnn. "
                                 "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn."
                                 "pack_sequence")
            return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)
        # (data, batch_sizes) given as a tuple, as torch allows
        data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _apply_data(self, fn):
        def idx(t):
            return None if t is None else t.to(device=self.data.device)

        return type(self)(fn(self.data), self.batch_sizes, idx(self.sorted_indices),
                          idx(self.unsorted_indices))

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device
        si = self.sorted_indices.to(dev) if self.sorted_indices is not None else None
        ui = self.unsorted_indices.to(dev) if self.unsorted_indices is not None else None
        return type(self)(data, self.batch_sizes, si, ui)

    def cuda(self, *args, **kwargs):
        return self.to("cuda")

    def cpu(self, *args, **kwargs):
        return self.to("cpu")

    def double(self):
        return self._apply_data(lambda d: d.double())

    def float(self):
        return self._apply_data(lambda d: d.float())

    def half(self):
        return self._apply_data(lambda d: d.half())

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def invert_permutation(permutation):
    if permutation is None:
        return None
    inv = np.empty(permutation.shape[0], dtype=np.int64)
    inv[np.asarray(permutation.cpu().numpy())] = np.arange(permutation.shape[0])
    return creation.tensor(inv, device=permutation.device)


def _lengths_list(lengths):
    if isinstance(lengths, Tensor):
        if lengths.ndim != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                               f"{lengths.ndim}D {lengths.device} {lengths.dtype} tensor")
        return [int(v) for v in lengths.cpu().numpy().tolist()]
    return [int(v) for v in lengths]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *)) of sequences with the given lengths."""
    lens = _lengths_list(lengths)
    if enforce_sorted:
        if any(lens[i] < lens[i + 1] for i in range(len(lens) - 1)):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` "
                               "to pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement if you do not need ONNX exportability.")
        sorted_indices = None
        order = list(range(len(lens)))
    else:
        order = sorted(range(len(lens)), key=lambda i: -lens[i])
        sorted_indices = creation.tensor(order, dtype=_int64(), device=input.device)
    if batch_first:
        input = input.transpose(0, 1)
    if sorted_indices is not None:
        input = input[:, sorted_indices]
    slens = [lens[i] for i in order]
    if slens and slens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    if slens and slens[0] > input.shape[0]:
        raise RuntimeError(f"Expected sequence length to be larger than or equal to "
                           f"{slens[0]}, but got {input.shape[0]}")
    steps = slens[0] if slens else 0
    batch_sizes = [sum(1 for v in slens if v > t) for t in range(steps)]
    data = joining.cat([input[t, :batch_sizes[t]] for t in range(steps)], 0)
    bs = creation.tensor(batch_sizes, dtype=_int64())
    return PackedSequence(data, bs, sorted_indices, None)


def _int64():
    from ember import _dtype

    return _dtype.int64


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Inverse of pack_padded_sequence: returns (padded, lengths)."""
    data, batch_sizes = sequence.data, sequence.batch_sizes
    bs = [int(v) for v in batch_sizes.numpy().tolist()]
    steps = len(bs)
    full = bs[0]
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
    else:
        total_length = steps
    rows = []
    off = 0
    trail = tuple(data.shape[1:])
    for t in range(steps):
        chunk = data[off:off + bs[t]]
        off += bs[t]
        if bs[t] < full:
            fill = creation.full((full - bs[t],) + trail, padding_value, dtype=data.dtype,
                                 device=data.device)
            chunk = joining.cat([chunk, fill], 0)
        rows.append(chunk)
    for _ in range(total_length - steps):
        rows.append(creation.full((full,) + trail, padding_value, dtype=data.dtype,
                                  device=data.device))
    padded = joining.stack(rows, 0)
    lengths = [sum(1 for b in bs if b > i) for i in range(full)]
    lengths_t = creation.tensor(lengths, dtype=_int64())
    if sequence.unsorted_indices is not None:
        padded = padded[:, sequence.unsorted_indices]
        lengths_t = lengths_t[sequence.unsorted_indices.cpu()]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, lengths_t


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack variable-length tensors (L_i, *) into (T, B, *) (or (B, T, *)), padded."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    longest = max(s.shape[0] for s in sequences)
    out = []
    for s in sequences:
        n = longest - s.shape[0]
        if n:
            fill = creation.full((n,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype,
                                 device=s.device)
            s = joining.cat([s, fill] if padding_side == "right" else [fill, s], 0)
        out.append(s)
    return joining.stack(out, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of tensors of the given lengths."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(_lengths_list(lengths))]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of variable-length tensors (L_i, *)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """Inverse of pack_sequence: a list of tensors."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
