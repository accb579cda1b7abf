"""Making tensors: tensor, as_tensor, from_numpy, zeros, ones, full, empty, the *_like forms,
arange, linspace, logspace, eye, meshgrid, tril_indices; random tensors (rand, randn,
randint, randperm, normal, bernoulli, multinomial); and in-place fills (zero_, fill_, copy_,
uniform_, normal_, ...)."""

from __future__ import annotations

import math
import operator

import numpy as np

from .. import _device, dtypes
from ..random import rng
from ..tensor import (Tensor, _wrap, apply_inplace, bump_version, check_inplace, record,
                      tensor_method)

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "scalar_tensor", "zeros", "ones",
           "full", "empty", "zeros_like", "ones_like", "full_like", "empty_like", "arange",
           "range", "linspace", "logspace", "eye", "meshgrid", "tril_indices", "triu_indices",
           "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial",
           "rand_like", "randn_like", "randint_like", "poisson"]

_range = range


def _finish(arr: np.ndarray, requires_grad: bool, device) -> Tensor:
    if device is not None:
        _device.check(device)
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _np_dtype(dtype, default=None):
    if dtype is None:
        return default if default is not None else dtypes.get_default_dtype().np
    return dtypes.as_dtype(dtype).np


def _size(size, kw=None) -> tuple:
    """A shape from ``*size`` (ints, or one tuple or list) or the ``size=`` keyword."""
    if kw is not None:
        if size:
            raise TypeError("size given both as positional arguments and as size=")
        size = (kw,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        shape = tuple(operator.index(s) for s in size)
    except TypeError:
        raise TypeError(f"size must be a tuple of ints, got {size!r}") from None
    neg = next((s for s in shape if s < 0), None)
    if neg is not None:
        raise RuntimeError(f"Trying to create tensor with negative dimension {neg}: "
                           f"{list(shape)}")
    return shape


def _infer_dtype(arr: np.ndarray, from_python: bool) -> np.dtype:
    k = arr.dtype.kind
    if k == "f":
        # float64 NumPy data becomes the default dtype too (unlike PyTorch), so that data
        # from NumPy does not silently turn a model to float64; float16 and float32 stay
        if from_python or arr.dtype == np.float64:
            return dtypes.get_default_dtype().np
        return arr.dtype
    if k == "u" and from_python:       # Python ints beyond int64 made NumPy pick uint64
        raise ValueError("Overflow when unpacking long long")
    if k in "iu":
        return np.dtype(np.int64) if from_python else arr.dtype
    if k == "b":
        return arr.dtype
    raise TypeError(f"can't convert data of type {arr.dtype} to a tensor: only numbers and "
                    f"bools are supported")


def _check_int_range(arr: np.ndarray, npd: np.dtype) -> None:
    """Python integers must fit the requested integer dtype, as PyTorch checks."""
    if arr.dtype.kind in "iu" and npd.kind in "iub" and arr.size:
        info = np.iinfo(npd) if npd.kind != "b" else None
        if info is not None and (arr.max() > info.max or arr.min() < info.min):
            bad = arr.max() if arr.max() > info.max else arr.min()
            raise RuntimeError(f"value cannot be converted to type {npd} without overflow: "
                               f"{bad}")


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor copied from ``data`` (numbers, nested lists, NumPy arrays, tensors).

    Floats become float32 (the default dtype) unless ``dtype`` says otherwise, also when they
    come as a float64 NumPy array; integers become int64 (NumPy integer arrays keep their
    dtype); bools stay bool.
    """
    if isinstance(data, Tensor):
        arr = data._data
        from_python = False
    else:
        # NumPy scalars keep their dtype, like arrays
        from_python = not isinstance(data, (np.ndarray, np.generic))
        try:
            arr = np.array(data)
        except ValueError as e:
            raise ValueError(f"tensor(): could not build a tensor from the data (are the nested "
                             f"lists ragged?): {e}") from None
        except OverflowError:
            raise ValueError("Overflow when unpacking long long") from None
        if arr.dtype == object:
            if any(isinstance(v, int) for v in arr.flat):     # beyond uint64
                raise ValueError("Overflow when unpacking long long")
            raise TypeError(f"tensor(): can't convert {type(data).__name__} data to a tensor: "
                            f"only numbers, bools and (nested) sequences of them are supported")
    npd = _np_dtype(dtype, _infer_dtype(arr, from_python))
    if from_python:
        _check_int_range(arr, npd)
    with np.errstate(over="ignore", invalid="ignore"):     # casts saturate/wrap as in PyTorch
        out = np.array(arr, dtype=npd, copy=True)
    return _finish(out, requires_grad, device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor``, but shares memory with a NumPy array or tensor of the right dtype (and
    keeps a NumPy array's dtype, as ``torch.as_tensor``)."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray):
        npd = data.dtype if dtype is None else _np_dtype(dtype)
        dtypes.from_np(npd)
        return _finish(np.asarray(data, npd), False, device)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (same dtype)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    dtypes.from_np(ndarray.dtype)
    return _wrap(ndarray)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.asarray(s, _np_dtype(dtype)), requires_grad, device)


def zeros(*args, size=None, out=None, dtype=None, device=None,
          requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(_size(args, size), _np_dtype(dtype)), requires_grad, device)


def ones(*args, size=None, out=None, dtype=None, device=None,
          requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(_size(args, size), _np_dtype(dtype)), requires_grad, device)


def empty(*args, size=None, out=None, dtype=None, device=None, requires_grad: bool = False,
          memory_format=None) -> Tensor:
    return _finish(np.empty(_size(args, size), _np_dtype(dtype)), requires_grad, device)


def _fill_dtype(value):
    if isinstance(value, Tensor):
        return value._data.dtype
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(value, (int, np.integer)):
        return np.dtype(np.int64)
    return dtypes.get_default_dtype().np


def full(size, fill_value, *, out=None, dtype=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (its dtype inferred from the value)."""
    v = fill_value._data if isinstance(fill_value, Tensor) else fill_value
    return _finish(np.full(_size((size,)), v, _np_dtype(dtype, _fill_dtype(fill_value))),
                   requires_grad, device)


def _like(input, dtype):
    return input._data.shape, (input._data.dtype if dtype is None else _np_dtype(dtype))


def zeros_like(input, *, dtype=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    shape, d = _like(input, dtype)
    return _finish(np.zeros(shape, d), requires_grad, device)


def ones_like(input, *, dtype=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    shape, d = _like(input, dtype)
    return _finish(np.ones(shape, d), requires_grad, device)


def empty_like(input, *, dtype=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    shape, d = _like(input, dtype)
    return _finish(np.empty(shape, d), requires_grad, device)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    shape, d = _like(input, dtype)
    return _finish(np.full(shape, fill_value, d), requires_grad, device)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """[start, start + step, ...) up to ``end`` (int64 for integer arguments, else float)."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if vals[2] == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start={vals[0]}, end={vals[1]}, step={vals[2]})")
    is_int = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in vals)
    npd = _np_dtype(dtype, np.dtype(np.int64) if is_int else None)
    if npd == np.bool_:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    n = max(0, math.ceil((vals[1] - vals[0]) / vals[2]))
    arr = (vals[0] + np.arange(n, dtype=np.float64 if not is_int else np.int64) * vals[2])
    return _finish(arr.astype(npd), requires_grad, device)


def range(start=0, end=None, step=1, *, dtype=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """Deprecated in PyTorch: like arange but including ``end``; float by default."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    arr = start + np.arange(n, dtype=np.float64) * step
    return _finish(arr.astype(_np_dtype(dtype)), requires_grad, device)


def linspace(start, end, steps: int, *, out=None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end inclusive."""
    start = start.item() if isinstance(start, Tensor) else start
    end = end.item() if isinstance(end, Tensor) else end
    steps = operator.index(steps)
    if steps < 0:
        raise RuntimeError("linspace: number of steps must be non-negative")
    i = np.arange(steps, dtype=np.float64)
    if steps > 1:
        step = (end - start) / (steps - 1)
        half = steps // 2
        # PyTorch's symmetric formula: the first half from start, the second half from end
        arr = np.where(i < half, start + step * i, end - step * (steps - 1 - i))
    else:
        arr = np.full(steps, start, np.float64)
    npd = _np_dtype(dtype)
    if npd.kind in "iu":
        arr = np.trunc(arr)
    return _finish(arr.astype(npd), requires_grad, device)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    exps = linspace(start, end, steps, dtype=dtypes.float64)._data
    return _finish((base ** exps).astype(_np_dtype(dtype)), requires_grad, device)


def eye(n: int, m: int | None = None, *, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    """The n×m identity matrix."""
    m = n if m is None else m
    for what, v in (("n", n), ("m", m)):
        if v < 0:
            raise RuntimeError(f"eye: {what} must be greater or equal to 0, got {v}")
    return _finish(np.eye(n, m, dtype=_np_dtype(dtype)), requires_grad, device)


def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    """Coordinate grids from 1-D tensors ('ij': matrix indexing, 'xy': Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"meshgrid: indexing must be one of \"xy\" or \"ij\", but received: "
                           f"{indexing}")
    for t in tensors:
        if t._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError(f"meshgrid expects all tensors to have the same dtype, got "
                               f"{tensors[0].dtype} and {t.dtype}")
        if t._data.ndim > 1:
            raise RuntimeError(f"meshgrid: Expected 0D or 1D tensor in the tensor list but got a "
                               f"{t._data.ndim}-D tensor of shape {list(t._data.shape)}")
    sizes = [t._data.size for t in tensors]
    order = list(_range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        order[0], order[1] = 1, 0
    shape = [sizes[k] for k in order]
    grids = []
    for i, t in enumerate(tensors):
        view = [1] * len(tensors)
        view[order.index(i)] = sizes[i]
        grids.append(t.reshape(view).expand(shape))
    return tuple(grids)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    r, c = np.tril_indices(row, offset, col)
    return _finish(np.stack([r, c]).astype(_np_dtype(dtype, np.dtype(np.int64))), False, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    r, c = np.triu_indices(row, offset, col)
    return _finish(np.stack([r, c]).astype(_np_dtype(dtype, np.dtype(np.int64))), False, device)


# ----- random tensors -------------------------------------------------------------------------

_KERNEL_NAMES = {np.dtype(np.int64): "Long", np.dtype(np.int32): "Int",
                 np.dtype(np.int16): "Short", np.dtype(np.int8): "Char",
                 np.dtype(np.uint8): "Byte", np.dtype(np.bool_): "Bool"}


def _float_dtype(d: np.dtype, kernel: str) -> np.dtype:
    """Continuous distributions exist for float dtypes only (PyTorch's error otherwise)."""
    if d.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_KERNEL_NAMES[d]}'")
    return d


def _uniform(shape, d, generator, low=0.0, high=1.0):
    r = rng(generator)
    if d in (np.float32, np.float64):
        out = r.random(shape, dtype=d)
    else:       # float16: multiples of 2⁻¹¹ (rounding a float64 draw could give 1.0)
        out = (r.integers(0, 2 ** 11, shape) * 2.0 ** -11).astype(d)
    if low != 0.0 or high != 1.0:
        out = out * (high - low) + low
    return out.astype(d, copy=False)


def _normal(shape, d, generator, mean=0.0, std=1.0):
    r = rng(generator)
    if d in (np.float32, np.float64):
        out = r.standard_normal(shape, dtype=d)
    else:
        out = r.standard_normal(shape).astype(d)
    if std != 1.0:
        out *= std
    if mean != 0.0:
        out += mean
    return out


def rand(*args, size=None, generator=None, out=None, dtype=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1)."""
    d = _float_dtype(_np_dtype(dtype), "check_uniform_bounds")
    return _finish(_uniform(_size(args, size), d, generator), requires_grad, device)


def randn(*args, size=None, generator=None, out=None, dtype=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples (mean 0, variance 1)."""
    d = _float_dtype(_np_dtype(dtype), "normal_kernel_cpu")
    return _finish(_normal(_size(args, size), d, generator), requires_grad, device)


def _int_range(low: int, high: int, d: np.dtype, name: str) -> None:
    """[low, high) must hold values of dtype ``d`` (floats: integers exactly representable)."""
    if d.kind == "f":
        lim = 2 ** (np.finfo(d).nmant + 1)
        lo, hi = -lim, lim
    elif d.kind == "b":
        lo, hi = 0, 1
    else:
        lo, hi = int(np.iinfo(d).min), int(np.iinfo(d).max)
    if not lo <= low <= hi:
        raise RuntimeError(f"{name}: from is out of bounds for {dtypes.from_np(d)}")
    if not lo <= high - 1 <= hi:
        raise RuntimeError(f"{name}: to - 1 is out of bounds for {dtypes.from_np(d)}")
    if low >= high:
        raise RuntimeError(f"{name} expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")


def _integers(generator, low: int, high: int, shape) -> np.ndarray:
    """Uniform integers on [low, high) (high may be 2⁶³)."""
    return rng(generator).integers(low, high - 1, size=shape, dtype=np.int64, endpoint=True)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    for what, v in (("low", low), ("high", high)):
        if not isinstance(v, (int, np.integer)):
            raise TypeError(f"randint(): argument '{what}' must be int, not {type(v).__name__}")
    npd = _np_dtype(dtype, np.dtype(np.int64))
    _int_range(low, high, npd, "random_")
    out = _integers(generator, low, high, _size((size,)))
    return _finish(out.astype(npd), requires_grad, device)


def randperm(n: int, *, generator=None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1."""
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    out = rng(generator).permutation(n).astype(_np_dtype(dtype, np.dtype(np.int64)))
    return _finish(out, requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           device=None, requires_grad: bool = False) -> Tensor:
    """Samples mean + std·z, z ~ N(0, 1), with mean and std numbers or tensors (broadcast).
    Gradients reach tensor means (∂/∂mean = 1) and stds (∂/∂std = z)."""
    tensors = [x for x in (mean, std) if isinstance(x, Tensor)]
    if not tensors and size is None:
        raise TypeError("normal(): with a number mean and std, size is required")
    if tensors and size is not None:
        raise TypeError("normal(): size is only for a number mean and std")
    if isinstance(std, Tensor):
        if np.any(std._data < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if size is not None:
        d = _float_dtype(_np_dtype(dtype), "normal_kernel_cpu")
        z = _normal(_size((size,)), d, generator)
        return _finish((z * std + mean).astype(d, copy=False), requires_grad, device)
    shapes = [x._data.shape for x in tensors]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(f"normal: the shapes of mean and std {shapes} cannot be "
                           f"broadcast") from None
    d = _float_dtype(dtypes.result_np(*[x._data for x in tensors]), "normal_kernel_cpu")
    z = _wrap(_normal(shape, d, generator))
    return z * std + mean


def bernoulli(input, p=None, *, generator=None) -> Tensor:
    """1 with probability p (``input`` holds the probabilities), else 0, in input's dtype.
    Its gradient is zero."""
    probs = input._data if p is None else np.full(input._data.shape, p)
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for "
                                  f"'{_KERNEL_NAMES[input._data.dtype]}'")
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("bernoulli: all probabilities must be in [0, 1], as p_in >= 0 && "
                           "p_in <= 1")
    u = rng(generator).random(input._data.shape)
    return record((u < probs).astype(input._data.dtype), "BernoulliBackward0", (input,),
                  lambda g: g * 0)


def poisson(input, generator=None) -> Tensor:
    return _wrap(rng(generator).poisson(input._data).astype(input._data.dtype))


def multinomial(input, num_samples: int, replacement: bool = False, *,
                generator=None) -> Tensor:
    """Draw category indices with probabilities proportional to the rows of ``input``
    (sampling for text generation). Without replacement it uses the Gumbel-top-k trick:
    the k largest of log p + Gumbel noise are a draw of k distinct categories (categories of
    probability 0 come last, as PyTorch draws them once the others are used up)."""
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_KERNEL_NAMES[input._data.dtype]}")
    p = input._data.astype(np.float64)
    if p.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got {p.ndim}")
    if num_samples <= 0:
        raise RuntimeError("multinomial: cannot sample n_sample <= 0 samples")
    rows = p.reshape(-1, p.shape[-1])
    if np.any(rows < 0) or not np.all(np.isfinite(rows)):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    if np.any(rows.sum(-1) <= 0):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of "
                           "probabilities <= 0)")
    n_cat = rows.shape[-1]
    r = rng(generator)
    if not replacement:
        if num_samples > n_cat:
            raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) "
                               f"samples without replacement ({num_samples} > {n_cat})")
        with np.errstate(divide="ignore"):
            keys = np.log(rows) + r.gumbel(size=rows.shape)
        out = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    else:
        cdf = np.cumsum(rows / rows.sum(-1, keepdims=True), axis=-1)
        u = r.random((rows.shape[0], num_samples))
        out = np.minimum((u[:, :, None] >= cdf[:, None, :]).sum(-1), n_cat - 1)
    out = out.astype(np.int64)
    return _wrap(out.reshape(num_samples) if p.ndim == 1 else out)


def rand_like(input, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    shape, d = _like(input, dtype)
    d = _float_dtype(d, "check_uniform_bounds")
    return _finish(_uniform(shape, d, None), requires_grad, device)


def randn_like(input, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    shape, d = _like(input, dtype)
    d = _float_dtype(d, "normal_kernel_cpu")
    return _finish(_normal(shape, d, None), requires_grad, device)


def randint_like(input, low=0, high=None, *, dtype=None, device=None,
                 requires_grad: bool = False) -> Tensor:
    if high is None:
        low, high = 0, low
    shape, d = _like(input, dtype)
    _int_range(low, high, d, "random_")
    return _finish(_integers(None, low, high, shape).astype(d), requires_grad, device)


Tensor.bernoulli = bernoulli
Tensor.multinomial = multinomial


# ----- in-place fills -------------------------------------------------------------------------

def _fill(self: Tensor, values, name: str) -> Tensor:
    """Overwrite self with ``values`` (array or number). Recorded, the old value gets gradient 0."""
    if check_inplace(self, name):
        return apply_inplace(self, name, lambda s: s * 0 + _wrap(np.asarray(values, s._data.dtype)))
    np.copyto(self._data, values, casting="unsafe")
    bump_version(self)
    return self


def _fill_value(value, d: np.dtype) -> np.ndarray:
    """A number as a 0-d array of dtype ``d``; it must fit, as PyTorch checks (unsigned types
    take negative integers down to -max, which wrap around)."""
    if not isinstance(value, (bool, np.bool_)) and d.kind != "b":
        if d.kind == "f":
            bad = math.isfinite(value) and abs(value) > float(np.finfo(d).max)
        else:
            info = np.iinfo(d)
            v = int(value) if math.isfinite(value) else value
            bad = v > info.max or (v < -info.max if info.min == 0 else v < info.min)
        if bad:
            raise RuntimeError(f"value cannot be converted to type {dtypes.from_np(d)} without "
                               f"overflow: {value}")
    with np.errstate(invalid="ignore"):
        return np.asarray(value).astype(d)


@tensor_method
def zero_(self) -> Tensor:
    return _fill(self, 0, "zero_")


@tensor_method
def fill_(self, value) -> Tensor:
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        if check_inplace(self, "fill_", value):
            return apply_inplace(self, "fill_", lambda s, v: s * 0 + v.to(s.dtype), value)
        value = value._data
    else:
        value = _fill_value(value, self._data.dtype)
    return _fill(self, value, "fill_")


@tensor_method
def copy_(self, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast to self's dtype) into self;  ∂L/∂src = g."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
    try:
        np.broadcast_to(src._data, self._data.shape)
    except ValueError:
        raise RuntimeError(f"copy_: the size of tensor a ({list(self._data.shape)}) must match "
                           f"the size of tensor b ({list(src._data.shape)})") from None
    if check_inplace(self, "copy_", src):
        return apply_inplace(self, "copy_", lambda s, v: s * 0 + v.to(s.dtype), src)
    np.copyto(self._data, src._data, casting="unsafe")
    bump_version(self)
    return self


@tensor_method
def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples uniform on [a, b)."""
    d = _float_dtype(self._data.dtype, "check_uniform_bounds")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > "
                           f"to={b}")
    return _fill(self, _uniform(self._data.shape, d, generator, a, b), "uniform_")


@tensor_method
def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples of N(mean, std²)."""
    d = _float_dtype(self._data.dtype, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(self, _normal(self._data.shape, d, generator, mean, std), "normal_")


@tensor_method
def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
    """Fill with 1 with probability p (a number or a tensor of probabilities), else 0."""
    probs = p._data if isinstance(p, Tensor) else p
    if np.any((np.asarray(probs) < 0) | (np.asarray(probs) > 1)):
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p="
                           f"{p if not isinstance(p, Tensor) else 'a tensor outside it'}")
    return _fill(self, rng(generator).random(self._data.shape) < probs, "bernoulli_")


@tensor_method
def random_(self, from_: int = 0, to: int | None = None, *, generator=None) -> Tensor:
    """Fill with integers uniform on [from, to); ``random_(to)`` is [0, to), and ``random_()``
    runs up to the dtype's largest value (for floats, the largest integer of exact
    neighbours: 2²⁴ for float32)."""
    d = self._data.dtype
    if to is None:
        if from_:
            from_, to = 0, from_
        elif d.kind == "f":
            to = 2 ** (np.finfo(d).nmant + 1) + 1
        elif d.kind == "b":
            to = 2
        else:
            to = int(np.iinfo(d).max) + 1
    _int_range(from_, to, d, "random_")
    return _fill(self, _integers(generator, from_, to, self._data.shape), "random_")


@tensor_method
def exponential_(self, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples of density λ·exp(-λx)."""
    if self._data.dtype.kind != "f":
        raise RuntimeError(f"Exponential distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified {self.dtype}")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill(self, rng(generator).exponential(1.0 / lambd, self._data.shape), "exponential_")
