"""Instance normalization layers: InstanceNorm1d/2d/3d. Each (sample, channel) feature map
is normalized over its own positions: y = γ·(x − μ)/√(σ² + ε) + β. By default there are no
parameters (``affine=False``) and no running statistics (``track_running_stats=False``);
inputs may come without the batch dimension."""

from __future__ import annotations

import warnings

from .. import functional as F
from .batchnorm import _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_NormBase):
    _dims: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None, *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def _apply_instance_norm(self, input):
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight,
                               self.bias, self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)

    def forward(self, input):
        self._check_input_dim(input)
        unbatched = input.dim() == self._dims[0]     # (C, *) without the batch dimension
        feature_dim = 0 if unbatched else 1
        got = input.shape[feature_dim]
        if got != self.num_features:
            if self.affine:
                raise ValueError(f"{self._get_name()}({self.num_features}): expected input's "
                                 f"size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {got}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You "
                          f"can silence this warning by not passing in num_features, which "
                          f"is not used because affine=False", stacklevel=2)
        if unbatched:
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of (N, C, L) or (C, L) inputs."""

    _dims = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of (N, C, H, W) or (C, H, W) inputs."""

    _dims = (3, 4)


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of (N, C, D, H, W) or (C, D, H, W) inputs."""

    _dims = (4, 5)
