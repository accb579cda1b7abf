"""Reductions (归约): sum, mean, var, std, max, min, amax, amin, prod, cumsum, logsumexp,
norm, argmax, argmin, all, any.

A reduction's backward spreads the output gradient back over the reduced positions: ``sum``
copies it to every position (expand), ``mean`` divides by the count, ``max`` sends it to the
position that won (or shares it equally among ties, as PyTorch does for a full reduction).
"""

from __future__ import annotations

import builtins
import functools
import math
import warnings
from collections import namedtuple

import numpy as np

from .. import dtypes
from ..tensor import Tensor, _wrap, record, tensor_method
from .shape import broadcast_view
from ._helpers import float_array, norm_dim, norm_dims

__all__ = ["sum", "mean", "var", "std", "var_mean", "std_mean", "max", "min", "amax", "amin",
           "prod", "cumsum", "logsumexp", "norm", "argmax", "argmin", "all", "any",
           "count_nonzero", "aminmax", "nansum", "nanmean"]

values_indices = {n: namedtuple(n, ["values", "indices"]) for n in ("max", "min", "sort", "topk",
                                                                    "kthvalue", "median",
                                                                    "mode", "cummax")}
aminmax_type = namedtuple("aminmax", ["min", "max"])
for _t in (*values_indices.values(), aminmax_type):
    _t.__module__ = "shendu.return_types"


def numpy_names(fn):
    """Accept NumPy's ``axis`` and ``keepdims`` for ``dim`` and ``keepdim``, as PyTorch does."""
    @functools.wraps(fn)
    def op(*args, **kwargs):
        if kwargs:
            if "axis" in kwargs:
                kwargs["dim"] = kwargs.pop("axis")
            if "keepdims" in kwargs:
                kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)
    return op


def _dims(input, dim, name):
    """Reduced axes and the shape of the output with keepdim=True. ``None`` and ``()`` reduce
    every dim; a 0-d input takes dim 0 or -1 and has nothing to reduce."""
    shape = input._data.shape
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        axes = tuple(range(len(shape)))
    else:
        axes = norm_dims(dim, len(shape), name)
        if not shape:
            axes = ()
    kshape = tuple(1 if i in axes else s for i, s in enumerate(shape))
    return axes, kshape


def _count(shape, axes) -> int:
    return math.prod(shape[a] for a in axes)


def _spread(g, shape, kshape, keepdim):
    """Gradient of a reduction, put back in the input's shape: g viewed with the reduced dims
    kept (``kshape``) and broadcast over them, as one op whose own gradient sums them back."""
    gshape = g._data.shape
    out = broadcast_view(g._data.reshape(kshape), shape)
    return record(out, "ExpandBackward0", (g,),
                  lambda gg: gg.sum_to_size(kshape).reshape(gshape))


def _acc(x: np.ndarray, dtype) -> tuple:
    """(input array in the result dtype, dtype to accumulate in): PyTorch sums bool and
    integers as int64, and float16 in float32."""
    if dtype is not None:
        x = x.astype(dtypes.as_dtype(dtype).np, copy=False)
    elif x.dtype.kind in "bui":
        x = x.astype(np.int64)
    return x, (np.float32 if x.dtype == np.float16 else x.dtype)


