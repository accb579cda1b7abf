"""Indexing (索引): ``x[...]`` and ``x[...] = v``, gather, scatter, scatter_add,
scatter_reduce, index_select, index_add, index_fill, index_put, masked_fill, masked_select,
masked_scatter, nonzero, take, one_hot.

Reading positions and writing them are each other's backward: the gradient of ``x[idx]`` is g
written into zeros at idx (adding where idx repeats a position), and the gradient of that
write is reading g back at idx. Both directions are ops here, so double backward works.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import dtypes
from ..tensor import (Tensor, _wrap, apply_inplace, bump_version, check_inplace, make_view,
                      record, tensor_method)
from ._helpers import broadcast_error, norm_dim, select

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
           "index_fill", "index_put", "masked_fill", "masked_select", "masked_scatter",
           "nonzero", "argwhere", "take", "take_along_dim", "one_hot"]

_BAD_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte or bool "
              "tensors are valid indices")
_BAD_TENSOR_INDEX = "tensors used as indices must be long, int, byte or bool tensors"
_INDEX_DTYPES = (np.dtype(np.int64), np.dtype(np.int32), np.dtype(np.uint8),
                 np.dtype(np.bool_))


# ----- x[idx] and x[idx] = v -----------------------------------------------------------------

def _index_part(i):
    """One item of a PyTorch index as NumPy's: an int, slice, None, Ellipsis, bool, or an
    index array (int64/int32, or a bool mask)."""
    if isinstance(i, Tensor):
        a = i._data
        if a.dtype not in _INDEX_DTYPES:
            raise IndexError(f"{_BAD_TENSOR_INDEX}, got {_dtype_name(a.dtype)}")
        if a.ndim == 0 and a.dtype.kind == "i":
            return int(a)
    elif isinstance(i, (list, np.ndarray)):
        a = np.asarray(i)
        if a.size == 0 and a.dtype.kind == "f":
            a = a.astype(np.int64)
        if a.dtype.kind not in "iub":
            raise IndexError(f"{_BAD_TENSOR_INDEX}, got an index of dtype {a.dtype}")
    elif isinstance(i, slice):
        parts = [int(v) if isinstance(v, Tensor) else v for v in (i.start, i.stop, i.step)]
        if parts[2] is not None and parts[2] <= 0:
            raise ValueError("slice step cannot be zero" if parts[2] == 0 else
                             "step must be greater than zero")
        return slice(*parts)
    elif i is None or i is Ellipsis:
        return i
    elif isinstance(i, (bool, np.bool_)):
        return bool(i)
    elif isinstance(i, (int, np.integer)):
        return int(i)
    else:
        raise IndexError(f"{_BAD_INDEX} (got {type(i).__name__})")
    if a.dtype == np.uint8:
        warnings.warn("indexing with dtype uint8 is now deprecated, please use a dtype bool "
                      "instead.", UserWarning, stacklevel=4)
        a = a.astype(np.bool_)
    return a


def _as_tuple(idx) -> tuple:
    """PyTorch (after old NumPy) reads a short list holding sequences, tensors, slices, None or
    ``...`` as a tuple: x[[[0, 1], [2, 3]]] is x[[0, 1], [2, 3]]."""
    if isinstance(idx, tuple):
        return idx
    if isinstance(idx, list) and len(idx) < 32 and any(
            isinstance(i, (list, tuple, np.ndarray, Tensor, slice)) or i is None or
            i is Ellipsis for i in idx):
        warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated; "
                      "use x[tuple(seq)] instead of x[seq]", UserWarning, stacklevel=3)
        return tuple(idx)
    return (idx,)


def _np_index(idx):
    """(plan, basic) for a PyTorch index: ``plan = (first, second, parts)``, where first and
    second are NumPy indices applied one after the other (``second`` None for one step) and
    parts the index items in order (for error messages); ``basic``: the result is a view.

    PyTorch applies integers before advanced indices, as select: for x of shape (2, 3, 4),
    x[0, :, [1, 2]] has shape (3, 2), where NumPy, taking 0 as an advanced index too, gives
    (2, 3). So an index mixing both is split: ints, slices and None first, arrays second.
    """
    parts = [_index_part(i) for i in _as_tuple(idx)]
    is_array = [isinstance(p, (np.ndarray, bool)) for p in parts]
    if not any(is_array):
        if Ellipsis not in parts:
            parts.append(Ellipsis)       # so that all-int indices give a 0-d view, not a copy
        return (tuple(parts), None, parts), True
    if not any(type(p) is int for p in parts):
        return (tuple(parts), None, parts), False
    first, second = [], []
    for p, arr in zip(parts, is_array):
        if arr:
            if isinstance(p, np.ndarray):
                first += [slice(None)] * (p.ndim if p.dtype == np.bool_ else 1)
            second.append(p)
        elif type(p) is int:
            first.append(p)
        else:
            first.append(p)
            second.append(p if p is Ellipsis else slice(None))
    return (tuple(first), tuple(second), parts), False


def _plan(index: tuple) -> tuple:
    """A one-step plan for a NumPy index built by an op (index_fill, masked_scatter)."""
    return index, None, list(index)


def _held(plan) -> tuple:
    """The index arrays of a plan: what a backward that re-applies it holds on to."""
    return tuple(p for step in plan[:2] if step is not None for p in step
                 if isinstance(p, np.ndarray))


def _explain(parts, shape) -> str | None:
    """PyTorch's message for the index ``parts`` that do not fit ``shape`` (None if they
    fit)."""
    used = sum(p.ndim if isinstance(p, np.ndarray) and p.dtype == np.bool_ else 1
               for p in parts if p is not None and p is not Ellipsis and not isinstance(p, bool))
    if used > len(shape):
        if not shape:
            return ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python to convert "
                    "a 0-dim tensor to a number")
        return f"too many indices for tensor of dimension {len(shape)}"
    d, arrays = 0, []
    for p in parts:
        if p is None or isinstance(p, bool):
            continue
        if p is Ellipsis:
            d += len(shape) - used
            continue
        if isinstance(p, np.ndarray) and p.dtype == np.bool_:
            for j, s in enumerate(p.shape):
                if s != shape[d + j]:
                    return (f"The shape of the mask {list(p.shape)} at index {j} does not match "
                            f"the shape of the indexed tensor {list(shape)} at index {d + j}")
            arrays.append(np.broadcast_to(0, (int(p.sum()),)))
            d += p.ndim
            continue
        if not isinstance(p, slice):
            a = np.asarray(p)
            bad = a[(a < -shape[d]) | (a >= shape[d])]
            if bad.size:
                return (f"index {bad.flat[0]} is out of bounds for dimension {d} with size "
                        f"{shape[d]}")
            if a.ndim:
                arrays.append(a)
        d += 1
    try:
        np.broadcast_shapes(*[a.shape for a in arrays])
    except ValueError:
        return (f"shape mismatch: indexing tensors could not be broadcast together with shapes "
                f"{', '.join(str(list(a.shape)) for a in arrays)}")
    return None


def _index_error(e: Exception, plan, shape) -> IndexError:
    msg = _explain(plan[2], shape)
    if msg is None:
        msg = str(e).replace("axis", "dimension").replace("array", "tensor")
    return IndexError(f"{msg} (indexing a tensor of shape {list(shape)})")


def _get(x: np.ndarray, plan):
    first, second, _ = plan
    try:
        out = x[first]
        return out if second is None else out[second]
    except (IndexError, ValueError) as e:
        raise _index_error(e, plan, x.shape) from None


def _only_masks(index) -> bool:
    """True when repeated positions are impossible (no integer arrays), so writes need no
    accumulation."""
    return not any(isinstance(i, np.ndarray) and i.dtype != np.bool_ for i in index)


def _fit(v, shape) -> np.ndarray:
    """v broadcast to ``shape``, dropping leading size-1 dimensions as PyTorch's writes do."""
    v = np.asarray(v)
    extra = v.ndim - len(shape)
    if extra > 0 and all(s == 1 for s in v.shape[:extra]):
        v = v.reshape(v.shape[extra:])
    return np.broadcast_to(v, shape)


