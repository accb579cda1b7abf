"""Resampling (上采样/重采样): interpolate (nearest, nearest-exact, linear, bilinear, bicubic,
trilinear, area, with optional antialiasing), pixel shuffle, channel shuffle, affine_grid and
grid_sample (the sampler of a spatial transformer, 空间转换器).

interpolate is separable: each output along a spatial dim is a fixed weighted sum of a few
input positions along that dim ("taps": 1 for nearest, 2 for linear, 4 for cubic, more when
antialiasing), so the N-d resize is one taps op per dim, the last dim first (as PyTorch, so
float rounding matches). Indices and weights follow PyTorch's formulas in the input's
precision (emulating PyTorch's fused multiply-add where its coordinates use one). The taps op
and its adjoint (adding each output's gradient back at its taps, by a segmented sum since tap
indices never decrease) are each other's gradient, so resizing is differentiable to any order.
Measured fast paths: for small sizes both are one matmul with the dense (out, in)
interpolation matrix; integer nearest upsampling is a repeat and a reshaped sum.

grid_sample is written with shendu ops (a gather at the sampled corners times weights that
are polynomials in the grid), so it is differentiable in both the input and the grid.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ...tensor import Tensor, _wrap, record
from .pooling import (_along, _plane_gather, adaptive_avg_pool1d, adaptive_avg_pool2d,
                      adaptive_avg_pool3d)

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "affine_grid",
           "grid_sample"]


# ----- the taps op ---------------------------------------------------------------------------

def _repeats(idx: np.ndarray, w, n: int) -> int:
    """r when the taps are nearest-neighbour upsampling by an integer factor r (each input
    repeated r times), else 0: then a repeat and a reshaped sum replace gather and scatter."""
    m = idx.shape[1]
    if w is not None or idx.shape[0] != 1 or m % n or m == n:
        return 0
    r = m // n
    return r if np.array_equal(idx[0], np.arange(m) // r) else 0


def _taps_forward(a: np.ndarray, axis: int, idx: np.ndarray, w) -> np.ndarray:
    """out[.., o, ..] = Σ_t w[t, o] · a[.., idx[t, o], ..] along ``axis``."""
    r = _repeats(idx, w, a.shape[axis])
    if r:
        return np.repeat(a, r, axis=axis)
    if _small(idx, a.shape[axis]):
        return _along(a, axis, _dense(idx, w, a.shape[axis], a.dtype))
    bshape = (-1,) + (1,) * (a.ndim - 1 - axis)
    out = None
    for t in range(idx.shape[0]):
        v = np.take(a, idx[t], axis=axis)
        if w is not None:
            v *= w[t].reshape(bshape)
        out = v if out is None else np.add(out, v, out=out)
    return out


def _taps_adjoint(g: np.ndarray, axis: int, idx: np.ndarray, w, n: int) -> np.ndarray:
    """The adjoint: g[.., o, ..]·w[t, o] added at idx[t, o]. Tap indices never decrease with
    o, so the outputs sharing an input position are a run: one segmented sum per tap."""
    r = _repeats(idx, w, n)
    if r:
        return g.reshape(g.shape[:axis] + (n, r) + g.shape[axis + 1:]).sum(axis + 1)
    if _small(idx, n):
        return _along(g, axis, _dense(idx, w, n, g.dtype).T)
    bshape = (-1,) + (1,) * (g.ndim - 1 - axis)
    shape = g.shape[:axis] + (n,) + g.shape[axis + 1:]
    dx = np.zeros(shape, g.dtype)
    lead = (slice(None),) * axis
    for t in range(idx.shape[0]):
        gw = g if w is None else g * w[t].reshape(bshape)
        i = idx[t]
        starts = np.flatnonzero(np.r_[True, i[1:] != i[:-1]])
        dx[lead + (i[starts],)] += np.add.reduceat(gw, starts, axis=axis)
    return dx


def _small(idx: np.ndarray, n: int) -> bool:
    """Few enough input × output positions that one BLAS matmul with the dense (out, in)
    interpolation matrix beats gathering and scattering the taps (measured)."""
    return idx.shape[1] * n <= 1 << 14


def _dense(idx: np.ndarray, w, n: int, dtype) -> np.ndarray:
    """The (out, in) matrix of the taps."""
    a = np.zeros((idx.shape[1], n), dtype)
    rows = np.arange(idx.shape[1])
    for t in range(idx.shape[0]):
        np.add.at(a, (rows, idx[t]), 1 if w is None else w[t])
    return a


def _taps(x: Tensor, axis: int, idx: np.ndarray, w) -> Tensor:
    n = x._data.shape[axis]
    out = _taps_forward(x._data, axis, idx, w)
    return record(out, "UpsampleBackward0", (x,), lambda g: _taps_t(g, axis, idx, w, n),
                  saved=(idx,) if w is None else (idx, w))


def _taps_t(g: Tensor, axis: int, idx: np.ndarray, w, n: int) -> Tensor:
    out = _taps_adjoint(g._data, axis, idx, w, n)
    return record(out, "UpsampleBackwardBackward0", (g,), lambda gg: _taps(gg, axis, idx, w),
                  saved=(idx,) if w is None else (idx, w))


# ----- indices and weights, as PyTorch computes them -----------------------------------------

def _scale(n_in: int, n_out: int, align_corners: bool, scale, dt):
    """PyTorch's area_pixel_compute_scale: input/output step in the op's precision; a given
    scale_factor s (not recomputed) is used as 1/s."""
    if align_corners:
        return dt(n_in - 1) / dt(n_out - 1) if n_out > 1 else dt(0)
    if scale is not None and scale > 0:
        return dt(1.0 / scale)
    return dt(n_in) / dt(n_out)


def _nearest_taps(n_in, n_out, scale, exact):
    o = np.arange(n_out)
    if not exact and n_out == n_in:
        return o[None]
    if not exact and n_out == 2 * n_in:
        return (o >> 1)[None]
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else \
        np.float32(n_in) / np.float32(n_out)
    if exact:       # (o + 0.5)·s in double, rounded to float, as PyTorch's floorf
        src = ((o + 0.5) * np.float64(s)).astype(np.float32)
    else:
        src = o.astype(np.float32) * s
    return np.minimum(np.floor(src).astype(np.int64), n_in - 1)[None]


def _source_index(s, n_out, align_corners, cubic, dt):
    o = np.arange(n_out).astype(dt)
    if align_corners:
        return s * o
    # s·(o + ½) − ½ rounded once, as PyTorch's compiled code does with a fused multiply-add
    # (the product is exact in float64); at coordinates of a few hundred pixels a float32
    # ulp moves the output by ~1e-5
    src = (np.float64(s) * (o + dt(0.5)).astype(np.float64) - 0.5).astype(dt)
    return src if cubic else np.maximum(src, dt(0))


def _floor_lambda(src, n_in, dt):
    """PyTorch's guard_index_and_lambda: i = min(⌊src⌋, n − 1), λ = clamp(src − i, 0, 1)."""
    i = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    return i, np.clip(src - i.astype(dt), dt(0), dt(1))


