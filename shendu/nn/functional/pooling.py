"""Pooling (池化层), N-d: max, average, adaptive, LP-norm and fractional max pooling, and
max-unpooling.

Windows are the sliding windows of convolution (``Geometry`` from conv.py), so output sizes
follow the same formula, S′ = ⌊(S + 2P − D·(K − 1) − 1)/stride⌋ + 1, rounded up with
``ceil_mode`` (the last window must still start inside the input or its left padding).

Max and average pooling loop over the K kernel offsets, each step one NumPy operation on a
strided slab covering the whole batch (no per-window Python work); windows that tile the input
exactly (kernel = stride, no padding) need no padding copy, and non-overlapping windows get
their gradient by plain strided writes.
Max pooling keeps, per output, which kernel offset won (the first maximum in the window, as
PyTorch; a NaN wins over numbers); its gradient goes to that position only, and the gather and
scatter that route it are each other's gradient, so max pooling is differentiable twice.

Indices returned with ``return_indices`` follow PyTorch: the flat position inside each
(n, c) plane of the unpadded input, e.g. h·W + w in 2-D.
"""

from __future__ import annotations

import math

import numpy as np

from ...ops.pointwise import relu
from ...tensor import Tensor, _wrap, record
from .conv import Geometry, col2im, ntuple, pad_array

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d",
           "lp_pool1d", "lp_pool2d", "lp_pool3d", "fractional_max_pool2d",
           "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d_with_indices"]

_LEAD = (slice(None), slice(None))


# ----- shared checks ---------------------------------------------------------------------------

def _batched(input: Tensor, d: int, name: str):
    """(input as (N, C, *S), whether it was unbatched (C, *S))."""
    nd = input._data.ndim
    if nd not in (d + 1, d + 2):
        raise RuntimeError(f"{name}: Expected {d + 1}D or {d + 2}D (batch mode) tensor for "
                           f"input, but got input of size: {list(input._data.shape)}")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point input, got {input.dtype}")
    if nd == d + 1:
        return input.unsqueeze(0), True
    return input, False


def _unbatch(t, unbatched: bool):
    return t.squeeze(0) if unbatched else t


def _out_size(size, k, pad, stride, dil, ceil_mode) -> int:
    """PyTorch's pooling_output_shape: floor (or ceil) division, and in ceil mode the last
    window must start inside the input or its left padding."""
    out = (size + 2 * pad - dil * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _pool_geometry(x: np.ndarray, k, stride, pad, dil, ceil_mode, name, avg=False) -> Geometry:
    sp = x.shape[2:]
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{name}: kernel_size must be greater than zero, but got "
                           f"kernel_size={list(k)}")
    if any(v <= 0 for v in stride):
        raise RuntimeError(f"{name}: stride must be greater than zero, but got "
                           f"stride={list(stride)}")
    if any(v <= 0 for v in dil):
        raise RuntimeError(f"{name}: dilation must be greater than zero, but got "
                           f"dilation={list(dil)}")
    # PyTorch bounds the padding by half the kernel, dilated only for 3-D max pooling
    effective = len(k) == 3 and not avg
    for p, kk, dd in zip(pad, k, dil):
        if p < 0 or p > ((dd * (kk - 1) + 1) if effective else kk) // 2:
            what = "effective kernel size" if effective else "kernel size"
            raise RuntimeError(f"{name}: pad should be at most half of {what}, but got "
                               f"pad={p}, kernel_size={kk}" + (f" and dilation={dd}"
                                                               if effective else ""))
    out = tuple(_out_size(s, kk, p, st, dd, ceil_mode)
                for s, kk, p, st, dd in zip(sp, k, pad, stride, dil))
    if any(o < 1 for o in out):
        raise RuntimeError(f"{name}: Given input size: ({'x'.join(map(str, x.shape[1:]))}). "
                           f"Calculated output size: "
                           f"({'x'.join(map(str, (x.shape[1],) + out))}). Output size is "
                           f"too small")
    # the right padding reaches as far as the last window does (further in ceil mode)
    hi = tuple(max(0, (o - 1) * st + dd * (kk - 1) + 1 - s - p)
               for o, st, dd, kk, s, p in zip(out, stride, dil, k, sp, pad))
    return Geometry(k, stride, dil, pad, hi, sp, out=out)


