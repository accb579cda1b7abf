"""Making tensors and the Tensor basics, each compared with PyTorch: ``tensor`` and its dtype
rules, the creation functions, random sampling (checked by its statistics, since shendu's random
streams are NumPy's, not PyTorch's), in-place fills, dtype promotion, printing, and the
non-op parts of ``Tensor`` (shape, conversion, copying, pickling, constructors)."""

import copy
import math
import pickle
import re

import numpy as np
import pytest
import torch

import shendu
from helpers import assert_same, check, check_error

ALL_DTYPES = ["float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64",
              "bool"]


def name(dtype) -> str:
    return str(dtype).split(".")[-1]


def meta(t):
    """What two tensors of undefined or random values share: shape and dtype."""
    return tuple(t.shape), name(t.dtype)


# ----- tensor() and its dtype rules ---------------------------------------------------------

TENSOR_DATA = {
    "int": lambda lib: lib.tensor(3),
    "float": lambda lib: lib.tensor(3.5),
    "bool": lambda lib: lib.tensor(True),
    "mixed_int_float": lambda lib: lib.tensor([1, 2.5]),
    "mixed_bool_int": lambda lib: lib.tensor([True, 2]),
    "nested": lambda lib: lib.tensor([[1, 2], [3, 4]]),
    "nested_tuples": lambda lib: lib.tensor([(1, 2), (3, 4)]),
    "tuple": lambda lib: lib.tensor((1.5, 2, 3)),
    "range": lambda lib: lib.tensor(range(4)),
    "empty": lambda lib: lib.tensor([]),
    "empty_nested": lambda lib: lib.tensor([[]]),
    "nan_inf": lambda lib: lib.tensor([math.nan, math.inf, -math.inf]),
    "int64_limits": lambda lib: lib.tensor([2 ** 63 - 1, -2 ** 63]),
    "int32_array": lambda lib: lib.tensor(np.array([1, 2], np.int32)),
    "uint8_array": lambda lib: lib.tensor(np.array([1, 255], np.uint8)),
    "float32_array": lambda lib: lib.tensor(np.array([1.5, 2], np.float32)),
    "float16_array": lambda lib: lib.tensor(np.array([1.5, 2], np.float16)),
    "bool_array": lambda lib: lib.tensor(np.array([True, False])),
    "int_scalar_numpy": lambda lib: lib.tensor(np.int32(7)),
    "list_of_arrays": lambda lib: lib.tensor([np.array([1, 2]), np.array([3, 4])]),
    "list_of_0d_tensors": lambda lib: lib.tensor([lib.tensor(1.5), lib.tensor(2.0)]),
    "from_tensor": lambda lib: lib.tensor(lib.tensor([1, 2])),
    "dtype_float64": lambda lib: lib.tensor([1, 2], dtype=lib.float64),
    "dtype_float16": lambda lib: lib.tensor([[1.25, 2]], dtype=lib.float16),
    "dtype_int_truncates": lambda lib: lib.tensor([1.7, -2.7], dtype=lib.int64),
    "dtype_bool": lambda lib: lib.tensor([1, 0, 2], dtype=lib.bool),
    "dtype_int8": lambda lib: lib.tensor([[1, -2], [3, 4]], dtype=lib.int8),
    "dtype_uint8": lambda lib: lib.tensor([0, 255], dtype=lib.uint8),
    "dtype_python_float": lambda lib: lib.tensor([1, 2], dtype=float),     # float64
    "dtype_python_int": lambda lib: lib.tensor([1.5, 2], dtype=int),
    "dtype_python_bool": lambda lib: lib.tensor([1, 0], dtype=bool),
    "float64_array_with_dtype": lambda lib: lib.tensor(np.ones(2), dtype=lib.float64),
    "requires_grad": lambda lib: lib.tensor([1.0, 2.0], requires_grad=True),
    "scalar_tensor": lambda lib: lib.scalar_tensor(3),
    "scalar_tensor_bool": lambda lib: lib.scalar_tensor(True),
}


@pytest.mark.parametrize("case", sorted(TENSOR_DATA))
def test_tensor_from_data(case):
    check(TENSOR_DATA[case], grad=False)


def test_tensor_from_requires_grad_tensor_has_no_graph():
    x = shendu.tensor([1.0, 2.0], requires_grad=True)
    y = shendu.tensor(x * 2)
    assert y.grad_fn is None and not y.requires_grad


def test_tensor_from_float64_numpy_is_the_default_dtype():
    """shendu differs from PyTorch here on purpose: float64 NumPy data (NumPy's default) becomes
    the default dtype, float32, unless a dtype is given."""
    a = np.array([[1.5, 2.0]])
    assert shendu.tensor(a).dtype == shendu.float32
    assert shendu.tensor(np.float64(2.5)).dtype == shendu.float32
    assert shendu.tensor([np.float64(1.0), 2]).dtype == shendu.float32
    assert shendu.tensor(a, dtype=shendu.float64).dtype == shendu.float64
    np.testing.assert_array_equal(shendu.tensor(a).numpy(), a.astype(np.float32))
    shendu.set_default_dtype(shendu.float64)
    try:
        assert shendu.tensor(a).dtype == shendu.float64
        assert shendu.tensor([1.5]).dtype == shendu.float64
    finally:
        shendu.set_default_dtype(shendu.float32)


def test_tensor_copies_but_from_numpy_and_as_tensor_share():
    a = np.array([1.0, 2.0], np.float32)
    t = shendu.tensor(a)
    f = shendu.from_numpy(a)
    s = shendu.as_tensor(a)
    a[0] = 9.0
    assert t[0].item() == 1.0
    assert f[0].item() == 9.0 and s[0].item() == 9.0
    f.zero_()                                   # and back: writes reach the array
    assert a.tolist() == [0.0, 0.0]
    d = np.array([1.0, 2.0])                    # float64 kept by from_numpy and as_tensor
    for lib in (shendu, torch):
        assert name(lib.from_numpy(d).dtype) == "float64"
        assert name(lib.as_tensor(d).dtype) == "float64"
        assert name(lib.as_tensor(d, dtype=lib.float32).dtype) == "float32"
        assert name(lib.as_tensor([1, 2]).dtype) == "int64"
    x = shendu.tensor([1.0, 2.0])
    assert shendu.as_tensor(x) is x
    assert not np.shares_memory(shendu.as_tensor(a, dtype=shendu.float64).numpy(), a)


TENSOR_ERRORS = [
    (lambda lib: lib.tensor([[1, 2], [3]]), ValueError, None),
    (lambda lib: lib.tensor("abc"), TypeError, None),
    (lambda lib: lib.tensor([1, "a"]), TypeError, None),
    (lambda lib: lib.tensor(2 ** 63), ValueError, "Overflow"),
    (lambda lib: lib.tensor([2 ** 64]), ValueError, "Overflow"),
    (lambda lib: lib.tensor([-1, 256], dtype=lib.uint8), RuntimeError,
     "cannot be converted to type uint8 without overflow"),
    (lambda lib: lib.tensor([1, 2], requires_grad=True), RuntimeError,
     "floating point"),
    (lambda lib: lib.from_numpy([1, 2]), TypeError, "expected np.ndarray"),
    (lambda lib: lib.from_numpy(np.array(["a"])), TypeError, None),
]


@pytest.mark.parametrize("fn,exc,match", TENSOR_ERRORS)
def test_tensor_errors(fn, exc, match):
    err = check_error(fn, match=match)
    assert isinstance(err, exc)


# ----- creation functions -------------------------------------------------------------------

