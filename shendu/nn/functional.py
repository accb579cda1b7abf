"""``shendu.nn.functional``: the functional forms of layers and losses, as
``torch.nn.functional``."""

from __future__ import annotations

from ..ops.indexing import one_hot
from ..ops.pad import pad
from ..ops.pointwise import relu, sigmoid, tanh
from ..ops.softmax import log_softmax, softmax

__all__ = ["pad", "one_hot", "relu", "sigmoid", "tanh", "softmax", "log_softmax"]
