"""Padding (边缘填充): ``pad(x, (left, right, top, bottom, ...), mode)``, as
``torch.nn.functional.pad``: the pad list starts from the last dimension.

constant: values outside are ``value`` (negative pads crop); its gradient is the same pad with
the amounts negated (a crop). reflect (mirror without the edge), replicate (repeat the edge)
and circular (wrap around) read the input at computed positions, one index_select per padded
dimension, so the gradient adds back at those positions.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _wrap, record
from .indexing import index_select

__all__ = ["pad"]

_NP_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    pads = [int(p) for p in pad]
    x = input._data
    if len(pads) % 2:
        raise RuntimeError(f"pad: padding length must be divisible by 2, got {len(pads)}")
    if len(pads) // 2 > x.ndim:
        raise RuntimeError(f"pad: padding length ({len(pads)}) too large for a "
                           f"{x.ndim}-dimensional input")
    # (dim, before, after) from the last dimension backwards
    spec = [(x.ndim - 1 - i, pads[2 * i], pads[2 * i + 1]) for i in range(len(pads) // 2)]
    if mode == "constant":
        return _constant_pad(input, spec, 0 if value is None else value)
    if mode not in _NP_MODE:
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or "
                                  f"'circular', got {mode!r}")
    if value not in (None, 0):
        raise RuntimeError(f"pad: padding mode \"{mode}\" doesn't take in value argument")
    out = input
    for d, lo, hi in spec:
        n = x.shape[d]
        if lo < 0 or hi < 0:
            raise RuntimeError(f"pad: negative padding is only supported in constant mode, got "
                               f"({lo}, {hi}) at dimension {d}")
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"pad: padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of "
                               f"input {list(x.shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError(f"pad: padding value causes wrapping around more than once: "
                               f"({lo}, {hi}) at dimension {d} of size {n}")
        if n == 0 and (lo or hi):
            raise RuntimeError(f"pad: cannot {mode}-pad the empty dimension {d}")
        if lo or hi:
            where = np.pad(np.arange(n), (lo, hi), mode=_NP_MODE[mode])
            out = index_select(out, d, _wrap(where))
    return out


def _constant_pad(input, spec, value):
    x = input._data
    crop = [slice(None)] * x.ndim
    widths = [(0, 0)] * x.ndim
    for d, lo, hi in spec:
        crop[d] = slice(max(-lo, 0), x.shape[d] - max(-hi, 0))
        widths[d] = (max(lo, 0), max(hi, 0))
        if x.shape[d] + lo + hi < 0:
            raise RuntimeError(f"pad: the input size {x.shape[d]}, plus negative padding "
                               f"{lo} and {hi} resulted in a negative output size at dimension "
                               f"{d}")
    out = np.pad(x[tuple(crop)], widths, mode="constant", constant_values=value)
    back = [-p for d, lo, hi in spec for p in (lo, hi)]
    return record(out, "ConstantPadNdBackward0", (input,), lambda g: pad(g, back))
