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
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor, _wrap, record, tensor_method
from ._helpers import norm_dim
from .reduction import numpy_names

__all__ = ["softmax", "log_softmax"]


def _implicit_dim(ndim: int, name: str) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", stacklevel=5)
    return 0 if ndim in (0, 1, 3) else 1


def _prepare(input, dim, dtype, name):
    """The input array (cast to ``dtype`` first when given) and the normalised dim."""
    x = input._data
    if dtype is not None:
        x = x.astype(dtypes.as_dtype(dtype).np)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"{name}(): not implemented for {dtypes.from_np(x.dtype)} "
                                  f"input; pass dtype= to compute it in a floating point dtype")
    if dim is None:
        dim = _implicit_dim(x.ndim, name)
    return x, norm_dim(dim, x.ndim, name) if x.ndim else 0


def _shifted(x: np.ndarray, d: int) -> np.ndarray:
    """x − max along d (a row whose max is ±inf or NaN is left as it is)."""
    if not x.size:
        return x - x
    m = x.max(axis=d, keepdims=True) if x.ndim else x
    return x - np.where(np.isfinite(m), m, 0)


@tensor_method
@numpy_names
def softmax(input, dim=None, dtype=None) -> Tensor:
    """yᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m) along ``dim``;  ∂L/∂x = y ⊙ (g − Σ g ⊙ y)."""
    x, d = _prepare(input, dim, dtype, "softmax")
    e = np.exp(_shifted(x, d))
    with np.errstate(invalid="ignore"):
        out = e / e.sum(axis=d, keepdims=True) if x.ndim else e / e

    def backward(g, y):
        if is_grad_enabled():           # building a graph of the gradient: shendu ops
            return y * (g - (g * y).sum(d, keepdim=True))
        gy = g._data * y._data          # the same formula on arrays, without op overhead
        return _wrap(gy - y._data * gy.sum(d if gy.ndim else None, keepdims=True))
    return record(out, "SoftmaxBackward0", (input,), backward, save_output=True)


@tensor_method
@numpy_names
def log_softmax(input, dim=None, dtype=None) -> Tensor:
    """yᵢ = xᵢ − m − log Σⱼ e^(xⱼ − m);  ∂L/∂x = g − e^y · Σ g."""
    x, d = _prepare(input, dim, dtype, "log_softmax")
    z = _shifted(x, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = z - np.log(np.exp(z).sum(axis=d, keepdims=True) if x.ndim else np.exp(z))

    def backward(g, y):
        if is_grad_enabled():
            return g - y.exp() * g.sum(d, keepdim=True)
        gd = g._data
        return _wrap(gd - np.exp(y._data) * gd.sum(d if gd.ndim else None, keepdims=True))
    return record(out, "LogSoftmaxBackward0", (input,), backward, save_output=True)
