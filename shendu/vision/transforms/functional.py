"""Image operations behind the transforms (数据增强), as ``torchvision.transforms.functional``.

Each accepts a NumPy array (H, W) or (H, W, C), a shendu tensor (..., C, H, W) (or (H, W)), or a
PIL image, and returns the same kind, layout and dtype. Internally every image is an array
(..., H, W, C); integer images are computed in float32 and rounded back (except where
torchvision truncates, noted below). Tensors are treated as data: no autograd graph is
recorded, except by ``normalize``.

Coordinates: x to the right, y down; pixel (row i, column j) covers [j, j+1) × [i, i+1), so
the image centre is (W/2, H/2).
"""

from __future__ import annotations

import math
import numbers
import sys
from enum import Enum

import numpy as np

from ...tensor import Tensor, _wrap

__all__ = ["InterpolationMode", "get_dimensions", "get_image_size", "get_image_num_channels",
           "to_tensor", "pil_to_tensor", "to_pil_image", "normalize", "hflip", "vflip", "crop",
           "center_crop", "pad", "resize", "resized_crop", "rotate", "adjust_brightness",
           "adjust_contrast", "adjust_saturation", "adjust_hue", "rgb_to_grayscale",
           "gaussian_blur"]


class InterpolationMode(Enum):
    """How a resampled pixel is computed from its neighbours."""
    NEAREST = "nearest"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"


def _mode(interpolation) -> str:
    if isinstance(interpolation, InterpolationMode):
        return interpolation.value
    if isinstance(interpolation, str) and interpolation.lower() in ("nearest", "bilinear",
                                                                    "bicubic"):
        return interpolation.lower()
    raise ValueError(f"interpolation must be an InterpolationMode (NEAREST, BILINEAR, BICUBIC) "
                     f"or its name, got {interpolation!r}")


# ----- image kinds: every op works on an array (..., H, W, C) --------------------------------

def _is_pil(img) -> bool:
    image_module = sys.modules.get("PIL.Image")
    return image_module is not None and isinstance(img, image_module.Image)


def _pil_module():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("this needs Pillow: pip install pillow") from None
    return Image


def _unpack(img):
    """``(x, back)``: ``x`` the image as an array (..., H, W, C), and ``back(y)`` an image of
    the input's kind made from an array ``y`` (..., H', W', C') of the same dtype."""
    if isinstance(img, Tensor):
        a = img._data
        if a.ndim == 2:
            return a[..., None], lambda y: _wrap(np.ascontiguousarray(
                y[..., 0] if y.shape[-1] == 1 else np.moveaxis(y, -1, -3)))
        if a.ndim < 2:
            raise ValueError(f"expected a tensor image (..., C, H, W), got shape {a.shape}")
        return np.moveaxis(a, -3, -1), lambda y: _wrap(np.ascontiguousarray(
            np.moveaxis(y, -1, -3)))
    if isinstance(img, np.ndarray):
        if img.ndim not in (2, 3):
            raise ValueError(f"expected a NumPy image (H, W) or (H, W, C), got shape "
                             f"{img.shape}")
        c = 1 if img.ndim == 2 else img.shape[2]

        def back_array(y):
            # grey stays (H, W), as the datasets give it
            if y.shape[-1] == 1 and (img.ndim == 2 or c != 1):
                y = y[..., 0]
            return np.ascontiguousarray(y)
        return (img[..., None] if img.ndim == 2 else img), back_array
    if _is_pil(img):
        return _pil_unpack(img)
    raise TypeError(f"expected an image: a NumPy array (H, W) or (H, W, C), a tensor "
                    f"(..., C, H, W) or a PIL image; got {type(img).__name__}")


