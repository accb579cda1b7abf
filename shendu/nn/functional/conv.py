"""Convolution (卷积) and transposed convolution (转置卷积), N-d, plus im2col as a public op
(``unfold``) and its adjoint col2im (``fold``).

Shapes: input (N, C, *S), weight (O, C/groups, *K), output (N, O, *S′) with, per spatial dim,

    S′ = ⌊(S + 2P − D·(K − 1) − 1) / stride⌋ + 1        (the notes' H2 = (H1 − FH + 2P)/S + 1,
                                                           with dilation D)

How it is computed (one shared N-d core for 1d, 2d and 3d):

* im2col: a strided view of the zero-padded input with one axis per kernel offset and one per
  output position (no copy), then ONE copy into the layout (C, *K, n, *S′), i.e. a matrix
  (C·K, n·S′) per group;
* forward: out = W (O, C·K) @ cols (C·K, n·S′) — one GEMM, groups batched in the same matmul
  call — then (O, n, *S′) is written to (n, O, *S′) with the bias added on the way;
* weight gradient: ∂L/∂W = g (O, n·S′) @ colsᵀ — one GEMM;
* input gradient: with stride 1 it is itself a convolution (of g, with the flipped and
  transposed kernel); otherwise dcols = Wᵀ @ g, then col2im adds each kernel offset's slab
  back into the padded input (a loop over the K kernel offsets, each a strided add).

Two measured refinements: the batch is processed in chunks whose columns fill a few MB, so
im2col, GEMM and col2im work in cache (the full column matrix is K times the input); and with
stride 1 along the last dim, the columns are taken on a "wide" grid as wide as the padded
input, so every kernel offset reads whole rows (long contiguous copies instead of W′-element
pieces) at the price of a few extra GEMM columns, which are dropped.

The three are bilinear ops and each one's gradients are the other two, so conv is
differentiable to any order: conv's input-grad is conv_transpose, conv_transpose's input-grad
is conv, and the weight-grad op's gradients are conv (for g) and conv_transpose (for x).
1x1 convolutions skip im2col: a batched matmul on the input itself.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ...tensor import Tensor, record

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "conv_tbc", "unfold", "fold"]


# ----- argument handling -------------------------------------------------------------------

def ntuple(v, d: int, name: str, fn: str = "conv") -> tuple:
    """An int or a sequence of d ints as a d-tuple, with PyTorch's error otherwise."""
    if isinstance(v, (int, np.integer)):
        return (int(v),) * d
    t = tuple(int(i) for i in v)
    if len(t) == 1:
        return t * d
    if len(t) != d:
        raise RuntimeError(f"{fn}: expected {name} to be a single integer value or a list of {d} "
                           f"values to match the convolution dimensions, but got {name}="
                           f"{list(t)}")
    return t


class Geometry:
    """Where the windows of an N-d sliding-window op lie: kernel K, stride, dilation, padding
    (lo, hi) per dim, input spatial size S, output spatial size S′, channels and groups."""

    __slots__ = ("d", "k", "stride", "dil", "lo", "hi", "sp", "out", "c", "o", "groups")

    def __init__(self, k, stride, dil, lo, hi, sp, c=1, o=1, groups=1, out=None):
        self.d = len(k)
        self.k, self.stride, self.dil, self.lo, self.hi = k, stride, dil, lo, hi
        self.sp = tuple(sp)
        self.out = tuple(out) if out is not None else tuple(
            (s + a + b - d * (kk - 1) - 1) // st + 1
            for s, a, b, d, kk, st in zip(sp, lo, hi, dil, k, stride))
        self.c, self.o, self.groups = c, o, groups

    @property
    def kn(self) -> int:
        return math.prod(self.k)

    @property
    def pointwise(self) -> bool:
        """1x1 kernel and no padding: the conv is a matmul over channels."""
        return self.kn == 1 and not any(self.lo) and not any(self.hi)

    def padded(self) -> tuple:
        return tuple(s + a + b for s, a, b in zip(self.sp, self.lo, self.hi))

    def offset_slices(self, kidx) -> tuple:
        """The positions of the padded input read by kernel offset ``kidx`` at every output
        position, as slices."""
        return tuple(slice(i * d, i * d + s * (n - 1) + 1, s)
                     for i, d, s, n in zip(kidx, self.dil, self.stride, self.out))

    def interior(self) -> tuple:
        return tuple(slice(a, a + s) for a, s in zip(self.lo, self.sp))


