"""Batch normalization layers (批量归一化): BatchNorm1d/2d/3d, and their base ``_NormBase``
(shared with instance normalization): the affine parameters γ (``weight``, init 1) and β
(``bias``, init 0), and the buffers ``running_mean`` (init 0), ``running_var`` (init 1) and
``num_batches_tracked`` (int64), as PyTorch names them.

In training a layer normalizes with the batch's statistics and moves the running ones
towards them (momentum, or with ``momentum=None`` a cumulative average over all batches
seen: factor 1/num_batches_tracked); in evaluation it normalizes with the running ones.
"""

from __future__ import annotations

from ... import dtypes, ops
from ...autograd.grad_mode import no_grad
from .. import functional as F
from .. import init
from .module import Module
from .normalization import affine_parameters

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


class _NormBase(Module):
    """Parameters and buffers of batch and instance normalization over ``num_features``
    channels."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None, *, bias: bool = True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        affine_parameters(self, num_features, affine, bias, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", ops.creation.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ops.creation.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked",
                                 ops.creation.tensor(0, dtype=dtypes.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input) -> None:
        """Raise ValueError naming the layer unless the input has one of ``self._dims``."""
        if input.dim() not in self._dims:
            want = " or ".join(f"{d}D" for d in self._dims)
            raise ValueError(f"{self._get_name()}({self.num_features}): expected {want} input "
                             f"(got {input.dim()}D input of shape {list(input.shape)})")

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    """y = γ·(x − μ)/√(σ² + ε) + β per channel (dim 1), μ and σ² over the batch and all
    positions."""

    _dims: tuple = ()

    def forward(self, input):
        self._check_input_dim(input)
        if (self.affine or self.track_running_stats) and input.shape[1] != self.num_features:
            raise RuntimeError(f"{self._get_name()}({self.num_features}): expected input with "
                               f"{self.num_features} channels (dim 1), got "
                               f"{input.shape[1]} channels in input of shape "
                               f"{list(input.shape)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:       # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        # batch statistics in training, and in evaluation when there are no running ones
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) inputs."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) inputs."""

    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalization of (N, C, D, H, W) inputs."""

    _dims = (5,)