def _pil_unpack(img):
    Image = _pil_module()
    mode, palette = img.mode, img.getpalette() if img.mode == "P" else None
    a = np.asarray(img)
    if mode == "1":
        a = a.astype(np.uint8) * 255
    x = a[..., None] if a.ndim == 2 else a

    def back_pil(y):
        y = np.ascontiguousarray(y[..., 0] if y.shape[-1] == 1 else y)
        if mode == "1":
            return Image.fromarray(y > 127)
        out = Image.fromarray(y)
        if palette is not None:
            out.putpalette(palette)
        elif out.mode != mode and y.shape[2:] == x.shape[2:] and y.dtype == np.uint8:
            # same bands, another meaning (CMYK, YCbCr, HSV, ...): keep the input's mode
            out = Image.frombytes(mode, out.size, y.tobytes())
        return out
    return x, back_pil


def _cast(y: np.ndarray, dtype) -> np.ndarray:
    """``y`` (float) as ``dtype``: integers rounded and clipped to their range."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(np.rint(y), info.min, info.max).astype(dtype)
    if dtype.kind == "b":
        return y > 0.5
    return y.astype(dtype, copy=False)


def _work_dtype(dtype):
    """Floating images are computed in their own precision, others in float32."""
    return dtype if np.dtype(dtype).kind == "f" else np.dtype(np.float32)


def _max_value(dtype) -> float:
    """The value of full intensity: 1 for floating images, the type's maximum otherwise."""
    dtype = np.dtype(dtype)
    return float(np.iinfo(dtype).max) if dtype.kind in "iu" else 1.0


def get_dimensions(img) -> list[int]:
    """[channels, height, width]."""
    x, _ = _unpack(img)
    return [x.shape[-1], x.shape[-3], x.shape[-2]]