# ----- scratch memory and batch chunks ------------------------------------------------------

_LOCAL = threading.local()
CHUNK_BYTES = 1 << 22   # the columns of one batch chunk: ~4 MB, about the L2 caches


def _scratch(slot: int, shape: tuple, dtype) -> np.ndarray:
    """An uninitialised array in reusable per-thread memory (slot 0: columns, slot 1: the
    other GEMM operand), sparing NumPy a fresh allocation (and its page faults) per chunk.
    Chunks are small; the columns of one huge image are not kept."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > 16 * CHUNK_BYTES:
        return np.empty(shape, dtype)
    bufs = getattr(_LOCAL, "bufs", None)
    if bufs is None:
        bufs = _LOCAL.bufs = [None, None]
    buf = bufs[slot]
    if buf is None or buf.nbytes < nbytes:
        buf = bufs[slot] = np.empty(max(nbytes, 64), np.uint8)
    return buf[:nbytes].view(dtype).reshape(shape)


def _chunks(n: int, geo: Geometry, grid: tuple, itemsize: int):
    """Batch ranges whose columns (C·K × n_b·grid) fill about CHUNK_BYTES: im2col, the GEMM
    and col2im of a chunk then run in cache instead of streaming a K-times-input-sized
    matrix through memory."""
    per = geo.c * geo.kn * math.prod(grid) * itemsize
    nb = max(1, min(n, CHUNK_BYTES // max(per, 1)))
    return [(i, min(i + nb, n)) for i in range(0, n, nb)]


# ----- im2col and col2im on arrays -----------------------------------------------------------

def pad_array(x: np.ndarray, geo: Geometry, value=0) -> np.ndarray:
    """x (N, C, *S) with ``value`` around it: (N, C, *(S + lo + hi))."""
    if not any(geo.lo) and not any(geo.hi):
        return x
    xp = np.full(x.shape[:2] + geo.padded(), value, x.dtype)
    xp[(slice(None), slice(None)) + geo.interior()] = x
    return xp


def windows(xp: np.ndarray, geo: Geometry, grid: tuple | None = None) -> np.ndarray:
    """A read-only view (N, C, *K, *grid) of the padded input: [n, c, k…, s′…] is the value
    kernel offset k sees at output position s′ (grid: the output positions, geo.out unless
    the wide grid). No copy."""
    st = xp.strides
    sp = st[2:]
    return as_strided(xp, xp.shape[:2] + geo.k + (grid or geo.out),
                      st[:2] + tuple(s * d for s, d in zip(sp, geo.dil))
                      + tuple(s * t for s, t in zip(sp, geo.stride)), writeable=False)


def _slab(acc: np.ndarray, geo: Geometry, kidx: tuple, grid: tuple) -> np.ndarray:
    """The writable view of the padded acc (N, C, *Sp) that kernel offset kidx reads at each
    output position of the grid (injective, so adding into it is safe)."""
    st = acc.strides
    base = acc[(slice(None), slice(None)) + tuple(slice(i * d, None)
                                                  for i, d in zip(kidx, geo.dil))]
    return as_strided(base, acc.shape[:2] + grid,
                      st[:2] + tuple(s * t for s, t in zip(st[2:], geo.stride)))


def col2im_add(acc: np.ndarray, src: np.ndarray, geo: Geometry, grid=None) -> None:
    """The adjoint of ``windows``, in place: src (N, C, *K, *grid) (any strides) added into
    the padded acc (N, C, *Sp) — each position gets the values of every window that read it.
    One strided add over the whole batch per kernel offset."""
    grid = grid or geo.out
    lead = (slice(None), slice(None))
    for kidx in np.ndindex(*geo.k):
        dst = _slab(acc, geo, kidx, grid)
        np.add(dst, src[lead + kidx], out=dst)


def col2im(src: np.ndarray, geo: Geometry) -> np.ndarray:
    """``col2im_add`` into zeros, cropped to the unpadded input (N, C, *S)."""
    acc = np.zeros(src.shape[:2] + geo.padded(), src.dtype)
    col2im_add(acc, src, geo)
    return np.ascontiguousarray(acc[(slice(None), slice(None)) + geo.interior()])


def _wide_grid(geo: Geometry) -> tuple:
    """The output grid the columns are computed on. With stride 1 along the last dim, the
    last output dim is widened to the padded input width: each kernel offset then reads whole
    rows (for stride 1 everywhere, one contiguous run per plane), so im2col and col2im copy
    long runs instead of W′-element pieces; the extra columns read into the next row (or a
    zero tail) and are dropped (their gradient is zero; only an inf or NaN in the input could
    leak through them into the weight gradient). Used when that costs at most half again the
    GEMM work."""
    wp = geo.padded()[-1]
    if geo.stride[-1] == 1 and 2 * wp <= 3 * geo.out[-1]:
        return geo.out[:-1] + (wp,)
    return geo.out


def _buffer(n: int, c: int, geo: Geometry, grid: tuple, dtype, channels_first=False):
    """A zeroed padded array (n, C, *Sp) whose planes are followed by the tail the wide
    grid reads past the last row ((C, n, …) in memory when ``channels_first``)."""
    tail = (geo.k[-1] - 1) * geo.dil[-1] if grid != geo.out else 0
    pl = math.prod(geo.padded())
    flat = np.zeros((c, n, pl + tail) if channels_first else (n, c, pl + tail), dtype)
    nd = flat[..., :pl].reshape(flat.shape[:2] + geo.padded())
    return nd.swapaxes(0, 1) if channels_first else nd


def _padded_input(x: np.ndarray, geo: Geometry, grid: tuple) -> np.ndarray:
    if grid == geo.out:
        return pad_array(x, geo)
    xp = _buffer(x.shape[0], x.shape[1], geo, grid, x.dtype)
    xp[(slice(None), slice(None)) + geo.interior()] = x
    return xp


def _im2col(xp: np.ndarray, geo: Geometry, grid: tuple) -> np.ndarray:
    """Columns of a padded batch chunk, (groups, C/groups·K, n·grid), in scratch slot 0."""
    n, d = xp.shape[0], geo.d
    v = windows(xp, geo, grid)
    v = v.transpose((1,) + tuple(range(2, 2 + d)) + (0,) + tuple(range(2 + d, 2 + 2 * d)))
    cols = _scratch(0, v.shape, xp.dtype)
    np.copyto(cols, v)
    return cols.reshape(geo.groups, geo.c // geo.groups * geo.kn, n * math.prod(grid))


def _channels_major(g: np.ndarray, geo: Geometry, grid: tuple) -> np.ndarray:
    """A chunk of g (n, O, *S′) as (groups, O/groups, n·grid) in scratch slot 1, zero in the
    wide grid's extra columns."""
    gt = _scratch(1, (g.shape[1], g.shape[0]) + grid, g.dtype)
    if grid != geo.out:
        gt[..., geo.out[-1]:] = 0
        np.copyto(gt[..., :geo.out[-1]], g.swapaxes(0, 1))
    else:
        np.copyto(gt, g.swapaxes(0, 1))
    return gt.reshape(geo.groups, g.shape[1] // geo.groups, -1)


def _strided_view(x: np.ndarray, geo: Geometry) -> np.ndarray:
    if all(s == 1 for s in geo.stride):
        return x
    return x[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in geo.stride)]


