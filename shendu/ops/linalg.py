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
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor, _wrap, make_view, record, tensor_method
from ._helpers import broadcast_error, norm_dim

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "einsum",
           "tensordot", "addmm", "baddbmm", "addmv", "diagonal", "diag", "diag_embed", "trace"]


# PyTorch's names for dtypes in its error messages: ScalarType names and C++ type names
_SCALAR_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "uint8": "Byte",
                 "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
                 "bool": "Bool"}
_CPP_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double",
              "uint8": "unsigned char", "int8": "signed char", "int16": "short int",
              "int32": "int", "int64": "long int", "bool": "bool"}


def _sname(a: np.ndarray) -> str:
    return _SCALAR_NAMES[dtypes.from_np(a.dtype).name]


def _cname(a: np.ndarray) -> str:
    return _CPP_NAMES[dtypes.from_np(a.dtype).name]


def _mat_str(shape) -> str:
    return "x".join(str(s) for s in shape)


def _check_tensors(name, *args):
    for i, x in enumerate(args):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): argument {i + 1} must be Tensor, not "
                            f"{type(x).__name__}")


@tensor_method
def matmul(input, other) -> Tensor:
    """Matrix product C = A B (1-D, 2-D, and batched with broadcasting).
    ∂L/∂A = G Bᵀ,  ∂L/∂B = Aᵀ G  (G = ∂L/∂C)."""
    _check_tensors("matmul", input, other)
    return _matmul(input, other, "matmul")


def _matmul(input, other, name):
    """matmul's checks (with PyTorch's message for each case of shapes), forward and graph
    node; the named products check their own ranks and come here."""
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to {name} need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    dot = a.ndim == 1 == b.ndim
    if a.dtype != b.dtype:
        if dot:
            raise RuntimeError(f"{name}: dot : expected both vectors to have same dtype, but "
                               f"found {_sname(a)} and {_sname(b)}")
        raise RuntimeError(f"{name}: expected m1 and m2 to have the same dtype, but got: "
                           f"{_cname(a)} != {_cname(b)}")
    if a.dtype == np.bool_:
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise RuntimeError(f"{name}: {_shape_mismatch(a.shape, b.shape)}")
    if a.ndim > 2 and b.ndim == 2:
        # a stack of rows times one matrix (a linear layer on a batch): one GEMM
        out = (a.reshape(-1, ka) @ b).reshape(a.shape[:-1] + (b.shape[1],))
    else:
        try:
            out = np.matmul(a, b)
        except ValueError:
            z = np.empty((), bool)
            raise broadcast_error(name, np.broadcast_to(z, a.shape[:-2]),
                                  np.broadcast_to(z, b.shape[:-2])) from None
    node = ("DotBackward0" if dot else "MvBackward0" if a.ndim == 2 and b.ndim == 1 else
            "MmBackward0" if a.ndim == 2 == b.ndim else "BmmBackward0" if a.ndim == 3 == b.ndim
            else "MatmulBackward0")
    return record(out, node, (input, other), lambda g: _matmul_backward(g, input, other),
                  saved=(input, other))


def _matmul_backward_arrays(g, A, B):
    """∂L/∂A = G Bᵀ and ∂L/∂B = Aᵀ G on NumPy arrays (1-D operands as matrices; the engine
    sums broadcast batch dimensions back)."""
    a, b = A._data, B._data
    if a.ndim == 1 and b.ndim == 1:
        return (_wrap(g * b) if A._rg else None), (_wrap(g * a) if B._rg else None)
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g[..., None, :] if a.ndim == 1 else g
    g2 = g2[..., None] if b.ndim == 1 else g2
    ga = gb = None
    if A._rg:
        ga = g2 @ np.swapaxes(b2, -1, -2)
        ga = _wrap(ga[..., 0, :] if a.ndim == 1 else ga)
    if B._rg:
        if a2.ndim > 2 and b2.ndim == 2:     # rows of a batch times one matrix: one GEMM
            gb = a2.reshape(-1, a2.shape[-1]).T @ g2.reshape(-1, g2.shape[-1])
        else:
            gb = np.swapaxes(a2, -1, -2) @ g2
        gb = _wrap(gb[..., 0] if b.ndim == 1 else gb)
    return ga, gb


