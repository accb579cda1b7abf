"""Activation functions (激活函数) as functions, as ``torch.nn.functional``.

Each activation is one op: its forward is computed with NumPy, and its backward is the
derivative formula, written once, ``vjp(g, x, ns)`` (g the gradient of the output, x the
input). ``ns`` supplies the few functions the formulas need: NumPy versions (``_ArrayMath``)
when no graph is recorded, shendu ops (``_TensorMath``) under ``create_graph``, where the
backward is itself differentiable. Piecewise functions take PyTorch's one-sided derivatives
at their kinks (ReLU'(0) = 0, hardtanh's derivative is 0 on its bounds).

The NumPy code is branch-free (masks as 0/1 factors, max/min): ``np.where`` with a
data-dependent mask runs several times slower than arithmetic.

``inplace=True`` writes the result into the input, as in PyTorch (a leaf that requires grad
refuses, as there). ``sigmoid``, ``tanh``, ``softmax`` and ``log_softmax`` are the ops of
``shendu.ops``, re-exported by the package.
"""

from __future__ import annotations

import math

import numpy as np

from ...autograd import grad_mode
from ...ops._helpers import float_array, norm_dim
from ...ops.pointwise import _erf, erf
from ...ops.pointwise import relu as _relu_op
from ...ops.softmax import _implicit_dim, softmax
from ...random import rng
from ...tensor import Tensor, _wrap, apply_inplace, record

