"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule (Dozat, 2016)."""

from __future__ import annotations

import numpy as np

from ..tensor import _wrap
from .adam import _check
from .optimizer import Optimizer, _buffer, _step_count, _with_weight_decay

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """μ_t = β₁(1 − ½·0.96^(t·ψ)) (ψ = momentum_decay), Π_t = Π μ;
    s, r as in Adam;  θ ← θ − α(1 − μ_t)/(1 − Π_t)·g/d − α·μ_{t+1}/(1 − Π_t μ_{t+1})·s/d,
    with d = √(r / (1 − β₂ᵗ)) + ε."""

    def __init__(self, params, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False):
        _check(lr, betas, eps, weight_decay)
        if momentum_decay < 0.0:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      foreach=foreach, maximize=maximize, capturable=capturable,
                                      differentiable=differentiable))

    def _update(self, p, g, state, group):
        t = _step_count(state)
        lr, (b1, b2), psi = group["lr"], group["betas"], group["momentum_decay"]
        if group["decoupled_weight_decay"]:
            p *= 1 - lr * group["weight_decay"]
        else:
            g = _with_weight_decay(p, g, group["weight_decay"])
        if "mu_product" not in state:
            state["mu_product"] = _wrap(np.ones((), np.float32))
        mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        state["mu_product"]._data *= mu
        prod = float(state["mu_product"]._data)
        m = _buffer(state, "exp_avg", p)
        v = _buffer(state, "exp_avg_sq", p)
        m += (1 - b1) * (g - m)
        v *= b2
        v += (1 - b2) * g * g
        denom = np.sqrt(v / (1 - b2 ** t)) + group["eps"]
        p -= (lr * (1 - mu) / (1 - prod)) * g / denom
        p -= (lr * mu_next / (1 - prod * mu_next)) * m / denom
