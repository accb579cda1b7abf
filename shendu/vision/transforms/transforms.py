"""Transform classes (数据增强, data augmentation), as ``torchvision.transforms``.

Each is a callable on an image: a NumPy array (H, W) / (H, W, C), a shendu tensor
(..., C, H, W) or a PIL image; it returns the same kind (``ToTensor``, ``PILToTensor`` and
``ToPILImage`` convert). Random transforms draw from shendu's global generator
(``shendu.random.rng()``), so ``shendu.manual_seed`` makes them repeat; a batch of tensor
images gets the same random parameters for every image.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from ...random import rng
from . import functional as F
from .functional import InterpolationMode

__all__ = ["Compose", "ToTensor", "PILToTensor", "ToPILImage", "Normalize", "Lambda",
           "RandomApply", "RandomChoice", "RandomOrder", "RandomHorizontalFlip",
           "RandomVerticalFlip", "RandomCrop", "CenterCrop", "Pad", "Resize",
           "RandomResizedCrop", "RandomRotation", "ColorJitter", "Grayscale", "RandomGrayscale",
           "GaussianBlur"]


def _uniform(lo: float, hi: float) -> float:
    return float(rng().uniform(lo, hi))


def _randint(lo: int, hi: int) -> int:
    """An int in [lo, hi)."""
    return int(rng().integers(lo, hi))


def _size_pair(size, name="size") -> tuple[int, int]:
    return F._pair(size, name)


class Compose:
    """Apply the transforms in order."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({inner}\n)"


class _Transform:
    """Base: ``__repr__`` lists the constructor arguments kept as attributes."""

    _fields: tuple = ()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._fields)
        return f"{type(self).__name__}({args})"


class ToTensor(_Transform):
    """PIL image or NumPy array (H, W) / (H, W, C) → tensor (C, H, W); uint8 becomes float32 in
    [0, 1] (÷ 255), other dtypes keep their values. A 1-D signal (L,) becomes (1, L)."""

    def __call__(self, pic):
        return F.to_tensor(pic)


class PILToTensor(_Transform):
    """PIL image (or NumPy array) → tensor (C, H, W) with the same values and dtype."""

    def __call__(self, pic):
        return F.pil_to_tensor(pic)


class ToPILImage(_Transform):
    """Tensor (C, H, W) or array (H, W) / (H, W, C) → PIL image (needs Pillow)."""

    _fields = ("mode",)

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)


class Normalize(_Transform):
    """(x − mean[c]) / std[c] for each channel c of a float tensor (..., C, H, W) or float
    array; typically after ToTensor, with the training set's per-channel mean and std."""

    _fields = ("mean", "std", "inplace")

    def __init__(self, mean, std, inplace: bool = False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)


