"""Shape ops (形状变换): reshape, view, permute, transpose, squeeze, unsqueeze, flatten,
unflatten, expand, repeat, tile, cat, stack, split, chunk, unbind, flip, roll, tril, triu.

Ops that only reinterpret memory (view, reshape when possible, permute, transpose, squeeze,
unsqueeze, expand, split, unbind) return views that share the input's buffer and its
in-place version counter, as in PyTorch. Their backward undoes the rearrangement; the backward
of ``expand`` (broadcast) is a sum, and of ``cat`` a split.
"""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes
from ..tensor import Size, Tensor, _wrap, make_view, record, record_multi, tensor_method
from ._helpers import broadcast_error, norm_dim, norm_dims

__all__ = ["reshape", "permute", "transpose", "swapaxes", "swapdims", "t", "movedim",
           "moveaxis", "squeeze", "unsqueeze", "flatten", "unflatten", "broadcast_to",
           "broadcast_tensors", "broadcast_shapes", "repeat_interleave", "tile", "cat",
           "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "split", "chunk",
           "unbind", "narrow", "select", "flip", "fliplr", "flipud", "roll", "tril", "triu",
           "atleast_1d", "atleast_2d", "atleast_3d"]


def _shape_args(size, name: str) -> tuple:
    """Accept f(2, 3), f((2, 3)) and f([2, 3]) (and a Size)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        return tuple(int(s) for s in size)
    except TypeError:
        raise TypeError(f"{name}: expected a sequence of ints, got {size!r}") from None


def _infer(shape: tuple, numel: int, name: str) -> tuple:
    if shape.count(-1) > 1:
        raise RuntimeError(f"{name}: only one dimension can be inferred")
    known = 1
    for i, s in enumerate(shape):
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{name}: invalid shape dimension {s} at index {i} of shape "
                                   f"{list(shape)}")
            known *= s
    if -1 in shape:
        if known == 0 and numel == 0:
            raise RuntimeError(f"{name}: cannot reshape tensor of 0 elements into shape "
                               f"{list(shape)} because the unspecified dimension size -1 can be "
                               f"any value and is ambiguous")
        if known == 0 or numel % known:
            raise RuntimeError(f"{name}: shape '{list(shape)}' is invalid for input of size "
                               f"{numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"{name}: shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _view_of(out: np.ndarray, input: Tensor, node: str, backward,
             copy_node: str | None = None) -> Tensor:
    """Record ``out``; it is a view of ``input`` when NumPy did not have to copy (else it is
    recorded as ``copy_node``)."""
    shared = np.may_share_memory(out, input._data)
    t = record(out, node if shared or copy_node is None else copy_node, (input,), backward)
    return make_view(t, input) if shared else t


@tensor_method
def reshape(input, *shape) -> Tensor:
    """Same values in a new shape (-1 inferred); a view when memory allows.
    ∂L/∂x = g reshaped back."""
    x = input._data
    new = _infer(_shape_args(shape, "reshape"), x.size, "reshape")
    in_shape = x.shape
    return _view_of(x.reshape(new), input, "ViewBackward0", lambda g: g.reshape(in_shape),
                    "UnsafeViewBackward0")


@tensor_method
def view(input, *shape, dtype=None) -> Tensor:
    """As ``reshape``, but always a view: fails when the memory layout does not allow it.
    ``view(dtype)`` reinterprets the bytes (not differentiable)."""
    x = input._data
    if dtype is not None or (len(shape) == 1 and isinstance(shape[0], dtypes.dtype)):
        return _view_dtype(input, dtypes.as_dtype(dtype if dtype is not None else shape[0]).np)
    new = _infer(_shape_args(shape, "view"), x.size, "view")
    try:
        out = np.reshape(x, new, copy=False)
    except ValueError:
        raise RuntimeError(f"view size is not compatible with input tensor's size and stride "
                           f"(at least one dimension spans across two contiguous subspaces): "
                           f"cannot view shape {list(x.shape)} as {list(new)}. Use "
                           f".reshape(...) instead.") from None
    in_shape = x.shape
    t = record(out, "ViewBackward0", (input,), lambda g: g.reshape(in_shape))
    return make_view(t, input)


def _view_dtype(input, d: np.dtype) -> Tensor:
    """The same bytes read as dtype ``d``; for a different element size the last dimension
    shrinks or grows by the size ratio, and must be contiguous."""
    x = input._data
    a, b = x.dtype.itemsize, d.itemsize
    if a != b:
        what = f"to view {input.dtype} as {dtypes.from_np(d)} (different element sizes)"
        if x.ndim == 0:
            raise RuntimeError(f"view: self.dim() cannot be 0 {what}")
        if x.shape[-1] != 1 and x.strides[-1] != a:
            raise RuntimeError(f"view: self.stride(-1) must be 1 {what}, but got "
                               f"{x.strides[-1] // a}")
        if b > a and x.shape[-1] % (b // a):
            raise RuntimeError(f"view: self.size(-1) must be divisible by {b // a} {what}, but "
                               f"got {x.shape[-1]}")
    return make_view(_wrap(x.view(d)), input)


@tensor_method
def view_as(input, other) -> Tensor:
    return view(input, other._data.shape)


@tensor_method
def reshape_as(input, other) -> Tensor:
    return reshape(input, other._data.shape)


@tensor_method
def permute(input, *dims) -> Tensor:
    """Reorder dimensions;  ∂L/∂x = g permuted by the inverse order."""
    x = input._data
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    dims = _shape_args(dims, "permute")
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute: number of dims don't match: the tensor has {x.ndim} "
                           f"dimensions but {len(dims)} were given ({list(dims)})")
    dims = tuple(norm_dim(d, x.ndim, "permute") for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"permute(): duplicate dims are not allowed: {list(dims)}")
    inverse = tuple(np.argsort(dims))
    return _view_of(x.transpose(dims), input, "PermuteBackward0",
                    lambda g: g.permute(inverse))


@tensor_method
def transpose(input, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions;  ∂L/∂x = g with the same two swapped back."""
    x = input._data
    n = max(x.ndim, 1)
    a, b = norm_dim(dim0, n, "transpose"), norm_dim(dim1, n, "transpose")
    if x.ndim == 0:
        return _view_of(x, input, "TransposeBackward0", lambda g: g)
    return _view_of(np.swapaxes(x, a, b), input, "TransposeBackward0",
                    lambda g: g.transpose(a, b))