def get_image_size(img) -> list[int]:
    """[width, height], as torchvision."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img) -> int:
    return get_dimensions(img)[0]


def _pair(size, name: str) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    size = tuple(size)
    if len(size) == 1:
        return int(size[0]), int(size[0])
    if len(size) != 2:
        raise ValueError(f"{name} must be an int or a sequence of 1 or 2 ints, got {size}")
    return int(size[0]), int(size[1])


def _fill_values(fill, channels: int, dtype) -> np.ndarray:
    """``fill`` (a number or one value per channel) as an array (C,) of ``dtype``."""
    f = np.zeros(1) if fill is None else np.atleast_1d(np.asarray(fill, np.float64))
    if f.size not in (1, channels):
        raise ValueError(f"fill must be a number or {channels} values (one per channel), got "
                         f"{fill!r}")
    return _cast(np.broadcast_to(f, (channels,)), dtype)


# ----- conversion -----------------------------------------------------------------------------

def to_tensor(pic) -> Tensor:
    """A PIL image or NumPy array (H, W) / (H, W, C) as a tensor (C, H, W); uint8 values are
    divided by 255 into float32 [0, 1], other dtypes keep their values and dtype (as
    torchvision). A 1-D array (L,), a signal, becomes (1, L)."""
    if _is_pil(pic):
        a = np.asarray(pic)
        if pic.mode == "1":
            a = a.astype(np.uint8) * 255
    elif isinstance(pic, np.ndarray):
        a = pic
    else:
        raise TypeError(f"to_tensor: pic should be a PIL Image or a NumPy array, got "
                        f"{type(pic).__name__}")
    if a.ndim in (1, 2):
        a = a[None]
    elif a.ndim == 3:
        a = np.moveaxis(a, -1, 0)
    else:
        raise ValueError(f"to_tensor: pic should be 1-, 2- or 3-dimensional, got {a.ndim} "
                         f"dimensions")
    if a.dtype == np.uint8:
        a = a.astype(np.float32) / np.float32(255)
    return _wrap(np.ascontiguousarray(a))


def pil_to_tensor(pic) -> Tensor:
    """A PIL image (or NumPy array) as a tensor (C, H, W) of the same values and dtype."""
    if not (_is_pil(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pil_to_tensor: pic should be a PIL Image, got {type(pic).__name__}")
    a = np.asarray(pic)
    a = a[None] if a.ndim == 2 else np.moveaxis(a, -1, 0)
    return _wrap(np.ascontiguousarray(a))


_PIL_MODE_BY_CHANNELS = {2: "LA", 3: "RGB", 4: "RGBA"}


def to_pil_image(pic, mode=None):
    """A tensor (C, H, W) or NumPy array (H, W) / (H, W, C) as a PIL image. Floating values
    are taken as [0, 1] and scaled by 255 then truncated to uint8 (as torchvision), except for
    mode 'F'; one channel gives 'L' (uint8), 'I;16', 'I' or 'F' by dtype."""
    Image = _pil_module()
    if isinstance(pic, Tensor):
        a = pic._data
        if a.ndim == 2:
            a = a[None]
        if a.ndim != 3:
            raise ValueError(f"to_pil_image: expected a tensor (C, H, W), got shape {a.shape}")
        if a.dtype.kind == "f" and mode != "F":
            a = (a * 255).astype(np.uint8)
        a = np.moveaxis(a, 0, -1)
    elif isinstance(pic, np.ndarray):
        a = pic[..., None] if pic.ndim == 2 else pic
        if a.ndim != 3:
            raise ValueError(f"to_pil_image: expected an array (H, W) or (H, W, C), got shape "
                             f"{pic.shape}")
        if a.dtype.kind == "f" and mode != "F":
            a = (a * 255).astype(np.uint8)
    else:
        raise TypeError(f"to_pil_image: pic should be a tensor or a NumPy array, got "
                        f"{type(pic).__name__}")
    c = a.shape[-1]
    if c == 1:
        a = a[..., 0]
        if a.dtype == np.float64:
            a = a.astype(np.float32)
        elif a.dtype.kind == "b":
            a = a.astype(np.uint8) * 255
        if mode == "F":
            a = a.astype(np.float32)
    elif c not in _PIL_MODE_BY_CHANNELS:
        raise ValueError(f"to_pil_image: {c} channels can't be a PIL image (1 to 4 allowed)")
    elif a.dtype != np.uint8:
        raise TypeError(f"to_pil_image: {c}-channel images must be uint8, got {a.dtype}")
    a = np.ascontiguousarray(a)
    if mode is not None and c > 1 and mode != _PIL_MODE_BY_CHANNELS[c]:
        # e.g. 'YCbCr', 'HSV', 'RGBX': the bytes are taken as that mode's bands
        return Image.frombytes(mode, (a.shape[1], a.shape[0]), a.tobytes())
    return Image.fromarray(a)


def normalize(tensor, mean, std, inplace: bool = False):
    """(x - mean) / std per channel, for a float tensor (..., C, H, W) or a float NumPy array
    (H, W) / (H, W, C). On tensors it is recorded by autograd."""
    if isinstance(tensor, Tensor):
        if not tensor.is_floating_point():
            raise TypeError(f"normalize: input tensor should be a float tensor, got "
                            f"{tensor.dtype}")
        if tensor.dim() < 3:
            raise ValueError(f"normalize: expected a tensor image (..., C, H, W), got "
                             f"{list(tensor.shape)}")
        m, s = _mean_std(mean, std, tensor.shape[-3], tensor._data.dtype)
        m, s = _wrap(m[:, None, None]), _wrap(s[:, None, None])
        return tensor.sub_(m).div_(s) if inplace else (tensor - m) / s
    if isinstance(tensor, np.ndarray):
        if tensor.dtype.kind != "f":
            raise TypeError(f"normalize: input array should be float (use ToTensor first), got "
                            f"{tensor.dtype}")
        m, s = _mean_std(mean, std, 1 if tensor.ndim == 2 else tensor.shape[-1], tensor.dtype)
        if tensor.ndim == 2:
            m, s = m[0], s[0]
        if inplace:
            tensor -= m
            tensor /= s
            return tensor
        return (tensor - m) / s
    raise TypeError(f"normalize: expected a tensor or NumPy array, got {type(tensor).__name__}")


def _mean_std(mean, std, channels, dtype):
    m = np.atleast_1d(np.asarray(mean, dtype))
    s = np.atleast_1d(np.asarray(std, dtype))
    if (s == 0).any():
        raise ValueError(f"normalize: std evaluated to zero after conversion to {dtype}, "
                         f"leading to division by zero")
    for name, v in (("mean", m), ("std", s)):
        if v.size not in (1, channels):
            raise ValueError(f"normalize: {name} has {v.size} values for {channels} channels")
    return np.broadcast_to(m, (channels,)), np.broadcast_to(s, (channels,))


# ----- geometry -------------------------------------------------------------------------------

def hflip(img):
    """Mirror left-right."""
    x, back = _unpack(img)
    return back(x[..., :, ::-1, :])


def vflip(img):
    """Mirror top-bottom."""
    x, back = _unpack(img)
    return back(x[..., ::-1, :, :])


def crop(img, top: int, left: int, height: int, width: int):
    """The (height, width) window whose top-left pixel is (top, left); parts outside the image
    are 0."""
    x, back = _unpack(img)
    h, w = x.shape[-3], x.shape[-2]
    out = np.zeros(x.shape[:-3] + (height, width, x.shape[-1]), x.dtype)
    t0, l0 = max(top, 0), max(left, 0)
    t1, l1 = min(top + height, h), min(left + width, w)
    if t1 > t0 and l1 > l0:
        out[..., t0 - top:t1 - top, l0 - left:l1 - left, :] = x[..., t0:t1, l0:l1, :]
    return back(out)


def center_crop(img, output_size):
    """The central (h, w) window (``output_size`` an int for a square); an image smaller than
    that is first padded with 0 on all sides. Offsets round half to even, as torchvision."""
    th, tw = _pair(output_size, "output_size")
    _, h, w = get_dimensions(img)
    if th > h or tw > w:
        img = pad(img, [(tw - w) // 2 if tw > w else 0, (th - h) // 2 if th > h else 0,
                        (tw - w + 1) // 2 if tw > w else 0, (th - h + 1) // 2 if th > h else 0])
        _, h, w = get_dimensions(img)
        if (h, w) == (th, tw):
            return img
    return crop(img, int(round((h - th) / 2.0)), int(round((w - tw) / 2.0)), th, tw)


def _padding_ltrb(padding) -> tuple[int, int, int, int]:
    if isinstance(padding, numbers.Number):
        p = [int(padding)] * 4
    else:
        p = [int(v) for v in padding]
        if len(p) == 1:
            p = p * 4
        elif len(p) == 2:
            p = [p[0], p[1], p[0], p[1]]
        elif len(p) != 4:
            raise ValueError(f"padding must be an int or a sequence of 1, 2 or 4 ints, got "
                             f"{padding!r}")
    if min(p) < 0:
        raise ValueError(f"padding must be non-negative, got {padding!r}")
    return tuple(p)


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad the borders. ``padding``: an int (all sides), (left/right, top/bottom) or (left, top,
    right, bottom). ``padding_mode``: 'constant' (``fill``: a number or one per channel),
    'edge' (repeat the border pixel), 'reflect' (mirror without the border pixel: d c b | a b
    c d) or 'symmetric' (mirror with it: b a | a b c d)."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError(f"padding_mode must be constant, edge, reflect or symmetric, got "
                         f"{padding_mode!r}")
    left, top, right, bottom = _padding_ltrb(padding)
    x, back = _unpack(img)
    if padding_mode != "constant":
        widths = [(0, 0)] * (x.ndim - 3) + [(top, bottom), (left, right), (0, 0)]
        return back(np.pad(x, widths, mode=padding_mode))
    h, w, c = x.shape[-3:]
    out = np.empty(x.shape[:-3] + (h + top + bottom, w + left + right, c), x.dtype)
    out[...] = _fill_values(fill, c, x.dtype)
    out[..., top:top + h, left:left + w, :] = x
    return back(out)


def _resized_size(h: int, w: int, size, max_size) -> tuple[int, int]:
    """(new_h, new_w) as torchvision: an int (or [int]) sets the shorter side, keeping the
    aspect ratio (the longer side truncated, at most ``max_size``); (h, w) sets both."""
    if isinstance(size, numbers.Number) or len(size) == 1:
        req = int(size if isinstance(size, numbers.Number) else size[0])
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = req, int(req * long / short)
        if max_size is not None:
            if max_size <= req:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the "
                                 f"requested size for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)
    if max_size is not None:
        raise ValueError("max_size is only supported when size is an int (or [int])")
    return int(size[0]), int(size[1])


def _cubic(x, a):
    """Keys' cubic convolution kernel with parameter a (torch: -0.75 plain, -0.5 antialiased)."""
    x = np.abs(x)
    return np.where(x <= 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))


