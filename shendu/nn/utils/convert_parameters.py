"""Flatten parameters into one vector and back (e.g. for second-order methods)."""

from __future__ import annotations

from ...ops.shape import cat

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """All parameters concatenated into one 1-D tensor (differentiable)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (replacing their data)."""
    if vec.ndim != 1:
        raise TypeError(f"expected a 1-D vector, but got a {vec.ndim}-D tensor")
    offset = 0
    for p in parameters:
        n = p.numel()
        if offset + n > vec.numel():
            raise RuntimeError(f"vector_to_parameters: the vector has {vec.numel()} elements, "
                               f"fewer than the parameters need")
        p._data = vec._data[offset:offset + n].reshape(p._data.shape).astype(p._data.dtype)
        offset += n
