"""Devices. Tensors live where their array lives; today that is the CPU (NumPy).

The device of a tensor is read off its array's type, so a GPU array backend (CuPy-like)
can add a device here without changing the ops that ask for it.
"""

from __future__ import annotations

import numpy as np


class device:
    """``shendu.device("cpu")``, as ``torch.device``."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string like 'cpu', got {type!r}")
        if ":" in type:
            type, _, i = type.partition(":")
            index = int(i)
        self.type = type
        self.index = index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


cpu = device("cpu")


def of_array(a) -> device:
    if isinstance(a, np.ndarray):
        return cpu
    raise TypeError(f"no shendu device for arrays of type {type(a).__name__}")


def check(d) -> device:
    """Validate a requested device: only the CPU exists in this build."""
    d = device(d)
    if d.type != "cpu":
        raise RuntimeError(f"device '{d}' is not available: this shendu build runs on the CPU "
                           f"(NumPy) only; use device 'cpu'")
    return d
