"""AdaDelta: AdaGrad's accumulator replaced by running averages, and a unit-correcting step."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _buffer, _step_count, _with_weight_decay

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """s ← ρs + (1 − ρ)g²;  Δ = √(u + ε) / √(s + ε) · g;  u ← ρu + (1 − ρ)Δ²;  θ ← θ − α·Δ."""

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach=None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, capturable=capturable, maximize=maximize,
                                      differentiable=differentiable))

    def _update(self, p, g, state, group):
        _step_count(state)
        rho, eps = group["rho"], group["eps"]
        g = _with_weight_decay(p, g, group["weight_decay"])
        s = _buffer(state, "square_avg", p)
        u = _buffer(state, "acc_delta", p)
        s *= rho
        s += (1 - rho) * g * g
        delta = np.sqrt(u + eps) / np.sqrt(s + eps) * g
        u *= rho
        u += (1 - rho) * delta * delta
        p -= group["lr"] * delta
