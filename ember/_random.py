"""Generators: seeded random streams per device.

The CPU generator is torch's: a Mersenne Twister (mt19937) seeded with the standard init_genrand
routine from the low 32 bits of the seed, read as raw 32-bit words (``random_raw32``) or 64-bit
words made of two consecutive 32-bit draws, the first one the high half (``random_raw64``). It
also keeps torch's generator-level cache of the second Box-Muller normal value, so that sampling
functions interleaved on one generator stay in step with torch. ``get_state``/``set_state`` use
torch's byte layout (a uint8 tensor of 5056 bytes), so states move between the two frameworks.
The recipes that turn raw draws into values live in ember/_ops/random.py (see docs/random.md).

Generators of other devices (cuda) run the same mt19937 on the host: their streams are ember's
own and do not match torch's CUDA (Philox) streams.
"""

import numpy as np

from ember._device import CPU
from ember._device import device as _device_cls

_DEFAULT_SEED = 67280421310721
_N = 624
_STATE_BYTES = 5056


def _seeded_mt(seed32):
    bitgen = np.random.MT19937(0)
    bitgen._legacy_seeding(seed32)
    return bitgen


class Generator:
    """A random number generator for one device (``ember.Generator(device='cpu')``)."""

    def __init__(self, device="cpu"):
        self.device = _device_cls(device)
        self.manual_seed(_DEFAULT_SEED)

    # -------------------------------------------------------------- seeding
    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed = seed & 0xFFFFFFFFFFFFFFFF
        if seed > 0xFFFFFFFFFFFFFFFF:
            raise RuntimeError("Overflow when unpacking long")
        self._seed = seed
        # mt19937 is seeded from the low 32 bits, with the standard init_genrand routine
        self._state = _seeded_mt(seed & 0xFFFFFFFF)
        self._fresh = True                  # seeded, no draw yet (torch's next=0, left=1)
        self._next_double_normal = None     # torch's cached second Box-Muller value (double)
        self._next_float_normal = None      # torch's float cache (kept for the state layout)
        self._numpy = None
        return self

    def seed(self):
        import os

        s = int.from_bytes(os.urandom(8), "little") & 0x7FFFFFFFFFFFFFFF
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    # -------------------------------------------------------------- raw draws
    def random_raw32(self, n):
        """n raw 32-bit mt19937 outputs (uint64 array holding 32-bit values)."""
        n = int(n)
        if n <= 0:
            return np.empty(0, np.uint64)
        self._fresh = False
        return self._state.random_raw(n)

    def random_raw64(self, n):
        """n 64-bit values, each from two 32-bit draws: (first << 32) | second."""
        n = int(n)
        if n <= 0:
            return np.empty(0, np.uint64)
        r = self.random_raw32(2 * n)
        return (r[0::2] << np.uint64(32)) | r[1::2]

    def numpy_rng(self):
        """A NumPy Generator drawing from this generator's mt19937 stream (for samplers that
        are ember's own, not torch's recipes)."""
        self._fresh = False
        if self._numpy is None:
            self._numpy = np.random.Generator(self._state)
        return self._numpy

    # -------------------------------------------------------------- state (torch's layout)
    def get_state(self):
        """The state as torch lays it out: a uint8 tensor of 5056 bytes."""
        from ember._ops import creation

        st = self._state.state["state"]
        key = np.asarray(st["key"], dtype=np.uint32)
        pos = int(st["pos"])
        if self._fresh:
            nxt, left = 0, 1
        else:
            nxt, left = pos, _N + 1 - pos
        buf = np.zeros(_STATE_BYTES, np.uint8)
        buf[0:8] = np.array([self._seed], np.uint64).view(np.uint8)
        buf[8:16] = np.array([left, 1], np.int32).view(np.uint8)
        buf[16:24] = np.array([nxt], np.uint64).view(np.uint8)
        buf[24:24 + 8 * _N] = key.astype(np.uint64).view(np.uint8)
        off = 24 + 8 * _N                      # normal_x, normal_y, normal_rho, normal_is_valid
        if self._next_double_normal is not None:
            buf[off + 8:off + 16] = np.array([self._next_double_normal], np.float64).view(np.uint8)
            buf[off + 24:off + 28] = np.array([1], np.int32).view(np.uint8)
        if self._next_float_normal is not None:
            buf[off + 32:off + 36] = np.array([self._next_float_normal], np.float32).view(np.uint8)
            buf[off + 36] = 1
        return creation.tensor(buf)

    def set_state(self, new_state):
        raw = np.ascontiguousarray(np.asarray(new_state.detach().cpu().numpy()))
        if raw.dtype != np.uint8:
            raise RuntimeError(f"expected a torch.ByteTensor, but got {raw.dtype}")
        raw = raw.reshape(-1)
        if raw.size != _STATE_BYTES:
            raise RuntimeError("Expected either a THGeneratorState of size 5048 or a "
                               "CPUGeneratorImplState of size 5056 but found the input RNG "
                               f"state size to be {raw.size}")
        seed = int(raw[0:8].view(np.uint64)[0])
        left = int(raw[8:12].view(np.int32)[0])
        nxt = int(raw[16:24].view(np.uint64)[0])
        key = raw[24:24 + 8 * _N].view(np.uint64).astype(np.uint32)
        off = 24 + 8 * _N
        bitgen = np.random.MT19937(0)
        st = bitgen.state
        st["state"]["key"] = key
        # torch draws state[next] after decrementing `left`, twisting when it reaches 0
        st["state"]["pos"] = _N if left <= 1 else nxt
        bitgen.state = st
        self._state = bitgen
        self._seed = seed
        self._fresh = left <= 1 and nxt == 0
        valid = int(raw[off + 24:off + 28].view(np.int32)[0])
        self._next_double_normal = float(raw[off + 8:off + 16].view(np.float64)[0]) if valid \
            else None
        self._next_float_normal = float(raw[off + 32:off + 36].view(np.float32)[0]) \
            if raw[off + 36] else None
        self._numpy = None
        return self

    def __repr__(self):
        return f"<ember._C.Generator object at {hex(id(self))}>"


_default = {}


def default_generator(device=CPU):
    device = _device_cls(device)
    gen = _default.get(device)
    if gen is None:
        gen = _default[device] = Generator(device)
    return gen


def manual_seed(seed):
    """Seed the default generators of every device; returns the CPU generator."""
    seed = int(seed)
    for gen in _default.values():
        gen.manual_seed(seed)
    gen = default_generator(CPU)
    gen.manual_seed(seed)
    try:
        from ember import cuda

        if cuda.is_available():
            cuda.manual_seed_all(seed)
    except ImportError:
        pass
    return gen


def seed():
    return default_generator(CPU).seed()


def initial_seed():
    return default_generator(CPU).initial_seed()


def get_rng_state():
    return default_generator(CPU).get_state()


def set_rng_state(state):
    default_generator(CPU).set_state(state)


def generator_for(generator, device=CPU):
    return generator if generator is not None else default_generator(device)