def _linear_taps(n_in, n_out, scale, align_corners, dt):
    s = _scale(n_in, n_out, align_corners, scale, dt)
    i0, lam = _floor_lambda(_source_index(s, n_out, align_corners, False, dt), n_in, dt)
    i1 = i0 + (i0 < n_in - 1)
    return np.stack([i0, i1]), np.stack([dt(1) - lam, lam])


def _cubic1(x, a):
    return ((a + 2) * x - (a + 3)) * x * x + 1


def _cubic2(x, a):
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def _cubic_taps(n_in, n_out, scale, align_corners, dt):
    """Keys' cubic convolution (A = −0.75, as OpenCV and PyTorch), taps at i−1 … i+2 clamped
    to the input."""
    a = dt(-0.75)
    s = _scale(n_in, n_out, align_corners, scale, dt)
    i, t = _floor_lambda(_source_index(s, n_out, align_corners, True, dt), n_in, dt)
    one = dt(1)
    w = np.stack([_cubic2(t + one, a), _cubic1(t, a), _cubic1(one - t, a),
                  _cubic2(dt(2) - t, a)])
    idx = np.stack([np.clip(i + j - 1, 0, n_in - 1) for j in range(4)])
    return idx, w.astype(dt)


def _aa_taps(n_in, n_out, scale, align_corners, cubic, dt):
    """Antialiased resampling (as PIL and PyTorch): a triangle (or Keys cubic, A = −0.5)
    filter stretched by the downscale factor, each output's weights normalised to sum 1."""
    s = _scale(n_in, n_out, align_corners, scale, dt)
    size = 4 if cubic else 2
    support = dt(size * 0.5 * s) if s >= 1 else dt(size * 0.5)
    taps = int(math.ceil(support)) * 2 + 1
    center = (s * (np.arange(n_out) + 0.5)).astype(dt)
    inv = dt(1.0 / s) if s >= 1 else dt(1)
    # PyTorch's mixed float/double arithmetic, step by step
    xmin = np.maximum(((center - support).astype(np.float64) + 0.5).astype(np.int64), 0)
    xsize = np.clip(np.minimum(((center + support).astype(np.float64) + 0.5).astype(np.int64),
                               n_in) - xmin, 0, taps)
    j = np.arange(taps)[:, None]
    x = np.abs((((j + xmin).astype(dt) - center).astype(np.float64) + 0.5)
               * np.float64(inv)).astype(dt)
    if cubic:
        a = dt(-0.5)
        w = np.where(x < 1, _cubic1(x, a), np.where(x < 2, _cubic2(x, a), dt(0)))
    else:
        w = np.where(x < 1, dt(1) - x, dt(0))
    w = np.where(j < xsize, w, dt(0)).astype(dt)
    total = w.sum(0)
    w = np.where(total != 0, w / np.where(total != 0, total, dt(1)), w).astype(dt)
    idx = np.minimum(xmin + j, n_in - 1)
    return idx, w