__all__ = ["relu", "relu_", "relu6", "threshold", "threshold_", "hardtanh", "hardtanh_",
           "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_", "elu", "elu_", "selu",
           "selu_", "celu", "celu_", "gelu", "silu", "mish", "softplus", "softsign",
           "hardsigmoid", "hardswish", "logsigmoid", "softmin", "glu", "tanhshrink",
           "softshrink", "hardshrink"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_K = math.sqrt(2.0 / math.pi)   # tanh approximation: √(2/π)·(x + 0.044715x³)
_GELU_C = 0.044715
# erfc(z) ≈ t·exp(−z² + P(t)), t = 1/(1 + z/2), z ≥ 0: relative error below 1.2e-7 (Numerical
# Recipes' Chebyshev fit); P's coefficients, highest power first
_ERFC_FIT = (0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806,
             0.09678418, 0.37409196, 1.00002368, -1.26551223)


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Φ(x) = erfc(−x/√2)/2. In float32 from erfc(|x|/√2) by the fit above: Φ = erfc/2 for
    x < 0 and 1 − erfc/2 for x ≥ 0, so neither tail cancels (1 + erf(x/√2) would, for x < 0);
    in float64 by the ops' erf, exact to float64 (the fit is not)."""
    if x.dtype == np.float64:
        return 0.5 * (1.0 + _erf(x * _SQRT_HALF))
    z = np.abs(x) * _SQRT_HALF
    t = z * 0.5
    t += 1
    np.reciprocal(t, out=t)
    p = t * _ERFC_FIT[0]
    for c in _ERFC_FIT[1:-1]:
        p += c
        p *= t
    p += _ERFC_FIT[-1]
    p -= z * z
    np.exp(p, out=p)
    p *= t
    p *= 0.5                                    # Φ(−|x|)
    q = p * -2.0                                # Φ = p + 1[x ≥ 0]·(1 − 2p)
    q += 1
    q *= x >= 0
    q += p
    return q


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1 + e⁻ˣ); e⁻ˣ overflows to inf below x ≈ −88, where 1/(1 + inf) = 0 is the
    right limit, so the warning is silenced rather than avoided."""
    with np.errstate(over="ignore"):
        e = np.exp(-x)
    e += 1
    return np.reciprocal(e, out=e)


def _softplus(x: np.ndarray) -> np.ndarray:
    """ln(1 + eˣ); inf above x ≈ 88 (where callers only need its tanh, 1)."""
    with np.errstate(over="ignore"):
        return np.log1p(np.exp(x))


def _step(cond: np.ndarray, inside: float, outside: float, dtype) -> np.ndarray:
    """``inside`` where ``cond``, else ``outside``, exactly (m·a + (1 − m)·b, m ∈ {0, 1})."""
    m = cond.astype(dtype)
    if outside == 0:
        return m if inside == 1 else m * inside
    return m * inside + (1 - m) * outside


def _zero(g):
    return g * 0


class _ArrayMath:
    """The functions derivative formulas use, on NumPy arrays."""

    exp = staticmethod(np.exp)
    tanh = staticmethod(np.tanh)
    abs = staticmethod(np.abs)
    sigmoid = staticmethod(_sigmoid)
    softplus = staticmethod(_softplus)

    @staticmethod
    def min0(x):
        return np.minimum(x, 0)

    @staticmethod
    def step(cond, inside, outside, like):
        """A piecewise-constant derivative: ``inside`` where cond, else ``outside``."""
        return _step(cond, inside, outside, like.dtype)


class _TensorMath:
    """The same functions on shendu tensors (recorded, so the backward is differentiable)."""

    @staticmethod
    def exp(x):
        return x.exp()

    @staticmethod
    def tanh(x):
        return x.tanh()

    @staticmethod
    def abs(x):
        return x.abs()

    @staticmethod
    def sigmoid(x):
        return x.sigmoid()

    @staticmethod
    def softplus(x):
        return softplus(x)

    @staticmethod
    def min0(x):
        return x.clamp(max=0)

    @staticmethod
    def step(cond, inside, outside, like):
        # recorded as a function of x with derivative 0, so that a double backward reaches x
        # (with zeros) as in PyTorch, instead of finding no path to it
        return record(_step(cond._data, inside, outside, like._data.dtype),
                      "PiecewiseDerivative", (like,), _zero)


def _activation(input: Tensor, node: str, forward, vjp, floating: bool = True) -> Tensor:
    """Record y = forward(x) with the backward vjp(g, x, ns)."""
    x = float_array(input._data) if floating else input._data

    def backward(g):
        if grad_mode.state.enabled:         # create_graph: the formula on tensors
            return vjp(g, input, _TensorMath)
        return _wrap(vjp(g._data, x, _ArrayMath))
    return record(forward(x), node, (input,), backward, saved=(input,))


def _maybe_inplace(input: Tensor, inplace: bool, name: str, fn) -> Tensor:
    """``fn(input)``, or with ``inplace`` its result written into ``input`` (as ``name_``)."""
    return apply_inplace(input, name + "_", fn) if inplace else fn(input)


# ----- ReLU family ---------------------------------------------------------------------------

def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """ReLU (修正线性单元) y = max(0, x);  ∂L/∂x = g·1[x > 0]."""
    return _maybe_inplace(input, inplace, "relu", _relu_op)


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def _threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """y = x where x > threshold, else ``value``;  ∂L/∂x = g·1[x > threshold]."""
    def op(t):
        return _activation(t, "ThresholdBackward0",
                           lambda x: np.where(x > threshold, x, x.dtype.type(value)),
                           lambda g, x, ns: g * ns.step(x > threshold, 1, 0, x),
                           floating=False)
    return _maybe_inplace(input, inplace, "threshold", op)


threshold = _threshold     # (as in PyTorch: the argument named `threshold` shadows the function)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _threshold(input, threshold, value, inplace=True)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """y = clamp(x, min_val, max_val);  ∂L/∂x = g·1[min_val < x < max_val]."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")

    def op(t):
        return _activation(
            t, "HardtanhBackward0",
            lambda x: np.clip(x, x.dtype.type(min_val), x.dtype.type(max_val)),
            lambda g, x, ns: g * ns.step((x > min_val) & (x < max_val), 1, 0, x),
            floating=False)
    return _maybe_inplace(input, inplace, "hardtanh", op)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """ReLU6 y = min(max(0, x), 6) = hardtanh(x, 0, 6);  ∂L/∂x = g·1[0 < x < 6]."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """Leaky ReLU y = x for x > 0, else a·x;  ∂L/∂x = g for x > 0, else a·g."""
    def op(t):
        return _activation(
            t, "LeakyReluBackward0",
            lambda x: np.maximum(x, 0) + np.minimum(x, 0) * negative_slope,
            lambda g, x, ns: g * ns.step(x > 0, 1, negative_slope, x))
    return _maybe_inplace(input, inplace, "leaky_relu", op)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """Parametric ReLU y = x for x > 0, else a·x, with a learned slope ``weight`` of one
    element or one per channel (dim 1 of the input).

    ∂L/∂x = g for x > 0, else a·g;  ∂L/∂a = Σ g·x over the positions where x ≤ 0.
    """
    x = input._data
    c = x.shape[1] if x.ndim >= 2 else 1
    if weight._data.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight._data.ndim}")
    n = weight._data.size
    if n != 1 and n != c:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {n} and channel size = {c}.")
    # the slope broadcast against the input: (C, 1, ..., 1) per channel, or a scalar
    a = weight.reshape((c,) + (1,) * (x.ndim - 2)) if n > 1 else weight.reshape(())

    need_x, need_a = input._rg, a._rg

    def vjp(g, x, slope, ns):
        neg = 1.0 - ns.step(x > 0, 1, 0, x)
        return (g * (1.0 - neg + neg * slope) if need_x else None,
                g * x * neg if need_a else None)

    def backward(g):
        if grad_mode.state.enabled:
            return vjp(g, input, a, _TensorMath)
        return tuple(None if r is None else _wrap(r)
                     for r in vjp(g._data, x, a._data, _ArrayMath))
    out = np.maximum(x, 0) + np.minimum(x, 0) * a._data
    return record(out, "PreluKernelBackward0", (input, a), backward, saved=(input, a))


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: in training each x ≤ 0 is multiplied by its own slope drawn from
    U(lower, upper) (∂L/∂x = g·slope); in evaluation it is leaky_relu with the mean slope
    (lower + upper)/2."""
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)

    def op(t):
        x = float_array(t._data)
        neg = (x <= 0).astype(x.dtype)
        noise = _wrap(rng().uniform(lower, upper, x.shape).astype(x.dtype) * neg + (1 - neg))
        return record(x * noise._data, "RreluWithNoiseBackward0", (t,), lambda g: g * noise,
                      saved=(noise,))
    return _maybe_inplace(input, inplace, "rrelu", op)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    return rrelu(input, lower, upper, training, inplace=True)


