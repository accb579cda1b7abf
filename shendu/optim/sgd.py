"""Stochastic gradient descent (随机梯度下降), with momentum (动量) and Nesterov momentum."""

from __future__ import annotations

import numpy as np

from ..tensor import _wrap
from .optimizer import Optimizer, _with_weight_decay, required

__all__ = ["SGD"]


class SGD(Optimizer):
    """θ ← θ − α·g.

    With momentum β the notes write v = βv − αg, θ = θ + v; PyTorch's equivalent form keeps
    b = βb + (1 − dampening)·g and steps θ ← θ − α·b (the first step takes b = g).
    Nesterov (NAG) looks ahead: θ ← θ − α·(g + β·b). ``weight_decay`` λ adds λθ to g.
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None):
        if lr is not required and lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _update(self, p, g, state, group):
        lr, mom = group["lr"], group["momentum"]
        g = _with_weight_decay(p, g, group["weight_decay"])
        if mom:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = _wrap(np.array(g, copy=True))
            else:
                b = buf._data
                b *= mom
                b += (1 - group["dampening"]) * g
            g = g + mom * buf._data if group["nesterov"] else buf._data
        p -= lr * g
