"""Image transforms and augmentation (数据增强), as ``torchvision.transforms``.

Transforms are callables on an image — a NumPy array (H, W) or (H, W, C), a shendu tensor
(..., C, H, W), or a PIL image — that return the same kind; ``functional`` holds the
underlying operations. ``Mixup`` and ``Mosaic`` combine several samples and keep their labels
or boxes (YOLOX's input stage).

    from shendu.vision import transforms as T
    train_tf = T.Compose([T.RandomCrop(28, padding=2), T.RandomRotation(10), T.ToTensor(),
                          T.Normalize((0.1307,), (0.3081,))])
"""

from . import functional
from .functional import InterpolationMode
from .mixing import Mixup, Mosaic
from .transforms import (CenterCrop, ColorJitter, Compose, GaussianBlur, Grayscale, Lambda,
                         Normalize, Pad, PILToTensor, RandomApply, RandomChoice, RandomCrop,
                         RandomGrayscale, RandomHorizontalFlip, RandomOrder, RandomResizedCrop,
                         RandomRotation, RandomVerticalFlip, Resize, ToPILImage, ToTensor)

__all__ = ["functional", "InterpolationMode", "Compose", "ToTensor", "PILToTensor",
           "ToPILImage", "Normalize", "Lambda", "RandomApply", "RandomChoice", "RandomOrder",
           "RandomHorizontalFlip", "RandomVerticalFlip", "RandomCrop", "CenterCrop", "Pad",
           "Resize", "RandomResizedCrop", "RandomRotation", "ColorJitter", "Grayscale",
           "RandomGrayscale", "GaussianBlur", "Mixup", "Mosaic"]
