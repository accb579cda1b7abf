"""Indexing (索引): ``x[...]`` and ``x[...] = v``, gather, scatter, scatter_add,
scatter_reduce, index_select, index_add, index_fill, index_put, masked_fill, masked_select,
nonzero, take, one_hot.

Reading positions and writing them are each other's backward: the gradient of ``x[idx]`` is g
written into zeros at idx (adding where idx repeats a position), and the gradient of that
write is reading g back at idx. Both directions are ops here, so double backward works.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..tensor import (Tensor, _wrap, apply_inplace, bump_version, check_inplace, make_view,
                      record, tensor_method)
from ._helpers import broadcast_error, norm_dim

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
           "index_fill", "index_put", "masked_fill", "masked_select", "nonzero", "argwhere",
           "take", "take_along_dim", "one_hot"]

_BAD_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte or bool "
              "tensors are valid indices")


# ----- x[idx] and x[idx] = v -----------------------------------------------------------------

def _index_part(i):
    if isinstance(i, Tensor):
        a = i._data
        if a.dtype.kind in "iu" and a.ndim == 0:
            return int(a), True
    elif isinstance(i, (list, np.ndarray)):
        a = np.asarray(i)
        if a.size == 0 and a.dtype.kind == "f":
            a = a.astype(np.int64)
    elif isinstance(i, slice):
        parts = [int(v) if isinstance(v, Tensor) else v for v in (i.start, i.stop, i.step)]
        if parts[2] is not None and parts[2] <= 0:
            raise ValueError("step must be greater than zero")
        return slice(*parts), True
    elif i is None or i is Ellipsis:
        return i, True
    elif isinstance(i, (bool, np.bool_)):
        return bool(i), False
    elif isinstance(i, (int, np.integer)):
        return int(i), True
    else:
        raise IndexError(f"{_BAD_INDEX}; got {type(i).__name__}")
    if a.dtype.kind not in "iub":
        raise IndexError(f"{_BAD_INDEX}; got an index of dtype {a.dtype}")
    if a.dtype == np.uint8:
        a = a.astype(np.bool_)
    return a, False


def _np_index(idx):
    """(NumPy index, basic) for a PyTorch index; basic indexing gives a view."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out, basic = [], True
    for i in idx:
        v, b = _index_part(i)
        out.append(v)
        basic = basic and b
    return tuple(out), basic


def _index_error(e: Exception, shape) -> IndexError:
    msg = str(e).replace("axis", "dimension").replace("array", "tensor")
    return IndexError(f"{msg} (indexing a tensor of shape {list(shape)})")


def _read(x: np.ndarray, idx):
    try:
        return x[idx]
    except (IndexError, ValueError) as e:
        raise _index_error(e, x.shape) from None


def _only_masks(idx) -> bool:
    """True when repeated positions are impossible (no integer arrays), so writes need no
    accumulation."""
    return not any(isinstance(i, np.ndarray) and i.dtype != np.bool_ for i in idx)


def getitem(input, idx) -> Tensor:
    """``x[idx]``: a view for ints, slices, None and ``...``; a copy for integer arrays and
    masks.  ∂L/∂x = zeros with g added in at idx."""
    np_idx, basic = _np_index(idx)
    x = input._data
    out = _read(x, np_idx)
    if basic:
        t = record(out, "SliceBackward0", (input,),
                   lambda g: _scatter_zeros(g, np_idx, x.shape, True))
        return make_view(t, input)
    return record(np.array(out, copy=False) if isinstance(out, np.ndarray) else out,
                  "IndexBackward0", (input,), lambda g: _scatter_zeros(g, np_idx, x.shape, False))


def _scatter_zeros(g, np_idx, shape, basic):
    """zeros(shape) with g written (or added, where positions repeat) at np_idx; the gradient
    of indexing, whose own gradient is indexing again."""
    z = np.zeros(shape, g._data.dtype)
    if basic or _only_masks(np_idx):
        z[np_idx] = g._data
    else:
        np.add.at(z, np_idx, g._data)
    return record(z, "IndexPutBackward0", (g,), lambda gg: _wrap_get(gg, np_idx, basic))