swapaxes = swapdims = transpose
Tensor.swapaxes = Tensor.swapdims = transpose


@tensor_method
def t(input) -> Tensor:
    """Transpose of a matrix (0-D and 1-D tensors are returned as they are)."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input._data.ndim}D")
    return transpose(input, 0, -1) if input._data.ndim == 2 else _view_of(
        input._data, input, "TBackward0", lambda g: g)


@tensor_method
def movedim(input, source, destination) -> Tensor:
    """Move dimension(s) ``source`` to position(s) ``destination``."""
    x = input._data
    src, dst = (tuple(norm_dim(int(d), x.ndim, "movedim") for d in
                      ((a,) if isinstance(a, (int, np.integer)) else a))
                for a in (source, destination))
    for what, ds in (("source", src), ("destination", dst)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"movedim: repeated dim in `{what}` ({list(ds)})")
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    return _view_of(np.moveaxis(x, src, dst), input, "MovedimBackward0",
                    lambda g: g.movedim(dst, src))


moveaxis = movedim
Tensor.moveaxis = movedim


@tensor_method
def squeeze(input, dim=None) -> Tensor:
    """Drop size-1 dimensions (all of them, or those in ``dim`` that have size 1)."""
    x = input._data
    if dim is None:
        axes = tuple(i for i, s in enumerate(x.shape) if s == 1)
    else:
        axes = tuple(i for i in norm_dims(dim, max(x.ndim, 1), "squeeze")
                     if x.ndim and x.shape[i] == 1)
    in_shape = x.shape
    return _view_of(np.squeeze(x, axis=axes) if axes else x, input, "SqueezeBackward0",
                    lambda g: g.reshape(in_shape))


@tensor_method
def unsqueeze(input, dim: int) -> Tensor:
    """Insert a size-1 dimension at ``dim``."""
    x = input._data
    d = norm_dim(dim, x.ndim + 1, "unsqueeze")
    in_shape = x.shape
    return _view_of(np.expand_dims(x, d), input, "UnsqueezeBackward0",
                    lambda g: g.reshape(in_shape))


@tensor_method
def flatten(input, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim..end_dim into one (展平)."""
    x = input._data
    if x.ndim == 0:
        return reshape(input, 1)
    s = norm_dim(start_dim, x.ndim, "flatten")
    e = norm_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    return reshape(input, x.shape[:s] + (-1 if x.size else math.prod(x.shape[s:e + 1]),)
                   + x.shape[e + 1:])