# ----- exponential units ---------------------------------------------------------------------

def _elu(t: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    """s·x for x > 0, else s·α·(e^(c·x) − 1);  ∂L/∂x = s·g for x > 0, else s·α·c·g·e^(c·x).
    The exponential sees min(x, 0), so large positive inputs never overflow."""
    k = alpha * scale

    def forward(x):
        return np.maximum(x, 0) * scale + np.expm1(np.minimum(x, 0) * input_scale) * k

    def vjp(g, x, ns):
        pos = ns.step(x > 0, 1, 0, x)
        return g * (pos * scale + (1.0 - pos) * ns.exp(ns.min0(x) * input_scale)
                    * (k * input_scale))
    return _activation(t, "EluBackward0", forward, vjp)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """ELU y = x for x > 0, else α(eˣ − 1);  ∂L/∂x = g for x > 0, else α·g·eˣ."""
    return _maybe_inplace(input, inplace, "elu", lambda t: _elu(t, alpha, 1.0, 1.0))


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """SELU y = λ·x for x > 0, else λα(eˣ − 1), with α ≈ 1.6733 and λ ≈ 1.0507 chosen so that
    activations keep mean 0 and variance 1 (self-normalizing);  ∂L/∂x = λg, else λα·g·eˣ."""
    return _maybe_inplace(input, inplace, "selu",
                          lambda t: _elu(t, _SELU_ALPHA, _SELU_SCALE, 1.0))


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """CELU y = max(0, x) + min(0, α(e^(x/α) − 1));  ∂L/∂x = g for x > 0, else g·e^(x/α)."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _maybe_inplace(input, inplace, "celu", lambda t: _elu(t, alpha, 1.0, 1.0 / alpha))


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


# ----- smooth gated units ----------------------------------------------------------------------

def _gelu_vjp(g, x, cdf, ns):
    """∂L/∂x = g·(Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π)."""
    return g * (cdf + x * ns.exp(x * x * -0.5) * _INV_SQRT_2PI)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """GELU y = x·Φ(x), Φ the standard normal CDF, Φ(x) = (1 + erf(x/√2))/2;
    ∂L/∂x = g·(Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π). Φ is computed from erfc, accurate to
    a few float32 ulps in both tails, and kept for the backward.

    ``approximate='tanh'``: y = x/2·(1 + tanh u), u = √(2/π)(x + 0.044715x³);
    ∂L/∂x = g·((1 + tanh u)/2 + x/2·(1 − tanh² u)·√(2/π)(1 + 3·0.044715x²)).
    """
    if approximate == "none":
        x = float_array(input._data)
        cdf = _normal_cdf(x)

        def backward(g):
            if grad_mode.state.enabled:
                cdf_t = (erf(input * _SQRT_HALF) + 1.0) * 0.5
                return _gelu_vjp(g, input, cdf_t, _TensorMath)
            return _wrap(_gelu_vjp(g._data, x, cdf, _ArrayMath))
        return record(x * cdf, "GeluBackward0", (input,), backward, saved=(input, cdf))
    if approximate == "tanh":
        def forward(x):
            return 0.5 * x * (1.0 + np.tanh(_GELU_K * (x + _GELU_C * x * x * x)))

        def vjp(g, x, ns):
            t = ns.tanh((x + x * x * x * _GELU_C) * _GELU_K)
            inner = (x * x * (3.0 * _GELU_C) + 1.0) * _GELU_K
            return g * ((t + 1.0) * 0.5 + x * 0.5 * (1.0 - t * t) * inner)
        return _activation(input, "GeluBackward0", forward, vjp)
    raise RuntimeError("approximate argument must be either none or tanh.")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """SiLU, also called Swish: y = x·σ(x);  ∂L/∂x = g·σ(x)·(1 + x·(1 − σ(x)))."""
    def vjp(g, x, ns):
        s = ns.sigmoid(x)
        return g * s * (x * (1.0 - s) + 1.0)
    return _maybe_inplace(
        input, inplace, "silu",
        lambda t: _activation(t, "SiluBackward0", lambda x: x * _sigmoid(x), vjp))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """Mish y = x·tanh(softplus(x));  ∂L/∂x = g·(t + x·σ(x)·(1 − t²)), t = tanh(softplus(x))."""
    def vjp(g, x, ns):
        t = ns.tanh(ns.softplus(x))
        return g * (t + x * ns.sigmoid(x) * (1.0 - t * t))
    return _maybe_inplace(
        input, inplace, "mish",
        lambda t: _activation(t, "MishBackward0", lambda x: x * np.tanh(_softplus(x)), vjp))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """Softplus y = (1/β)·ln(1 + e^(βx)), and y = x where βx > threshold (there the two agree
    to float precision);  ∂L/∂x = g·σ(βx), and g where βx > threshold."""
    def forward(x):
        z = x * beta
        soft = np.log1p(np.exp(np.minimum(z, threshold))) / beta
        if beta > 0:
            # softplus(z)/β > x everywhere, and the linear part takes over only above the
            # threshold: the max selects without a data-dependent branch (and maps −inf to 0)
            return np.maximum(x, soft)
        return np.where(z > threshold, x, soft)

    def vjp(g, x, ns):
        z = x * beta
        lin = ns.step(z > threshold, 1, 0, x)
        return g * (lin + (1.0 - lin) * ns.sigmoid(z))
    return _activation(input, "SoftplusBackward0", forward, vjp)


def softsign(input: Tensor) -> Tensor:
    """Softsign y = x / (1 + |x|);  ∂L/∂x = g / (1 + |x|)²."""
    def vjp(g, x, ns):
        d = ns.abs(x) + 1.0
        return g / (d * d)
    return _activation(input, "SoftsignBackward0", lambda x: x / (np.abs(x) + 1), vjp)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """Hard sigmoid y = min(max(x + 3, 0), 6) / 6;  ∂L/∂x = g/6 for −3 < x < 3, else 0."""
    def op(t):
        return _activation(t, "HardsigmoidBackward0", lambda x: np.clip(x + 3, 0, 6) / 6,
                           lambda g, x, ns: g * ns.step((x > -3.0) & (x < 3.0), 1 / 6, 0, x))
    return _maybe_inplace(input, inplace, "hardsigmoid", op)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """Hard swish y = x·min(max(x + 3, 0), 6) / 6;
    ∂L/∂x = 0 for x ≤ −3, g·(x/3 + 1/2) for −3 < x < 3, g for x ≥ 3."""
    def vjp(g, x, ns):
        mid = ns.step((x > -3.0) & (x < 3.0), 1, 0, x)
        return g * (mid * (x / 3.0 + 0.5) + ns.step(x >= 3.0, 1, 0, x))
    return _maybe_inplace(
        input, inplace, "hardswish",
        lambda t: _activation(t, "HardswishBackward0", lambda x: x * np.clip(x + 3, 0, 6) / 6,
                              vjp))


def logsigmoid(input: Tensor) -> Tensor:
    """y = ln σ(x) = min(x, 0) − ln(1 + e^(−|x|)) (never overflows);  ∂L/∂x = g·σ(−x)."""
    return _activation(input, "LogSigmoidBackward0",
                       lambda x: np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))),
                       lambda g, x, ns: g * ns.sigmoid(-x))


# ----- shrinkage -------------------------------------------------------------------------------

def _outside(x, lambd):
    return (x < -lambd) | (x > lambd)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """y = x where |x| > λ, else 0;  ∂L/∂x = g·1[|x| > λ]."""
    return _activation(input, "HardshrinkBackward0", lambda x: x * _outside(x, lambd),
                       lambda g, x, ns: g * ns.step(_outside(x, lambd), 1, 0, x))


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """y = x − λ for x > λ, x + λ for x < −λ, else 0 (= x − clamp(x, −λ, λ));
    ∂L/∂x = g·1[|x| > λ]."""
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be in range [0, inf) but found {lambd}")
    return _activation(input, "SoftshrinkBackward0",
                       lambda x: x - np.clip(x, x.dtype.type(-lambd), x.dtype.type(lambd)),
                       lambda g, x, ns: g * ns.step(_outside(x, lambd), 1, 0, x))


def tanhshrink(input: Tensor) -> Tensor:
    """y = x − tanh x;  ∂L/∂x = g·tanh² x (as PyTorch, composed of ops)."""
    return input - input.tanh()


# ----- along a dimension -------------------------------------------------------------------------

def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """softmin(x) = softmax(−x) along ``dim``."""
    if dim is None:
        dim = _implicit_dim(input.dim(), "softmin")
    return softmax(-input, dim, dtype=dtype)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: split x in halves a, b along ``dim``; y = a ⊙ σ(b)
    (∂L/∂a = g·σ(b), ∂L/∂b = g·a·σ(b)(1 − σ(b)), by the ops it is made of)."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = norm_dim(dim, input.dim(), "glu")
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    a, b = input.split(n // 2, d)
    return a * b.sigmoid()
