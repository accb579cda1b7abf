"""RAdam: Adam with the variance of the adaptive learning rate rectified in early steps
(Liu et al., 2019)."""

from __future__ import annotations

import math

import numpy as np

from .adam import _check
from .optimizer import Optimizer, _buffer, _step_count, _with_weight_decay

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """ρ_∞ = 2/(1 − β₂) − 1, ρ_t = ρ_∞ − 2tβ₂ᵗ/(1 − β₂ᵗ). While ρ_t ≤ 5 the step is plain
    momentum SGD θ ← θ − α·ŝ; after, θ ← θ − α·ŝ·r_t·√(1 − β₂ᵗ)/(√v + ε) with the rectifier
    r_t = √((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t))."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        _check(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      foreach=foreach, maximize=maximize, capturable=capturable,
                                      differentiable=differentiable))

    def _update(self, p, g, state, group):
        t = _step_count(state)
        lr, (b1, b2) = group["lr"], group["betas"]
        if group["decoupled_weight_decay"]:
            p *= 1 - lr * group["weight_decay"]
        else:
            g = _with_weight_decay(p, g, group["weight_decay"])
        m = _buffer(state, "exp_avg", p)
        v = _buffer(state, "exp_avg_sq", p)
        m += (1 - b1) * (g - m)
        v *= b2
        v += (1 - b2) * g * g
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        m_hat = m / bc1
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * b2 ** t / bc2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                             ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p -= m_hat * (lr * rect * math.sqrt(bc2)) / (np.sqrt(v) + group["eps"])
        else:
            p -= m_hat * lr