def conv_forward(x: np.ndarray, w: np.ndarray, b, geo: Geometry) -> np.ndarray:
    """out (N, O, *S′) = Σ_{c,k} W[o, c, k] · x_pad[n, c, s′·stride + k·dil] (+ b[o]):
    per batch chunk, im2col then one GEMM (groups stacked in the same matmul call)."""
    n, g, o = x.shape[0], geo.groups, geo.o
    og, cg = o // g, geo.c // g
    bshape = (o,) + (1,) * geo.d
    if geo.pointwise:
        xs = _strided_view(x, geo).reshape(n, g, cg, -1)
        out = np.matmul(w.reshape(g, og, cg), xs).reshape((n, o) + geo.out)
        if b is not None:
            out += b.reshape(bshape)
        return out
    grid = _wide_grid(geo)
    crop = (Ellipsis, slice(0, geo.out[-1]))
    xp = _padded_input(x, geo, grid)
    wg = w.reshape(g, og, -1)
    out = np.empty((n, o) + geo.out, x.dtype)
    for i, j in _chunks(n, geo, grid, x.dtype.itemsize):
        cols = _im2col(xp[i:j], geo, grid)
        tmp = np.matmul(wg, cols, out=_scratch(1, (g, og, cols.shape[2]), x.dtype))
        src = tmp.reshape((o, j - i) + grid)[crop].swapaxes(0, 1)
        if b is None:
            np.copyto(out[i:j], src)
        else:
            np.add(src, b.reshape(bshape), out=out[i:j])
    return out


