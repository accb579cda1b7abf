"""Embedding lookup (词嵌入): rows of a weight matrix picked by integer ids."""

from __future__ import annotations

import numpy as np

from ...autograd.grad_mode import no_grad
from ...ops.indexing import index_add_zeros
from ...tensor import Tensor, _wrap, record

__all__ = ["embedding"]


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """out[..., :] = weight[input[...], :].  ∂L/∂weight = the output gradients added into the
    rows that were looked up (a row used twice gets both), none into ``padding_idx``.
    ``max_norm`` rescales, in place, looked-up rows whose norm exceeds it."""
    idx = input._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: expected indices of an integer dtype, got {input.dtype}")
    n = weight._data.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"embedding: index {bad} is out of range for an embedding of "
                         f"{n} rows")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:
        _renorm(weight, idx, max_norm, norm_type)
    w = weight._data
    out = np.take(w, idx.reshape(-1), axis=0).reshape(idx.shape + w.shape[1:])
    flat = idx.reshape(-1)
    flat_t = _wrap(flat)

    def backward(g):
        g2 = g.reshape(-1, *w.shape[1:])
        if padding_idx is not None or scale_grad_by_freq:
            scale = np.ones(flat.shape, g._data.dtype)
            if scale_grad_by_freq:
                counts = np.bincount(flat, minlength=n)
                scale = scale / counts[flat]
            if padding_idx is not None:
                scale[flat == padding_idx] = 0
            g2 = g2 * _wrap(scale.reshape((-1,) + (1,) * (g2._data.ndim - 1)))
        return index_add_zeros(g2, 0, flat_t, w.shape)
    return record(out, "EmbeddingBackward0", (weight,), backward, saved=(flat_t,))


def _renorm(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    rows = np.unique(idx)
    with no_grad():
        w = weight._data
        norms = np.linalg.norm(w[rows].astype(np.float64), ord=norm_type, axis=1)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        w[rows] = (w[rows] * scale[:, None]).astype(w.dtype)