def _window_args(d, kernel_size, stride, padding, dilation, name):
    k = ntuple(kernel_size, d, "kernel_size", name)
    st = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) \
        else ntuple(stride, d, "stride", name)
    return k, st, ntuple(padding, d, "padding", name), ntuple(dilation, d, "dilation", name)


def _slabs(xp: np.ndarray, geo: Geometry) -> list:
    """The strided slab each kernel offset reads, one per offset in row-major order."""
    return [xp[_LEAD + geo.offset_slices(kidx)] for kidx in np.ndindex(*geo.k)]


def _overlapping(geo: Geometry) -> bool:
    return any(s < d * (k - 1) + 1 for s, d, k in zip(geo.stride, geo.dil, geo.k))


# ----- max pooling -----------------------------------------------------------------------------

def _max_offsets(x: np.ndarray, geo: Geometry):
    """(max over each window, which kernel offset holds it): a scan over the kernel offsets
    with a strict ``>``, so the first maximum in window order wins, as in PyTorch. The
    offset index is updated arithmetically (idx += (k − idx)·[new max]); masked NumPy
    writes are several times slower."""
    slabs = _slabs(pad_array(x, geo, -np.inf), geo)
    out = slabs[0].copy()
    idx_dtype = np.int8 if len(slabs) < 128 else np.int32
    idx = np.zeros(out.shape, idx_dtype)
    mask = np.empty(out.shape, np.bool_)
    step = np.empty(out.shape, idx_dtype)
    for k in range(1, len(slabs)):
        np.greater(slabs[k], out, out=mask)
        np.maximum(out, slabs[k], out=out)
        np.subtract(idx_dtype(k), idx, out=step)
        np.multiply(step, mask, out=step)
        np.add(idx, step, out=idx)
    low = out.min() if out.size else 0.0      # NaN if any output is NaN
    if np.isnan(low) or low == -np.inf:
        return out, _max_offsets_exact(slabs, geo, idx_dtype)
    return out, idx


