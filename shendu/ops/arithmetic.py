"""Arithmetic (四则运算): add, sub, mul, div, pow, neg, remainder, floor_divide, addcmul, addcdiv,
lerp, their in-place forms and the Python operators.

Each op computes its value with NumPy and records a backward that applies the chain rule.
Gradients are returned in the broadcast shape of the output; the engine sums them back to
each input's shape, so ``x (3,1) + y (4)`` needs no special code here.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import (Tensor, _wrap, apply_inplace, bump_version, check_inplace, record,
                      tensor_method)
from ._helpers import _fit_int, binary_operands, broadcast_error

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow",
           "neg", "negative", "positive", "remainder", "floor_divide", "rsub", "addcmul",
           "addcdiv", "lerp"]


def _compute(ufunc, x, y, name):
    try:
        return ufunc(x, y)
    except ValueError:
        raise broadcast_error(name, x, y) from None


def _result_dtype(x, y) -> np.dtype:
    """The dtype of ``binary_operands``' results (at least one of them is an array)."""
    return x.dtype if isinstance(x, np.ndarray) else y.dtype


def _scaled(y, alpha, rd: np.dtype, name: str):
    """α·y for add and sub, with PyTorch's checks on α."""
    if rd.kind != "b" and isinstance(alpha, (bool, np.bool_)):
        raise RuntimeError(f"{name}: boolean alpha only supported for boolean results, got "
                           f"{dtypes.from_np(rd)}")
    if rd.kind != "f" and isinstance(alpha, (float, np.floating)):
        raise RuntimeError(f"{name}: for integral input tensors ({dtypes.from_np(rd)}), "
                           f"argument alpha must not be a floating point number, got {alpha}")
    if rd.kind == "b":
        return np.logical_and(y, bool(alpha))
    return y * alpha


@tensor_method
def add(input, other, *, alpha=1) -> Tensor:
    """z = x + α·y;  ∂L/∂x = g,  ∂L/∂y = α·g."""
    x, y, tx, ty = binary_operands(input, other, "add")
    if alpha != 1 or alpha is True:
        y = _scaled(y, alpha, _result_dtype(x, y), "add")
    out = _compute(np.add, x, y, "add")

    def backward(g):
        return g, (g if alpha == 1 else g * alpha)
    return record(out, "AddBackward0", (tx, ty), backward)


@tensor_method
def sub(input, other, *, alpha=1) -> Tensor:
    """z = x − α·y;  ∂L/∂x = g,  ∂L/∂y = −α·g."""
    a_bool, b_bool = _is_bool(input), _is_bool(other)
    if a_bool and b_bool:
        raise RuntimeError("sub: subtraction, the `-` operator, with two bool tensors is not "
                           "supported; use the `^` or logical_xor() operator instead")
    if a_bool or b_bool:
        raise RuntimeError("sub: subtraction, the `-` operator, with a bool tensor is not "
                           "supported; to invert a mask, use the `~` or logical_not() operator "
                           "instead")
    x, y, tx, ty = binary_operands(input, other, "sub")
    if alpha != 1 or alpha is True:
        y = _scaled(y, alpha, _result_dtype(x, y), "sub")
    out = _compute(np.subtract, x, y, "sub")

    def backward(g):
        return g, -g if alpha == 1 else g * (-alpha)
    return record(out, "SubBackward0", (tx, ty), backward)


def _is_bool(v) -> bool:
    if isinstance(v, Tensor):
        return v._data.dtype == np.bool_
    return isinstance(v, (bool, np.bool_))


def rsub(input, other, *, alpha=1) -> Tensor:
    """other − α·input."""
    return sub(other, input, alpha=alpha)


@tensor_method
def mul(input, other) -> Tensor:
    """z = x·y (element-wise, 逐元素相乘);  ∂L/∂x = g·y,  ∂L/∂y = g·x."""
    x, y, tx, ty = binary_operands(input, other, "mul")
    out = _compute(np.multiply, x, y, "mul")
    # as PyTorch, keep x only when y needs a gradient and y only when x does
    need_x, need_y = tx is not None and tx._rg, ty is not None and ty._rg
    a = (input if tx is not None else x) if need_y else None
    b = (other if ty is not None else y) if need_x else None

    def backward(g):
        if is_grad_enabled():           # building a graph of the gradient: shendu ops
            return (g * b if need_x else None), (g * a if need_y else None)
        gd = g._data                    # else the same products on arrays
        return (_wrap(gd * _raw(b)) if need_x else None), (_wrap(gd * _raw(a)) if need_y else None)
    return record(out, "MulBackward0", (tx, ty), backward,
                  saved=tuple(t for t in (a, b) if isinstance(t, Tensor)))