def _write(arr: np.ndarray, plan, v, accumulate: bool, name: str) -> None:
    """arr[plan] = v (or += v, adding at repeated positions), in place."""
    first, second, _ = plan
    try:
        target, index = (arr, first) if second is None else (arr[first], second)
        if accumulate and not _only_masks(index):
            np.add.at(target, index, _fit(v, np.shape(target[index])).astype(arr.dtype))
        elif accumulate:
            target[index] += v
        else:
            target[index] = v
    except IndexError as e:
        raise _index_error(e, plan, arr.shape) from None
    except ValueError as e:
        if "read-only" in str(e):
            raise RuntimeError(f"{name}: unsupported operation: more than one element of the "
                               f"written-to tensor refers to a single memory location (it is "
                               f"an expanded view); clone() it first") from None
        raise RuntimeError(f"{name}: shape mismatch: value tensor of shape {list(np.shape(v))} "
                           f"cannot be broadcast to indexing result of shape "
                           f"{list(np.shape(_get(arr, plan)))}") from None


def getitem(input, idx) -> Tensor:
    """``x[idx]``: a view for ints, slices, None and ``...``; a copy for integer arrays and
    masks.  ∂L/∂x = zeros with g added in at idx."""
    plan, basic = _np_index(idx)
    return _index(input, plan, basic)