def _max_offsets_exact(slabs, geo: Geometry, idx_dtype) -> np.ndarray:
    """PyTorch's scan exactly, for windows whose maximum is NaN or −inf: a NaN replaces the
    running maximum (so the last NaN wins), and an all −inf window points at its first
    position inside the input, never at the padding."""
    shape = slabs[0].shape
    first = np.zeros(shape[2:], np.int64)
    for i, (o, s, d, p) in enumerate(zip(geo.out, geo.stride, geo.dil, geo.lo)):
        start = np.arange(o) * s - p
        f = np.maximum(0, -(start // d))
        first = first * geo.k[i] + f.reshape((-1,) + (1,) * (geo.d - 1 - i))
    idx = np.broadcast_to(first, shape).astype(idx_dtype)
    best = np.full(shape, -np.inf, slabs[0].dtype)
    for k, s in enumerate(slabs):
        upd = (s > best) | np.isnan(s)
        np.copyto(best, s, where=upd)
        np.copyto(idx, k, where=upd)
    return idx


def _zeros_for(x):
    """A maker of the (zero) gradient with respect to the pooled input of a pooling backward
    (PyTorch returns zeros there, not None); it keeps only the shape, so holds no array."""
    if x is None:
        return lambda: None
    shape, dtype = x._data.shape, x._data.dtype
    return lambda: _wrap(np.zeros(shape, dtype))


def _offset_scatter(g: Tensor, idx: np.ndarray, geo: Geometry, x=None) -> Tensor:
    """∂L/∂x of max pooling: each output's gradient added at the position its kernel offset
    points to. Its gradient is ``_offset_gather``. ``x``, the pooled input, is an input of
    the node with zero gradient (so that, as in PyTorch, the result requires grad in a
    double-backward graph whenever x does)."""
    ga = g._data
    acc = np.zeros(ga.shape[:2] + geo.padded(), ga.dtype)
    overlap = _overlapping(geo)
    # g·[idx = k] is a fast product, but would spread inf/NaN gradients to every position
    finite = bool(np.isfinite(ga).all())
    mask = np.empty(idx.shape, np.bool_)
    part = np.empty(idx.shape, ga.dtype)
    for k, kidx in enumerate(np.ndindex(*geo.k)):
        dst = acc[_LEAD + geo.offset_slices(kidx)]
        np.equal(idx, k, out=mask)
        if not finite:
            np.add(dst, np.where(mask, ga, 0), out=dst)
        elif overlap:
            np.add(dst, np.multiply(ga, mask, out=part), out=dst)
        else:                                   # each input position is in one window only
            np.multiply(ga, mask, out=dst)
    out = np.ascontiguousarray(acc[_LEAD + geo.interior()])
    zero = _zeros_for(x)
    return record(out, "MaxPoolBackward0", (g, x),
                  lambda gg: (_offset_gather(gg, idx, geo), zero()), saved=(idx,))


def _offset_gather(x: Tensor, idx: np.ndarray, geo: Geometry) -> Tensor:
    """x read at each window's chosen position; the adjoint of ``_offset_scatter``."""
    xa = x._data
    out = np.zeros(idx.shape, xa.dtype)
    mask = np.empty(idx.shape, np.bool_)
    for k, s in enumerate(_slabs(pad_array(xa, geo), geo)):
        np.copyto(out, s, where=np.equal(idx, k, out=mask))
    return record(out, "MaxPoolGather0", (x,), lambda g: _offset_scatter(g, idx, geo),
                  saved=(idx,))


def _plane_indices(idx: np.ndarray, geo: Geometry) -> np.ndarray:
    """Kernel-offset indices → PyTorch's flat index in each unpadded input plane."""
    kc = np.unravel_index(idx, geo.k)
    flat = np.zeros(idx.shape, np.int64)
    for i in range(geo.d):
        shape = (-1,) + (1,) * (geo.d - 1 - i)
        start = (np.arange(geo.out[i]) * geo.stride[i] - geo.lo[i]).reshape(shape)
        flat = flat * geo.sp[i] + start + kc[i].astype(np.int64) * geo.dil[i]
    return flat


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, d, name):
    x, unbatched = _batched(input, d, name)
    k, st, pad, dil = _window_args(d, kernel_size, stride, padding, dilation, name)
    geo = _pool_geometry(x._data, k, st, pad, dil, ceil_mode, name)
    out, idx = _max_offsets(x._data, geo)
    t = record(out, "MaxPool2DWithIndicesBackward0" if d == 2 else f"MaxPool{d}DBackward0",
               (x,), lambda g: _offset_scatter(g, idx, geo, x), saved=(idx,))
    return _unbatch(t, unbatched), (idx, geo, unbatched)


def _with_indices(t, info):
    idx, geo, unbatched = info
    ind = _wrap(_plane_indices(idx, geo))
    return t, (ind.squeeze(0) if unbatched else ind)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """``max_pool1d`` returning (values, indices)."""
    return _with_indices(*_max_pool(input, kernel_size, stride, padding, dilation, ceil_mode,
                                    1, "max_pool1d"))


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """``max_pool2d`` returning (values, indices)."""
    return _with_indices(*_max_pool(input, kernel_size, stride, padding, dilation, ceil_mode,
                                    2, "max_pool2d"))


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """``max_pool3d`` returning (values, indices)."""
    return _with_indices(*_max_pool(input, kernel_size, stride, padding, dilation, ceil_mode,
                                    3, "max_pool3d"))


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """1-D max pooling (最大池化): out[n, c, l′] = max over the window at l′·stride − P of
    size K spaced by D; padding counts as −∞. (N, C, L) → (N, C, L′); stride defaults to
    the kernel size. With ``return_indices`` also the argmax positions."""
    t, info = _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 1,
                        "max_pool1d")
    return _with_indices(t, info) if return_indices else t


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """2-D max pooling (最大池化): each output is the maximum of a KH×KW window;
    (N, C, H, W) → (N, C, H′, W′), H′ = ⌊(H + 2P − D·(KH − 1) − 1)/stride⌋ + 1.
    ∂L/∂x: each output's gradient goes to the (first) maximum of its window."""
    t, info = _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 2,
                        "max_pool2d")
    return _with_indices(t, info) if return_indices else t


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """3-D max pooling: (N, C, D, H, W) → (N, C, D′, H′, W′)."""
    t, info = _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 3,
                        "max_pool3d")
    return _with_indices(t, info) if return_indices else t


# ----- average pooling -------------------------------------------------------------------------

