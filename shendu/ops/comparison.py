"""Comparisons and logic: ==, <, >, logical and/or/xor/not, bitwise ops, isnan, isinf,
isfinite, isclose, allclose, equal. Their outputs are bool tensors and carry no gradient."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _wrap, tensor_method
from ._helpers import binary_operands, broadcast_error

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
           "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "isnan", "isinf",
           "isfinite", "isposinf", "isneginf", "isclose", "allclose", "equal"]


def _binary(name: str, ufunc):
    def op(input, other) -> Tensor:
        x, y, _, _ = binary_operands(input, other, name)
        try:
            return _wrap(ufunc(x, y))
        except ValueError:
            raise broadcast_error(name, x, y) from None
        except TypeError:
            raise RuntimeError(f"{name}: not supported for {np.asarray(x).dtype} and "
                               f"{np.asarray(y).dtype} tensors") from None
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Element-wise ``{name}`` (no gradient)."
    return tensor_method(op)


eq = _binary("eq", np.equal)
ne = _binary("ne", np.not_equal)
lt = _binary("lt", np.less)
le = _binary("le", np.less_equal)
gt = _binary("gt", np.greater)
ge = _binary("ge", np.greater_equal)
logical_and = _binary("logical_and", np.logical_and)
logical_or = _binary("logical_or", np.logical_or)
logical_xor = _binary("logical_xor", np.logical_xor)
bitwise_and = _binary("bitwise_and", np.bitwise_and)
bitwise_or = _binary("bitwise_or", np.bitwise_or)
bitwise_xor = _binary("bitwise_xor", np.bitwise_xor)
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
        raise RuntimeError("bitwise_not: not supported for floating point tensors")
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
    """|x − y| ≤ atol + rtol·|y|, element-wise."""
    x, y, _, _ = binary_operands(input, other, "isclose")
    return _wrap(np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan))


@tensor_method
def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@tensor_method
def equal(input, other) -> bool:
    """True when both have the same shape and values."""
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data,
                                                                          other._data))


Tensor.__eq__ = eq
Tensor.__ne__ = ne
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
Tensor.__invert__ = bitwise_not


def _logical_inplace(name, fn):
    def op(self, other) -> Tensor:
        from ..tensor import _store
        _store(self, fn(self, other)._data, name)
        return self
    return op


Tensor.__iand__ = _logical_inplace("__iand__", bitwise_and)
Tensor.__ior__ = _logical_inplace("__ior__", bitwise_or)
Tensor.__ixor__ = _logical_inplace("__ixor__", bitwise_xor)
Tensor.logical_and_ = _logical_inplace("logical_and_", logical_and)
Tensor.logical_or_ = _logical_inplace("logical_or_", logical_or)