@tensor_method
def unflatten(input, dim: int, sizes) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one may be -1)."""
    x = input._data
    d = norm_dim(dim, x.ndim, "unflatten")
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = math.prod(s for s in sizes if s != -1)
    if sizes.count(-1) < 2 and (known != x.shape[d] if -1 not in sizes
                                else known == 0 or x.shape[d] % known):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {d} ({x.shape[d]}) in the input tensor")
    sizes = _infer(sizes, x.shape[d], "unflatten")
    return reshape(input, x.shape[:d] + sizes + x.shape[d + 1:])


def _expanded_shape(shape: tuple, sizes: tuple, name: str) -> tuple:
    if len(sizes) < len(shape):
        raise RuntimeError(f"{name}: the number of sizes provided ({len(sizes)}) must be "
                           f"greater or equal to the number of dimensions in the tensor "
                           f"({len(shape)})")
    lead = len(sizes) - len(shape)
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"{name}: the expanded size of the tensor ({s}) isn't "
                                   f"allowed in a leading, non-existing dimension {i}")
            out.append(s)
            continue
        cur = shape[i - lead]
        if s == -1:
            s = cur
        elif cur != 1 and s != cur:
            raise RuntimeError(f"{name}: the expanded size of the tensor ({s}) must match the "
                               f"existing size ({cur}) at non-singleton dimension {i}. Target "
                               f"sizes: {list(sizes)}. Tensor sizes: {list(shape)}")
        out.append(s)
    return tuple(out)


@tensor_method
def expand(input, *sizes) -> Tensor:
    """Broadcast size-1 dimensions to ``sizes`` without copying (a read-only view);
    ∂L/∂x = g summed over the broadcast dimensions."""
    x = input._data
    shape = _expanded_shape(x.shape, _shape_args(sizes, "expand"), "expand")
    if shape == x.shape:
        return input
    in_shape = x.shape
    t = record(broadcast_view(x, shape), "ExpandBackward0", (input,),
               lambda g: g.sum_to_size(in_shape))
    return make_view(t, input)


def broadcast_view(a: np.ndarray, shape: tuple) -> np.ndarray:
    """``np.broadcast_to(a, shape)`` (a read-only view with zero strides), built directly for
    contiguous arrays: NumPy's general version costs several times more per call, and every
    reduction's backward expands its gradient this way."""
    if not a.flags.c_contiguous or not a.size:
        return np.broadcast_to(a, shape)
    lead = len(shape) - a.ndim
    strides = (0,) * lead + tuple(0 if n == 1 and s != 1 else st
                                  for n, s, st in zip(a.shape, shape[lead:], a.strides))
    out = np.ndarray(shape, a.dtype, buffer=a, strides=strides)
    out.flags.writeable = False
    return out


@tensor_method
def expand_as(input, other) -> Tensor:
    return expand(input, other._data.shape)


def broadcast_to(input, size) -> Tensor:
    return expand(input, tuple(size))


Tensor.broadcast_to = broadcast_to


