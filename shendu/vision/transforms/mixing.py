"""Augmentations that combine samples (数据增强 for detection, YOLOX's input stage): Mixup
blends two images, Mosaic stitches four; the labels or boxes of every image are kept.

Detection targets are dicts ``{"boxes": (N, 4), "labels": (N,)}``; boxes are
(x1, y1, x2, y2) in pixels (x to the right, y down; pixel (i, j) covers [j, j+1) × [i, i+1),
so a box around the whole H × W image is (0, 0, W, H)). Boxes and labels may be NumPy arrays
or tensors; the result has the kind of the first sample's.
"""

from __future__ import annotations

import numpy as np

from ...random import rng
from ...tensor import Tensor, _wrap
from . import functional as F

__all__ = ["Mixup", "Mosaic"]


def _np(v, dtype) -> np.ndarray:
    return np.asarray(v._data if isinstance(v, Tensor) else v, dtype)


def _boxes(target, name: str) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(target, dict) or "boxes" not in target or "labels" not in target:
        raise TypeError(f"{name}: a detection target must be a dict with 'boxes' (N, 4) and "
                        f"'labels' (N,)")
    boxes = _np(target["boxes"], np.float32).reshape(-1, 4)
    labels = _np(target["labels"], np.int64).reshape(-1)
    if len(boxes) != len(labels):
        raise ValueError(f"{name}: {len(boxes)} boxes but {len(labels)} labels")
    return boxes, labels


def _like(target, boxes: np.ndarray, labels: np.ndarray) -> dict:
    if isinstance(target["boxes"], Tensor):
        return {"boxes": _wrap(boxes), "labels": _wrap(labels)}
    return {"boxes": boxes, "labels": labels}


def _fit(x: np.ndarray, h: int, w: int) -> tuple[np.ndarray, float, float]:
    """``x`` (H0, W0, C) scaled (aspect kept, bilinear) to fit inside (h, w); also the x and y
    scale factors that its boxes need."""
    h0, w0 = x.shape[-3], x.shape[-2]
    r = min(h / h0, w / w0)
    nh, nw = max(1, min(h, round(h0 * r))), max(1, min(w, round(w0 * r)))
    if (nh, nw) == (h0, w0):
        return x, 1.0, 1.0
    return F._resize_array(x, nh, nw, "bilinear", True), nw / w0, nh / h0


class Mixup:
    """Mixup 数据增强 (Zhang et al. 2018): image = λ·a + (1 − λ)·b with λ ~ Beta(α, α)
    (uint8 images are rounded back to uint8).

    Two ways to call it:

    * ``mixup((img_a, target_a), (img_b, target_b)) -> (img, target)``, two samples. Class
      labels (ints, which need ``num_classes``, or probability vectors) become the soft target
      λ·onehot(a) + (1 − λ)·onehot(b), float32 (num_classes,). Detection targets (dicts, see
      the module) keep the boxes and labels of both, a's first; if b's image has another size
      it is first scaled to fit inside a's (aspect kept), put at the top-left and the rest
      filled with ``fill``, its boxes scaled alike (YOLOX).
    * ``mixup(images, labels)``, a batch (tensor (B, C, H, W) or array (B, ...)) with int
      labels (B,): every image is mixed with the previous one in the batch (the batch rolled
      by one), with one λ, and the labels become soft targets (B, num_classes), as
      ``torchvision.transforms.v2.MixUp``.
    """

    def __init__(self, alpha: float = 1.0, num_classes: int | None = None, fill=0):
        if alpha <= 0:
            raise ValueError(f"alpha must be positive, got {alpha}")
        self.alpha, self.num_classes, self.fill = float(alpha), num_classes, fill

    def get_params(self) -> float:
        """λ ~ Beta(α, α)."""
        return float(rng().beta(self.alpha, self.alpha))

    def __repr__(self) -> str:
        return f"Mixup(alpha={self.alpha}, num_classes={self.num_classes}, fill={self.fill})"

    def __call__(self, a, b):
        if isinstance(a, tuple) and isinstance(b, tuple):
            return self._mix_samples(a, b)
        return self._mix_batch(a, b)

    def _soft(self, label) -> np.ndarray:
        arr = _np(label, np.float32)
        if arr.ndim == 0:
            if self.num_classes is None:
                raise ValueError("Mixup: int labels need num_classes")
            return np.eye(self.num_classes, dtype=np.float32)[int(arr)]
        return arr

    def _mix_samples(self, a, b):
        (img_a, target_a), (img_b, target_b) = a, b
        xa, back = F._unpack(img_a)
        xb, _ = F._unpack(img_b)
        if xa.shape[-1] != xb.shape[-1]:
            raise ValueError(f"Mixup: images with {xa.shape[-1]} and {xb.shape[-1]} channels")
        lam = self.get_params()
        detection = isinstance(target_a, dict)
        if detection:
            boxes_a, labels_a = _boxes(target_a, "Mixup")
            boxes_b, labels_b = _boxes(target_b, "Mixup")
        if xa.shape[-3:-1] != xb.shape[-3:-1]:
            if not detection:
                raise ValueError(f"Mixup: images of sizes {xa.shape[-3:-1]} and "
                                 f"{xb.shape[-3:-1]}; resize them first")
            fitted, sx, sy = _fit(xb, xa.shape[-3], xa.shape[-2])
            canvas = np.empty_like(xa)
            canvas[...] = F._fill_values(self.fill, xa.shape[-1], xa.dtype)
            canvas[..., :fitted.shape[-3], :fitted.shape[-2], :] = fitted
            xb, boxes_b = canvas, boxes_b * np.float32([sx, sy, sx, sy])
        wd = F._work_dtype(xa.dtype)
        img = back(F._cast(wd.type(lam) * xa.astype(wd) + wd.type(1 - lam) * xb.astype(wd),
                           xa.dtype))
        if detection:
            return img, _like(target_a, np.concatenate([boxes_a, boxes_b]),
                              np.concatenate([labels_a, labels_b]))
        return img, lam * self._soft(target_a) + (1 - lam) * self._soft(target_b)

    def _mix_batch(self, images, labels):
        if self.num_classes is None:
            raise ValueError("Mixup: a batch needs num_classes")
        x = images._data if isinstance(images, Tensor) else np.asarray(images)
        y = _np(labels, np.int64)
        if y.ndim != 1 or len(y) != len(x):
            raise ValueError(f"Mixup: expected labels (B,) for a batch of {len(x)}, got shape "
                             f"{y.shape}")
        lam = self.get_params()
        wd = F._work_dtype(x.dtype)
        mixed = F._cast(wd.type(lam) * x.astype(wd) + wd.type(1 - lam) *
                        np.roll(x, 1, axis=0).astype(wd), x.dtype)
        onehot = np.eye(self.num_classes, dtype=np.float32)[y]
        soft = lam * onehot + (1 - lam) * np.roll(onehot, 1, axis=0)
        if isinstance(images, Tensor):
            return _wrap(mixed), _wrap(soft.astype(np.float32))
        return mixed, soft.astype(np.float32)