CREATION = {
    "zeros": lambda lib: lib.zeros(2, 3),
    "zeros_tuple": lambda lib: lib.zeros((2, 3)),
    "zeros_list_dtype": lambda lib: lib.zeros([2, 3], dtype=lib.int32),
    "zeros_size_kw": lambda lib: lib.zeros(size=(2, 3)),
    "zeros_0d": lambda lib: lib.zeros(()),
    "zeros_empty": lambda lib: lib.zeros(0, 4),
    "zeros_size": lambda lib: lib.zeros(lib.Size([2, 1])),
    "ones": lambda lib: lib.ones(2, 3, dtype=lib.bool),
    "ones_float16": lambda lib: lib.ones(3, dtype=lib.float16),
    "ones_size_kw": lambda lib: lib.ones(size=[4]),
    "full_int": lambda lib: lib.full((2, 3), 7),
    "full_float": lambda lib: lib.full((2, 3), 7.0),
    "full_bool": lambda lib: lib.full((2,), True),
    "full_dtype": lambda lib: lib.full((2,), 7, dtype=lib.float64),
    "full_float_to_int": lambda lib: lib.full((2,), 1.5, dtype=lib.int64),
    "full_inf": lambda lib: lib.full((2,), -math.inf),
    "full_tensor_value": lambda lib: lib.full([2], lib.tensor(3.0)),
    "zeros_like": lambda lib: lib.zeros_like(lib.tensor([1, 2])),
    "zeros_like_dtype": lambda lib: lib.zeros_like(lib.ones(2, 2), dtype=lib.float64),
    "ones_like": lambda lib: lib.ones_like(lib.tensor([1.0, 2.0]), dtype=lib.int32),
    "full_like_int": lambda lib: lib.full_like(lib.tensor([1, 2]), 2.7),
    "full_like_float": lambda lib: lib.full_like(lib.tensor([1.0, 2.0]), 7),
    "arange_stop": lambda lib: lib.arange(5),
    "arange_start_stop": lambda lib: lib.arange(1, 4),
    "arange_step": lambda lib: lib.arange(0, 10, 3),
    "arange_negative_step": lambda lib: lib.arange(5, 0, -1),
    "arange_negative_float_step": lambda lib: lib.arange(0, -3, -0.5),
    "arange_float_stop": lambda lib: lib.arange(5.0),
    "arange_float_step": lambda lib: lib.arange(1, 2.5, 0.5),
    "arange_float_step_length": lambda lib: lib.arange(0, 1, 0.1),
    "arange_third_steps": lambda lib: lib.arange(0, 1, 1 / 3),
    "arange_empty": lambda lib: lib.arange(3, 3),
    "arange_dtype": lambda lib: lib.arange(5, dtype=lib.float64),
    "arange_float_to_int": lambda lib: lib.arange(0.5, 3, dtype=lib.int64),
    "arange_tensor_bound": lambda lib: lib.arange(lib.tensor(3)),
    "arange_kwargs": lambda lib: lib.arange(start=2, end=5),
    "arange_numpy_int": lambda lib: lib.arange(np.int64(4)),
    "arange_large": lambda lib: lib.arange(1e8, 1e8 + 3),
    "linspace": lambda lib: lib.linspace(0, 1, 5),
    "linspace_one": lambda lib: lib.linspace(0, 1, 1),
    "linspace_zero": lambda lib: lib.linspace(0, 1, 0),
    "linspace_int": lambda lib: lib.linspace(0, 10, 4, dtype=lib.int64),
    "linspace_descending": lambda lib: lib.linspace(3, -3, 6),
    "linspace_float64": lambda lib: lib.linspace(0, 1, steps=3, dtype=lib.float64),
    "linspace_tensors": lambda lib: lib.linspace(lib.tensor(0.0), lib.tensor(1.0), 3),
    "logspace": lambda lib: lib.logspace(0, 2, 3),
    "logspace_base2": lambda lib: lib.logspace(0, 3, 4, base=2),
    "eye": lambda lib: lib.eye(3),
    "eye_rect": lambda lib: lib.eye(2, 3),
    "eye_m_kw": lambda lib: lib.eye(3, m=2),
    "eye_dtype": lambda lib: lib.eye(3, dtype=lib.int64),
    "eye_bool": lambda lib: lib.eye(2, dtype=lib.bool),
    "eye_empty": lambda lib: lib.eye(0),
    "meshgrid_ij": lambda lib: lib.meshgrid(lib.tensor([1, 2]), lib.tensor([3, 4, 5]),
                                            indexing="ij"),
    "meshgrid_xy": lambda lib: lib.meshgrid(lib.tensor([1, 2]), lib.tensor([3, 4, 5]),
                                            indexing="xy"),
    "meshgrid_list": lambda lib: lib.meshgrid([lib.tensor([1, 2]), lib.tensor([3])],
                                              indexing="ij"),
    "meshgrid_float": lambda lib: lib.meshgrid(lib.tensor([1.0, 2]), lib.tensor([3.0]),
                                               indexing="xy"),
    "meshgrid_three_xy": lambda lib: lib.meshgrid(lib.tensor([1, 2]), lib.tensor([3, 4, 5]),
                                                  lib.tensor([6, 7]), indexing="xy"),
    "meshgrid_one": lambda lib: lib.meshgrid(lib.tensor([1, 2]), indexing="xy"),
    "meshgrid_0d": lambda lib: lib.meshgrid(lib.tensor(1), lib.tensor([3, 4]), indexing="ij"),
    "tril_indices": lambda lib: lib.tril_indices(3, 3),
    "tril_indices_offset": lambda lib: lib.tril_indices(3, 4, 1),
    "tril_indices_neg": lambda lib: lib.tril_indices(4, 3, -1),
    "triu_indices": lambda lib: lib.triu_indices(4, 3),
    "triu_indices_neg": lambda lib: lib.triu_indices(3, 4, -1),
    "triu_indices_offset": lambda lib: lib.triu_indices(3, 3, 2),
    "tril_indices_empty": lambda lib: lib.tril_indices(0, 3),
    "tril_indices_dtype": lambda lib: lib.tril_indices(3, 3, dtype=lib.int32),
}


@pytest.mark.parametrize("case", sorted(CREATION))
def test_creation(case):
    check(CREATION[case], grad=False)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.empty(2, 3),
    lambda lib: lib.empty((0, 2), dtype=lib.int64),
    lambda lib: lib.empty(size=(3,)),
    lambda lib: lib.empty_like(lib.ones(2, 2, dtype=lib.float64)),
    lambda lib: lib.empty_like(lib.ones(2), dtype=lib.int8),
    lambda lib: lib.ones(2).new_empty(3, 1),
])
def test_empty_shape_and_dtype(fn):
    assert meta(fn(shendu)) == meta(fn(torch))


@pytest.mark.parametrize("fn", [
    lambda lib, dt: lib.linspace(-1, 1, 7, dtype=dt),
    lambda lib, dt: lib.linspace(-3.3, 7.9, 11, dtype=dt),
    lambda lib, dt: lib.linspace(2, -5, 13, dtype=dt),
    lambda lib, dt: lib.linspace(1e-3, 5.5, 100, dtype=dt),
    lambda lib, dt: lib.arange(-1.0, 1.0, 0.3, dtype=dt),
    lambda lib, dt: lib.arange(0.5, 7.3, 0.7, dtype=dt),
    lambda lib, dt: lib.logspace(-1, 1, 5, dtype=dt),
    lambda lib, dt: lib.logspace(0.5, 2.5, 9, dtype=dt),
])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ranges_values(fn, dtype):
    # PyTorch's vectorised kernels start each chunk of 4-16 values from a different base, so
    # values can differ from shendu's (computed in float64) by an ulp: 1e-6 / 1e-13 relative.
    tol = 1e-6 if dtype == "float32" else 1e-13
    check(lambda lib: fn(lib, getattr(lib, dtype)), grad=False, atol=tol, rtol=tol)


def test_ranges_lengths():
    for start, end, step in [(0, 1, 0.1), (0, 1, 1 / 3), (-1, 1, 0.3), (1, 2.5, 0.5),
                             (0, -3, -0.5), (0.5, 7.3, 0.7), (0, 10, 3), (10, 0, -3),
                             (0, 1, 0.25), (1e8, 1e8 + 3, 1)]:
        assert len(shendu.arange(start, end, step)) == len(torch.arange(start, end, step))


CREATION_ERRORS = [
    (lambda lib: lib.zeros(-1), "negative dimension"),
    (lambda lib: lib.ones(2, -3), "negative dimension"),
    (lambda lib: lib.zeros(2.5), None),
    (lambda lib: lib.arange(0, 5, 0), "step must be nonzero"),
    (lambda lib: lib.arange(0, 5, -1),
     "upper bound and lower bound inconsistent with step sign"),
    (lambda lib: lib.arange(5, dtype=lib.bool), "not implemented for 'Bool'"),
    (lambda lib: lib.linspace(0, 1, -1), "number of steps must be non-negative"),
    (lambda lib: lib.linspace(0, 1, 2.5), None),
    (lambda lib: lib.eye(-1), "n must be greater or equal to 0, got -1"),
    (lambda lib: lib.meshgrid(lib.tensor([1]), indexing="foo"),
     "indexing must be one of \"xy\" or \"ij\", but received: foo"),
    (lambda lib: lib.meshgrid(lib.tensor([[1, 2]]), indexing="ij"),
     "Expected 0D or 1D tensor in the tensor list"),
    (lambda lib: lib.meshgrid(lib.tensor([1, 2]), lib.tensor([3.0]), indexing="ij"),
     "meshgrid expects all tensors to have the same dtype"),
    (lambda lib: lib.ones(2, dtype=lib.int64, requires_grad=True), "floating point"),
]