def _resample_matrix(n_in: int, n_out: int, mode: str, antialias: bool) -> np.ndarray:
    """The (n_out, n_in) matrix that resamples one axis as torch.nn.functional.interpolate
    (align_corners=False): row i holds the weights of the input pixels for output pixel i."""
    scale = n_in / n_out
    rows = np.arange(n_out)
    m = np.zeros((n_out, n_in))
    if antialias:
        # a filter stretched by the scale when shrinking, so every input pixel contributes
        support = (1.0 if mode == "bilinear" else 2.0) * max(scale, 1.0)
        inv = 1.0 / max(scale, 1.0)
        center = scale * (rows + 0.5)
        lo = np.maximum(np.trunc(center - support + 0.5), 0).astype(np.int64)
        hi = np.minimum(np.trunc(center + support + 0.5), n_in).astype(np.int64)
        j = np.arange(n_in)
        d = (j[None, :] - center[:, None] + 0.5) * inv
        wts = np.maximum(0.0, 1.0 - np.abs(d)) if mode == "bilinear" else _cubic(d, -0.5)
        wts = np.where((j >= lo[:, None]) & (j < hi[:, None]), wts, 0.0)
        return wts / wts.sum(1, keepdims=True)
    src = scale * (rows + 0.5) - 0.5
    if mode == "bilinear":
        src = np.maximum(src, 0.0)
        i0 = np.floor(src).astype(np.int64)
        frac = src - i0
        i1 = np.minimum(i0 + 1, n_in - 1)
        np.add.at(m, (rows, i0), 1.0 - frac)
        np.add.at(m, (rows, i1), frac)
        return m
    i0 = np.floor(src).astype(np.int64)
    t = src - i0
    for k, wk in enumerate((_cubic(t + 1, -0.75), _cubic(t, -0.75), _cubic(1 - t, -0.75),
                            _cubic(2 - t, -0.75))):
        np.add.at(m, (rows, np.clip(i0 - 1 + k, 0, n_in - 1)), wk)
    return m


