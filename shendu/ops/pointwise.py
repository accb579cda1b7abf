"""Element-wise math (逐元素运算): exp, log, sqrt, trigonometry, tanh, sigmoid, relu, clamp,
maximum, minimum, where.

A unary op is declared in one line, HIPS-autograd style: its NumPy forward and its
vector-Jacobian product ``vjp(g, x, y)``, where g is the gradient of the output, x the
input and y the output. The vjp is written with shendu ops, so it is itself differentiable.
"""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor, _wrap, apply_inplace, record, tensor_method
from ._helpers import binary_operands, broadcast_error, float_array, operand, select

__all__ = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "square",
           "reciprocal", "abs", "absolute", "sign", "sin", "cos", "tan", "asin", "acos", "atan",
           "sinh", "cosh", "tanh", "sigmoid", "relu", "erf", "floor", "ceil", "round", "trunc",
           "fix", "frac", "clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum",
           "where", "nan_to_num", "arcsin", "arccos", "arctan"]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _unary(name: str, node: str, forward, vjp, *, uses_output: bool = False,
           to_float: bool = True, quiet: bool = False, kinds: str = "fiub", doc: str = ""):
    """Define ``name(input)`` = forward(array) with gradient ``vjp(g, x, y)``, plus its method
    and in-place form ``name_``. ``kinds``: the NumPy dtype kinds the op accepts (as PyTorch,
    e.g. no ``floor`` of a bool tensor)."""

    def op(input: Tensor) -> Tensor:
        x = input._data
        if x.dtype.kind not in kinds:
            raise NotImplementedError(f"{name}: not implemented for {input.dtype} tensors")
        if to_float:
            x = float_array(x)
        if quiet:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                out = forward(x)
        else:
            out = forward(x)
        if uses_output:
            return record(out, node, (input,), lambda g, y: vjp(g, input, y), save_output=True)
        return record(out, node, (input,), lambda g: vjp(g, input, None), saved=(input,))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    tensor_method(op)
    tensor_method(lambda self: apply_inplace(self, name + "_", op), name=name + "_")
    return op


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1 / (1 + e⁻ˣ). For very negative x, e⁻ˣ overflows to inf and 1/inf is the
    right limit 0; for large x it underflows to 0 and σ is 1; the relative error stays at
    float rounding everywhere, with one exp and no branches."""
    with np.errstate(over="ignore"):
        e = np.exp(-x)
    e += 1
    return np.reciprocal(e, out=e) if isinstance(e, np.ndarray) else np.reciprocal(e)


# Rational approximations of erf and erfc from the Cephes library (S. L. Moshier), highest
# power first: erf(z) = z·T(z²)/U(z²) for z < 1, erfc(z) = e^(−z²)·P(z)/Q(z) for 1 ≤ z < 8 and
# e^(−z²)·R(z)/S(z) beyond; relative error about 1e-16.
_ERF_T = (9.60497373987051638749E0, 9.00260197203842689217E1, 2.23200534594684319226E3,
          7.00332514112805075473E3, 5.55923013010394962768E4)
_ERF_U = (1.0, 3.35617141647503099647E1, 5.21357949780152679795E2, 4.59432382970980127987E3,
          2.26290000613890934246E4, 4.92673942608635921086E4)
_ERFC_P = (2.46196981473530512524E-10, 5.64189564831068821977E-1, 7.46321056442269912687E0,
           4.86371970985681366614E1, 1.96520832956077098242E2, 5.26445194995477358631E2,
           9.34528527171957607540E2, 1.02755188689515710272E3, 5.57535335369399327526E2)
_ERFC_Q = (1.0, 1.32281951154744992508E1, 8.67072140885989742329E1, 3.54937778887819891062E2,
           9.75708501743205489753E2, 1.82390916687909736289E3, 2.24633760818710981792E3,
           1.65666309194161350182E3, 5.57535340817727675546E2)
_ERFC_R = (5.64189583547755073984E-1, 1.27536670759978104416E0, 5.01905042251180477414E0,
           6.16021097993053585195E0, 7.40974269950448939160E0, 2.97886665372100240670E0)
_ERFC_S = (1.0, 2.26052863220117276590E0, 9.39603524938001434673E0, 1.20489539808096656605E1,
           1.70814450747565897222E1, 9.60896809063285878198E0, 3.36907645100081516050E0)


def _poly(coefs, z: np.ndarray) -> np.ndarray:
    r = np.full_like(z, coefs[0])
    for c in coefs[1:]:
        r = r * z + c
    return r


def _erf(x: np.ndarray) -> np.ndarray:
    """erf(x) = (2/√π)∫₀ˣ e^(−t²) dt in float64 by the rational fits above, then cast back."""
    z = np.abs(x).astype(np.float64)
    out = np.empty_like(z)
    small = z < 1
    s = z[small]
    out[small] = s * _poly(_ERF_T, s * s) / _poly(_ERF_U, s * s)
    big = ~small
    b = np.minimum(z[big], 30.0)        # erfc(30) underflows to 0; keeps P/Q finite (NaN stays)
    ratio = np.where(b < 8, _poly(_ERFC_P, b) / _poly(_ERFC_Q, b),
                     _poly(_ERFC_R, b) / _poly(_ERFC_S, b))
    out[big] = 1.0 - np.exp(-b * b) * ratio
    return np.copysign(out, x).astype(x.dtype)


def _sign(a: np.ndarray) -> np.ndarray:
    """sign(x) ∈ {−1, 0, 1}; 0 for NaN and bools unchanged, as PyTorch."""
    if a.dtype == np.bool_:
        return a.copy()
    s = np.sign(a)
    return np.nan_to_num(np.asarray(s), copy=False) if a.dtype.kind == "f" else s


def _square(a: np.ndarray) -> np.ndarray:
    return np.square(a.astype(np.int64) if a.dtype == np.bool_ else a)


def _relu_grad(g, x, y):
    """g where y > 0 (and where y is NaN), as PyTorch's threshold_backward. The mask is a node
    of y with gradient 0, so that a double backward through relu reaches its input."""
    keep = ~(y._data <= 0)
    if not is_grad_enabled():       # no graph of the gradient: one product on arrays
        return _wrap(g._data * keep)
    return g * record(keep.astype(y._data.dtype), "ThresholdBackwardBackward0", (y,), _times_zero)


def _times_zero(g):
    return g * 0


def _zero_grad(g, x, y):
    return g * 0


exp = _unary("exp", "ExpBackward0", np.exp, lambda g, x, y: g * y, uses_output=True,
             doc="eˣ;  ∂L/∂x = g·eˣ = g·y.")
exp2 = _unary("exp2", "Exp2Backward0", np.exp2, lambda g, x, y: g * y * _LN2, uses_output=True,
              doc="2ˣ;  ∂L/∂x = g·y·ln 2.")
expm1 = _unary("expm1", "Expm1Backward0", np.expm1, lambda g, x, y: g * (y + 1),
               uses_output=True, doc="eˣ − 1;  ∂L/∂x = g·(y + 1).")
log = _unary("log", "LogBackward0", np.log, lambda g, x, y: g / x, quiet=True,
             doc="ln x;  ∂L/∂x = g / x.")
log2 = _unary("log2", "Log2Backward0", np.log2, lambda g, x, y: g / (x * _LN2), quiet=True,
              doc="log₂ x;  ∂L/∂x = g / (x ln 2).")
log10 = _unary("log10", "Log10Backward0", np.log10, lambda g, x, y: g / (x * _LN10), quiet=True,
               doc="log₁₀ x;  ∂L/∂x = g / (x ln 10).")
log1p = _unary("log1p", "Log1PBackward0", np.log1p, lambda g, x, y: g / (x + 1), quiet=True,
               doc="ln(1 + x);  ∂L/∂x = g / (1 + x).")
sqrt = _unary("sqrt", "SqrtBackward0", np.sqrt, lambda g, x, y: g / (2 * y), uses_output=True,
              quiet=True, doc="√x;  ∂L/∂x = g / (2√x) = g / 2y.")
rsqrt = _unary("rsqrt", "RsqrtBackward0", lambda a: 1 / np.sqrt(a),
               lambda g, x, y: -0.5 * g * y * y * y, uses_output=True, quiet=True,
               doc="1/√x;  ∂L/∂x = −g·y³ / 2.")
square = _unary("square", "PowBackward0", _square, lambda g, x, y: 2 * g * x, to_float=False,
                doc="x² (int64 for bool tensors);  ∂L/∂x = 2g·x.")
reciprocal = _unary("reciprocal", "ReciprocalBackward0", lambda a: 1 / a,
                    lambda g, x, y: -g * y * y, uses_output=True, quiet=True,
                    doc="1/x;  ∂L/∂x = −g / x² = −g·y².")
abs = _unary("abs", "AbsBackward0", np.abs, lambda g, x, y: g * x.sign(), to_float=False,
             kinds="fiu", doc="|x|;  ∂L/∂x = g·sign(x) (0 at x = 0).")
sign = _unary("sign", "SignBackward0", _sign, _zero_grad, to_float=False,
              doc="sign(x) ∈ {−1, 0, 1} (0 at NaN); gradient 0.")
sin = _unary("sin", "SinBackward0", np.sin, lambda g, x, y: g * x.cos(),
             doc="sin x;  ∂L/∂x = g·cos x.")
cos = _unary("cos", "CosBackward0", np.cos, lambda g, x, y: -g * x.sin(),
             doc="cos x;  ∂L/∂x = −g·sin x.")
tan = _unary("tan", "TanBackward0", np.tan, lambda g, x, y: g * (1 + y * y), uses_output=True,
             doc="tan x;  ∂L/∂x = g·(1 + tan² x).")
asin = _unary("asin", "AsinBackward0", np.arcsin, lambda g, x, y: g * (1 - x * x).rsqrt(),
              quiet=True, doc="arcsin x;  ∂L/∂x = g / √(1 − x²).")
acos = _unary("acos", "AcosBackward0", np.arccos, lambda g, x, y: -g * (1 - x * x).rsqrt(),
              quiet=True, doc="arccos x;  ∂L/∂x = −g / √(1 − x²).")
atan = _unary("atan", "AtanBackward0", np.arctan, lambda g, x, y: g / (1 + x * x),
              doc="arctan x;  ∂L/∂x = g / (1 + x²).")
sinh = _unary("sinh", "SinhBackward0", np.sinh, lambda g, x, y: g * x.cosh(), quiet=True,
              doc="sinh x;  ∂L/∂x = g·cosh x.")
cosh = _unary("cosh", "CoshBackward0", np.cosh, lambda g, x, y: g * x.sinh(), quiet=True,
              doc="cosh x;  ∂L/∂x = g·sinh x.")
tanh = _unary("tanh", "TanhBackward0", np.tanh, lambda g, x, y: g * (1 - y * y),
              uses_output=True, doc="Tanh (双曲正切) y = tanh x;  ∂L/∂x = g·(1 − y²).")
sigmoid = _unary("sigmoid", "SigmoidBackward0", _stable_sigmoid,
                 lambda g, x, y: g * y * (1 - y), uses_output=True,
                 doc="Sigmoid (S型函数) y = 1 / (1 + e⁻ˣ);  ∂L/∂x = g·y·(1 − y).")
relu = _unary("relu", "ReluBackward0", lambda a: np.maximum(a, 0), _relu_grad,
              uses_output=True, to_float=False, kinds="fiu",
              doc="ReLU y = max(0, x);  ∂L/∂x = g·1[x > 0] (the notes' indicator 1_{z>0}).")
erf = _unary("erf", "ErfBackward0", _erf,
             lambda g, x, y: g * _TWO_OVER_SQRT_PI * (-(x * x)).exp(),
             doc="Error function;  ∂L/∂x = g·(2/√π)·e^(−x²).")
floor = _unary("floor", "FloorBackward0", np.floor, _zero_grad, to_float=False, kinds="fiu",
               doc="⌊x⌋; gradient 0.")
ceil = _unary("ceil", "CeilBackward0", np.ceil, _zero_grad, to_float=False, kinds="fiu",
              doc="⌈x⌉; gradient 0.")
trunc = _unary("trunc", "TruncBackward0", np.trunc, _zero_grad, to_float=False, kinds="fiu",
               doc="x rounded toward 0; gradient 0.")
frac = _unary("frac", "FracBackward0", lambda a: a - np.trunc(a), lambda g, x, y: g,
              quiet=True, kinds="f", doc="x − trunc(x);  ∂L/∂x = g.")
absolute = abs
arcsin, arccos, arctan = asin, acos, atan
fix = trunc
Tensor.__abs__ = abs
Tensor.absolute = abs
Tensor.arcsin, Tensor.arccos, Tensor.arctan = asin, acos, atan
Tensor.fix = trunc


@tensor_method
def round(input, *, decimals: int = 0) -> Tensor:
    """Round half to even (as PyTorch), to ``decimals`` places: rint(x·10ᵈ)/10ᵈ, or
    rint(x/10⁻ᵈ)·10⁻ᵈ for d < 0; gradient 0."""
    x = input._data
    if x.dtype.kind not in "fiu" or (decimals != 0 and x.dtype.kind != "f"):
        raise NotImplementedError(f"round: not implemented for {input.dtype} tensors"
                                  + (f" with decimals={decimals}" if decimals else ""))
    with np.errstate(over="ignore", invalid="ignore"):
        if decimals == 0:
            out = np.round(x)
        elif decimals > 0:
            s = 10.0 ** decimals
            out = np.round(x * s) / s
        else:
            s = 10.0 ** -decimals
            out = np.round(x / s) * s
    return record(out.astype(x.dtype, copy=False), "RoundBackward0", (input,), _times_zero)


@tensor_method
def round_(self, *, decimals: int = 0) -> Tensor:
    return apply_inplace(self, "round_", lambda s: round(s, decimals=decimals))


# ----- clamp, maximum, minimum, where -------------------------------------------------------

@tensor_method
def clamp(input, min=None, max=None) -> Tensor:
    """min(max(x, lo), hi);  ∂L/∂x = g where lo ≤ x ≤ hi, else 0 (to lo or hi when they are
    tensors)."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    x = input._data
    lo, tlo = operand(min, "clamp") if min is not None else (None, None)
    hi, thi = operand(max, "clamp") if max is not None else (None, None)
    rd = dtypes.result_np(*(v for v in (x, lo, hi) if v is not None))
    # compute in the result dtype: NumPy would widen float32 by a 0-d float64 bound
    x, lo, hi = (v.astype(rd) if isinstance(v, np.ndarray) and v.dtype != rd else v
                 for v in (x, lo, hi))
    out = x
    try:
        if lo is not None:
            out = np.maximum(out, lo)
        if hi is not None:
            out = np.minimum(out, hi)
    except ValueError:
        raise broadcast_error("clamp", *(v for v in (x, lo, hi) if v is not None)) from None
    except OverflowError:
        raise RuntimeError(f"clamp: bounds min={min}, max={max} cannot be converted to "
                           f"{dtypes.from_np(rd)} without overflow") from None
    if out is x:
        out = x.copy()

    def backward(g):
        keep = None
        if min is not None:
            keep = input >= min
        if max is not None:
            below = input <= max
            keep = below if keep is None else keep & below
        gx = where(keep, g, 0.0) if input._rg else None
        glo = ghi = None
        # as PyTorch: lo gets g where x < lo < hi; hi gets g where x > hi or hi < lo
        if tlo is not None and tlo._rg:
            lo_wins = input < min
            if max is not None:
                lo_wins = lo_wins & (min < max)
            glo = where(lo_wins, g, 0.0)
        if thi is not None and thi._rg:
            hi_wins = input > max
            if min is not None:
                hi_wins = hi_wins | (max < min)
            ghi = where(hi_wins, g, 0.0)
        return gx, glo, ghi
    return record(out, "ClampBackward1", (input, tlo, thi), backward,
                  saved=tuple(t for t in (input, tlo, thi) if t is not None))