@pytest.mark.parametrize("fn,match", CREATION_ERRORS)
def test_creation_errors(fn, match):
    check_error(fn, match=match)


def test_requires_grad_creation():
    for lib in (shendu, torch):
        for t in (lib.zeros(2, requires_grad=True), lib.ones(2, 3, requires_grad=True),
                  lib.full((2,), 1.5, requires_grad=True), lib.rand(2, requires_grad=True),
                  lib.randn(2, requires_grad=True), lib.arange(3.0, requires_grad=True),
                  lib.linspace(0, 1, 3, requires_grad=True), lib.eye(2, requires_grad=True),
                  lib.empty(2, requires_grad=True), lib.tensor(2.0, requires_grad=True)):
            assert t.requires_grad and t.is_leaf and t.grad_fn is None


def test_device_arguments():
    for lib in (shendu, torch):
        assert str(lib.zeros(2, device="cpu").device) == "cpu"
        assert lib.ones(2, device=lib.device("cpu")).device.type == "cpu"
    with pytest.raises(RuntimeError, match="cuda.*not available.*CPU"):
        shendu.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="cuda.*not available"):
        shendu.tensor([1.0]).to("cuda")
    with pytest.raises(RuntimeError, match="cuda.*not available"):
        shendu.tensor([1.0]).cuda()
    with pytest.raises(RuntimeError, match="cuda:1.*not available"):
        shendu.randn(2, device="cuda:1")


# ----- random sampling ----------------------------------------------------------------------
# shendu draws with NumPy's PCG64, so its numbers differ from PyTorch's for the same seed (by
# design): shapes and dtypes are compared with PyTorch, values by their distribution.

RANDOM_META = [
    lambda lib: lib.rand(2, 3),
    lambda lib: lib.rand((2, 3), dtype=lib.float64),
    lambda lib: lib.rand(size=(4,)),
    lambda lib: lib.rand(3, dtype=lib.float16),
    lambda lib: lib.randn(2, 3),
    lambda lib: lib.randn(0),
    lambda lib: lib.randn(2, dtype=lib.float64),
    lambda lib: lib.randint(10, (3,)),
    lambda lib: lib.randint(2, 10, (3, 2)),
    lambda lib: lib.randint(10, size=(3,)),
    lambda lib: lib.randint(low=2, high=5, size=(3,)),
    lambda lib: lib.randint(high=5, size=(3,)),
    lambda lib: lib.randint(0, 10, (2, 3), dtype=lib.int32),
    lambda lib: lib.randint(2, 10, (3,), dtype=lib.float32),
    lambda lib: lib.randint(0, 2, (3,), dtype=lib.bool),
    lambda lib: lib.randperm(5),
    lambda lib: lib.randperm(0),
    lambda lib: lib.randperm(5, dtype=lib.float32),
    lambda lib: lib.normal(0.0, 1.0, (2, 3)),
    lambda lib: lib.normal(2, 3, size=(2,)),
    lambda lib: lib.normal(0.0, 1.0, size=(2,), dtype=lib.float64),
    lambda lib: lib.normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 2.0])),
    lambda lib: lib.normal(lib.tensor([0.0, 1.0]), 1.0),
    lambda lib: lib.normal(0.0, lib.tensor([1.0, 2.0])),
    lambda lib: lib.normal(lib.tensor([0.0, 1.0], dtype=lib.float64), 1.0),
    lambda lib: lib.normal(lib.zeros(2, 3), lib.ones(3)),
    lambda lib: lib.bernoulli(lib.tensor([0.2, 0.8])),
    lambda lib: lib.bernoulli(lib.tensor([0.2, 0.8], dtype=lib.float64)),
    lambda lib: lib.bernoulli(lib.zeros(2, 3), 0.5),
    lambda lib: lib.tensor([0.2, 0.8]).bernoulli(),
    lambda lib: lib.multinomial(lib.tensor([0.2, 0.8]), 3, True),
    lambda lib: lib.multinomial(lib.tensor([[0.2, 0.8], [0.5, 0.5]]), 2),
    lambda lib: lib.tensor([0.2, 0.8]).multinomial(1),
    lambda lib: lib.rand_like(lib.tensor([1.0, 2.0])),
    lambda lib: lib.randn_like(lib.tensor([1.0, 2.0], dtype=lib.float64)),
    lambda lib: lib.rand_like(lib.tensor([1, 2]), dtype=lib.float32),
    lambda lib: lib.randint_like(lib.tensor([1.0, 2.0]), 5),
    lambda lib: lib.randint_like(lib.tensor([1, 2]), 2, 5),
    lambda lib: lib.zeros(3).uniform_(2, 3),
    lambda lib: lib.zeros(3, dtype=lib.float64).normal_(2, 3),
    lambda lib: lib.zeros(3).bernoulli_(0.3),
    lambda lib: lib.zeros(3, dtype=lib.int64).bernoulli_(),
    lambda lib: lib.zeros(3).random_(5),
    lambda lib: lib.zeros(3, dtype=lib.int64).random_(5, 7),
    lambda lib: lib.zeros(3, dtype=lib.bool).random_(),
    lambda lib: lib.zeros(3, dtype=lib.uint8).random_(),
    lambda lib: lib.zeros(3).exponential_(2.0),
]


@pytest.mark.parametrize("fn", RANDOM_META)
def test_random_shape_dtype(fn):
    assert meta(fn(shendu)) == meta(fn(torch))


N = 200_000      # samples per statistic: standard errors ~ 1e-3, tolerances ~ 10 of them


@pytest.fixture(autouse=True)
def _seeded():
    shendu.manual_seed(1234)


def test_rand_and_randn_statistics():
    u = shendu.rand(N).numpy().astype(np.float64)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    h = shendu.rand(N, dtype=shendu.float16).numpy()
    assert h.min() >= 0.0 and h.max() < 1.0 and abs(h.astype(np.float64).mean() - 0.5) < 0.005
    z = shendu.randn(N, dtype=shendu.float64).numpy()
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    assert abs(np.mean(np.abs(z) < 1) - 0.6827) < 0.005      # the 68% within one std


def test_randint_randperm_statistics():
    r = shendu.randint(3, 8, (N,)).numpy()
    assert r.min() == 3 and r.max() == 7
    np.testing.assert_allclose(np.bincount(r - 3) / N, 0.2, atol=0.005)
    for n in (0, 1, 7, 100):
        assert sorted(shendu.randperm(n).tolist()) == list(range(n))
    first = [shendu.randperm(4)[0].item() for _ in range(2000)]
    np.testing.assert_allclose(np.bincount(first, minlength=4) / 2000, 0.25, atol=0.04)
    assert set(shendu.randint(0, 2, (1000,), dtype=shendu.bool).tolist()) == {False, True}
    big = shendu.randint(-2 ** 63, 2 ** 63 - 1, (1000,)).numpy()
    assert big.min() < -2 ** 61 and big.max() > 2 ** 61


