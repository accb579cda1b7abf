"""Padding (边缘填充): ``pad(x, (left, right, top, bottom, ...), mode)``, as
``torch.nn.functional.pad``: the pad list starts from the last dimension.

constant: values outside are ``value`` (negative pads crop); its gradient is the same pad with
the amounts negated (a crop). reflect (mirror without the edge), replicate (repeat the edge)
and circular (wrap around) read the input at computed positions, one index_select per padded
dimension, so the gradient adds back at those positions; their negative pads crop too.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _wrap, record
from .indexing import index_select

__all__ = ["pad"]

_MODES = ("reflect", "replicate", "circular")


def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    pads = [int(p) for p in pad]
    x = input._data
    if len(pads) % 2:
        raise RuntimeError(f"pad: Padding length must be divisible by 2, got {len(pads)}")
    if len(pads) // 2 > x.ndim:
        raise RuntimeError(f"pad: Padding length should be less than or equal to two times the "
                           f"input dimension but got padding length {len(pads)} and input of "
                           f"dimension {x.ndim}")
    # (dim, before, after) from the last dimension backwards
    spec = [(x.ndim - 1 - i, pads[2 * i], pads[2 * i + 1]) for i in range(len(pads) // 2)]
    if mode == "constant":
        return _constant_pad(input, spec, 0 if value is None else value)
    if mode not in _MODES:
        raise NotImplementedError(f"pad: Unrecognised padding mode {mode}")
    if value not in (None, 0):
        raise RuntimeError(f"pad: Padding mode \"{mode}\" doesn't take in value argument")
    k = len(spec)
    if not 1 <= k <= 3 or x.ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"pad: Padding size {len(pads)} is not supported for "
                                  f"{x.ndim}D input tensor in mode {mode!r}; supported: 2D or "
                                  f"3D input with padding size 2, 3D or 4D with 4, 4D or 5D "
                                  f"with 6")
    if mode != "circular":
        if x.dtype == np.bool_:
            raise NotImplementedError(f"pad: \"{mode}\" padding not implemented for 'Bool'")
        # the first of k + 2 dims is the batch, which may be empty
        if 0 in x.shape[x.ndim - k - 1:]:
            raise RuntimeError(f"pad: Expected {k + 1}D or {k + 2}D (batch mode) tensor with "
                               f"possibly 0 batch size and other non-zero dimensions for input, "
                               f"but got: {list(x.shape)}")
    out = input
    for d, lo, hi in spec:
        n = x.shape[d]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"pad: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of "
                               f"input {list(x.shape)}")
        if mode == "circular":
            if lo > n or hi > n:
                raise RuntimeError(f"pad: Padding value causes wrapping around more than once: "
                                   f"padding ({lo}, {hi}) at dimension {d} of size {n}")
            if n + lo + hi < 0:
                raise RuntimeError(f"pad: Negative padding value is resulting in an empty "
                                   f"dimension: padding ({lo}, {hi}) at dimension {d} of size "
                                   f"{n}")
            if n + min(lo, 0) + min(hi, 0) <= 0 < max(lo, hi):
                raise RuntimeError(f"pad: circular padding ({lo}, {hi}) crops all of dimension "
                                   f"{d} of size {n}, leaving nothing to wrap around")
        if lo or hi:
            out = index_select(out, d, _wrap(_source_positions(n, lo, hi, mode)))
    return out


def _source_positions(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """For each output position j along a padded dimension, the input position it reads:
    p = j − lo mirrored (reflect) or clamped (replicate) into [0, n); circular first crops the
    negative pads, then wraps around what is left (as PyTorch)."""
    j = np.arange(n + lo + hi)
    if mode == "reflect":
        p = np.abs(j - lo)
        return np.where(p > n - 1, 2 * (n - 1) - p, p)
    if mode == "replicate":
        return np.clip(j - lo, 0, n - 1)
    kept = n + min(lo, 0) + min(hi, 0)
    return max(-lo, 0) + (j - max(lo, 0)) % kept


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
