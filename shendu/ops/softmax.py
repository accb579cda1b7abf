"""Softmax (归一化指数函数) and log-softmax along one dimension, each as one fused op.

Both subtract the row maximum first, so large logits never overflow, and both have the
closed-form backward (y = softmax(x), g the gradient of the output):

    softmax:      ∂L/∂x = y ⊙ (g − Σ g ⊙ y)
    log_softmax:  ∂L/∂x = g − softmax(x) · Σ g
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import dtypes
from ..tensor import Tensor, record, tensor_method
from ._helpers import float_array, norm_dim

__all__ = ["softmax", "log_softmax"]


def _implicit_dim(ndim: int, name: str) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def _prepare(input, dim, dtype, name):
    x = input._data
    if dtype is not None:
        x = x.astype(dtypes.as_dtype(dtype).np)
    x = float_array(x)
    if dim is None:
        dim = _implicit_dim(x.ndim, name)
    return x, norm_dim(dim, x.ndim, name) if x.ndim else 0


def _shifted(x: np.ndarray, d: int) -> np.ndarray:
    if not x.ndim or not x.size:
        return x - x
    m = x.max(axis=d, keepdims=True)
    return x - np.where(np.isfinite(m), m, 0)


@tensor_method
def softmax(input, dim=None, dtype=None) -> Tensor:
    """yᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m) along ``dim``;  ∂L/∂x = y ⊙ (g − Σ g ⊙ y)."""
    x, d = _prepare(input, dim, dtype, "softmax")
    e = np.exp(_shifted(x, d))
    out = e / e.sum(axis=d, keepdims=True) if x.ndim else np.ones_like(x)

    def backward(g, y):
        if not x.ndim:
            return g * 0
        return y * (g - (g * y).sum(d, keepdim=True))
    return record(out, "SoftmaxBackward0", (input,), backward, save_output=True)


@tensor_method
def log_softmax(input, dim=None, dtype=None) -> Tensor:
    """yᵢ = xᵢ − m − log Σⱼ e^(xⱼ − m);  ∂L/∂x = g − e^y · Σ g."""
    x, d = _prepare(input, dim, dtype, "log_softmax")
    z = _shifted(x, d)
    if x.ndim:
        with np.errstate(divide="ignore"):
            out = z - np.log(np.exp(z).sum(axis=d, keepdims=True))
    else:
        out = np.zeros_like(x)

    def backward(g, y):
        if not x.ndim:
            return g * 0
        return g - y.exp() * g.sum(d, keepdim=True)
    return record(out, "LogSoftmaxBackward0", (input,), backward, save_output=True)
