"""Normalization layers (归一化) as functions: batch_norm (批量归一化), instance_norm,
layer_norm (层归一化), group_norm, rms_norm, local_response_norm and normalize.

Batch, instance, layer and group normalization are one fused op, ``_normalize``: they only
differ in which elements share a mean and variance. Over each such group of N elements,

    μ = (1/N) Σ x,   σ² = (1/N) Σ (x − μ)²,   x̂ = (x − μ) / √(σ² + ε),   y = γ ⊙ x̂ + β

and, with g the gradient of y and ĝ = γ ⊙ g the gradient of x̂, the closed-form backward is

    ∂L/∂x = (1/N)·(1/√(σ² + ε))·(N·ĝ − Σ ĝ − x̂ ⊙ Σ(ĝ ⊙ x̂)),
    ∂L/∂γ = Σ g ⊙ x̂,   ∂L/∂β = Σ g       (summed over every position sharing that γ, β).

With given statistics (batch norm in evaluation mode), μ and σ² are constants and
∂L/∂x = ĝ / √(σ² + ε). The backward runs in NumPy when no graph is recorded (for batch and
instance norm with per-channel coefficients only, for layer and group norm with the x̂ kept
by the forward); under ``create_graph`` the same formulas are written with shendu ops, with
μ and σ rebuilt from x, so that second derivatives flow through the statistics as well.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ...autograd import grad_mode
from ...ops.pad import pad
from ...tensor import Tensor, _wrap, bump_version, record

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm",
           "local_response_norm", "normalize"]


def _sum(a: np.ndarray, red: tuple) -> np.ndarray:
    """Σ over ``red`` ((2,) or (0, 2)) of a 3-D array, keepdims: the contiguous last axis
    first, as a product with a vector of ones (BLAS: twice as fast as ``sum``, and blocked, so
    still accurate), then the batch axis."""
    k = a.shape[2]
    if k == 1:                  # (BLAS is slow on one-column matrices; nothing to sum anyway)
        s = a
    else:                       # one matrix-vector product, not one per index of A
        s = (a.reshape(-1, k) @ np.ones(k, a.dtype)).reshape(a.shape[:2] + (1,))
    return s.sum(axis=0, keepdims=True) if red == (0, 2) else s


def _dot(a: np.ndarray, b: np.ndarray, red: tuple) -> np.ndarray:
    """Σ a·b over ``red``, as ``_sum``, without a temporary the size of ``a``."""
    s = np.einsum("abk,abk->ab", a, b)[..., None]
    return s.sum(axis=0, keepdims=True) if red == (0, 2) else s


def _expand(v: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A per-group coefficient of shape (1, B, 1) copied out to (1, B, K) when x (A, B, K)
    has several rows per group: NumPy then runs its loops over long contiguous stretches
    instead of K-element rows (about 1.4x faster per pass); the copy is 1/A of x's size."""
    if v.shape[0] == 1 and v.shape[2] == 1 and x.shape[0] >= 4 and x.shape[2] > 1:
        return np.broadcast_to(v, (1,) + x.shape[1:]).copy()
    return v