def _raw(v):
    return v._data if isinstance(v, Tensor) else v


@tensor_method
def div(input, other, *, rounding_mode: str | None = None) -> Tensor:
    """z = x / y;  ∂L/∂x = g / y,  ∂L/∂y = −g·x / y² = −(g / y)·z.

    ``rounding_mode`` "trunc" or "floor" rounds the quotient (gradient 0 then, as in PyTorch).
    """
    x, y, tx, ty = binary_operands(input, other, "div")
    if rounding_mode is not None:
        return _rounded_div(x, y, tx, ty, rounding_mode, "div")
    if _result_dtype(x, y).kind != "f":         # int / int: the default float dtype
        d = dtypes.get_default_dtype().np
        x = x.astype(d) if isinstance(x, np.ndarray) else float(x)
        y = y.astype(d) if isinstance(y, np.ndarray) else float(y)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = _compute(np.true_divide, x, y, "div")
    b = other if ty is not None else y

    def backward(g, z):
        gx = g / b
        return gx, (-gx * z if ty is not None and ty._rg else None)
    return record(out, "DivBackward0", (tx, ty), backward, saved=_tensors(ty),
                  save_output=True)


def _rounded_div(x, y, tx, ty, mode, name):
    """x / y rounded toward 0 ("trunc") or −∞ ("floor"); its gradient is 0 (as PyTorch's
    ``div`` with a rounding mode), so integer parts can sit inside a differentiated graph."""
    if mode not in ("trunc", "floor"):
        raise RuntimeError(f"{name}: expected rounding_mode to be one of None, 'trunc', or "
                           f"'floor' but found {mode!r}")
    _no_bool(x, y, name)
    integral = _result_dtype(x, y).kind in "iu"
    if integral and np.any(np.asarray(y) == 0):
        raise RuntimeError(f"{name}: ZeroDivisionError: integer division by zero")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if mode == "floor":
            out = _compute(np.floor_divide, x, y, name)
        elif integral:       # exact: x − fmod(x, y) is a multiple of y
            out = np.floor_divide(x - _compute(np.fmod, x, y, name), y)
        else:
            out = np.trunc(_compute(np.true_divide, x, y, name))
    return record(out, "DivBackward2", (tx, ty), _zero_grads)


def _no_bool(x, y, name):
    if _result_dtype(x, y).kind == "b":
        raise NotImplementedError(f"{name}: not implemented for bool tensors")


def _zero_grads(g):
    return g * 0, g * 0


@tensor_method
def floor_divide(input, other) -> Tensor:
    """⌊x / y⌋, gradient 0 (PyTorch raises when differentiating through it)."""
    x, y, tx, ty = binary_operands(input, other, "floor_divide")
    return _rounded_div(x, y, tx, ty, "floor", "floor_divide")


@tensor_method
def remainder(input, other) -> Tensor:
    """x − ⌊x / y⌋·y, with the sign of y (Python's %);  ∂L/∂x = g,  ∂L/∂y = −g·⌊x / y⌋."""
    x, y, tx, ty = binary_operands(input, other, "remainder")
    _no_bool(x, y, "remainder")
    if _result_dtype(x, y).kind in "iu" and np.any(np.asarray(y) == 0):
        raise RuntimeError("remainder: ZeroDivisionError: integer remainder by zero")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _compute(np.remainder, x, y, "remainder")

    def backward(g):
        gy = None
        if ty is not None and ty._rg:
            gy = -g * floor_divide(input, other)
        return g, gy
    return record(out, "RemainderBackward0", (tx, ty), backward, saved=_tensors(tx, ty))