def _index(input, plan, basic) -> Tensor:
    shape = input._data.shape
    out = _get(input._data, plan)
    if basic:
        t = record(out, "SliceBackward0", (input,), lambda g: _scatter_zeros(g, plan, shape))
        return make_view(t, input)
    return record(out, "IndexBackward0", (input,), lambda g: _scatter_zeros(g, plan, shape),
                  saved=_held(plan))


def _scatter_zeros(g, plan, shape):
    """zeros(shape) with g written (or added, where positions repeat) at the plan's positions;
    the gradient of indexing, whose own gradient is indexing again."""
    z = np.zeros(shape, g._data.dtype)
    _write(z, plan, g._data, not _only_masks(plan[1] or plan[0]), "index backward")
    return record(z, "IndexPutBackward0", (g,), lambda gg: _index(gg, plan, False),
                  saved=_held(plan))


def _check_value(value, target: Tensor):
    if not isinstance(value, (Tensor, bool, int, float, np.number, np.bool_)):
        raise TypeError(f"can't assign a {type(value).__name__} to a {target.type()} tensor")


def setitem(self, idx, value) -> None:
    """``x[idx] = value`` in place (``x[mask] = 0``), value broadcast to the indexed shape and
    cast to x's dtype."""
    plan, basic = _np_index(idx)
    _check_value(value, self)
    parts = plan[2]
    single_mask = len(parts) == 1 and isinstance(parts[0], np.ndarray) and \
        parts[0].dtype == np.bool_
    if isinstance(value, Tensor) and not basic and value._data.dtype != self._data.dtype and \
            not (single_mask and value._data.size == 1):
        # PyTorch writes advanced indices with index_put, which does not cast
        raise RuntimeError(f"setitem: Index put requires the source and destination dtypes "
                           f"match, got {self.dtype} for the destination and {value.dtype} for "
                           f"the source.")
    if check_inplace(self, "setitem", value):
        apply_inplace(self, "setitem", lambda s, v: _put(s, plan, v, False), value)
        return
    _write(self._data, plan, value._data if isinstance(value, Tensor) else value, False,
           "setitem")
    bump_version(self)


def _put(input, plan, values, accumulate):
    """Out-of-place index_put: a copy of input with ``values`` written (or added) at the plan's
    positions.  ∂L/∂input = g with those positions zeroed (kept, when adding);
    ∂L/∂values = g read back at them."""
    out = input._data.copy()
    tv = values if isinstance(values, Tensor) else None
    _write(out, plan, values._data if tv is not None else values, accumulate, "index_put")
    v_ndim = tv._data.ndim if tv is not None else 0

    def backward(g):
        gi = g if accumulate else _put(g, plan, 0.0, False)
        gv = None
        if tv is not None and tv._rg:
            gv = _index(g, plan, False)
            if gv._data.ndim < v_ndim:       # values had extra leading size-1 dimensions
                gv = gv.reshape((1,) * (v_ndim - gv._data.ndim) + gv._data.shape)
        return gi, gv
    return record(out, "IndexPutBackward0", (input, tv), backward, saved=_held(plan))


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem


def _index_put_plan(input, indices, values, name):
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{name}(): indices must be a tuple or list of Tensors, got "
                        f"{type(indices).__name__}")
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    if not isinstance(values, Tensor):
        raise TypeError(f"{name}(): values must be a Tensor, got {type(values).__name__}")
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}(): Index put requires the source and destination dtypes "
                           f"match, got {input.dtype} for the destination and {values.dtype} "
                           f"for the source.")
    return _np_index(tuple(indices))[0]


@tensor_method
def index_put(input, indices, values, accumulate: bool = False) -> Tensor:
    """Out-of-place ``input[indices] = values`` (or ``+=`` with accumulate, adding at repeated
    positions)."""
    return _put(input, _index_put_plan(input, indices, values, "index_put"), values, accumulate)


@tensor_method
def index_put_(self, indices, values, accumulate: bool = False) -> Tensor:
    plan = _index_put_plan(self, indices, values, "index_put_")
    return apply_inplace(self, "index_put_", lambda s, v: _put(s, plan, v, accumulate), values)


# ----- gather / scatter: indexing along one dimension -----------------------------------------

_INT_INDEX = (np.dtype(np.int64), np.dtype(np.int32))


def _dtype_name(d: np.dtype) -> str:
    return str(dtypes.from_np(d)) if d in dtypes._FROM_NP else str(d)


def _index_array(index, name, allowed=_INT_INDEX, what="int32/int64",
                 exc=RuntimeError) -> np.ndarray:
    a = index._data if isinstance(index, Tensor) else np.asarray(index)
    if a.dtype not in allowed:
        raise exc(f"{name}(): Expected dtype {what} for index, got {_dtype_name(a.dtype)}")
    return a


def _as_index_tensor(index, idx: np.ndarray) -> Tensor:
    return index if isinstance(index, Tensor) else _wrap(idx)


