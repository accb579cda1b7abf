"""Reductions, softmax and sorting, each compared with PyTorch: values, result dtypes, gradients
and second-order gradients over dims, keepdim, dtype arguments, ties, NaN, empty and 0-d
inputs, and the errors PyTorch raises."""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from helpers import check, check_error

INF, NAN = math.inf, math.nan


def arr(values, dtype=np.float32):
    return np.array(values, dtype)


def make(spec):
    """An input array for tests that run each library by hand."""
    return spec.copy() if isinstance(spec, np.ndarray) else \
        np.random.default_rng(0).uniform(-2, 2, spec).astype(np.float32)


# Rows with ties for the max/min family: two 3s, three 2s, a tie of ±5 and 5.
TIES = arr([[1., 3., 3., 0.], [2., 2., 2., -1.], [0., 5., -5., 5.]])
INTS = np.array([[3, -1, 4], [1, 5, -9]], np.int64)
BOOLS = np.array([[True, False, True], [False, False, True]])
WITH_NAN = arr([[1., NAN, 3.], [4., 5., 6.], [NAN, 0., NAN]])
ZEROS_ONE = arr([[2., 0., 3.], [1., 4., -2.]])
ZEROS_TWO = arr([[0., 0., 3.], [1., 0., -2.]])


# ----- sum, mean, nansum, nanmean --------------------------------------------------------

SUM_MEAN = {
    "sum_all": (lambda lib, x: x.sum(), (3, 4)),
    "sum_dim": (lambda lib, x: lib.sum(x, 1), (3, 4)),
    "sum_neg_dim": (lambda lib, x: x.sum(-2), (2, 3, 4)),
    "sum_tuple": (lambda lib, x: x.sum((0, 2)), (2, 3, 4)),
    "sum_list_neg": (lambda lib, x: x.sum([-1, 0], keepdim=True), (2, 3, 4)),
    "sum_keepdim": (lambda lib, x: lib.sum(x, dim=1, keepdim=True), (2, 3, 4)),
    "sum_empty_tuple": (lambda lib, x: x.sum(()), (3, 4)),
    "sum_all_keepdim": (lambda lib, x: x.sum(dim=None, keepdim=True), (3, 4)),
    "sum_0d": (lambda lib, x: x.sum() + x.sum(0) + x.sum(-1, keepdim=True), ()),
    "sum_dtype_f64": (lambda lib, x: x.sum(1, dtype=lib.float64), (3, 4)),
    "sum_empty_dim": (lambda lib, x: x.sum(1), (3, 0)),
    "sum_empty_all": (lambda lib, x: x.sum(), (0, 4)),
    "mean_all": (lambda lib, x: x.mean(), (3, 4)),
    "mean_dim": (lambda lib, x: lib.mean(x, -1), (3, 4)),
    "mean_tuple_keepdim": (lambda lib, x: x.mean((0, 2), keepdim=True), (2, 3, 4)),
    "mean_empty_tuple": (lambda lib, x: x.mean(()), (3, 4)),
    "mean_0d": (lambda lib, x: x.mean() * x.mean(0), ()),
    "mean_dtype": (lambda lib, x: x.mean(0, dtype=lib.float64), (3, 4)),
    "mean_empty": (lambda lib, x: x.mean(1), (2, 0)),
    "mean_empty_all": (lambda lib, x: x.mean(), (0,)),
    "nansum": (lambda lib, x: x.nansum() + lib.nansum(x, 1).sum(), WITH_NAN),
    "nansum_keepdim": (lambda lib, x: x.nansum(0, keepdim=True), WITH_NAN),
    "nanmean": (lambda lib, x: lib.nanmean(x, 1), WITH_NAN),
    "nanmean_all": (lambda lib, x: x.nanmean(), WITH_NAN),
    "nanmean_keepdim": (lambda lib, x: x.nanmean(0, keepdim=True), WITH_NAN),
}


@pytest.mark.parametrize("name", sorted(SUM_MEAN))
def test_sum_mean(name):
    fn, *specs = SUM_MEAN[name]
    check(fn, *specs, second_order=True)


@pytest.mark.parametrize("name", ["sum_dim", "mean_tuple_keepdim", "nanmean", "sum_tuple"])
def test_sum_mean_float64(name):
    fn, *specs = SUM_MEAN[name]
    check(fn, *specs, dtype=np.float64, atol=1e-12, rtol=1e-12, second_order=True)


INT_OPS = {
    "sum": lambda lib, x: x.sum(),
    "sum_dim": lambda lib, x: x.sum(1),
    "sum_tuple_keepdim": lambda lib, x: x.sum((0, 1), keepdim=True),
    "sum_to_float": lambda lib, x: x.sum(0, dtype=lib.float32),
    "sum_to_int8": lambda lib, x: x.sum(dtype=lib.int8),
    "nansum": lambda lib, x: x.nansum(1),
    "mean_dtype": lambda lib, x: x.mean(dtype=lib.float64),
    "mean_dim_dtype": lambda lib, x: x.mean(1, dtype=lib.float32),
    "prod": lambda lib, x: x.prod(),
    "prod_dtype": lambda lib, x: x.prod(1, dtype=lib.float64),
    "cumsum": lambda lib, x: x.cumsum(1),
    "cumsum_dtype": lambda lib, x: x.cumsum(0, dtype=lib.float32),
    "count_nonzero": lambda lib, x: x.count_nonzero(),
    "count_nonzero_tuple": lambda lib, x: x.count_nonzero((0, 1)),
    "count_nonzero_dim": lambda lib, x: lib.count_nonzero(x, 1),
    "all_any": lambda lib, x: x.all() + x.any(),
    "all_any_dim": lambda lib, x: (x.all(1), x.any(0, keepdim=True)),
    "amax": lambda lib, x: x.amax(1),
    "amin": lambda lib, x: x.amin((0, 1)),
    "max": lambda lib, x: x.max(),
    "min_dim": lambda lib, x: x.min(1),
    "argmax": lambda lib, x: x.argmax(),
    "argmin": lambda lib, x: x.argmin(0, keepdim=True),
    "logsumexp": lambda lib, x: x.logsumexp(1),
    "sort": lambda lib, x: x.sort(1),
    "sort_stable": lambda lib, x: x.sort(dim=0, descending=True, stable=True),
    "topk": lambda lib, x: x.topk(2),
    "kthvalue": lambda lib, x: x.kthvalue(2, 1),
    "median": lambda lib, x: x.median(),
    "median_dim": lambda lib, x: x.median(1),
    "msort": lambda lib, x: x.msort(),
    "unique": lambda lib, x: x.unique(),
    "softmax": lambda lib, x: x.softmax(1),
    "var": lambda lib, x: x.var(),
    "nanmean": lambda lib, x: x.nanmean(),
    "vector_norm": lambda lib, x: lib.linalg.vector_norm(x),
}


