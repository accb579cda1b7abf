"""Check analytic gradients against finite differences (数值梯度检验), in float64.

``gradcheck(f, inputs)`` builds, for every input that requires grad and every output, the
Jacobian two ways: by backward passes (one per output element) and by central differences
(f(x + eps) - f(x - eps)) / 2eps, one element of x at a time, and compares them.
``fast_mode=True`` compares only the projections uᵀ J v along random directions (one backward
and one pair of evaluations per input), which is enough to catch a wrong formula.
``gradgradcheck`` does the same for the gradient of the gradient (create_graph=True).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..tensor import Tensor, _wrap


class GradcheckError(RuntimeError):
    """Analytic and numerical gradients differ."""


def _as_tuple(x) -> tuple:
    return x if isinstance(x, tuple) else ((x,) if isinstance(x, Tensor) else tuple(x))


def _with(inputs: tuple, i: int, arr: np.ndarray) -> tuple:
    new = _wrap(arr)
    new._rg = inputs[i]._rg     # the function may itself differentiate (gradgradcheck)
    return inputs[:i] + (new,) + inputs[i + 1:]


def _outputs(func, inputs) -> list:
    outs = _as_tuple(func(*inputs))
    return [o._data.astype(np.float64) for o in outs
            if isinstance(o, Tensor) and o._data.dtype.kind == "f"]


def _numerical(func, inputs, i, eps, direction=None):
    """d outputs / d inputs[i]: a (n_out_elems, n_in_elems) Jacobian per output, or, with a
    ``direction`` v, the directional derivative J v per output."""
    x = inputs[i]._data
    if direction is not None:
        plus = _outputs(func, _with(inputs, i, x + eps * direction))
        minus = _outputs(func, _with(inputs, i, x - eps * direction))
        return [((p - m) / (2 * eps)).reshape(-1) for p, m in zip(plus, minus)]
    cols = []
    for k in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp.flat[k] += eps
        xm.flat[k] -= eps
        plus = _outputs(func, _with(inputs, i, xp))
        minus = _outputs(func, _with(inputs, i, xm))
        cols.append([((p - m) / (2 * eps)).reshape(-1) for p, m in zip(plus, minus)])
    n_out = len(_outputs(func, inputs))
    return [np.stack([c[o] for c in cols], axis=1) if cols else np.zeros((0, 0))
            for o in range(n_out)]


def _analytic_vjp(outs, inputs, i, seeds):
    from . import grad
    g = grad(outs, [inputs[i]], seeds, retain_graph=True, allow_unused=True)[0]
    if g is None:
        return np.zeros(inputs[i]._data.size)
    return g._data.astype(np.float64).reshape(-1)


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, fast_mode: bool = False, seed: int = 0,
              **_unused) -> bool:
    """True when the gradients of ``func`` at ``inputs`` match finite differences."""
    inputs = _as_tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._rg]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for i in diff:
        if inputs[i]._data.dtype != np.float64:
            warnings.warn(f"gradcheck: input {i} is {inputs[i].dtype}, not float64; the check "
                          f"will likely fail from rounding", stacklevel=2)
    outs = [o for o in _as_tuple(func(*inputs))
            if isinstance(o, Tensor) and o._data.dtype.kind == "f"]
    diff_outs = [o for o in outs if o._rg]
    rng = np.random.default_rng(seed)
    try:
        for i in diff:
            x = inputs[i]._data
            if fast_mode:
                v = rng.standard_normal(x.shape)
                us = [rng.standard_normal(o._data.shape) for o in outs]
                num = _numerical(func, inputs, i, eps, v)
                a = 0.0
                if diff_outs:
                    seeds = [_wrap(u.astype(o._data.dtype)) for u, o in zip(us, outs) if o._rg]
                    a = float(_analytic_vjp(diff_outs, inputs, i, seeds) @ v.reshape(-1))
                n = float(sum(u.reshape(-1) @ j for u, j in zip(us, num)))
                if not np.isclose(a, n, rtol=rtol, atol=atol):
                    raise GradcheckError(f"Jacobian mismatch for input {i} (fast mode, random "
                                         f"projection): analytic {a:.8g}, numerical {n:.8g}")
                continue
            nums = _numerical(func, inputs, i, eps)
            for k, o in enumerate(outs):
                ana = np.zeros((o._data.size, x.size))
                if o._rg:
                    for j in range(o._data.size):
                        seed_arr = np.zeros(o._data.size, o._data.dtype)
                        seed_arr[j] = 1
                        ana[j] = _analytic_vjp([o], inputs, i,
                                               [_wrap(seed_arr.reshape(o._data.shape))])
                num = nums[k]
                if not np.allclose(ana, num, rtol=rtol, atol=atol):
                    err = np.abs(ana - num)
                    j = np.unravel_index(err.argmax(), err.shape)
                    raise GradcheckError(
                        f"Jacobian mismatch for output {k} with respect to input {i}: largest "
                        f"difference {err.max():.3g} at (output element {j[0]}, input element "
                        f"{j[1]}): analytic {ana[j]:.8g}, numerical {num[j]:.8g}")
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, fast_mode: bool = False,
                  seed: int = 0, **_unused) -> bool:
    """Check second derivatives: gradcheck of (inputs, grad_outputs) -> grad(func(inputs))."""
    from . import grad
    inputs = _as_tuple(inputs)
    outs = [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor) and o._rg]
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        grad_outputs = tuple(_wrap(rng.standard_normal(o._data.shape)).requires_grad_()
                             for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._rg]
    n_in = len(inputs)

    def first_derivative(*args):
        xs, gs = args[:n_in], args[n_in:]
        os = [o for o in _as_tuple(func(*xs)) if isinstance(o, Tensor) and o._rg]
        res = grad(os, [xs[i] for i in diff], list(gs), create_graph=True, allow_unused=True)
        return tuple(r for r in res if r is not None)

    return gradcheck(first_derivative, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode, seed=seed)
