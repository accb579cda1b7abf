"""``shendu.linalg``: norms (范数), as ``torch.linalg``."""

from __future__ import annotations

import math

import numpy as np

from . import dtypes
from .ops._helpers import norm_dims
from .ops.linalg import diagonal, matmul
from .ops.reduction import _dims
from .tensor import Tensor, _wrap, record

__all__ = ["vector_norm", "norm", "matrix_norm", "matmul", "diagonal"]


def _norm_input(x: Tensor, dtype, name: str) -> Tensor:
    """The input in the dtype the norm is computed in (a float dtype, not narrower)."""
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {x.dtype}")
    if dtype is None:
        return x
    d = dtypes.as_dtype(dtype)
    if d.np.kind != "f":
        raise RuntimeError(f"{name}: dtype should be floating point or complex, but got {d}")
    if d.np.itemsize < x._data.dtype.itemsize:
        raise RuntimeError(f"{name}: the dtype of the input ({x.dtype}) should be convertible "
                           f"without narrowing to the specified dtype ({d})")
    return x.to(d)


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """‖x‖_ord over ``dim`` (all dims when None), with PyTorch's gradients:

    ord 2: √Σx², ∂/∂x = x / ‖x‖;  ord 1: Σ|x|, ∂/∂x = sign(x);  ±inf: max/min |x|, shared
    among the ties;  0: the number of nonzeros, no gradient;  other p: (Σ|x|ᵖ)^(1/p),
    ∂/∂x = sign(x)·|x|^(p−1) / ‖x‖^(p−1). Gradients where the norm (or, for p < 1, x) is 0
    are 0.
    """
    x = _norm_input(x, dtype, "linalg.vector_norm")
    p = float(ord)
    a = np.abs(x._data)
    axes, kshape = _dims(x, dim, "linalg.vector_norm")
    if p < 0 or math.isinf(p):
        for ax in axes:
            if a.shape[ax] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm over the "
                                   f"empty dimension {ax} (shape {list(a.shape)}) because "
                                   f"the operation does not have an identity")
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if p == 2:
            out = np.sqrt(np.square(a).sum(axis=axes, keepdims=keepdim))
        elif p == 1:
            out = a.sum(axis=axes, keepdims=keepdim)
        elif math.isinf(p):
            out = (np.max if p > 0 else np.min)(a, axis=axes, keepdims=keepdim)
        elif p == 0:
            out = (a != 0).sum(axis=axes, keepdims=keepdim)
        else:
            out = (a ** p).sum(axis=axes, keepdims=keepdim) ** (1 / p)
    out = np.asarray(out).astype(a.dtype, copy=False)

    def backward(g, n):
        if p == 0:
            return None
        if not keepdim:
            g, n = g.reshape(kshape), n.reshape(kshape)
        if p == 1:
            return x.sign() * g
        if p == 2:
            return g * (x / n).masked_fill(n == 0, 0.0)
        if math.isinf(p):       # like amax(|x|), NaN counting as the maximum
            ax = x.abs()
            mask = (ax == n).logical_or(ax.isnan())
            return x.sign() * ((g / mask.sum(axes, keepdim=True)) * mask)
        if p < 1:
            scaled = x.sign() * x.abs().pow(p - 1).masked_fill(x == 0, 0.0)
            return scaled * g * n.pow(1 - p)
        scaled = x.sign() * x.abs().pow(p - 1) if p < 2 else x * x.abs().pow(p - 2)
        return scaled * (g / n.pow(p - 1)).masked_fill(n == 0, 0.0)
    return record(out, "LinalgVectorNormBackward0", (x,), backward, saved=(x,),
                  save_output=True)


def _svdvals(A: Tensor) -> Tensor:
    """Singular values σ of the matrices in the last two dims, largest first;
    ∂σᵢ/∂A = uᵢvᵢᵀ. The backward is computed on arrays (once-differentiable)."""
    u, s, vh = np.linalg.svd(A._data, full_matrices=False)

    def backward(g):
        return _wrap((u * g._data[..., None, :]) @ vh)
    return record(s.astype(A._data.dtype, copy=False), "LinalgSvdvalsBackward0", (A,), backward,
                  saved=(A,), once=True)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *,
                dtype=None) -> Tensor:
    """Matrix norm over the two dims ``dim`` = (rows, cols):

    "fro": √Σa²ᵢⱼ;  "nuc": Σσ (the singular values);  2 / −2: largest / smallest σ;
    1 / −1: max / min column sum of |a|;  inf / −inf: max / min row sum of |a|.
    """
    name = "linalg.matrix_norm"
    if A._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions, got "
                           f"shape {list(A._data.shape)}")
    if not isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}(): argument 'dim' must be tuple of ints, not "
                        f"{type(dim).__name__}")
    dims = list(dim)
    if len(dims) != 2:
        raise RuntimeError(f"{name}: dim must be a 2-tuple. Got {dims}")
    d0, d1 = norm_dims(dims, A._data.ndim, name)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if ord == "nuc" or ord in (2, -2):
        A = _norm_input(A, dtype, name)
        rest = [i for i in range(A._data.ndim) if i not in (d0, d1)]
        s = _svdvals(A.permute(*rest, d0, d1))
        out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        return out.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1)) if keepdim else out
    if ord in (1, -1, math.inf, -math.inf):
        if abs(ord) == math.inf:            # the inf norm is the 1 norm of the transpose
            d0, d1 = d1, d0
        v = vector_norm(A, 1, d0, keepdim, dtype=dtype)
        d1 = d1 - 1 if not keepdim and d0 < d1 else d1
        return v.amax(d1, keepdim) if ord > 0 else v.amin(d1, keepdim)
    raise RuntimeError(f"{name}: Order {ord} not supported.")


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """A vector or matrix norm, chosen as ``torch.linalg.norm`` does: ``ord`` None is the
    2-norm of the flattened input; a string ord, or a number over two dims (or over a matrix
    when ``dim`` is None), is ``matrix_norm``; otherwise ``vector_norm``."""
    if dim is not None:
        dim = [dim] if isinstance(dim, (int, np.integer)) else list(dim)
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or "
                               f"2. Got {dim}")
    elif ord is not None and A._data.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must "
                           f"be 1D or 2D. Got {A._data.ndim}D.")
    if isinstance(ord, str) or (ord is not None and (
            (dim is not None and len(dim) == 2) or (dim is None and A._data.ndim == 2))):
        return matrix_norm(A, ord, dim if dim is not None else (0, 1), keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
