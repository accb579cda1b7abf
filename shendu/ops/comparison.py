"""Comparisons and logic: ==, <, >, logical and/or/xor/not, bitwise ops, isnan, isinf,
isfinite, isclose, allclose, equal. Their outputs are bool tensors and carry no gradient."""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..tensor import Tensor, _store, _wrap, tensor_method
from ._helpers import binary_operands, broadcast_error

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
           "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "isnan", "isinf",
           "isfinite", "isposinf", "isneginf", "isclose", "allclose", "equal"]


def _binary(name: str, ufunc, integral: bool = False):
    """An element-wise op with a bool (or, for bitwise ops, ``integral``) result."""
    def op(input, other) -> Tensor:
        x, y, _, _ = binary_operands(input, other, name)
        if integral and np.result_type(x, y).kind == "f":
            raise NotImplementedError(
                f"{name}: not implemented for floating-point tensors (got "
                f"{_dtype_name(input)} and {_dtype_name(other)}); bitwise ops take integer or "
                f"bool tensors")
        try:
            return _wrap(ufunc(x, y))
        except ValueError:
            raise broadcast_error(name, x, y) from None
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Element-wise ``{name}`` (no gradient)."
    return tensor_method(op)


def _dtype_name(v) -> str:
    return str(v.dtype) if isinstance(v, Tensor) else type(v).__name__


eq = _binary("eq", np.equal)
ne = _binary("ne", np.not_equal)
lt = _binary("lt", np.less)
le = _binary("le", np.less_equal)
gt = _binary("gt", np.greater)
ge = _binary("ge", np.greater_equal)
logical_and = _binary("logical_and", np.logical_and)
logical_or = _binary("logical_or", np.logical_or)
logical_xor = _binary("logical_xor", np.logical_xor)
bitwise_and = _binary("bitwise_and", np.bitwise_and, integral=True)
bitwise_or = _binary("bitwise_or", np.bitwise_or, integral=True)
bitwise_xor = _binary("bitwise_xor", np.bitwise_xor, integral=True)
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
Tensor.greater, Tensor.greater_equal, Tensor.less, Tensor.less_equal = gt, ge, lt, le
Tensor.not_equal = ne


def _unary(name: str, fn):
    def op(input) -> Tensor:
        return _wrap(fn(input._data))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Element-wise ``{name}`` (bool result, no gradient)."
    return tensor_method(op)


def _bitwise_not(a):
    if a.dtype.kind == "f":
        raise NotImplementedError(f"bitwise_not: not implemented for {dtypes.from_np(a.dtype)} "
                                  f"tensors; bitwise ops take integer or bool tensors")
    return np.invert(a)


logical_not = _unary("logical_not", np.logical_not)
bitwise_not = _unary("bitwise_not", _bitwise_not)
isnan = _unary("isnan", np.isnan)
isinf = _unary("isinf", np.isinf)
isfinite = _unary("isfinite", np.isfinite)
isposinf = _unary("isposinf", np.isposinf)
isneginf = _unary("isneginf", np.isneginf)


@tensor_method
def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|x − y| ≤ atol + rtol·|y|, element-wise (equal infinities are close; NaNs only with
    ``equal_nan``)."""
    if not isinstance(other, Tensor):
        raise TypeError(f"isclose(): argument 'other' must be Tensor, not "
                        f"{type(other).__name__}")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"isclose: {input.dtype} did not match {other.dtype}; both tensors "
                           f"must have the same dtype")
    for n, v in (("rtol", rtol), ("atol", atol)):
        if not v >= 0:
            raise RuntimeError(f"isclose: {n} must be greater than or equal to zero, but got {v}")
    x, y = input._data, other._data
    try:
        return _wrap(np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan))
    except ValueError:
        raise broadcast_error("isclose", x, y) from None


@tensor_method
def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@tensor_method
def equal(input, other) -> bool:
    """True when both have the same shape and values."""
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data,
                                                                          other._data))


def _operator(fn):
    """``==`` and ``!=`` with a non-number give NotImplemented, so that Python answers (as
    PyTorch: ``t == None`` is False)."""
    def op(self, other):
        if not isinstance(other, (Tensor, bool, int, float, np.generic, np.ndarray)):
            return NotImplemented
        return fn(self, other)
    return op


Tensor.__eq__ = _operator(eq)
Tensor.__ne__ = _operator(ne)
Tensor.__lt__ = lt
Tensor.__le__ = le
Tensor.__gt__ = gt
Tensor.__ge__ = ge
Tensor.__and__ = bitwise_and
Tensor.__rand__ = bitwise_and
Tensor.__or__ = bitwise_or
Tensor.__ror__ = bitwise_or
Tensor.__xor__ = bitwise_xor
Tensor.__rxor__ = bitwise_xor


def _invert(self) -> Tensor:
    if self._data.dtype.kind == "f":
        raise TypeError(f"~ (operator.invert) is only implemented on integer and bool tensors, "
                        f"got {self.dtype}")
    return bitwise_not(self)


Tensor.__invert__ = _invert


def _logical_inplace(name, fn):
    """In-place form: the result is cast back to the tensor's own dtype (a float stays float)."""
    def op(self, *other) -> Tensor:
        _store(self, fn(self, *other)._data, name)
        return self
    op.__name__ = op.__qualname__ = name
    return op


Tensor.__iand__ = Tensor.bitwise_and_ = _logical_inplace("bitwise_and_", bitwise_and)
Tensor.__ior__ = Tensor.bitwise_or_ = _logical_inplace("bitwise_or_", bitwise_or)
Tensor.__ixor__ = Tensor.bitwise_xor_ = _logical_inplace("bitwise_xor_", bitwise_xor)
Tensor.bitwise_not_ = _logical_inplace("bitwise_not_", bitwise_not)
Tensor.logical_and_ = _logical_inplace("logical_and_", logical_and)
Tensor.logical_or_ = _logical_inplace("logical_or_", logical_or)
Tensor.logical_xor_ = _logical_inplace("logical_xor_", logical_xor)
Tensor.logical_not_ = _logical_inplace("logical_not_", logical_not)
