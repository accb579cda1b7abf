"""Making tensors: tensor, as_tensor, from_numpy, zeros, ones, full, empty, the *_like forms,
arange, linspace, logspace, eye, meshgrid, tril_indices; random tensors (rand, randn,
randint, randperm, normal, bernoulli, multinomial); and in-place fills (zero_, fill_, copy_,
uniform_, normal_, ...)."""

from __future__ import annotations

import math

import numpy as np

from .. import _device, dtypes
from ..random import rng
from ..tensor import Tensor, _wrap, apply_inplace, bump_version, check_inplace, tensor_method

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
    if kw is not None:
        size = (kw,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        shape = tuple(int(s) for s in size)
    except TypeError:
        raise TypeError(f"expected a size made of ints, got {size!r}") from None
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
    return shape


def _infer_dtype(arr: np.ndarray, from_python: bool) -> np.dtype:
    k = arr.dtype.kind
    if k == "f":
        return dtypes.get_default_dtype().np
    if k in "iu":
        return np.dtype(np.int64) if from_python else arr.dtype
    if k == "b":
        return arr.dtype
    raise TypeError(f"can't convert data of type {arr.dtype} to a tensor: only numbers and "
                    f"bools are supported")


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
        from_python = not isinstance(data, np.ndarray)
        try:
            arr = np.array(data)
        except ValueError as e:
            raise ValueError(f"tensor(): could not build a tensor from the data: {e}") from None
    npd = _np_dtype(dtype, _infer_dtype(arr, from_python))
    return _finish(np.array(arr, dtype=npd, copy=True), requires_grad, device)


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


def zeros(*size, out=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(_size(size), _np_dtype(dtype)), requires_grad, device)


def ones(*size, out=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(_size(size), _np_dtype(dtype)), requires_grad, device)


def empty(*size, out=None, dtype=None, device=None, requires_grad: bool = False,
          memory_format=None) -> Tensor:
    return _finish(np.empty(_size(size), _np_dtype(dtype)), requires_grad, device)


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
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign "
                           f"(start={vals[0]}, end={vals[1]}, step={vals[2]})")
    is_int = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in vals)
    npd = _np_dtype(dtype, np.dtype(np.int64) if is_int else None)
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
    return _finish(np.eye(n, n if m is None else m, dtype=_np_dtype(dtype)), requires_grad,
                   device)


def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    """Coordinate grids from 1-D tensors ('ij': matrix indexing, 'xy': Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
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

def _float_dtype(dtype) -> np.dtype:
    d = _np_dtype(dtype)
    if d.kind != "f":
        raise RuntimeError(f"expected a floating point dtype, got {dtypes.from_np(d)}")
    return d


def _uniform(shape, d, generator, low=0.0, high=1.0):
    r = rng(generator)
    if d in (np.float32, np.float64):
        out = r.random(shape, dtype=d)
    else:
        out = r.random(shape).astype(d)
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


def rand(*size, generator=None, out=None, dtype=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1)."""
    return _finish(_uniform(_size(size), _float_dtype(dtype), generator), requires_grad, device)