@pytest.mark.parametrize("name", sorted(INT_OPS))
@pytest.mark.parametrize("data", [INTS, BOOLS, INTS.astype(np.uint8), INTS.astype(np.int32)],
                         ids=["int64", "bool", "uint8", "int32"])
def test_integer_and_bool_inputs(name, data):
    """Result dtypes follow PyTorch: int and bool sums, products and cumsums give int64, all/any
    keep uint8, logsumexp gives the default float dtype; where PyTorch has no kernel for the
    dtype (argmax of bool, median of bool, ...) both raise the same kind of error."""
    fn = INT_OPS[name]
    try:
        fn(torch, torch.from_numpy(data.copy()))
    except (RuntimeError, NotImplementedError, TypeError):
        check_error(fn, data)
        return
    check(fn, data)


def test_mean_of_int_raises():
    check_error(lambda lib, x: x.mean(), INTS, match="mean(): could not infer output dtype")
    check_error(lambda lib, x: x.mean(1), BOOLS, match="Bool")
    check(lambda lib, x: x.mean(dtype=lib.float32), INTS)


# ----- var, std, var_mean, std_mean ------------------------------------------------------

VAR_ARGS = [
    ((), {}),
    ((1,), {}),
    ((-1,), {"keepdim": True}),
    (((0, 2),), {}),
    (([0, -1],), {"keepdim": True}),
    ((), {"correction": 0}),
    ((1,), {"correction": 2}),
    ((None,), {"correction": 0, "keepdim": True}),
    ((0,), {"unbiased": False}),
    ((2, True), {}),
    ((2, False, True), {}),
    ((False,), {}),
    ((True,), {}),
    ((), {"dim": 1, "correction": 0.5}),
]