def _wrap_get(gg, np_idx, basic):
    out = gg._data[np_idx]
    return record(np.asarray(out) if basic else out, "IndexBackward0", (gg,),
                  lambda g3: _scatter_zeros(g3, np_idx, gg._data.shape, basic))


def setitem(self, idx, value) -> None:
    """``x[idx] = value`` in place (``x[mask] = 0``), value broadcast to the indexed shape."""
    np_idx, _ = _np_index(idx)
    if check_inplace(self, "setitem", value):
        apply_inplace(self, "setitem", lambda s, v: _put(s, np_idx, v, False), value)
        return
    v = value._data if isinstance(value, Tensor) else value
    try:
        self._data[np_idx] = v
    except ValueError as e:
        if "read-only" in str(e):
            raise RuntimeError("setitem: unsupported operation: more than one element of the "
                               "written-to tensor refers to a single memory location (it is an "
                               "expanded view); clone() it first") from None
        raise RuntimeError(f"setitem: shape mismatch: value tensor of shape "
                           f"{list(np.shape(v))} cannot be broadcast to indexing result of "
                           f"shape {list(np.shape(_read(self._data, np_idx)))}") from None
    except IndexError as e:
        raise _index_error(e, self._data.shape) from None
    bump_version(self)


def _put(input, np_idx, values, accumulate):
    """Out-of-place index_put: a copy of input with ``values`` written (or added) at np_idx.
    ∂L/∂input = g with those positions zeroed (kept, when adding);  ∂L/∂values = g[np_idx]."""
    x = input._data
    v = values._data if isinstance(values, Tensor) else values
    out = x.copy()
    try:
        if accumulate and not _only_masks(np_idx):
            np.add.at(out, np_idx, np.broadcast_to(v, np.shape(out[np_idx])).astype(x.dtype))
        elif accumulate:
            out[np_idx] += v
        else:
            out[np_idx] = v
    except ValueError:
        raise RuntimeError(f"index_put: shape mismatch: value tensor of shape {list(np.shape(v))} "
                           f"cannot be broadcast to indexing result of shape "
                           f"{list(np.shape(_read(x, np_idx)))}") from None
    except IndexError as e:
        raise _index_error(e, x.shape) from None
    tv = values if isinstance(values, Tensor) else None

    def backward(g):
        gi = g if accumulate else _put(g, np_idx, 0.0, False)
        gv = getitem(g, np_idx) if tv is not None and tv._rg else None
        return gi, gv
    return record(out, "IndexPutBackward0", (input, tv), backward)


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem


@tensor_method
def index_put(input, indices, values, accumulate: bool = False) -> Tensor:
    """Out-of-place ``input[indices] = values`` (or ``+=`` with accumulate, adding at repeated
    positions)."""
    np_idx, _ = _np_index(tuple(indices))
    return _put(input, np_idx, values, accumulate)


@tensor_method
def index_put_(self, indices, values, accumulate: bool = False) -> Tensor:
    np_idx, _ = _np_index(tuple(indices))
    return apply_inplace(self, "index_put_", lambda s, v: _put(s, np_idx, v, accumulate), values)


# ----- gather / scatter: indexing along one dimension -----------------------------------------

def _index_array(index, name) -> np.ndarray:
    a = index._data if isinstance(index, Tensor) else np.asarray(index)
    if a.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index, got "
                           f"{dtypes.from_np(a.dtype) if a.dtype in dtypes._FROM_NP else a.dtype}")
    return a


def _along(index: np.ndarray, d: int) -> tuple:
    """A NumPy fancy index that reads position index[i, j, ...] along d and i, j, ... along the
    other dims (the coordinates of gather and scatter)."""
    nd = index.ndim
    return tuple(index if k == d else
                 np.arange(index.shape[k]).reshape((-1,) + (1,) * (nd - k - 1))
                 for k in range(nd))