@tensor_method
@numpy_names
def sum(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Σ x over ``dim``;  ∂L/∂x = g, copied to every summed position."""
    x, acc = _acc(input._data, dtype)
    axes, kshape = _dims(input, dim, "sum")
    out = x.sum(axis=axes, keepdims=keepdim, dtype=acc).astype(x.dtype, copy=False)
    shape = x.shape
    return record(out, "SumBackward1" if dim is not None else "SumBackward0", (input,),
                  lambda g: _spread(g, shape, kshape, keepdim))


@tensor_method
@numpy_names
def nansum(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Σ x over ``dim`` with NaN counted as 0;  ∂L/∂x = g where x is not NaN, 0 at NaN."""
    if input._data.dtype.kind != "f":
        return sum(input, dim, keepdim, dtype=dtype)
    x, acc = _acc(input._data, dtype)
    axes, kshape = _dims(input, dim, "nansum")
    out = np.nansum(x, axis=axes, keepdims=keepdim, dtype=acc).astype(x.dtype, copy=False)
    shape = x.shape
    return record(out, "NansumBackward0", (input,),
                  lambda g: _spread(g, shape, kshape, keepdim) * input.isnan().logical_not(),
                  saved=(input,))


@tensor_method
@numpy_names
def mean(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """(1/N) Σ x (NaN when N = 0);  ∂L/∂x = g / N."""
    x = input._data
    if dtype is not None:
        x = x.astype(dtypes.as_dtype(dtype).np)
    if x.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {input.dtype}")
    axes, kshape = _dims(input, dim, "mean")
    n = _count(x.shape, axes)
    acc = np.float32 if x.dtype == np.float16 else x.dtype
    with np.errstate(invalid="ignore"):
        out = (x.sum(axis=axes, keepdims=keepdim, dtype=acc) / n).astype(x.dtype, copy=False)
    shape = x.shape
    return record(out, "MeanBackward1" if dim is not None else "MeanBackward0", (input,),
                  lambda g: _spread(g / n if n else g, shape, kshape, keepdim))


@tensor_method
@numpy_names
def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean over the non-NaN values: nansum(x) / (number of non-NaN values)."""
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype "
                           f"but got {input.dtype}")
    valid = input.isnan().logical_not()
    return nansum(input, dim, keepdim, dtype=dtype) / valid.sum(dim, keepdim)


def _var(input, dim, unbiased, keepdim, correction, name):
    """Σ(x − x̄)² / max(0, N − correction) as an array, and what the backward needs."""
    if isinstance(dim, bool):                 # var(x, False): the legacy `unbiased` argument
        dim, unbiased = None, dim
    if correction is not None and unbiased is not None:
        raise TypeError(f"{name}(): pass either unbiased or correction, not both")
    c = correction if correction is not None else (0 if unbiased is False else 1)
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}(): std and var only support floating point and complex "
                           f"dtypes, got {input.dtype}")
    axes, kshape = _dims(input, dim, name)
    n = _count(x.shape, axes)
    if n - c <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      f"less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    with np.errstate(invalid="ignore", divide="ignore"):
        x64 = x.astype(np.float64)          # PyTorch accumulates var in double on the CPU
        centered = x64 - x64.sum(axis=axes, keepdims=True) / n
        out = np.square(centered).sum(axis=axes, keepdims=keepdim) / builtins.max(n - c, 0)
    # PyTorch's backward has two formulas: with an explicit dim of a ≥1-d input it scales by
    # 2 / (N − correction) even when that is ≤ 0; otherwise it gives inf (nan where x = x̄)
    explicit = dim is not None and not (isinstance(dim, (tuple, list)) and len(dim) == 0) \
        and x.ndim > 0
    return out.astype(x.dtype, copy=False), (axes, kshape, keepdim, n, c, explicit)


def _var_backward(g, input, axes, kshape, keepdim, n, c, explicit):
    """∂var/∂x = g·2(x − x̄) / (N − correction), as PyTorch's var_backward."""
    centered = input - input.mean(axes, keepdim=True)
    if explicit:
        scale = 2.0 / (n - c) if n != c else math.inf
        return _spread(g, input._data.shape, kshape, keepdim) * centered * scale
    if n - c <= 0:
        x = input._data
        with np.errstate(invalid="ignore"):
            level = np.where(centered._data == 0, np.nan, np.inf).astype(x.dtype)
        return g * _wrap(level)
    return g * centered * (2.0 / (n - c))


@tensor_method
@numpy_names
def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance (方差) Σ(x − x̄)² / (N − correction);  ∂L/∂x = g·2(x − x̄) / (N − correction).

    ``correction`` defaults to 1 (``unbiased=False`` is 0); N − correction ≤ 0 warns and
    divides by 0, as PyTorch does."""
    out, args = _var(input, dim, unbiased, keepdim, correction, "var")
    return record(out, "VarBackward0", (input,), lambda g: _var_backward(g, input, *args),
                  saved=(input,))


@tensor_method
@numpy_names
def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Standard deviation σ = √var;  ∂L/∂x = ∂var/∂x applied to g / 2σ (0 where σ = 0)."""
    v, args = _var(input, dim, unbiased, keepdim, correction, "std")

    def backward(g, s):
        gv = (g / (2 * s)).masked_fill(s == 0, 0.0)
        return _var_backward(gv, input, *args)
    return record(np.sqrt(v), "StdBackward0", (input,), backward, saved=(input,),
                  save_output=True)


def _unbiased_dim(dim):
    """The dim of ``var_mean(x, False)``: the bool is the legacy ``unbiased``, not a dim."""
    return None if isinstance(dim, bool) else dim


@numpy_names
def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(var, mean) over the same dims."""
    return (var(input, dim, unbiased, keepdim, correction=correction),
            mean(input, _unbiased_dim(dim), keepdim))


@numpy_names
def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(std, mean) over the same dims."""
    return (std(input, dim, unbiased, keepdim, correction=correction),
            mean(input, _unbiased_dim(dim), keepdim))


def _share(g, input, y, axes, kshape, keepdim, nan_wins=False):
    """Gradient of a value picked by a reduction (amax, amin, full max, min and median):
    g / count · mask, shared equally among the positions equal to the result; for a full
    reduction whose result is NaN (``nan_wins``), among the NaN positions."""
    x = input._data
    yk = y._data.reshape(kshape)
    mask = (np.isnan(x) if nan_wins and np.isnan(yk).any() else x == yk).astype(x.dtype)
    count = mask.sum(axis=axes, keepdims=True)
    return _spread(g, x.shape, kshape, keepdim) / _wrap(count) * _wrap(mask)


def _extreme_all(input, name, fn):
    x = input._data
    if x.size == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           f"== 0. Specify the reduction dim with the 'dim' argument.")
    axes = tuple(range(x.ndim))
    return record(fn(x), name.capitalize() + "Backward1", (input,),
                  lambda g, y: _share(g, input, y, axes, (1,) * x.ndim, False, True),
                  saved=(input,), save_output=True)


def _nonempty(x, d, name):
    if x.ndim and x.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size (input "
                         f"shape {list(x.shape)}).")


def _pick(input, idx: np.ndarray, d: int, keepdim: bool, node: str, result):
    """(values, indices) of a selection along ``d``: values = x gathered at ``idx`` (given in
    keepdim shape); ∂L/∂x = g sent back to those indices. The node saves the returned indices,
    so changing them in place before backward raises, as in PyTorch."""
    from .indexing import gather_backward
    x = input._data
    shape, scalar = x.shape, x.ndim == 0
    vals = np.take_along_axis(x.reshape(1) if scalar else x, idx, axis=d)
    if scalar:
        vals, idx = vals.reshape(()), idx.reshape(())
    elif not keepdim:
        vals, idx = vals.squeeze(d), idx.squeeze(d)
    indices = _wrap(idx)

    def backward(g):
        i = indices._data
        if scalar:
            return g
        if not keepdim:
            g, i = g.unsqueeze(d), np.expand_dims(i, d)
        return gather_backward(g, d, _wrap(i), shape)
    values = record(vals, node, (input,), backward, saved=(indices,))
    return result(values, indices)


def _extreme_dim(input, dim, keepdim, name, arg):
    x = input._data
    d = norm_dim(dim, x.ndim, name)
    _nonempty(x, d, name)
    xd = x if x.ndim else x.reshape(1)
    idx = arg(xd, axis=d, keepdims=True)
    return _pick(input, idx, d, keepdim, name.capitalize() + "Backward0", values_indices[name])


@tensor_method
@numpy_names
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
@numpy_names
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
    if x.size == 0 and (dim is None or (isinstance(dim, (tuple, list)) and not dim)):
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           f"== 0. Specify the reduction dim with the 'dim' argument.")
    for a in axes:
        _nonempty(x, a, name)
    out = fn(x, axis=axes, keepdims=keepdim)
    return record(out, name.capitalize() + "Backward0", (input,),
                  lambda g, y: _share(g, input, y, axes, kshape, keepdim), saved=(input,),
                  save_output=True)