def _window_sum(x: np.ndarray, geo: Geometry) -> np.ndarray:
    """Σ over each window: one add per kernel offset of a strided slab. (Measured: 14x
    faster than summing a (…, H′, k, W′, k) reshape over its window axes, even when the
    windows tile the input exactly.)"""
    slabs = _slabs(pad_array(x, geo), geo)
    out = slabs[0].copy()
    for s in slabs[1:]:
        np.add(out, s, out=out)
    return out


def _window_spread(g: np.ndarray, geo: Geometry) -> np.ndarray:
    """The adjoint of ``_window_sum``: each output's value added to every position of its
    window; a plain strided write per kernel offset when windows do not overlap."""
    n, c = g.shape[:2]
    if _overlapping(geo):
        src = np.broadcast_to(g.reshape((n, c) + (1,) * geo.d + geo.out),
                              (n, c) + geo.k + geo.out)
        return col2im(src, geo)
    acc = np.zeros((n, c) + geo.padded(), g.dtype)
    for kidx in np.ndindex(*geo.k):
        acc[_LEAD + geo.offset_slices(kidx)] = g
    return np.ascontiguousarray(acc[_LEAD + geo.interior()])


def _avg_op(x: Tensor, geo: Geometry, div) -> Tensor:
    out = _window_sum(x._data, geo)
    out /= div
    return record(out, "AvgPoolBackward0", (x,), lambda g: _avg_t_op(g, geo, div, x),
                  saved=(div,) if isinstance(div, np.ndarray) else ())


def _avg_t_op(g: Tensor, geo: Geometry, div, x=None) -> Tensor:
    """∂L/∂x of average pooling (x: a zero-gradient input, as in ``_offset_scatter``)."""
    out = _window_spread(g._data / div, geo)
    zero = _zeros_for(x)
    return record(out, "AvgPoolBackwardBackward0", (g, x),
                  lambda gg: (_avg_op(gg, geo, div), zero()),
                  saved=(div,) if isinstance(div, np.ndarray) else ())


def _divisor(geo: Geometry, pad, count_include_pad, divisor_override, dtype):
    """What each window's sum is divided by: PyTorch's window size clipped to the padded
    input (count_include_pad) or to the input itself, or ``divisor_override``."""
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("avg_pool: divisor must be not zero")
        return float(divisor_override)
    div = np.ones((1,) * geo.d, np.int64)
    for i, (o, s, k, p, n) in enumerate(zip(geo.out, geo.stride, geo.k, pad, geo.sp)):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        size = end - start if count_include_pad else \
            np.minimum(end, n) - np.maximum(start, 0)
        div = div * size.reshape((1,) * i + (-1,) + (1,) * (geo.d - 1 - i))
    if np.all(div == div.flat[0]):
        return float(div.flat[0])
    return div.astype(dtype)


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override, d, name):
    x, unbatched = _batched(input, d, name)
    k, st, pad, dil = _window_args(d, kernel_size, stride, padding, 1, name)
    geo = _pool_geometry(x._data, k, st, pad, dil, ceil_mode, name, avg=True)
    div = _divisor(geo, pad, count_include_pad, divisor_override, x._data.dtype)
    return _unbatch(_avg_op(x, geo, div), unbatched)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling (平均池化): the mean of each window of K; (N, C, L) → (N, C, L′).
    Zero padding counts in the mean unless ``count_include_pad=False``."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None,
                     1, "avg_pool1d")


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """2-D average pooling (平均池化): out = (Σ over the KH×KW window) / divisor, the divisor
    being the window size (clipped to the padded input), the number of input positions in
    it (count_include_pad=False) or ``divisor_override``. ∂L/∂x: g/divisor spread over the
    window."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2, "avg_pool2d")


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """3-D average pooling: (N, C, D, H, W) → (N, C, D′, H′, W′)."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 3, "avg_pool3d")


# ----- adaptive pooling ------------------------------------------------------------------------

def _adaptive_sizes(output_size, x: np.ndarray, d: int, name: str) -> tuple:
    """Output sizes, ``None`` meaning "as the input"."""
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        sizes = (output_size,) * d
    else:
        sizes = tuple(output_size)
        if len(sizes) == 1 and d > 1:
            sizes = sizes * d
    if len(sizes) != d:
        raise RuntimeError(f"{name}: output_size must be {d}, got {list(sizes)}")
    sizes = tuple(x.shape[2 + i] if s is None else int(s) for i, s in enumerate(sizes))
    if any(s < 0 for s in sizes) or (x.size and any(s == 0 for s in sizes)):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to "
                           f"1 (given input of size {list(x.shape)}), but got {list(sizes)}")
    return sizes


