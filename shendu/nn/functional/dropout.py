"""Dropout (随机失活) as functions, as ``torch.nn.functional``.

In training, dropout zeroes each element with probability p and scales the survivors by
1/(1 − p), so the expected value of every element is unchanged; at evaluation it is the
identity. The mask is a constant of the graph: y = x ⊙ m,  ∂L/∂x = g ⊙ m.

- ``dropout1d/2d/3d`` (and ``feature_alpha_dropout``) drop whole channels: one draw per
  (sample, channel), shared by all positions of that channel's feature map.
- ``alpha_dropout`` keeps the mean 0 and variance 1 of SELU activations: dropped units are set
  to SELU's negative saturation −λα, and an affine map a·x + b restores the moments.

Masks come from shendu's global generator (``shendu.manual_seed`` makes them repeat).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ...random import rng
from ...tensor import Tensor, _wrap, apply_inplace, record

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]

# λ·α of SELU: −λα is the value SELU tends to for x → −∞
_ALPHA = 1.7580993408473766


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(input: Tensor, p: float, training: bool, inplace: bool, *, lead: int | None,
             alpha: bool, name: str) -> Tensor:
    """y = x ⊙ m (+ b for alpha dropout). ``lead``: None draws m per element; k draws it per
    index of the first k dims (2: per (sample, channel); 1: per channel of an unbatched
    input) and shares it along the rest."""
    if p == 0 or not training or input._data.size == 0:
        return input
    x = input._data
    if lead is not None and x.ndim < lead:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = x.shape if lead is None else x.shape[:lead] + (1,) * (x.ndim - lead)
    offset = None
    if p == 1:                      # everything dropped: y = 0·x, as PyTorch
        mask = np.zeros((), x.dtype)
    else:
        keep = (rng().random(shape, dtype=np.float32) < 1.0 - p).astype(x.dtype)
        if alpha:
            # dropped units become −λα; then y = a·(kept x or −λα) + c restores mean 0 and
            # variance 1: a = 1/√((λ²α²p + 1)(1 − p)), c = λα·a·p
            a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
            offset = (keep - 1) * (_ALPHA * a) + _ALPHA * a * p
            mask = keep * a
        else:
            mask = keep * (1.0 / (1 - p))
    m = _wrap(mask)

    def op(t):
        out = t._data * mask
        if offset is not None:
            out += offset
        return record(out, "MulBackward0", (t,), lambda g: g * m, saved=(m,))
    return apply_inplace(input, name + "_", op) if inplace else op(input)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1 − p) in training;
    the identity (the input itself) otherwise."""
    _check_p(p)
    return _dropout(input, p, training, inplace, lead=None, alpha=False, name="dropout")


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: keeps mean 0 and variance 1 (note ``training=False`` by
    default, as in PyTorch)."""
    _check_p(p)
    return _dropout(input, p, training, inplace, lead=None, alpha=True,
                    name="alpha_dropout")


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels of an (N, C, *) input."""
    _check_p(p)
    return _dropout(input, p, training, inplace, lead=2, alpha=True,
                    name="feature_alpha_dropout")


def _channel_dropout(input, p, training, inplace, batched: bool):
    """Channel-wise dropout of an (N, C, *) input, or of an unbatched (C, *) one."""
    return _dropout(input, p, training, inplace, lead=2 if batched else 1, alpha=False,
                    name="feature_dropout")


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, L) or (C, L) input with probability ``p``."""
    _check_p(p)
    d = input.dim()
    if d not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {d}D input. "
                           f"Note that dropout1d exists to provide channel-wise dropout on "
                           f"inputs with 1 spatial dimension, a channel dimension, and an "
                           f"optional batch dimension (i.e. 2D or 3D inputs).")
    return _channel_dropout(input, p, training, inplace, batched=d == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, H, W) input with probability ``p``. As in PyTorch, a
    3-D input is read as (N, C, L) (with a warning), not as an unbatched (C, H, W)."""
    _check_p(p)
    d = input.dim()
    if d not in (3, 4):
        warnings.warn(f"dropout2d: Received a {d}-D input to dropout2d, which is deprecated and "
                      f"will result in an error in a future release. To retain the behavior "
                      f"and silence this warning, please use dropout instead. Note that "
                      f"dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      f"spatial dimensions, a channel dimension, and an optional batch "
                      f"dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if d == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout "
                      "behavior, please switch to using dropout1d instead.", stacklevel=2)
    return _channel_dropout(input, p, training, inplace, batched=True)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input with probability ``p``."""
    _check_p(p)
    d = input.dim()
    if d not in (4, 5):
        warnings.warn(f"dropout3d: Received a {d}-D input to dropout3d, which is deprecated and "
                      f"will result in an error in a future release. To retain the behavior "
                      f"and silence this warning, please use dropout instead. Note that "
                      f"dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      f"spatial dimensions, a channel dimension, and an optional batch "
                      f"dimension (i.e. 4D or 5D inputs).", stacklevel=2)
    return _channel_dropout(input, p, training, inplace, batched=d == 5)