# ----- interpolate -----------------------------------------------------------------------------

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize (上采样 / 下采样) the spatial dims of (N, C, *S) to ``size`` or
    ⌊S·scale_factor⌋. Modes: 'nearest' (src = ⌊dst·in/out⌋), 'nearest-exact'
    (src = ⌊(dst + ½)·in/out⌋), 'linear'/'bilinear'/'trilinear' (src = (dst + ½)·in/out − ½,
    or dst·(in − 1)/(out − 1) with align_corners, then a weighted mean of the two neighbours),
    'bicubic' (four neighbours, Keys' kernel), 'area' (adaptive average pooling).
    ``antialias`` (bilinear/bicubic) widens the kernel when downsampling."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    x = input._data
    d = x.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != d:
                raise ValueError(f"Input and output must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of "
                                 f"{list(x.shape[2:])} and output size of {size}. Please "
                                 f"provide input tensor in (N, C, d1, d2, ...,dK) format and "
                                 f"output size in (o1, o2, ...,oK) format.")
            out_size = [int(s) for s in size]
        else:
            out_size = [int(size)] * d
        scales = [None] * d
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != d:
                raise ValueError(f"Input and scale_factor must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of "
                                 f"{list(x.shape[2:])} and scale_factor of shape "
                                 f"{scale_factor}. Please provide input tensor in (N, C, d1, "
                                 f"d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) "
                                 f"format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * d
        out_size = None
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and out_size is None:
        recompute_scale_factor = True
    if out_size is None:
        out_size = [int(math.floor(float(n) * s)) for n, s in zip(x.shape[2:], scales)]
        if recompute_scale_factor:
            scales = [None] * d
    if antialias and not (mode in ("bilinear", "bicubic") and x.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and "
                         "requires a 4-D tensor as input")
    wanted = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
    if mode not in _MODES or x.ndim not in (3, 4, 5):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {x.ndim}D) for the modes: nearest | linear | bilinear "
                                  f"| bicubic | trilinear | area | nearest-exact (got {mode})")
    if mode in wanted and x.ndim != wanted[mode]:
        raise NotImplementedError(f"Got {x.ndim}D input, but {mode} mode needs "
                                  f"{wanted[mode]}D input")
    if any(s <= 0 for s in out_size) or any(n <= 0 for n in x.shape[2:]):
        raise RuntimeError(f"interpolate: input ({list(x.shape[2:])}) and output "
                           f"({out_size}) sizes should be greater than 0")
    if x.dtype.kind != "f":
        raise RuntimeError(f"interpolate: expected a floating point input, got {input.dtype}")
    if mode == "area":
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[d - 1]
        return pool(input, out_size)
    dt = x.dtype.type
    out = input
    for i in reversed(range(d)):    # the last dim first, as PyTorch
        n_in, n_out, s = x.shape[2 + i], out_size[i], scales[i]
        if mode in ("nearest", "nearest-exact"):
            idx, w = _nearest_taps(n_in, n_out, s, mode == "nearest-exact"), None
        elif antialias:
            idx, w = _aa_taps(n_in, n_out, s, align_corners, mode == "bicubic", dt)
        elif mode == "bicubic":
            idx, w = _cubic_taps(n_in, n_out, s, align_corners, dt)
        else:
            idx, w = _linear_taps(n_in, n_out, s, align_corners, dt)
        out = _taps(out, 2 + i, idx, w)
    return out


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of ``interpolate``."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ----- pixel shuffle and channel shuffle -------------------------------------------------------