def _bins(n_in: int, n_out: int):
    """Adaptive windows: output i covers [⌊i·n/m⌋, ⌈(i+1)·n/m⌉)."""
    i = np.arange(n_out)
    return (i * n_in) // n_out, ((i + 1) * n_in + n_out - 1) // n_out


def _averaging(n: int, m: int, dtype) -> np.ndarray:
    """The (m, n) matrix whose row i averages adaptive window i."""
    lo, hi = _bins(n, m)
    j = np.arange(n)
    return (((j >= lo[:, None]) & (j < hi[:, None])) / (hi - lo)[:, None]).astype(dtype)


def _along(a: np.ndarray, dim: int, mat: np.ndarray, averaging: bool = False) -> np.ndarray:
    """Apply ``mat`` (m, n) to axis ``dim`` of a: one matmul. For an averaging matrix, one
    window (m = 1) is a mean, and its adjoint (n = 1) a broadcast."""
    if averaging and mat.shape[0] == 1:
        return a.mean(axis=dim, keepdims=True, dtype=a.dtype)
    if averaging and mat.shape[1] == 1:
        shape = a.shape[:dim] + (mat.shape[0],) + a.shape[dim + 1:]
        return np.ascontiguousarray(np.broadcast_to(a * mat[0, 0], shape))
    if dim == a.ndim - 1:
        return a @ mat.T
    shape = a.shape
    out = mat @ a.reshape(-1, shape[dim], math.prod(shape[dim + 1:]))
    return out.reshape(shape[:dim] + (mat.shape[0],) + shape[dim + 1:])


def _global(mats: tuple) -> bool:
    return all(m is not None and m.shape[0] == 1 for m in mats)


def _aavg_op(x: Tensor, mats: tuple) -> Tensor:
    """Adaptive average pooling: the averaging matrix of each spatial dim applied in turn
    (the windows are separable); ``mats`` holds None where the size does not change."""
    out = x._data
    if _global(mats):          # global average pooling: one mean over the spatial dims
        sp = tuple(range(2, out.ndim))
        out = out.reshape(out.shape[:2] + (-1,)).mean(-1, dtype=out.dtype).reshape(
            out.shape[:2] + (1,) * len(sp))
    for i, m in enumerate(() if _global(mats) else mats):
        if m is not None:
            out = _along(out, 2 + i, m, True)
    if out is x._data:
        out = out.copy()
    return record(out, "AdaptiveAvgPoolBackward0", (x,), lambda g: _aavg_t_op(g, mats, x),
                  saved=tuple(m for m in mats if m is not None))


def _aavg_t_op(g: Tensor, mats: tuple, x=None) -> Tensor:
    """Its adjoint (the transposed matrices); x: a zero-gradient input, as in
    ``_offset_scatter``."""
    out = g._data
    if _global(mats):
        scale = 1.0 / math.prod(m.shape[1] for m in mats)
        out = np.ascontiguousarray(np.broadcast_to(
            out * scale, out.shape[:2] + tuple(m.shape[1] for m in mats)))
    for i, m in enumerate(() if _global(mats) else mats):
        if m is not None:
            out = _along(out, 2 + i, m.T, True)
    if out is g._data:
        out = out.copy()
    zero = _zeros_for(x)
    return record(out, "AdaptiveAvgPoolBackwardBackward0", (g, x),
                  lambda gg: (_aavg_op(gg, mats), zero()),
                  saved=tuple(m for m in mats if m is not None))