def _along(index: np.ndarray, d: int) -> tuple:
    """A NumPy fancy index that reads position index[i, j, ...] along d and i, j, ... along the
    other dims (the coordinates of gather and scatter)."""
    nd = index.ndim
    return tuple(index if k == d else
                 np.arange(index.shape[k]).reshape((-1,) + (1,) * (nd - k - 1))
                 for k in range(nd))


def _at_least_1d(a: np.ndarray) -> np.ndarray:
    """gather and scatter take a 0-d tensor as one of shape (1,)."""
    return a.reshape(1) if a.ndim == 0 else a


def _check_along(x_shape, index, d, name, src_shape=None):
    """PyTorch's checks of gather/scatter arguments: index has self's number of dimensions
    (0-d counting as 1-d), no larger than self apart from ``dim`` (and than src), and in
    range along ``dim``."""
    xs, ix = x_shape or (1,), index.shape or (1,)
    if len(ix) != len(xs):
        raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions as "
                           f"{'input' if name == 'gather' else 'self'} tensor ({len(x_shape)}), "
                           f"got {index.ndim}")
    ss = None if src_shape is None else (src_shape or (1,))
    if ss is not None and len(ss) != len(ix):
        # PyTorch reads src.size(k) for each k of index: an IndexError when src has fewer dims
        exc = IndexError if len(ss) < len(ix) else RuntimeError
        raise exc(f"{name}(): Index tensor must have the same number of dimensions as src "
                  f"tensor ({len(src_shape)}), got {index.ndim}")
    for k in range(len(ix)):
        if k != d and ix[k] > xs[k] or ss is not None and ix[k] > ss[k]:
            if ss is None:
                raise RuntimeError(f"{name}(): Size does not match at dimension {k} expected "
                                   f"index {list(index.shape)} to be no larger than self "
                                   f"{list(x_shape)} apart from dimension {d}")
            raise RuntimeError(f"{name}(): Expected index {list(index.shape)} to be no larger "
                               f"than self {list(x_shape)} apart from dimension {d} and to be "
                               f"no larger size than src {list(src_shape)}")
    if index.size:
        lo, hi = index.min(), index.max()
        if lo < 0 or hi >= xs[d]:
            raise RuntimeError(f"{name}(): index {lo if lo < 0 else hi} is out of bounds for "
                               f"dimension {d} with size {xs[d]}")


def _same_dtype(input, src, name):
    if src._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype (got "
                           f"{input.dtype} and {src.dtype})")


@tensor_method
def gather(input, dim: int, index, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j] = input[i][index[i][j]] (for dim = 1);  ∂L/∂input = g added at those places."""
    x = input._data
    idx = _index_array(index, "gather")
    d = norm_dim(dim, max(x.ndim, 1), "gather")
    _check_along(x.shape, idx, d, "gather")
    i1 = _at_least_1d(idx)
    out = _at_least_1d(x)[_along(i1, d)].reshape(idx.shape)
    it, shape = _as_index_tensor(index, idx), x.shape
    return record(out, "GatherBackward0", (input,), lambda g: gather_backward(g, d, it, shape),
                  saved=(it,))


def gather_backward(g, dim: int, index, shape) -> Tensor:
    """zeros(shape) with g added at the gathered places (scatter_add); its gradient is
    gather."""
    z = np.zeros(shape, g._data.dtype)
    i1 = _at_least_1d(index._data)
    np.add.at(_at_least_1d(z), _along(i1, dim), g._data.reshape(i1.shape))
    return record(z, "ScatterAddBackward0", (g,), lambda gg: gather(gg, dim, index),
                  saved=(index,))


def _src_region(src: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The part of ``src`` that scatter reads: its leading index.shape block."""
    return _at_least_1d(src)[tuple(slice(0, n) for n in _at_least_1d(index).shape)]


def _gather_src(g, d, it, src_shape) -> Tensor:
    """∂L/∂src of a scatter: g read at the scattered places, placed in the leading corner of
    zeros(src_shape) when src is larger than the index."""
    gs = gather(g, d, it)
    if gs._data.shape != src_shape:
        gs = _pad_to(gs.reshape(_at_least_1d(it._data).shape), src_shape)
    return gs


def _pad_to(g, shape) -> Tensor:
    """g placed in the leading corner of zeros(shape) (the gradient of _src_region)."""
    corner = tuple(slice(0, n) for n in g._data.shape)
    if not shape:
        return g.reshape(())
    return _scatter_zeros(g, _plan(corner), shape)