def _check_along(x_shape, index, d, name, src_shape=None):
    if index.ndim != len(x_shape) and not (index.ndim <= 1 and len(x_shape) <= 1):
        raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions as "
                           f"input tensor ({len(x_shape)}), got {index.ndim}")
    for k in range(index.ndim):
        if k != d and index.shape[k] > x_shape[k]:
            raise RuntimeError(f"{name}(): Size does not match at dimension {k} expected index "
                               f"{list(index.shape)} to be smaller than self {list(x_shape)} "
                               f"apart from dimension {d}")
        if src_shape is not None and index.shape[k] > src_shape[k]:
            raise RuntimeError(f"{name}(): Expected index {list(index.shape)} to be smaller "
                               f"than src {list(src_shape)} in every dimension")
    if index.size:
        lo, hi = index.min(), index.max()
        n = x_shape[d] if x_shape else 1
        if lo < 0 or hi >= n:
            raise RuntimeError(f"{name}(): index {lo if lo < 0 else hi} is out of bounds for "
                               f"dimension {d} with size {n}")


@tensor_method
def gather(input, dim: int, index, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j] = input[i][index[i][j]] (for dim = 1);  ∂L/∂input = g added at those places."""
    x = input._data
    idx = _index_array(index, "gather")
    d = norm_dim(dim, max(x.ndim, 1), "gather")
    _check_along(x.shape, idx, d, "gather")
    if x.ndim == 0:
        out = np.broadcast_to(x, idx.shape).copy()
    else:
        out = x[_along(idx, d)]
    it = index if isinstance(index, Tensor) else _wrap(idx)
    return record(out, "GatherBackward0", (input,),
                  lambda g: gather_backward(g, d, it, x.shape))


def gather_backward(g, dim: int, index, shape) -> Tensor:
    """zeros(shape) with g added at the gathered places (scatter_add); its gradient is
    gather."""
    z = np.zeros(shape, g._data.dtype)
    idx = index._data
    if z.ndim == 0:
        z = z + g._data.sum()
    else:
        np.add.at(z, _along(idx, dim), g._data)
    return record(z, "ScatterAddBackward0", (g,), lambda gg: gather(gg, dim, index))


def _src_region(src, index):
    """The part of ``src`` that scatter reads: its leading index.shape block."""
    return src[tuple(slice(0, n) for n in index.shape)]


@tensor_method
def scatter(input, dim: int, index, src=None, *, value=None, reduce: str | None = None) \
        -> Tensor:
    """out = input with out[i][index[i][j]] = src[i][j] (dim = 1).
    ∂L/∂input = g with the written places zeroed;  ∂L/∂src = gather(g, dim, index)."""
    if reduce is not None:
        mode = {"add": "sum"}.get(reduce)
        if mode is None:
            raise RuntimeError(f"scatter(): reduce must be 'add' (shendu has no 'multiply' "
                               f"reduction), got {reduce!r}")
        s = src if src is not None else value
        if not isinstance(s, Tensor):
            s = _wrap(np.full(np.shape(_index_array(index, "scatter")), s, input._data.dtype))
        return scatter_reduce(input, dim, index, s, mode)
    if src is None and value is None:
        if isinstance(dim, Tensor) or not isinstance(index, Tensor):
            raise TypeError("scatter(): expected src or value")
    x = input._data
    idx = _index_array(index, "scatter")
    d = norm_dim(dim, max(x.ndim, 1), "scatter")
    if isinstance(src, (int, float)) and value is None:
        src, value = None, src
    ts = src if isinstance(src, Tensor) else None
    _check_along(x.shape, idx, d, "scatter", ts._data.shape if ts is not None else None)
    out = x.copy()
    loc = _along(idx, d)
    out[loc] = _src_region(ts._data, idx) if ts is not None else value
    it = index if isinstance(index, Tensor) else _wrap(idx)

    def backward(g):
        gi = scatter(g, d, it, value=0.0) if input._rg else None
        gs = None
        if ts is not None and ts._rg:
            gs = gather(g, d, it)
            if gs._data.shape != ts._data.shape:
                gs = _pad_to(gs, ts._data.shape)
        return gi, gs
    return record(out, "ScatterBackward0", (input, ts), backward)


def _pad_to(g, shape):
    """Place g in the leading corner of zeros(shape) (gradient of _src_region)."""
    return _scatter_zeros(g, tuple(slice(0, n) for n in g._data.shape), shape, True)


@tensor_method
def scatter_add(input, dim: int, index, src) -> Tensor:
    """out = input with src added at index along dim (repeats add up).
    ∂L/∂input = g;  ∂L/∂src = gather(g, dim, index)."""
    x = input._data
    idx = _index_array(index, "scatter_add")
    d = norm_dim(dim, max(x.ndim, 1), "scatter_add")
    _check_along(x.shape, idx, d, "scatter_add", src._data.shape)
    out = x.copy()
    np.add.at(out, _along(idx, d), _src_region(src._data, idx).astype(x.dtype, copy=False))
    it = index if isinstance(index, Tensor) else _wrap(idx)

    def backward(g):
        gs = None
        if src._rg:
            gs = gather(g, d, it)
            if gs._data.shape != src._data.shape:
                gs = _pad_to(gs, src._data.shape)
        return g, gs
    return record(out, "ScatterAddBackward0", (input, src), backward)


_REDUCERS = {"sum": np.add, "amax": np.maximum, "amin": np.minimum}


@tensor_method
def scatter_reduce(input, dim: int, index, src, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """Reduce ``src`` into ``input`` at ``index`` along ``dim`` with "sum", "mean", "amax" or
    "amin" (e.g. the aggregation step of message passing, 消息传递).

    Gradients to src: sum → gather(g); mean → the same divided by the count; amax/amin → g to
    the values equal to the result, shared equally among ties. Places no index points to keep
    input and its gradient.
    """
    if reduce not in ("sum", "mean", "amax", "amin"):
        raise RuntimeError(f"scatter_reduce(): reduce must be one of sum, mean, amax, amin "
                           f"(shendu has no prod reduction), got {reduce!r}")
    x = input._data
    idx = _index_array(index, "scatter_reduce")
    d = norm_dim(dim, max(x.ndim, 1), "scatter_reduce")
    _check_along(x.shape, idx, d, "scatter_reduce", src._data.shape)
    loc = _along(idx, d)
    s = _src_region(src._data, idx).astype(x.dtype, copy=False)
    count = np.zeros(x.shape, np.int64)
    np.add.at(count, loc, 1)
    touched = count > 0
    if include_self:
        out = x.copy()
    elif reduce in ("sum", "mean"):
        out = np.where(touched, 0, x).astype(x.dtype)
    else:
        info = np.finfo(x.dtype) if x.dtype.kind == "f" else np.iinfo(x.dtype)
        start = (-np.inf if x.dtype.kind == "f" else info.min) if reduce == "amax" else \
            (np.inf if x.dtype.kind == "f" else info.max)
        out = np.where(touched, np.asarray(start).astype(x.dtype), x)
    (np.add if reduce == "mean" else _REDUCERS[reduce]).at(out, loc, s)
    n = np.maximum(count + (1 if include_self else 0), 1)
    if reduce == "mean":
        q = out / n
        out = (np.floor(q) if x.dtype.kind in "iu" else q).astype(x.dtype)
    it = index if isinstance(index, Tensor) else _wrap(idx)
    shape_src = src._data.shape
    touched_t = _wrap(touched)

    def backward(g, y):
        from .pointwise import where
        if reduce in ("sum", "mean"):
            gm = g / _wrap(n.astype(g._data.dtype)) if reduce == "mean" else g
            gi = gm if include_self else where(touched_t, 0.0, g)
            gs = gather(gm, d, it)
        else:
            src_reg = src[tuple(slice(0, k) for k in idx.shape)]
            hit_src = (src_reg == gather(y, d, it)).to(g.dtype)
            hit_self = (input == y).to(g.dtype) if include_self else g * 0
            ties = hit_self.scatter_add(d, it, hit_src)    # winners per output place
            share = g / ties.clamp(min=1)
            gi = where(touched_t, share * hit_self, g)
            gs = gather(share, d, it) * hit_src
        if gs._data.shape != shape_src:
            gs = _pad_to(gs, shape_src)
        return (gi if input._rg else None), (gs if src._rg else None)
    return record(out, "ScatterReduceBackward0", (input, src), backward,
                  saved=(input, src), save_output=True)


@tensor_method
def index_select(input, dim: int, index) -> Tensor:
    """The slices ``index`` along ``dim``;  ∂L/∂input = g added back at those slices."""
    x = input._data
    idx = _index_array(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = norm_dim(dim, max(x.ndim, 1), "index_select")
    n = x.shape[d] if x.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(f"index_select(): index out of range in self: index "
                         f"{idx.min() if idx.min() < 0 else idx.max()} for dimension {d} with "
                         f"size {n}")
    out = np.take(x if x.ndim else x.reshape(1), idx.reshape(-1), axis=d)
    if not x.ndim:
        out = out.reshape(idx.shape)
    it = _wrap(idx.reshape(-1))
    return record(out, "IndexSelectBackward0", (input,),
                  lambda g: index_add_zeros(g, d, it, x.shape))


def index_add_zeros(g, dim: int, index, shape) -> Tensor:
    """zeros(shape) with the rows of g added at ``index`` along ``dim``: the gradient of
    index_select (and of embedding lookups); its gradient is index_select."""
    z = np.zeros(shape, g._data.dtype)
    idx = index._data
    if z.ndim == 0:
        z = z + g._data.sum()
    elif idx.size:
        np.add.at(z, (slice(None),) * dim + (idx,), g._data)
    return record(z, "IndexAddBackward0", (g,), lambda gg: index_select(gg, dim, index))


@tensor_method
def index_add(input, dim: int, index, source, *, alpha=1) -> Tensor:
    """input with alpha·source added at ``index`` along ``dim`` (repeats add up).
    ∂L/∂input = g;  ∂L/∂source = alpha·index_select(g, dim, index)."""
    x = input._data
    idx = _index_array(index, "index_add").reshape(-1)
    d = norm_dim(dim, max(x.ndim, 1), "index_add")
    n = x.shape[d] if x.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(f"index_add(): index out of range for dimension {d} with size {n}")
    if source._data.ndim and source._data.shape[d] != idx.size:
        raise RuntimeError(f"index_add(): number of indices ({idx.size}) should be equal to "
                           f"source.size(dim) ({source._data.shape[d]})")
    out = x.copy()
    s = source._data if alpha == 1 else source._data * alpha
    np.add.at(out, (slice(None),) * d + (idx,), s.astype(x.dtype, copy=False))
    it = _wrap(idx)

    def backward(g):
        gs = None
        if source._rg:
            gs = index_select(g, d, it)
            if alpha != 1:
                gs = gs * alpha
        return g, gs
    return record(out, "IndexAddBackward0", (input, source), backward)


@tensor_method
def index_add_(self, dim: int, index, source, *, alpha=1) -> Tensor:
    return apply_inplace(self, "index_add_",
                         lambda s, src: index_add(s, dim, index, src, alpha=alpha), source)


@tensor_method
def index_fill(input, dim: int, index, value) -> Tensor:
    """input with the slices ``index`` along ``dim`` set to ``value``."""
    idx = _index_array(index, "index_fill").reshape(-1)
    d = norm_dim(dim, max(input._data.ndim, 1), "index_fill")
    return _put(input, (slice(None),) * d + (idx,), value, False)


@tensor_method
def index_fill_(self, dim: int, index, value) -> Tensor:
    return apply_inplace(self, "index_fill_", lambda s: index_fill(s, dim, index, value))


@tensor_method
def scatter_(self, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:
    return apply_inplace(self, "scatter_",
                         lambda s: scatter(s, dim, index, src, value=value, reduce=reduce))


@tensor_method
def scatter_add_(self, dim: int, index, src) -> Tensor:
    return apply_inplace(self, "scatter_add_", lambda s, v: scatter_add(s, dim, index, v), src)


@tensor_method
def scatter_reduce_(self, dim: int, index, src, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    return apply_inplace(self, "scatter_reduce_", lambda s, v: scatter_reduce(
        s, dim, index, v, reduce, include_self=include_self), src)


# ----- masks --------------------------------------------------------------------------------

def _mask_array(mask, name) -> np.ndarray:
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        if m.dtype == np.uint8:
            return m.astype(np.bool_)
        raise RuntimeError(f"{name}: expected mask to be a bool tensor, got dtype {m.dtype}")
    return m


@tensor_method
def masked_fill(input, mask, value) -> Tensor:
    """``value`` where mask is true, input elsewhere (e.g. −inf on masked attention scores).
    ∂L/∂input = g where mask is false;  ∂L/∂value = Σ g where mask is true."""
    x = input._data
    m = _mask_array(mask, "masked_fill")
    tv = value if isinstance(value, Tensor) else None
    if tv is not None and tv._data.ndim:
        raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, but got "
                           f"tensor with {tv._data.ndim} dimension(s)")
    v = tv._data if tv is not None else value
    try:
        out = np.where(m, np.asarray(v).astype(x.dtype), x)
    except ValueError:
        raise broadcast_error("masked_fill", x, m) from None
    mt = mask if isinstance(mask, Tensor) else _wrap(m)

    def backward(g):
        from .pointwise import where
        gi = where(mt, 0.0, g) if input._rg else None
        gv = where(mt, g, 0.0).sum() if tv is not None and tv._rg else None
        return gi, gv
    return record(out, "MaskedFillBackward0", (input, tv), backward)


@tensor_method
def masked_fill_(self, mask, value) -> Tensor:
    if check_inplace(self, "masked_fill_", value):
        return apply_inplace(self, "masked_fill_", lambda s: masked_fill(s, mask, value))
    m = _mask_array(mask, "masked_fill_")
    v = value._data if isinstance(value, Tensor) else value
    try:
        np.copyto(self._data, np.asarray(v).astype(self._data.dtype), where=m)
    except ValueError:
        raise broadcast_error("masked_fill_", self._data, m) from None
    bump_version(self)
    return self


@tensor_method
def masked_select(input, mask) -> Tensor:
    """The values where mask is true, as a 1-D tensor (input and mask broadcast together)."""
    m = _mask_array(mask, "masked_select")
    try:
        shape = np.broadcast_shapes(input._data.shape, m.shape)
    except ValueError:
        raise broadcast_error("masked_select", input._data, m) from None
    return getitem(input.expand(shape), _wrap(np.broadcast_to(m, shape)))


@tensor_method
def masked_scatter(input, mask, source) -> Tensor:
    """input with the masked places filled, in order, from the first values of source."""
    m = np.broadcast_to(_mask_array(mask, "masked_scatter"), input._data.shape)
    k = int(m.sum())
    if source._data.size < k:
        raise RuntimeError(f"masked_scatter: expected source to have at least {k} elements, "
                           f"got {source._data.size}")
    return _put(input, (m,), source.reshape(-1)[:k], False)


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
    return getitem(input.reshape(-1), index)


@tensor_method
def take_along_dim(input, indices, dim=None) -> Tensor:
    """As ``gather``, with input and indices broadcast against each other except along dim."""
    if dim is None:
        return take(input, indices.reshape(-1))
    x, idx = input._data, _index_array(indices, "take_along_dim")
    d = norm_dim(dim, x.ndim, "take_along_dim")
    sx, si = list(x.shape), list(idx.shape)
    sx[d] = si[d] = 1
    b = list(np.broadcast_shapes(tuple(sx), tuple(si)))
    bx, bi = list(b), list(b)
    bx[d], bi[d] = x.shape[d], idx.shape[d]
    it = _wrap(np.broadcast_to(idx, bi))
    return gather(input.expand(bx), d, it)


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """One-hot encoding (独热编码): class index i -> a vector with 1 at i, int64."""
    x = tensor._data
    if x.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of integer dtype")
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
    np.put_along_axis(out, x[..., None].astype(np.int64), 1, axis=-1)
    return _wrap(out)
