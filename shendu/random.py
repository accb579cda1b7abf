"""Random numbers: one global generator, seeded by ``shendu.manual_seed`` (reproducible), and
``Generator`` objects for separate streams (e.g. a DataLoader's shuffling).

The streams are NumPy's PCG64, so the numbers differ from PyTorch's for the same seed; the
distributions and the API are PyTorch's.
"""

from __future__ import annotations

import json
import os

import numpy as np

from . import _device

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state"]

_DEFAULT_SEED = 67280421310721        # PyTorch's default initial seed


class Generator:
    """A random stream, as ``torch.Generator``."""

    def __init__(self, device="cpu"):
        self._device = _device.check(device)
        self.manual_seed(_DEFAULT_SEED)

    @property
    def device(self):
        return self._device

    def manual_seed(self, seed: int) -> Generator:
        seed = int(seed)
        self._seed = seed
        self.rng = np.random.Generator(np.random.PCG64(seed & ((1 << 128) - 1)))
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; return the new seed."""
        s = int.from_bytes(os.urandom(8), "little") & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        """The full state as a uint8 tensor (JSON bytes), for checkpoints."""
        from .tensor import _wrap
        blob = json.dumps({"seed": self._seed, "state": self.rng.bit_generator.state})
        return _wrap(np.frombuffer(blob.encode(), np.uint8).copy())

    def set_state(self, state) -> Generator:
        from .tensor import Tensor
        raw = state._data if isinstance(state, Tensor) else np.asarray(state)
        if raw.dtype != np.uint8:
            raise TypeError(f"set_state: expected a uint8 tensor from get_state(), got "
                            f"{raw.dtype}")
        try:
            d = json.loads(raw.tobytes().decode())
            self._seed = int(d["seed"])
            self.rng.bit_generator.state = d["state"]
        except (ValueError, KeyError, TypeError) as e:
            raise RuntimeError(f"set_state: not a shendu generator state ({e})") from None
        return self


default_generator = Generator()


def rng(generator: Generator | None = None) -> np.random.Generator:
    return (generator or default_generator).rng


def manual_seed(seed: int) -> Generator:
    """Seed the global generator, so that runs repeat exactly."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)
