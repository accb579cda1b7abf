"""Reductions (归约): sum, mean, var, std, max, min, amax, amin, prod, cumsum, logsumexp,
norm, argmax, argmin, all, any.

A reduction's backward spreads the output gradient back over the reduced positions: ``sum``
copies it to every position (expand), ``mean`` divides by the count, ``max`` sends it to the
position that won (or shares it equally among ties, as PyTorch does for a full reduction).
"""

from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from .. import dtypes
from ..tensor import Tensor, _wrap, record, tensor_method
from ._helpers import float_array, norm_dim, norm_dims

__all__ = ["sum", "mean", "var", "std", "var_mean", "std_mean", "max", "min", "amax", "amin",
           "prod", "cumsum", "logsumexp", "norm", "argmax", "argmin", "all", "any",
           "count_nonzero", "aminmax", "nansum", "nanmean"]

values_indices = {n: namedtuple(n, ["values", "indices"]) for n in ("max", "min", "sort", "topk",
                                                                    "kthvalue", "median",
                                                                    "mode", "cummax")}
for _t in values_indices.values():
    _t.__module__ = "shendu.return_types"


def _dims(input, dim, name):
    """Reduced axes and the shape of the output with keepdim=True."""
    shape = input._data.shape
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        axes = tuple(range(len(shape)))
    else:
        axes = norm_dims(dim, len(shape), name)
    kshape = tuple(1 if i in axes else s for i, s in enumerate(shape))
    return axes, kshape


def _spread(g, input, kshape, keepdim):
    """Gradient of a reduction, put back in the input's shape (the output's view, expanded)."""
    if not keepdim:
        g = g.reshape(kshape)
    return g.expand(input._data.shape)


