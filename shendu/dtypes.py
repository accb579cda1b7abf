"""Data types (数据类型) and PyTorch's type-promotion rules.

A shendu dtype names a NumPy dtype. Tensors are float32 by default, as in PyTorch.
Promotion follows PyTorch, not NumPy: an int tensor and a float tensor give the float
tensor's dtype (NumPy would widen to float64), and Python scalars and 0-d tensors do not
widen a tensor that has dimensions within the same category (bool < int < float).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "dtype", "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
    "bool_", "get_default_dtype", "set_default_dtype", "promote_types", "as_dtype",
]


class dtype:
    """A tensor element type, e.g. ``shendu.float32``."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "category")

    def __init__(self, name: str, np_type, category: int):
        self.name = name
        self.np = np.dtype(np_type)
        self.category = category  # 0 bool, 1 integer, 2 floating point
        self.is_floating_point = category == 2
        self.is_signed = self.np.kind in "if"
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return "shendu." + self.name

    def __reduce__(self):
        return (as_dtype, (self.name,))

    @property
    def is_complex(self) -> bool:
        return False


float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
bool_ = dtype("bool", np.bool_, 0)

_ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool_)
_FROM_NP: dict[np.dtype, dtype] = {d.np: d for d in _ALL}
_BY_NAME: dict[str, dtype] = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, float=float32, double=float64, short=int16, int=int32, long=int64)

_default = [float32]


def get_default_dtype() -> dtype:
    """The dtype that Python floats and ``shendu.tensor([1.0])`` become (float32)."""
    return _default[0]


def set_default_dtype(d) -> None:
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point types are supported, got {d}")
    _default[0] = d


def as_dtype(d) -> dtype:
    """shendu dtype from a shendu dtype, NumPy dtype, Python type or name."""
    if isinstance(d, dtype):
        return d
    if d is float:          # Python's float is a double, as in PyTorch
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    try:
        return _FROM_NP[np.dtype(d)]
    except (TypeError, KeyError):
        raise TypeError(f"unsupported dtype {d!r}; shendu supports "
                        f"{', '.join(x.name for x in _ALL)}") from None


def from_np(npd: np.dtype) -> dtype:
    try:
        return _FROM_NP[npd]
    except KeyError:
        raise TypeError(f"unsupported NumPy dtype {npd}; shendu supports "
                        f"{', '.join(x.name for x in _ALL)}") from None


def _category(npd: np.dtype) -> int:
    k = npd.kind
    return 2 if k == "f" else (0 if k == "b" else 1)


def promote_np(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promote_types on NumPy dtypes: within a category widen, across take the higher."""
    if a is b or a == b:
        return a
    ca, cb = _category(a), _category(b)
    if ca == cb:
        return np.promote_types(a, b)
    return a if ca > cb else b


def promote_types(a, b) -> dtype:
    """``shendu.promote_types(int64, float32)`` is float32, as in PyTorch."""
    return _FROM_NP[promote_np(as_dtype(a).np, as_dtype(b).np)]


def _scalar_np(x) -> np.dtype:
    if isinstance(x, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(x, (int, np.integer)):
        return np.dtype(np.int64)
    return _default[0].np


def result_np(*operands) -> np.dtype:
    """Result dtype of an op on tensors' arrays and Python scalars, by PyTorch's three tiers:
    tensors with dimensions, then 0-d tensors, then Python scalars; a lower tier only counts
    when its category is higher than everything above it."""
    tiers: list[np.dtype | None] = [None, None, None]
    for x in operands:
        if isinstance(x, np.ndarray):
            tier, d = (0 if x.ndim else 1), x.dtype
        else:
            tier, d = 2, _scalar_np(x)
        cur = tiers[tier]
        tiers[tier] = d if cur is None else promote_np(cur, d)
    out = None
    for d in tiers:
        if d is None:
            continue
        if out is None:
            out = d
        elif _category(d) > _category(out):
            out = promote_np(out, d)
    return out