@pytest.mark.parametrize("op", ["var", "std"])
@pytest.mark.parametrize("args,kwargs", VAR_ARGS, ids=lambda a: repr(a))
def test_var_std(op, args, kwargs):
    check(lambda lib, x: getattr(lib, op)(x, *args, **kwargs), (3, 4, 5), second_order=True)
    check(lambda lib, x: getattr(x, op)(*args, **kwargs), (3, 4, 5), dtype=np.float64,
          atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std_empty_dim_tuple(op):
    """``dim=()`` reduces every dim. PyTorch's gradient for it is wrong (its var_backward takes
    the reduced count as 1, giving ±inf), so shendu is compared with ``dim=None`` there."""
    check(lambda lib, x: getattr(x, op)((), correction=1), (3, 4), grad=False)
    x = shendu.from_numpy(make((3, 4))).requires_grad_()
    (g_empty,) = shendu.autograd.grad(getattr(x, op)(()), x)
    (g_none,) = shendu.autograd.grad(getattr(x, op)(None), x)
    np.testing.assert_allclose(g_empty.numpy(), g_none.numpy(), rtol=1e-6)


@pytest.mark.parametrize("op", ["var_mean", "std_mean"])
@pytest.mark.parametrize("args,kwargs", VAR_ARGS[:10], ids=lambda a: repr(a))
def test_var_mean_std_mean(op, args, kwargs):
    check(lambda lib, x: getattr(lib, op)(x, *args, **kwargs), (3, 4, 5), second_order=True)


@pytest.mark.parametrize("op", ["var", "std", "var_mean", "std_mean"])
@pytest.mark.parametrize("spec,kwargs", [
    ((1,), {}),
    ((4,), {"correction": 4}),
    ((2, 3), {"dim": 1, "correction": 5}),
    ((), {}),
    ((3,), {"dim": -1, "correction": 3.5}),
    ((2, 0), {"dim": 1}),
    ((0,), {"correction": 0}),
], ids=repr)
def test_var_std_no_degrees_of_freedom(op, spec, kwargs):
    """N − correction ≤ 0: PyTorch divides by max(0, N − correction) (inf, or nan for 0/0) and
    warns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda lib, x: getattr(lib, op)(x, **kwargs), spec)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        getattr(shendu, op)(shendu.ones(*spec), **kwargs)


def test_var_std_constant_input():
    """std of a constant row is 0 and, as in PyTorch, its gradient is 0 rather than 0/0."""
    check(lambda lib, x: (x.std(1), x.std()), arr([[3., 3., 3.], [1., 2., 3.]]))
    check(lambda lib, x: x.var(1), arr([[3., 3., 3.], [1., 2., 3.]]), second_order=True)


@pytest.mark.parametrize("fn,match", [
    (lambda lib, x: x.var(), "floating point"),
    (lambda lib, x: x.std(1), "floating point"),
    (lambda lib, x: x.var(1, unbiased=True, correction=1), "correction"),
], ids=["var_int", "std_int", "both"])
def test_var_std_errors(fn, match):
    check_error(fn, INTS if "floating" in match else arr([1., 2.]), match=match)


# ----- max, min, amax, amin, aminmax, argmax, argmin -------------------------------------

EXTREMES = {
    "max_all_ties": (lambda lib, x: x.max(), TIES),
    "min_all_ties": (lambda lib, x: lib.min(x), TIES),
    "max_dim_ties": (lambda lib, x: x.max(1), TIES),
    "min_dim_ties": (lambda lib, x: lib.min(x, dim=0, keepdim=True), TIES),
    "max_neg_dim": (lambda lib, x: x.max(-1, True), (2, 3, 4)),
    "min_dim": (lambda lib, x: x.min(1), (2, 3, 4)),
    "max_0d": (lambda lib, x: (x.max(), x.max(0), x.min(-1, keepdim=True)), ()),
    "max_other": (lambda lib, x, y: lib.max(x, y), (3, 4), (4,)),
    "min_other": (lambda lib, x, y: x.min(y), (3, 1), (4,)),
    "max_named": (lambda lib, x: x.max(dim=0).values * x.max(dim=0).indices, (3, 4)),
    "amax_ties": (lambda lib, x: x.amax(), TIES),
    "amax_dim_ties": (lambda lib, x: x.amax(1), TIES),
    "amin_dim_ties_keep": (lambda lib, x: lib.amin(x, 0, keepdim=True), TIES),
    "amax_tuple": (lambda lib, x: x.amax((0, 2)), (2, 3, 4)),
    "amin_list_neg": (lambda lib, x: x.amin([-1, -2], True), (2, 3, 4)),
    "amax_0d": (lambda lib, x: x.amax() + x.amax(0) + x.amin(()), ()),
    "amax_empty_other": (lambda lib, x: x.amax(1), (0, 3)),
    "aminmax_all": (lambda lib, x: lib.aminmax(x), TIES),
    "aminmax_dim": (lambda lib, x: x.aminmax(dim=1), TIES),
    "aminmax_keepdim": (lambda lib, x: lib.aminmax(x, dim=-1, keepdim=True), (2, 3, 4)),
    "max_nan": (lambda lib, x: (x.max(), x.max(1), x.amax(0), x.min(0)), WITH_NAN),
    "max_inf": (lambda lib, x: (x.max(), x.min(1)), arr([[INF, 1.], [-INF, -INF]])),
    "max_empty_other_dim": (lambda lib, x: x.max(1), (0, 3)),
}


@pytest.mark.parametrize("name", sorted(EXTREMES))
def test_max_min(name):
    fn, *specs = EXTREMES[name]
    check(fn, *specs, second_order=True)


def test_max_dim_sends_gradient_to_the_returned_index():
    x = shendu.tensor([[1., 3., 3.]], requires_grad=True)
    v, i = x.max(1)
    v.sum().backward()
    assert i.tolist() == [1] and x.grad.tolist() == [[0., 1., 0.]]
    x.grad = None
    x.amax(1).sum().backward()
    assert x.grad.tolist() == [[0., 0.5, 0.5]]


ARG = {
    "argmax": (lambda lib, x: x.argmax(), TIES),
    "argmin_dim": (lambda lib, x: x.argmin(1), TIES),
    "argmax_keepdim": (lambda lib, x: lib.argmax(x, 0, keepdim=True), TIES),
    "argmax_all_keepdim": (lambda lib, x: x.argmax(keepdim=True), (2, 3)),
    "argmin_neg": (lambda lib, x: x.argmin(-2), (2, 3, 4)),
    "argmax_0d": (lambda lib, x: (x.argmax(), x.argmax(0), x.argmin(-1, True)), ()),
    "argmax_nan": (lambda lib, x: (x.argmax(), x.argmax(1), x.argmin(0)), WITH_NAN),
    "argmax_empty_other": (lambda lib, x: x.argmax(1), (0, 3)),
}


@pytest.mark.parametrize("name", sorted(ARG))
def test_argmax_argmin(name):
    fn, *specs = ARG[name]
    check(fn, *specs)


@pytest.mark.parametrize("fn,spec,match", [
    (lambda lib, x: x.max(), (0, 3), "max(): Expected reduction dim to be specified"),
    (lambda lib, x: x.min(), (0,), "min()"),
    (lambda lib, x: x.max(0), (0, 3), "max(): Expected reduction dim 0 to have non-zero size"),
    (lambda lib, x: x.min(1), (2, 0), "min()"),
    (lambda lib, x: x.amax(), (0, 3), "amax()"),
    (lambda lib, x: x.amin(0), (0, 3), "amin()"),
    (lambda lib, x: x.argmax(), (0,), "argmax()"),
    (lambda lib, x: x.argmin(0), (0, 2), "argmin()"),
    (lambda lib, x: lib.aminmax(x), (0,), "aminmax()"),
    (lambda lib, x: x.max(2), (3, 4), "range"),
    (lambda lib, x: x.amax((0, 0)), (3, 4), "multiple times"),
    (lambda lib, x: x.argmax(-3), (3, 4), "range"),
    (lambda lib, x: x.max(x[:2]), (3, 4), "size"),
], ids=lambda a: a if isinstance(a, str) else "")
def test_max_min_errors(fn, spec, match):
    check_error(fn, spec, match=match)


# ----- prod, cumsum, logsumexp -----------------------------------------------------------

PROD = {
    "all": (lambda lib, x: x.prod(), (2, 3)),
    "dim": (lambda lib, x: lib.prod(x, 1), (2, 3, 4)),
    "neg_keepdim": (lambda lib, x: x.prod(-1, keepdim=True), (2, 3, 4)),
    "one_zero": (lambda lib, x: (x.prod(), x.prod(1), x.prod(0)), ZEROS_ONE),
    "two_zeros": (lambda lib, x: (x.prod(), x.prod(1), x.prod(0)), ZEROS_TWO),
    "0d": (lambda lib, x: x.prod() + x.prod(0) + x.prod(-1, True), ()),
    "dtype": (lambda lib, x: x.prod(0, dtype=lib.float64), (3, 2)),
    "empty": (lambda lib, x: (x.prod(1), x.prod()), (2, 0)),
    "all_keepdim": (lambda lib, x: x.prod(0, True), (1, 3)),
}


@pytest.mark.parametrize("name", sorted(PROD))
def test_prod(name):
    fn, *specs = PROD[name]
    check(fn, *specs)
    check(fn, *specs, dtype=np.float64, atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("data", [(2, 3), ZEROS_ONE, ZEROS_TWO], ids=["random", "one", "two"])
def test_prod_double_backward_raises(data):
    """prod's backward is once-differentiable: differentiating it again raises."""
    x = shendu.from_numpy(make(data)).requires_grad_()
    (g,) = shendu.autograd.grad(x.prod(1).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="ProdBackward1: its backward is not differentiable"):
        shendu.autograd.grad(g.sum(), x)


CUMSUM = {
    "dim1": (lambda lib, x: x.cumsum(1), (3, 4)),
    "neg": (lambda lib, x: lib.cumsum(x, dim=-3), (2, 3, 4)),
    "0d": (lambda lib, x: x.cumsum(0) * x.cumsum(-1), ()),
    "dtype": (lambda lib, x: x.cumsum(0, dtype=lib.float64), (3, 4)),
    "empty": (lambda lib, x: x.cumsum(1), (3, 0)),
}


@pytest.mark.parametrize("name", sorted(CUMSUM))
def test_cumsum(name):
    fn, *specs = CUMSUM[name]
    check(fn, *specs, second_order=True)


LOGSUMEXP = {
    "dim": (lambda lib, x: lib.logsumexp(x, 1), (3, 4)),
    "neg_keepdim": (lambda lib, x: x.logsumexp(-1, keepdim=True), (2, 3, 4)),
    "tuple": (lambda lib, x: x.logsumexp((0, 2)), (2, 3, 4)),
    "list": (lambda lib, x: x.logsumexp([0, 1]), (2, 3)),
    "0d": (lambda lib, x: x.logsumexp(0), ()),
    "large": (lambda lib, x: (x * 1e4).logsumexp(1), (3, 4)),
    "neg_inf": (lambda lib, x: x.logsumexp(1), arr([[-INF, 1., 2.], [0., -INF, -INF]])),
    "empty": (lambda lib, x: x.logsumexp(0), (0, 3)),
    "inf": (lambda lib, x: x.logsumexp(1), arr([[INF, 1.], [2., 3.]])),
}


@pytest.mark.parametrize("name", sorted(LOGSUMEXP))
def test_logsumexp(name):
    fn, *specs = LOGSUMEXP[name]
    check(fn, *specs, second_order=True)


def test_logsumexp_all_neg_inf_row():
    """A row of only -inf gives -inf (its gradient is nan in PyTorch: e^(−inf − (−inf)))."""
    check(lambda lib, x: x.logsumexp(1), arr([[-INF, -INF], [0., 1.]]))


@pytest.mark.parametrize("fn,spec,match", [
    (lambda lib, x: x.cumsum(2), (3, 4), "range"),
    (lambda lib, x: x.prod(3), (3, 4), "range"),
    (lambda lib, x: x.logsumexp(2), (3, 4), "range"),
    (lambda lib, x: x.logsumexp((1, 1)), (3, 4), "multiple times"),
    (lambda lib, x: x.sum(2), (3, 4), "range"),
    (lambda lib, x: x.sum((0, -2)), (3, 4), "multiple times"),
    (lambda lib, x: x.mean(1), (3,), "range"),
    (lambda lib, x: x.sum(1), (), "range"),
], ids=lambda a: a if isinstance(a, str) else "")
def test_reduction_dim_errors(fn, spec, match):
    check_error(fn, spec, match=match)


# ----- all, any, count_nonzero, sum_to_size ----------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda lib, x: (x.all(), x.any()),
    lambda lib, x: (lib.all(x, 1), lib.any(x, dim=0)),
    lambda lib, x: (x.all(-1, keepdim=True), x.any(1, True)),
    lambda lib, x: (x.all((0, 1)), x.any([1])),
    lambda lib, x: x.count_nonzero(),
    lambda lib, x: x.count_nonzero(1),
    lambda lib, x: lib.count_nonzero(x, dim=(-1, 0)),
], ids=lambda f: "")
@pytest.mark.parametrize("data", [arr([[0., 1., NAN], [0., 0., 0.]]), BOOLS, INTS, arr([])],
                         ids=["float", "bool", "int", "empty"])