clip = clamp
Tensor.clip = clamp


@tensor_method
def clamp_min(input, min) -> Tensor:
    return clamp(input, min=min)


@tensor_method
def clamp_max(input, max) -> Tensor:
    return clamp(input, max=max)


@tensor_method
def clamp_(self, min=None, max=None) -> Tensor:
    return apply_inplace(self, "clamp_", clamp, min, max)


@tensor_method
def clamp_min_(self, min) -> Tensor:
    return apply_inplace(self, "clamp_min_", lambda s: clamp(s, min=min))


@tensor_method
def clamp_max_(self, max) -> Tensor:
    return apply_inplace(self, "clamp_max_", lambda s: clamp(s, max=max))


Tensor.clip_ = clamp_


def _extremum(a, b, name, node, ufunc, a_loses):
    for i, v in enumerate((a, b)):
        if not isinstance(v, Tensor):
            raise TypeError(f"{name}(): argument '{('input', 'other')[i]}' (position {i + 1}) "
                            f"must be Tensor, not {type(v).__name__}")
    x, y, ta, tb = binary_operands(a, b, name)
    try:
        out = ufunc(x, y)
    except ValueError:
        raise broadcast_error(name, x, y) from None

    def backward(g):
        # ties split the gradient in half between the two inputs, as in PyTorch
        half = where(a == b, g * 0.5, g)
        ga = where(a_loses(a, b), 0.0, half) if ta is not None and ta._rg else None
        gb = where(a_loses(b, a), 0.0, half) if tb is not None and tb._rg else None
        return ga, gb
    return record(out, node, (ta, tb), backward, saved=tuple(t for t in (ta, tb) if t is not None))