def conv_input_grad(gy: np.ndarray, w: np.ndarray, geo: Geometry) -> np.ndarray:
    """∂L/∂x of conv, i.e. the transposed convolution of gy (N, O, *S′): per batch chunk,
    dcols = Wᵀ @ gy (one GEMM), then col2im adds the columns back into (N, C, *S)."""
    n, g = gy.shape[0], geo.groups
    og, cg = geo.o // g, geo.c // g
    if geo.pointwise:
        dxs = np.matmul(w.reshape(g, og, cg).swapaxes(1, 2), gy.reshape(n, g, og, -1))
        dxs = dxs.reshape((n, geo.c) + geo.out)
        if all(s == 1 for s in geo.stride):
            return dxs
        dx = np.zeros((n, geo.c) + geo.sp, gy.dtype)
        dx[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in geo.stride)] = dxs
        return dx
    kd = tuple(d * (k - 1) for d, k in zip(geo.dil, geo.k))
    if geo.c >= geo.o and all(s == 1 for s in geo.stride) and all(
            a <= e and b <= e for a, b, e in zip(geo.lo, geo.hi, kd)):
        # stride 1: the input gradient is itself a convolution, of gy padded by D·(K−1) − P
        # with the flipped, transposed kernel — im2col copies instead of col2im's adds
        # (measured faster unless the layer widens the channels: then its GEMM is thin)
        flip = (slice(None), slice(None)) + (slice(None, None, -1),) * geo.d
        wf = w.reshape((g, og, cg) + geo.k).swapaxes(1, 2).reshape((geo.c, og) + geo.k)[flip]
        tgeo = Geometry(geo.k, geo.stride, geo.dil, tuple(e - a for a, e in zip(geo.lo, kd)),
                        tuple(e - b for b, e in zip(geo.hi, kd)), geo.out, geo.o, geo.c, g)
        return conv_forward(gy, np.ascontiguousarray(wf), None, tgeo)
    grid = _wide_grid(geo)
    d = geo.d
    if g == 1:      # columns in (K, C) row order: each kernel offset's slab is one block
        wt = w.reshape(og, cg, geo.kn).transpose(2, 1, 0).reshape(1, geo.kn * cg, og)
    else:
        wt = w.reshape(g, og, -1).swapaxes(1, 2)
    # accumulate channels-first: the columns are laid out (C, n, grid) per kernel offset
    acc = _buffer(n, geo.c, geo, grid, gy.dtype, channels_first=True)
    for i, j in _chunks(n, geo, grid, gy.dtype.itemsize):
        gt = _channels_major(gy[i:j], geo, grid)
        dcols = np.matmul(wt, gt, out=_scratch(0, (g, cg * geo.kn, gt.shape[2]), gy.dtype))
        if g == 1:
            src = dcols.reshape(geo.k + (geo.c, j - i) + grid)
            src = src.transpose((d + 1, d) + tuple(range(d)) + tuple(range(d + 2, 2 * d + 2)))
        else:
            src = np.moveaxis(dcols.reshape((geo.c,) + geo.k + (j - i,) + grid), 1 + d, 0)
        col2im_add(acc[i:j], src, geo, grid)
    return np.ascontiguousarray(acc[(slice(None), slice(None)) + geo.interior()])


