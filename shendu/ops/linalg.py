"""Matrix products (矩阵乘法) and friends: matmul / @, mm, bmm, mv, dot, outer, einsum,
tensordot, addmm, baddbmm, diagonal, diag, diag_embed, trace.

matmul is the one primitive product: for C = A B,  ∂L/∂A = G Bᵀ  and  ∂L/∂B = Aᵀ G, with
1-D operands promoted to matrices and batch dimensions broadcast (the engine sums the
gradient of a broadcast batch back). ``einsum`` is built from permute, reshape, sum, diagonal
and matmul, so its gradient comes from theirs.
"""

from __future__ import annotations

import math
import string

import numpy as np

from .. import dtypes
from ..tensor import Tensor, make_view, record, tensor_method
from ._helpers import norm_dim

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "einsum",
           "tensordot", "addmm", "baddbmm", "addmv", "diagonal", "diag", "diag_embed", "trace"]


def _mat_str(shape) -> str:
    return "x".join(str(s) for s in shape)


def _check_same_dtype(a, b, name):
    if a.dtype != b.dtype:
        raise RuntimeError(f"{name}: expected both operands to have the same dtype, but got "
                           f"{dtypes.from_np(a.dtype)} and {dtypes.from_np(b.dtype)}")


@tensor_method
def matmul(input, other) -> Tensor:
    """Matrix product C = A B (1-D, 2-D, and batched with broadcasting).
    ∂L/∂A = G Bᵀ,  ∂L/∂B = Aᵀ G  (G = ∂L/∂C)."""
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError(f"matmul: expected Tensors, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    _check_same_dtype(a, b, "matmul")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise RuntimeError(f"matmul: mat1 and mat2 shapes cannot be multiplied "
                           f"({_mat_str(a.shape)} and {_mat_str(b.shape)}): {ka} != {kb}")
    if a.ndim > 2 and b.ndim == 2:
        # a stack of rows times one matrix (a linear layer on a batch): one GEMM
        out = (a.reshape(-1, ka) @ b).reshape(a.shape[:-1] + (b.shape[1],))
    else:
        try:
            out = np.matmul(a, b)
        except ValueError:
            raise RuntimeError(f"matmul: batch dimensions of {list(a.shape)} and "
                               f"{list(b.shape)} cannot be broadcast") from None
    return record(out, "MmBackward0" if a.ndim == 2 == b.ndim else "MatmulBackward0",
                  (input, other), lambda g: _matmul_backward(g, input, other),
                  saved=(input, other))


def _matmul_backward(g, A, B):
    a_vec, b_vec = A._data.ndim == 1, B._data.ndim == 1
    a2 = A.unsqueeze(0) if a_vec else A
    b2 = B.unsqueeze(-1) if b_vec else B
    g2 = g.unsqueeze(-2) if a_vec else g
    g2 = g2.unsqueeze(-1) if b_vec else g2
    ga = gb = None
    if A._rg:
        ga = g2 @ b2.mT
        if a_vec:
            ga = ga.squeeze(-2)
    if B._rg:
        if a2._data.ndim > 2 and b2._data.ndim == 2:
            k, n = a2._data.shape[-1], g2._data.shape[-1]
            gb = a2.reshape(-1, k).mT @ g2.reshape(-1, n)     # one GEMM over all the rows
        else:
            gb = a2.mT @ g2
        if b_vec:
            gb = gb.squeeze(-1)
    return ga, gb


Tensor.__matmul__ = matmul
Tensor.__rmatmul__ = lambda self, other: matmul(other, self)


@tensor_method
def mm(input, mat2) -> Tensor:
    """Product of two matrices."""
    if input._data.ndim != 2 or mat2._data.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {input._data.ndim}-D and "
                           f"{mat2._data.ndim}-D")
    return matmul(input, mat2)


@tensor_method
def bmm(input, mat2) -> Tensor:
    """Batched product of (b, n, m) and (b, m, p) tensors."""
    a, b = input._data, mat2._data
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"bmm: batch1 and batch2 must be 3D tensors, got {a.ndim}D and "
                           f"{b.ndim}D")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"bmm: Expected size for first two dimensions of batch2 tensor to "
                           f"be: [{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, "
                           f"{b.shape[1]}].")
    return matmul(input, mat2)


@tensor_method
def mv(input, vec) -> Tensor:
    """Matrix times vector."""
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"mv: expected a 2-D matrix and a 1-D vector, got "
                           f"{input._data.ndim}-D and {vec._data.ndim}-D")
    return matmul(input, vec)


@tensor_method
def dot(input, other) -> Tensor:
    """Inner product of two 1-D tensors of the same size."""
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and "
                           f"{other._data.ndim}D tensors")
    if input._data.shape != other._data.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input._data.shape[0]}]"
                           f" and src [{other._data.shape[0]}] to have the same number of "
                           f"elements, but got {input._data.shape[0]} and "
                           f"{other._data.shape[0]} elements respectively")
    return matmul(input, other)