@tensor_method
def scatter(input, dim: int, index, src=None, *, value=None, reduce: str | None = None) \
        -> Tensor:
    """out = input with out[i][index[i][j]] = src[i][j] (dim = 1), or = value.
    ∂L/∂input = g with the written places zeroed;  ∂L/∂src = gather(g, dim, index).
    ``reduce="add"|"multiply"`` combines instead of replacing (no derivative, as in PyTorch)."""
    if not isinstance(src, Tensor) and src is not None:
        src, value = None, src
    if src is None and value is None:
        raise TypeError("scatter(): expected a src tensor or a value")
    x = input._data
    idx = _index_array(index, "scatter")
    d = norm_dim(dim, max(x.ndim, 1), "scatter")
    if src is not None:
        _same_dtype(input, src, "scatter")
    _check_along(x.shape, idx, d, "scatter", None if src is None else src._data.shape)
    out = x.copy()
    loc = _along(_at_least_1d(idx), d)
    v = value if src is None else _src_region(src._data, idx)
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, "
                               f"got {reduce!r}")
        if src is not None:
            warnings.warn("The reduce argument of scatter with Tensor src is deprecated (as in "
                          "PyTorch); use scatter_reduce", UserWarning, stacklevel=2)
        ufunc = np.add if reduce == "add" else np.multiply
        ufunc.at(_at_least_1d(out), loc, np.broadcast_to(v, idx.shape or (1,)).astype(x.dtype))
        return record(out, "ScatterBackward1", (input, src), _no_scatter_reduce_derivative)
    _at_least_1d(out)[loc] = v
    it = _as_index_tensor(index, idx)
    src_shape = None if src is None else src._data.shape

    def backward(g):
        gi = scatter(g, d, it, 0.0) if input._rg else None
        gs = _gather_src(g, d, it, src_shape) if src is not None and src._rg else None
        return gi, gs
    return record(out, "ScatterBackward0", (input, src), backward, saved=(it,))


def _no_scatter_reduce_derivative(g):
    raise RuntimeError("derivative for scatter with reduce is not implemented (as in PyTorch); "
                       "use scatter_reduce or scatter_add")


@tensor_method
def scatter_add(input, dim: int, index, src) -> Tensor:
    """out = input with src added at index along dim (repeats add up).
    ∂L/∂input = g;  ∂L/∂src = gather(g, dim, index)."""
    x = input._data
    idx = _index_array(index, "scatter_add")
    d = norm_dim(dim, max(x.ndim, 1), "scatter_add")
    _same_dtype(input, src, "scatter_add")
    _check_along(x.shape, idx, d, "scatter_add", src._data.shape)
    out = x.copy()
    np.add.at(_at_least_1d(out), _along(_at_least_1d(idx), d), _src_region(src._data, idx))
    it, src_shape = _as_index_tensor(index, idx), src._data.shape

    def backward(g):
        return g, (_gather_src(g, d, it, src_shape) if src._rg else None)
    return record(out, "ScatterAddBackward0", (input, src), backward, saved=(it,))


_REDUCERS = {"sum": np.add, "mean": np.add, "amax": np.maximum, "amin": np.minimum}
_REDUCE_ALIASES = {"max": "amax", "min": "amin"}       # accepted by PyTorch too


