"""CIFAR-10 and CIFAR-100 read from the "python version" batches on disk (nothing is
downloaded).

The batches are pickles. A pickle can name any importable function to call while loading, so
they are read with ``restricted_unpickle``, which builds only plain values and NumPy arrays and
refuses anything else. Each batch is a dict: ``data`` uint8 (N, 3072), each row the red, green
then blue 32×32 planes, and ``labels`` (CIFAR-100: ``fine_labels``) a list of ints.
"""

from __future__ import annotations

import os

import numpy as np

from .utils import CorruptedFileError, check_md5, restricted_unpickle
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100"]


def _str_keys(entry, path):
    if not isinstance(entry, dict):
        raise CorruptedFileError(f"{path}: expected a dict, got {type(entry).__name__}")
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in entry.items()}


class CIFAR10(VisionDataset):
    """CIFAR-10: uint8 colour images (32, 32, 3), 50,000 train (data_batch_1..5) / 10,000 test
    (test_batch), ten classes named by ``batches.meta``.

    ``root`` may be the folder that holds ``cifar-10-batches-py/`` or that folder itself.
    Each file's MD5 is checked against the published one unless ``check_integrity=False``
    (for batches of your own in the same format).
    """

    base_folder = "cifar-10-batches-py"
    train_list = [("data_batch_1", "c99cafc152244af753f735de768cd75f"),
                  ("data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"),
                  ("data_batch_3", "54ebc095f3ab1f0389bbae665268c751"),
                  ("data_batch_4", "634d18415352ddfa80567beed471001a"),
                  ("data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb")]
    test_list = [("test_batch", "40351d587109b95175f43aff81a1287e")]
    meta = {"filename": "batches.meta", "key": "label_names",
            "md5": "5ff9c542aee3614f3951f8cda6e48888"}
    labels_key = "labels"
    num_classes = 10

    def __init__(self, root=None, train: bool = True, transform=None, target_transform=None,
                 download: bool = False, check_integrity: bool = True):
        super().__init__(root, train, transform, target_transform)
        files = self.train_list if self.train else self.test_list
        folder = self._find_folder([name for name, _ in files] + [self.meta["filename"]])
        data, targets = [], []
        for name, md5 in files:
            entry = self._load(folder, name, md5, check_integrity)
            path = os.path.join(folder, name)
            x, y = entry.get("data"), entry.get(self.labels_key)
            if not isinstance(x, np.ndarray) or x.dtype != np.uint8 or x.ndim != 2 \
                    or x.shape[1] != 3072:
                raise CorruptedFileError(f"{path}: 'data' must be a uint8 array (N, 3072)")
            try:
                y = np.asarray(y, np.int64)
            except (TypeError, ValueError):
                raise CorruptedFileError(f"{path}: '{self.labels_key}' must be a list of "
                                         f"ints") from None
            if y.shape != (len(x),) or (y.size and (y.min() < 0 or y.max() >= self.num_classes)):
                raise CorruptedFileError(f"{path}: '{self.labels_key}' must hold {len(x)} "
                                         f"labels in 0–{self.num_classes - 1}")
            data.append(x)
            targets.append(y)
        # rows hold the R, G, B planes one after the other: (N, 3, 32, 32) -> (N, 32, 32, 3)
        self.data = np.ascontiguousarray(
            np.concatenate(data).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        self.targets = np.concatenate(targets)
        meta = self._load(folder, self.meta["filename"], self.meta["md5"], check_integrity)
        names = meta.get(self.meta["key"])
        if not isinstance(names, list) or len(names) != self.num_classes:
            raise CorruptedFileError(f"{os.path.join(folder, self.meta['filename'])}: "
                                     f"'{self.meta['key']}' must list {self.num_classes} names")
        self.classes = [n.decode("latin1") if isinstance(n, bytes) else str(n) for n in names]

    def _find_folder(self, names):
        if self.root is None:
            raise FileNotFoundError(f"{type(self).__name__} reads the python-version batches "
                                    f"from disk: pass root=, the folder that holds "
                                    f"{self.base_folder}/")
        root = os.path.expanduser(os.fspath(self.root))
        candidates = [os.path.join(root, self.base_folder), root]
        for folder in candidates:
            if all(os.path.isfile(os.path.join(folder, n)) for n in names):
                return folder
        missing = [n for n in names if not os.path.isfile(os.path.join(candidates[0], n))]
        raise FileNotFoundError(
            f"{type(self).__name__} ({'train' if self.train else 'test'}): missing files "
            f"{', '.join(missing)}; put {', '.join(names)} (from the python version of the "
            f"dataset, {self.base_folder}) in {candidates[0]} or in {candidates[1]}. No "
            f"download is attempted.")

    @staticmethod
    def _load(folder, name, md5, check_integrity):
        path = os.path.join(folder, name)
        if check_integrity:
            check_md5(path, md5)
        return _str_keys(restricted_unpickle(path), path)


class CIFAR100(CIFAR10):
    """CIFAR-100: uint8 colour images (32, 32, 3), 50,000 train / 10,000 test, 100 fine
    classes (the ``fine_labels``)."""

    base_folder = "cifar-100-python"
    train_list = [("train", "16019d7e3df5f24257cddd939b257f8d")]
    test_list = [("test", "f0ef6b0ae62326f3e7ffdfab6717acfc")]
    meta = {"filename": "meta", "key": "fine_label_names",
            "md5": "7973b15100ade9c7d40fb424638fde48"}
    labels_key = "fine_labels"
    num_classes = 100