def _adaptive_avg(input, output_size, d, name):
    x, unbatched = _batched(input, d, name)
    sizes = _adaptive_sizes(output_size, x._data, d, name)
    dt = x._data.dtype
    mats = tuple(None if m == n else _averaging(n, m, dt)
                 for n, m in zip(x._data.shape[2:], sizes))
    return _unbatch(_aavg_op(x, mats), unbatched)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Adaptive average pooling to a fixed length: output i averages input positions
    [⌊i·L/L′⌋, ⌈(i+1)·L/L′⌉). (N, C, L) → (N, C, L′)."""
    return _adaptive_avg(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Adaptive average pooling (自适应平均池化) to (H′, W′), whatever the input size;
    ``output_size=1`` is global average pooling (全局平均池化). The windows are separable,
    so each spatial dim is pooled in turn by a matmul with its averaging matrix."""
    return _adaptive_avg(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Adaptive average pooling to (D′, H′, W′)."""
    return _adaptive_avg(input, output_size, 3, "adaptive_avg_pool3d")


def _plane_gather(x: Tensor, idx: np.ndarray) -> Tensor:
    """x read at flat per-plane positions idx (N, C, *out); gradient: ``_plane_scatter``."""
    xa = x._data
    n, c = xa.shape[:2]
    out = np.take_along_axis(xa.reshape(n, c, -1), idx.reshape(n, c, -1), axis=2)
    shape = xa.shape
    return record(out.reshape(idx.shape), "MaxPoolGather0", (x,),
                  lambda g: _plane_scatter(g, idx, shape, True, x), saved=(idx,))


def _plane_scatter(g: Tensor, idx: np.ndarray, shape: tuple, accumulate: bool,
                   x=None) -> Tensor:
    """zeros(shape) with g written at flat per-plane positions idx (added where positions
    repeat, when ``accumulate``); gradient: ``_plane_gather`` (x: a zero-gradient input, as
    in ``_offset_scatter``)."""
    ga = g._data
    n, c = shape[:2]
    plane = math.prod(shape[2:])
    flat = (idx.reshape(n * c, -1) + (np.arange(n * c) * plane)[:, None]).ravel()
    if accumulate:
        out = np.bincount(flat, weights=ga.ravel(), minlength=n * c * plane).astype(ga.dtype)
    else:
        out = np.zeros(n * c * plane, ga.dtype)
        out[flat] = ga.ravel()
    zero = _zeros_for(x)
    return record(out.reshape(shape), "MaxUnpoolBackward0", (g, x),
                  lambda gg: (_plane_gather(gg, idx), zero()), saved=(idx,))


def _window_argmax(x: np.ndarray, coords: list) -> np.ndarray:
    """Flat per-plane index of the maximum of each window. ``coords[i]`` holds, per output
    position along spatial dim i, the input coordinates of its window (shape (…, O_i, k_i),
    leading dims broadcasting to (N, C)); short windows repeat their last coordinate, which
    never wins over the first maximum."""
    n, c = x.shape[:2]
    d = len(coords)
    sp = x.shape[2:]
    lead = np.broadcast_shapes(*(cc.shape[:-2] for cc in coords)) if coords[0].ndim > 2 else ()
    flat = np.zeros((1,) * (len(lead) + 2 * d), np.int64)
    for i, cc in enumerate(coords):
        cc = cc.reshape(cc.shape[:-2] + (1,) * (2 * i) + cc.shape[-2:]
                        + (1,) * (2 * (d - 1 - i)))
        flat = flat * sp[i] + cc
    # (…, O1, k1, O2, k2, …) → (…, O1, O2, …, k1·k2·…)
    nl = len(lead)
    perm = tuple(range(nl)) + tuple(nl + 2 * i for i in range(d)) + \
        tuple(nl + 2 * i + 1 for i in range(d))
    flat = np.broadcast_to(flat, lead + tuple(v for cc in coords for v in cc.shape[-2:]))
    flat = flat.transpose(perm)
    outs = flat.shape[nl:nl + d]
    flat = flat.reshape(lead + outs + (-1,))
    if not lead:
        flat = flat[None, None]
    kk = flat.shape[-1]
    fl = flat.reshape(flat.shape[0], flat.shape[1], -1)
    vals = np.take_along_axis(x.reshape(n, c, -1), fl, axis=2).reshape(
        (n, c) + outs + (kk,))
    arg = np.argmax(vals, axis=-1)
    nan = np.isnan(vals)
    if nan.any():                       # PyTorch's scan lets the last NaN win
        last = kk - 1 - np.argmax(nan[..., ::-1], axis=-1)
        arg = np.where(nan.any(-1), last, arg)
    flat = np.broadcast_to(flat, (n, c) + outs + (kk,))
    return np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]


def _adaptive_max(input, output_size, d, name):
    x, unbatched = _batched(input, d, name)
    sizes = _adaptive_sizes(output_size, x._data, d, name)
    if any(s == 0 for s in x._data.shape[2:]):
        raise RuntimeError(f"{name}: Expected input to have non-zero size for non-batch "
                           f"dimensions, but input has sizes {list(x._data.shape)}")
    coords = []
    for n, m in zip(x._data.shape[2:], sizes):
        lo, hi = _bins(n, m)
        kmax = int((hi - lo).max())
        coords.append(np.minimum(lo[:, None] + np.arange(kmax), hi[:, None] - 1))
    idx = _window_argmax(x._data, coords)
    out = _plane_gather(x, idx)
    return _unbatch(out, unbatched), _unbatch(_wrap(idx), unbatched)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    return _adaptive_max(input, output_size, 1, "adaptive_max_pool1d")


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    return _adaptive_max(input, output_size, 2, "adaptive_max_pool2d")


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    return _adaptive_max(input, output_size, 3, "adaptive_max_pool3d")


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Adaptive max pooling to a fixed length (windows as ``adaptive_avg_pool1d``)."""
    out = _adaptive_max(input, output_size, 1, "adaptive_max_pool1d")
    return out if return_indices else out[0]


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Adaptive max pooling (自适应最大池化) to (H′, W′): output (i, j) is the maximum over
    rows [⌊i·H/H′⌋, ⌈(i+1)·H/H′⌉) and the matching columns."""
    out = _adaptive_max(input, output_size, 2, "adaptive_max_pool2d")
    return out if return_indices else out[0]


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Adaptive max pooling to (D′, H′, W′)."""
    out = _adaptive_max(input, output_size, 3, "adaptive_max_pool3d")
    return out if return_indices else out[0]


# ----- max unpooling ---------------------------------------------------------------------------

def _max_unpool(input, indices, kernel_size, stride, padding, output_size, d, name):
    k = ntuple(kernel_size, d, "kernel_size", name)
    st = k if stride is None else ntuple(stride, d, "stride", name)
    pad = ntuple(padding, d, "padding", name)
    x = input._data
    default = [(x.shape[x.ndim - d + i] - 1) * st[i] + k[i] - 2 * pad[i] for i in range(d)]
    if output_size is None:
        size = default
    else:
        size = [int(s) for s in output_size]
        if len(size) == d + 2:
            size = size[2:]
        if len(size) != d:
            raise ValueError(f"output_size should be a sequence containing {d} or {d + 2} "
                             f"elements, but it has a length of '{len(size)}'")
        for i in range(d):
            lo, hi = default[i] - st[i], default[i] + st[i]
            if not lo < size[i] < hi:
                raise ValueError(f'invalid output_size "{size}" (dim {i} must be between {lo} '
                                 f'and {hi})')
    if any(s < 0 for s in size):
        raise ValueError(f"max_unpooling: output_size must contain non-negative spatial "
                         f"dimensions, but got output_size={size}")
    ind = indices._data
    if ind.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: elements in indices should be type int64 but got: "
                           f"{indices.dtype}")
    if ind.shape != x.shape:
        raise RuntimeError(f"{name}: Expected shape of indices to be same as that of the input "
                           f"tensor ({list(x.shape)}) but got indices tensor with shape: "
                           f"{list(ind.shape)}")
    xb, unbatched = _batched(input, d, name)
    ind = ind[None] if unbatched else ind
    plane = math.prod(size)
    if ind.size and (ind.min() < 0 or ind.max() >= plane):
        bad = ind.min() if ind.min() < 0 else ind.max()
        raise RuntimeError(f"{name}: Found an invalid max index: {bad} (output volumes are of "
                           f"size {'x'.join(map(str, size))})")
    shape = xb._data.shape[:2] + tuple(size)
    return _unbatch(_plane_scatter(xb, ind.astype(np.int64, copy=False), shape, False),
                    unbatched)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of max_pool1d: each value written at its index in a zero output of
    length (L − 1)·stride − 2P + K (or ``output_size``)."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1,
                       "max_unpool1d")


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of max_pool2d (反池化): values written back at the positions
    ``return_indices`` gave, zeros elsewhere; (N, C, H, W) → (N, C, H_out, W_out) with
    H_out = (H − 1)·stride − 2P + KH unless ``output_size`` is given."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2,
                       "max_unpool2d")


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of max_pool3d."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3,
                       "max_unpool3d")