class Lambda(_Transform):
    """Apply a user function."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)


class RandomApply(_Transform):
    """Apply the list of transforms, in order, with probability p (all or none)."""

    _fields = ("transforms", "p")

    def __init__(self, transforms, p: float = 0.5):
        self.transforms, self.p = list(transforms), p

    def __call__(self, img):
        if self.p < rng().random():
            return img
        for t in self.transforms:
            img = t(img)
        return img


class RandomChoice(_Transform):
    """Apply one transform picked at random (weights ``p``, default uniform)."""

    _fields = ("transforms", "p")

    def __init__(self, transforms, p=None):
        self.transforms = list(transforms)
        if p is not None and len(p) != len(self.transforms):
            raise ValueError(f"p has {len(p)} weights for {len(self.transforms)} transforms")
        self.p = p

    def __call__(self, *args):
        w = None if self.p is None else np.asarray(self.p, float) / np.sum(self.p)
        return self.transforms[int(rng().choice(len(self.transforms), p=w))](*args)


class RandomOrder(_Transform):
    """Apply the transforms in a random order."""

    _fields = ("transforms",)

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for i in rng().permutation(len(self.transforms)):
            img = self.transforms[i](img)
        return img


class RandomHorizontalFlip(_Transform):
    """Mirror left-right with probability p."""

    _fields = ("p",)

    def __init__(self, p: float = 0.5):
        self.p = p

    def __call__(self, img):
        return F.hflip(img) if rng().random() < self.p else img


class RandomVerticalFlip(_Transform):
    """Mirror top-bottom with probability p."""

    _fields = ("p",)

    def __init__(self, p: float = 0.5):
        self.p = p

    def __call__(self, img):
        return F.vflip(img) if rng().random() < self.p else img


class Pad(_Transform):
    """Pad the borders (see ``functional.pad``): ``padding`` an int, (left/right, top/bottom)
    or (left, top, right, bottom); ``padding_mode`` constant (with ``fill``), edge, reflect or
    symmetric."""

    _fields = ("padding", "fill", "padding_mode")

    def __init__(self, padding, fill=0, padding_mode: str = "constant"):
        F._padding_ltrb(padding)
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"padding_mode must be constant, edge, reflect or symmetric, got "
                             f"{padding_mode!r}")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)


class CenterCrop(_Transform):
    """The central (h, w) window (an int for a square), zero-padded if the image is smaller."""

    _fields = ("size",)

    def __init__(self, size):
        self.size = _size_pair(size)

    def __call__(self, img):
        return F.center_crop(img, self.size)


class RandomCrop(_Transform):
    """A (h, w) window at a uniformly random position, after optional padding (``padding``,
    ``fill``, ``padding_mode`` as ``Pad``). ``pad_if_needed`` pads an image smaller than the
    window on both sides by the shortfall."""

    _fields = ("size", "padding", "pad_if_needed", "fill", "padding_mode")

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0,
                 padding_mode: str = "constant"):
        self.size = _size_pair(size)
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode = fill, padding_mode

    @staticmethod
    def get_params(img, output_size) -> tuple[int, int, int, int]:
        """(top, left, h, w) of a random window of ``output_size``."""
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size "
                             f"{(h, w)}")
        if (h, w) == (th, tw):
            return 0, 0, h, w
        return _randint(0, h - th + 1), _randint(0, w - tw + 1), th, tw

    def __call__(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, h, w = F.get_dimensions(img)
        th, tw = self.size
        if self.pad_if_needed and w < tw:
            img = F.pad(img, [tw - w, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and h < th:
            img = F.pad(img, [0, th - h], self.fill, self.padding_mode)
        top, left, h, w = self.get_params(img, self.size)
        return F.crop(img, top, left, h, w)


class Resize(_Transform):
    """Resample to ``size`` (an int: the shorter side, aspect kept; (h, w): both) with
    ``interpolation`` NEAREST, BILINEAR (default) or BICUBIC; see ``functional.resize``."""

    _fields = ("size", "interpolation", "max_size", "antialias")

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
                 antialias: bool = True):
        F._mode(interpolation)
        self.size, self.interpolation = size, interpolation
        self.max_size, self.antialias = max_size, antialias

    def __call__(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)


class RandomResizedCrop(_Transform):
    """A random window — area a fraction ``scale`` of the image's, aspect ratio (w/h) in
    ``ratio`` (drawn log-uniformly) — resized to ``size``: the Inception-style augmentation.
    After 10 failed draws it falls back to the central crop with the ratio clamped."""

    _fields = ("size", "scale", "ratio", "interpolation", "antialias")

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias: bool = True):
        self.size = _size_pair(size)
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError("scale and ratio should be of kind (min, max)")
        F._mode(interpolation)
        self.scale, self.ratio = tuple(scale), tuple(ratio)
        self.interpolation, self.antialias = interpolation, antialias

    @staticmethod
    def get_params(img, scale, ratio) -> tuple[int, int, int, int]:
        """(top, left, h, w) of the random window."""
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * _uniform(scale[0], scale[1])
            aspect = math.exp(_uniform(*log_ratio))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                return _randint(0, height - h + 1), _randint(0, width - w + 1), h, w
        in_ratio = width / height
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            h, w = height, int(round(height * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img):
        top, left, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, top, left, h, w, self.size, self.interpolation,
                              antialias=self.antialias)


def _range(value, name, center=1.0, bound=(0.0, math.inf), clip_first_on_zero=True):
    """A jitter amount as a (min, max) range: a number v means [center − v, center + v]."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"If {name} is a single number, it must be non negative.")
        value = [center - float(value), center + float(value)]
        if clip_first_on_zero:
            value[0] = max(value[0], 0.0)
    elif isinstance(value, Sequence) and len(value) == 2:
        value = [float(value[0]), float(value[1])]
    else:
        raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
    if not bound[0] <= value[0] <= value[1] <= bound[1]:
        raise ValueError(f"{name} values should be between {bound}, but got {value}.")
    return None if value[0] == value[1] == center else tuple(value)


