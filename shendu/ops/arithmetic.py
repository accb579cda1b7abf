"""Arithmetic (四则运算): add, sub, mul, div, pow, neg, remainder, floor_divide.

Each op computes its value with NumPy and records a backward that applies the chain rule.
Gradients are returned in the broadcast shape of the output; the engine sums them back to
each input's shape, so ``x (3,1) + y (4)`` needs no special code here.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, apply_inplace, bump_version, check_inplace, record, tensor_method
from ._helpers import binary_operands, broadcast_error

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow",
           "neg", "negative", "remainder", "floor_divide", "rsub", "addcmul", "addcdiv", "lerp"]


def _compute(ufunc, x, y, name):
    try:
        return ufunc(x, y)
    except ValueError:
        raise broadcast_error(name, x, y) from None


@tensor_method
def add(input, other, *, alpha=1) -> Tensor:
    """z = x + α·y;  ∂L/∂x = g,  ∂L/∂y = α·g."""
    x, y, tx, ty = binary_operands(input, other, "add")
    if alpha != 1:
        y = y * alpha
    out = _compute(np.add, x, y, "add")

    def backward(g):
        return g, (g if alpha == 1 else g * alpha)
    return record(out, "AddBackward0", (tx, ty), backward)


@tensor_method
def sub(input, other, *, alpha=1) -> Tensor:
    """z = x − α·y;  ∂L/∂x = g,  ∂L/∂y = −α·g."""
    x, y, tx, ty = binary_operands(input, other, "sub")
    if isinstance(x, np.ndarray) and x.dtype == np.bool_:
        raise RuntimeError("sub: subtraction, the `-` operator, with bool tensors is not "
                           "supported; use the `^` or logical_xor() operator instead")
    if alpha != 1:
        y = y * alpha
    out = _compute(np.subtract, x, y, "sub")

    def backward(g):
        return g, -g if alpha == 1 else g * (-alpha)
    return record(out, "SubBackward0", (tx, ty), backward)


def rsub(input, other, *, alpha=1) -> Tensor:
    """other − α·input."""
    return sub(other, input * alpha if alpha != 1 else input)


@tensor_method
def mul(input, other) -> Tensor:
    """z = x·y (element-wise, 逐元素相乘);  ∂L/∂x = g·y,  ∂L/∂y = g·x."""
    x, y, tx, ty = binary_operands(input, other, "mul")
    out = _compute(np.multiply, x, y, "mul")
    a = input if tx is not None else x
    b = other if ty is not None else y

    def backward(g):
        return (g * b if tx is not None and tx._rg else None,
                g * a if ty is not None and ty._rg else None)
    return record(out, "MulBackward0", (tx, ty), backward, saved=_tensors(tx, ty))


@tensor_method
def div(input, other, *, rounding_mode: str | None = None) -> Tensor:
    """z = x / y;  ∂L/∂x = g / y,  ∂L/∂y = −g·x / y² = −(g / y)·z.

    ``rounding_mode`` "trunc" or "floor" rounds the quotient (no gradient then, as in PyTorch).
    """
    x, y, tx, ty = binary_operands(input, other, "div")
    if rounding_mode is not None:
        return _rounded_div(x, y, rounding_mode)
    if isinstance(x, np.ndarray) and x.dtype.kind != "f":
        x = x.astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _compute(np.true_divide, x, y, "div")
    if out.dtype == np.float64 and not _is64(x, y):     # int / int: the default float dtype
        out = out.astype(np.float32)
    b = other if ty is not None else y

    def backward(g, z):
        gx = g / b
        return gx, (-gx * z if ty is not None and ty._rg else None)
    return record(out, "DivBackward0", (tx, ty), backward, saved=_tensors(ty),
                  save_output=True)


def _is64(x, y) -> bool:
    return any(isinstance(v, np.ndarray) and v.dtype == np.float64 for v in (x, y))


def _rounded_div(x, y, mode):
    from ..tensor import _wrap
    if mode not in ("trunc", "floor"):
        raise ValueError(f"div: expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found '{mode}'")
    xa = np.asarray(x)
    if xa.dtype.kind in "iu" and np.any(np.asarray(y) == 0):
        raise RuntimeError("ZeroDivisionError: integer division by zero")
    with np.errstate(divide="ignore", invalid="ignore"):
        if mode == "floor":
            out = _compute(np.floor_divide, x, y, "div")
        elif xa.dtype.kind in "iu":
            q = _compute(np.true_divide, x, y, "div")
            out = np.trunc(q).astype(xa.dtype)
        else:
            out = np.trunc(_compute(np.true_divide, x, y, "div"))
    return _wrap(out)


@tensor_method
def floor_divide(input, other) -> Tensor:
    """⌊x / y⌋ (no gradient)."""
    x, y, _, _ = binary_operands(input, other, "floor_divide")
    return _rounded_div(x, y, "floor")


@tensor_method
def remainder(input, other) -> Tensor:
    """x − ⌊x / y⌋·y, with the sign of y (Python's %);  ∂L/∂x = g,  ∂L/∂y = −g·⌊x / y⌋."""
    x, y, tx, ty = binary_operands(input, other, "remainder")
    if isinstance(x, np.ndarray) and x.dtype.kind in "iu" and np.any(np.asarray(y) == 0):
        raise RuntimeError("ZeroDivisionError: remainder by zero")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _compute(np.remainder, x, y, "remainder")

    def backward(g):
        gy = None
        if ty is not None and ty._rg:
            with np.errstate(divide="ignore", invalid="ignore"):
                gy = -g * np.floor_divide(x, y)
        return g, gy
    return record(out, "RemainderBackward0", (tx, ty), backward, saved=_tensors(tx, ty))


@tensor_method
def pow(input, exponent) -> Tensor:
    """z = xᵃ;  ∂L/∂x = g·a·xᵃ⁻¹,  ∂L/∂a = g·z·ln x (0 where x = 0 and a ≥ 0)."""
    if not isinstance(input, Tensor):
        return _rpow(input, exponent)
    x, a, tx, ta = binary_operands(input, exponent, "pow")
    if isinstance(x, np.ndarray) and x.dtype.kind in "iu" and np.any(np.asarray(a) < 0):
        raise RuntimeError("pow: integers to negative integer powers are not allowed")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.square(x) if isinstance(a, (int, float)) and a == 2 else _compute(
            np.power, x, a, "pow")
    e = exponent if ta is not None else a

    def backward(g, z):
        gx = ga = None
        if tx._rg:
            if ta is None and a == 0:
                gx = g * 0
            elif ta is None and a == 2:
                gx = g * input * 2
            else:
                gx = g * e * input ** (e - 1)
                if ta is not None:
                    gx = _where(e == 0, 0.0, gx)
        if ta is not None and ta._rg:
            ga = _where((input == 0) & (e >= 0), 0.0, g * z * input.log())
        return gx, ga
    return record(out, "PowBackward0", (tx, ta), backward, saved=_tensors(tx, ta),
                  save_output=True)


def _rpow(base, exponent: Tensor) -> Tensor:
    """z = bˣ for a number b;  ∂L/∂x = g·z·ln b."""
    b, x, _, tx = binary_operands(base, exponent, "pow")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = _compute(np.power, b, x, "pow")
    lnb = float(np.log(base)) if base > 0 else (float("nan") if base < 0 else None)

    def backward(g, z):
        if lnb is None:            # 0 ** x: PyTorch gives gradient 0 where x >= 0
            return None, _where(exponent >= 0, 0.0, g * z * float("-inf"))
        return None, g * z * lnb
    return record(out, "PowBackward1", (None, tx), backward, save_output=True)


def _where(cond, a, b):
    from .pointwise import where
    return where(cond, a, b)


@tensor_method
def neg(input) -> Tensor:
    """z = −x;  ∂L/∂x = −g."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("neg: negation, the `-` operator, on a bool tensor is not supported; "
                           "use the `~` or logical_not() operator instead")
    return record(np.negative(input._data), "NegBackward0", (input,), _neg_backward)


def _neg_backward(g):
    return -g


negative = neg
subtract = sub
multiply = mul
divide = div
true_divide = div


@tensor_method
def addcmul(input, tensor1, tensor2, *, value=1) -> Tensor:
    """input + value·tensor1·tensor2 (used by optimizers)."""
    return input + value * (tensor1 * tensor2) if value != 1 else input + tensor1 * tensor2


@tensor_method
def addcdiv(input, tensor1, tensor2, *, value=1) -> Tensor:
    """input + value·tensor1/tensor2 (used by optimizers)."""
    return input + value * (tensor1 / tensor2) if value != 1 else input + tensor1 / tensor2


@tensor_method
def lerp(input, end, weight) -> Tensor:
    """input + weight·(end − input)."""
    return input + weight * (end - input)


def _tensors(*ts) -> tuple:
    return tuple(t for t in ts if t is not None)


# ----- in-place forms: x.add_(y), x += y ---------------------------------------------------

def _inplace_ufunc(self, other, ufunc, name, op, scale=None):
    """Fast path writes into ``self``'s buffer; recorded changes go through ``apply_inplace``."""
    if check_inplace(self, name, other):
        return apply_inplace(self, name, op, other)
    y = other._data if isinstance(other, Tensor) else other
    if scale is not None:
        y = y * scale
    try:
        ufunc(self._data, y, out=self._data, casting="same_kind")
    except TypeError:
        raise RuntimeError(f"{name}: result type of {self.dtype} and "
                           f"{getattr(other, 'dtype', type(other).__name__)} can't be cast to "
                           f"the desired output type {self.dtype}") from None
    except ValueError:
        raise RuntimeError(f"{name}: output with shape {list(self._data.shape)} doesn't match "
                           f"the broadcast shape of {list(np.shape(y))}") from None
    bump_version(self)
    return self


@tensor_method
def add_(self, other, *, alpha=1) -> Tensor:
    return _inplace_ufunc(self, other, np.add, "add_", lambda s, o: add(s, o, alpha=alpha),
                          None if alpha == 1 else alpha)


@tensor_method
def sub_(self, other, *, alpha=1) -> Tensor:
    return _inplace_ufunc(self, other, np.subtract, "sub_", lambda s, o: sub(s, o, alpha=alpha),
                          None if alpha == 1 else alpha)


@tensor_method
def mul_(self, other) -> Tensor:
    return _inplace_ufunc(self, other, np.multiply, "mul_", mul)


@tensor_method
def div_(self, other, *, rounding_mode=None) -> Tensor:
    if rounding_mode is not None or self._data.dtype.kind != "f":
        return apply_inplace(self, "div_", lambda s, o: div(s, o, rounding_mode=rounding_mode),
                             other)
    return _inplace_ufunc(self, other, np.true_divide, "div_", div)


@tensor_method
def pow_(self, exponent) -> Tensor:
    return apply_inplace(self, "pow_", pow, exponent)


@tensor_method
def neg_(self) -> Tensor:
    return apply_inplace(self, "neg_", neg)


@tensor_method
def remainder_(self, other) -> Tensor:
    return apply_inplace(self, "remainder_", remainder, other)


@tensor_method
def addcmul_(self, tensor1, tensor2, *, value=1) -> Tensor:
    if check_inplace(self, "addcmul_", tensor1, tensor2):
        return apply_inplace(self, "addcmul_", lambda s: addcmul(s, tensor1, tensor2,
                                                                 value=value))
    prod = np.multiply(tensor1._data, tensor2._data)
    if value != 1:
        prod *= value
    return _inplace_ufunc(self, prod, np.add, "addcmul_", None)


@tensor_method
def addcdiv_(self, tensor1, tensor2, *, value=1) -> Tensor:
    if check_inplace(self, "addcdiv_", tensor1, tensor2):
        return apply_inplace(self, "addcdiv_", lambda s: addcdiv(s, tensor1, tensor2,
                                                                 value=value))
    q = np.true_divide(tensor1._data, tensor2._data)
    if value != 1:
        q *= value
    return _inplace_ufunc(self, q, np.add, "addcdiv_", None)


@tensor_method
def lerp_(self, end, weight) -> Tensor:
    return apply_inplace(self, "lerp_", lerp, end, weight)


# ----- Python operators ----------------------------------------------------------------------

def _reflect(fn):
    return lambda self, other: fn(other, self)


Tensor.__add__ = add
Tensor.__radd__ = add
Tensor.__iadd__ = add_
Tensor.__sub__ = sub
Tensor.__rsub__ = _reflect(sub)
Tensor.__isub__ = sub_
Tensor.__mul__ = mul
Tensor.__rmul__ = mul
Tensor.__imul__ = mul_
Tensor.__truediv__ = div
Tensor.__rtruediv__ = _reflect(div)
Tensor.__itruediv__ = div_
Tensor.__floordiv__ = floor_divide
Tensor.__rfloordiv__ = _reflect(floor_divide)
Tensor.__ifloordiv__ = lambda self, other: apply_inplace(self, "floor_divide_", floor_divide,
                                                         other)
Tensor.__mod__ = remainder
Tensor.__rmod__ = _reflect(remainder)
Tensor.__imod__ = remainder_
Tensor.__pow__ = pow
Tensor.__rpow__ = _reflect(pow)
Tensor.__ipow__ = pow_
Tensor.__neg__ = neg
Tensor.__pos__ = lambda self: self
Tensor.subtract = sub
Tensor.multiply = mul
Tensor.divide = div
Tensor.true_divide = div
Tensor.negative = neg