class Mosaic:
    """Mosaic 数据增强 (YOLOv4, YOLOX): four samples stitched into one image of ``size`` (h, w).

    Call ``mosaic([(img0, target0), …, (img3, target3)]) -> (img, target)``, targets as the
    module describes. A centre (xc, yc) is drawn uniformly from ``center_range`` × (w, h)
    (whole pixels). Each image is scaled to fit inside (h, w), aspect kept, and placed with a
    corner on the centre: image 0 to the top-left of it, 1 top-right, 2 bottom-left,
    3 bottom-right; what falls outside its quadrant is cut off, and quadrant area that no image
    covers is ``fill``. Boxes move and scale with their image, are clipped to its visible part
    and dropped when narrower or shorter than ``min_size`` pixels after clipping.
    """

    def __init__(self, size, center_range=(0.25, 0.75), fill=0, min_size: float = 2.0):
        self.size = F._pair(size, "size")
        if not 0 <= center_range[0] <= center_range[1] <= 1:
            raise ValueError(f"center_range must be (lo, hi) within [0, 1], got {center_range}")
        self.center_range, self.fill, self.min_size = tuple(center_range), fill, min_size

    def __repr__(self) -> str:
        return (f"Mosaic(size={self.size}, center_range={self.center_range}, fill={self.fill}, "
                f"min_size={self.min_size})")

    def get_params(self) -> tuple[int, int]:
        """The centre (xc, yc)."""
        h, w = self.size
        lo, hi = self.center_range
        return int(rng().uniform(lo * w, hi * w)), int(rng().uniform(lo * h, hi * h))

    def __call__(self, samples):
        if len(samples) != 4:
            raise ValueError(f"Mosaic: needs 4 samples, got {len(samples)}")
        h, w = self.size
        first, back = F._unpack(samples[0][0])
        c = first.shape[-1]
        canvas = np.empty(first.shape[:-3] + (h, w, c), first.dtype)
        canvas[...] = F._fill_values(self.fill, c, first.dtype)
        xc, yc = self.get_params()
        all_boxes, all_labels = [], []
        for k, (img, target) in enumerate(samples):
            x, _ = F._unpack(img)
            if x.shape[-1] != c:
                raise ValueError(f"Mosaic: image {k} has {x.shape[-1]} channels, image 0 {c}")
            boxes, labels = _boxes(target, "Mosaic")
            x, sx, sy = _fit(x, h, w)
            ih, iw = x.shape[-3], x.shape[-2]
            # the image's top-left corner on the canvas, and its visible part [x0, x1) × [y0, y1)
            ox = xc - iw if k in (0, 2) else xc
            oy = yc - ih if k in (0, 1) else yc
            x0, x1 = (max(ox, 0), xc) if k in (0, 2) else (xc, min(ox + iw, w))
            y0, y1 = (max(oy, 0), yc) if k in (0, 1) else (yc, min(oy + ih, h))
            if x1 > x0 and y1 > y0:
                canvas[..., y0:y1, x0:x1, :] = F._cast(x[..., y0 - oy:y1 - oy, x0 - ox:x1 - ox, :],
                                                       first.dtype)
            b = boxes * np.float32([sx, sy, sx, sy]) + np.float32([ox, oy, ox, oy])
            b = np.clip(b, np.float32([x0, y0, x0, y0]), np.float32([x1, y1, x1, y1]))
            keep = ((b[:, 2] - b[:, 0]) >= self.min_size) & ((b[:, 3] - b[:, 1]) >= self.min_size)
            all_boxes.append(b[keep])
            all_labels.append(labels[keep])
        return back(canvas), _like(samples[0][1], np.concatenate(all_boxes).astype(np.float32),
                                   np.concatenate(all_labels))