class ColorJitter(_Transform):
    """Random brightness, contrast, saturation and hue changes, applied in a random order.
    Each of brightness/contrast/saturation is a number v (factor drawn from [max(0, 1 − v),
    1 + v]) or a (min, max) range; hue a number h ≤ 0.5 (shift drawn from [−h, h]) or a range.
    The changes are ``functional.adjust_*``."""

    _fields = ("brightness", "contrast", "saturation", "hue")

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        self.brightness = _range(brightness, "brightness")
        self.contrast = _range(contrast, "contrast")
        self.saturation = _range(saturation, "saturation")
        self.hue = _range(hue, "hue", center=0.0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        """(order of the four changes, brightness, contrast, saturation, hue factors), a factor
        None where that change is off."""
        order = rng().permutation(4)
        return (order,) + tuple(None if r is None else _uniform(r[0], r[1])
                                for r in (brightness, contrast, saturation, hue))

    def __call__(self, img):
        order, b, c, s, h = self.get_params(self.brightness, self.contrast, self.saturation,
                                            self.hue)
        ops = [(F.adjust_brightness, b), (F.adjust_contrast, c), (F.adjust_saturation, s),
               (F.adjust_hue, h)]
        for i in order:
            fn, factor = ops[i]
            if factor is not None:
                img = fn(img, factor)
        return img


class Grayscale(_Transform):
    """Convert to grey (luma), 1 or 3 output channels."""

    _fields = ("num_output_channels",)

    def __init__(self, num_output_channels: int = 1):
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)


class RandomGrayscale(_Transform):
    """Convert to grey with probability p, keeping the number of channels."""

    _fields = ("p",)

    def __init__(self, p: float = 0.1):
        self.p = p

    def __call__(self, img):
        if rng().random() < self.p:
            return F.rgb_to_grayscale(img, F.get_image_num_channels(img))
        return img


class RandomRotation(_Transform):
    """Rotate by an angle drawn uniformly from ``degrees`` ((min, max), or a number d for
    (−d, d)), counter-clockwise; see ``functional.rotate`` for ``interpolation``, ``expand``,
    ``center`` and ``fill``."""

    _fields = ("degrees", "interpolation", "expand", "center", "fill")

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand: bool = False,
                 center=None, fill=0):
        if isinstance(degrees, numbers.Number):
            if degrees < 0:
                raise ValueError("If degrees is a single number, it must be positive.")
            degrees = (-float(degrees), float(degrees))
        elif len(degrees) != 2:
            raise ValueError("degrees should be a number or a sequence of length 2.")
        self.degrees = (float(degrees[0]), float(degrees[1]))
        F._mode(interpolation)
        self.interpolation, self.expand, self.center, self.fill = (interpolation, expand,
                                                                   center, fill)

    @staticmethod
    def get_params(degrees) -> float:
        return _uniform(degrees[0], degrees[1])

    def __call__(self, img):
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, self.fill)


class GaussianBlur(_Transform):
    """Blur with a Gaussian of the given odd ``kernel_size`` and σ drawn uniformly from
    ``sigma`` ((min, max), or a fixed number)."""

    _fields = ("kernel_size", "sigma")

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        kx, ky = _size_pair(kernel_size, "kernel_size")
        if kx <= 0 or ky <= 0 or kx % 2 == 0 or ky % 2 == 0:
            raise ValueError("Kernel size value should be an odd and positive number.")
        self.kernel_size = (kx, ky)
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError("If sigma is a single number, it must be positive.")
            sigma = (float(sigma), float(sigma))
        elif not (len(sigma) == 2 and 0 < sigma[0] <= sigma[1]):
            raise ValueError("sigma values should be positive and of the form (min, max).")
        self.sigma = (float(sigma[0]), float(sigma[1]))

    @staticmethod
    def get_params(sigma_min: float, sigma_max: float) -> float:
        return _uniform(sigma_min, sigma_max)

    def __call__(self, img):
        s = self.get_params(*self.sigma)
        return F.gaussian_blur(img, self.kernel_size, [s, s])