@tensor_method
def scatter_reduce(input, dim: int, index, src, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """Reduce ``src`` into ``input`` at ``index`` along ``dim`` with "sum", "mean", "amax" or
    "amin" (e.g. the aggregation step of message passing, 消息传递).

    Gradients to src: sum → gather(g); mean → the same divided by the count; amax/amin → g to
    the values equal to the result, shared equally among ties (counting input's value when it
    equals the result even if include_self=False, as PyTorch). Places no index points to keep
    input and its gradient; with include_self=False, input gets no gradient where src landed.
    """
    reduce = _REDUCE_ALIASES.get(reduce, reduce)
    if reduce not in _REDUCERS:
        raise RuntimeError(f"scatter_reduce(): reduce argument must be either sum, mean, amax "
                           f"or amin (shendu has no prod), got {reduce!r}")
    x = input._data
    idx = _index_array(index, "scatter_reduce")
    d = norm_dim(dim, max(x.ndim, 1), "scatter_reduce")
    _same_dtype(input, src, "scatter_reduce")
    _check_along(x.shape, idx, d, "scatter_reduce", src._data.shape)
    loc = _along(_at_least_1d(idx), d)
    s = _src_region(src._data, idx)
    count = np.zeros(x.shape or (1,), np.int64)
    np.add.at(count, loc, 1)
    touched = count.reshape(x.shape) > 0
    if include_self:
        out = x.copy()
    elif reduce in ("sum", "mean"):
        out = np.where(touched, 0, x).astype(x.dtype)
    else:
        info = np.finfo(x.dtype) if x.dtype.kind == "f" else np.iinfo(x.dtype)
        start = (-np.inf if x.dtype.kind == "f" else info.min) if reduce == "amax" else \
            (np.inf if x.dtype.kind == "f" else info.max)
        out = np.where(touched, np.asarray(start).astype(x.dtype), x)
    _REDUCERS[reduce].at(_at_least_1d(out), loc, s)
    n = np.maximum(count.reshape(x.shape) + (1 if include_self else 0), 1)
    if reduce == "mean":
        q = out / n
        out = (np.floor(q) if x.dtype.kind in "iu" else q).astype(x.dtype)
    it, src_shape = _as_index_tensor(index, idx), src._data.shape
    touched_t, n_t = _wrap(touched), _wrap(n)

    def backward(g, y):
        from .pointwise import where
        if reduce in ("sum", "mean"):
            gm = g / n_t.to(g.dtype) if reduce == "mean" else g
            gi = gm if include_self else where(touched_t, 0.0, g)
            gs = gather(gm, d, it)
        else:
            hit_src = (src[tuple(slice(0, k) for k in idx.shape)] == gather(y, d, it)) \
                .to(g.dtype) if src._data.ndim else (src == gather(y, d, it)).to(g.dtype)
            hit_self = (input == y).to(g.dtype)
            share = g / hit_self.scatter_add(d, it, hit_src)    # ties share the gradient
            gi = share * hit_self if include_self else where(touched_t, 0.0, share * hit_self)
            gs = gather(share, d, it) * hit_src
        if gs._data.shape != src_shape:
            gs = _pad_to(gs.reshape(idx.shape or (1,)), src_shape)
        return (gi if input._rg else None), (gs if src._rg else None)
    return record(out, "ScatterReduceBackward0", (input, src), backward,
                  saved=(input, src, it), save_output=True)


# ----- index_select, index_add, index_fill -----------------------------------------------------

def _check_index_range(idx: np.ndarray, n: int, d: int, name: str, exc=RuntimeError,
                       negative: bool = False) -> None:
    lo = -n if negative else 0
    bad = idx[(idx < lo) | (idx >= n)]
    if bad.size:
        raise exc(f"{name}(): index {bad.flat[0]} is out of bounds for dimension {d} with size "
                  f"{n}")


@tensor_method
def index_select(input, dim: int, index) -> Tensor:
    """The slices ``index`` along ``dim``;  ∂L/∂input = g added back at those slices."""
    x = input._data
    idx = _index_array(index, "index_select", what="int32 or int64")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = norm_dim(dim, max(x.ndim, 1), "index_select")
    if x.ndim == 0 and idx.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                           f"{idx.size} value(s)")
    _check_index_range(idx, x.shape[d] if x.ndim else 1, d, "index_select")
    flat = idx.reshape(-1)
    out = np.take(x, flat, axis=d) if x.ndim else x.copy()
    it, shape = _wrap(flat), x.shape
    return record(out, "IndexSelectBackward0", (input,),
                  lambda g: index_add_zeros(g, d, it, shape), saved=(it,))


def index_add_zeros(g, dim: int, index, shape) -> Tensor:
    """zeros(shape) with the rows of g added at ``index`` along ``dim``: the gradient of
    index_select (and of embedding lookups); its gradient is index_select."""
    z = np.zeros(shape, g._data.dtype)
    idx = index._data
    if z.ndim == 0:
        z = z + g._data.sum()
    elif idx.size:
        np.add.at(z, (slice(None),) * dim + (idx,), g._data)
    return record(z, "IndexAddBackward0", (g,), lambda gg: index_select(gg, dim, index),
                  saved=(index,))


@tensor_method
def index_add(input, dim: int, index, source, *, alpha=1) -> Tensor:
    """input with alpha·source added at ``index`` along ``dim`` (repeats add up).
    ∂L/∂input = g;  ∂L/∂source = alpha·index_select(g, dim, index)."""
    x, s = input._data, source._data
    idx = _index_array(index, "index_add", what="int32 or int64")
    if idx.ndim > 1:
        raise IndexError("index_add(): Index is supposed to be a vector")
    idx = idx.reshape(-1)
    d = norm_dim(dim, max(x.ndim, 1), "index_add")
    if s.dtype != x.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype}) and source ({source.dtype}) "
                           f"must have the same scalar type")
    s_shape, x_shape = s.shape or (1,), x.shape or (1,)
    if len(s_shape) != len(x_shape) or any(a != b for k, (a, b) in
                                           enumerate(zip(s_shape, x_shape)) if k != d):
        raise RuntimeError(f"index_add(): source tensor shape must match self tensor shape, "
                           f"excluding the specified dimension. Got self.shape = "
                           f"{list(x.shape)} source.shape = {list(s.shape)}")
    if s_shape[d] != idx.size:
        raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to "
                           f"source.size(dim): ({s_shape[d]}), for dim: {d}")
    _check_index_range(idx, x_shape[d], d, "index_add")
    if isinstance(alpha, Tensor):
        alpha = alpha.item()
    if x.dtype.kind in "iub":
        alpha = int(alpha)                # PyTorch casts alpha to an integer tensor's dtype
    out = x.copy()
    np.add.at(_at_least_1d(out), (slice(None),) * d + (idx,),
              (s if alpha == 1 else s * alpha).astype(x.dtype, copy=False).reshape(s_shape))
    it = _wrap(idx)

    def backward(g):
        gs = None
        if source._rg:
            gs = index_select(g, d, it)
            if alpha != 1:
                gs = gs * alpha
        return g, gs
    return record(out, "IndexAddBackward0", (input, source), backward, saved=(it,))