def conv_weight_grad(x: np.ndarray, gy: np.ndarray, geo: Geometry) -> np.ndarray:
    """∂L/∂W[o, c, k] = Σ_{n,s′} gy[n, o, s′] · x_pad[n, c, s′·stride + k·dil]: per batch
    chunk, one GEMM of gy (O, n·S′) with colsᵀ (n·S′, C·K), summed over the chunks."""
    n, g = x.shape[0], geo.groups
    og, cg = geo.o // g, geo.c // g
    wshape = (geo.o, cg) + geo.k
    if geo.pointwise:
        xs = _strided_view(x, geo).reshape(n, g, cg, -1)
        dw = np.matmul(gy.reshape(n, g, og, -1), xs.swapaxes(2, 3)).sum(0)
        return dw.reshape(wshape)
    grid = _wide_grid(geo)
    xp = _padded_input(x, geo, grid)
    dw = np.zeros((g, og, cg * geo.kn), x.dtype)
    part = np.empty(dw.shape[1:], x.dtype)
    for i, j in _chunks(n, geo, grid, x.dtype.itemsize):
        cols = _im2col(xp[i:j], geo, grid)
        gt = _channels_major(gy[i:j], geo, grid)
        # one 2-D GEMM per group: NumPy's stacked matmul does not call BLAS when the second
        # operand is transposed (~50x slower)
        for q in range(g):
            dw[q] += np.matmul(gt[q], cols[q].T, out=part)
    return dw.reshape(wshape)


# ----- the three differentiable ops ----------------------------------------------------------

def _bias_grad(g, d: int):
    return g.sum(dim=(0,) + tuple(range(2, 2 + d)))


def _conv(x: Tensor, w: Tensor, b, geo: Geometry) -> Tensor:
    out = conv_forward(x._data, w._data, None if b is None else b._data, geo)

    def backward(g):
        gx = _conv_t(g, w, None, geo) if x._rg else None
        gw = _conv_w(x, g, geo) if w._rg else None
        gb = _bias_grad(g, geo.d) if b is not None and b._rg else None
        return gx, gw, gb
    return record(out, "ConvolutionBackward0", (x, w, b), backward, saved=(x, w))


def _conv_t(u: Tensor, w: Tensor, b, geo: Geometry) -> Tensor:
    """The adjoint of ``_conv(·, w)``: (N, O, *S′) → (N, C, *S) (a transposed convolution)."""
    out = conv_input_grad(u._data, w._data, geo)
    if b is not None:
        out += b._data.reshape((-1,) + (1,) * geo.d)

    def backward(g):
        gu = _conv(g, w, None, geo) if u._rg else None
        gw = _conv_w(g, u, geo) if w._rg else None
        gb = _bias_grad(g, geo.d) if b is not None and b._rg else None
        return gu, gw, gb
    return record(out, "ConvolutionBackward0", (u, w, b), backward, saved=(u, w))


def _conv_w(x: Tensor, gy: Tensor, geo: Geometry) -> Tensor:
    """The weight gradient of ``_conv`` as an op, bilinear in x and gy."""
    out = conv_weight_grad(x._data, gy._data, geo)

    def backward(gw):
        gx = _conv_t(gy, gw, None, geo) if x._rg else None
        gg = _conv(x, gw, None, geo) if gy._rg else None
        return gx, gg
    return record(out, "ConvolutionBackwardBackward0", (x, gy), backward, saved=(x, gy))


# ----- public functions ----------------------------------------------------------------------

