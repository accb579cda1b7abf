"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

import numpy as np

from .adam import _check
from .optimizer import Optimizer, _buffer, _step_count, _with_weight_decay

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """s ← β₁s + (1 − β₁)g;  u ← max(β₂u, |g| + ε);  θ ← θ − α/(1 − β₁ᵗ)·s/u."""

    def __init__(self, params, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False):
        _check(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _update(self, p, g, state, group):
        t = _step_count(state)
        b1, b2 = group["betas"]
        g = _with_weight_decay(p, g, group["weight_decay"])
        m = _buffer(state, "exp_avg", p)
        u = _buffer(state, "exp_inf", p)
        m += (1 - b1) * (g - m)
        u *= b2
        np.maximum(u, np.abs(g) + group["eps"], out=u)
        p -= (group["lr"] / (1 - b1 ** t)) * m / u