def test_all_any_count_nonzero(fn, data):
    if data.ndim == 1 and data.size == 0:
        data = data.reshape(0, 2)
    check(fn, data)


SUM_TO = {
    "args": (lambda lib, x: x.sum_to_size(1, 4), (3, 4)),
    "tuple": (lambda lib, x: x.sum_to_size((3, 1)), (3, 4)),
    "lead": (lambda lib, x: x.sum_to_size(4), (2, 3, 4)),
    "same": (lambda lib, x: x.sum_to_size(2, 3), (2, 3)),
    "scalar": (lambda lib, x: x.sum_to_size(()), (2, 3)),
}


@pytest.mark.parametrize("name", sorted(SUM_TO))
def test_sum_to_size(name):
    fn, *specs = SUM_TO[name]
    check(fn, *specs, second_order=True)


def test_sum_to_size_error():
    check_error(lambda lib, x: x.sum_to_size(2, 4), (3, 4), match="expandable")


# ----- softmax, log_softmax --------------------------------------------------------------

SOFTMAX = {
    "last": (lambda lib, x: lib.softmax(x, -1), (3, 4)),
    "dim0": (lambda lib, x: x.softmax(0), (3, 4)),
    "mid": (lambda lib, x: lib.nn.functional.softmax(x, dim=1), (2, 3, 4)),
    "log_last": (lambda lib, x: lib.log_softmax(x, -1), (3, 4)),
    "log_mid": (lambda lib, x: x.log_softmax(1), (2, 3, 4)),
    "log_functional": (lambda lib, x: lib.nn.functional.log_softmax(x, 0), (3, 4)),
    "0d": (lambda lib, x: x.softmax(0) + x.log_softmax(-1), ()),
    "dtype": (lambda lib, x: x.softmax(1, dtype=lib.float64), (3, 4)),
    "log_dtype": (lambda lib, x: lib.log_softmax(x, 1, dtype=lib.float64), (3, 4)),
    "large": (lambda lib, x: (x * 1e4).softmax(1), (3, 4)),
    "log_large": (lambda lib, x: (x * 1e4).log_softmax(1), (3, 4)),
    "neg_large": (lambda lib, x: (x - 1e4).log_softmax(1) + (x + 1e4).softmax(1), (3, 4)),
    "neg_inf": (lambda lib, x: (x.softmax(1), x.log_softmax(1)),
                arr([[-INF, 1., 2.], [0., -INF, 3.]])),
    "empty": (lambda lib, x: (x.softmax(1), x.log_softmax(0)), (0, 3)),
    "size_one": (lambda lib, x: (x.softmax(1), x.log_softmax(1)), (3, 1)),
}


@pytest.mark.parametrize("name", sorted(SOFTMAX))
def test_softmax(name):
    fn, *specs = SOFTMAX[name]
    check(fn, *specs, second_order=True)


@pytest.mark.parametrize("name", ["last", "mid", "log_mid", "log_large"])
def test_softmax_float64(name):
    fn, *specs = SOFTMAX[name]
    check(fn, *specs, dtype=np.float64, atol=1e-12, rtol=1e-10, second_order=True)


def test_softmax_row_of_neg_inf():
    """A row of only -inf: softmax is nan, log_softmax is nan, as in PyTorch."""
    check(lambda lib, x: (x.softmax(1), x.log_softmax(1)), arr([[-INF, -INF], [0., 1.]]),
          grad=False)


@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_implicit_dim(op, ndim):
    """The legacy rule without ``dim``: dim 0 for 0-, 1- and 3-d inputs, else dim 1, with a
    deprecation warning."""
    shape = (2, 3, 4, 2)[:ndim]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda lib, x: getattr(lib.nn.functional, op)(x), shape)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        getattr(shendu.nn.functional, op)(shendu.ones(*shape))


def test_softmax_int_input():
    """Integer inputs: PyTorch has no integer softmax kernel; with dtype= they work."""
    check_error(lambda lib, x: x.softmax(0), INTS, match="softmax")
    check_error(lambda lib, x: x.log_softmax(0), INTS, match="softmax")
    check(lambda lib, x: x.softmax(1, dtype=lib.float32), INTS)
    check(lambda lib, x: x.log_softmax(0, dtype=lib.float64), INTS)


def test_softmax_dim_error():
    check_error(lambda lib, x: x.softmax(2), (3, 4), match="range")
    check_error(lambda lib, x: x.log_softmax(-3), (3, 4), match="range")


# ----- sort, argsort, msort, topk, kthvalue, median --------------------------------------

