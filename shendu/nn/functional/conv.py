"""Convolution (卷积) and transposed convolution (转置卷积), N-d, plus im2col as a public op
(``unfold``) and its adjoint col2im (``fold``).

Shapes: input (N, C, *S), weight (O, C/groups, *K), output (N, O, *S′) with, per spatial dim,

    S′ = ⌊(S + 2P − D·(K − 1) − 1) / stride⌋ + 1        (the notes' H2 = (H1 − FH + 2P)/S + 1,
                                                           with dilation D)

How it is computed (one shared N-d core for 1d, 2d and 3d):

* im2col: a strided view of the zero-padded input with one axis per kernel offset and one per
  output position (no copy), then ONE copy into the layout (C, *K, N, *S′), i.e. a matrix
  (C·K, N·S′) per group;
* forward: out = W (O, C·K) @ cols (C·K, N·S′) — one GEMM, groups batched in the same matmul
  call — then (O, N, *S′) is written to (N, O, *S′) with the bias added on the way;
* weight gradient: ∂L/∂W = g (O, N·S′) @ colsᵀ — one GEMM;
* input gradient: dcols = Wᵀ @ g, then col2im adds each kernel offset's slab back into the
  padded input (a loop over the K kernel offsets, each a strided add over the whole batch).

The three are bilinear ops and each one's gradients are the other two, so conv is
differentiable to any order: conv's input-grad is conv_transpose, conv_transpose's input-grad
is conv, and the weight-grad op's gradients are conv (for g) and conv_transpose (for x).
1x1 convolutions skip im2col: a batched matmul on the input itself.

The im2col/GEMM buffers are scratch memory reused across calls: the big temporaries would
otherwise be fresh allocations whose page faults cost as much as the copy itself.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ...tensor import Tensor, record

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "unfold", "fold"]


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
CHUNK_BYTES = 1 << 21   # the columns of one batch chunk: ~2 MB, so they stay in the L2 cache


def _scratch(slot: int, shape: tuple, dtype) -> np.ndarray:
    """An uninitialised array in reusable per-thread memory (slot 0: columns, slot 1: the
    other GEMM operand). Chunks are small, so this stays small; it spares NumPy a fresh
    allocation per chunk."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    bufs = getattr(_LOCAL, "bufs", None)
    if bufs is None:
        bufs = _LOCAL.bufs = [None, None]
    buf = bufs[slot]
    if buf is None or buf.nbytes < nbytes:
        buf = bufs[slot] = np.empty(max(nbytes, 64), np.uint8)
    return buf[:nbytes].view(dtype).reshape(shape)


def _chunks(n: int, geo: Geometry, itemsize: int):
    """Batch ranges whose columns (C·K × n_b·S′) fill about CHUNK_BYTES: im2col, the GEMM
    and col2im of a chunk then run in cache instead of streaming a K-times-input-sized
    matrix through memory."""
    per = geo.c * geo.kn * math.prod(geo.out) * itemsize
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


def windows(xp: np.ndarray, geo: Geometry) -> np.ndarray:
    """A read-only view (N, C, *K, *S′) of the padded input: [n, c, k…, s′…] is the value
    kernel offset k sees at output position s′. No copy."""
    st = xp.strides
    sp = st[2:]
    return as_strided(xp, xp.shape[:2] + geo.k + geo.out,
                      st[:2] + tuple(s * d for s, d in zip(sp, geo.dil))
                      + tuple(s * t for s, t in zip(sp, geo.stride)), writeable=False)


def col2im_add(acc: np.ndarray, src: np.ndarray, geo: Geometry) -> None:
    """The adjoint of ``windows``, in place: src (N, C, *K, *S′) (any strides) added into the
    padded acc (N, C, *Sp) — each position gets the values of every window that read it.
    One strided add over the whole batch per kernel offset."""
    lead = (slice(None), slice(None))
    for kidx in np.ndindex(*geo.k):
        dst = acc[lead + geo.offset_slices(kidx)]
        np.add(dst, src[lead + kidx], out=dst)


def col2im(src: np.ndarray, geo: Geometry) -> np.ndarray:
    """``col2im_add`` into zeros, cropped to the unpadded input (N, C, *S)."""
    acc = np.zeros(src.shape[:2] + geo.padded(), src.dtype)
    col2im_add(acc, src, geo)
    return np.ascontiguousarray(acc[(slice(None), slice(None)) + geo.interior()])


def _im2col(xp: np.ndarray, geo: Geometry) -> np.ndarray:
    """Columns of a padded batch chunk, (groups, C/groups·K, n·S′), in scratch slot 0."""
    n, d = xp.shape[0], geo.d
    v = windows(xp, geo)
    v = v.transpose((1,) + tuple(range(2, 2 + d)) + (0,) + tuple(range(2 + d, 2 + 2 * d)))
    cols = _scratch(0, v.shape, xp.dtype)
    np.copyto(cols, v)
    return cols.reshape(geo.groups, geo.c // geo.groups * geo.kn, n * math.prod(geo.out))


def _channels_major(g: np.ndarray, geo: Geometry) -> np.ndarray:
    """A chunk of g (n, O, *S′) as (groups, O/groups, n·S′), in scratch slot 1."""
    gt = _scratch(1, (g.shape[1], g.shape[0]) + g.shape[2:], g.dtype)
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
    xp = pad_array(x, geo)
    wg = w.reshape(g, og, -1)
    out = np.empty((n, o) + geo.out, x.dtype)
    for i, j in _chunks(n, geo, x.dtype.itemsize):
        cols = _im2col(xp[i:j], geo)
        tmp = np.matmul(wg, cols, out=_scratch(1, (g, og, cols.shape[2]), x.dtype))
        src = tmp.reshape((o, j - i) + geo.out).swapaxes(0, 1)
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
    wt = w.reshape(g, og, -1).swapaxes(1, 2)
    # accumulate channels-first: the columns are laid out (C, K, n, S′)
    acc = np.zeros((geo.c, n) + geo.padded(), gy.dtype).swapaxes(0, 1)
    for i, j in _chunks(n, geo, gy.dtype.itemsize):
        gt = _channels_major(gy[i:j], geo)
        dcols = np.matmul(wt, gt, out=_scratch(0, (g, cg * geo.kn, gt.shape[2]), gy.dtype))
        src = dcols.reshape((geo.c,) + geo.k + (j - i,) + geo.out)
        col2im_add(acc[i:j], np.moveaxis(src, 1 + geo.d, 0), geo)
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
    xp = pad_array(x, geo)
    dw = np.zeros((g, og, cg * geo.kn), x.dtype)
    part = np.empty(dw.shape[1:], x.dtype)
    for i, j in _chunks(n, geo, x.dtype.itemsize):
        cols = _im2col(xp[i:j], geo)
        gt = _channels_major(gy[i:j], geo)
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
