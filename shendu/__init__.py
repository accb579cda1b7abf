"""shendu (深度): a deep-learning framework written from first principles on NumPy, with
PyTorch's public API. ``import shendu as torch`` runs PyTorch code on the CPU.

The engine: ``Tensor`` (tensor.py), reverse-mode autograd (autograd/), and the ops, one
family per file in ops/, each with its forward and backward side by side.
"""

from __future__ import annotations

from . import dtypes as _dtypes
from .tensor import Size, Tensor  # noqa: I001  (the tensor module must load first)
from . import autograd
from ._device import device
from ._tensor_str import set_printoptions
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                                 set_grad_enabled)
from .dtypes import (bool_ as bool, dtype, float16, float32, float64, get_default_dtype, int8,
                     int16, int32, int64, promote_types, set_default_dtype, uint8)
from .ops.arithmetic import *  # noqa: F403
from .ops.comparison import *  # noqa: F403
from .ops.creation import *  # noqa: F403
from .ops.indexing import *  # noqa: F403
from .ops.linalg import *  # noqa: F403
from .ops.pad import pad  # noqa: F401
from .ops.pointwise import *  # noqa: F403
from .ops.reduction import *  # noqa: F403
from .ops.shape import *  # noqa: F403
from .ops.softmax import *  # noqa: F403
from .ops.sorting import *  # noqa: F403
from ._threads import get_num_threads, set_num_threads
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed,
                     seed, set_rng_state)
from . import linalg, nn, optim, return_types, utils, vision  # noqa: E402
from .serialization import load, save  # noqa: E402
from . import train, zoo  # noqa: E402
from .nn.functional.distance import cdist  # noqa: E402

half, float, double = float16, float32, float64
short, int, long = int16, int32, int64
__version__ = "0.1.0"


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def numel(input: Tensor) -> int:
    return input.numel()


def result_type(tensor1, tensor2) -> dtype:
    """The dtype PyTorch's promotion gives for an op on these two operands."""
    ops = [t._data if isinstance(t, Tensor) else t for t in (tensor1, tensor2)]
    return _dtypes.from_np(_dtypes.result_np(*ops))


def can_cast(from_: dtype, to: dtype) -> bool:
    return from_.category <= to.category

# Functional forms that PyTorch also exposes at the top level with the same arguments
# (torch.conv2d, torch.max_pool2d, ...).
from .nn.functional import (adaptive_avg_pool1d, adaptive_max_pool1d,  # noqa: E402
                            alpha_dropout, avg_pool1d, bilinear, binary_cross_entropy_with_logits,
                            celu, channel_shuffle, conv1d, conv2d, conv3d, conv_transpose1d,
                            conv_transpose2d, conv_transpose3d, cosine_embedding_loss,
                            cosine_similarity, dropout, group_norm, hardshrink,
                            hinge_embedding_loss, kl_div, layer_norm, margin_ranking_loss,
                            max_pool1d, max_pool2d, max_pool3d, pairwise_distance,
                            pixel_shuffle, pixel_unshuffle, poisson_nll_loss, prelu, rrelu, selu,
                            threshold, triplet_margin_loss)