DISTINCT = np.random.default_rng(1).permutation(24).astype(np.float32).reshape(2, 3, 4) / 4 - 3
SORT_DATA = arr([[3., NAN, 1., 3., -INF], [2., 2., NAN, INF, 0.], [1., 1., 1., 0., 1.]])


SORTING = {
    "sort": (lambda lib, x: x.sort(), (3, 4)),
    "sort_dim0": (lambda lib, x: lib.sort(x, 0), (3, 4)),
    "sort_desc": (lambda lib, x: x.sort(-2, descending=True), (2, 3, 4)),
    "sort_kw": (lambda lib, x: lib.sort(x, dim=1, descending=True, stable=True), (2, 3, 4)),
    "sort_stable_ties": (lambda lib, x: (x.sort(stable=True),
                                         x.sort(stable=True, dim=1, descending=True)), SORT_DATA),
    "sort_0d": (lambda lib, x: (x.sort(), x.sort(0, True)), ()),
    "sort_empty": (lambda lib, x: x.sort(1), (2, 0)),
    "sort_named": (lambda lib, x: x.sort().values * x.sort().indices, (3, 4)),
    "argsort": (lambda lib, x: (x.argsort(), lib.argsort(x, 0, descending=True)), (3, 4)),
    "argsort_stable": (lambda lib, x: (x.argsort(stable=True),
                                       lib.argsort(x, stable=True, dim=1, descending=True)),
                       SORT_DATA),
    "msort": (lambda lib, x: (lib.msort(x), x.msort()), (4, 3)),
    "topk": (lambda lib, x: x.topk(2), DISTINCT),
    "topk_smallest": (lambda lib, x: lib.topk(x, 3, dim=1, largest=False), DISTINCT),
    "topk_dim0": (lambda lib, x: x.topk(1, 0, True, True), DISTINCT),
    "topk_all": (lambda lib, x: x.topk(4, -1), DISTINCT),
    "topk_zero": (lambda lib, x: x.topk(0, 1), DISTINCT),
    "topk_0d": (lambda lib, x: (x.topk(1), x.topk(0)), ()),
    "topk_nan": (lambda lib, x: (x.topk(2, 0), x.topk(1, 0, largest=False)),
                 arr([[NAN, 1.], [2., 3.], [0., NAN]])),
    "kthvalue": (lambda lib, x: x.kthvalue(2), DISTINCT),
    "kthvalue_dim_keep": (lambda lib, x: lib.kthvalue(x, 3, 1, keepdim=True), DISTINCT),
    "kthvalue_0d": (lambda lib, x: x.kthvalue(1, 0), ()),
    "kthvalue_neg": (lambda lib, x: x.kthvalue(1, dim=-3), DISTINCT),
    "median": (lambda lib, x: x.median(), (3, 4)),
    "median_even": (lambda lib, x: lib.median(x), (4,)),
    "median_dim": (lambda lib, x: x.median(1), DISTINCT),
    "median_dim_keep": (lambda lib, x: lib.median(x, -1, keepdim=True), DISTINCT),
    "median_0d": (lambda lib, x: (x.median(), x.median(0)), ()),
    "median_nan": (lambda lib, x: (x.median(), x.median(1), x.median(0)), WITH_NAN),
    "median_empty_other": (lambda lib, x: x.median(1), (0, 3)),
}


@pytest.mark.parametrize("name", sorted(SORTING))
def test_sorting(name):
    fn, *specs = SORTING[name]
    check(fn, *specs, second_order=True)


def test_sort_nan_placement():
    """NaN sorts as the largest value: last ascending, first descending."""
    check(lambda lib, x: (x.sort(0), x.sort(0, descending=True)),
          arr([3., NAN, -1., NAN, INF, -INF, 0.]))


def test_median_empty():
    check(lambda lib, x: x.median(), (0,))
    check(lambda lib, x: x.median(), (2, 0))


@pytest.mark.parametrize("fn,spec,match", [
    (lambda lib, x: x.topk(5), (3, 4), "topk"),
    (lambda lib, x: x.topk(-1), (3, 4), "topk"),
    (lambda lib, x: x.topk(2, 0), (), "topk"),
    (lambda lib, x: x.kthvalue(0), (3, 4), "kthvalue"),
    (lambda lib, x: x.kthvalue(5, 1), (3, 4), "kthvalue"),
    (lambda lib, x: x.kthvalue(1, 1), (3, 0), "kthvalue"),
    (lambda lib, x: x.sort(2), (3, 4), "range"),
    (lambda lib, x: x.argsort(-3), (3, 4), "range"),
    (lambda lib, x: x.topk(1, 2), (3, 4), "range"),
    (lambda lib, x: x.median(2), (3, 4), "range"),
    (lambda lib, x: x.median(1), (3, 0), "median"),
], ids=lambda a: a if isinstance(a, str) else "")
def test_sorting_errors(fn, spec, match):
    check_error(fn, spec, match=match)


UNIQUE_DATA = np.array([[3, 1, 3, 2], [1, 1, 0, 2], [3, 1, 3, 2]], np.int64)


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.unique(),
    lambda lib, x: lib.unique(x, sorted=True),
    lambda lib, x: lib.unique(x, return_inverse=True),
    lambda lib, x: x.unique(return_counts=True),
    lambda lib, x: x.unique(return_inverse=True, return_counts=True),
    lambda lib, x: x.unique(dim=0),
    lambda lib, x: x.unique(dim=1, return_inverse=True, return_counts=True),
    lambda lib, x: lib.unique(x, dim=-1, return_counts=True),
    lambda lib, x: x.unique(sorted=True, return_inverse=True, dim=0),
], ids=lambda f: "")
@pytest.mark.parametrize("data", [UNIQUE_DATA, UNIQUE_DATA.astype(np.float32) / 2,
                                  UNIQUE_DATA.astype(bool)], ids=["int", "float", "bool"])
def test_unique(fn, data):
    check(fn, data, grad=False)


def test_unique_0d_and_empty():
    check(lambda lib, x: x.unique(return_inverse=True, return_counts=True), arr(2.5),
          grad=False)
    check(lambda lib, x: x.unique(return_inverse=True, return_counts=True), (0, 3), grad=False)


def test_unique_dim_error():
    check_error(lambda lib, x: x.unique(dim=2), UNIQUE_DATA, match="range")


SEQ = arr([-1., 0., 0., 2., 5.])
SEQ_2D = arr([[-1., 0., 2.], [1., 1., 3.]])
VALUES_2D = arr([[0., 2.5, -3., 2.], [1., 1., 9., 0.]])