def broadcast_shapes(*shapes) -> Size:
    """The shape that tensors of these shapes broadcast to (an int n stands for (n,))."""
    shapes = [(int(s),) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*shapes))
    except ValueError:
        # zero-stride stand-ins: the error names the sizes without allocating anything
        raise broadcast_error("broadcast_shapes",
                              *[np.broadcast_to(np.int8(0), s) for s in shapes]) from None


def broadcast_tensors(*tensors) -> tuple:
    """Expanded views of the tensors to their common broadcast shape."""
    try:
        shape = np.broadcast_shapes(*[t._data.shape for t in tensors])
    except ValueError:
        raise broadcast_error("broadcast_tensors", *[t._data for t in tensors]) from None
    return tuple(expand(t, shape) for t in tensors)


@tensor_method
def repeat(input, *sizes) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along each dimension (new leading dims allowed);
    ∂L/∂x = Σ over the copies of g."""
    x = input._data
    reps = _shape_args(sizes, "repeat")
    if len(reps) < x.ndim:
        raise RuntimeError(f"repeat: number of dimensions of repeat dims ({len(reps)}) can not "
                           f"be smaller than number of dimensions of tensor ({x.ndim})")
    if min(reps, default=0) < 0:
        raise RuntimeError(f"repeat: Trying to create tensor with negative dimension: repeats "
                           f"{list(reps)}")
    base_shape = (1,) * (len(reps) - x.ndim) + x.shape
    out = np.tile(x.reshape(base_shape), reps)
    in_shape = x.shape

    def backward(g):
        # (r0·s0, r1·s1, ...) -> (r0, s0, r1, s1, ...): summing the r axes adds the copies
        split = []
        for r, s in zip(reps, base_shape):
            split += [r, s]
        return g.reshape(split).sum(tuple(range(0, 2 * len(reps), 2))).reshape(in_shape)
    return record(out, "RepeatBackward0", (input,), backward)


@tensor_method
def tile(input, dims) -> Tensor:
    """As ``repeat``, padding ``dims`` with leading 1s when it is shorter than the tensor."""
    dims = tuple(dims)
    return repeat(input, (1,) * (input._data.ndim - len(dims)) + dims)


@tensor_method
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Repeat each element ``repeats`` times along ``dim`` ([a, b] -> [a, a, b, b]);
    ``repeat_interleave(counts)`` alone gives the index [0]*c0 + [1]*c1 + ..."""
    from .indexing import index_select
    if repeats is None:
        counts = _repeat_counts(input._data)
        if counts.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        return _wrap(np.repeat(np.arange(counts.size, dtype=counts.dtype),
                               _check_output_size(counts, output_size)))
    if dim is None:
        input, dim = flatten(input), 0
    d = norm_dim(dim, input._data.ndim, "repeat_interleave")
    n = input._data.shape[d]
    if isinstance(repeats, Tensor):
        reps = _repeat_counts(repeats._data)
        if reps.ndim > 1:
            raise RuntimeError(f"repeat_interleave: repeats must be 0-dim or 1-dim tensor, got "
                               f"shape {list(reps.shape)}")
        if reps.size != 1 and reps.size != n:
            raise RuntimeError(f"repeat_interleave: repeats must have the same size as input "
                               f"along dim, but got repeats.size(0) = {reps.size} and "
                               f"input.size({d}) = {n}")
        reps = reps.reshape(-1)
    elif isinstance(repeats, (int, np.integer)):
        if repeats < 0:
            raise RuntimeError(f"repeat_interleave: Repeats must be non-negative, got {repeats}")
        r = int(repeats)
        _check_output_size(np.full(n, r), output_size)
        shape = input._data.shape
        # the r copies of each slice are adjacent: sum them back, no index is needed
        return record(np.repeat(input._data, r, axis=d), "RepeatInterleaveBackward0", (input,),
                      lambda g: g.reshape(shape[:d + 1] + (r,) + shape[d + 1:]).sum(d + 1))
    else:
        raise TypeError(f"repeat_interleave(): repeats must be an int or a Tensor, got "
                        f"{type(repeats).__name__}")
    index = np.repeat(np.arange(n), _check_output_size(np.broadcast_to(reps, (n,)),
                                                       output_size))
    return index_select(input, d, _wrap(index))