@tensor_method
@numpy_names
def amax(input, dim=(), keepdim: bool = False) -> Tensor:
    """Largest value over ``dim`` (all dims by default); ties share the gradient equally."""
    return _amax(input, dim, keepdim, "amax", np.max)


@tensor_method
@numpy_names
def amin(input, dim=(), keepdim: bool = False) -> Tensor:
    """Smallest value over ``dim``; ties share the gradient equally."""
    return _amax(input, dim, keepdim, "amin", np.min)


@tensor_method
@numpy_names
def aminmax(input, *, dim=None, keepdim: bool = False):
    """(min, max) over ``dim`` (all dims when None), as amin and amax."""
    x = input._data
    if dim is None and x.size == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    if dim is not None:
        _nonempty(x, norm_dim(dim, x.ndim, "aminmax"), "aminmax")
    d = () if dim is None else dim
    return aminmax_type(amin(input, d, keepdim), amax(input, d, keepdim))


def _arg(input, dim, keepdim, fn, name):
    x = input._data
    if x.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             f"input.numel() == 0.")
        i = fn(x)
        out = np.full((1,) * x.ndim, i) if keepdim else np.asarray(i)
    else:
        d = norm_dim(dim, x.ndim, name)
        _nonempty(x, d, name)
        out = fn(x, axis=d, keepdims=keepdim) if x.ndim else np.zeros((), np.int64)
    return _wrap(out.astype(np.int64, copy=False))