def _normalize(input: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float, *,
               xs: tuple, red: tuple, aff: tuple, pshape: tuple, node: str,
               stats: tuple | None = None):
    """The fused normalization: returns (y, μ, σ²) with μ, σ² the batch statistics
    (``stats`` when given: (μ, σ²) arrays broadcastable to the statistics' shape).

    The input is viewed as ``xs`` = (A, B, K) with statistics over ``red`` (all of a row:
    (2,); or per B index: (0, 2)); γ and β are viewed as ``pshape`` against the input viewed
    as ``aff`` (3-D too), so every layer's layout is one of these reshapes.
    """
    shape = input._data.shape
    x = input._data.reshape(xs)
    if stats is None:
        n = xs[2] * (xs[0] if red == (0, 2) else 1)
        mean = _sum(x, red) / n
        y = x - _expand(mean, x)
        # corrected two-pass: d, the rounding error of the mean, is measured on the centered
        # data and removed below, so a mean far larger than σ costs no accuracy
        d = _sum(y, red) / n
        var = np.maximum(_dot(y, y, red) / n - d * d, 0)
    else:
        mean, var = (np.array(s) for s in stats)    # a copy: running buffers change in place
        y = x - _expand(mean, x)
        d = np.zeros_like(mean)
    invstd = 1.0 / np.sqrt(var + eps)
    w = weight._data.reshape(pshape) if weight is not None else None
    b = bias._data.reshape(pshape) if bias is not None else None
    # γ, β constant over each statistics group (batch and instance norm): every coefficient
    # is per group, the passes over the data fuse and the backward needs no x̂
    per_group = aff == xs and pshape[2] == 1
    xhat = None
    if per_group:
        scale = invstd * w if w is not None else invstd
        y *= _expand(scale, x)                  # one pass for γ and 1/σ ...
        shift = b
        if stats is None:                       # the correction of the mean
            shift = -d * scale if b is None else b - d * scale
        if shift is not None:
            y += _expand(shift, x)              # ... and one for β and the correction
    else:
        if np.any(np.abs(d) * invstd > np.finfo(y.dtype).eps):
            y -= d                              # (only when it shows in float precision)
        y *= invstd
        xhat = y                        # kept for the backward
        y = xhat.reshape(aff)
        y = y * _expand(w, y) if w is not None else y.copy()
        if b is not None:
            y += _expand(b, y)

    def backward(g):
        if grad_mode.state.enabled:
            return _graph_backward(g, input, weight, bias, mean + d, invstd, eps, xs, red,
                                   aff, pshape, stats is None)
        if per_group:
            return _per_group_backward(g._data.reshape(xs), x, mean, d, invstd, w, red,
                                       stats is None, input, weight, bias)
        return _grouped_backward(g._data.reshape(aff), xhat, invstd, w, xs, red, pshape,
                                 stats is None, input, weight, bias)
    saved = tuple(v for v in (input, weight, mean, d, invstd, xhat) if v is not None)
    out = record(y.reshape(shape), node, (input, weight, bias), backward, saved=saved)
    return out, mean + d, var


def _graph_backward(g, input, weight, bias, mean, invstd, eps, xs, red, aff, pshape,
                    batch_stats):
    """The backward written with shendu ops, recorded for double backward (create_graph).
    With batch statistics, μ and σ are rebuilt from x so the second derivatives flow through
    them; given statistics are constants."""
    xv = input.reshape(xs)
    if batch_stats:
        xc = xv - xv.mean(red, keepdim=True)
        r = ((xc * xc).mean(red, keepdim=True) + eps).rsqrt()
    else:
        xc = xv - _wrap(mean)
        r = _wrap(invstd)
    xhat = xc * r
    gv = g.reshape(aff)
    gh = (gv * weight.reshape(pshape) if weight is not None else gv).reshape(xs)
    if batch_stats:
        gh = gh - gh.mean(red, keepdim=True) - xhat * (gh * xhat).mean(red, keepdim=True)
    paxes = tuple(i for i in range(3) if pshape[i] == 1)
    gx = (gh * r).reshape(input.shape) if input._rg else None
    gw = (gv * xhat.reshape(aff)).sum(paxes).reshape(weight.shape) \
        if weight is not None and weight._rg else None
    gb = gv.sum(paxes).reshape(bias.shape) if bias is not None and bias._rg else None
    return gx, gw, gb


def _fresh(input: Tensor, xs: tuple):
    """A new array for the input's gradient, and its (A, B, K) view to compute in: returned
    whole (not as a view), the engine may keep it as ``.grad`` without a copy."""
    out = np.empty(input._data.shape, input._data.dtype)
    return out, out.reshape(xs)


def _grouped_backward(g, xhat, invstd, w, xs, red, pshape, batch_stats, input, weight, bias):
    """The backward in NumPy (no graph recorded) when γ, β vary within a statistics group
    (layer and group norm), with the x̂ kept by the forward and ĝ = γ ⊙ g:
    ∂L/∂x = (ĝ − mean ĝ − x̂ ⊙ mean(ĝ ⊙ x̂)) / σ over each group."""
    aff = g.shape
    paxes = tuple(i for i in range(3) if pshape[i] == 1)
    gw = gb = None
    if weight is not None and weight._rg:
        keep = "".join(c for c, p in zip("abk", pshape) if p != 1)
        gw = _wrap(np.einsum(f"abk,abk->{keep}", g, xhat.reshape(aff)).reshape(weight.shape))
    if bias is not None and bias._rg:
        gb = _wrap(g.sum(axis=paxes).reshape(bias.shape))
    if not input._rg:
        return None, gw, gb
    gh = (g * _expand(w, g) if w is not None else g).reshape(xs)
    out, gx = _fresh(input, xs)
    if batch_stats:
        n = xs[2] * (xs[0] if red == (0, 2) else 1)
        s1 = _sum(gh, red) * (1.0 / n)
        np.multiply(xhat, _dot(gh, xhat, red) * (1.0 / n), out=gx)
        np.subtract(gh, gx, out=gx)
        gx -= s1
        gx *= invstd
    else:
        np.multiply(gh, invstd, out=gx)
    return _wrap(out), gw, gb