def _repeat_counts(reps: np.ndarray) -> np.ndarray:
    if reps.dtype not in (np.int32, np.int64):
        raise NotImplementedError(f'"repeat_interleave" not implemented for '
                                  f"'{dtypes.from_np(reps.dtype)}' repeats (int32 or int64 "
                                  f"only)")
    if reps.size and reps.min() < 0:
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    return reps


def _check_output_size(counts: np.ndarray, output_size) -> np.ndarray:
    if output_size is not None and int(counts.sum()) != output_size:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected "
                           f"{int(counts.sum())} but got {output_size}")
    return counts


def _tensor_list(tensors, name) -> list:
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    if not tensors:
        if name == "cat":
            raise ValueError("cat(): expected a non-empty list of Tensors")
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return list(tensors)


def _common_dtype(tensors):
    d = tensors[0]._data.dtype
    for t in tensors[1:]:
        if t._data.dtype != d:
            d = dtypes.promote_np(d, t._data.dtype)
    return d


def cat(tensors, dim: int = 0) -> Tensor:
    """Concatenate along ``dim`` (拼接);  ∂L/∂xᵢ = the slice of g that xᵢ became."""
    tensors = _tensor_list(tensors, "cat")
    dt = _common_dtype(tensors)
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"cat: zero-dimensional tensor (at position {i}) cannot be "
                               f"concatenated")
    # PyTorch skips 1-D empty tensors in cat, whatever the other shapes
    keep = [i for i, t in enumerate(tensors)
            if not (t._data.ndim == 1 and t._data.size == 0)] or [0]
    parts = [tensors[i] for i in keep]
    ref = parts[0]._data
    d = norm_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(parts):
        s = t._data.shape
        if len(s) != ref.ndim:
            raise RuntimeError(f"cat: Tensors must have same number of dimensions: got "
                               f"{ref.ndim} and {len(s)}")
        for k in range(ref.ndim):
            if k != d and s[k] != ref.shape[k]:
                raise RuntimeError(f"cat: Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[k]} but got size {s[k]} for "
                                   f"tensor number {i} in the list.")
    out = np.concatenate([t._data for t in parts], axis=d, dtype=dt)
    bounds = np.cumsum([0] + [t._data.shape[d] for t in parts]).tolist()
    n = len(tensors)

    def backward(g):
        # a skipped (1-D empty) input gets an empty gradient
        res = [_wrap(np.zeros(0, g._data.dtype))] * n
        for j, i in enumerate(keep):
            res[i] = g.narrow(d, bounds[j], bounds[j + 1] - bounds[j])
        return tuple(res)
    return record(out, "CatBackward0", tuple(tensors), backward)


def concat(tensors, dim: int = 0, *, axis: int | None = None) -> Tensor:
    """``cat``, also taking NumPy's ``axis`` keyword."""
    return cat(tensors, dim if axis is None else axis)


concatenate = concat


def stack(tensors, dim: int = 0) -> Tensor:
    """Join same-shape tensors along a new dimension;  ∂L/∂xᵢ = g.select(dim, i)."""
    tensors = _tensor_list(tensors, "stack")
    dt = _common_dtype(tensors)
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(t._data.shape)} at entry "
                               f"{i}")
    d = norm_dim(dim, len(shape) + 1, "stack")
    out = np.stack([t._data for t in tensors], axis=d, dtype=dt)
    return record(out, "StackBackward0", tuple(tensors),
                  lambda g: tuple(g.unbind(d)))