def _shape_mismatch(sa, sb) -> str:
    """PyTorch's message for inner sizes that differ, by the case matmul reduces to."""
    if len(sa) == 1 == len(sb):
        return (f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to "
                f"have the same number of elements, but got {sa[0]} and {sb[0]} elements "
                f"respectively")
    if len(sb) == 1:        # matrix (or a stack of rows) times a vector
        rows = math.prod(sa[:-1])
        msg = f"size mismatch, got input ({rows}), mat ({rows}x{sa[-1]}), vec ({sb[0]})"
    elif len(sb) == 2:      # a vector, a matrix or a stack of rows times a matrix
        m1 = (math.prod(sa[:-1]), sa[-1])
        msg = f"mat1 and mat2 shapes cannot be multiplied ({_mat_str(m1)} and {_mat_str(sb)})"
    else:
        return (f"batched shapes {list(sa)} and {list(sb)} cannot be multiplied: the last "
                f"dimension of the first ({sa[-1]}) must equal the second-to-last dimension of "
                f"the second ({sb[-2]})")
    if len(sa) > 2:
        msg += f" (the first argument, of shape {list(sa)}, is seen as a matrix)"
    return msg


def _matmul_backward(g, A, B):
    if not is_grad_enabled():       # no graph of the gradient: the same products on arrays
        return _matmul_backward_arrays(g._data, A, B)
    a_vec, b_vec = A._data.ndim == 1, B._data.ndim == 1
    if a_vec and b_vec:             # a dot product: g is a scalar
        return (g * B if A._rg else None), (g * A if B._rg else None)
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
    _check_tensors("mm", input, mat2)
    if input._data.ndim != 2:
        raise RuntimeError(f"mm: self must be a matrix, got {input._data.ndim}-D tensor")
    if mat2._data.ndim != 2:
        raise RuntimeError(f"mm: mat2 must be a matrix, got {mat2._data.ndim}-D tensor")
    return _matmul(input, mat2, "mm")


def _check_bmm(name, b1, b2):
    a, b = b1._data, b2._data
    for i, x in enumerate((a, b)):
        if x.ndim != 3:
            raise RuntimeError(f"{name}: batch{i + 1} must be a 3D tensor, got {x.ndim}D")
    if a.dtype != b.dtype:
        raise RuntimeError(f"{name}: expected scalar type {_sname(a)} but found {_sname(b)}")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError(f"{name}: Expected size for first two dimensions of batch2 tensor to "
                           f"be: [{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, "
                           f"{b.shape[1]}].")


@tensor_method
def bmm(input, mat2) -> Tensor:
    """Batched product of (b, n, m) and (b, m, p) tensors."""
    _check_tensors("bmm", input, mat2)
    _check_bmm("bmm", input, mat2)
    return _matmul(input, mat2, "bmm")


def _check_mv(name, input, mat, vec):
    """addmv's rank rule: a vector (or scalar) plus a matrix times a vector."""
    if mat._data.ndim != 2 or vec._data.ndim != 1 or (input is not None
                                                       and input._data.ndim > 1):
        n = 1 if input is None else input._data.ndim
        raise RuntimeError(f"{name}: vector + matrix @ vector expected, got {n}, "
                           f"{mat._data.ndim}, {vec._data.ndim}")


@tensor_method
def mv(input, vec) -> Tensor:
    """Matrix times vector."""
    _check_tensors("mv", input, vec)
    _check_mv("mv", None, input, vec)
    return _matmul(input, vec, "mv")