def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Sub-pixel convolution's rearrangement: (*, C·r², H, W) → (*, C, H·r, W·r), channel
    c·r² + i·r + j going to pixel (h·r + i, w·r + j) of channel c."""
    r = int(upscale_factor)
    shape = input._data.shape
    if len(shape) < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {len(shape)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    nl = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(nl), nl, nl + 3, nl + 1, nl + 4, nl + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of pixel_shuffle: (*, C, H·r, W·r) → (*, C·r², H, W)."""
    r = int(downscale_factor)
    shape = input._data.shape
    if len(shape) < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {len(shape)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = shape
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by "
                           f"downscale_factor, but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by "
                           f"downscale_factor, but input.size(-1)={w} is not divisible by {r}")
    nl = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(nl), nl, nl + 2, nl + 4, nl + 1, nl + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """ShuffleNet's channel shuffle: (N, g·k, *) → channels reordered as (k, g), so the next
    grouped convolution mixes information across groups."""
    shape = input._data.shape
    if len(shape) < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {len(shape)} dimension(s)")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value "
                           f"of groups:{groups}")
    n, c, *rest = shape
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return x.reshape(shape)


native_channel_shuffle = channel_shuffle


# ----- affine_grid and grid_sample ---------------------------------------------------------------

def _base_coords(n: int, align_corners: bool, dt) -> np.ndarray:
    """Normalised pixel centres in [−1, 1] (the corner pixels' centres with align_corners,
    else the pixel edges are at ±1)."""
    if n <= 1:
        return np.zeros(max(n, 1), dt)
    r = np.linspace(-1, 1, n, dtype=dt)
    return r if align_corners else (r * dt(n - 1) / dt(n)).astype(dt)


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of an affine spatial transformer (空间转换器): for each output pixel
    with normalised coordinates (x, y), the input location θ·(x, y, 1)ᵀ. theta (N, 2, 3) and
    size (N, C, H, W) → grid (N, H, W, 2); theta (N, 3, 4) and a 5-D size → (N, D, H, W, 3).
    Differentiable in theta."""
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to "
                      "align_corners=False since 1.3.0. Please specify align_corners=True if "
                      "the old behavior is desired. See the documentation of grid_sample for "
                      "details.", stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = [int(s) for s in size]
    th = theta._data.shape
    if len(size) == 4:
        if len(th) != 3 or th[-2:] != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {list(th)}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if len(th) != 3 or th[-2:] != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {list(th)}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if th[0] != size[0]:
        raise RuntimeError(f"affine_grid: expected theta with batch size {size[0]}, got "
                           f"{list(th)}")
    dt = theta._data.dtype.type
    # coordinates (x, y[, z]) of every output position, x along the last dim, and a 1
    axes = [_base_coords(n, align_corners, dt) for n in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")
    base = np.stack(list(mesh[::-1]) + [np.ones_like(mesh[0])], axis=-1)
    base = base.reshape(-1, len(spatial) + 1)
    grid = _wrap(base) @ theta.mT                       # (N, P, d)
    return grid.reshape(size[0], *spatial, len(spatial))


def _unnormalize(coord: np.ndarray, n: int, align_corners: bool):
    """Normalised [−1, 1] → pixel coordinates, and d(pixel)/d(normalised)."""
    dt = coord.dtype.type
    if align_corners:
        return (coord + dt(1)) / dt(2) * dt(n - 1), dt((n - 1) / 2)
    fused = ((coord + dt(1)).astype(np.float64) * n - 1).astype(dt)   # one rounding, as an FMA
    return fused / dt(2), dt(n / 2)


def _reflect(c: np.ndarray, twice_low: int, twice_high: int):
    """PyTorch's reflect_coordinates: fold c into [low, high] by mirroring; also dc′/dc."""
    dt = c.dtype.type
    if twice_low == twice_high:
        return np.zeros_like(c), np.zeros_like(c)
    lo = dt(twice_low / 2)
    span = dt((twice_high - twice_low) / 2)
    c = c - lo
    sign = np.where(c < 0, dt(-1), dt(1))
    c = np.abs(c)
    extra = np.fmod(c, span)
    flips = np.floor(c / span)
    even = np.fmod(flips, 2) == 0
    return (np.where(even, extra + lo, span - extra + lo).astype(dt),
            np.where(even, sign, -sign).astype(dt))


