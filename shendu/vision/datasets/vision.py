"""The base of every dataset (数据集) here: images held as one NumPy array, labels as another."""

from __future__ import annotations

import numpy as np

from ...utils.data import Dataset

__all__ = ["VisionDataset", "MNIST_CLASSES"]

MNIST_CLASSES = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
                 "6 - six", "7 - seven", "8 - eight", "9 - nine"]


class VisionDataset(Dataset):
    """A map-style dataset of ``(image, label)`` samples, as torchvision's.

    Subclasses set ``data`` (all images, N first: uint8 (N, H, W) grey, uint8 (N, H, W, 3)
    colour, or float32 (N, L) signals), ``targets`` (int64 (N,)) and ``classes`` (the class
    names, indexed by label). ``ds[i]`` is ``(transform(data[i]), target_transform(label))``
    with the label a Python int; either transform may be None.
    """

    data: np.ndarray
    targets: np.ndarray
    classes: list

    def __init__(self, root=None, train: bool = True, transform=None, target_transform=None):
        self.root = root
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    @property
    def class_to_idx(self) -> dict:
        return {name: i for i, name in enumerate(self.classes)}

    def __repr__(self) -> str:
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Split: {'Train' if self.train else 'Test'}"]
        if self.root is not None:
            lines.append(f"    Root location: {self.root}")
        if self.transform is not None:
            lines.append(f"    Transform: {self.transform!r}")
        if self.target_transform is not None:
            lines.append(f"    Target transform: {self.target_transform!r}")
        return "\n".join(lines)