@tensor_method
def dot(input, other) -> Tensor:
    """Inner product Σᵢ xᵢyᵢ of two 1-D tensors of the same size."""
    _check_tensors("dot", input, other)
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {input._data.ndim}D and "
                           f"{other._data.ndim}D tensors")
    return _matmul(input, other, "dot")


@tensor_method
def vdot(input, other) -> Tensor:
    """Σᵢ conj(xᵢ) yᵢ, which for real tensors is ``dot``."""
    _check_tensors("vdot", input, other)
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"vdot: 1D tensors expected, but got {input._data.ndim}D and "
                           f"{other._data.ndim}D tensors")
    return _matmul(input, other, "vdot")


@tensor_method
def inner(input, other) -> Tensor:
    """Σ over the last dimension of both; a scalar operand multiplies."""
    _check_tensors("inner", input, other)
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        return input * other
    if a.dtype != b.dtype:
        raise RuntimeError(f"inner: both inputs should have same dtype, but got "
                           f"{input.dtype} and {other.dtype}")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(a.shape)} and {list(b.shape)}")
    return tensordot(input, other, ([-1], [-1]))


@tensor_method
def outer(input, vec2) -> Tensor:
    """Outer product xyᵀ of two vectors (dtypes promoted as for ``*``)."""
    _check_tensors("outer", input, vec2)
    for what, x in (("self", input), ("vec2", vec2)):
        if x._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {what}, but got "
                               f"{x._data.ndim}-D")
    return input.unsqueeze(-1) * vec2.unsqueeze(0)


@tensor_method
def ger(input, vec2) -> Tensor:
    """Outer product, the old name of ``outer``."""
    return outer(input, vec2)


@tensor_method
def addmm(input, mat1, mat2, *, beta=1, alpha=1) -> Tensor:
    """β·input + α·(mat1 @ mat2), input broadcast to the product's shape."""
    _check_tensors("addmm", input, mat1, mat2)
    for what, x in (("mat1", mat1), ("mat2", mat2)):
        if x._data.ndim != 2:
            raise RuntimeError(f"addmm: {what} must be a matrix, got {x._data.ndim}-D tensor")
    for what, x in (("self", input), ("mat1", mat1)):
        if x._data.dtype != mat2._data.dtype:
            raise RuntimeError(f"addmm: {what} and mat2 must have the same dtype, but got "
                               f"{_sname(x._data)} and {_sname(mat2._data)}")
    prod = _matmul(mat1, mat2, "addmm")
    _check_expand("addmm", input._data.shape, prod._data.shape)
    return _scaled_sum(input, prod, beta, alpha)


@tensor_method
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """β·input + α·bmm(batch1, batch2), input broadcast to the product's shape."""
    _check_tensors("baddbmm", input, batch1, batch2)
    _check_bmm("baddbmm", batch1, batch2)
    if input._data.dtype != batch1._data.dtype:
        raise RuntimeError(f"baddbmm: Input dtypes must be the same, got: input "
                           f"{_cname(input._data)}, batch1: {_cname(batch1._data)}, batch2: "
                           f"{_cname(batch2._data)}")
    prod = _matmul(batch1, batch2, "baddbmm")
    _check_expand("baddbmm", input._data.shape, prod._data.shape)
    return _scaled_sum(input, prod, beta, alpha)


@tensor_method
def addmv(input, mat, vec, *, beta=1, alpha=1) -> Tensor:
    """β·input + α·(mat @ vec), input broadcast to the product's shape."""
    _check_tensors("addmv", input, mat, vec)
    _check_mv("addmv", input, mat, vec)
    x, m, v = input._data, mat._data, vec._data
    if not x.dtype == m.dtype == v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{_sname(x)}, {_sname(m)}, and {_sname(v)}")
    n = x.shape[0] if x.ndim == 1 else m.shape[0]
    if m.shape[1] != v.shape[0] or n not in (1, m.shape[0]):
        raise RuntimeError(f"addmv: size mismatch, got input ({n}), mat ({_mat_str(m.shape)}), "
                           f"vec ({v.shape[0]})")
    return _scaled_sum(input, _matmul(mat, vec, "addmv"), beta, alpha)


