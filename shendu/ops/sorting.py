"""Sorting and selection (排序): sort, argsort, topk, kthvalue, median, unique, searchsorted,
bucketize.

The values of sort, topk, kthvalue and median are a gather of the input at the chosen
indices, so their gradient is the gradient of gather: g sent back to those indices.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _wrap, record, tensor_method
from ._helpers import norm_dim
from .indexing import gather_backward
from .reduction import values_indices

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


def _select(input, idx: np.ndarray, d: int, node: str, keep_shape=None):
    """(values, indices) with values = input gathered at idx along d (idx has keepdim shape)."""
    x = input._data
    vals = np.take_along_axis(x, idx, axis=d)
    it = _wrap(idx)
    v = record(vals, node, (input,), lambda g: gather_backward(g, d, it, x.shape))
    if keep_shape is not None:
        return v.reshape(keep_shape), _wrap(idx.reshape(keep_shape))
    return v, it


def _dim(input, dim, name):
    x = input._data
    if x.ndim == 0:
        norm_dim(dim, 1, name)
        return input.reshape(1), 0, True
    return input, norm_dim(dim, x.ndim, name), False


@tensor_method
def sort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    """(values, indices) sorted along ``dim``;  ∂L/∂x = g sent back to the original places."""
    t, d, scalar = _dim(input, dim, "sort")
    idx = _argsort(t._data, d, descending)
    v, i = _select(t, idx, d, "SortBackward0", () if scalar else None)
    return values_indices["sort"](v, i)


@tensor_method
def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    return sort(input, dim, descending, stable).indices


def msort(input) -> Tensor:
    return sort(input, 0).values


Tensor.msort = msort


@tensor_method
def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
    t, d, scalar = _dim(input, dim, "topk")
    n = t._data.shape[d]
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k={k} out of range for dimension {d} of size "
                           f"{n}")
    idx = np.take(_argsort(t._data, d, largest), np.arange(k), axis=d)
    v, i = _select(t, idx, d, "TopkBackward0", () if scalar and k else None)
    return values_indices["topk"](v, i)


@tensor_method
def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False):
    """The k-th smallest value along ``dim`` (k counts from 1) and its index."""
    t, d, scalar = _dim(input, dim, "kthvalue")
    n = t._data.shape[d]
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k={k} out of range for dimension {d} "
                           f"of size {n}")
    idx = np.take(_argsort(t._data, d, False), [k - 1], axis=d)
    shape = () if scalar else (idx.shape if keepdim else np.squeeze(idx, d).shape)
    v, i = _select(t, idx, d, "KthvalueBackward0", shape)
    return values_indices["kthvalue"](v, i)


@tensor_method
def median(input, dim=None, keepdim: bool = False):
    """The lower median (the ⌊(n−1)/2⌋-th smallest; NaN if any value is NaN): a 0-d tensor,
    or (values, indices) along ``dim``."""
    if dim is None:
        flat = input.reshape(-1)
        if not flat._data.size:
            return _wrap(np.asarray(np.nan, flat._data.dtype))
        n = flat._data.size
        if np.isnan(flat._data).any():
            k = int(np.argmax(np.isnan(flat._data)))
            return flat[k]
        return kthvalue(flat, (n - 1) // 2 + 1).values
    t, d, scalar = _dim(input, dim, "median")
    x = t._data
    n = x.shape[d]
    order = _argsort(x, d, False)
    pos = np.full(np.take(order, [0], axis=d).shape, (n - 1) // 2)
    nan_any = np.isnan(x).any(axis=d, keepdims=True) if x.dtype.kind == "f" else None
    if nan_any is not None and nan_any.any():
        first_nan = np.argmax(np.isnan(np.take_along_axis(x, order, d)), axis=d)
        pos = np.where(nan_any, np.expand_dims(first_nan, d), pos)
    idx = np.take_along_axis(order, pos, axis=d)
    shape = () if scalar else (idx.shape if keepdim else np.squeeze(idx, d).shape)
    v, i = _select(t, idx, d, "MedianBackward1", shape)
    return values_indices["median"](v, i)


@tensor_method
def unique(input, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim=None):
    """Distinct values (sorted), optionally with the inverse index and the counts."""
    x = input._data
    if dim is not None:
        d = norm_dim(dim, x.ndim, "unique")
        res = np.unique(x, return_inverse=return_inverse, return_counts=return_counts, axis=d)
    else:
        res = np.unique(x.reshape(-1), return_inverse=return_inverse,
                        return_counts=return_counts)
    if not (return_inverse or return_counts):
        return _wrap(res)
    res = list(res)
    out = [_wrap(res[0])]
    k = 1
    if return_inverse:
        inv = res[k].astype(np.int64)
        out.append(_wrap(inv.reshape(x.shape) if dim is None else inv.reshape(-1)))
        k += 1
    if return_counts:
        out.append(_wrap(res[k].astype(np.int64)))
    return tuple(out)


def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter=None) -> Tensor:
    """Insertion indices that keep the last dimension of ``sorted_sequence`` sorted."""
    seq = sorted_sequence._data
    vals = input._data if isinstance(input, Tensor) else np.asarray(input)
    side = side or ("right" if right else "left")
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter._data, axis=-1)
    if seq.ndim == 1:
        out = np.searchsorted(seq, vals, side=side)
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
    return _wrap(out.astype(np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """Index of the bucket of each value, for 1-D sorted ``boundaries``."""
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