# ----- LP pooling ------------------------------------------------------------------------------

def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, d, pool, maxpool):
    k = ntuple(kernel_size, d, "kernel_size", f"lp_pool{d}d")
    if norm_type == float("inf"):
        return maxpool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -maxpool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(math.prod(k)).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling: (Σ_window xᵖ)^(1/p); p = ∞ is max pooling of |x|."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1, avg_pool1d,
                    max_pool1d)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """2-D power-average pooling: (Σ_window xᵖ)^(1/p), computed from avg_pool2d of xᵖ."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2, avg_pool2d,
                    max_pool2d)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """3-D power-average pooling."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3, avg_pool3d,
                    max_pool3d)


# ----- fractional max pooling ------------------------------------------------------------------

def _intervals(u: np.ndarray, n_in: int, n_out: int, k: int) -> np.ndarray:
    """Pseudo-random window starts (Graham's fractional max-pooling) from samples u ∈ [0, 1)
    of any shape: start_i = ⌊(i + u)·α⌋ − ⌊u·α⌋, α = (n_in − k)/(n_out − 1), the last window
    ending at the input's end. Computed in u's float type, as PyTorch."""
    starts = np.empty(u.shape + (n_out,), np.int64)
    if n_out > 1:
        alpha = u.dtype.type(n_in - k) / u.dtype.type(n_out - 1)
        i = np.arange(n_out - 1).astype(u.dtype)
        starts[..., :-1] = (((i + u[..., None]) * alpha).astype(np.int64)
                            - (u * alpha).astype(np.int64)[..., None])
    starts[..., -1] = n_in - k
    return starts