def _check_expand(name, shape, target):
    """``input`` of the add-products must broadcast to the product's shape without growing it
    (PyTorch expands it)."""
    if len(shape) > len(target):
        raise RuntimeError(f"{name}: input of shape {list(shape)} cannot be expanded to the "
                           f"product's shape {list(target)}: the number of sizes provided "
                           f"({len(target)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({len(shape)})")
    pad = len(target) - len(shape)
    for i, s in enumerate(shape):
        if s not in (1, target[pad + i]):
            raise RuntimeError(f"{name}: The expanded size of the tensor ({target[pad + i]}) "
                               f"must match the existing size ({s}) at non-singleton dimension "
                               f"{pad + i}.  Target sizes: {list(target)}.  Tensor sizes: "
                               f"{list(shape)}")


def _scaled_sum(input, prod, beta, alpha):
    if prod._data.dtype.kind != "f":
        beta, alpha = int(beta), int(alpha)     # PyTorch casts the scalars to the int dtype
    prod = prod if alpha == 1 else prod * alpha
    if beta == 0:
        # input is not read (NaN in it does not spread), and its gradient is zero
        zero = record(np.zeros(input._data.shape, input._data.dtype), "MulBackward0", (input,),
                      lambda g: g * 0)
        return prod + zero
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
    if x.flags.writeable:
        out.flags.writeable = True      # NumPy hands out diagonals read-only; PyTorch's write
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
    """Sum of the main diagonal of a matrix (integers summed as int64)."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim "
                           f"{input._data.ndim}")
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return diagonal(input).sum()


# ----- einsum -------------------------------------------------------------------------------

def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation, e.g. ``einsum("bhqd,bhkd->bhqk", q, k)`` (attention scores) or
    ``einsum("bi,oij,bj->bo", x1, w, x2)`` (a bilinear layer).

    Repeated letters in one operand take a diagonal, letters missing from the output are
    summed, and each pair of operands is contracted by one (batched) matmul after a permute
    and reshape, or multiplied when they share no summed letter; the gradient follows from
    those ops.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, op in enumerate(operands):
        if not isinstance(op, Tensor):
            raise TypeError(f"einsum(): expected Tensor as element {i} in argument 1, but got "
                            f"{type(op).__name__}")
    subs, rhs = _parse(equation, operands)
    subs, rhs, ell = _expand_ellipsis(subs, rhs, operands, equation)
    sizes = _sizes(subs, operands, ell)
    terms = [_dedupe(op, s) for op, s in zip(operands, subs)]
    t, s = terms[0]
    for j in range(1, len(terms)):
        later = set(rhs).union(*[set(x[1]) for x in terms[j + 1:]])
        t, s = _contract(t, s, terms[j][0], terms[j][1], later, sizes)
    return _finish(t, s, rhs)


_ELL = "."      # one ellipsis, as a single subscript while parsing


def _parse(equation, operands):
    """Operands' subscripts and the output's (``None`` when implicit), each a list of letters
    and ``_ELL``; errors as PyTorch's, pointing at the position in ``equation``."""
    arrow = equation.find("->")
    lhs = equation if arrow < 0 else equation[:arrow]
    subs, cur, dots, ell = [], [], 0, False

    def close(what):
        if dots:
            raise RuntimeError(f"einsum(): found '.' for {what} that is not part of any "
                               f"ellipsis" + (" (...)" if what == "output" else ""))

    for pos, c in enumerate(lhs):
        if c == " ":
            continue
        k = len(subs)
        if c == ".":
            if ell:
                raise RuntimeError(f"einsum(): found '.' for operand {k} for which an ellipsis "
                                   f"was already found")
            dots += 1
            if dots == 3:
                cur.append(_ELL)
                dots, ell = 0, True
        elif c == ",":
            close(f"operand {k}")
            subs.append(cur)
            cur, ell = [], False
        elif c.isascii() and c.isalpha():
            close(f"operand {k}")
            cur.append(c)
        else:
            raise RuntimeError(f"einsum(): invalid subscript given at index {pos} in the equation "
                               f"string, subscripts must be in [a-zA-Z]")
    close(f"operand {len(subs)}")
    subs.append(cur)
    if len(subs) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(subs) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    if arrow < 0:
        return subs, None
    out, dots, ell = [], 0, False
    for pos, c in enumerate(equation[arrow + 2:], arrow + 2):
        if c == " ":
            continue
        if c == ".":
            if ell:
                raise RuntimeError("einsum(): found '.' for output but an ellipsis (...) was "
                                   "already found")
            dots += 1
            if dots == 3:
                out.append(_ELL)
                dots, ell = 0, True
        elif c.isascii() and c.isalpha():
            close("output")
            if c in out:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   f"the output")
            if not any(c in s for s in subs):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   f"equation for any input operand")
            out.append(c)
        else:
            raise RuntimeError(f"einsum(): invalid subscript given at index {pos} in the equation "
                               f"string, subscripts must be in [a-zA-Z]")
    close("output")
    return subs, out