def test_normal_statistics_and_gradient():
    z = shendu.normal(2.0, 3.0, (N,)).numpy()
    assert abs(z.mean() - 2) < 0.03 and abs(z.std() - 3) < 0.03
    m = shendu.tensor([0.0, 10.0]).reshape(2, 1).expand(2, N // 2)
    s = shendu.tensor([1.0, 0.1]).reshape(2, 1)
    z = shendu.normal(m, s).numpy()
    np.testing.assert_allclose(z.mean(1), [0, 10], atol=0.02)
    np.testing.assert_allclose(z.std(1), [1, 0.1], rtol=0.02)
    # the sample is mean + std·z: gradients 1 for the mean and z for the std, as in PyTorch
    mean = shendu.tensor([0.5, 1.5], requires_grad=True)
    std = shendu.tensor([2.0, 3.0], requires_grad=True)
    out = shendu.normal(mean, std)
    out.sum().backward()
    np.testing.assert_allclose(mean.grad.numpy(), [1, 1])
    np.testing.assert_allclose(std.grad.numpy(), ((out - mean) / std).detach().numpy(),
                               rtol=1e-6)
    t = torch.normal(torch.tensor([0.5], requires_grad=True), 1.0)
    assert t.requires_grad and shendu.normal(shendu.tensor([0.5], requires_grad=True),
                                             1.0).requires_grad


def test_bernoulli_statistics():
    p = shendu.tensor([0.0, 0.1, 0.5, 0.9, 1.0]).reshape(5, 1).expand(5, N // 5)
    b = shendu.bernoulli(p).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0}
    np.testing.assert_allclose(b.mean(1), [0, 0.1, 0.5, 0.9, 1], atol=0.01)
    f = shendu.empty(N).bernoulli_(0.3).numpy()
    assert abs(f.mean() - 0.3) < 0.01
    f = shendu.empty(5, N // 5).bernoulli_(shendu.tensor([0.0, 0.2, 0.4, 0.6, 1.0])[:, None])
    np.testing.assert_allclose(f.numpy().mean(1), [0, 0.2, 0.4, 0.6, 1], atol=0.01)
    x = shendu.tensor([0.3, 0.6], requires_grad=True)
    y = shendu.bernoulli(x)             # PyTorch's gradient for bernoulli is zero
    assert y.requires_grad
    (y * 5).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_multinomial_with_replacement_frequencies():
    p = shendu.tensor([0.1, 0.2, 0.3, 0.4, 0.0])
    draws = shendu.multinomial(p, N, replacement=True).numpy()
    np.testing.assert_allclose(np.bincount(draws, minlength=5) / N, p.numpy(), atol=0.005)
    w = shendu.tensor([[1.0, 3.0], [5.0, 0.0]])        # unnormalised weights, one row each
    d = shendu.multinomial(w, 20_000, True).numpy()
    assert abs(d[0].mean() - 0.75) < 0.02 and (d[1] == 0).all()


def test_multinomial_without_replacement():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    rows = shendu.tensor(p, dtype=shendu.float32).expand(N // 4, 4)
    d = shendu.multinomial(rows, 2).numpy()
    assert (d[:, 0] != d[:, 1]).all()                   # distinct indices in each row
    full = shendu.multinomial(rows[:100], 4).numpy()
    assert (np.sort(full, 1) == np.arange(4)).all()
    # P(first = i, second = j) = p_i p_j / (1 - p_i)
    expect = p[:, None] * p[None, :] / (1 - p[:, None])
    np.fill_diagonal(expect, 0)
    freq = np.zeros((4, 4))
    np.add.at(freq, (d[:, 0], d[:, 1]), 1)
    np.testing.assert_allclose(freq / len(d), expect, atol=0.006)
    # zero-probability categories come only after all the others, as in PyTorch
    z = shendu.multinomial(shendu.tensor([0.0, 1.0, 0.0]), 2).tolist()
    assert z[0] == 1 and z[1] in (0, 2)


def test_in_place_random_statistics():
    u = shendu.empty(N, dtype=shendu.float64).uniform_(-2, 3).numpy()
    assert u.min() >= -2 and u.max() < 3 and abs(u.mean() - 0.5) < 0.02
    z = shendu.empty(N).normal_(1.0, 0.5).numpy()
    assert abs(z.mean() - 1) < 0.01 and abs(z.std() - 0.5) < 0.01
    e = shendu.empty(N).exponential_(4.0).numpy()
    assert e.min() >= 0 and abs(e.mean() - 0.25) < 0.005
    r = shendu.empty(N).random_(2, 6).numpy()
    assert set(np.unique(r)) == {2.0, 3.0, 4.0, 5.0}
    r = shendu.empty(N, dtype=shendu.int64).random_(4).numpy()
    np.testing.assert_allclose(np.bincount(r) / N, 0.25, atol=0.005)
    r = shendu.empty(N, dtype=shendu.uint8).random_().numpy()
    assert r.min() == 0 and r.max() == 255
    r = shendu.empty(1000).random_().numpy()
    assert r.max() <= 2 ** 24 and r.max() > 2 ** 20 and (r == np.floor(r)).all()
    r = shendu.empty(N, dtype=shendu.bool).random_().numpy()
    assert abs(r.mean() - 0.5) < 0.01


def test_manual_seed_reproducible():
    def draw():
        return [shendu.rand(3).tolist(), shendu.randn(2, 2).tolist(),
                shendu.randint(0, 100, (4,)).tolist(), shendu.randperm(6).tolist(),
                shendu.multinomial(shendu.tensor([0.2, 0.3, 0.5]), 2).tolist(),
                shendu.empty(3).uniform_().tolist(), shendu.bernoulli(shendu.rand(4)).tolist()]
    shendu.manual_seed(7)
    a = draw()
    shendu.manual_seed(7)
    assert draw() == a
    shendu.manual_seed(8)
    assert draw() != a
    assert shendu.manual_seed(7).initial_seed() == 7 and shendu.initial_seed() == 7


def test_generators_are_separate_streams():
    g1 = shendu.Generator().manual_seed(3)
    g2 = shendu.Generator().manual_seed(3)
    a = shendu.randn(5, generator=g1)
    shendu.randn(100)                               # the global stream does not disturb g2
    assert shendu.randn(5, generator=g2).tolist() == a.tolist()
    assert shendu.randn(5, generator=g1).tolist() != a.tolist()
    for draw in (lambda g: shendu.rand(3, generator=g), lambda g: shendu.randperm(5, generator=g),
                 lambda g: shendu.randint(0, 9, (3,), generator=g),
                 lambda g: shendu.normal(0.0, 1.0, (3,), generator=g),
                 lambda g: shendu.multinomial(shendu.ones(4), 2, generator=g),
                 lambda g: shendu.empty(3).normal_(generator=g)):
        assert draw(shendu.Generator().manual_seed(5)).tolist() == \
            draw(shendu.Generator().manual_seed(5)).tolist()
    g = shendu.Generator()
    assert g.device.type == "cpu" and g.initial_seed() == torch.Generator().initial_seed()
    with pytest.raises(RuntimeError, match="cuda"):
        shendu.Generator("cuda")


def test_rng_state_round_trip():
    state = shendu.get_rng_state()
    assert name(state.dtype) == name(torch.get_rng_state().dtype) == "uint8"
    a = shendu.rand(4).tolist()
    shendu.set_rng_state(state)
    assert shendu.rand(4).tolist() == a
    g = shendu.Generator().manual_seed(11)
    s = g.get_state()
    b = shendu.randn(3, generator=g).tolist()
    g.set_state(s)
    assert shendu.randn(3, generator=g).tolist() == b
    g2 = shendu.Generator()
    g2.set_state(s)                                  # a state moves to another generator
    assert shendu.randn(3, generator=g2).tolist() == b
    with pytest.raises(TypeError):
        shendu.set_rng_state(shendu.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError):
        shendu.set_rng_state(shendu.tensor([1, 2], dtype=shendu.uint8))


RANDOM_ERRORS = [
    (lambda lib: lib.rand(2, dtype=lib.int64), "not implemented for 'Long'"),
    (lambda lib: lib.randn(2, dtype=lib.int32), "not implemented for 'Int'"),
    (lambda lib: lib.rand_like(lib.tensor([1, 2])), "not implemented for 'Long'"),
    (lambda lib: lib.randint(10, 2, (3,)),
     "random_ expects 'from' to be less than 'to', but got from=10 >= to=2"),
    (lambda lib: lib.randint(0, 300, (2,), dtype=lib.uint8), "to - 1 is out of bounds for"),
    (lambda lib: lib.randint(-5, 5, (2,), dtype=lib.uint8), "from is out of bounds for"),
    (lambda lib: lib.randint(0, 10, (2,), dtype=lib.bool), "to - 1 is out of bounds for"),
    (lambda lib: lib.randint(5.5, (3,)), None),
    (lambda lib: lib.randint(5, (2,), requires_grad=True), "floating point"),
    (lambda lib: lib.normal(0.0, -1.0, (2,)), "normal expects std >= 0.0, but found std -1"),
    (lambda lib: lib.normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, -2.0])),
     "normal expects all elements of std >= 0.0"),
    (lambda lib: lib.normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 2.0, 3.0])), None),
    (lambda lib: lib.normal(lib.tensor([0, 1]), 1.0), "not implemented for 'Long'"),
    (lambda lib: lib.normal(0.0, 1.0), None),
    (lambda lib: lib.bernoulli(lib.tensor([1.2, 0.8])), "p_in >= 0 && p_in <= 1"),
    (lambda lib: lib.bernoulli(lib.tensor([1, 0])), "not implemented for 'Long'"),
    (lambda lib: lib.multinomial(lib.tensor([0.2, 0.8]), 3),
     "cannot sample n_sample > prob_dist.size(-1) samples without replacement"),
    (lambda lib: lib.multinomial(lib.tensor([-0.2, 0.8]), 1),
     "probability tensor contains either `inf`, `nan` or element < 0"),
    (lambda lib: lib.multinomial(lib.tensor([1.0, math.nan]), 1),
     "probability tensor contains either `inf`, `nan` or element < 0"),
    (lambda lib: lib.multinomial(lib.tensor([0.0, 0.0]), 1),
     "invalid multinomial distribution (sum of probabilities <= 0)"),
    (lambda lib: lib.multinomial(lib.tensor([[[0.0, 1.0]]]), 1), "prob_dist must be 1 or 2 dim"),
    (lambda lib: lib.multinomial(lib.tensor([1, 2]), 1),
     "multinomial only supports floating-point dtypes for input, got: Long"),
    (lambda lib: lib.multinomial(lib.tensor([1.0, 2.0]), 0), "cannot sample n_sample <= 0 samples"),
    (lambda lib: lib.zeros(3).random_(5, 2),
     "random_ expects 'from' to be less than 'to', but got from=5 >= to=2"),
    (lambda lib: lib.zeros(3, dtype=lib.uint8).random_(-5, 5), "from is out of bounds for"),
    (lambda lib: lib.zeros(3, dtype=lib.int8).random_(0, 300), "to - 1 is out of bounds for"),
    (lambda lib: lib.zeros(3).exponential_(-1), "exponential_ expects lambda > 0.0"),
    (lambda lib: lib.zeros(3).exponential_(0), "exponential_ expects lambda > 0.0"),
    (lambda lib: lib.zeros(3, dtype=lib.int64).exponential_(), "dtype must be a floating point"),
    (lambda lib: lib.zeros(3).uniform_(3, 2),
     "uniform_ expects to return a [from, to) range, but found from=3 > to=2"),
    (lambda lib: lib.zeros(3, dtype=lib.int64).uniform_(), "not implemented for 'Long'"),
    (lambda lib: lib.zeros(3).normal_(0, -1), "normal expects std >= 0.0, but found std -1"),
    (lambda lib: lib.zeros(3, dtype=lib.int64).normal_(), "not implemented for 'Long'"),
    (lambda lib: lib.zeros(3).bernoulli_(1.5), "bernoulli_ expects p to be in [0, 1]"),
    (lambda lib: lib.zeros(3, requires_grad=True).uniform_(),
     "a leaf Variable that requires grad is being used in an in-place operation"),
]