@pytest.mark.parametrize("fn,specs", [
    (lambda lib, s, v: lib.searchsorted(s, v), (SEQ, arr([[0., 2.5], [-3., 9.]]))),
    (lambda lib, s, v: lib.searchsorted(s, v, right=True), (SEQ, arr([0., 2., 5., 6.]))),
    (lambda lib, s, v: lib.searchsorted(s, v, side="right"), (SEQ, arr([0., 2., 5.]))),
    (lambda lib, s, v: lib.searchsorted(s, v, side="left", out_int32=True),
     (SEQ, arr([0., 2.]))),
    (lambda lib, s, v: lib.searchsorted(s, v), (SEQ_2D, VALUES_2D)),
    (lambda lib, s, v: lib.searchsorted(s, v, right=True), (SEQ_2D, VALUES_2D)),
    (lambda lib, s, v: lib.searchsorted(s, v), (SEQ, arr(2.))),
    (lambda lib, s, v: lib.searchsorted(s, v), (SEQ.astype(np.int64), arr([0.5, 2.]))),
    (lambda lib, s, v, i: lib.searchsorted(s, v, sorter=i),
     (arr([5., -1., 2., 0.]), arr([0., 3.]), np.array([1, 3, 2, 0], np.int64))),
    (lambda lib, s, v: lib.bucketize(v, s), (SEQ, arr([[0., 2.5], [-3., 9.]]))),
    (lambda lib, s, v: lib.bucketize(v, s, right=True), (SEQ, arr([0., 2., 5.]))),
    (lambda lib, s, v: lib.bucketize(v, s, out_int32=True), (SEQ, arr(0.))),
    (lambda lib, s, v: lib.searchsorted(s, v), (SEQ, arr([NAN, INF]))),
], ids=lambda a: "")
def test_searchsorted_bucketize(fn, specs):
    check(fn, *specs, grad=False)


def test_searchsorted_scalar_value():
    for lib in (shendu, torch):
        assert lib.searchsorted(lib.tensor([0., 1., 2.]), 1.5).item() == 2


def test_searchsorted_errors():
    check_error(lambda lib, s, v: lib.searchsorted(s, v), SEQ_2D, arr([1., 2.]),
                match="boundaries tensor should be 1 dimension")
    check_error(lambda lib, s, v: lib.searchsorted(s, v, side="left", right=True), SEQ,
                arr([1.]), match="side")
    check_error(lambda lib, s, v: lib.searchsorted(s, v, side="middle"), SEQ,
                arr([1.]), match="side")
    check_error(lambda lib, s, v: lib.bucketize(v, s), SEQ_2D, arr([1.]), match="boundaries")


# ----- norm, linalg.vector_norm, linalg.matrix_norm, linalg.norm -------------------------

NORMS = {
    "vn_2": (lambda lib, x: lib.linalg.vector_norm(x), (3, 4)),
    "vn_2_dim": (lambda lib, x: lib.linalg.vector_norm(x, dim=1), (3, 4)),
    "vn_1": (lambda lib, x: lib.linalg.vector_norm(x, 1, -1, True), (2, 3, 4)),
    "vn_inf": (lambda lib, x: lib.linalg.vector_norm(x, INF, (0, 2)), (2, 3, 4)),
    "vn_neg_inf": (lambda lib, x: lib.linalg.vector_norm(x, -INF, 1), (3, 4)),
    "vn_0": (lambda lib, x: lib.linalg.vector_norm(x, 0, 1), arr([[0., 1., 2.], [0., 0., 3.]])),
    "vn_3": (lambda lib, x: lib.linalg.vector_norm(x, 3, dim=[0, 1]), (3, 4)),
    "vn_half": (lambda lib, x: lib.linalg.vector_norm(x, 0.5, 0), (3, 4)),
    "vn_neg": (lambda lib, x: lib.linalg.vector_norm(x, -1.5, 1, keepdim=True), (3, 4)),
    "vn_dtype": (lambda lib, x: lib.linalg.vector_norm(x, dim=1, dtype=lib.float64), (3, 4)),
    "vn_0d": (lambda lib, x: lib.linalg.vector_norm(x) + lib.linalg.vector_norm(x, 3), ()),
    "vn_ties_inf": (lambda lib, x: lib.linalg.vector_norm(x, INF, 1), TIES),
    "vn_empty": (lambda lib, x: lib.linalg.vector_norm(x, 2, 1), (3, 0)),
    "norm_default": (lambda lib, x: x.norm(), (3, 4)),
    "norm_p": (lambda lib, x: lib.norm(x, 3), (3, 4)),
    "norm_p_dim": (lambda lib, x: x.norm(1, 1, keepdim=True), (3, 4)),
    "norm_fro_dim": (lambda lib, x: lib.norm(x, "fro", 1), (3, 4)),
    "norm_fro_tuple": (lambda lib, x: x.norm("fro", (0, 2)), (2, 3, 4)),
    "norm_inf": (lambda lib, x: x.norm(INF, 0), (3, 4)),
    "norm_dtype": (lambda lib, x: x.norm(2, 1, dtype=lib.float64), (3, 4)),
    "mn_fro": (lambda lib, x: lib.linalg.matrix_norm(x), (2, 3, 4)),
    "mn_fro_dims": (lambda lib, x: lib.linalg.matrix_norm(x, "fro", (0, 2), True), (2, 3, 4)),
    "mn_1": (lambda lib, x: lib.linalg.matrix_norm(x, 1), (2, 3, 4)),
    "mn_neg1": (lambda lib, x: lib.linalg.matrix_norm(x, -1), (3, 4)),
    "mn_inf": (lambda lib, x: lib.linalg.matrix_norm(x, INF), (2, 3, 4)),
    "mn_neg_inf": (lambda lib, x: lib.linalg.matrix_norm(x, -INF, keepdim=True), (3, 4)),
    "ln_vec": (lambda lib, x: lib.linalg.norm(x), (5,)),
    "ln_mat": (lambda lib, x: lib.linalg.norm(x), (3, 4)),
    "ln_3d": (lambda lib, x: lib.linalg.norm(x), (2, 3, 4)),
    "ln_ord_dim": (lambda lib, x: lib.linalg.norm(x, 3, 1), (3, 4)),
    "ln_fro": (lambda lib, x: lib.linalg.norm(x, "fro"), (3, 4)),
    "ln_mat_1": (lambda lib, x: lib.linalg.norm(x, 1), (3, 4)),
    "ln_mat_inf_dims": (lambda lib, x: lib.linalg.norm(x, INF, (0, 2)), (3, 4, 2)),
    "ln_vec_inf": (lambda lib, x: lib.linalg.norm(x, -INF), (5,)),
}