def _atleast(tensors, up):
    """One tensor in, one out; several, or a list or tuple, in: a tuple out."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(up(t) for t in tensors[0])
    r = tuple(up(t) for t in tensors)
    return r[0] if len(r) == 1 else r


def atleast_1d(*tensors):
    """Views with at least one dimension: a 0-d x becomes (1,)."""
    return _atleast(tensors, lambda t: t if t._data.ndim >= 1 else t.reshape(1))


def atleast_2d(*tensors):
    """Views with at least two dimensions: () -> (1, 1), (n,) -> (1, n)."""
    return _atleast(tensors, lambda t: t if t._data.ndim >= 2 else t.reshape(1, -1))


def atleast_3d(*tensors):
    """Views with at least three dimensions: () -> (1, 1, 1), (n,) -> (1, n, 1),
    (m, n) -> (m, n, 1)."""
    def up(t):
        n = t._data.ndim
        return t if n >= 3 else (t.reshape(1, -1, 1) if n < 2 else t.unsqueeze(-1))
    return _atleast(tensors, up)


def hstack(tensors) -> Tensor:
    """cat along dim 1 (dim 0 for 1-D tensors), after atleast_1d."""
    ts = [atleast_1d(t) for t in _tensor_list(tensors, "hstack")]
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """cat along dim 0 after atleast_2d."""
    return cat([atleast_2d(t) for t in _tensor_list(tensors, "vstack")], 0)


def dstack(tensors) -> Tensor:
    """cat along dim 2 after atleast_3d."""
    return cat([atleast_3d(t) for t in _tensor_list(tensors, "dstack")], 2)


def _split_views(input, d, sizes, node):
    """Views of consecutive pieces of the given sizes along d; the backward concatenates their
    gradients (zeros for unused pieces)."""
    x = input._data
    bounds = np.cumsum([0] + list(sizes))
    outs = tuple(x[(slice(None),) * d + (slice(int(bounds[i]), int(bounds[i + 1])),)]
                 for i in range(len(sizes)))
    shape, dtype = x.shape, x.dtype

    def backward(*grads):
        parts = []
        for g, n in zip(grads, sizes):
            if g is None:                    # a piece that was not used: zero gradient
                s = list(shape)
                s[d] = n
                g = _wrap(np.zeros(s, dtype))
            parts.append(g)
        return cat(parts, d)
    ts = record_multi(outs, node, (input,), backward)
    for t in ts:
        make_view(t, input)
    return ts


def split(input, split_size_or_sections, dim: int = 0) -> tuple:
    """Views of consecutive pieces along ``dim``: of size ``split_size`` each (the last may be
    smaller), or of the given sizes."""
    x = input._data
    if x.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = norm_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={size}")
        if size == 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if n else [0]
        node = "SplitBackward0"
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if min(sizes, default=0) < 0:
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={sizes}")
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
        node = "SplitWithSizesBackward0"
    return _split_views(input, d, sizes, node)


def _split_method(self, split_size, dim: int = 0) -> tuple:
    return split(self, split_size, dim)


Tensor.split = _split_method


@tensor_method
def chunk(input, chunks: int, dim: int = 0) -> tuple:
    """Split into ``chunks`` pieces of size ⌈n / chunks⌉ (possibly fewer pieces; ``chunks``
    empty pieces of an empty dimension)."""
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input._data.shape[norm_dim(dim, input._data.ndim, "chunk")]
    if n == 0:
        return split(input, [0] * chunks, dim)
    return split(input, -(-n // chunks), dim)


@tensor_method
def unbind(input, dim: int = 0) -> tuple:
    """The slices along ``dim`` as a tuple of views;  the backward stacks their gradients."""
    x = input._data
    if x.ndim == 0:
        raise IndexError(f"unbind: Dimension specified as {dim} but tensor has no dimensions")
    d = norm_dim(dim, x.ndim, "unbind")
    n = x.shape[d]
    outs = tuple(x[(slice(None),) * d + (i,)] for i in range(n))
    shape, dtype = x.shape[:d] + x.shape[d + 1:], x.dtype

    def backward(*grads):
        return stack([g if g is not None else _wrap(np.zeros(shape, dtype)) for g in grads], d)
    ts = record_multi(outs, "UnbindBackward0", (input,), backward)
    for t in ts:
        make_view(t, input)
    return ts


@tensor_method
def narrow(input, dim: int, start: int, length: int) -> Tensor:
    """The view ``input[..., start:start+length, ...]`` along ``dim``."""
    x = input._data
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = norm_dim(dim, x.ndim, "narrow")
    n = x.shape[d]
    if isinstance(start, Tensor):
        if start._data.ndim or start._data.dtype.kind not in "iu":
            raise RuntimeError("narrow(): start must be an 0-dim integral Tensor.")
        start = int(start._data)
    if not -n <= start <= n:
        raise IndexError(f"narrow(): start out of range (expected to be in range of [{-n}, {n}], "
                         f"but got {start}) for dimension {d} of size {n}")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    start = start + n if start < 0 else start
    if start + length > n:
        raise RuntimeError(f"narrow(): start ({start}) + length ({length}) exceeds dimension "
                           f"size ({n}) of dimension {d}.")
    return input[(slice(None),) * d + (slice(start, start + length),)]


@tensor_method
def select(input, dim: int, index: int) -> Tensor:
    """The view ``input[..., index, ...]`` along ``dim``, with that dimension removed."""
    x = input._data
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = norm_dim(dim, x.ndim, "select")
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(x.shape)} at dimension {d}")
    return input[(slice(None),) * d + (int(index),)]


@tensor_method
def flip(input, *dims) -> Tensor:
    """Reverse the order along ``dims`` (a copy, as in PyTorch);  ∂L/∂x = g flipped back."""
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    dims = _shape_args(dims, "flip")
    axes = norm_dims(dims, input._data.ndim, "flip") if input._data.ndim else ()
    out = np.flip(input._data, axes).copy() if axes else input._data.copy()
    return record(out, "FlipBackward0", (input,), lambda g: g.flip(axes) if axes else g)


@tensor_method
def fliplr(input) -> Tensor:
    """Flip dimension 1 (left/right)."""
    if input._data.ndim < 2:
        raise RuntimeError(f"fliplr: Input must be >= 2-d, got {input._data.ndim}-d.")
    return flip(input, 1)


@tensor_method
def flipud(input) -> Tensor:
    """Flip dimension 0 (up/down)."""
    if input._data.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d.")
    return flip(input, 0)


@tensor_method
def roll(input, shifts, dims=None) -> Tensor:
    """Shift elements cyclically along ``dims`` (the flattened tensor if None);
    ∂L/∂x = g rolled back."""
    x = input._data
    sh = (int(shifts),) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    ds = () if dims is None else (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if not sh:
        raise RuntimeError("roll: `shifts` required")
    if dims is None and len(sh) == 1:
        out = np.roll(x.reshape(-1), sh[0]).reshape(x.shape)
        return record(out, "RollBackward0", (input,), lambda g: g.roll(-sh[0]))
    if len(sh) != len(ds):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(sh)}, dims: "
                           f"{len(ds)}")
    ds = tuple(norm_dim(d, x.ndim, "roll") for d in ds)
    out = np.roll(x, sh, ds)
    back = tuple(-s for s in sh)
    return record(out, "RollBackward0", (input,), lambda g: g.roll(back, ds))


def _tri(input, diagonal, fn, name, node):
    x = input._data
    if x.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions, got "
                           f"{x.ndim}")
    return record(fn(x, diagonal), node, (input,), lambda g: _tri(g, diagonal, fn, name, node))


@tensor_method
def tril(input, diagonal: int = 0) -> Tensor:
    """Lower triangle of the last two dims (the rest zero);  ∂L/∂x = tril(g)."""
    return _tri(input, diagonal, np.tril, "tril", "TrilBackward0")


@tensor_method
def triu(input, diagonal: int = 0) -> Tensor:
    """Upper triangle of the last two dims (the rest zero);  ∂L/∂x = triu(g)."""
    return _tri(input, diagonal, np.triu, "triu", "TriuBackward0")
