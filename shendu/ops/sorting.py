"""Sorting and selection (排序): sort, argsort, topk, kthvalue, median, unique, searchsorted,
bucketize.

The values of sort, topk, kthvalue and median along a dim are a gather of the input at the
chosen indices, so their gradient is the gradient of gather: g sent back to those indices.
NaN sorts as the largest value, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _wrap, record, tensor_method
from ._helpers import norm_dim
from .reduction import _nonempty, _pick, _share, numpy_names, values_indices

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "unique", "searchsorted",
           "bucketize"]


def _argsort(x: np.ndarray, d: int, descending: bool) -> np.ndarray:
    """Stable argsort; descending keeps ties in their original order and puts NaN first, as
    PyTorch does (sort the reversed input ascending, then map the indices back)."""
    if not descending:
        return np.argsort(x, axis=d, kind="stable")
    n = x.shape[d]
    i = np.argsort(np.flip(x, d), axis=d, kind="stable")
    return n - 1 - np.flip(i, d)


def _dim(input, dim, name):
    """The input as an array of at least one dim, and ``dim`` normalised."""
    x = input._data
    return (x.reshape(1) if x.ndim == 0 else x), norm_dim(dim, x.ndim, name)


def _no_kernel(input, name):
    if input._data.dtype == np.bool_:
        raise NotImplementedError(f"{name}(): not implemented for bool input")


@tensor_method
@numpy_names
def sort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    """(values, indices) sorted along ``dim`` (always stable here);  ∂L/∂x = g sent back to
    the original places."""
    x, d = _dim(input, dim, "sort")
    return _pick(input, _argsort(x, d, descending), d, True,
                 "SortBackward1" if stable else "SortBackward0", values_indices["sort"])


@tensor_method
@numpy_names
def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim``."""
    x, d = _dim(input, dim, "argsort")
    idx = _argsort(x, d, descending)
    return _wrap(idx.reshape(input._data.shape))


def msort(input) -> Tensor:
    """Values sorted along dim 0."""
    return sort(input, 0).values


Tensor.msort = msort


@tensor_method
@numpy_names
def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("topk(): does not support bool input")
    x, d = _dim(input, dim, "topk")
    n = x.shape[d]
    if not 0 <= k <= n:
        raise RuntimeError(f"topk(): selected index k={k} out of range for dimension {d} of "
                           f"size {n}")
    # a 0-d input takes k = 0 or 1 and gives 0-d results either way, as in PyTorch
    idx = np.take(_argsort(x, d, largest), np.arange(k if input._data.ndim else 1), axis=d)
    return _pick(input, idx, d, True, "TopkBackward0", values_indices["topk"])


@tensor_method
@numpy_names
def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False):
    """The k-th smallest value along ``dim`` (k counts from 1) and its index."""
    _no_kernel(input, "kthvalue")
    x, d = _dim(input, dim, "kthvalue")
    _nonempty(input._data, d, "kthvalue")
    n = x.shape[d]
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k={k} out of range for dimension {d} "
                           f"of size {n}")
    idx = np.take(_argsort(x, d, False), [k - 1], axis=d)
    return _pick(input, idx, d, keepdim, "KthvalueBackward0", values_indices["kthvalue"])