def _per_group_backward(g, x, mean, d, invstd, w, red, batch_stats, input, weight, bias):
    """The backward in NumPy (no graph recorded) when γ, β are constant over each statistics
    group (batch and instance norm): with Σ over a group, n its size, a = γ/σ, ḡ = Σ g / n,

        Σ g·x̂ = (Σ g·x − μ·Σ g)/σ,   ∂L/∂γ = Σ g·x̂,   ∂L/∂β = Σ g,
        ∂L/∂x = a·(g − ḡ + k·(x − μ)),   k = −(Σ g·x̂)/(n·σ)      (batch statistics)

    with per-group coefficients only: x̂ is never formed, and ∂L/∂x takes four passes over
    one new array. The mean is μ = mean + d (its float value and the forward's correction)."""
    mu = mean + d
    if np.any(np.abs(mean) * invstd > 8.0):
        # |μ| ≫ σ: Σ g·x − μ·Σ g and k·x − k·μ would cancel most digits; center x first
        x, mu = x - _expand(mean, x), d
    sg = _sum(g, red)
    sgxhat = (_dot(g, x, red) - mu * sg) * invstd
    gw = gb = None
    if weight is not None and weight._rg:
        gw = _wrap((sgxhat if red == (0, 2) else sgxhat.sum(axis=0)).reshape(weight.shape))
    if bias is not None and bias._rg:
        gb = _wrap((sg if red == (0, 2) else sg.sum(axis=0)).reshape(bias.shape))
    if not input._rg:
        return None, gw, gb
    a = _expand(invstd * w if w is not None else invstd, x)
    out, gx = _fresh(input, x.shape)
    if batch_stats:
        n = x.shape[2] * (x.shape[0] if red == (0, 2) else 1)
        k = invstd * sgxhat * (-1.0 / n)
        np.multiply(x, _expand(k, x), out=gx)
        gx += _expand(-k * mu - sg * (1.0 / n), x)
        gx += g
        gx *= a
    else:
        np.multiply(g, a, out=gx)
    return _wrap(out), gw, gb


def _check_numel(name: str, t: Tensor | None, c: int, what: str = "") -> None:
    if t is not None and t._data.size != c:
        raise RuntimeError(f"{what}{name} should contain {c} elements not {t._data.size}")


def _update(running: Tensor | None, value: np.ndarray, momentum: float) -> None:
    """running ← (1 − momentum)·running + momentum·value, in place (not recorded)."""
    if running is None:
        return
    r = running._data
    r *= 1.0 - momentum
    r += (momentum * value).reshape(r.shape).astype(r.dtype, copy=False)
    bump_version(running)


def _verify_batch_size(size) -> None:
    n = size[0]
    for s in size[2:]:
        n *= s
    if n == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {size}")


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalization (批量归一化) of an (N, C, *) input, per channel over the batch and
    all positions: y = γ·(x − μ)/√(σ² + ε) + β.

    In training μ, σ² are the batch's and the running statistics, when given, move towards
    them: running ← (1 − momentum)·running + momentum·batch, the variance entering unbiased
    (σ²·n/(n − 1), n = N·positions). Otherwise the running statistics normalize.
    """
    x = input._data
    if x.ndim < 2:
        raise IndexError(f"batch_norm: expected an input of shape (N, C, *), got "
                         f"{x.ndim}-D input of shape {list(x.shape)}")
    if training:
        _verify_batch_size(input.shape)
        if eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    n, c = x.shape[0], x.shape[1]
    k = x.size // (n * c) if n * c else 0
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_numel(name, t, c)
    stats = None
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        stats = (running_mean._data.reshape(1, c, 1), running_var._data.reshape(1, c, 1))
    out, mean, var = _normalize(input, weight, bias, eps, xs=(n, c, k), red=(0, 2),
                                aff=(n, c, k), pshape=(1, c, 1),
                                node="NativeBatchNormBackward0", stats=stats)
    if training:
        m = n * k
        _update(running_mean, mean, momentum)
        _update(running_var, var * (m / (m - 1)), momentum)
    return out


def _verify_spatial_size(size) -> None:
    n = 1
    for s in size[2:]:
        n *= s
    if n == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{size}")


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Instance normalization of an (N, C, *) input: each (sample, channel) map normalized
    over its own positions. With ``use_input_stats=False`` the running statistics are used
    instead; otherwise, when given, they move towards the batch average of the per-instance
    statistics (the variance unbiased)."""
    x = input._data
    if x.ndim < 2:
        raise IndexError(f"instance_norm: expected an input of shape (N, C, *), got "
                         f"{x.ndim}-D input of shape {list(x.shape)}")
    if use_input_stats:
        _verify_spatial_size(input.shape)
    n, c = x.shape[0], x.shape[1]
    k = x.size // (n * c) if n * c else 0
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_numel(name, t, c, "instance_norm: ")
    stats = None
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when "
                               "use_input_stats is false")
        stats = (running_mean._data.reshape(1, c, 1), running_var._data.reshape(1, c, 1))
    out, mean, var = _normalize(input, weight, bias, eps, xs=(n, c, k), red=(2,),
                                aff=(n, c, k), pshape=(1, c, 1),
                                node="NativeBatchNormBackward0", stats=stats)
    if use_input_stats:
        _update(running_mean, mean.mean(axis=0), momentum)
        _update(running_var, (var * (k / (k - 1))).mean(axis=0), momentum)
    return out


