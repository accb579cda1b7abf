"""AdaGrad: a per-parameter learning rate that shrinks with the accumulated squared gradients."""

from __future__ import annotations

import numpy as np

from ..tensor import _wrap
from .optimizer import Optimizer, _buffer, _step_count, _with_weight_decay

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """s ← s + g²;  θ ← θ − α_t·g / (√s + ε),  with α_t = α / (1 + (t − 1)·lr_decay)."""

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None):
        for name, v in (("learning rate", lr), ("lr_decay value", lr_decay),
                        ("weight_decay value", weight_decay),
                        ("initial_accumulator_value", initial_accumulator_value),
                        ("epsilon value", eps)):
            if v < 0.0:
                raise ValueError(f"Invalid {name}: {v}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, fused=fused))
        for group in self.param_groups:       # PyTorch creates Adagrad's state up front
            for p in group["params"]:
                self.state[p]["step"] = _wrap(np.zeros((), np.float32))
                _buffer(self.state[p], "sum", p._data, group["initial_accumulator_value"])

    def _update(self, p, g, state, group):
        t = _step_count(state)
        g = _with_weight_decay(p, g, group["weight_decay"])
        s = _buffer(state, "sum", p, group["initial_accumulator_value"])
        s += g * g
        clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        p -= clr * g / (np.sqrt(s) + group["eps"])