@tensor_method
def index_add_(self, dim: int, index, source, *, alpha=1) -> Tensor:
    return apply_inplace(self, "index_add_",
                         lambda s, src: index_add(s, dim, index, src, alpha=alpha), source)


@tensor_method
def index_fill(input, dim: int, index, value) -> Tensor:
    """input with the slices ``index`` along ``dim`` set to ``value`` (a number or a 0-d
    tensor, which gets the sum of their gradient)."""
    x = input._data
    idx = _index_array(index, "index_fill_", (np.dtype(np.int64),), "int64", IndexError)
    if idx.ndim > 1:
        raise RuntimeError("index_fill_(): Index has to be a vector/scalar")
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    d = norm_dim(dim, max(x.ndim, 1), "index_fill")
    idx = idx.reshape(-1)
    _check_index_range(idx, x.shape[d] if x.ndim else 1, d, "index_fill_", IndexError, True)
    if x.ndim == 0:
        return _put(input, _plan((Ellipsis,) if idx.size else (False,)), value, False)
    return _put(input, _plan((slice(None),) * d + (idx,)), value, False)


@tensor_method
def index_fill_(self, dim: int, index, value) -> Tensor:
    return apply_inplace(self, "index_fill_", lambda s, v: index_fill(s, dim, index, v), value)