def _clip(c: np.ndarray, n: int):
    """Clamp to [0, n − 1]; the derivative is 0 at and beyond the borders, as PyTorch."""
    dt = c.dtype.type
    inside = (c > 0) & (c < n - 1)
    return np.clip(c, dt(0), dt(n - 1)).astype(dt), inside.astype(dt)


def _source_coord(coord: Tensor, n: int, padding_mode: str, align_corners: bool) -> Tensor:
    """Pixel coordinate sampled for a normalised grid coordinate, after the padding mode's
    clipping or reflection, as an op whose derivative is the product of the pieces'."""
    c, mult = _unnormalize(coord._data, n, align_corners)
    mult = np.full(c.shape, mult, c.dtype)
    if padding_mode == "border":
        c, m = _clip(c, n)
        mult *= m
    elif padding_mode == "reflection":
        c, m = _reflect(c, 0, 2 * (n - 1)) if align_corners else _reflect(c, -1, 2 * n - 1)
        mult *= m
        c, m = _clip(c, n)
        mult *= m
    mult_t = _wrap(mult)
    return record(c, "GridSamplerCoordBackward0", (coord,), lambda g: g * mult_t,
                  saved=(mult_t,))


def _int_coord(i: np.ndarray, n: int, padding_mode: str, align_corners: bool) -> np.ndarray:
    """The padding mode applied to an integer tap coordinate (bicubic's 4×4 taps)."""
    if padding_mode == "zeros":
        return i
    c = i.astype(np.float64)
    if padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (n - 1))[0] if align_corners else _reflect(c, -1, 2 * n - 1)[0]
    return np.clip(c, 0, n - 1).astype(np.int64)