vdot = dot
Tensor.vdot = dot


@tensor_method
def inner(input, other) -> Tensor:
    """Σ over the last dimension of both."""
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    return tensordot(input, other, ([-1], [-1]))


@tensor_method
def outer(input, vec2) -> Tensor:
    """Outer product xyᵀ of two vectors."""
    return input.unsqueeze(-1) * vec2.unsqueeze(0)


ger = outer
Tensor.ger = outer


@tensor_method
def addmm(input, mat1, mat2, *, beta=1, alpha=1) -> Tensor:
    """β·input + α·(mat1 @ mat2)."""
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha)


@tensor_method
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """β·input + α·bmm(batch1, batch2)."""
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)


@tensor_method
def addmv(input, mat, vec, *, beta=1, alpha=1) -> Tensor:
    return _scaled_sum(input, mv(mat, vec), beta, alpha)


def _scaled_sum(input, prod, beta, alpha):
    prod = prod if alpha == 1 else prod * alpha
    if beta == 0:
        return prod + 0 * input.detach()
    return prod + (input if beta == 1 else input * beta)


# ----- diagonals ----------------------------------------------------------------------------

@tensor_method
def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal over dims (dim1, dim2), appended as the last dimension (a view).
    ∂L/∂x = g written on that diagonal of zeros."""
    x = input._data
    d1, d2 = norm_dim(dim1, x.ndim, "diagonal"), norm_dim(dim2, x.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    out = np.diagonal(x, offset, d1, d2)
    shape = x.shape
    t = record(out, "DiagonalBackward0", (input,),
               lambda g: _embed_diagonal(g, shape, offset, d1, d2))
    return make_view(t, input)


def _embed_diagonal(g, shape, offset, d1, d2) -> Tensor:
    """zeros(shape) with g (diagonal values in its last dim) on the (d1, d2) diagonal; the
    inverse of ``diagonal``, which is its gradient."""
    z = np.zeros(shape, g._data.dtype)
    zt = np.moveaxis(z, (d1, d2), (-2, -1))
    n = g._data.shape[-1]
    rows = np.arange(n) + max(-offset, 0)
    cols = np.arange(n) + max(offset, 0)
    zt[..., rows, cols] = g._data
    return record(z, "DiagEmbedBackward0", (g,), lambda gg: diagonal(gg, offset, d1, d2))


@tensor_method
def diag_embed(input, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Put the last dimension of input on the (dim1, dim2) diagonal of new zero matrices."""
    x = input._data
    nd = x.ndim + 1
    d1, d2 = norm_dim(dim1, nd, "diag_embed"), norm_dim(dim2, nd, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = x.shape[-1] + abs(offset)
    rest = list(x.shape[:-1])
    shape = []
    for k in range(nd):
        shape.append(n if k in (d1, d2) else rest.pop(0))
    return _embed_diagonal(input, tuple(shape), offset, d1, d2)


_diagonal = diagonal     # diag's argument is called `diagonal`, as in PyTorch


@tensor_method
def diag(input, diagonal: int = 0) -> Tensor:
    """1-D input: a square matrix with it on the ``diagonal``-th diagonal; 2-D input: that
    diagonal as a vector."""
    x = input._data
    if x.ndim == 1:
        n = x.shape[0] + abs(diagonal)
        return _embed_diagonal(input, (n, n), diagonal, 0, 1)
    if x.ndim == 2:
        return _diagonal(input, diagonal, 0, 1).contiguous()
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")


@tensor_method
def trace(input) -> Tensor:
    """Sum of the main diagonal of a matrix."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim "
                           f"{input._data.ndim}")
    return diagonal(input).sum()


# ----- einsum -------------------------------------------------------------------------------

def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation, e.g. ``einsum("bhqd,bhkd->bhqk", q, k)`` (attention scores) or
    ``einsum("bi,oij,bj->bo", x1, w, x2)`` (a bilinear layer).

    Repeated letters in one operand take a diagonal, letters missing from the output are
    summed, and each pair of operands is contracted by one (batched) matmul after a permute
    and reshape; the gradient follows from those ops.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(operands):
        raise RuntimeError(f"einsum(): the equation has {len(subs)} operand(s) but "
                           f"{len(operands)} were given")
    for i, op in enumerate(operands):
        if not isinstance(op, Tensor):
            raise TypeError(f"einsum(): operand {i} is not a Tensor")
    subs, rhs = _expand_ellipsis(eq, subs, rhs if arrow else None, operands)
    for c in rhs:
        if rhs.count(c) > 1:
            raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the "
                               f"output")
        if not any(c in s for s in subs):
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                               f"equation for any input operand")
    sizes: dict = {}
    for s, op in zip(subs, operands):
        for c, n in zip(s, op._data.shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for an operand which "
                                   f"does not broadcast with previously seen size {sizes[c]}")
            if n != 1 or c not in sizes:
                sizes[c] = n
    terms = [_dedupe(op, s) for op, s in zip(operands, subs)]
    t, s = terms[0]
    for j in range(1, len(terms)):
        later = set(rhs).union(*[set(x[1]) for x in terms[j + 1:]])
        t, s = _contract(t, s, terms[j][0], terms[j][1], later, sizes)
    return _finish(t, s, rhs)


def _expand_ellipsis(eq, subs, rhs, operands):
    used = set(eq)
    free = [c for c in string.ascii_letters if c not in used]
    n_ell = 0
    for s, op in zip(subs, operands):
        if "..." in s:
            n_ell = max(n_ell, op._data.ndim - (len(s) - 3))
    ell = "".join(free[:n_ell])
    out = []
    for i, (s, op) in enumerate(zip(subs, operands)):
        if "..." in s:
            k = op._data.ndim - (len(s) - 3)
            if k < 0:
                raise RuntimeError(f"einsum(): operand {i} has fewer dimensions than subscripts")
            s = s.replace("...", ell[n_ell - k:])
        if len(s) != op._data.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) "
                               f"does not match the number of dimensions ({op._data.ndim}) for "
                               f"operand {i} and no ellipsis was given")
        for c in s:
            if c not in string.ascii_letters:
                raise RuntimeError(f"einsum(): invalid subscript given in the equation: {c!r}")
        out.append(s)
    if rhs is None:        # implicit output: the ellipsis, then letters seen once, sorted
        counts = "".join(out)
        rhs = ell + "".join(sorted(c for c in set(counts) if counts.count(c) == 1
                                   and c not in ell))
    else:
        rhs = rhs.replace("...", ell)
    return out, rhs


def _dedupe(t, s):
    """Take diagonals for letters repeated within one operand ('ii' -> 'i')."""
    while True:
        rep = next((c for c in s if s.count(c) > 1), None)
        if rep is None:
            return t, s
        i = s.index(rep)
        j = s.index(rep, i + 1)
        t = diagonal(t, 0, i, j)
        s = "".join(c for k, c in enumerate(s) if k not in (i, j)) + rep


def _sum_out(t, s, keep):
    drop = [k for k, c in enumerate(s) if c not in keep]
    if drop:
        t = t.sum(tuple(drop))
        s = "".join(c for c in s if c in keep)
    return t, s


def _contract(a, sa, b, sb, later, sizes):
    """Contract two operands: letters in both and needed later are batch dims, letters in both
    and not needed are summed by the matmul, the rest stay."""
    a, sa = _sum_out(a, sa, set(sb) | later)
    b, sb = _sum_out(b, sb, set(sa) | later)
    batch = [c for c in sa if c in sb and c in later]
    inner = [c for c in sa if c in sb and c not in later]
    a_free = [c for c in sa if c not in sb]
    b_free = [c for c in sb if c not in sa]
    a = _arrange(a, sa, batch + a_free + inner, sizes)
    b = _arrange(b, sb, batch + inner + b_free, sizes)
    m = math.prod(sizes[c] for c in a_free)
    k = math.prod(sizes[c] for c in inner)
    n = math.prod(sizes[c] for c in b_free)
    bshape = tuple(sizes[c] for c in batch)
    a3 = a if len(a_free) == 1 and len(inner) == 1 else a.reshape(bshape + (m, k))
    b3 = b if len(inner) == 1 and len(b_free) == 1 else b.reshape(bshape + (k, n))
    c = a3 @ b3
    out_letters = batch + a_free + b_free
    c = c.reshape(bshape + tuple(sizes[x] for x in a_free + b_free))
    return c, "".join(out_letters)


def _arrange(t, s, order, sizes):
    """Permute t from letters s to ``order`` and broadcast size-1 dims to the full sizes."""
    t = t.permute([s.index(c) for c in order]) if list(s) != order else t
    full = tuple(sizes[c] for c in order)
    return t.expand(full) if t._data.shape != full else t


def _finish(t, s, rhs):
    t, s = _sum_out(t, s, set(rhs))
    if s != rhs:
        t = t.permute([s.index(c) for c in rhs])
    return t


@tensor_method
def tensordot(a, b, dims=2) -> Tensor:
    """Contract the last ``dims`` dims of a with the first of b, or the given dim lists."""
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, (int, np.integer)):
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = [list(d) if isinstance(d, (list, tuple)) else [d] for d in dims]
        da = [norm_dim(d, na, "tensordot") for d in da]
        db = [norm_dim(d, nb, "tensordot") for d in db]
    letters = string.ascii_letters
    sa = list(letters[:na])
    sb = list(letters[na:na + nb])
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in da] + [c for k, c in enumerate(sb)
                                                          if k not in db]
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)