@pytest.mark.parametrize("fn,match", RANDOM_ERRORS)
def test_random_errors(fn, match):
    check_error(fn, match=match)


# ----- in-place fills -----------------------------------------------------------------------

FILLS = {
    "zero_": (lambda lib, x: (x * 1).zero_(), (2, 3)),
    "fill_float": (lambda lib, x: (x * 1).fill_(2.5), (2, 3)),
    "fill_int_into_int": (lambda lib, x: x.fill_(2.7), np.zeros(3, np.int64)),
    "fill_negative_wraps_uint8": (lambda lib, x: x.fill_(-1), np.zeros(3, np.uint8)),
    "fill_bool": (lambda lib, x: x.fill_(0.5), np.zeros(3, bool)),
    "fill_nan": (lambda lib, x: (x * 1).fill_(math.nan), (3,)),
    "fill_inf_float16": (lambda lib, x: (x * 1).fill_(math.inf), np.zeros(2, np.float16)),
    "fill_0d_tensor": (lambda lib, x, v: (x * 1).fill_(v), (2, 3), ()),
    "fill_0d_tensor_other_dtype": (lambda lib, x: x.fill_(lib.tensor(3.7)),
                                   np.zeros(2, np.int32)),
    "copy_": (lambda lib, x, y: (x * 1).copy_(y), (2, 3), (2, 3)),
    "copy_broadcast": (lambda lib, x, y: (x * 1).copy_(y), (2, 3), (3,)),
    "copy_cast_float64": (lambda lib, x, y: (x * 1).copy_(y.double()), (2, 3), (1, 3)),
    "copy_float_to_int": (lambda lib, x, y: x.copy_(y), np.zeros(3, np.int64), (3,)),
    "copy_int_to_float": (lambda lib, x, y: (x * 1).copy_(y), (3,), np.arange(3)),
    "copy_then_use": (lambda lib, x, y: (x * 2).copy_(y * 3) * x, (4,), (4,)),
    "fill_then_use": (lambda lib, x: (x * 2).fill_(1.5) * x, (4,)),
}


@pytest.mark.parametrize("case", sorted(FILLS))
def test_fills(case):
    fn, *specs = FILLS[case]
    check(fn, *specs, second_order=True)


def test_fills_return_self_and_bump_version():
    for lib in (shendu, torch):
        x = lib.zeros(3)
        v = x._version
        for op in (lambda t: t.zero_(), lambda t: t.fill_(1), lambda t: t.copy_(lib.ones(3)),
                   lambda t: t.uniform_(), lambda t: t.normal_(), lambda t: t.bernoulli_(),
                   lambda t: t.random_(3), lambda t: t.exponential_()):
            assert op(x) is x
            assert x._version > v
            v = x._version


FILL_ERRORS = [
    (lambda lib, x: x.fill_(1), True, "a leaf Variable that requires grad"),
    (lambda lib, x: x.zero_(), True, "a leaf Variable that requires grad"),
    (lambda lib, x: x.copy_(x * 2), True, "a leaf Variable that requires grad"),
    (lambda lib, x: x.fill_(lib.tensor([1.0, 2.0])), False,
     "fill_ only supports 0-dimension value tensor"),
    (lambda lib, x: x.copy_(lib.ones(2)), False, None),
    (lambda lib, x: x.copy_([1, 2, 3]), False, "must be Tensor, not list"),
    (lambda lib, x: x.byte().fill_(300), False, "without overflow"),
    (lambda lib, x: x.byte().fill_(-256), False, "without overflow"),
    (lambda lib, x: x.char().fill_(200), False, "without overflow"),
    (lambda lib, x: x.char().fill_(-129), False, "without overflow"),
    (lambda lib, x: x.fill_(1e300), False, "without overflow"),
    (lambda lib, x: x.half().fill_(1e10), False, "without overflow"),
]


@pytest.mark.parametrize("fn,rg,match", FILL_ERRORS)
def test_fill_errors(fn, rg, match):
    check_error(fn, (3,), match=match, requires_grad=rg)


# ----- dtypes and promotion -----------------------------------------------------------------

@pytest.mark.parametrize("a", ALL_DTYPES)
def test_promote_types_and_result_type_all_pairs(a):
    for b in ALL_DTYPES:
        sa, sb, ta, tb = (getattr(shendu, a), getattr(shendu, b), getattr(torch, a),
                          getattr(torch, b))
        assert name(shendu.promote_types(sa, sb)) == name(torch.promote_types(ta, tb)), (a, b)
        for sha, shb in [((2,), (2,)), ((2,), ()), ((), (2,)), ((), ())]:
            x, y = shendu.zeros(sha, dtype=sa), shendu.zeros(shb, dtype=sb)
            u, v = torch.zeros(sha, dtype=ta), torch.zeros(shb, dtype=tb)
            assert name(shendu.result_type(x, y)) == name(torch.result_type(u, v)), \
                (a, b, sha, shb)
        for scalar in (True, 2, -1, 2.5):
            x = shendu.zeros(2, dtype=sa)
            u = torch.zeros(2, dtype=ta)
            assert name(shendu.result_type(x, scalar)) == name(torch.result_type(u, scalar)), \
                (a, scalar)
        assert shendu.can_cast(sa, sb) == torch.can_cast(ta, tb), (a, b)


@pytest.mark.parametrize("dt", ALL_DTYPES)
def test_dtype_attributes(dt):
    s, t = getattr(shendu, dt), getattr(torch, dt)
    assert repr(s) == repr(t).replace("torch", "shendu") == str(s)
    assert s.is_floating_point == t.is_floating_point
    assert s.is_signed == t.is_signed
    assert s.itemsize == t.itemsize
    assert s.is_complex is False
    assert pickle.loads(pickle.dumps(s)) is s
    assert copy.deepcopy(s) is s


def test_dtype_aliases():
    for alias in ("half", "float", "double", "short", "int", "long"):
        assert name(getattr(shendu, alias)) == name(getattr(torch, alias))
    assert shendu.bool is not bool and name(shendu.bool) == "bool"