def _expand_ellipsis(subs, rhs, operands, equation):
    """Subscript strings with each ellipsis replaced by letters unused in the equation (the
    ellipses of all operands aligned on the right), the output string, and those letters."""
    free = [c for c in string.ascii_letters if c not in equation]
    n_ell = 0
    for i, (s, op) in enumerate(zip(subs, operands)):
        n = len(s) - (_ELL in s)
        if _ELL in s:
            if n > op._data.ndim:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) is "
                                   f"more than the number of dimensions ({op._data.ndim}) for "
                                   f"operand {i}")
            n_ell = max(n_ell, op._data.ndim - n)
        elif n != op._data.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) does "
                               f"not match the number of dimensions ({op._data.ndim}) for "
                               f"operand {i} and no ellipsis was given")
    ell = "".join(free[:n_ell])
    out = []
    for s, op in zip(subs, operands):
        k = op._data.ndim - (len(s) - (_ELL in s))
        out.append("".join(ell[n_ell - k:] if c == _ELL else c for c in s))
    if rhs is None:        # implicit output: the ellipsis, then letters seen once, sorted
        counts = "".join(out)
        return out, ell + "".join(sorted(c for c in set(counts) if counts.count(c) == 1
                                         and c not in ell)), ell
    return out, "".join(ell if c == _ELL else c for c in rhs), ell