@tensor_method
def maximum(input, other) -> Tensor:
    """Element-wise max;  ∂L/∂x = g where x > y, g/2 where x = y, 0 elsewhere."""
    return _extremum(input, other, "maximum", "MaximumBackward0", np.maximum,
                     lambda p, q: p < q)


@tensor_method
def minimum(input, other) -> Tensor:
    """Element-wise min;  ∂L/∂x = g where x < y, g/2 where x = y, 0 elsewhere."""
    return _extremum(input, other, "minimum", "MinimumBackward0", np.minimum,
                     lambda p, q: p > q)


def where(condition, input=None, other=None) -> Tensor:
    """where(c, x, y): x where c is true, else y;  ∂L/∂x = g·c,  ∂L/∂y = g·(1 − c).

    ``where(c)`` alone is ``nonzero(c, as_tuple=True)``.
    """
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if c.dtype != np.bool_:
        if c.dtype == np.uint8:
            c = c.astype(np.bool_)
        else:
            raise RuntimeError(f"where: expected condition to be a bool tensor, got "
                               f"{dtypes.from_np(c.dtype)}")
    x, y, tx, ty = binary_operands(input, other, "where")
    try:
        out = select(c, x, y)
    except ValueError:
        raise broadcast_error("where", c, x, y) from None

    def backward(g):
        return (where(c_t, g, 0.0) if tx is not None and tx._rg else None,
                where(c_t, 0.0, g) if ty is not None and ty._rg else None)
    c_t = condition if isinstance(condition, Tensor) else _wrap(c)
    return record(out, "WhereBackward0", (tx, ty), backward, saved=(c_t,))


Tensor.where = lambda self, condition, other: where(condition, self, other)


@tensor_method
def nan_to_num(input, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN → nan, ±inf → the largest finite values (or the given ones);  ∂L/∂x = g where x is
    finite, else 0."""
    with np.errstate(over="ignore"):
        out = np.nan_to_num(input._data, nan=nan, posinf=posinf, neginf=neginf)
    return record(out, "NanToNumBackward0", (input,),
                  lambda g: where(input.isfinite(), g, 0.0), saved=(input,))


@tensor_method
def nan_to_num_(self, nan: float = 0.0, posinf: float | None = None,
                neginf: float | None = None) -> Tensor:
    return apply_inplace(self, "nan_to_num_", lambda s: nan_to_num(s, nan, posinf, neginf))