def _shape_arg(normalized_shape) -> tuple:
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def _check_normalized_shape(input: Tensor, ns: tuple, sep: str = ", ") -> int:
    """The number of normalized elements, after checking the input ends with ``ns``."""
    shape = input._data.shape
    if not ns or shape[len(shape) - len(ns):] != ns or len(shape) < len(ns):
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*{sep}{', '.join(map(str, ns))}], but got input of size"
                           f"{list(shape)}")
    return math.prod(ns)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Layer normalization (层归一化): each sample normalized over its last dims
    ``normalized_shape``, then y = γ ⊙ x̂ + β elementwise (γ, β of that shape)."""
    ns = _shape_arg(normalized_shape)
    d = _check_normalized_shape(input, ns)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t._data.shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t._data.shape)} and "
                               f"normalized_shape = {list(ns)}")
    m = input._data.size // d if d else 0
    out, _, _ = _normalize(input, weight, bias, eps, xs=(m, 1, d), red=(2,), aff=(m, 1, d),
                           pshape=(1, 1, d), node="NativeLayerNormBackward0")
    return out


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Group normalization of an (N, C, *) input: the C channels are split into
    ``num_groups`` groups, each (sample, group) normalized over its channels and positions;
    then y = γ·x̂ + β per channel."""
    x = input._data
    if x.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{x.ndim}")
    n, c = x.shape[0], x.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(x.shape)} and "
                           f"num_groups={num_groups}")
    _verify_batch_size([n * c // num_groups, num_groups] + list(x.shape[2:]))
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t._data.ndim != 1 or t._data.size != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number "
                               f"of channels in input, but got {name} of shape "
                               f"{list(t._data.shape)} and input of shape {list(x.shape)}")
    k = x.size // (n * c) if n * c else 0
    out, _, _ = _normalize(input, weight, bias, eps, xs=(n, num_groups, c // num_groups * k),
                           red=(2,), aff=(n, c, k), pshape=(1, c, 1),
                           node="NativeGroupNormBackward0")
    return out


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """RMS normalization: y = x / √(mean(x²) + ε) ⊙ γ over the last dims
    ``normalized_shape``; ε defaults to the dtype's machine epsilon. Composed of ops."""
    ns = _shape_arg(normalized_shape)
    _check_normalized_shape(input, ns, sep="")
    if weight is not None and tuple(weight._data.shape) != ns:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {list(weight._data.shape)} and normalized_shape = "
                           f"{list(ns)}")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(input.dim() - len(ns), input.dim()))
    y = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return y * weight if weight is not None else y


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Local response normalization (AlexNet's) across channels (dim 1):
    y_c = x_c / (k + α/n · Σ x_{c'}²)^β, the sum over the n = ``size`` channels
    c − ⌊n/2⌋ … c + ⌊(n − 1)/2⌋ (zero beyond the edges). Composed of ops."""
    d = input.dim()
    if d < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {d} dimensions)")
    if input.numel() == 0:
        return input
    c = input.shape[1]
    sq = pad(input * input, (0, 0) * (d - 2) + (size // 2, (size - 1) // 2))
    window = sq.narrow(1, 0, c)
    for j in range(1, size):    # over the window's offsets (size is small), not channels
        window = window + sq.narrow(1, j, c)
    return input / ((window / size) * alpha + k) ** beta


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """x / max(‖x‖_p, ε) along ``dim`` (unit-norm vectors)."""
    y = input / input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return y if out is None else out.copy_(y)