@tensor_method
def pow(input, exponent) -> Tensor:
    """z = xᵃ;  ∂L/∂x = g·a·xᵃ⁻¹,  ∂L/∂a = g·z·ln x (0 where x = 0 and a ≥ 0)."""
    if not isinstance(input, Tensor):
        return _rpow(input, exponent)
    x, a, tx, ta = binary_operands(input, exponent, "pow")
    if x.dtype.kind in "iub":
        if ta is None and a < 0:
            raise RuntimeError(f"pow: integers to negative integer powers are not allowed "
                               f"(a {input.dtype} tensor to the power {exponent})")
        return _wrap(_int_power(x, a))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.square(x) if isinstance(a, (int, float)) and a == 2 else _compute(
            np.power, x, a, "pow")
    if ta is None:
        # a number exponent: only x is kept (as PyTorch), so x**a may then change in place
        def backward_scalar(g):
            if a == 0:
                return g * 0, None
            if a == 2:
                return g * input * 2, None
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                return g * a * input ** (a - 1), None
        return record(out, "PowBackward0", (tx, None), backward_scalar, saved=(tx,))

    def backward(g, z):
        gx = ga = None
        # 0·∞ terms at x = 0 are masked by the where()s below; NumPy need not warn about them
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if tx._rg:
                gx = _where(exponent == 0, 0.0, g * exponent * input ** (exponent - 1))
            if ta._rg:
                ga = _where((input == 0) & (exponent >= 0), 0.0, g * z * input.log())
        return gx, ga
    return record(out, "PowBackward1", (tx, ta), backward, saved=(tx, ta), save_output=True)


def _int_power(x, a) -> np.ndarray:
    """xᵃ on integers; a negative power is 0 except for bases ±1 (as PyTorch: 1/x truncated)."""
    if np.asarray(x).dtype == np.bool_ and np.asarray(a).dtype == np.bool_:
        raise NotImplementedError("pow: not implemented for bool base and exponent tensors")
    neg = np.asarray(a) < 0
    if not neg.any():
        return _compute(np.power, x, a, "pow")
    p = _compute(np.power, x, np.where(neg, 0, a), "pow")
    odd = np.remainder(a, 2) == 1
    special = np.where(x == 1, 1, np.where(x == -1, np.where(odd, -1, 1), 0))
    return np.where(neg, special, p).astype(p.dtype)


def _rpow(base, exponent: Tensor) -> Tensor:
    """z = bˣ for a number b;  ∂L/∂x = g·z·ln b."""
    b, x, _, tx = binary_operands(base, exponent, "pow")
    if x.dtype.kind in "iub":
        return _wrap(_int_power(b, x))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = _compute(np.power, b, x, "pow")
    lnb = float(np.log(base)) if base > 0 else (float("nan") if base < 0 else None)

    def backward(g, z):
        if lnb is None:            # 0 ** x: PyTorch gives gradient 0 where x >= 0
            with np.errstate(invalid="ignore"):
                return None, _where(exponent >= 0, 0.0, g * z * float("-inf"))
        return None, g * z * lnb
    return record(out, "PowBackward1", (None, tx), backward, saved=(tx,), save_output=True)


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


