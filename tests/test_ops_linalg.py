"""Matrix products, einsum, tensordot and diagonals, each compared with PyTorch: values, result
dtypes, gradients and second-order gradients over 1-D, 2-D and broadcast batched shapes, and the
errors PyTorch raises (same exception class, a message naming the op and the shapes)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from helpers import check, check_error


def ints(shape, low=-5, high=6, dtype=np.int64, seed=0):
    return np.random.default_rng(seed).integers(low, high, shape).astype(dtype)


# ----- matmul / @ --------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((4,), (4,)),                    # dot
    ((4,), (4, 3)),                  # vector times matrix
    ((3, 4), (4,)),                  # matrix times vector
    ((3, 4), (4, 5)),
    ((1, 1), (1, 1)),
    ((2, 3, 4), (2, 4, 5)),          # bmm
    ((2, 3, 4), (4, 5)),             # (B,T,D) @ (D,E): a linear layer
    ((2, 3, 6, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),             # matrix times a batch
    ((4,), (2, 4, 5)),               # vector times a batch
    ((2, 3, 4), (4,)),               # a batch times a vector
    ((2, 1, 3, 4), (5, 4, 2)),       # batch dims broadcast both ways
    ((1, 3, 4), (6, 4, 2)),
    ((6, 3, 4), (1, 4, 2)),
    ((2, 1, 3, 4), (1, 2, 4, 5)),
    ((4,), (2, 3, 4, 1)),
    ((2, 3, 4, 1), (1,)),
    ((0, 4), (4, 3)),                # empty rows
    ((3, 0), (0, 2)),                # empty inner dimension: zeros
    ((2, 0, 3), (3, 4)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul(sa, sb):
    check(lambda lib, a, b: a @ b, sa, sb, second_order=True)


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES[:12])
def test_matmul_float64(sa, sb):
    check(lambda lib, a, b: lib.matmul(a, b), sa, sb, dtype=np.float64, atol=1e-12,
          rtol=1e-12, second_order=True)


@pytest.mark.parametrize("sa,sb", [((64, 128), (128, 32)), ((4, 16, 96), (96, 48)),
                                   ((3, 1, 20, 70), (5, 70, 10))])
def test_matmul_larger(sa, sb):
    # float32 sums of ~100 products of size ~4: BLAS and NumPy add in different orders, so
    # results differ by a few ulps of the sum (|sum| ~ 20, ulp ~ 2e-6): atol 1e-4.
    check(lambda lib, a, b: a @ b, sa, sb, atol=1e-4, rtol=1e-5, grad_atol=1e-4)


def test_matmul_methods_and_rmatmul():
    check(lambda lib, a, b: a.matmul(b) + a.mm(b) + b.__rmatmul__(a), (3, 4), (4, 2),
          second_order=True)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16, np.int8, np.uint8])
@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 2)), ((4,), (4,)), ((2, 3, 4), (4,)),
                                   ((2, 1, 3, 4), (3, 4, 2))])
def test_matmul_integer(dtype, sa, sb):
    lo = 0 if dtype == np.uint8 else -5
    check(lambda lib, a, b: a @ b, ints(sa, lo, 6, dtype), ints(sb, lo, 6, dtype, seed=1))


def test_matmul_float16():
    # float16 products of a few small values: half-precision rounding, ~1e-3 relative
    a = np.random.default_rng(0).uniform(-1, 1, (3, 5)).astype(np.float16)
    b = np.random.default_rng(1).uniform(-1, 1, (5, 2)).astype(np.float16)
    check(lambda lib, a, b: a @ b, a, b, atol=3e-3, rtol=3e-3, grad=False)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_matmul_broadcast_batches(data):
    """Random broadcastable batch shapes (each dim kept, set to 1, or dropped as a leading dim)
    and random 1-D / 2-D matrix parts."""
    nb = data.draw(st.integers(0, 3), label="batch dims")
    full = data.draw(st.lists(st.integers(1, 3), min_size=nb, max_size=nb), label="batch")

    def batch():
        lead = data.draw(st.integers(0, nb))
        return [1 if data.draw(st.booleans()) else s for s in full[lead:]]

    n, k, m = (data.draw(st.integers(1, 4)) for _ in range(3))
    a_vec, b_vec = data.draw(st.booleans()), data.draw(st.booleans())
    sa = (k,) if a_vec else tuple(batch()) + (n, k)
    sb = (k,) if b_vec else tuple(batch()) + (k, m)
    check(lambda lib, a, b: a @ b, sa, sb, seed=data.draw(st.integers(0, 100)))


def test_matmul_grad_of_broadcast_batch_sums_back():
    """A (3,4) weight used for a (2,5,3,4) batch gets the gradient summed over the batch."""
    w = shendu.randn(4, 2, requires_grad=True)
    x = shendu.randn(2, 5, 3, 4)
    (x @ w).sum().backward()
    assert w.grad.shape == (4, 2)
    expect = x.numpy().reshape(-1, 4).sum(0)[:, None].repeat(2, 1)
    np.testing.assert_allclose(w.grad.numpy(), expect, rtol=1e-5, atol=1e-5)


def test_matmul_no_grad_records_nothing():
    a = shendu.randn(3, 4, requires_grad=True)
    with shendu.no_grad():
        out = a @ shendu.randn(4, 2)
    assert out.grad_fn is None and not out.requires_grad
    out = a @ shendu.randn(4, 2)
    assert out.requires_grad and out.grad_fn is not None


# ----- named products ------------------------------------------------------------------------

PRODUCTS = {
    "mm": (lambda lib, a, b: lib.mm(a, b), (3, 4), (4, 5)),
    "mm_method": (lambda lib, a, b: a.mm(b), (1, 4), (4, 1)),
    "bmm": (lambda lib, a, b: lib.bmm(a, b), (2, 3, 4), (2, 4, 5)),
    "bmm_method": (lambda lib, a, b: a.bmm(b), (1, 3, 4), (1, 4, 2)),
    "mv": (lambda lib, a, b: lib.mv(a, b), (3, 4), (4,)),
    "mv_method": (lambda lib, a, b: a.mv(b), (1, 4), (4,)),
    "dot": (lambda lib, a, b: lib.dot(a, b), (5,), (5,)),
    "dot_method": (lambda lib, a, b: a.dot(b), (1,), (1,)),
    "vdot": (lambda lib, a, b: lib.vdot(a, b) + a.vdot(b), (5,), (5,)),
    "inner_1d": (lambda lib, a, b: lib.inner(a, b), (5,), (5,)),
    "inner_nd": (lambda lib, a, b: lib.inner(a, b), (2, 3, 4), (5, 4)),
    "inner_method": (lambda lib, a, b: a.inner(b), (3, 4), (4,)),
    "inner_scalar": (lambda lib, a, b: lib.inner(a, b), (), (2, 3)),
    "inner_scalar_right": (lambda lib, a, b: lib.inner(a, b), (2, 3), ()),
    "outer": (lambda lib, a, b: lib.outer(a, b), (3,), (4,)),
    "outer_method": (lambda lib, a, b: a.outer(b), (1,), (4,)),
    "ger": (lambda lib, a, b: lib.ger(a, b) + a.ger(b), (3,), (2,)),
    "addmm": (lambda lib, c, a, b: lib.addmm(c, a, b), (3, 5), (3, 4), (4, 5)),
    "addmm_broadcast_row": (lambda lib, c, a, b: lib.addmm(c, a, b), (5,), (3, 4), (4, 5)),
    "addmm_broadcast_1x1": (lambda lib, c, a, b: lib.addmm(c, a, b), (1, 1), (3, 4), (4, 5)),
    "addmm_alpha_beta": (lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=-2.0),
                         (3, 5), (3, 4), (4, 5)),
    "addmm_beta0": (lambda lib, c, a, b: lib.addmm(c, a, b, beta=0), (3, 5), (3, 4), (4, 5)),
    "addmm_alpha0": (lambda lib, c, a, b: c.addmm(a, b, alpha=0), (3, 5), (3, 4), (4, 5)),
    "addmm_method": (lambda lib, c, a, b: c.addmm(a, b, beta=2), (3, 5), (3, 4), (4, 5)),
    "baddbmm": (lambda lib, c, a, b: lib.baddbmm(c, a, b), (2, 3, 5), (2, 3, 4), (2, 4, 5)),
    "baddbmm_broadcast": (lambda lib, c, a, b: lib.baddbmm(c, a, b, beta=-1, alpha=0.5),
                          (3, 1), (2, 3, 4), (2, 4, 5)),
    "baddbmm_method": (lambda lib, c, a, b: c.baddbmm(a, b), (2, 3, 5), (2, 3, 4), (2, 4, 5)),
    "addmv": (lambda lib, c, a, b: lib.addmv(c, a, b), (3,), (3, 4), (4,)),
    "addmv_broadcast": (lambda lib, c, a, b: lib.addmv(c, a, b, beta=3, alpha=0.5),
                        (1,), (3, 4), (4,)),
    "addmv_method": (lambda lib, c, a, b: c.addmv(a, b), (3,), (3, 4), (4,)),
    "tensordot_2": (lambda lib, a, b: lib.tensordot(a, b), (2, 3, 4), (3, 4, 5)),
    "tensordot_1": (lambda lib, a, b: lib.tensordot(a, b, 1), (2, 3), (3, 4)),
    "tensordot_0": (lambda lib, a, b: lib.tensordot(a, b, 0), (2, 3), (4,)),
    "tensordot_3": (lambda lib, a, b: lib.tensordot(a, b, dims=3), (2, 3, 4), (2, 3, 4)),
    "tensordot_lists": (lambda lib, a, b: lib.tensordot(a, b, ([1, 2], [1, 0])),
                        (2, 3, 4), (4, 3, 5)),
    "tensordot_list_of_lists": (lambda lib, a, b: lib.tensordot(a, b, [[0], [2]]),
                                (2, 3, 4), (4, 3, 2)),
    "tensordot_negative": (lambda lib, a, b: lib.tensordot(a, b, ([-1], [-3])),
                           (2, 3, 4), (3, 4, 2, 5)),
    "tensordot_tensor_dims": (lambda lib, a, b: lib.tensordot(a, b, lib.tensor([[2], [0]])),
                              (2, 3, 4), (4, 3, 2)),
}


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_products(name):
    fn, *specs = PRODUCTS[name]
    check(fn, *specs, second_order=True)


@pytest.mark.parametrize("name", ["mm", "bmm", "mv", "dot", "inner_nd", "outer", "addmm_alpha_beta",
                                  "baddbmm_broadcast", "addmv_broadcast", "tensordot_lists"])
def test_products_float64(name):
    fn, *specs = PRODUCTS[name]
    check(fn, *specs, dtype=np.float64, atol=1e-12, rtol=1e-12, second_order=True)


def test_addmm_beta0_ignores_nan_input():
    """With beta=0 the input is not read: NaN in it does not reach the result, and its
    gradient is zeros."""
    nan = np.full((3, 5), np.nan, np.float32)
    check(lambda lib, c, a, b: lib.addmm(c, a, b, beta=0), nan, (3, 4), (4, 5))
    check(lambda lib, c, a, b: lib.baddbmm(c, a, b, beta=0), nan[None], (1, 3, 4), (1, 4, 5))
    check(lambda lib, c, a, b: lib.addmv(c, a, b, beta=0), nan[0, :3], (3, 4), (4,))


@pytest.mark.parametrize("fn", [
    lambda lib, c, a, b: lib.addmm(c, a, b),
    lambda lib, c, a, b: lib.addmm(c, a, b, beta=2, alpha=3),
    lambda lib, c, a, b: lib.addmm(c, a, b, beta=2.7, alpha=1.5),     # truncated to ints
    lambda lib, c, a, b: lib.addmm(c, a, b, alpha=0.5),
])
def test_addmm_integer(fn):
    check(fn, ints((2, 3)), ints((2, 4), seed=1), ints((4, 3), seed=2))


@pytest.mark.parametrize("fn,specs", [
    (lambda lib, a, b: lib.dot(a, b), ((5,), (5,))),
    (lambda lib, a, b: lib.mv(a, b), ((3, 5), (5,))),
    (lambda lib, a, b: lib.bmm(a, b), ((2, 3, 5), (2, 5, 1))),
    (lambda lib, a, b: lib.outer(a, b), ((3,), (2,))),
    (lambda lib, a, b: lib.inner(a, b), ((2, 3), (4, 3))),
    (lambda lib, a, b: lib.tensordot(a, b, 1), ((2, 3), (3, 4))),
])
def test_products_integer(fn, specs):
    check(fn, *[ints(s, seed=i) for i, s in enumerate(specs)])


@pytest.mark.parametrize("fn,specs", [
    (lambda lib, a, b: lib.outer(a, b), ((3,), np.arange(4))),             # float x int
    (lambda lib, a, b: lib.outer(a, b), (np.arange(3), (4,))),
    (lambda lib, a, b: lib.outer(a, b), ((3,), np.ones(2, np.float64))),
    (lambda lib, a, b: lib.inner(a, b), ((), np.arange(3))),               # scalar inner
])
def test_products_promotion(fn, specs):
    check(fn, *specs)


# ----- einsum --------------------------------------------------------------------------------

EINSUM = {
    "attention_scores": ("bhqd,bhkd->bhqk", (2, 3, 4, 5), (2, 3, 6, 5)),
    "attention_values": ("bhqk,bhkd->bhqd", (2, 3, 4, 6), (2, 3, 6, 5)),
    "bilinear": ("bi,oij,bj->bo", (4, 3), (2, 3, 5), (4, 5)),
    "bilinear_torch": ("bn,anm,bm->ba", (2, 3), (4, 3, 5), (2, 5)),
    "matmul": ("ij,jk->ik", (2, 3), (3, 4)),
    "matmul_implicit": ("ij,jk", (2, 3), (3, 4)),
    "implicit_sorted": ("ba,a", (2, 3), (3,)),
    "implicit_transpose": ("ji", (2, 3)),
    "implicit_trace": ("ii", (3, 3)),
    "implicit_outer": ("i,j", (2,), (3,)),
    "ellipsis_matmul": ("...ij,...jk", (2, 1, 3, 4), (5, 4, 2)),
    "ellipsis_explicit": ("...ij,...jk->...ik", (2, 3, 4), (2, 4, 5)),
    "ellipsis_middle": ("i...j,j...->...i", (2, 3, 4), (4, 3)),
    "ellipsis_sum": ("i...->...", (2, 3, 4)),
    "ellipsis_only": ("...", (2, 3)),
    "ellipsis_empty": ("...ij,...jk->...ik", (2, 3), (3, 4)),
    "diagonal": ("ii->i", (3, 3)),
    "trace": ("ii->", (3, 3)),
    "batched_diagonal": ("bii->bi", (2, 3, 3)),
    "diag_then_sum": ("iij->j", (3, 3, 2)),
    "diag_split": ("iji->j", (3, 2, 3)),
    "diag_three": ("iii->i", (3, 3, 3)),
    "diag_keep": ("iij->ji", (3, 3, 2)),
    "outer": ("i,j->ij", (2,), (3,)),
    "sum_all": ("ij->", (2, 3)),
    "sum_rows": ("ij->i", (2, 3)),
    "transpose": ("ij->ji", (2, 3)),
    "permute": ("bij->jbi", (2, 3, 4)),
    "hadamard": ("ij,ij->ij", (2, 3), (2, 3)),
    "elementwise_sum": ("ij,ij->", (2, 3), (2, 3)),
    "broadcast_size1": ("ij,ij->", (2, 3), (1, 3)),
    "broadcast_batch": ("bij,bjk->bik", (1, 2, 3), (4, 3, 5)),
    "broadcast_vec": ("i,i->", (1,), (4,)),
    "broadcast_both": ("bcij,bcjk->bcik", (4, 1, 2, 3), (1, 5, 3, 2)),
    "chain": ("ij,jk,kl->il", (2, 3), (3, 4), (4, 5)),
    "three_dot": ("i,i,i->", (3,), (3,), (3,)),
    "batch_kept_free": ("bi,bj->bij", (2, 3), (2, 4)),
    "contract_two": ("ijk,jkl->il", (2, 3, 4), (3, 4, 5)),
    "unsorted_output": ("ab,bc->ca", (2, 3), (3, 4)),
    "uppercase": ("Ab,bC->AC", (2, 3), (3, 4)),
    "spaces": (" ij , jk -> ik ", (2, 3), (3, 4)),
    "scalar_operand": ("i,->i", (3,), ()),
    "scalar_only": ("->", ()),
    "scalars": (",->", (), ()),
    "sum_not_in_other": ("ij,k->ik", (2, 3), (4,)),
    "empty_dim": ("ij,jk->ik", (2, 0), (0, 3)),
}


@pytest.mark.parametrize("name", sorted(EINSUM))
def test_einsum(name):
    eq, *specs = EINSUM[name]
    check(lambda lib, *ts: lib.einsum(eq, *ts), *specs, second_order=True)


@pytest.mark.parametrize("name", ["attention_scores", "bilinear", "ellipsis_matmul", "chain"])
def test_einsum_float64(name):
    eq, *specs = EINSUM[name]
    check(lambda lib, *ts: lib.einsum(eq, *ts), *specs, dtype=np.float64, atol=1e-12,
          rtol=1e-12, second_order=True)


def test_einsum_operand_list():
    check(lambda lib, a, b: lib.einsum("ij,jk", [a, b]), (2, 3), (3, 4))
    check(lambda lib, a, b: lib.einsum("ij,jk", (a, b)), (2, 3), (3, 4))


@pytest.mark.parametrize("eq,specs", [
    ("ij,jk->ik", ((2, 3), (3, 4))),
    ("i,j->ij", ((2,), (3,))),
    ("ii->", ((3, 3),)),
    ("ij->", ((2, 3),)),
])
def test_einsum_integer(eq, specs):
    check(lambda lib, *ts: lib.einsum(eq, *ts), *[ints(s, seed=i) for i, s in enumerate(specs)])


@pytest.mark.parametrize("eq,specs", [
    ("i,i->i", ((3,), np.arange(3))),                 # no summed letter: multiplied, promoted
    ("i,j->ij", ((3,), np.ones(2, np.float64))),
    ("ij,k->ik", (ints((2, 3), dtype=np.int32), ints(4, dtype=np.int32))),   # int32 sums to int64
    ("ij,jk->ik", (ints((2, 3), dtype=np.int32), ints((3, 4), dtype=np.int32))),
    ("ij->i", (ints((2, 3), dtype=np.int32),)),
    ("ii->i", (ints((3, 3), dtype=np.int32),)),
    ("i,j->ij", (np.array([True, False]), np.array([True, True, False]))),
    ("i,j->...", ((2,), (3,))),                       # an ellipsis covering no dims
    ("...i,j->...", ((2,), (3,))),
    ("i,j->i...", ((2,), (3,))),
])
def test_einsum_dtypes_and_empty_ellipsis(eq, specs):
    check(lambda lib, *ts: lib.einsum(eq, *ts), *specs)


def test_einsum_bool_sum_counts():
    check(lambda lib, a: lib.einsum("i->", a), np.array([True, False, True]))


def test_einsum_does_not_change_inputs():
    a = shendu.randn(3, 3)
    before = a.numpy().copy()
    shendu.einsum("ii->i", a)
    shendu.einsum("ij->ji", a)
    np.testing.assert_array_equal(a.numpy(), before)


# ----- diagonals -----------------------------------------------------------------------------

DIAGONALS = {
    "diagonal": (lambda lib, x: x.diagonal(), (3, 4)),
    "diagonal_fn": (lambda lib, x: lib.diagonal(x), (4, 3)),
    "diagonal_offset": (lambda lib, x: x.diagonal(1), (3, 4)),
    "diagonal_offset_neg": (lambda lib, x: x.diagonal(-1), (3, 4)),
    "diagonal_offset_out": (lambda lib, x: x.diagonal(5), (3, 4)),
    "diagonal_offset_out_neg": (lambda lib, x: x.diagonal(-3), (3, 4)),
    "diagonal_dims": (lambda lib, x: x.diagonal(0, 0, 2), (2, 3, 4)),
    "diagonal_dims_reversed": (lambda lib, x: x.diagonal(1, 2, 0), (3, 3, 4)),
    "diagonal_negative_dims": (lambda lib, x: x.diagonal(offset=-1, dim1=-1, dim2=-2), (2, 3, 4)),
    "diagonal_kwargs": (lambda lib, x: lib.diagonal(x, offset=1, dim1=1, dim2=0), (2, 3)),
    "diagonal_batched": (lambda lib, x: x.diagonal(0, -2, -1), (2, 3, 3)),
    "diag_vector": (lambda lib, x: lib.diag(x), (3,)),
    "diag_vector_offset": (lambda lib, x: lib.diag(x, 2), (3,)),
    "diag_vector_offset_neg": (lambda lib, x: x.diag(-1), (3,)),
    "diag_matrix": (lambda lib, x: lib.diag(x), (3, 4)),
    "diag_matrix_offset": (lambda lib, x: x.diag(1), (3, 4)),
    "diag_matrix_offset_neg": (lambda lib, x: lib.diag(x, diagonal=-2), (3, 4)),
    "diag_matrix_offset_out": (lambda lib, x: lib.diag(x, 4), (3, 4)),
    "diag_embed": (lambda lib, x: lib.diag_embed(x), (2, 3)),
    "diag_embed_offset": (lambda lib, x: x.diag_embed(1), (2, 3)),
    "diag_embed_offset_neg": (lambda lib, x: x.diag_embed(-2), (3,)),
    "diag_embed_dims": (lambda lib, x: lib.diag_embed(x, 1, 0, 2), (2, 3)),
    "diag_embed_dims_reversed": (lambda lib, x: lib.diag_embed(x, -1, 2, 0), (2, 3)),
    "diag_embed_neg_dims": (lambda lib, x: lib.diag_embed(x, dim1=-1, dim2=0), (2, 3)),
    "trace": (lambda lib, x: lib.trace(x), (3, 3)),
    "trace_wide": (lambda lib, x: x.trace(), (2, 4)),
    "trace_tall": (lambda lib, x: x.trace(), (4, 2)),
    "trace_empty": (lambda lib, x: x.trace(), (0, 3)),
    "diagonal_roundtrip": (lambda lib, x: lib.diag_embed(x.diagonal(0, 0, 1)) * 2, (3, 3)),
}


@pytest.mark.parametrize("name", sorted(DIAGONALS))
def test_diagonals(name):
    fn, *specs = DIAGONALS[name]
    check(fn, *specs, second_order=True)


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.diagonal(1),
    lambda lib, x: lib.diag(x),
    lambda lib, x: lib.trace(x),
    lambda lib, x: lib.diag_embed(x),
])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_diagonals_integer(fn, dtype):
    check(fn, ints((3, 3), 0, 9, dtype))


def test_diagonal_is_a_view():
    x = shendu.arange(9.0).reshape(3, 3)
    d = x.diagonal()
    x.zero_()
    np.testing.assert_array_equal(d.numpy(), [0, 0, 0])
    x.diagonal(1).fill_(7.0)          # writing through the view changes x, as in PyTorch
    t = torch.zeros(3, 3)
    t.diagonal(1).fill_(7.0)
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    assert np.shares_memory(d.numpy(), x.numpy())
    # diag of a matrix is a copy, as in PyTorch
    assert not np.shares_memory(shendu.diag(x).numpy(), x.numpy())


# ----- errors --------------------------------------------------------------------------------

ERRORS = [
    # matmul shapes: the message names both shapes
    (lambda lib, a, b: a @ b, ((4, 3), (4, 5)),
     "mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)"),
    (lambda lib, a, b: lib.matmul(a, b), ((2, 2, 3), (4, 5)),
     "mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)"),
    (lambda lib, a, b: a @ b, ((3,), (4, 5)),
     "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)"),
    (lambda lib, a, b: a @ b, ((3,), (4,)),
     "inconsistent tensor size, expected tensor [3] and src [4]"),
    (lambda lib, a, b: a @ b, ((2, 3), (4,)), "size mismatch, got input (2), mat (2x3), vec (4)"),
    (lambda lib, a, b: a @ b, ((2, 2, 3), (3, 3, 5)),
     "the size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"),
    (lambda lib, a, b: a @ b, ((2, 2, 3), (2, 4, 5)), "[2, 2, 3] and [2, 4, 5]"),
    (lambda lib, a, b: a @ b, ((3,), (2, 4, 5)), "[3] and [2, 4, 5]"),
    (lambda lib, a, b: a @ b, ((), (4,)),
     "both arguments to matmul need to be at least 1D, but they are 0D and 1D"),
    (lambda lib, a, b: a @ b.double(), ((3, 3), (3, 3)),
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    (lambda lib, a, b: a @ b.long(), ((3, 3), (3, 3)),
     "expected m1 and m2 to have the same dtype, but got: float != long int"),
    (lambda lib, a, b: a.int() @ b.long(), ((3, 3), (3, 3)), "int != long int"),
    (lambda lib, a, b: a.bool() @ b.bool(), ((3, 3), (3, 3)), "not implemented for 'Bool'"),
    (lambda lib, a, b: a.bool() @ b.bool(), ((3,), (3,)), "not implemented for 'Bool'"),
    # named products
    (lambda lib, a, b: lib.mm(a, b), ((4, 3), (4, 5)),
     "mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)"),
    (lambda lib, a, b: lib.mm(a, b), ((4, 3, 1), (4, 5)), "self must be a matrix"),
    (lambda lib, a, b: lib.mm(a, b), ((4, 3), (3,)), "mat2 must be a matrix"),
    (lambda lib, a, b: lib.bmm(a, b), ((2, 3, 4), (3, 4, 5)),
     "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [3, 4]."),
    (lambda lib, a, b: lib.bmm(a, b), ((2, 3, 4), (2, 3, 5)),
     "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 3]."),
    (lambda lib, a, b: lib.bmm(a, b), ((2, 3, 4), (4, 5)), "batch2 must be a 3D tensor"),
    (lambda lib, a, b: lib.bmm(a, b), ((3, 4), (2, 4, 5)), "batch1 must be a 3D tensor"),
    (lambda lib, a, b: lib.mv(a, b), ((2, 3), (4,)),
     "size mismatch, got input (2), mat (2x3), vec (4)"),
    (lambda lib, a, b: lib.mv(a, b), ((2, 3), (3, 1)),
     "vector + matrix @ vector expected, got 1, 2, 2"),
    (lambda lib, a, b: lib.dot(a, b), ((2,), (3,)),
     "inconsistent tensor size, expected tensor [2] and src [3] to have the same number of "
     "elements, but got 2 and 3 elements respectively"),
    (lambda lib, a, b: lib.dot(a, b), ((2, 2), (3,)),
     "1D tensors expected, but got 2D and 1D tensors"),
    (lambda lib, a, b: lib.dot(a, b.double()), ((2,), (2,)),
     "dot : expected both vectors to have same dtype, but found Float and Double"),
    (lambda lib, a, b: lib.vdot(a, b), ((2,), (3,)), "inconsistent tensor size"),
    (lambda lib, a, b: lib.inner(a, b), ((2, 3), (4,)),
     "inner() the last dimension must match on both input tensors but got shapes [2, 3] and [4]"),
    (lambda lib, a, b: lib.inner(a, b.double()), ((2, 3), (4, 3)),
     "both inputs should have same dtype"),
    (lambda lib, a, b: lib.outer(a, b), ((2, 3), (4,)),
     "outer: Expected 1-D argument self, but got 2-D"),
    (lambda lib, a, b: lib.outer(a, b), ((2,), (4, 1)),
     "outer: Expected 1-D argument vec2, but got 2-D"),
    (lambda lib, c, a, b: lib.addmm(c, a, b), ((2, 3), (2, 4), (5, 3)),
     "mat1 and mat2 shapes cannot be multiplied (2x4 and 5x3)"),
    (lambda lib, c, a, b: lib.addmm(c, a, b), ((4, 3), (2, 4), (4, 3)),
     "The expanded size of the tensor (2) must match the existing size (4)"),
    (lambda lib, c, a, b: lib.addmm(c.long(), a, b), ((2, 3), (2, 4), (4, 3)),
     "self and mat2 must have the same dtype, but got Long and Float"),
    (lambda lib, c, a, b: lib.addmm(c.double(), a, b), ((2, 3), (2, 4), (4, 3)),
     "self and mat2 must have the same dtype, but got Double and Float"),
    (lambda lib, c, a, b: lib.baddbmm(c, a, b), ((2, 2, 3), (2, 2, 4), (2, 5, 3)),
     "Expected size for first two dimensions of batch2 tensor to be: [2, 4]"),
    (lambda lib, c, a, b: lib.addmv(c, a, b), ((3,), (2, 4), (4,)),
     "size mismatch, got input (3), mat (2x4), vec (4)"),
    # tensordot
    (lambda lib, a, b: lib.tensordot(a, b, 1), ((2, 3), (4, 3)),
     "contracted dimensions need to match, but first has size 3 in dim -1 and second has size "
     "4 in dim 0"),
    (lambda lib, a, b: lib.tensordot(a, b, ([1], [0])), ((2, 3), (4, 3)),
     "contracted dimensions need to match, but first has size 3 in dim 1 and second has size 4 "
     "in dim 0"),
    (lambda lib, a, b: lib.tensordot(a, b, ([1], [1, 0])), ((2, 3), (4, 3)),
     "both dimension lists should have same length"),
    (lambda lib, a, b: lib.tensordot(a, b, 4), ((2, 3, 4), (3, 4, 5)),
     "tensordot expects dims < ndim_a or ndim_b, but got dims=4"),
    (lambda lib, a, b: lib.tensordot(a, b, -1), ((2, 3, 4), (3, 4, 5)),
     "tensordot expects dims >= 0, but got dims=-1"),
    (lambda lib, a, b: lib.tensordot(a, b, ([1, 1], [0, 0])), ((2, 3, 4), (3, 4, 5)),
     "dim 1 appears multiple times in the list of dims"),
    (lambda lib, a, b: lib.tensordot(a, b.double(), 2), ((2, 3, 4), (3, 4, 5)),
     "both inputs should have same dtype"),
    # diagonals
    (lambda lib, x: lib.trace(x), ((2, 3, 4),),
     "trace: expected a matrix, but got tensor with dim 3"),
    (lambda lib, x: lib.trace(x.bool()), ((2, 3),), "\"trace\" not implemented for 'Bool'"),
    (lambda lib, x: lib.diag(x), ((2, 3, 4),), "diag(): Supports 1D or 2D tensors. Got 3D"),
    (lambda lib, x: lib.diagonal(x, 0, 1, 1), ((2, 3, 4),),
     "diagonal dimensions cannot be identical 1, 1"),
    (lambda lib, x: lib.diagonal(x, 0, 1, -2), ((2, 3, 4),),
     "diagonal dimensions cannot be identical 1, -2"),
    (lambda lib, x: lib.diagonal(x, 0, 1, 3), ((2, 3, 4),),
     "Dimension out of range (expected to be in range of [-3, 2], but got 3)"),
    (lambda lib, x: lib.diag_embed(x, 0, 1, 1), ((2, 3),),
     "diagonal dimensions cannot be identical 1, 1"),
    (lambda lib, x: lib.diag_embed(x, 0, 0, 3), ((2, 3),),
     "Dimension out of range (expected to be in range of [-3, 2], but got 3)"),
    # einsum
    (lambda lib, a, b: lib.einsum("ij,jk", a, b), ((2, 3), (4, 5)),
     "einsum(): subscript j has size 4 for operand 1 which does not broadcast with previously "
     "seen size 3"),
    (lambda lib, a: lib.einsum("ij,jk->ik", a), ((2, 3),),
     "einsum(): fewer operands were provided than specified in the equation"),
    (lambda lib, a, b: lib.einsum("i", a, b), ((3,), (3,)),
     "einsum(): more operands were provided than specified in the equation"),
    (lambda lib, a: lib.einsum("ij->iij", a), ((2, 3),),
     "einsum(): output subscript i appears more than once in the output"),
    (lambda lib, a: lib.einsum("ij->k", a), ((2, 3),),
     "einsum(): output subscript k does not appear in the equation for any input operand"),
    (lambda lib, a: lib.einsum("ijk->ij", a), ((2, 3),),
     "einsum(): the number of subscripts in the equation (3) does not match the number of "
     "dimensions (2) for operand 0 and no ellipsis was given"),
    (lambda lib, a: lib.einsum("ijk...->", a), ((2, 3),),
     "einsum(): the number of subscripts in the equation (3) is more than the number of "
     "dimensions (2) for operand 0"),
    (lambda lib, a: lib.einsum("i1->i", a), ((2, 3),),
     "einsum(): invalid subscript given at index 1 in the equation string, subscripts must be "
     "in [a-zA-Z]"),
    (lambda lib, a: lib.einsum("ij-i", a), ((2, 3),), "invalid subscript given at index 2"),
    (lambda lib, a: lib.einsum("ij->i->j", a), ((2, 3),), "invalid subscript given at index 5"),
    (lambda lib, a: lib.einsum("i....->", a), ((2, 3),),
     "einsum(): found '.' for operand 0 for which an ellipsis was already found"),
    (lambda lib, a: lib.einsum("i...j...->", a), ((2, 3),),
     "einsum(): found '.' for operand 0 for which an ellipsis was already found"),
    (lambda lib, a: lib.einsum("ii->i", a), ((2, 3),),
     "einsum(): subscript i is repeated for operand 0 but the sizes don't match, 3 != 2"),
    (lambda lib, a, b: lib.einsum("...ij,...jk", a, b), ((2, 2, 3), (3, 3, 4)),
     "einsum(): dimension 0 covered by ellipsis in operand 1"),
    (lambda lib, a, b: lib.einsum("ij,jk->ik", a, b.double()), ((2, 3), (3, 4)),
     "expected scalar type Float but found Double"),
    (lambda lib, a, b: lib.einsum("ij,jk->ik", a.long(), b), ((2, 3), (3, 4)),
     "expected scalar type Long but found Float"),
    (lambda lib, a, b: lib.einsum("ij,jk->i", a.int(), b.int()), ((2, 3), (3, 4)),
     "expected scalar type Int but found Long"),     # b's k summed first, to int64
    (lambda lib, a, b: lib.einsum("i,i->", a.bool(), b.bool()), ((3,), (3,)),
     "not implemented for 'Bool'"),
    (lambda lib, a: lib.einsum("i.j", a), ((2, 3),),
     "einsum(): found '.' for operand 0 that is not part of any ellipsis"),
    (lambda lib, a: lib.einsum("i..,j", a), ((2, 3),), "that is not part of any ellipsis"),
    (lambda lib, a, b: lib.einsum("i,j->i.", a, b), ((2,), (3,)),
     "einsum(): found '.' for output that is not part of any ellipsis (...)"),
    (lambda lib, a, b: lib.einsum("i,j->......", a, b), ((2,), (3,)),
     "einsum(): found '.' for output but an ellipsis (...) was already found"),
    (lambda lib, a, b: lib.einsum("i,jk", a, b), ((2,), (3,)),
     "einsum(): the number of subscripts in the equation (2) does not match the number of "
     "dimensions (1) for operand 1 and no ellipsis was given"),
]


@pytest.mark.parametrize("fn,specs,match", ERRORS)
def test_errors(fn, specs, match):
    check_error(fn, *specs, match=match)


def test_einsum_operand_type_error():
    check_error(lambda lib, a: lib.einsum("i,i", a, 3), (3,), match="expected Tensor")
