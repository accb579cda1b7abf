"""``shendu.linalg``: norms (范数), as ``torch.linalg``."""

from __future__ import annotations

import math

import numpy as np

from .ops.linalg import diagonal, matmul
from .tensor import Tensor, record

__all__ = ["vector_norm", "norm", "matrix_norm", "matmul", "diagonal"]


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """‖x‖_ord over ``dim`` (all dims when None).

    ord 2: √Σx², ∂/∂x = x / ‖x‖ (0 where the norm is 0); ord 1: Σ|x|; ±inf: max/min |x|
    (ties share the gradient); 0: the number of nonzeros; other p: (Σ|x|ᵖ)^(1/p).
    """
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point tensor as input. "
                           f"Got {x.dtype}")
    dims = () if dim is None else dim
    if ord == 2:
        return _two_norm(x, dims, keepdim)
    a = x.abs()
    if ord == 1:
        return a.sum(dims if dims != () else None, keepdim)
    if ord == math.inf:
        return a.amax(dims, keepdim)
    if ord == -math.inf:
        return a.amin(dims, keepdim)
    if ord == 0:
        return (x != 0).to(x.dtype).sum(dims if dims != () else None, keepdim)
    return (a ** ord).sum(dims if dims != () else None, keepdim) ** (1.0 / ord)


def _two_norm(x, dims, keepdim):
    from .ops.reduction import _dims, _spread
    axes, kshape = _dims(x, dims if dims != () else None, "vector_norm")
    out = np.sqrt(np.sum(np.square(x._data), axis=axes, keepdims=keepdim))

    def backward(g, n):
        nk = n if keepdim else n.reshape(kshape)
        scale = (g if keepdim else g.reshape(kshape)) / nk
        scale = scale.masked_fill(nk == 0, 0.0)
        return _spread(scale, x, kshape, True) * x
    return record(out, "LinalgVectorNormBackward0", (x,), backward, saved=(x,), save_output=True)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *,
                dtype=None) -> Tensor:
    """Frobenius norm √Σ a²ᵢⱼ over the two matrix dims (ord "fro")."""
    if ord != "fro":
        raise RuntimeError(f"linalg.matrix_norm: shendu supports ord='fro', got {ord!r}")
    if A._data.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 "
                           f"dimensions, got {A._data.ndim}")
    return vector_norm(A, 2, dim, keepdim, dtype=dtype)


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Vector norm of a 1-D input or over an int ``dim``; Frobenius norm of a matrix."""
    if ord == "fro" or (ord is None and (dim is None or isinstance(dim, (tuple, list)))):
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)