@tensor_method
def positive(input) -> Tensor:
    """+x: the tensor itself."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("positive: the `+` operator on a bool tensor is not supported")
    return input


negative = neg
subtract = sub
multiply = mul
divide = div
true_divide = div


def _ternary(name, input, tensor1, tensor2):
    """The three tensors of addcmul/addcdiv in their common dtype, after a shape check."""
    ts = (input, tensor1, tensor2)
    for t in ts:
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: expected Tensors, got {type(t).__name__}")
    arrays = [t._data for t in ts]
    try:
        np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        raise broadcast_error(name, *arrays) from None
    rd = dtypes.result_np(*arrays)
    return tuple(t if t._data.dtype == rd else t.to(dtypes.from_np(rd)) for t in ts), rd


@tensor_method
def addcmul(input, tensor1, tensor2, *, value=1) -> Tensor:
    """input + value·tensor1·tensor2 (used by optimizers); gradients by the product rule."""
    (x, a, b), rd = _ternary("addcmul", input, tensor1, tensor2)
    if rd.kind != "f":
        value = int(value)      # as PyTorch, an integer result truncates the scale
    prod = a * b
    return x + (prod * value if value != 1 else prod)


@tensor_method
def addcdiv(input, tensor1, tensor2, *, value=1) -> Tensor:
    """input + value·tensor1/tensor2 (used by optimizers)."""
    if tensor1._data.dtype.kind in "iub" and tensor2._data.dtype.kind in "iub":
        raise RuntimeError(f"addcdiv: integer division with addcdiv is not supported "
                           f"(tensor1 {tensor1.dtype}, tensor2 {tensor2.dtype}); use "
                           f"input + value * trunc(tensor1 / tensor2) for the old behavior or "
                           f"a floating-point tensor for true division")
    (x, a, b), _ = _ternary("addcdiv", input, tensor1, tensor2)
    q = a / b
    return x + (q * value if value != 1 else q)


@tensor_method
def lerp(input, end, weight) -> Tensor:
    """z = x + w·(e − x), computed as e − (e − x)·(1 − w) when |w| ≥ 1/2 (as PyTorch, so that
    w = 1 gives e exactly);  ∂L/∂x = g·(1 − w),  ∂L/∂e = g·w,  ∂L/∂w = g·(e − x)."""
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp: expected `end` to be a Tensor, got {type(end).__name__}")
    dt = input._data.dtype
    if dt.kind != "f":
        raise NotImplementedError(f"lerp: not implemented for {input.dtype} tensors")
    if end._data.dtype != dt:
        raise RuntimeError(f"lerp: expected dtype {input.dtype} for `end` but got dtype "
                           f"{end.dtype}")
    wt = isinstance(weight, Tensor)
    if wt and weight._data.ndim and weight._data.dtype != dt:
        raise RuntimeError(f"lerp: expected dtype {input.dtype} for `weight` but got dtype "
                           f"{weight.dtype}")
    arrays = (input._data, end._data) + ((weight._data,) if wt else ())
    try:
        np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        raise broadcast_error("lerp", *arrays) from None
    diff = end - input
    if not wt:
        return input + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
    if weight._data.dtype != dt:        # a 0-d weight of another dtype is cast, as PyTorch
        weight = weight.to(input.dtype)
    return _where(weight.abs() < 0.5, input + weight * diff, end - diff * (1 - weight))


def _tensors(*ts) -> tuple:
    return tuple(t for t in ts if t is not None)


# ----- in-place forms: x.add_(y), x += y ---------------------------------------------------

def _inplace_ufunc(self, other, ufunc, name, op, scale=None):
    """Fast path writes into ``self``'s buffer; recorded changes go through ``apply_inplace``."""
    if check_inplace(self, name, other):
        return apply_inplace(self, name, op, other)
    y = other._data if isinstance(other, Tensor) else other
    if isinstance(y, int) and self._data.dtype.kind in "iu":
        y = _fit_int(y, self._data.dtype)
    if scale is not None:
        y = _scaled(y, scale, self._data.dtype, name)
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
    if _is_bool(self) or _is_bool(other):
        return apply_inplace(self, "sub_", sub, other)      # raises sub's error
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


def _fast(self, name, tensor1, tensor2) -> bool:
    """Whether addcmul_/addcdiv_ may work on the arrays directly: all tensors of self's float
    dtype and nothing to record."""
    dt = self._data.dtype
    return (dt.kind == "f" and isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor)
            and tensor1._data.dtype == dt and tensor2._data.dtype == dt
            and not check_inplace(self, name, tensor1, tensor2))


@tensor_method
def addcmul_(self, tensor1, tensor2, *, value=1) -> Tensor:
    if not _fast(self, "addcmul_", tensor1, tensor2):
        return apply_inplace(self, "addcmul_", lambda s, a, b: addcmul(s, a, b, value=value),
                             tensor1, tensor2)
    prod = _compute(np.multiply, tensor1._data, tensor2._data, "addcmul_")
    if value != 1:
        prod *= value
    return _inplace_ufunc(self, prod, np.add, "addcmul_", None)


@tensor_method
def addcdiv_(self, tensor1, tensor2, *, value=1) -> Tensor:
    if not _fast(self, "addcdiv_", tensor1, tensor2):
        return apply_inplace(self, "addcdiv_", lambda s, a, b: addcdiv(s, a, b, value=value),
                             tensor1, tensor2)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = _compute(np.true_divide, tensor1._data, tensor2._data, "addcdiv_")
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
Tensor.__pos__ = positive
Tensor.subtract = sub
Tensor.multiply = mul
Tensor.divide = div
Tensor.true_divide = div
Tensor.negative = neg