@tensor_method
@numpy_names
def argmax(input, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (the first one on ties, NaN counting as largest), over the
    flattened tensor when ``dim`` is None."""
    return _arg(input, dim, keepdim, np.argmax, "argmax")


@tensor_method
@numpy_names
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
@numpy_names
def prod(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Π x;  ∂L/∂xᵢ = g·Π_{j≠i} xⱼ, computed from the products to the left and right of i,
    so zeros in x are handled exactly. The backward is computed on arrays: it is not itself
    differentiable (double backward raises)."""
    x, acc = _acc(input._data, dtype)
    if dim is None:
        out = np.prod(x, dtype=acc)
        if keepdim:
            out = out.reshape((1,) * x.ndim)
        d, flat = 0, True
    else:
        d, flat = norm_dim(dim, x.ndim, "prod"), False
        out = np.prod(x, axis=d, keepdims=keepdim, dtype=acc) if x.ndim else x.copy()
    out = np.asarray(out).astype(x.dtype, copy=False)

    def backward(g):
        a = x.reshape(-1) if flat else (x if x.ndim else x.reshape(1))
        others = _others_product(a, d).reshape(x.shape)
        gk = g._data if keepdim or flat or not x.ndim else np.expand_dims(g._data, d)
        return _wrap((gk * others).astype(x.dtype, copy=False))
    return record(out, "ProdBackward0" if flat else "ProdBackward1", (input,), backward,
                  saved=(input,), once=True)


@tensor_method
@numpy_names
def cumsum(input, dim: int, *, dtype=None) -> Tensor:
    """Running sum along ``dim``;  ∂L/∂xᵢ = Σ_{j≥i} g_j (a reversed running sum)."""
    x, acc = _acc(input._data, dtype)
    d = norm_dim(dim, x.ndim, "cumsum")
    out = np.cumsum(x, axis=d, dtype=acc).astype(x.dtype, copy=False) if x.ndim else x.copy()
    scalar = x.ndim == 0

    def backward(g):
        return g if scalar else g.flip(d).cumsum(d).flip(d)
    return record(out, "CumsumBackward0", (input,), backward)


@tensor_method
@numpy_names
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
        return _spread(g, x.shape, kshape, keepdim) * (input - yk).exp()
    return record(out, "LogsumexpBackward0", (input,), backward, saved=(input,),
                  save_output=True)


@tensor_method
def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """The p-norm over ``dim``, as ``torch.norm``: a number p (None is 2) or "fro" over at most
    two dims is ``linalg.vector_norm``; "nuc", or "fro" over more dims, is
    ``linalg.matrix_norm``."""
    from ..linalg import matrix_norm, vector_norm
    dims = [dim] if isinstance(dim, (int, np.integer)) else dim
    if isinstance(p, str):
        if p == "fro" and (dims is None or len(dims) <= 2):
            return vector_norm(input, 2, dims, keepdim, dtype=dtype)
        dims = list(range(input._data.ndim)) if dims is None else dims
        return matrix_norm(input, p, dims, keepdim, dtype=dtype)
    return vector_norm(input, 2 if p is None else p, dims, keepdim, dtype=dtype)


def _truth(input, dim, keepdim, name, fn):
    """all/any: bool, or uint8 for a uint8 input; ``dim=()`` reduces nothing, as in PyTorch."""
    x = input._data
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        out = x != 0
    else:
        axes, _ = _dims(input, dim, name)
        out = fn(x, axis=axes, keepdims=keepdim)
    return _wrap(np.asarray(out).astype(np.uint8 if x.dtype == np.uint8 else np.bool_))


@tensor_method
@numpy_names
def all(input, dim=None, keepdim: bool = False) -> Tensor:
    """True when every value is nonzero."""
    return _truth(input, dim, keepdim, "all", np.all)


@tensor_method
@numpy_names
def any(input, dim=None, keepdim: bool = False) -> Tensor:
    """True when some value is nonzero."""
    return _truth(input, dim, keepdim, "any", np.any)


@tensor_method
@numpy_names
def count_nonzero(input, dim=None) -> Tensor:
    """Number of nonzero values over ``dim`` (int64)."""
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
    return record(out, "SumBackward1", (input,), lambda g: g.expand(gshape))