def randn(*size, generator=None, out=None, dtype=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples (mean 0, variance 1)."""
    return _finish(_normal(_size(size), _float_dtype(dtype), generator), requires_grad, device)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None:
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint() missing required argument 'size'")
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    out = rng(generator).integers(low, high, size=_size((size,)), dtype=np.int64)
    return _finish(out.astype(_np_dtype(dtype, np.dtype(np.int64))), requires_grad, device)


def randperm(n: int, *, generator=None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1."""
    out = rng(generator).permutation(n).astype(_np_dtype(dtype, np.dtype(np.int64)))
    return _finish(out, requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           device=None, requires_grad: bool = False) -> Tensor:
    """Normal samples with the given mean and std (numbers or tensors, broadcast)."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if np.any(np.asarray(s) < 0):
        raise RuntimeError("normal expects std >= 0.0")
    if size is not None:
        shape = _size((size,))
    else:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    tdt = next((x._data.dtype for x in (mean, std) if isinstance(x, Tensor)), None)
    d = _float_dtype(dtype) if dtype is not None or tdt is None else tdt
    z = _normal(shape, d, generator)
    return _finish((z * s + m).astype(d, copy=False), requires_grad, device)


def bernoulli(input, p=None, *, generator=None) -> Tensor:
    """1 with probability p (``input`` holds the probabilities), else 0, in input's dtype."""
    probs = input._data if p is None else np.full(input._data.shape, p)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("bernoulli: all probabilities must be in [0, 1]")
    u = rng(generator).random(input._data.shape)
    return _wrap((u < probs).astype(input._data.dtype))


def poisson(input, generator=None) -> Tensor:
    return _wrap(rng(generator).poisson(input._data).astype(input._data.dtype))


def multinomial(input, num_samples: int, replacement: bool = False, *,
                generator=None) -> Tensor:
    """Draw category indices with probabilities proportional to the rows of ``input``
    (sampling for text generation). Without replacement it uses the Gumbel-top-k trick:
    the k largest of log p + Gumbel noise are a draw of k distinct categories."""
    p = input._data.astype(np.float64)
    if p.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got {p.ndim}")
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
            raise RuntimeError(f"multinomial: cannot sample n_sample ({num_samples}) > "
                               f"prob_dist.size(-1) ({n_cat}) samples without replacement")
        if num_samples > int((rows > 0).sum(-1).min()):
            raise RuntimeError("multinomial: invalid multinomial distribution (with "
                               "replacement=False, not enough non-negative category to sample)")
        with np.errstate(divide="ignore"):
            keys = np.log(rows) + r.gumbel(size=rows.shape)
        out = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    else:
        cdf = np.cumsum(rows / rows.sum(-1, keepdims=True), axis=-1)
        u = r.random((rows.shape[0], num_samples))
        out = np.minimum((u[:, :, None] > cdf[:, None, :]).sum(-1), n_cat - 1)
    out = out.astype(np.int64)
    return _wrap(out.reshape(num_samples) if p.ndim == 1 else out)


def rand_like(input, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    shape, d = _like(input, dtype)
    return _finish(_uniform(shape, d, None), requires_grad, device)


def randn_like(input, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    shape, d = _like(input, dtype)
    return _finish(_normal(shape, d, None), requires_grad, device)


def randint_like(input, low=0, high=None, *, dtype=None, device=None,
                 requires_grad: bool = False) -> Tensor:
    if high is None:
        low, high = 0, low
    shape, d = _like(input, dtype)
    return _finish(rng(None).integers(low, high, size=shape).astype(d), requires_grad, device)


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
    return _fill(self, value, "fill_")


@tensor_method
def copy_(self, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast to self's dtype) into self;  ∂L/∂src = g."""
    if not isinstance(src, Tensor):
        src = _wrap(np.asarray(src))
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
    return _fill(self, _uniform(self._data.shape, self._data.dtype, generator, a, b), "uniform_")


@tensor_method
def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    return _fill(self, _normal(self._data.shape, self._data.dtype, generator, mean, std),
                 "normal_")


@tensor_method
def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
    probs = p._data if isinstance(p, Tensor) else p
    return _fill(self, rng(generator).random(self._data.shape) < probs, "bernoulli_")


@tensor_method
def random_(self, from_: int = 0, to: int | None = None, *, generator=None) -> Tensor:
    if to is None:
        from_, to = 0, from_ if from_ else (2 ** 24 if self._data.dtype.kind == "f" else
                                            np.iinfo(self._data.dtype).max)
    return _fill(self, rng(generator).integers(from_, to, self._data.shape), "random_")


@tensor_method
def exponential_(self, lambd: float = 1.0, *, generator=None) -> Tensor:
    return _fill(self, rng(generator).exponential(1.0 / lambd, self._data.shape), "exponential_")
