"""Shared pieces of the op families: turning arguments into arrays with PyTorch's promotion,
and errors that name the op and the shapes."""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..tensor import Tensor, _norm_dim, _wrap

__all__ = ["binary_operands", "operand", "broadcast_error", "norm_dim", "norm_dims",
           "as_tensor_arg", "float_array"]

norm_dim = _norm_dim


def _scalar(x, name: str):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (bool, int, float)):
        return x
    if isinstance(x, np.ndarray):
        return x
    raise TypeError(f"{name}: expected a Tensor or a number, got {type(x).__name__}")


def operand(x, name: str):
    """(array or Python scalar, tensor or None) for one argument of an op."""
    if isinstance(x, Tensor):
        return x._data, x
    return _scalar(x, name), None


def binary_operands(a, b, name: str):
    """Arrays for ``a`` and ``b`` in their PyTorch result dtype, and the tensor inputs.

    Python scalars stay Python scalars, so NumPy's weak-scalar rule keeps float32 float32.
    """
    x, ta = operand(a, name)
    y, tb = operand(b, name)
    xd = x.dtype if isinstance(x, np.ndarray) else None
    yd = y.dtype if isinstance(y, np.ndarray) else None
    if xd is not None and xd is yd:
        return x, y, ta, tb
    rd = dtypes.result_np(x, y)
    if xd is not None and xd != rd:
        x = x.astype(rd)
    if yd is not None and yd != rd:
        y = y.astype(rd)
    if xd is None and isinstance(x, (bool, int)):
        x = float(x) if rd.kind == "f" else _fit_int(x, rd)
    if yd is None and isinstance(y, (bool, int)):
        y = float(y) if rd.kind == "f" else _fit_int(y, rd)
    if xd is None and yd is None:
        x = np.asarray(x, rd)
    return x, y, ta, tb


def _fit_int(v, npd: np.dtype):
    """A Python int in an integer op: one outside ``npd``'s range wraps around (two's
    complement), as PyTorch casts it (``uint8 + 300`` adds 44)."""
    if npd.kind == "b" or isinstance(v, bool):
        return v
    info = np.iinfo(npd)
    if info.min <= v <= info.max:
        return v
    return np.array(v & 0xFFFF_FFFF_FFFF_FFFF, np.uint64).astype(npd)[()]


def broadcast_error(name: str, *arrays) -> RuntimeError:
    shapes = [np.shape(a) for a in arrays]
    nd = max(len(s) for s in shapes)
    padded = [(1,) * (nd - len(s)) + tuple(s) for s in shapes]
    for d in range(nd):
        sizes = {p[d] for p in padded if p[d] != 1}
        if len(sizes) > 1:
            sa, sb = [p[d] for p in padded if p[d] != 1][:2]
            return RuntimeError(
                f"{name}: the size of tensor a ({sa}) must match the size of tensor b ({sb}) "
                f"at non-singleton dimension {d} (shapes "
                f"{', '.join(str(list(s)) for s in shapes)} cannot be broadcast)")
    return RuntimeError(f"{name}: shapes {', '.join(str(list(s)) for s in shapes)} cannot be "
                        f"broadcast")


def norm_dims(dim, ndim: int, name: str) -> tuple:
    """A tuple of non-negative dims from an int, a sequence, or None (all dims)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (_norm_dim(int(dim), ndim, name),)
    dims = tuple(_norm_dim(int(d), ndim, name) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{name}: dim {list(dim)} appears multiple times in the list of dims")
    return dims


def as_tensor_arg(x, name: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    try:
        return _wrap(np.asarray(x))
    except Exception:
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}") from None


def float_array(x: np.ndarray) -> np.ndarray:
    """Integer and bool inputs of float-valued ops (exp, sqrt, ...) become the default dtype."""
    return x if x.dtype.kind == "f" else x.astype(dtypes.get_default_dtype().np)


_INT_OF_SIZE = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}


def select(c: np.ndarray, a, b) -> np.ndarray:
    """``np.where(c, a, b)`` for a bool mask, exact (NaNs, −0.0 and all), without a branch per
    element: with a random mask NumPy's where mispredicts about every other element and runs
    several times slower than this bitwise blend b ^ ((a ^ b) & −c) on the values' bits."""
    if not isinstance(a, np.ndarray):           # a Python number takes the other's dtype
        a = np.asarray(a, b.dtype if isinstance(b, np.ndarray) else None)
    if not isinstance(b, np.ndarray):
        b = np.asarray(b, a.dtype)
    dt = a.dtype if a.dtype == b.dtype else np.result_type(a, b)
    if c.size < 4096 or dt.kind not in "fiu" or c.dtype != np.bool_:
        return np.where(c, a, b)
    it = _INT_OF_SIZE[dt.itemsize]
    ai = a.astype(dt, copy=False).view(it)
    bi = b.astype(dt, copy=False).view(it)
    mask = c.view(np.uint8).astype(it)
    np.negative(mask, out=mask)
    out = np.bitwise_and(np.bitwise_xor(ai, bi), mask)    # the full broadcast shape
    out ^= bi
    return out.view(dt)