def test_default_dtype():
    assert shendu.get_default_dtype() is shendu.float32
    shendu.set_default_dtype(shendu.float64)
    torch.set_default_dtype(torch.float64)
    try:
        check(lambda lib: (lib.tensor([1.5]), lib.zeros(2), lib.arange(2.0), lib.rand(2) * 0,
                           lib.tensor([1, 2]), lib.full((1,), 2.0), lib.linspace(0, 1, 3)),
              grad=False)
        assert repr(shendu.tensor([1.5])) == "tensor([1.5000])"
        assert repr(shendu.tensor([1.5], dtype=shendu.float32)) == \
            "tensor([1.5000], dtype=shendu.float32)"
    finally:
        shendu.set_default_dtype(shendu.float32)
        torch.set_default_dtype(torch.float32)
    with pytest.raises(TypeError):
        shendu.set_default_dtype(shendu.int64)


# ----- printing -----------------------------------------------------------------------------

_R = np.random.default_rng(0)
PRINT_ARRAYS = {
    "A": _R.standard_normal((5, 7)).astype(np.float32),
    "B": _R.standard_normal((3, 4, 30)).astype(np.float32),
    "C": (_R.standard_normal((4, 5)) * 1e-6).astype(np.float32),
    "D": (_R.standard_normal(50) * 1e5).astype(np.float32),
    "E": _R.standard_normal(2000).astype(np.float32),
    "F": (_R.standard_normal((6, 8)) * 1000).astype(np.float32),
    "G": _R.standard_normal((10, 10, 12)).astype(np.float32),
    "H": _R.standard_normal((20, 60)).astype(np.float32),
}
P = PRINT_ARRAYS
REPRS = {
    "int_mode": lambda lib: lib.tensor([8.0]),
    "fixed": lambda lib: lib.tensor([1.0, 2.5]),
    "int": lambda lib: lib.tensor(3),
    "0d_float": lambda lib: lib.tensor(3.25),
    "0d_int_mode": lambda lib: lib.tensor(3.0),
    "0d_bool": lambda lib: lib.tensor(True),
    "bools": lambda lib: lib.tensor([[True, False], [False, True]]),
    "ints_widths": lambda lib: lib.tensor([1, -20, 300]),
    "negative_fixed": lambda lib: lib.tensor([-1.5, 2.25]),
    "sci_small": lambda lib: lib.tensor([1e-5, 1.0]),
    "sci_large": lambda lib: lib.tensor([1e10, 1.0]),
    "sci_large_frac": lambda lib: lib.tensor([1e10, 1.5]),
    "sci_ratio": lambda lib: lib.tensor([0.1, 1001.0]),
    "no_sci_ratio_1000": lambda lib: lib.tensor([0.1, 100.0]),
    "int_mode_ratio": lambda lib: lib.tensor([1, 1001.0]),
    "int_mode_big": lambda lib: lib.tensor([100000001.0]),
    "int_mode_1e8": lambda lib: lib.tensor([1e8]),
    "below_1e-4": lambda lib: lib.tensor([9.99999e-5, 1.0]),
    "at_1e-4": lambda lib: lib.tensor([1e-4]),
    "extreme": lambda lib: lib.tensor([1e-20, 1e20]),
    "nan_int_mode": lambda lib: lib.tensor([math.nan, 1.0]),
    "nan_fixed": lambda lib: lib.tensor([math.nan, 1.5]),
    "inf_int_mode": lambda lib: lib.tensor([math.inf, -math.inf, 2.0]),
    "inf_fixed": lambda lib: lib.tensor([math.inf, 2.5]),
    "only_nan": lambda lib: lib.tensor([math.nan]),
    "nan_inf_only": lambda lib: lib.tensor([math.nan, -math.inf, 0.0]),
    "nan_sci": lambda lib: lib.tensor([math.nan, 1e-5]),
    "inf_sci": lambda lib: lib.tensor([math.inf, 1e10]),
    "zeros": lambda lib: lib.tensor([0.0, 0.0]),
    "negative_zero": lambda lib: lib.tensor([-0.0, 1.0]),
    "matrix": lambda lib: lib.arange(12.0).reshape(3, 4),
    "3d": lambda lib: lib.arange(24.0).reshape(2, 3, 4) / 7,
    "4d_int": lambda lib: lib.arange(48).reshape(2, 2, 3, 4),
    "size1_dims": lambda lib: lib.ones(2, 1, 3),
    "summarised_1d": lambda lib: lib.arange(2000.0),
    "summarised_1d_int": lambda lib: lib.arange(2000),
    "summarised_2d": lambda lib: lib.arange(2000.0).reshape(40, 50) / 3,
    "summarised_3d": lambda lib: lib.arange(3000).reshape(10, 10, 30),
    "threshold_edge": lambda lib: lib.arange(1000.0),
    "threshold_over": lambda lib: lib.arange(1001.0),
    "wrapped_fixed": lambda lib: lib.arange(40.0) / 3,
    "wrapped_sci": lambda lib: lib.arange(40.0) * 1e6,
    "wrapped_ints": lambda lib: lib.arange(100),
    "wrapped_rows": lambda lib: lib.ones(3, 40) / 3,
    "wrapped_3d_float64": lambda lib: lib.ones(2, 2, 11, dtype=lib.float64) / 3,
    "empty_1d": lambda lib: lib.zeros(0),
    "empty_2d": lambda lib: lib.zeros(0, 3),
    "empty_int": lambda lib: lib.zeros(0, dtype=lib.int64),
    "empty_float64_2d": lambda lib: lib.zeros(2, 0, dtype=lib.float64),
    "empty_requires_grad": lambda lib: lib.zeros(0, 2, requires_grad=True),
    "float64": lambda lib: lib.zeros(2, dtype=lib.float64),
    "float16": lambda lib: lib.tensor([1.5, 2.0], dtype=lib.float16),
    "float16_max": lambda lib: lib.tensor([65504.0], dtype=lib.float16),
    "int32": lambda lib: lib.zeros(2, dtype=lib.int32),
    "uint8": lambda lib: lib.tensor([0, 255], dtype=lib.uint8),
    "int8": lambda lib: lib.tensor([-128, 5], dtype=lib.int8),
    "int16_0d": lambda lib: lib.tensor(2, dtype=lib.int16),
    "float64_0d": lambda lib: lib.tensor(2.5, dtype=lib.float64),
    "int64_extremes": lambda lib: lib.tensor([-2 ** 62, 2 ** 62]),
    "requires_grad": lambda lib: lib.tensor([1.5, 2.0], requires_grad=True),
    "requires_grad_0d": lambda lib: lib.tensor(1.5, requires_grad=True),
    "requires_grad_float64": lambda lib: lib.tensor([1.5], dtype=lib.float64, requires_grad=True),
    "requires_grad_float16": lambda lib: lib.tensor([1.0], dtype=lib.float16, requires_grad=True),
    "grad_fn": lambda lib: lib.tensor([1.5, 2.0], requires_grad=True) * 2,
    "grad_fn_0d": lambda lib: lib.tensor([1.5, 2.0], requires_grad=True).sum(),
    "grad_fn_wraps": lambda lib: lib.tensor(P["A"][0, :7], requires_grad=True) * 3,
    "grad_fn_wraps_float64": lambda lib: lib.tensor(P["D"][:10] / 1e5, dtype=lib.float64,
                                                    requires_grad=True).exp(),
    "suffixes_wrap": lambda lib: lib.tensor(P["D"][:9] / 1e5, dtype=lib.float64,
                                            requires_grad=True),
    "random_2d": lambda lib: lib.tensor(P["A"]),
    "random_3d": lambda lib: lib.tensor(P["B"]),
    "random_tiny": lambda lib: lib.tensor(P["C"]),
    "random_large": lambda lib: lib.tensor(P["D"]),
    "random_summarised": lambda lib: lib.tensor(P["E"]),
    "random_thousands": lambda lib: lib.tensor(P["F"]),
    "random_summarised_3d": lambda lib: lib.tensor(P["G"]) * 1e4,
    "random_summarised_grad": lambda lib: lib.tensor(P["H"], requires_grad=True),
    "random_float16": lambda lib: lib.tensor(P["D"] / 1e3, dtype=lib.float16),
    "random_float64_big": lambda lib: lib.tensor(P["A"]).double() * 1e100,
    "bool_many": lambda lib: lib.tensor(P["E"][:100] > 0),
    "int_many": lambda lib: lib.tensor((P["E"][:100] * 50).astype(np.int64)),
}


