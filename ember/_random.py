"""Generators: seeded random streams per device.

The CPU generator is a Mersenne Twister (mt19937) seeded like torch's. Sampling functions draw
from it through ``Generator.numpy_rng()`` for now; bit-compatibility with torch's recipes is
the job of ember/_ops/random.py.
"""

import numpy as np

from ember._device import CPU
from ember._device import device as _device_cls

_DEFAULT_SEED = 67280421310721


class Generator:
    """A random number generator for one device (``ember.Generator(device='cpu')``)."""

    def __init__(self, device="cpu"):
        self.device = _device_cls(device)
        self._seed = _DEFAULT_SEED
        self._state = np.random.MT19937(0)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed = seed & 0xFFFFFFFFFFFFFFFF
        self._seed = seed
        # mt19937 is seeded from the low 32 bits, with the standard init_genrand routine
        self._state = np.random.MT19937(0)
        self._state._legacy_seeding(seed & 0xFFFFFFFF)
        self._next_normal = None
        self._numpy = None
        return self

    def seed(self):
        import os

        s = int.from_bytes(os.urandom(8), "little") & 0x7FFFFFFFFFFFFFFF
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def numpy_rng(self):
        """A NumPy Generator drawing from this generator's mt19937 stream."""
        if self._numpy is None:
            self._numpy = np.random.Generator(self._state)
        return self._numpy

    def get_state(self):
        from ember._ops import creation

        st = self._state.state
        key = st["state"]["key"].astype(np.uint32)
        pos = np.array([st["state"]["pos"]], dtype=np.uint32)
        raw = np.concatenate([key, pos]).view(np.uint8)
        return creation.tensor(raw.copy())

    def set_state(self, new_state):
        raw = new_state.numpy().view(np.uint32)
        st = self._state.state
        st["state"]["key"] = raw[:624].astype(np.uint32)
        st["state"]["pos"] = int(raw[624])
        self._state.state = st
        self._numpy = None
        return self


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
