"""``shendu.vision``: datasets (数据集) and image transforms (数据增强), as ``torchvision``.

``datasets`` holds map-style datasets whose samples are ``(image, label)`` with the image a
NumPy array; ``transforms`` turns those arrays (or PIL images, or CHW tensors) into training
tensors and augments them.
"""

from . import datasets, transforms

__all__ = ["datasets", "transforms"]