def _same_repr(make):
    """repr equals PyTorch's with "torch" replaced by "shendu"; node names may differ."""
    rt = repr(make(torch)).replace("torch.", "shendu.")
    rs = repr(make(shendu))
    pat = r"grad_fn=<\w+>"
    assert re.sub(pat, "grad_fn=<>", rs) == re.sub(pat, "grad_fn=<>", rt), f"\n{rs}\n{rt}"
    assert (re.search(pat, rs) is None) == (re.search(pat, rt) is None)


@pytest.mark.parametrize("case", sorted(REPRS))
def test_repr(case):
    _same_repr(REPRS[case])


@pytest.mark.parametrize("opts,make", [
    (dict(precision=2), lambda lib: lib.tensor(P["A"])),
    (dict(precision=8), lambda lib: lib.tensor(P["A"])),
    (dict(precision=10), lambda lib: lib.tensor([1.123456789])),
    (dict(sci_mode=True), lambda lib: lib.tensor(P["A"])),
    (dict(sci_mode=True), lambda lib: lib.tensor([1.0, 2.0])),
    (dict(sci_mode=False), lambda lib: lib.tensor(P["C"])),
    (dict(sci_mode=False), lambda lib: lib.tensor([1e10, 1.0])),
    (dict(linewidth=40), lambda lib: lib.tensor(P["A"])),
    (dict(linewidth=40), lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) * 1e5),
    (dict(threshold=10), lambda lib: lib.tensor(P["E"])),
    (dict(threshold=10), lambda lib: lib.tensor(P["A"])),
    (dict(threshold=10, edgeitems=1), lambda lib: lib.tensor(P["A"])),
    (dict(edgeitems=2, threshold=5), lambda lib: lib.tensor(P["B"])),
    (dict(threshold=5, edgeitems=0), lambda lib: lib.arange(10.0)),
    (dict(threshold=5, edgeitems=0), lambda lib: lib.arange(12).reshape(3, 4)),
    (dict(threshold=5), lambda lib: lib.arange(10)),
    (dict(profile="short"), lambda lib: lib.tensor(P["E"])),
    (dict(profile="full"), lambda lib: lib.tensor(P["E"][:1500])),
])
def test_repr_print_options(opts, make):
    torch.set_printoptions(**opts)
    shendu.set_printoptions(**opts)
    try:
        _same_repr(make)
    finally:
        torch.set_printoptions(profile="default")
        shendu.set_printoptions(profile="default")


def test_str_format_and_size_repr():
    x = shendu.tensor([1.0, 2.0])
    assert str(x) == repr(x) == "tensor([1., 2.])"
    assert f"{shendu.tensor(2.5):.3f}" == f"{torch.tensor(2.5):.3f}" == "2.500"
    assert format(x) == "tensor([1., 2.])"
    assert repr(x.shape) == "shendu.Size([2])" and repr(shendu.Size([])) == "shendu.Size([])"
    assert repr(shendu.float64) == "shendu.float64"


# ----- Tensor basics ------------------------------------------------------------------------

BASICS = {
    "shape": lambda lib, x: x.shape,
    "size": lambda lib, x: x.size(),
    "size_dim": lambda lib, x: (x.size(1), x.size(-1), x.size(dim=0)),
    "dim_ndim_numel": lambda lib, x: (x.dim(), x.ndim, x.numel(), x.nelement(),
                                      x.ndimension(), lib.numel(x)),
    "element_size": lambda lib, x: (x.element_size(), x.double().element_size(),
                                    x.half().element_size(), x.bool().element_size()),
    "T": lambda lib, x: x.T,
    "mT": lambda lib, x: x.mT,
    "T_1d": lambda lib, x: x[0].T,
    "T_0d": lambda lib, x: x[0, 0].T,
    "item": lambda lib, x: x[1, 2].item(),
    "item_one_element": lambda lib, x: x[:1, 1:2].item(),
    "item_int": lambda lib, x: x.long()[0, 1].item(),
    "item_bool": lambda lib, x: (x > 0)[0, 0].item(),
    "tolist": lambda lib, x: x.tolist(),
    "tolist_int": lambda lib, x: (x * 10).long().tolist(),
    "tolist_bool": lambda lib, x: (x > 0).tolist(),
    "tolist_0d": lambda lib, x: x[0, 0].tolist(),
    "tolist_float16": lambda lib, x: x.half().tolist(),
    "detach": lambda lib, x: x.detach() * 2,
    "clone": lambda lib, x: x.clone() * x,
    "clone_of_view": lambda lib, x: x.T.clone(),
    "to_float64": lambda lib, x: x.to(lib.float64) * x.double(),
    "to_float16": lambda lib, x: x.to(dtype=lib.float16),
    "to_int": lambda lib, x: (x * 3).to(lib.int32),
    "to_device_dtype": lambda lib, x: x.to("cpu", lib.float64),
    "to_kwargs": lambda lib, x: x.to(device="cpu", dtype=lib.float64),
    "to_other": lambda lib, x: x.to(lib.tensor([1], dtype=lib.int64)),
    "to_device": lambda lib, x: x.to("cpu") * 2,
    "to_device_object": lambda lib, x: x.to(lib.device("cpu")),
    "to_copy": lambda lib, x: x.to(lib.float32, copy=True) * x,
    "float": lambda lib, x: x.double().float(),
    "double": lambda lib, x: x.double(),
    "half": lambda lib, x: x.half(),
    "long": lambda lib, x: (x * 2).long(),
    "int": lambda lib, x: (x * 2).int(),
    "short_char_byte": lambda lib, x: ((x * 2).short(), (x * 2).char(), (x.abs() * 2).byte()),
    "bool": lambda lib, x: x.bool(),
    "bool_of_zero": lambda lib, x: (x * 0).bool(),
    "type_as": lambda lib, x: lib.tensor([1, 2]).type_as(x),
    "type_as_int": lambda lib, x: x.type_as(lib.tensor([1, 2])),
    "type_str": lambda lib, x: [t.type().split(".")[1] for t in (x, x.long(), x.bool(),
                                                                 x.double(), x.half())],
    "type_cast": lambda lib, x: x.type(lib.float64),
    "type_cast_name": lambda lib, x: x.type(f"{lib.__name__}.IntTensor"),
    "is_floating_point": lambda lib, x: (x.is_floating_point(), x.long().is_floating_point(),
                                         lib.is_floating_point(x)),
    "is_tensor": lambda lib, x: (lib.is_tensor(x), lib.is_tensor(x.tolist())),
    "len": lambda lib, x: len(x),
    "iter": lambda lib, x: list(x),
    "iter_1d": lambda lib, x: [v * 2 for v in x[0]],
    "float_of_one": lambda lib, x: float(x[0, 1]),
    "float_of_1elem": lambda lib, x: float(x[:1, :1]),
    "int_of_one": lambda lib, x: (int(x[0, 1] * 3), int(-x[0, 1] * 3)),
    "bool_of_one": lambda lib, x: (bool(x[0, 0]), bool(x[0, 0] * 0)),
    "index": lambda lib, x: [10, 20, 30][(x * 0 + 1).long()[0, 0]],
    "index_1elem": lambda lib, x: [10, 20, 30][(x * 0 + 2).long()[:1, :1].reshape(1)],
    "index_bool": lambda lib, x: [10, 20, 30][lib.tensor(True)],
    "complex_of_one": lambda lib, x: complex(x[0, 0]),
    "device": lambda lib, x: (str(x.device), x.device.type, x.is_cuda),
    "cpu": lambda lib, x: x.cpu() * 2,
    "stride_contiguous": lambda lib, x: (x.stride(), x.T.stride(), x.is_contiguous(),
                                         x.T.is_contiguous(), x.T.contiguous().is_contiguous()),
    "size_slices": lambda lib, x: (x.shape[1:], x.shape + (4,), (4,) + x.shape, x.shape * 2,
                                   x.shape.numel(), x.shape == (2, 3)),
    "new_zeros": lambda lib, x: x.new_zeros(2),
    "new_zeros_tuple": lambda lib, x: x.double().new_zeros((2, 3)),
    "new_zeros_size_kw": lambda lib, x: x.new_zeros(size=(2,)),
    "new_ones_dtype": lambda lib, x: x.new_ones(2, 3, dtype=lib.int64),
    "new_ones_0d": lambda lib, x: x.new_ones(()),
    "new_full": lambda lib, x: x.new_full((2,), 7),
    "new_full_int_self": lambda lib, x: x.long().new_full((2,), 7.5),
    "new_full_list": lambda lib, x: x.new_full([2, 2], 3),
    "new_tensor": lambda lib, x: x.new_tensor([1, 2]),
    "new_tensor_dtype": lambda lib, x: x.new_tensor([1, 2], dtype=lib.int64),
    "new_tensor_int_self": lambda lib, x: x.long().new_tensor([1.5]),
    "new_tensor_float64_self": lambda lib, x: x.double().new_tensor([1, 2]),
    "new_tensor_requires_grad": lambda lib, x: x.new_tensor([1.5, 2], requires_grad=True),
    "tensor_ctor_shape": lambda lib, x: lib.Tensor(2, 3).shape,
    "tensor_ctor_size": lambda lib, x: lib.Tensor(lib.Size([2, 3])).shape,
    "tensor_ctor_list": lambda lib, x: lib.Tensor([1, 2]),
    "tensor_ctor_nested": lambda lib, x: lib.Tensor([[1, 2]]),
    "tensor_ctor_tuple_data": lambda lib, x: lib.Tensor((2, 3)),
    "tensor_ctor_empty": lambda lib, x: lib.Tensor(),
    "tensor_ctor_zero": lambda lib, x: lib.Tensor(0),
    "tensor_ctor_numpy": lambda lib, x: lib.Tensor(np.array([1, 2], np.int64)),
    "tensor_ctor_tensor": lambda lib, x: lib.Tensor(lib.tensor([1, 2])),
}