def _gather_corner(inp: Tensor, coords: list, sp: tuple):
    """input values at integer positions coords (per spatial dim, each (N, P)), 0 outside:
    (N, C, P)."""
    n, c = inp._data.shape[:2]
    valid = np.ones(coords[0].shape, np.bool_)
    flat = np.zeros(coords[0].shape, np.int64)
    for ci, s in zip(coords, sp):
        valid &= (ci >= 0) & (ci < s)
        flat = flat * s + np.clip(ci, 0, s - 1)
    idx = np.broadcast_to(flat[:, None, :], (n, c, flat.shape[1]))
    v = _plane_gather(inp, np.ascontiguousarray(idx))
    if valid.all():
        return v
    return v * _wrap(valid[:, None, :].astype(inp._data.dtype))


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample input (N, C, H, W) at the normalised locations grid (N, H′, W′, 2) — (x, y) in
    [−1, 1], x along W — giving (N, C, H′, W′); 5-D input with a (N, D′, H′, W′, 3) grid for
    volumes. mode: 'bilinear' (Σ over the 4 surrounding pixels of value × area weight),
    'nearest', 'bicubic' (4-D only); padding_mode: 'zeros', 'border' (clamp) or 'reflection'.
    Differentiable in input and in grid (the sampler of a spatial transformer)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to "
                      "align_corners=False since 1.3.0. Please specify align_corners=True if "
                      "the old behavior is desired. See the documentation of grid_sample for "
                      "details.", stacklevel=2)
        align_corners = False
    x, gr = input._data, grid._data
    d = x.ndim - 2
    if x.ndim not in (4, 5) or gr.ndim != x.ndim or gr.shape[-1] != d or \
            gr.shape[0] != x.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, batch size and a last grid dimension equal to the "
                           f"number of spatial dims, but got input with sizes {list(x.shape)} "
                           f"and grid with sizes {list(gr.shape)}")
    if mode == "bicubic" and d != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if x.dtype != gr.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but "
                           f"input has {input.dtype} and grid has {grid.dtype}")
    n, c = x.shape[:2]
    sp = x.shape[2:]
    out_sp = gr.shape[1:-1]
    g2 = grid.reshape(n, -1, d)
    # grid component j addresses spatial dim d − 1 − j (x → the last dim)
    comps = [g2[:, :, d - 1 - i] for i in range(d)]
    if mode == "bicubic":
        out = _bicubic_sample(input, comps, sp, padding_mode, align_corners)
    else:
        pix = [_source_coord(cm, s, padding_mode, align_corners) for cm, s in zip(comps, sp)]
        if mode == "nearest":
            coords = [np.rint(p._data).astype(np.int64) for p in pix]
            out = _gather_corner(input, coords, sp) + _zero_link(grid, (1, 1, 1))
        else:
            out = _linear_sample(input, pix, sp)
    return out.reshape(n, c, *out_sp)


def _zero_link(t: Tensor, shape) -> Tensor:
    """zeros(shape) that depends on t with zero gradient, to any order: nearest sampling's
    gradient with respect to the grid is zeros (not None), as in PyTorch."""
    return record(np.zeros(shape, t._data.dtype), "GridSamplerNearestBackward0", (t,),
                  lambda g: _zero_link(t, t._data.shape), saved=(t,))


def _linear_sample(inp: Tensor, pix: list, sp: tuple) -> Tensor:
    """Bi/tri-linear: Σ over the 2^d corners of value × Π_i (1 − |p_i − corner_i|)."""
    lows = [np.floor(p._data).astype(np.int64) for p in pix]
    # the weight of the low and the high corner along each dim, differentiable in p
    ws = [((_wrap((lo + 1).astype(p._data.dtype)) - p), (p - _wrap(lo.astype(p._data.dtype))))
          for p, lo in zip(pix, lows)]
    out = None
    for corner in np.ndindex(*(2,) * len(pix)):
        coords = [lo + b for lo, b in zip(lows, corner)]
        w = None
        for i, b in enumerate(corner):
            w = ws[i][b] if w is None else w * ws[i][b]
        term = _gather_corner(inp, coords, sp) * w.unsqueeze(1)
        out = term if out is None else out + term
    return out


def _bicubic_sample(inp: Tensor, comps: list, sp: tuple, padding_mode: str,
                    align_corners: bool) -> Tensor:
    """Bicubic: 4×4 taps around the sample, Keys' kernel (A = −0.75) weights in the fractional
    offsets; the padding mode is applied to each integer tap."""
    pix = [_source_coord(cm, s, "zeros", align_corners) for cm, s in zip(comps, sp)]
    lows = [np.floor(p._data).astype(np.int64) for p in pix]
    a = -0.75
    ws = []
    for p, lo in zip(pix, lows):
        t = p - _wrap(lo.astype(p._data.dtype))
        ws.append([_poly2(t + 1.0, a), _poly1(t, a), _poly1(1.0 - t, a), _poly2(2.0 - t, a)])
    out = None
    for i in range(4):
        for j in range(4):
            coords = [_int_coord(lows[0] - 1 + i, sp[0], padding_mode, align_corners),
                      _int_coord(lows[1] - 1 + j, sp[1], padding_mode, align_corners)]
            term = _gather_corner(inp, coords, sp) * (ws[0][i] * ws[1][j]).unsqueeze(1)
            out = term if out is None else out + term
    return out


def _poly1(x: Tensor, a: float) -> Tensor:
    return ((a + 2) * x - (a + 3)) * x * x + 1


def _poly2(x: Tensor, a: float) -> Tensor:
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