def _nearest_index(n_in: int, n_out: int) -> np.ndarray:
    # torch's 'nearest': floor(i * in/out), computed in float32 as torch does
    scale = np.float32(n_in) / np.float32(n_out)
    return np.minimum(np.floor(np.arange(n_out, dtype=np.float32) * scale).astype(np.int64),
                      n_in - 1)


def _resize_array(x: np.ndarray, new_h: int, new_w: int, mode: str, antialias: bool):
    h, w = x.shape[-3], x.shape[-2]
    if mode == "nearest":
        return x[..., _nearest_index(h, new_h), :, :][..., _nearest_index(w, new_w), :]
    wd = _work_dtype(x.dtype)
    y = x.astype(wd, copy=False)
    if new_h != h:
        mh = _resample_matrix(h, new_h, mode, antialias).astype(wd)
        y = np.moveaxis(np.moveaxis(y, -3, -1) @ mh.T, -1, -3)
    if new_w != w:
        mw = _resample_matrix(w, new_w, mode, antialias).astype(wd)
        y = np.moveaxis(np.moveaxis(y, -2, -1) @ mw.T, -1, -2)
    return _cast(y, x.dtype)


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
           antialias: bool = True):
    """Resample to ``size``: an int sets the shorter side (aspect kept), (h, w) both.

    Values are those of ``torch.nn.functional.interpolate(mode, align_corners=False,
    antialias)``: bilinear or bicubic with ``antialias=True`` (the default, as torchvision)
    average over all the input pixels an output pixel covers when shrinking; nearest takes
    pixel floor(i · in/out). uint8 results are rounded.
    """
    mode = _mode(interpolation)
    x, back = _unpack(img)
    h, w = x.shape[-3], x.shape[-2]
    new_h, new_w = _resized_size(h, w, size, max_size)
    if new_h <= 0 or new_w <= 0:
        raise ValueError(f"resize: the output size {(new_h, new_w)} must be positive")
    if (new_h, new_w) == (h, w):
        return back(x.copy())
    return back(_resize_array(x, new_h, new_w, mode, antialias))