@tensor_method
def scatter_(self, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:
    if not isinstance(src, Tensor) and src is not None:
        src, value = None, src
    if src is None:
        return apply_inplace(self, "scatter_",
                             lambda s: scatter(s, dim, index, value=value, reduce=reduce))
    return apply_inplace(self, "scatter_",
                         lambda s, v: scatter(s, dim, index, v, reduce=reduce), src)


@tensor_method
def scatter_add_(self, dim: int, index, src) -> Tensor:
    return apply_inplace(self, "scatter_add_", lambda s, v: scatter_add(s, dim, index, v), src)


@tensor_method
def scatter_reduce_(self, dim: int, index, src, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    return apply_inplace(self, "scatter_reduce_", lambda s, v: scatter_reduce(
        s, dim, index, v, reduce, include_self=include_self), src)


# ----- masks --------------------------------------------------------------------------------

def _mask_array(mask, name, message=None) -> np.ndarray:
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(message or f"{name} only supports boolean masks, but got mask with "
                                      f"dtype {_dtype_name(m.dtype)}")
    return m


def _check_inplace_mask(self, m, name) -> None:
    """An in-place masked op may broadcast the mask to self, not self to the mask."""
    try:
        shape = np.broadcast_shapes(self._data.shape, m.shape)
    except ValueError:
        raise broadcast_error(name, self._data, m) from None
    if shape != self._data.shape:
        raise RuntimeError(f"{name}: output with shape {list(self._data.shape)} doesn't match "
                           f"the broadcast shape {list(shape)}")


@tensor_method
def masked_fill(input, mask, value) -> Tensor:
    """``value`` where mask is true, input elsewhere (e.g. −inf on masked attention scores);
    input and mask broadcast together.
    ∂L/∂input = g where mask is false;  ∂L/∂value = Σ g where mask is true."""
    x = input._data
    m = _mask_array(mask, "masked_fill_")
    tv = value if isinstance(value, Tensor) else None
    if tv is not None and tv._data.ndim:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {tv._data.ndim} dimension(s).")
    v = tv._data if tv is not None else value
    try:
        out = select(m, np.asarray(v).astype(x.dtype), x)
    except ValueError:
        raise broadcast_error("masked_fill", x, m) from None
    mt = _wrap(m)

    def backward(g):
        from .pointwise import where
        gi = where(mt, 0.0, g) if input._rg else None
        gv = where(mt, g, 0.0).sum() if tv is not None and tv._rg else None
        return gi, gv
    return record(out, "MaskedFillBackward0", (input, tv), backward, saved=(m,))


@tensor_method
def masked_fill_(self, mask, value) -> Tensor:
    m = _mask_array(mask, "masked_fill_")
    _check_inplace_mask(self, m, "masked_fill_")
    if check_inplace(self, "masked_fill_", value):
        return apply_inplace(self, "masked_fill_", lambda s, v: masked_fill(s, mask, v), value)
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    v = value._data if isinstance(value, Tensor) else value
    np.copyto(self._data, np.asarray(v).astype(self._data.dtype), where=m)
    bump_version(self)
    return self


@tensor_method
def masked_select(input, mask) -> Tensor:
    """The values where mask is true, as a 1-D tensor (input and mask broadcast together)."""
    m = _mask_array(mask, "masked_select", "masked_select: expected BoolTensor for mask")
    try:
        shape = np.broadcast_shapes(input._data.shape, m.shape)
    except ValueError:
        raise broadcast_error("masked_select", input._data, m) from None
    m = np.broadcast_to(m, shape)
    return _index(input.expand(shape), _plan((m,)), False)


@tensor_method
def masked_scatter(input, mask, source) -> Tensor:
    """input with the masked places filled, in order, from the first values of source (input
    and mask broadcast together).  ∂L/∂source = g at the masked places, in order."""
    m = _mask_array(mask, "masked_scatter_")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got {input.dtype} and {source.dtype}")
    try:
        shape = np.broadcast_shapes(input._data.shape, m.shape)
    except ValueError:
        raise broadcast_error("masked_scatter", input._data, m) from None
    m = np.broadcast_to(m, shape)
    k = int(m.sum())
    if source._data.size < k:
        raise RuntimeError(f"masked_scatter: Number of elements of source < number of ones in "
                           f"mask ({source._data.size} < {k})")
    return _put(input.expand(shape), _plan((m,)), source.reshape(-1)[:k], False)


@tensor_method
def masked_scatter_(self, mask, source) -> Tensor:
    m = _mask_array(mask, "masked_scatter_")
    _check_inplace_mask(self, m, "masked_scatter_")
    return apply_inplace(self, "masked_scatter_", lambda s, v: masked_scatter(s, mask, v),
                         source)


@tensor_method
def nonzero(input, *, as_tuple: bool = False):
    """Indices of the nonzero values: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
    x = input._data
    if as_tuple:
        if x.ndim == 0:
            return (_wrap(np.zeros(int(bool(x)), np.int64)),)
        return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(x))
    return _wrap(np.argwhere(x).astype(np.int64))


@tensor_method
def argwhere(input) -> Tensor:
    return nonzero(input)


@tensor_method
def take(input, index) -> Tensor:
    """Values at flat positions ``index`` of the flattened input, in the shape of index."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got "
                           f"{_dtype_name(idx.dtype)}")
    n = input._data.size
    bad = idx[(idx < -n) | (idx >= n)]
    if bad.size:
        raise IndexError(f"take(): out of range: tried to access index {bad.flat[0]} on a "
                         f"tensor of {n} elements.")
    return _index(input.reshape(-1), _plan((idx,)), False)


@tensor_method
def take_along_dim(input, indices, dim=None) -> Tensor:
    """As ``gather``, with input and indices broadcast against each other except along dim."""
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype != np.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_dtype_name(idx.dtype)}")
    if dim is None:
        return take(input, _wrap(idx.reshape(-1)))
    x = input._data
    if x.ndim == 0:
        raise IndexError(f"take_along_dim(): Dimension specified as {dim} but tensor has no "
                         f"dimensions")
    if x.ndim != idx.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {x.ndim} dimensions for input, and "
                           f"{idx.ndim} dimensions for indices")
    d = norm_dim(dim, x.ndim, "take_along_dim")
    sx, si = list(x.shape), list(idx.shape)
    sx[d] = si[d] = 1
    try:
        b = list(np.broadcast_shapes(tuple(sx), tuple(si)))
    except ValueError:
        raise broadcast_error("take_along_dim", np.empty(sx, np.int8),
                              np.empty(si, np.int8)) from None
    bx, bi = list(b), list(b)
    bx[d], bi[d] = x.shape[d], idx.shape[d]
    return gather(input.expand(bx), d, _wrap(np.broadcast_to(idx, bi)))


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """One-hot encoding (独热编码): class index i -> a vector with 1 at i, int64."""
    x = tensor._data
    if x.dtype != np.int64:
        raise RuntimeError(f"one_hot is only applicable to index tensor of type LongTensor, got "
                           f"{_dtype_name(x.dtype)}.")
    if x.size and x.min() < 0:
        raise RuntimeError("one_hot: Class values must be non-negative.")
    if num_classes == -1:
        if not x.size:
            raise RuntimeError("one_hot: Can not infer total number of classes from empty "
                               "tensor.")
        num_classes = int(x.max()) + 1
    elif x.size and x.max() >= num_classes:
        raise RuntimeError(f"one_hot: Class values must be smaller than num_classes "
                           f"({num_classes}), got {int(x.max())}.")
    out = np.zeros(x.shape + (num_classes,), np.int64)
    np.put_along_axis(out, x[..., None], 1, axis=-1)
    return _wrap(out)