def _check_operands(input, weight, bias, d: int, name: str) -> bool:
    """Validate ranks and dtypes; True when the input is unbatched."""
    x, w = input._data, weight._data
    if x.ndim not in (d + 1, d + 2):
        raise RuntimeError(f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(x.shape)}")
    if w.ndim != d + 2:
        raise RuntimeError(f"{name}: expected weight to be {d + 2}-dimensional, got weight of "
                           f"size {list(w.shape)}")
    if x.dtype != w.dtype or x.dtype.kind != "f":
        raise RuntimeError(f"{name}: Input type ({input.dtype}) and weight type "
                           f"({weight.dtype}) should be the same floating point type")
    if bias is not None:
        if bias._data.dtype != x.dtype:
            raise RuntimeError(f"{name}: Input type ({input.dtype}) and bias type "
                               f"({bias.dtype}) should be the same")
    return x.ndim == d + 1


def _pads(padding, k, dil, stride, d, name):
    """(lo, hi) per dim from an int, a tuple, 'valid' or 'same' (the odd extra on the right,
    as PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * d, (0,) * d
        if padding != "same":
            raise ValueError(f"Invalid padding string '{padding}', should be one of "
                             f"{{'valid', 'same'}}")
        if any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
        tot = tuple(dd * (kk - 1) for dd, kk in zip(dil, k))
        lo = tuple(t // 2 for t in tot)
        return lo, tuple(t - a for t, a in zip(tot, lo))
    p = ntuple(padding, d, "padding", name)
    if any(v < 0 for v in p):
        raise RuntimeError(f"{name}: negative padding is not supported, got padding={list(p)}")
    return p, p


def _check_sizes(stride, dil, name):
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{name}: non-positive stride is not supported, got "
                           f"stride={list(stride)}")
    if any(v <= 0 for v in dil):
        raise RuntimeError(f"{name}: dilation should be greater than zero, got "
                           f"dilation={list(dil)}")


def _dims(shape) -> str:
    return " x ".join(str(s) for s in shape)


def _convnd(input, weight, bias, stride, padding, dilation, groups, d):
    name = f"conv{d}d"
    unbatched = _check_operands(input, weight, bias, d, name)
    if unbatched:
        input = input.unsqueeze(0)
    x, w = input._data, weight._data
    k = w.shape[2:]
    stride = ntuple(stride, d, "stride", name)
    dil = ntuple(dilation, d, "dilation", name)
    _check_sizes(stride, dil, name)
    lo, hi = _pads(padding, k, dil, stride, d, name)
    if groups <= 0:
        raise RuntimeError(f"{name}: non-positive groups is not supported, got groups={groups}")
    c, o = x.shape[1], w.shape[0]
    if w.shape[1] * groups != c:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(w.shape)}, expected "
                           f"input{list(x.shape)} to have {w.shape[1] * groups} channels, but "
                           f"got {c} channels instead")
    if o % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {list(w.shape)} instead")
    if bias is not None and bias._data.shape != (o,):
        raise RuntimeError(f"Given weight of size {list(w.shape)}, expected bias to be "
                           f"1-dimensional with {o} elements, but got bias of size "
                           f"{list(bias._data.shape)} instead")
    geo = Geometry(k, stride, dil, lo, hi, x.shape[2:], c, o, groups)
    padded = geo.padded()
    eff = tuple(dd * (kk - 1) + 1 for dd, kk in zip(dil, k))
    if any(e > p for e, p in zip(eff, padded)):
        raise RuntimeError(f"Calculated padded input size per channel: ({_dims(padded)}). "
                           f"Kernel size: ({_dims(eff)}). Kernel size can't be greater than "
                           f"actual input size")
    out = _conv(input, weight, bias, geo)
    return out.squeeze(0) if unbatched else out


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """1-D convolution (卷积): input (N, C, L) or (C, L), weight (O, C/groups, K) → (N, O, L′)
    with L′ = ⌊(L + 2P − D·(K − 1) − 1)/stride⌋ + 1. ``padding`` may be an int, a tuple,
    'valid' (none) or 'same' (L′ = L, stride 1 only)."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """2-D convolution (卷积层): input (N, C, H, W) or (C, H, W), weight (O, C/groups, KH, KW)
    → (N, O, H′, W′), H′ = ⌊(H + 2P − D·(KH − 1) − 1)/stride⌋ + 1 (likewise W′):
    out[n, o] = b[o] + Σ_c Σ_k W[o, c, k] · x[n, c, s′·stride + k·D − P].
    ``groups`` splits channels into independent groups (depthwise when groups = C)."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """3-D convolution: input (N, C, D, H, W) or unbatched, weight (O, C/groups, KD, KH, KW)."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 3)


