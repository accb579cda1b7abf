"""Adam (Adaptive moment estimation, 自适应矩估计): momentum on the gradient and on its square,
each with a bias correction for the first steps."""

from __future__ import annotations

import math

import numpy as np

from .optimizer import Optimizer, _buffer, _step_count, _with_weight_decay

__all__ = ["Adam"]


def _check(lr, betas, eps, weight_decay):
    if lr < 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")
    if eps < 0.0:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if weight_decay < 0.0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def adam_step(p, g, state, group, t):
    """The Adam update on arrays, shared with AdamW:

    s ← β₁s + (1 − β₁)g,  r ← β₂r + (1 − β₂)g²   (first and second moments)
    ŝ = s / (1 − β₁ᵗ),  r̂ = r / (1 − β₂ᵗ)       (bias correction)
    θ ← θ − α·ŝ / (√r̂ + ε)   (amsgrad: the running maximum of r in place of r)
    """
    b1, b2 = group["betas"]
    m = _buffer(state, "exp_avg", p)
    v = _buffer(state, "exp_avg_sq", p)
    m += (1 - b1) * (g - m)
    v *= b2
    v += (1 - b2) * g * g
    bc1 = 1 - b1 ** t
    bc2_sqrt = math.sqrt(1 - b2 ** t)
    if group["amsgrad"]:
        vmax = _buffer(state, "max_exp_avg_sq", p)
        np.maximum(vmax, v, out=vmax)
        v = vmax
    denom = np.sqrt(v) / bc2_sqrt + group["eps"]
    p -= (group["lr"] / bc1) * m / denom


class Adam(Optimizer):
    """Adam; ``weight_decay`` λ adds λθ to the gradient (L2), unlike AdamW."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused=None, decoupled_weight_decay: bool = False):
        _check(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      foreach=foreach, maximize=maximize, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, p, g, state, group):
        t = _step_count(state)
        if group.get("decoupled_weight_decay"):
            p *= 1 - group["lr"] * group["weight_decay"]
        else:
            g = _with_weight_decay(p, g, group["weight_decay"])
        adam_step(p, g, state, group, t)
