"""In-place changes through views, while gradients are recorded (PyTorch's CopySlices).

A view shares memory with its base. When ``v = b[:, 0]`` is changed in place (``v += 1``,
``b[:, 0] = y``), three things happen here:

1. the new value of the view is computed out of place from its current value (read off the
   base through the view's strides, so it carries the base's history);
2. the base gets a new node: its gradient is g with the view's region set to 0 for the old
   base, and g's region for the new value;
3. the view becomes "the region of the new base" in the graph.

Other views of the same base notice the change through the shared version counter and
rebuild their ``grad_fn`` the same way the next time they are used (``refresh_view``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..tensor import Tensor, _store, _wrap, record


class ViewSpec(NamedTuple):
    """Where a view sits in its base's memory: shape, byte strides and byte offset."""
    shape: tuple
    strides: tuple
    offset: int
    base_shape: tuple
    order: str


def view_spec(v: np.ndarray, b: np.ndarray) -> ViewSpec:
    if b.flags.c_contiguous:
        order = "C"
    elif b.flags.f_contiguous:
        order = "F"
    else:
        raise RuntimeError("in-place change of a view of a non-contiguous tensor while "
                           "recording gradients: clone() the tensor first")
    if any(s == 0 and n > 1 for s, n in zip(v.strides, v.shape)):
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")
    offset = v.__array_interface__["data"][0] - b.__array_interface__["data"][0]
    return ViewSpec(v.shape, v.strides, offset, b.shape, order)


def _through(a: np.ndarray, spec: ViewSpec) -> np.ndarray:
    """The view of ``a`` (laid out like the base) at ``spec``'s place."""
    return np.ndarray(spec.shape, a.dtype, buffer=a, offset=spec.offset, strides=spec.strides)


def _as_base(a: np.ndarray, spec: ViewSpec) -> np.ndarray:
    ok = a.flags.c_contiguous if spec.order == "C" else a.flags.f_contiguous
    return a if ok and a.shape == spec.base_shape else np.array(a, order=spec.order)


def region(g: Tensor, spec: ViewSpec) -> Tensor:
    """The view's part of a base-shaped tensor (a copy); its gradient is ``embed``."""
    out = _through(_as_base(g._data, spec), spec).copy()
    return record(out, "AsStridedBackward0", (g,), lambda gg: embed(gg, spec))


def embed(h: Tensor, spec: ViewSpec) -> Tensor:
    """A base-shaped tensor of zeros with ``h`` in the view's region; its gradient is
    ``region``."""
    z = np.zeros(spec.base_shape, h._data.dtype, order=spec.order)
    _through(z, spec)[...] = h._data
    return record(z, "AsStridedScatterBackward0", (h,), lambda gg: region(gg, spec))


def refresh_view(v: Tensor) -> None:
    """Make a view's grad_fn "the region of its base as it is now"."""
    b = v._base
    spec = view_spec(v._data, b._data)
    holder = record(v._data, "AsStridedBackward0", (b,), lambda g: embed(g, spec))
    if holder._fn is not None:
        v._fn, v._nr, v._rg = holder._fn, 0, True
    v._vv = v._vc.v


def inplace_on_view(v: Tensor, name: str, fn, *args) -> Tensor:
    """Apply the out-of-place op ``fn`` to view ``v`` and write the result through it, with
    the graph of its base updated as described above."""
    b = v._base
    spec = view_spec(v._data, b._data)
    old = region(b, spec) if b._rg else _wrap(v._data.copy())
    r = fn(old, *args)
    _store(v, r._data, name)
    prev = None
    if b._rg:                        # the base before the change, as a graph input
        prev = _wrap(b._data)
        prev._fn, prev._nr, prev._rg = b._fn, b._nr, True

    def backward(g):
        gr = region(g, spec)
        return (g - embed(gr, spec) if prev is not None else None), gr
    holder = record(b._data, "CopySlices", (prev, r), backward)
    if holder._fn is not None:
        b._fn, b._nr, b._rg = holder._fn, 0, True
    refresh_view(v)
    return v