def _sizes(subs, operands, ell) -> dict:
    """Each letter's size, size-1 dims broadcasting; PyTorch's errors for sizes that differ
    (``ell``: the letters standing for the ellipsis)."""
    sizes: dict = {}
    for i, (s, op) in enumerate(zip(subs, operands)):
        own: dict = {}
        for c, n in zip(s, op._data.shape):
            if c in own and own[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the "
                                   f"sizes don't match, {n} != {own[c]}")
            own[c] = n
        for c, n in own.items():
            if sizes.get(c, 1) not in (1, n) and n != 1:
                if c in ell:
                    raise RuntimeError(f"einsum(): dimension {ell.index(c)} covered by ellipsis "
                                       f"in operand {i} has size {n} which does not broadcast "
                                       f"with previously seen ellipsis with size {sizes[c]} for "
                                       f"the respective dimension")
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} which "
                                   f"does not broadcast with previously seen size {sizes[c]}")
            if n != 1 or c not in sizes:
                sizes[c] = n
    return sizes


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
    and not needed are summed by the matmul, the rest stay. With nothing to sum the operands
    are multiplied with broadcasting (and their dtypes promoted, as in PyTorch)."""
    a, sa = _sum_out(a, sa, set(sb) | later)
    b, sb = _sum_out(b, sb, set(sa) | later)
    batch = [c for c in sa if c in sb and c in later]
    inner = [c for c in sa if c in sb and c not in later]
    a_free = [c for c in sa if c not in sb]
    b_free = [c for c in sb if c not in sa]
    out_letters = "".join(batch + a_free + b_free)
    if not inner:
        a = _permute(a, sa, batch + a_free)
        b = _permute(b, sb, batch + b_free)
        a = a.reshape(a._data.shape + (1,) * len(b_free))
        nb = len(batch)
        b = b.reshape(b._data.shape[:nb] + (1,) * len(a_free) + b._data.shape[nb:])
        return a * b, out_letters
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"einsum(): expected scalar type {_sname(a._data)} but found "
                           f"{_sname(b._data)}")
    a = _arrange(a, sa, batch + a_free + inner, sizes)
    b = _arrange(b, sb, batch + inner + b_free, sizes)
    m = math.prod(sizes[c] for c in a_free)
    k = math.prod(sizes[c] for c in inner)
    n = math.prod(sizes[c] for c in b_free)
    bshape = tuple(sizes[c] for c in batch)
    a3 = a if len(a_free) == 1 and len(inner) == 1 else a.reshape(bshape + (m, k))
    b3 = b if len(inner) == 1 and len(b_free) == 1 else b.reshape(bshape + (k, n))
    c = _matmul(a3, b3, "einsum")
    return c.reshape(bshape + tuple(sizes[x] for x in a_free + b_free)), out_letters


def _permute(t, s, order):
    return t.permute([s.index(c) for c in order]) if list(s) != order else t


def _arrange(t, s, order, sizes):
    """Permute t from letters s to ``order`` and broadcast size-1 dims to the full sizes."""
    t = _permute(t, s, order)
    full = tuple(sizes[c] for c in order)
    return t.expand(full) if t._data.shape != full else t


def _finish(t, s, rhs):
    t, s = _sum_out(t, s, set(rhs))
    if s != rhs:
        t = t.permute([s.index(c) for c in rhs])
    return t


@tensor_method
def tensordot(a, b, dims=2) -> Tensor:
    """Σ over paired dims: the last ``dims`` dims of a with the first ``dims`` of b, or the dims
    listed in ``dims = (dims_a, dims_b)``; the free dims of a, then of b, remain."""
    _check_tensors("tensordot", a, b)
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(na, nb):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        ga, gb = list(range(-dims, 0)), list(range(dims))
    elif isinstance(dims, (list, tuple)) and len(dims) == 2:
        ga, gb = [list(d) if isinstance(d, (list, tuple)) else [d] for d in dims]
    else:
        raise RuntimeError(f"tensordot expects dims to be int or tuple[list[int], list[int]] or "
                           f"list[list[int]] containing two lists, but got dims={dims}")
    if len(ga) != len(gb):
        raise RuntimeError(f"tensordot: both dimension lists should have same length, got "
                           f"{ga} and {gb}")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"tensordot: both inputs should have same dtype, got {a.dtype} and "
                           f"{b.dtype}")
    da = [norm_dim(d, na, "tensordot") for d in ga]
    db = [norm_dim(d, nb, "tensordot") for d in gb]
    for i, j, gi, gj in zip(da, db, ga, gb):
        if a._data.shape[i] != b._data.shape[j]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has "
                               f"size {a._data.shape[i]} in dim {gi} and second has size "
                               f"{b._data.shape[j]} in dim {gj}")
    for d, given in ((da, ga), (db, gb)):
        for k, x in enumerate(d):
            if x in d[:k]:
                raise RuntimeError(f"tensordot: dim {given[k]} appears multiple times in the "
                                   f"list of dims")
    letters = string.ascii_letters
    sa = list(letters[:na])
    sb = list(letters[na:na + nb])
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in da] + [c for k, c in enumerate(sb)
                                                          if k not in db]
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)