def _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation,
                      d):
    name = f"conv_transpose{d}d"
    unbatched = _check_operands(input, weight, bias, d, name)
    if unbatched:
        input = input.unsqueeze(0)
    x, w = input._data, weight._data
    k = w.shape[2:]
    stride = ntuple(stride, d, "stride", name)
    dil = ntuple(dilation, d, "dilation", name)
    _check_sizes(stride, dil, name)
    if isinstance(padding, str):
        raise RuntimeError(f"{name}: padding must be an int or a tuple of ints, got "
                           f"'{padding}'")
    pad = ntuple(padding, d, "padding", name)
    opad = ntuple(output_padding, d, "output_padding", name)
    if any(v < 0 for v in pad) or any(v < 0 for v in opad):
        raise RuntimeError(f"{name}: negative padding is not supported, got padding="
                           f"{list(pad)}, output_padding={list(opad)}")
    if any(op >= s and op >= dd for op, s, dd in zip(opad, stride, dil)):
        raise RuntimeError(f"{name}: output padding must be smaller than either stride or "
                           f"dilation, but got output_padding={list(opad)}, stride="
                           f"{list(stride)}, dilation={list(dil)}")
    if groups <= 0:
        raise RuntimeError(f"{name}: non-positive groups is not supported, got groups={groups}")
    c_in = x.shape[1]
    if w.shape[0] != c_in:
        raise RuntimeError(f"Given transposed=1, weight of size {list(w.shape)}, expected "
                           f"input{list(x.shape)} to have {w.shape[0]} channels, but got "
                           f"{c_in} channels instead")
    if c_in % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {list(w.shape)} instead")
    c_out = w.shape[1] * groups
    if bias is not None and bias._data.shape != (c_out,):
        raise RuntimeError(f"Given transposed=1, weight of size {list(w.shape)}, expected bias "
                           f"to be 1-dimensional with {c_out} elements, but got bias of size "
                           f"{list(bias._data.shape)} instead")
    sp = tuple((s - 1) * st - 2 * p + dd * (kk - 1) + op + 1
               for s, st, p, dd, kk, op in zip(x.shape[2:], stride, pad, dil, k, opad))
    if any(s < 1 for s in sp):
        raise RuntimeError(f"Given input size per channel: ({_dims(x.shape[2:])}). Calculated "
                           f"output size per channel: ({_dims(sp)}). Output size is too small")
    # the convolution whose adjoint this is maps the output (N, c_out, *sp) to the input
    geo = Geometry(k, stride, dil, pad, pad, sp, c_out, c_in, groups)
    out = _conv_t(input, weight, bias, geo)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """1-D transposed convolution (转置卷积), the adjoint of conv1d: input (N, C_in, L), weight
    (C_in, C_out/groups, K) → (N, C_out, L′) with
    L′ = (L − 1)·stride − 2P + D·(K − 1) + output_padding + 1."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 1)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-D transposed convolution (转置卷积, "deconvolution"), the adjoint of conv2d: each input
    pixel scatters W-weighted copies into the output. input (N, C_in, H, W), weight
    (C_in, C_out/groups, KH, KW) → (N, C_out, H′, W′),
    H′ = (H − 1)·stride − 2P + D·(KH − 1) + output_padding + 1."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 2)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """3-D transposed convolution: input (N, C_in, D, H, W), weight (C_in, C_out/groups, *K)."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 3)


def conv_tbc(input: Tensor, weight: Tensor, bias: Tensor, pad: int = 0) -> Tensor:
    """1-D convolution in (time, batch, channels) layout: input (T, N, C_in), weight
    (K, C_in, C_out), bias (C_out,) → (T′, N, C_out), T′ = T + 2·pad − K + 1."""
    x, w = input._data, weight._data
    if x.ndim != 3 or w.ndim != 3 or x.shape[2] != w.shape[1]:
        raise RuntimeError(f"conv_tbc: expected input (T, N, {w.shape[1] if w.ndim == 3 else 'C'}"
                           f") and weight (K, C_in, C_out), got input {list(x.shape)} and "
                           f"weight {list(w.shape)}")
    out = conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return out.permute(2, 0, 1)


