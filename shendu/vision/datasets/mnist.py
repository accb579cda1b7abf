"""MNIST and Fashion-MNIST read from their standard IDX files on disk (nothing is downloaded).

``root`` may hold the files itself, or hold ``<ClassName>/raw/`` with them (torchvision's
layout, e.g. ``root/MNIST/raw/``). Each file may be gzipped (``train-images-idx3-ubyte.gz``,
as published) or not. The published MD5 checksums are those of the ``.gz`` files: a ``.gz``
file is checked against its checksum and read; a file that is not gzipped is checked by its
header (the standard count and 28×28 size) instead. ``check_integrity=False`` skips both
checks, for IDX files of your own; the format itself is always validated.
"""

from __future__ import annotations

import os

import numpy as np

from .utils import CorruptedFileError, check_md5, read_idx
from .vision import MNIST_CLASSES, VisionDataset

__all__ = ["MNIST", "FashionMNIST"]


class MNIST(VisionDataset):
    """The MNIST handwritten digits: uint8 images (28, 28), 60,000 train / 10,000 test (the
    official split), labels 0–9."""

    resources = {"train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                 "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
                 "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
                 "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c"}
    classes = MNIST_CLASSES
    _sizes = {True: 60000, False: 10000}

    def __init__(self, root=None, train: bool = True, transform=None, target_transform=None,
                 download: bool = False, check_integrity: bool = True):
        super().__init__(root, train, transform, target_transform)
        prefix = "train" if self.train else "t10k"
        names = [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]
        folder = self._find_folder(names)
        images, labels = (self._read(folder, name, check_integrity) for name in names)
        img_path, lbl_path = (self._path(folder, name) for name in names)
        if images.ndim != 3 or images.dtype != np.uint8:
            raise CorruptedFileError(f"{img_path}: expected uint8 images (N, H, W), got "
                                     f"{images.dtype} of shape {images.shape}")
        if labels.ndim != 1 or labels.dtype != np.uint8:
            raise CorruptedFileError(f"{lbl_path}: expected uint8 labels (N,), got "
                                     f"{labels.dtype} of shape {labels.shape}")
        if len(images) != len(labels):
            raise CorruptedFileError(f"{img_path} has {len(images)} images but {lbl_path} has "
                                     f"{len(labels)} labels")
        if labels.size and labels.max() >= len(self.classes):
            raise CorruptedFileError(f"{lbl_path}: label {labels.max()} out of range 0–"
                                     f"{len(self.classes) - 1}")
        self.data = images
        self.targets = labels.astype(np.int64)
        self.classes = list(self.classes)

    @staticmethod
    def _path(folder, name):
        gz = os.path.join(folder, name + ".gz")
        return gz if os.path.isfile(gz) else os.path.join(folder, name)

    def _find_folder(self, names):
        if self.root is None:
            raise FileNotFoundError(f"{type(self).__name__} reads the standard IDX files from "
                                    f"disk: pass root=, the folder that holds them")
        root = os.path.expanduser(os.fspath(self.root))
        candidates = [os.path.join(root, type(self).__name__, "raw"), root]
        for folder in candidates:
            if all(os.path.isfile(os.path.join(folder, n)) or
                   os.path.isfile(os.path.join(folder, n + ".gz")) for n in names):
                return folder
        wanted = ", ".join(f"{n}[.gz]" for n in names)
        raise FileNotFoundError(
            f"{type(self).__name__} ({'train' if self.train else 'test'}): missing files; put "
            f"{wanted} (the standard IDX files, gzipped or not) in "
            f"{candidates[0]} or in {candidates[1]}. No download is attempted.")

    def _read(self, folder, name, check_integrity):
        path = self._path(folder, name)
        if check_integrity and path.endswith(".gz"):
            check_md5(path, self.resources[name + ".gz"])
        arr = read_idx(path)
        if check_integrity and not path.endswith(".gz"):
            n = self._sizes[self.train]
            want = (n, 28, 28) if "images" in name else (n,)
            if arr.shape != want:
                raise CorruptedFileError(
                    f"{path}: shape {arr.shape}, but the standard file has {want}; pass "
                    f"check_integrity=False to read a file of your own")
        return arr


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: uint8 images (28, 28) of ten kinds of clothing, 60,000 train /
    10,000 test, in MNIST's file format."""

    resources = {"train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                 "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
                 "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
                 "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310"}
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