@pytest.mark.parametrize("case", sorted(BASICS))
def test_basics(case):
    check(BASICS[case], (2, 3), second_order=True)


BASICS_ERRORS = [
    (lambda lib, x: x.size(2), IndexError, "out of range"),
    (lambda lib, x: x.size(-3), IndexError, "out of range"),
    (lambda lib, x: x[0].mT, RuntimeError, "mT"),
    (lambda lib, x: x.item(), RuntimeError,
     "a Tensor with 6 elements cannot be converted to Scalar"),
    (lambda lib, x: float(x), ValueError, "only one element tensors"),
    (lambda lib, x: int(x[0]), ValueError, "only one element tensors"),
    (lambda lib, x: bool(x[0]), RuntimeError, "Boolean value of Tensor with"),
    (lambda lib, x: bool(x[:0]), RuntimeError, "Boolean value of Tensor with"),
    (lambda lib, x: len(x[0, 0]), TypeError, "len() of a 0-d tensor"),
    (lambda lib, x: list(x[0, 0]), TypeError, "iteration over a 0-d tensor"),
    (lambda lib, x: [1, 2][x[0, 0]], TypeError, "only integer tensors of a single element"),
    (lambda lib, x: [1, 2][x.long()], TypeError, "only integer tensors of a single element"),
    (lambda lib, x: x.numpy(), RuntimeError,
     "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."),
    (lambda lib, x: copy.deepcopy(x * 2), RuntimeError,
     "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol"),
    (lambda lib, x: lib.Tensor(3.5), TypeError, "must be a sequence"),
    (lambda lib, x: lib.Tensor(-1), RuntimeError, "negative dimension -1"),
    (lambda lib, x: x.long().requires_grad_(), RuntimeError, "floating point"),
    (lambda lib, x: (x * 2).requires_grad_(False), RuntimeError,
     "you can only change requires_grad flags of leaf variables"),
]


@pytest.mark.parametrize("fn,exc,match", BASICS_ERRORS)
def test_basics_errors(fn, exc, match):
    assert isinstance(check_error(fn, (2, 3), match=match, requires_grad=True), exc)


def test_numpy_shares_memory():
    x = shendu.zeros(2, 3)
    a = x.numpy()
    a[0, 0] = 5.0
    assert x[0, 0].item() == 5.0
    x.fill_(1.0)
    assert a[1, 2] == 1.0
    w = shendu.ones(2, requires_grad=True)
    assert np.shares_memory(w.numpy(force=True), w.detach().numpy())
    np.testing.assert_array_equal(np.asarray(x), a)          # __array__
    assert np.asarray(shendu.arange(3), dtype=np.float64).dtype == np.float64


def test_detach_shares_memory_and_cuts_the_graph():
    x = shendu.ones(3, requires_grad=True)
    h = x * 2
    y = h * h
    d = h.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d.numpy(), h.detach().numpy())
    d.zero_()                            # changes through the detached tensor are seen ...
    assert h.detach().tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()               # ... by autograd too: they share the version counter


def test_clone_copies_and_passes_gradients():
    x = shendu.ones(3, requires_grad=True)
    c = x.clone()
    assert c.grad_fn is not None and not np.shares_memory(c.detach().numpy(), x.numpy(force=True))
    (c * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]
    y = shendu.arange(3.0)
    assert y.to(shendu.float32) is y and y.float() is y and y.cpu() is y
    assert y.to(shendu.float32, copy=True) is not y
    assert y.to(y) is y and y.type_as(y) is y


def test_to_other_dtype_then_backward():
    check(lambda lib, x: (x.double() ** 2).float() + x.half().float(), (4,),
          second_order=True, atol=1e-3)
    for lib in (shendu, torch):
        w = lib.ones(2, requires_grad=True)
        assert not w.long().requires_grad and w.double().requires_grad


def test_deepcopy():
    for lib in (shendu, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.grad = lib.tensor([3.0, 4.0])
        y = copy.deepcopy(x)
        assert y is not x and y.requires_grad and y.is_leaf
        assert y.tolist() == [1.0, 2.0] and y.grad.tolist() == [3.0, 4.0]
        assert not np.shares_memory(y.detach().numpy(), x.detach().numpy())
        assert y.grad is not x.grad
        z = lib.arange(4)
        pair = copy.deepcopy([z, z])                # the memo keeps shared tensors shared
        assert pair[0] is pair[1] and pair[0] is not z and name(pair[0].dtype) == "int64"


def test_pickle_round_trip():
    for lib in (shendu, torch):
        for t in (lib.arange(6.0).reshape(2, 3), lib.tensor([1, 2], dtype=lib.int8),
                  lib.tensor(True), lib.zeros(0, 2, dtype=lib.float64),
                  lib.tensor([1.5, 2.0], requires_grad=True)):
            u = pickle.loads(pickle.dumps(t))
            assert meta(u) == meta(t) and u.tolist() == t.tolist()
            assert u.requires_grad == t.requires_grad and u.is_leaf
        y = lib.tensor([1.0, 2.0], requires_grad=True) * 2   # a non-leaf pickles as a leaf
        u = pickle.loads(pickle.dumps(y))
        assert u.requires_grad and u.is_leaf and u.tolist() == [2.0, 4.0]
    s = shendu.ones(2, 3).shape
    assert pickle.loads(pickle.dumps(s)) == (2, 3)


def test_tensor_constructor_alias():
    for lib in (shendu, torch):
        t = lib.tensor([1, 2])
        u = lib.Tensor(t)
        assert u is not t and name(u.dtype) == "int64"
        u[0] = 7
        assert t[0].item() == 7                          # shares memory
        f = lib.tensor([1.0], requires_grad=True)
        assert lib.Tensor(f).requires_grad


def test_iteration_and_len_match_first_dim():
    x = shendu.arange(6).reshape(3, 2)
    rows = list(x)
    assert len(rows) == len(x) == 3 and all(isinstance(r, shendu.Tensor) for r in rows)
    assert [r.tolist() for r in rows] == torch.arange(6).reshape(3, 2).tolist()
    assert len(shendu.zeros(0, 3)) == 0 and list(shendu.zeros(0, 3)) == []
    a, b = shendu.tensor([1.0, 2.0])                     # unpacking
    assert (a.item(), b.item()) == (1.0, 2.0)


def test_item_and_tolist_python_types():
    for lib in (shendu, torch):
        assert type(lib.tensor(2.5).item()) is float
        assert type(lib.tensor(2).item()) is int
        assert type(lib.tensor(True).item()) is bool
        assert type(lib.tensor([1], dtype=lib.uint8).tolist()[0]) is int
        assert type(lib.tensor([1.5], dtype=lib.float16).tolist()[0]) is float
        assert lib.tensor(3).tolist() == 3


def test_assert_same_helper_sanity():
    """The helper compares dtypes by name; make sure it really fails on a different dtype."""
    with pytest.raises(AssertionError):
        assert_same(shendu.zeros(2, dtype=shendu.float64), torch.zeros(2))