@tensor_method
@numpy_names
def median(input, dim=None, keepdim: bool = False):
    """The lower median: the ⌊(n−1)/2⌋-th smallest value, or NaN if any value is NaN.

    ``median(x)``: a 0-d tensor (ties and NaNs share the gradient equally, as in PyTorch);
    ``median(x, dim)``: (values, indices), the gradient going to the index."""
    _no_kernel(input, "median")
    x = input._data
    if dim is None:
        flat = x.reshape(-1)
        if not flat.size:
            out = np.asarray(np.nan, x.dtype)
        else:
            nan = np.isnan(flat) if x.dtype.kind == "f" else np.zeros(flat.shape, bool)
            out = flat[nan][0] if nan.any() else np.sort(flat)[(flat.size - 1) // 2]
        axes = tuple(range(x.ndim))
        return record(np.asarray(out), "MedianBackward0", (input,),
                      lambda g, y: _share(g, input, y, axes, (1,) * x.ndim, False, True),
                      saved=(input,), save_output=True)
    xd, d = _dim(input, dim, "median")
    _nonempty(x, d, "median")
    n = xd.shape[d]
    order = _argsort(xd, d, False)
    pos = np.full(np.take(order, [0], axis=d).shape, (n - 1) // 2)
    if xd.dtype.kind == "f":
        nan_any = np.isnan(xd).any(axis=d, keepdims=True)
        if nan_any.any():           # the first NaN in sorted order: NaN is the median
            first_nan = np.argmax(np.isnan(np.take_along_axis(xd, order, d)), axis=d)
            pos = np.where(nan_any, np.expand_dims(first_nan, d), pos)
    idx = np.take_along_axis(order, pos, axis=d)
    return _pick(input, idx, d, keepdim, "MedianBackward1", values_indices["median"])


@tensor_method
def unique(input, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim=None):
    """Distinct values (sorted; NaNs are all distinct), optionally with the inverse index and
    the counts; with ``dim``, distinct slices along it."""
    x = input._data
    if dim is not None:
        d = norm_dim(dim, x.ndim, "unique")
        if any(s == 0 for i, s in enumerate(x.shape) if i != d):
            raise RuntimeError(f"unique(): there are 0 sized dimensions, and they aren't "
                               f"selected, so unique cannot be applied (shape "
                               f"{list(x.shape)}, dim {d})")
        res = np.unique(x, return_inverse=True, return_counts=True, axis=d, equal_nan=False)
    else:
        res = np.unique(x.reshape(-1), return_inverse=True, return_counts=True,
                        equal_nan=False)
    values, inverse, counts = res
    inverse = inverse.astype(np.int64).reshape(x.shape if dim is None else -1)
    out = [_wrap(values)]
    if return_inverse:
        out.append(_wrap(inverse))
    if return_counts:
        out.append(_wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def _side(right: bool, side: str | None) -> str:
    if side is None:
        return "right" if right else "left"
    if side not in ("left", "right"):
        raise RuntimeError(f"searchsorted(): side can only be 'left' or 'right' but got {side}")
    if right and side == "left":
        raise RuntimeError("searchsorted(): side and right can't be set to opposites, got side "
                           "of left while right was True")
    return side


def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter=None) -> Tensor:
    """Insertion indices that keep the last dimension of ``sorted_sequence`` sorted: the first
    i with seq[i] ≥ v (``side="left"``) or seq[i] > v (``side="right"``)."""
    seq = sorted_sequence._data
    vals = input._data if isinstance(input, Tensor) else np.asarray(input)
    side = _side(right, side)
    if sorter is not None:
        if sorter._data.shape != seq.shape:
            raise RuntimeError(f"searchsorted(): boundary and sorter must have the same size, "
                               f"but got boundary tensor {list(seq.shape)} and got sorter "
                               f"tensor {list(sorter._data.shape)}")
        seq = np.take_along_axis(seq, sorter._data, axis=-1)
    if seq.ndim <= 1:
        out = np.searchsorted(seq.reshape(-1), vals, side=side)
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise RuntimeError(f"searchsorted(): boundaries tensor should be 1 dimension or the "
                               f"first N-1 dimensions of boundaries tensor and input value "
                               f"tensor must match, but we got boundaries tensor "
                               f"{list(seq.shape)} and input value tensor {list(vals.shape)}")
        rows_s = seq.reshape(-1, seq.shape[-1])
        rows_v = vals.reshape(-1, vals.shape[-1])
        out = np.stack([np.searchsorted(s, v, side=side) for s, v in zip(rows_s, rows_v)])
        out = out.reshape(vals.shape)
    return _wrap(np.asarray(out).astype(np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """Index of the bucket of each value, for 1-D sorted ``boundaries``: the first i with
    boundaries[i] ≥ v (> v when ``right``)."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"bucketize(): boundaries tensor must be 1 dimension, but got "
                           f"dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
