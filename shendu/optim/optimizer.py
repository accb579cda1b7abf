"""``Optimizer``: parameter groups, per-parameter state, ``zero_grad``, ``state_dict``, as
``torch.optim.Optimizer``. Subclasses implement ``_update(p, grad, state, group)`` with
in-place NumPy arithmetic on the parameter's array (no graph is recorded)."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor, _wrap, bump_version

__all__ = ["Optimizer", "required"]


class _Required:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class: holds ``param_groups`` (dicts of params and options) and ``state``."""

    def __init__(self, params: Iterable, defaults: dict):
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError(f"params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(g):
                if k != "params":
                    lines.append(f"    {k}: {g[k]}")
        lines.append(")")
        return "\n".join(lines)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options (the others come from defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params "
                                f"is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group, params=params)
        for k, v in self.defaults.items():
            if v is required and k not in group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {k}")
            group.setdefault(k, v)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set them to None (default) or to zeros in place."""
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad._data[...] = 0
                    bump_version(p.grad)

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; ``closure`` re-evaluates the
        loss and is called first (with gradients enabled) when given."""
        loss = None
        if closure is not None:
            from ..autograd.grad_mode import enable_grad
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._step_group(group)
        return loss

    def _step_group(self, group: dict) -> None:
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad._data
            if group.get("maximize", False):
                g = -g
            self._update(p._data, g, self.state[p], group)
            bump_version(p)

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        raise TypeError(f"{type(self).__name__} must implement _update")

    # ----- state_dict: parameters referred to by their index, as in PyTorch -------------------
    def state_dict(self) -> dict:
        ids: dict = {}
        groups = []
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            packed["params"] = []
            for p in g["params"]:
                ids.setdefault(id(p), len(ids))
                packed["params"].append(ids[id(p)])
            groups.append(packed)
        state = {ids[id(p)]: {k: (v.clone() if isinstance(v, Tensor) else v)
                              for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in ids}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = copy.deepcopy(state_dict)
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for mine, theirs in zip(self.param_groups, groups):
            if len(mine["params"]) != len(theirs["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 "match the size of optimizer's group")
        index = {}
        for mine, theirs in zip(self.param_groups, groups):
            for p, i in zip(mine["params"], theirs["params"]):
                index[i] = p
            for k, v in theirs.items():
                if k != "params":
                    mine[k] = v
        self.state = defaultdict(dict)
        for i, s in state_dict["state"].items():
            p = index.get(int(i))
            if p is None:
                continue
            self.state[p] = {k: _as_state(v, p, k) for k, v in s.items()}


def _as_state(v, p: Tensor, key: str):
    """A loaded state value, as a tensor in the parameter's dtype (steps stay float32)."""
    if isinstance(v, Tensor) or isinstance(v, np.ndarray):
        arr = v._data if isinstance(v, Tensor) else v
        if key == "step":
            return _wrap(np.array(arr, np.float32))
        return _wrap(np.array(arr, p._data.dtype))
    return v


def _step_count(state: dict) -> float:
    """Increment and return the step counter kept in the state (a 0-d float32 tensor, as
    PyTorch keeps it)."""
    st = state.get("step")
    if st is None:
        st = state["step"] = _wrap(np.zeros((), np.float32))
    st._data += 1
    return float(st._data)


def _buffer(state: dict, key: str, like: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """The array of a state buffer (momentum, moments, ...), created as ``fill`` on first use."""
    t = state.get(key)
    if t is None:
        t = state[key] = _wrap(np.full_like(like, fill))
    return t._data


def _with_weight_decay(p: np.ndarray, g: np.ndarray, wd: float) -> np.ndarray:
    """L2 regularisation (L2 正则化) as a gradient term: g + λ·θ."""
    return g + wd * p if wd else g