def resized_crop(img, top: int, left: int, height: int, width: int, size,
                 interpolation=InterpolationMode.BILINEAR, antialias: bool = True):
    """``crop`` then ``resize``."""
    return resize(crop(img, top, left, height, width), size, interpolation,
                  antialias=antialias)


def _rotated_size(theta: np.ndarray, w: int, h: int) -> tuple[int, int]:
    """The (width, height) that holds the whole image after the rotation, as torchvision:
    the corners' bounding box, its coordinates truncated to 1e-4 then rounded outwards."""
    corners = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                        [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]])
    pts = corners @ theta.T
    half = np.array([0.5 * w, 0.5 * h])
    tol = 1e-4
    hi = np.ceil(np.trunc((pts.max(0) + half) / tol) * tol)
    lo = np.floor(np.trunc((pts.min(0) + half) / tol) * tol)
    size = hi - lo
    return int(size[0]), int(size[1])


def _sample(x: np.ndarray, sx: np.ndarray, sy: np.ndarray, mode: str):
    """``x`` (..., H, W, C) sampled at pixel coordinates (sx, sy) (each (H', W'), in pixel
    index units), as grid_sample with zero padding; also the in-image weight (H', W')."""
    h, w = x.shape[-3], x.shape[-2]
    if mode == "nearest":
        ix, iy = np.rint(sx).astype(np.int64), np.rint(sy).astype(np.int64)
        inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        vals = x[..., np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1), :]
        return np.where(inside[..., None], vals, 0), inside.astype(x.dtype)
    x0, y0 = np.floor(sx), np.floor(sy)
    out = np.zeros(x.shape[:-3] + sx.shape + (x.shape[-1],), x.dtype)
    weight = np.zeros(sx.shape, x.dtype)
    for dy in (0, 1):
        for dx in (0, 1):
            cx, cy = x0 + dx, y0 + dy
            wgt = ((1 - np.abs(sx - cx)) * (1 - np.abs(sy - cy))).astype(x.dtype)
            inside = (cx >= 0) & (cx < w) & (cy >= 0) & (cy < h)
            wgt = np.where(inside, wgt, 0)
            ci = np.clip(cx, 0, w - 1).astype(np.int64)
            ri = np.clip(cy, 0, h - 1).astype(np.int64)
            out += x[..., ri, ci, :] * wgt[..., None]
            weight += wgt
    return out, weight


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand: bool = False,
           center=None, fill=None):
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` ((x, y), default the
    image centre). ``expand=True`` enlarges the output to hold the whole rotated image
    (rotation about the centre). Pixels from outside the image get ``fill`` (a number or one
    per channel; None means 0). Nearest or bilinear sampling, as torchvision's tensor rotate.
    A multiple of 90° moves pixels exactly (as ``np.rot90``) for a square image, or with
    ``expand=True`` for any image; other angles with ``expand`` get torchvision's (and PIL's)
    output size."""
    mode = _mode(interpolation)
    if mode == "bicubic":
        raise ValueError("rotate: interpolation must be NEAREST or BILINEAR")
    x, back = _unpack(img)
    h, w, c = x.shape[-3:]
    t = math.radians(angle)
    right_angle = angle % 90 == 0
    cos, sin = (round(math.cos(t)), round(math.sin(t))) if right_angle else (math.cos(t),
                                                                            math.sin(t))
    # output point -> source point (both relative to the image centre): the inverse rotation
    theta = np.array([[cos, -sin, 0.0], [sin, cos, 0.0]])
    if center is not None:
        cx, cy = center[0] - 0.5 * w, center[1] - 0.5 * h
        theta[:, 2] = [cx - theta[0, 0] * cx - theta[0, 1] * cy,
                       cy - theta[1, 0] * cx - theta[1, 1] * cy]
    if not expand:
        ow, oh = w, h
    elif right_angle and center is None:
        ow, oh = (h, w) if angle % 180 else (w, h)      # a transposition, as PIL does
    else:
        ow, oh = _rotated_size(theta, w, h)
    gx = np.arange(ow) + 0.5 - 0.5 * ow
    gy = (np.arange(oh) + 0.5 - 0.5 * oh)[:, None]
    sx = theta[0, 0] * gx + theta[0, 1] * gy + theta[0, 2] + 0.5 * w - 0.5
    sy = theta[1, 0] * gx + theta[1, 1] * gy + theta[1, 2] + 0.5 * h - 0.5
    wd = _work_dtype(x.dtype)
    out, inside = _sample(x.astype(wd, copy=False), sx, sy, mode)
    f = _fill_values(fill, c, wd)
    if mode == "nearest":
        out = np.where(inside[..., None] < 0.5, f, out)
    else:
        # torchvision's blend: the zero-padded sample weighted by the in-image weight again
        out = out * inside[..., None] + (1 - inside[..., None]) * f
    return back(_cast(out, x.dtype))


# ----- colour -----------------------------------------------------------------------------------

def _blend(x: np.ndarray, other, ratio: float) -> np.ndarray:
    """ratio·x + (1 − ratio)·other clamped to [0, max], as torchvision: computed in float32
    for integer images and truncated (not rounded) back."""
    wd = _work_dtype(x.dtype)
    y = wd.type(ratio) * x.astype(wd) + wd.type(1.0 - ratio) * other
    y = np.clip(y, 0, _max_value(x.dtype))
    return y.astype(x.dtype)


def _check_channels(x, allowed, name):
    if x.shape[-1] not in allowed:
        raise TypeError(f"{name}: input image should have {' or '.join(map(str, allowed))} "
                        f"channels, got {x.shape[-1]}")


def _grey(x: np.ndarray) -> np.ndarray:
    """Luma 0.2989 R + 0.587 G + 0.114 B (..., H, W, 1) in ``x``'s dtype (integers truncated,
    as torchvision)."""
    wd = _work_dtype(x.dtype)
    r, g, b = (x[..., k:k + 1].astype(wd) for k in range(3))
    return (wd.type(0.2989) * r + wd.type(0.587) * g + wd.type(0.114) * b).astype(x.dtype)


def adjust_brightness(img, brightness_factor: float):
    """factor · x, clamped to the valid range (0 gives black, 1 the original)."""
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative")
    x, back = _unpack(img)
    return back(_blend(x, 0, brightness_factor))


def adjust_contrast(img, contrast_factor: float):
    """factor · x + (1 − factor) · m, clamped, where m is the mean grey level of the image
    (0 gives uniform grey, 1 the original)."""
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative")
    x, back = _unpack(img)
    _check_channels(x, (1, 3), "adjust_contrast")
    grey = _grey(x) if x.shape[-1] == 3 else x
    mean = grey.astype(_work_dtype(x.dtype)).mean(axis=(-3, -2, -1), keepdims=True)
    return back(_blend(x, mean, contrast_factor))


def adjust_saturation(img, saturation_factor: float):
    """factor · x + (1 − factor) · grey(x), clamped (0 gives grey, 1 the original); grey
    images are returned unchanged."""
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative")
    x, back = _unpack(img)
    _check_channels(x, (1, 3), "adjust_saturation")
    if x.shape[-1] == 1:
        return back(x.copy())
    return back(_blend(x, _grey(x).astype(_work_dtype(x.dtype)), saturation_factor))


def _rgb_to_hsv(rgb):
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    maxc, minc = rgb.max(-1), rgb.min(-1)
    eqc = maxc == minc
    cr = maxc - minc
    s = cr / np.where(eqc, 1, maxc)
    crd = np.where(eqc, 1, cr)
    rc, gc, bc = (maxc - r) / crd, (maxc - g) / crd, (maxc - b) / crd
    h = np.where(maxc == r, bc - gc, np.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = np.fmod(h / 6.0 + 1.0, 1.0)
    return h, s, maxc


def _hsv_to_rgb(h, s, v):
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int64) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    # the six sectors of the hue circle, each an ordering of (v, t, p, q)
    sectors = [np.stack(c, -1) for c in ((v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v),
                                         (v, p, q))]
    return np.choose(i[..., None], sectors)


def adjust_hue(img, hue_factor: float):
    """Rotate the hue by ``hue_factor`` turns (in [-0.5, 0.5]) in HSV space; grey images are
    returned unchanged. uint8 images go through [0, 1] and back as torchvision's
    convert_image_dtype (× 255.999, truncated)."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5]")
    x, back = _unpack(img)
    _check_channels(x, (1, 3), "adjust_hue")
    if x.shape[-1] == 1:
        return back(x.copy())
    wd = _work_dtype(x.dtype)
    y = x.astype(wd) / wd.type(_max_value(x.dtype)) if x.dtype.kind != "f" else x
    h, s, v = _rgb_to_hsv(y)
    y = _hsv_to_rgb((h + hue_factor) % 1.0, s, v).astype(wd)
    if x.dtype.kind != "f":
        y = (y * wd.type(_max_value(x.dtype) + 1.0 - 1e-3)).astype(x.dtype)
    return back(y)


def rgb_to_grayscale(img, num_output_channels: int = 1):
    """Luma 0.2989 R + 0.587 G + 0.114 B (integers truncated, as torchvision), as 1 channel or
    repeated on 3. A grey NumPy result is (H, W)."""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    x, back = _unpack(img)
    _check_channels(x, (1, 3), "rgb_to_grayscale")
    g = _grey(x) if x.shape[-1] == 3 else x
    return back(np.repeat(g, num_output_channels, axis=-1))


def _gaussian_kernel(size: int, sigma: float) -> np.ndarray:
    half = (size - 1) * 0.5
    pdf = np.exp(-0.5 * (np.linspace(-half, half, size) / sigma) ** 2)
    return pdf / pdf.sum()


def gaussian_blur(img, kernel_size, sigma=None):
    """Blur with a normalised Gaussian kernel, the borders mirrored ('reflect').
    ``kernel_size``: an odd int or (kx, ky); ``sigma``: a number or (sx, sy), by default
    0.15·k + 0.35 (as torchvision)."""
    if isinstance(kernel_size, numbers.Number):
        kx = ky = int(kernel_size)
    else:
        kx, ky = _pair(kernel_size, "kernel_size")
    if kx <= 0 or ky <= 0 or kx % 2 == 0 or ky % 2 == 0:
        raise ValueError(f"kernel_size should have odd and positive values, got {kernel_size}")
    if sigma is None:
        sx, sy = 0.15 * kx + 0.35, 0.15 * ky + 0.35
    elif isinstance(sigma, numbers.Number):
        sx = sy = float(sigma)
    else:
        sx, sy = float(sigma[0]), float(sigma[-1])
    if sx <= 0 or sy <= 0:
        raise ValueError(f"sigma should have positive values, got {sigma}")
    x, back = _unpack(img)
    wd = _work_dtype(x.dtype)
    y = x.astype(wd, copy=False)
    for axis, k, s in ((-2, kx, sx), (-3, ky, sy)):
        widths = [(0, 0)] * y.ndim
        widths[axis] = (k // 2, k // 2)
        windows = np.lib.stride_tricks.sliding_window_view(np.pad(y, widths, mode="reflect"),
                                                           k, axis=axis)
        y = windows @ _gaussian_kernel(k, s).astype(wd)
    return back(_cast(y, x.dtype))
