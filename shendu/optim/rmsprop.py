"""RMSprop: divide the step by a running root-mean-square of recent gradients."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _buffer, _step_count, _with_weight_decay

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """s ← αs + (1 − α)g²;  θ ← θ − lr·g / (√s + ε).

    ``centered`` subtracts the squared running mean of g (an estimate of the variance);
    ``momentum`` β keeps b ← βb + g / (√s + ε) and steps θ ← θ − lr·b.
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False):
        for name, v in (("learning rate", lr), ("epsilon value", eps),
                        ("momentum value", momentum), ("weight_decay value", weight_decay),
                        ("alpha value", alpha)):
            if v < 0.0:
                raise ValueError(f"Invalid {name}: {v}")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered,
                                      capturable=capturable, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable))

    def _update(self, p, g, state, group):
        _step_count(state)
        a = group["alpha"]
        g = _with_weight_decay(p, g, group["weight_decay"])
        s = _buffer(state, "square_avg", p)
        s *= a
        s += (1 - a) * g * g
        if group["centered"]:
            m = _buffer(state, "grad_avg", p)
            m *= a
            m += (1 - a) * g
            avg = np.sqrt(s - m * m) + group["eps"]
        else:
            avg = np.sqrt(s) + group["eps"]
        if group["momentum"] > 0:
            b = _buffer(state, "momentum_buffer", p)
            b *= group["momentum"]
            b += g / avg
            p -= group["lr"] * b
        else:
            p -= group["lr"] * g / avg