@tensor_method
def sum(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Σ x over ``dim``;  ∂L/∂x = g, copied to every summed position."""
    x = input._data
    if dtype is not None:
        x = x.astype(dtypes.as_dtype(dtype).np)
    elif x.dtype.kind in "bui":
        x = x.astype(np.int64)
    axes, kshape = _dims(input, dim, "sum")
    out = x.sum(axis=axes, keepdims=keepdim)
    return record(out, "SumBackward1" if dim is not None else "SumBackward0", (input,),
                  lambda g: _spread(g, input, kshape, keepdim))


@tensor_method
def nansum(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Σ x over ``dim`` with NaN treated as 0;  ∂L/∂x = g where x is not NaN."""
    from .pointwise import where
    return sum(where(input.isnan(), 0.0, input), dim, keepdim, dtype=dtype)


@tensor_method
def mean(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """(1/N) Σ x;  ∂L/∂x = g / N."""
    x = input._data
    if dtype is not None:
        x = x.astype(dtypes.as_dtype(dtype).np)
    if x.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {input.dtype}")
    axes, kshape = _dims(input, dim, "mean")
    n = 1
    for a in axes:
        n *= x.shape[a]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = x.mean(axis=axes, keepdims=keepdim) if n else np.full(
            kshape if keepdim else tuple(s for i, s in enumerate(x.shape) if i not in axes),
            np.nan, x.dtype)
    return record(out, "MeanBackward1" if dim is not None else "MeanBackward0", (input,),
                  lambda g: _spread(g / n if n else g, input, kshape, keepdim))


@tensor_method
def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean over the non-NaN values."""
    valid = input.isnan().logical_not()
    return nansum(input, dim, keepdim, dtype=dtype) / valid.sum(dim, keepdim)


def _correction(unbiased, correction, name):
    if correction is not None and unbiased is not None:
        raise RuntimeError(f"{name}: cannot pass both unbiased and correction")
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _var(input, dim, unbiased, keepdim, correction, name):
    if isinstance(dim, bool):                 # var(x, False): the legacy `unbiased` argument
        dim, unbiased = None, dim
    c = _correction(unbiased, correction, name)
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point tensor, got {input.dtype}")
    axes, kshape = _dims(input, dim, name)
    n = 1
    for a in axes:
        n *= x.shape[a]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = x.var(axis=axes, ddof=c, keepdims=keepdim) if n > c else np.full(
            x.mean(axis=axes, keepdims=keepdim).shape, np.inf if n else np.nan, x.dtype)
    return out, axes, kshape, n, c


@tensor_method
def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance (方差) Σ(x − x̄)² / (N − correction);  ∂L/∂x = g·2(x − x̄) / (N − correction)."""
    out, axes, kshape, n, c = _var(input, dim, unbiased, keepdim, correction, "var")

    def backward(g):
        centered = input - input.mean(axes, keepdim=True)
        return _spread(g, input, kshape, keepdim) * centered * (2.0 / (n - c))
    return record(out, "VarBackward0", (input,), backward, saved=(input,))


@tensor_method
def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Standard deviation σ = √var;  ∂L/∂x = g·(x − x̄) / ((N − correction)·σ)."""
    v, axes, kshape, n, c = _var(input, dim, unbiased, keepdim, correction, "std")
    out = np.sqrt(v)

    def backward(g, s):
        centered = input - input.mean(axes, keepdim=True)
        gs = _spread(g / s, input, kshape, keepdim)
        return gs * centered * (1.0 / (n - c))
    return record(out, "StdBackward0", (input,), backward, saved=(input,), save_output=True)


def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return (var(input, dim, unbiased, keepdim, correction=correction),
            mean(input, dim if not isinstance(dim, bool) else None, keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return (std(input, dim, unbiased, keepdim, correction=correction),
            mean(input, dim if not isinstance(dim, bool) else None, keepdim))


def _even_share(g, input, out, kshape, keepdim):
    """Gradient of amax/amin and full max/min: shared equally among the tied winners."""
    y = out if keepdim else out.reshape(kshape)
    mask = input == y
    count = mask.sum(tuple(i for i, s in enumerate(kshape) if s == 1), keepdim=True)
    return _spread(g, input, kshape, keepdim) * mask / count


def _extreme_all(input, name, fn):
    x = input._data
    if x.size == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           f"== 0. Specify the reduction dim with the 'dim' argument.")
    out = fn(x)
    kshape = (1,) * x.ndim
    return record(out, name.capitalize() + "Backward1", (input,),
                  lambda g, y: _even_share(g, input, y, kshape, False), saved=(input,),
                  save_output=True)


def _extreme_dim(input, dim, keepdim, name, arg):
    x = input._data
    d = norm_dim(dim, x.ndim, name)
    if x.ndim and x.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    xd = x if x.ndim else x.reshape(1)
    idx = arg(xd, axis=d, keepdims=True)
    vals = np.take_along_axis(xd, idx, axis=d)
    if not keepdim or not x.ndim:
        idx = idx.squeeze(d) if x.ndim else idx.reshape(())
        vals = vals.squeeze(d) if x.ndim else vals.reshape(())
    from .indexing import gather_backward
    index_t = _wrap(idx if keepdim or not x.ndim else np.expand_dims(idx, d))

    def backward(g):
        gk = g if keepdim or not x.ndim else g.unsqueeze(d)
        return gather_backward(gk, d, index_t, x.shape)
    v, i = record(vals, name.capitalize() + "Backward0", (input,), backward), _wrap(idx)
    return values_indices[name](v, i)


@tensor_method
def max(input, dim=None, keepdim: bool = False):
    """``max(x)``: the largest value (ties share the gradient); ``max(x, dim)``: (values,
    indices), the gradient going to the index; ``max(x, other)``: ``maximum``."""
    if isinstance(dim, Tensor):
        from .pointwise import maximum
        return maximum(input, dim)
    if dim is None:
        return _extreme_all(input, "max", np.max)
    return _extreme_dim(input, dim, keepdim, "max", np.argmax)


@tensor_method
def min(input, dim=None, keepdim: bool = False):
    """As ``max``, for the smallest value."""
    if isinstance(dim, Tensor):
        from .pointwise import minimum
        return minimum(input, dim)
    if dim is None:
        return _extreme_all(input, "min", np.min)
    return _extreme_dim(input, dim, keepdim, "min", np.argmin)


def _amax(input, dim, keepdim, name, fn):
    x = input._data
    axes, kshape = _dims(input, dim, name)
    if builtins.any(x.shape[a] == 0 for a in axes):
        raise IndexError(f"{name}(): Expected reduction dim to have non-zero size.")
    out = fn(x, axis=axes, keepdims=keepdim)
    return record(out, name.capitalize() + "Backward0", (input,),
                  lambda g, y: _even_share(g, input, y, kshape, keepdim), saved=(input,),
                  save_output=True)


@tensor_method
def amax(input, dim=(), keepdim: bool = False) -> Tensor:
    """Largest value over ``dim`` (all dims by default); ties share the gradient equally."""
    return _amax(input, dim, keepdim, "amax", np.max)


@tensor_method
def amin(input, dim=(), keepdim: bool = False) -> Tensor:
    """Smallest value over ``dim``; ties share the gradient equally."""
    return _amax(input, dim, keepdim, "amin", np.min)


def aminmax(input, *, dim=None, keepdim: bool = False):
    r = namedtuple("aminmax", ["min", "max"])
    d = () if dim is None else dim
    return r(amin(input, d, keepdim), amax(input, d, keepdim))


def _arg(input, dim, keepdim, fn, name):
    x = input._data
    if x.size == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                           f"input.numel() == 0.")
    if dim is None:
        i = fn(x)
        out = np.full((1,) * x.ndim, i) if keepdim else np.asarray(i)
    else:
        d = norm_dim(dim, x.ndim, name)
        out = fn(x, axis=d, keepdims=keepdim) if x.ndim else np.zeros((), np.int64)
    return _wrap(out.astype(np.int64, copy=False))


@tensor_method
def argmax(input, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (the first one on ties), over the flattened tensor when
    ``dim`` is None."""
    return _arg(input, dim, keepdim, np.argmax, "argmax")


@tensor_method
def argmin(input, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value (the first one on ties)."""
    return _arg(input, dim, keepdim, np.argmin, "argmin")


def _others_product(a: np.ndarray, axis: int) -> np.ndarray:
    """Π_{j≠i} a_j along ``axis`` for every i, exact when a has zeros: the product of
    everything left of i times everything right of i (exclusive running products)."""
    left, right = np.ones_like(a), np.ones_like(a)
    if a.shape[axis] > 1:
        def part(s):
            return (slice(None),) * axis + (s,)
        left[part(slice(1, None))] = np.cumprod(a[part(slice(None, -1))], axis=axis)
        right[part(slice(None, -1))] = np.flip(
            np.cumprod(np.flip(a[part(slice(1, None))], axis), axis=axis), axis)
    return left * right


@tensor_method
def prod(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Π x;  ∂L/∂xᵢ = g·Π_{j≠i} xⱼ, computed from the products to the left and right of i,
    so zeros in x are handled exactly."""
    x = input._data
    if dtype is not None:
        x = x.astype(dtypes.as_dtype(dtype).np)
    elif x.dtype.kind in "bui":
        x = x.astype(np.int64)
    if dim is None:
        out = np.prod(x)
        if keepdim:
            out = out.reshape((1,) * x.ndim)
        d, flat = 0, True
    else:
        d, flat = norm_dim(dim, x.ndim, "prod"), False
        out = np.prod(x, axis=d, keepdims=keepdim) if x.ndim else x.copy()

    def backward(g):
        a = x.reshape(-1) if flat else (x if x.ndim else x.reshape(1))
        others = _others_product(a, d).reshape(x.shape)
        gk = g._data if keepdim or flat or not x.ndim else np.expand_dims(g._data, d)
        return _wrap((gk * others).astype(x.dtype, copy=False))
    return record(out, "ProdBackward0", (input,), backward, saved=(input,), once=True)


@tensor_method
def cumsum(input, dim: int, *, dtype=None) -> Tensor:
    """Running sum along ``dim``;  ∂L/∂xᵢ = Σ_{j≥i} g_j (a reversed running sum)."""
    x = input._data
    if dtype is not None:
        x = x.astype(dtypes.as_dtype(dtype).np)
    elif x.dtype.kind in "bui":
        x = x.astype(np.int64)
    d = norm_dim(dim, x.ndim, "cumsum")
    out = np.cumsum(x, axis=d) if x.ndim else x.copy()

    def backward(g):
        if not x.ndim:
            return g
        return g.flip(d).cumsum(d).flip(d)
    return record(out, "CumsumBackward0", (input,), backward)


@tensor_method
def logsumexp(input, dim, keepdim: bool = False) -> Tensor:
    """log Σ eˣ, computed as m + log Σ e^(x − m) with m the max, so it never overflows;
    ∂L/∂x = g·softmax(x) = g·e^(x − y)."""
    x = float_array(input._data)
    axes, kshape = _dims(input, dim, "logsumexp")
    m = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros(kshape, x.dtype)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
    if not keepdim:
        out = out.reshape(tuple(s for i, s in enumerate(x.shape) if i not in axes))

    def backward(g, y):
        yk = y if keepdim else y.reshape(kshape)
        return _spread(g, input, kshape, keepdim) * (input - yk).exp()
    return record(out, "LogsumexpBackward0", (input,), backward, saved=(input,),
                  save_output=True)


@tensor_method
def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Vector p-norm (范数) over ``dim``: (Σ|x|ᵖ)^(1/p); "fro" and 2 give √Σx².
    ∂‖x‖₂/∂x = x / ‖x‖ (0 where the norm is 0)."""
    from ..linalg import vector_norm
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        raise RuntimeError("norm: the nuclear norm is a matrix norm; use shendu.linalg.svd")
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


@tensor_method
def all(input, dim=None, keepdim: bool = False) -> Tensor:
    """True when every value is nonzero."""
    axes, _ = _dims(input, dim, "all")
    return _wrap(np.all(input._data, axis=axes, keepdims=keepdim))


@tensor_method
def any(input, dim=None, keepdim: bool = False) -> Tensor:
    """True when some value is nonzero."""
    axes, _ = _dims(input, dim, "any")
    return _wrap(np.any(input._data, axis=axes, keepdims=keepdim))


@tensor_method
def count_nonzero(input, dim=None) -> Tensor:
    axes, _ = _dims(input, dim, "count_nonzero")
    return _wrap(np.asarray(np.count_nonzero(input._data, axis=axes), np.int64))


@tensor_method
def sum_to_size(input, *size) -> Tensor:
    """Sum broadcast dimensions away so the result has ``size``: the gradient of a broadcast.
    Its backward is ``expand``."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    gshape = input._data.shape
    lead = len(gshape) - len(shape)
    if lead < 0 or builtins.any(s != 1 and s != gs for s, gs in zip(shape, gshape[lead:])):
        raise RuntimeError(f"sum_to_size: size {list(shape)} is not expandable to size "
                           f"{list(gshape)}")
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                      if s == 1 and gshape[lead + i] != 1)
    if not axes:
        return input
    out = input._data.sum(axis=axes, keepdims=True).reshape(shape)
    return record(out, "SumToSizeBackward0", (input,), lambda g: g.expand(gshape))