@pytest.mark.parametrize("name", sorted(NORMS))
def test_norms(name):
    fn, *specs = NORMS[name]
    check(fn, *specs, second_order=True)


@pytest.mark.parametrize("name", ["vn_2_dim", "vn_3", "mn_fro", "norm_p_dim"])
def test_norms_float64(name):
    fn, *specs = NORMS[name]
    check(fn, *specs, dtype=np.float64, atol=1e-12, rtol=1e-10, second_order=True)


@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, INF, -INF, 0, "fro"])
def test_norm_gradient_at_zero(ord):
    """The gradient of a norm at an all-zero vector is 0, as in PyTorch."""
    zero = np.zeros((2, 3), np.float32)
    if ord == "fro":
        check(lambda lib, x: lib.linalg.matrix_norm(x), zero)
        return
    check(lambda lib, x: lib.linalg.vector_norm(x, ord, 1), zero)
    check(lambda lib, x: lib.linalg.vector_norm(x, ord), zero)


@pytest.mark.parametrize("fn,spec,match", [
    (lambda lib, x: lib.linalg.vector_norm(x), INTS, "floating point"),
    (lambda lib, x: x.norm(), INTS, "floating point"),
    (lambda lib, x: lib.linalg.vector_norm(x, 2, 2), (3, 4), "range"),
    (lambda lib, x: lib.linalg.matrix_norm(x), (3,), "at least 2 dimensions"),
    (lambda lib, x: lib.linalg.matrix_norm(x, 3), (3, 4), "Order 3 not supported"),
    (lambda lib, x: lib.linalg.norm(x, 3), (3, 4), "Order 3 not supported"),
    (lambda lib, x: lib.linalg.norm(x, "fro"), (3,), "at least 2 dimensions"),
    (lambda lib, x: lib.linalg.vector_norm(x, INF), (0,), "empty"),
], ids=lambda a: a if isinstance(a, str) else "")
def test_norm_errors(fn, spec, match):
    check_error(fn, spec, match=match)


# ----- drawn shapes and dims --------------------------------------------------------------

@st.composite
def shape_and_dims(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=4)))
    nd = max(len(shape), 1)
    dims = draw(st.lists(st.integers(-nd, nd - 1), unique_by=lambda d: d % nd, max_size=nd))
    return shape, dims, draw(st.booleans())


@settings(max_examples=40, deadline=None)
@given(shape_and_dims())
def test_drawn_reductions(case):
    shape, dims, keepdim = case
    # an empty dim list would reduce everything, but PyTorch's logsumexp rejects it and its
    # var gradient is wrong for it (see test_var_std_empty_dim_tuple): list every dim instead
    dims = dims or list(range(max(len(shape), 1)))

    def fn(lib, x):
        return (x.sum(dims, keepdim), x.mean(dims, keepdim), x.amax(dims, keepdim),
                x.var(dims, keepdim=keepdim, correction=0), x.logsumexp(dims, keepdim),
                lib.linalg.vector_norm(x, 2, dims, keepdim))
    check(fn, shape, second_order=True)
    if dims:
        d = dims[0]
        check(lambda lib, x: (x.max(d, keepdim), x.softmax(d), x.cumsum(d), x.sort(d),
                              x.prod(d, keepdim)), shape)


@pytest.mark.parametrize("fn,spec", [
    (lambda lib, x: lib.linalg.matrix_norm(x, "nuc"), (2, 3, 4)),
    (lambda lib, x: lib.linalg.matrix_norm(x, 2, keepdim=True), (2, 3, 4)),
    (lambda lib, x: lib.linalg.matrix_norm(x, -2, (0, 2)), (3, 2, 4)),
    (lambda lib, x: lib.linalg.matrix_norm(x, "nuc", (2, 0), keepdim=True), (3, 2, 4)),
    (lambda lib, x: lib.linalg.norm(x, "nuc"), (3, 4)),
    (lambda lib, x: lib.linalg.norm(x, 2), (4, 3)),
    (lambda lib, x: x.norm("nuc"), (3, 4)),
], ids=lambda a: "")
def test_spectral_norms(fn, spec):
    """Norms from the singular values; their backward is once-differentiable in shendu."""
    check(fn, spec, atol=1e-5, rtol=1e-4)
    check(fn, spec, dtype=np.float64, atol=1e-12, rtol=1e-10)
    x = shendu.from_numpy(make(spec)).requires_grad_()
    (g,) = shendu.autograd.grad(fn(shendu, x).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="LinalgSvdvalsBackward0"):
        shendu.autograd.grad(g.sum(), x)


@pytest.mark.parametrize("fn,spec,match", [
    (lambda lib, x: lib.linalg.vector_norm(x, dtype=lib.int64), (3,), "dtype"),
    (lambda lib, x: lib.linalg.vector_norm(x, dtype=lib.float32), arr([1., 2.], np.float64),
     "narrowing"),
    (lambda lib, x: lib.linalg.vector_norm(x, -1), (2, 0), "identity"),
    (lambda lib, x: lib.linalg.vector_norm(x, -INF, 0), (0, 2), "identity"),
    (lambda lib, x: lib.linalg.norm(x, 2), (2, 3, 4), "must be 1D or 2D"),
    (lambda lib, x: lib.linalg.norm(x, None, (0, 1, 2)), (2, 3, 4), "length 1 or 2"),
    (lambda lib, x: lib.linalg.matrix_norm(x, "fro", (0, 1, 2)), (2, 3, 4), "2-tuple"),
    (lambda lib, x: lib.linalg.matrix_norm(x, "nuc", 1), (2, 3, 4), "tuple of ints"),
    (lambda lib, x: lib.linalg.matrix_norm(x, "foo"), (3, 4), "Order foo not supported"),
    (lambda lib, x: x.norm("fro", (0, 1, 2)), (2, 3, 4), "2-tuple"),
    (lambda lib, x: x.norm("nuc"), (2, 3, 4), "2-tuple"),
    (lambda lib, x: lib.linalg.matrix_norm(x, 1, (1, 1)), (3, 4), "multiple times"),
], ids=lambda a: a if isinstance(a, str) else "")
def test_norm_argument_errors(fn, spec, match):
    check_error(fn, spec, match=match)


# ----- autograd bookkeeping: node names, saved values, return types ------------------------