# ----- unfold (im2col) and fold (col2im) -----------------------------------------------------

def _unfold_op(x: Tensor, geo: Geometry) -> Tensor:
    a = x._data
    n, c = a.shape[:2]
    out = np.ascontiguousarray(windows(pad_array(a, geo), geo)).reshape(
        n, c * geo.kn, math.prod(geo.out))
    return record(out, "Im2ColBackward0", (x,), lambda g: _fold_op(g, geo, c))


def _fold_op(cols: Tensor, geo: Geometry, c: int) -> Tensor:
    a = cols._data
    out = col2im(a.reshape((a.shape[0], c) + geo.k + geo.out), geo)
    return record(out, "Col2ImBackward0", (cols,), lambda g: _unfold_op(g, geo))


def _window_args(kernel_size, dilation, padding, stride, name):
    k = ntuple(kernel_size, 2, "kernel_size", name)
    dil = ntuple(dilation, 2, "dilation", name)
    pad = ntuple(padding, 2, "padding", name)
    st = ntuple(stride, 2, "stride", name)
    if any(v <= 0 for v in k + dil + st) or any(v < 0 for v in pad):
        raise RuntimeError(f"{name}: expected kernel_size, dilation and stride greater than zero "
                           f"and padding non-negative, but got kernel_size={list(k)}, dilation="
                           f"{list(dil)}, padding={list(pad)}, stride={list(st)}")
    return k, dil, pad, st


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """im2col: the sliding windows of a batched 4-D (or unbatched 3-D) input as columns,
    (N, C, H, W) → (N, C·KH·KW, L) with L the number of window positions; column l holds
    the window at position l, channel-major then kernel offsets in row-major order."""
    k, dil, pad, st = _window_args(kernel_size, dilation, padding, stride, "unfold")
    x = input._data
    if x.ndim not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported "
                                  f"(got {x.ndim}D)")
    unbatched = x.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    geo = Geometry(k, st, dil, pad, pad, input._data.shape[2:])
    if any(o < 1 for o in geo.out):
        raise RuntimeError(f"unfold: calculated shape of the array of sliding blocks as "
                           f"{list(geo.out)} for input of spatial size "
                           f"{list(input._data.shape[2:])}, kernel_size={list(k)}, dilation="
                           f"{list(dil)}, padding={list(pad)}, stride={list(st)}, but its "
                           f"components must be at least one")
    out = _unfold_op(input, geo)
    return out.squeeze(0) if unbatched else out


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """col2im, the adjoint of unfold: columns (N, C·KH·KW, L) summed back into an image
    (N, C, *output_size); positions covered by several windows get the sum."""
    k, dil, pad, st = _window_args(kernel_size, dilation, padding, stride, "fold")
    size = ntuple(output_size, 2, "output_size", "fold")
    x = input._data
    if x.ndim not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input "
                                  f"Tensors are supported (got {x.ndim}D)")
    unbatched = x.ndim == 2
    if unbatched:
        input = input.unsqueeze(0)
        x = input._data
    kn = math.prod(k)
    if x.shape[1] % kn:
        raise RuntimeError(f"fold: expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={x.shape[1]} and "
                           f"kernel_size={list(k)}")
    geo = Geometry(k, st, dil, pad, pad, size)
    if math.prod(geo.out) != x.shape[2] or any(o < 1 for o in geo.out):
        raise RuntimeError(f"fold: given output_size={list(size)}, kernel_size={list(k)}, "
                           f"dilation={list(dil)}, padding={list(pad)}, stride={list(st)}, "
                           f"expected size of input's dimension 2 to match the calculated "
                           f"number of sliding blocks {' * '.join(map(str, geo.out))} = "
                           f"{math.prod(geo.out)}, but got input.size(2)={x.shape[2]}")
    out = _fold_op(input, geo, x.shape[1] // kn)
    return out.squeeze(0) if unbatched else out