def _fractional_max(input, kernel_size, output_size, output_ratio, _random_samples, d):
    name = f"fractional_max_pool{d}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    x, unbatched = _batched(input, d, name)
    k = ntuple(kernel_size, d, "kernel_size", name)
    sp = x._data.shape[2:]
    if output_size is None:
        ratio = (output_ratio,) * d if isinstance(output_ratio, (int, float)) else \
            tuple(output_ratio)
        if len(ratio) == 1:
            ratio = ratio * d
        if len(ratio) != d:
            raise ValueError(f"{name} requires output_ratio to either be a single Int or "
                             f"tuple of Ints.")
        sizes = tuple(int(s * r) for s, r in zip(sp, ratio))
    else:
        sizes = ntuple(output_size, d, "output_size", name)
    for s, kk, o in zip(sp, k, sizes):
        if o + kk - 1 > s:
            raise RuntimeError(f"{name}: pool size {kk} too large relative to input size {s} "
                               f"and output size {o} (need output_size + kernel_size - 1 <= "
                               f"input size)")
    n, c = x._data.shape[:2]
    if _random_samples is None:
        from ...random import rng
        u = rng(None).random((n, c, d)).astype(x._data.dtype)
    else:
        u = _random_samples._data if isinstance(_random_samples, Tensor) else \
            np.asarray(_random_samples)
        if u.shape != (n, c, d):
            raise RuntimeError(f"{name}: expected _random_samples of shape {[n, c, d]}, got "
                               f"{list(u.shape)}")
    # PyTorch uses sample 0 for the last dim in 2-D (W, then H) and in dim order in 3-D
    order = (1, 0) if d == 2 else tuple(range(d))
    coords = [_intervals(u[:, :, order[i]], sp[i], sizes[i], k[i])[..., None] + np.arange(k[i])
              for i in range(d)]
    idx = _window_argmax(x._data, coords)
    out = _plane_gather(x, idx)
    return _unbatch(out, unbatched), _unbatch(_wrap(idx), unbatched)


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size, output_size=None,
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples=None):
    return _fractional_max(input, kernel_size, output_size, output_ratio, _random_samples, 2)


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size, output_size=None,
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples=None):
    return _fractional_max(input, kernel_size, output_size, output_ratio, _random_samples, 3)


def fractional_max_pool2d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples=None):
    """Fractional max pooling (Graham, 2014): KH×KW max windows at pseudo-random starts that
    shrink the input by a non-integer ratio to ``output_size`` (or size·``output_ratio``)."""
    out = _fractional_max(input, kernel_size, output_size, output_ratio, _random_samples, 2)
    return out if return_indices else out[0]


def fractional_max_pool3d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples=None):
    """3-D fractional max pooling."""
    out = _fractional_max(input, kernel_size, output_size, output_ratio, _random_samples, 3)
    return out if return_indices else out[0]