NODES = {
    "sum": lambda lib, x: x.sum(),
    "sum_dim": lambda lib, x: x.sum(1),
    "mean": lambda lib, x: x.mean(),
    "mean_dim": lambda lib, x: x.mean(1),
    "nansum": lambda lib, x: x.nansum(),
    "var": lambda lib, x: x.var(1),
    "std": lambda lib, x: x.std(),
    "max": lambda lib, x: x.max(),
    "max_dim": lambda lib, x: x.max(1).values,
    "min_dim": lambda lib, x: x.min(1)[0],
    "amax": lambda lib, x: x.amax(1),
    "amin": lambda lib, x: x.amin(),
    "prod": lambda lib, x: x.prod(),
    "prod_dim": lambda lib, x: x.prod(1),
    "cumsum": lambda lib, x: x.cumsum(1),
    "logsumexp": lambda lib, x: x.logsumexp(1),
    "softmax": lambda lib, x: x.softmax(1),
    "log_softmax": lambda lib, x: x.log_softmax(1),
    "sort": lambda lib, x: x.sort(1).values,
    "sort_stable": lambda lib, x: x.sort(stable=True).values,
    "topk": lambda lib, x: x.topk(2).values,
    "kthvalue": lambda lib, x: x.kthvalue(2).values,
    "median": lambda lib, x: x.median(),
    "median_dim": lambda lib, x: x.median(1).values,
    "vector_norm": lambda lib, x: lib.linalg.vector_norm(x, 3),
    "norm": lambda lib, x: x.norm(),
    "sum_to_size": lambda lib, x: x.sum_to_size(1, 4),
}


@pytest.mark.parametrize("name", sorted(NODES))
def test_graph_nodes_match_torch(name):
    """The same grad_fn name as PyTorch, and the same answer to a second backward through the
    node: it works when the node saved nothing (sum, mean, cumsum), and raises otherwise."""
    fn = NODES[name]
    a = make((3, 4))
    results = []
    for lib in (torch, shendu):
        x = lib.tensor(a.copy(), requires_grad=True)
        y = fn(lib, x)
        y.sum().backward()
        try:
            y.sum().backward()
            again = "ok"
        except RuntimeError as e:
            assert lib is torch or "backward through the graph a second time" in str(e)
            again = "raises"
        results.append((y.grad_fn.name(), again))
    assert results[1] == results[0]


@pytest.mark.parametrize("fn", [
    lambda x: x.max(1),
    lambda x: x.sort(0),
    lambda x: x.topk(2),
    lambda x: x.kthvalue(1, 0),
    lambda x: x.median(1),
], ids=["max", "sort", "topk", "kthvalue", "median"])
def test_changing_returned_indices_in_place_breaks_backward(fn):
    """The node saves the returned indices, so changing them in place raises at backward in both
    libraries."""
    for lib in (torch, shendu):
        x = lib.tensor(make((3, 4)), requires_grad=True)
        values, indices = fn(x)
        indices.add_(0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            values.sum().backward()


def test_return_types():
    x = shendu.tensor([[1., 5., 2.], [7., 0., 3.]])
    for name, res in [("max", x.max(1)), ("min", shendu.min(x, 0)), ("sort", x.sort()),
                      ("topk", x.topk(1)), ("kthvalue", x.kthvalue(1)),
                      ("median", x.median(1))]:
        assert type(res).__name__ == name and type(res).__module__ == "shendu.return_types"
        assert res.values is res[0] and res.indices is res[1]
    mm = x.aminmax()
    assert type(mm).__name__ == "aminmax" and mm.min.tolist() == 0. and mm.max.tolist() == 7.
    assert isinstance(shendu.var_mean(x), tuple) and len(shendu.std_mean(x, 1)) == 2


# ----- float16, nan and tie extras ---------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda lib, x: x.sum(1),
    lambda lib, x: x.mean(),
    lambda lib, x: x.amax(0),
    lambda lib, x: x.cumsum(1),
    lambda lib, x: x.softmax(1),
    lambda lib, x: x.log_softmax(0),
    lambda lib, x: x.sort(1),
    lambda lib, x: x.logsumexp(1),
], ids=["sum", "mean", "amax", "cumsum", "softmax", "log_softmax", "sort", "logsumexp"])
def test_float16(fn):
    """float16 results stay float16 (PyTorch accumulates in float32)."""
    check(fn, (4, 64), dtype=np.float16, atol=2e-3, rtol=2e-3, grad=False)


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.median(),
    lambda lib, x: x.max() + x.min(),
    lambda lib, x: x.amax() + x.amin(0).sum(),
    lambda lib, x: lib.linalg.vector_norm(x, INF) + lib.linalg.vector_norm(x, -INF, 1).sum(),
], ids=["median", "max_min", "amax_amin", "inf_norms"])
@pytest.mark.parametrize("data", [
    arr([[1., 2., 2.], [2., 0., 3.]]),
    arr([[1., NAN, 2.], [NAN, 0., 3.]]),
    arr([[-3., 3., 1.], [3., 0., -3.]]),
], ids=["ties", "nans", "abs_ties"])
def test_full_reductions_share_gradient_among_ties_and_nans(fn, data):
    check(fn, data, second_order=True)


def test_nanmean_nansum_dtypes():
    check_error(lambda lib, x: x.nanmean(), INTS, match="nanmean")
    check(lambda lib, x: x.nansum(1, dtype=lib.float64), WITH_NAN, second_order=True)
    check(lambda lib, x: (x.nansum(), x.nanmean()), arr([NAN, NAN]))


@pytest.mark.parametrize("fn", [
    lambda lib, x: (x.sum(axis=1), lib.sum(x, axis=(0, 1), keepdims=True)),
    lambda lib, x: (x.mean(axis=0, keepdims=True), x.nansum(axis=1), x.nanmean(axis=0)),
    lambda lib, x: (x.var(axis=1), x.std(axis=0, keepdims=True), lib.var_mean(x, axis=1)),
    lambda lib, x: (x.max(axis=1), x.min(axis=0, keepdims=True), x.amax(axis=1),
                    x.amin(axis=(0, 1)), x.aminmax(axis=0)),
    lambda lib, x: (x.argmax(axis=1), x.argmin(axis=0, keepdims=True)),
    lambda lib, x: (x.prod(axis=1), x.cumsum(axis=0), x.logsumexp(axis=1, keepdims=True)),
    lambda lib, x: (x.all(axis=1), x.any(axis=0), x.count_nonzero(axis=1)),
    lambda lib, x: (x.softmax(axis=1), lib.log_softmax(x, axis=0)),
    lambda lib, x: (x.sort(axis=0), x.argsort(axis=1), x.topk(2, axis=0),
                    x.kthvalue(1, axis=1), x.median(axis=0, keepdims=True)),
], ids=["sum", "mean", "var", "max", "argmax", "prod", "all", "softmax", "sort"])
def test_numpy_argument_names(fn):
    """PyTorch accepts NumPy's ``axis`` and ``keepdims`` for ``dim`` and ``keepdim``."""
    check(fn, DISTINCT[0])
