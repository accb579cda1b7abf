"""Indexing, each compared with PyTorch: ``x[...]`` with every kind of index and their
combinations, ``x[...] = v`` with and without autograd, gather/scatter, index_* and masked_*
ops, take, nonzero and one_hot: values, result dtypes, gradients (accumulating at repeated
positions), second-order gradients, views versus copies, and the errors PyTorch raises."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from helpers import check, check_error


def idx(*values):
    return np.array(values, np.int64)


def squared(fn):
    """fn followed by squaring its output, so second-order gradients are not all zero."""
    def sq(lib, *xs):
        return fn(lib, *xs) ** 2
    return sq


MASK_34 = np.array([[True, False, True, False], [False, False, False, False],
                    [True, True, False, True]])
INTS = np.arange(12, dtype=np.int64).reshape(3, 4) - 4
BOOLS = (np.arange(12).reshape(3, 4) % 3) == 0


# ----- x[idx] ------------------------------------------------------------------------------

GETITEM = {
    "int": (lambda lib, x: x[1], (3, 4)),
    "neg_int": (lambda lib, x: x[-1], (3, 4)),
    "two_ints": (lambda lib, x: x[1, -2], (3, 4)),
    "int_second_dim": (lambda lib, x: x[:, 2], (3, 4, 2)),
    "slice": (lambda lib, x: x[1:], (3, 4)),
    "slice_step": (lambda lib, x: x[::2, 1::2], (5, 4)),
    "slice_neg_bounds": (lambda lib, x: x[-3:-1, :-1], (4, 4)),
    "slice_out_of_range": (lambda lib, x: x[2:100, -100:2], (3, 4)),
    "slice_empty": (lambda lib, x: x[2:1], (3, 4)),
    "none": (lambda lib, x: x[None], (3, 4)),
    "none_middle": (lambda lib, x: x[:, None, 1], (3, 4)),
    "ellipsis": (lambda lib, x: x[..., 1], (2, 3, 4)),
    "ellipsis_none": (lambda lib, x: x[None, ..., None, 0], (2, 3)),
    "ellipsis_all": (lambda lib, x: x[...], (2, 3)),
    "ellipsis_first_int": (lambda lib, x: x[1, ...], (2, 3, 4)),
    "0d_ellipsis": (lambda lib, x: x[...], ()),
    "0d_none": (lambda lib, x: x[None, None], ()),
    "true": (lambda lib, x: x[True], (2, 3)),
    "false": (lambda lib, x: x[False], (2, 3)),
    "0d_true": (lambda lib, x: x[True], ()),
    "list": (lambda lib, x: x[[0, 2, 1]], (3, 4)),
    "list_repeated": (lambda lib, x: x[[0, 2, 0, 0]], (3, 4)),
    "list_neg": (lambda lib, x: x[[-1, 0, -3]], (3, 4)),
    "list_empty": (lambda lib, x: x[[]], (3, 4)),
    "tensor_index": (lambda lib, x, i: x[i], (3, 4), idx(2, 0, 2)),
    "tensor_index_2d": (lambda lib, x, i: x[i], (3, 4), idx(0, 1, 1, 2).reshape(2, 2)),
    "tensor_index_0d": (lambda lib, x, i: x[i], (3, 4), np.array(1)),
    "tensor_index_int32": (lambda lib, x, i: x[i], (3, 4), np.array([2, 2, 0], np.int32)),
    "tensor_index_empty": (lambda lib, x, i: x[:, i], (3, 4), np.zeros(0, np.int64)),
    "two_arrays": (lambda lib, x: x[[0, 1, 2], [3, 3, 0]], (3, 4)),
    "two_arrays_broadcast": (lambda lib, x: x[[[0], [2]], [1, 3, 1]], (3, 4)),
    "array_then_slice": (lambda lib, x: x[[0, 0, 2], 1:], (3, 4)),
    "slice_then_array": (lambda lib, x: x[1:, [0, 0, 3]], (3, 4)),
    "arrays_split_by_slice": (lambda lib, x: x[[0, 1], :, [1, 3]], (2, 3, 4)),
    "arrays_adjacent_middle": (lambda lib, x: x[:, [0, 2], [1, 1]], (2, 3, 4)),
    "int_then_slice_then_array": (lambda lib, x: x[0, :, [1, 2]], (2, 3, 4)),
    "array_slice_int": (lambda lib, x: x[[1, 0], :, 3], (2, 3, 4)),
    "int_array_int": (lambda lib, x: x[1, [0, 2, 2], -1], (2, 3, 4)),
    "array_int_array": (lambda lib, x: x[[0, 1], 1, [3, 0]], (2, 3, 4)),
    "array_none_int_array": (lambda lib, x: x[[0], None, 0, [1]], (2, 3, 4)),
    "none_array_int_array": (lambda lib, x: x[None, [1], 0, [1]], (2, 3, 4)),
    "ellipsis_int_array": (lambda lib, x: x[..., 0, [1, 1]], (2, 3, 4)),
    "int_ellipsis_array": (lambda lib, x: x[1, ..., [0, 3]], (2, 3, 4)),
    "ellipsis_array": (lambda lib, x: x[..., [0, 1]], (2, 3, 4)),
    "ellipsis_none_array": (lambda lib, x: x[..., None, [0, 1]], (2, 3, 4)),
    "array_none_array": (lambda lib, x: x[[0], None, [1]], (2, 3, 4)),
    "slice_ellipsis_array": (lambda lib, x: x[1:, ..., [0, 1]], (2, 3, 4)),
    "array_step_slice": (lambda lib, x: x[[1, 0], ::2], (2, 3, 4)),
    "broadcast_3": (lambda lib, x: x[[0, 1], [[0], [1]], :2], (2, 3, 4)),
    "mask": (lambda lib, x, m: x[m], (3, 4), MASK_34),
    "mask_rows": (lambda lib, x, m: x[m], (3, 4), np.array([True, False, True])),
    "mask_cols": (lambda lib, x, m: x[:, m], (3, 4), np.array([False, True, True, False])),
    "mask_all_false": (lambda lib, x, m: x[m], (3, 4), np.zeros((3, 4), bool)),
    "mask_partial": (lambda lib, x, m: x[m], (3, 4, 2), MASK_34),
    "mask_then_int": (lambda lib, x, m: x[m, 1], (3, 4, 2), MASK_34),
    "int_mask_slice": (lambda lib, x, m: x[0, m, 1:], (2, 3, 4), np.array([True, False, True])),
    "mask_int_mask": (lambda lib, x, m: x[m, 0, lib.tensor([True, False, True, True])],
                      (2, 3, 4), np.array([True, False])),
    "mask_and_array": (lambda lib, x, m: x[m, [1, 3]], (2, 4), np.array([True, True])),
    "mask_0d_true": (lambda lib, x, m: x[m], (3,), np.array(True)),
    "mask_0d_false": (lambda lib, x, m: x[m], (3,), np.array(False)),
    "uint8_mask": (lambda lib, x, m: x[m], (3, 4), np.array([1, 0, 1], np.uint8)),
    "legacy_list_of_lists": (lambda lib, x: x[[[0, 2], [1, 3]]], (3, 4)),
    "tuple_of_lists": (lambda lib, x: x[([0, 2], [1, 3])], (3, 4)),
    "list_with_slice": (lambda lib, x: x[[slice(None), 1]], (3, 4)),
    "bool_list": (lambda lib, x: x[[True, False, True]], (3, 4)),
    "numpy_int": (lambda lib, x: x[np.int64(1), np.int32(-1)], (3, 4)),
    "numpy_array": (lambda lib, x: x[np.array([1, 1])], (3, 4)),
    "tensor_in_slice": (lambda lib, x: x[lib.tensor(1):lib.tensor(3)], (4, 2)),
    "empty_tensor": (lambda lib, x: x[1:, [0]], (0, 3)),
    "getitem_of_expand": (lambda lib, x: x.expand(3, 4)[[0, 2], 1:], (1, 4)),
    "chained": (lambda lib, x: x[1:][0][[1, 1]], (3, 4)),
}


@pytest.mark.parametrize("name", sorted(GETITEM))
def test_getitem(name):
    fn, *specs = GETITEM[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # the legacy list-of-lists and uint8 deprecations
        check(fn, *specs)
        check(squared(fn), *specs, second_order=True)


@pytest.mark.parametrize("name", ["list_repeated", "two_arrays_broadcast", "mask_partial",
                                  "int_then_slice_then_array", "slice_step", "broadcast_3"])
def test_getitem_float64(name):
    fn, *specs = GETITEM[name]
    check(squared(fn), *specs, dtype=np.float64, atol=1e-12, rtol=1e-12, second_order=True)


@pytest.mark.parametrize("fn", [
    lambda lib, x: x[1], lambda lib, x: x[:, ::2], lambda lib, x: x[[0, 0, 2]],
    lambda lib, x: x[x > 0], lambda lib, x: x[1, [1, 3]], lambda lib, x: x[None, ..., 0],
], ids=lambda f: "")
@pytest.mark.parametrize("data", [INTS, BOOLS, INTS.astype(np.uint8), INTS.astype(np.int32)],
                         ids=["int64", "bool", "uint8", "int32"])
def test_getitem_keeps_dtype(fn, data):
    check(fn, data)


def test_getitem_repeated_indices_accumulate_gradient():
    """x[[0, 0, 0]] sends three gradients to row 0; x[i][j] twice sums both."""
    check(lambda lib, x: x[[0, 0, 0, 1]] * lib.arange(4.0).reshape(4, 1), (2, 3))
    check(lambda lib, x: x[[0, 0], [1, 1]].sum() + x[0, 1], (2, 3))
    check(lambda lib, x, i: x[i] ** 3, (4,), idx(1, 1, 3, 1, 1), second_order=True)


GETITEM_ERRORS = [
    (lambda lib, x: x[3], (3, 4), "index 3 is out of bounds for dimension 0 with size 3"),
    (lambda lib, x: x[-4], (3, 4), "index -4 is out of bounds for dimension 0 with size 3"),
    (lambda lib, x: x[:, 4], (3, 4), "index 4 is out of bounds for dimension 1 with size 4"),
    (lambda lib, x: x[0, 0, 0], (3, 4), "too many indices for tensor of dimension 2"),
    (lambda lib, x: x[0], (), "invalid index of a 0-dim tensor"),
    (lambda lib, x: x[[0, 3]], (3, 4), "index 3 is out of bounds for dimension 0 with size 3"),
    (lambda lib, x: x[:, [0, 4]], (3, 4), "index 4 is out of bounds for dimension 1 with size 4"),
    (lambda lib, x: x[lib.tensor([-5])], (3, 4), "index -5 is out of bounds for dimension 0"),
    (lambda lib, x: x[[0, 1], [0, 1, 2]], (3, 4), "shape mismatch: indexing tensors could not "
                                                  "be broadcast together with shapes [2], [3]"),
    (lambda lib, x: x[lib.tensor([True, False])], (3, 4), "mask [2] at index 0 does not match "
                                                         "the shape of the indexed tensor [3, 4]"),
    (lambda lib, x: x[:, lib.tensor([True])], (3, 4), "mask [1] at index 0 does not match the "
                                                     "shape of the indexed tensor [3, 4] at "
                                                     "index 1"),
    (lambda lib, x: x[1.5], (3, 4), "only integers, slices"),
    (lambda lib, x: x[lib.tensor([1.0])], (3, 4), "tensors used as indices must be long, int, "
                                                  "byte or bool tensors"),
    (lambda lib, x: x[lib.tensor([1], dtype=lib.int8)], (3, 4), "tensors used as indices must "
                                                                "be long, int, byte or bool"),
    (lambda lib, x: x[lib.tensor([1], dtype=lib.int16)], (3, 4), "long, int, byte or bool"),
    (lambda lib, x: x[::0], (3, 4), "slice step cannot be zero"),
    (lambda lib, x: x[::-1], (3, 4), "step must be greater than zero"),
]


@pytest.mark.parametrize("fn,spec,match", GETITEM_ERRORS,
                         ids=[m[:40] for *_, m in GETITEM_ERRORS])
def test_getitem_errors(fn, spec, match):
    check_error(fn, spec, match=match)


# ----- views and copies --------------------------------------------------------------------

@pytest.mark.parametrize("index,is_view", [
    ((1,), True), ((slice(None), slice(1, None, 2)), True), ((None, Ellipsis, 0), True),
    ((Ellipsis,), True), (([0, 1],), False), ((slice(None), [0, 0]), False),
    ((0, [1, 2]), False), ((True,), False), ((1, 2), True), ((None,), True),
], ids=repr)
def test_basic_indexing_is_a_view_and_advanced_a_copy(index, is_view):
    for lib in (torch, shendu):
        x = lib.arange(12.0).reshape(3, 4).clone()
        v = x[index]
        v.mul_(-1)
        changed = (x < 0).any().item()
        assert changed == is_view, lib.__name__
        assert (x._version == v._version) == is_view, lib.__name__
        if is_view:
            x.add_(100)
            assert (v > 50).all().item() or v.numel() == 0, lib.__name__


# ----- x[idx] = v --------------------------------------------------------------------------

def put(index, value_fn=None):
    """A function that writes into a copy of x at index (value: the second input, or value_fn
    applied to lib and the other inputs) and returns it."""
    def fn(lib, x, *vs):
        y = x * 1                  # a non-leaf: writing into it is recorded
        y[index] = vs[0] if value_fn is None else value_fn(lib, *vs)
        return y
    return fn


def put_mask_zero(lib, x):
    y = x * 1
    y[y > 0.5] = 0
    return y


SETITEM = {
    "int_scalar": (put(1, lambda lib: 5.0), (3, 4)),
    "mask_zero": (put_mask_zero, (3, 4)),
    "slice_tensor": (put((slice(None), 1)), (3, 4), (3,)),
    "slice_broadcast": (put((slice(0, 2),)), (3, 4), (4,)),
    "slice_broadcast_leading_1": (put(0), (3, 4), (1, 4)),
    "step": (put((slice(None, None, 2), slice(1, None, 2))), (5, 4), (3, 2)),
    "ellipsis": (put((Ellipsis, 0)), (2, 3, 4), (2, 3)),
    "none": (put((None, 1)), (3, 4), (4,)),
    "whole": (put(Ellipsis), (3, 4), ()),
    "list": (put(([0, 2],)), (3, 4), (2, 4)),
    "list_repeated": (put(([2, 0, 2],)), (3, 4), (4,)),
    "two_lists": (put(([0, 1, 2], [3, 3, 0])), (3, 4), (3,)),
    "int_and_list": (put((0, slice(None), [1, 2])), (2, 3, 4), (3, 2)),
    "array_and_slice": (put(([1, 0], slice(1, None))), (3, 4), (2, 3)),
    "bool_rows": (put((np.array([True, False, True]),)), (3, 4), (1, 4)),
    "0d_value_tensor": (put((slice(None), 0)), (3, 4), ()),
    "0d_target": (put(()), (), ()),
    "empty": (put(([],)), (3, 4), ()),
}


@pytest.mark.parametrize("name", sorted(SETITEM))
def test_setitem(name):
    fn, *specs = SETITEM[name]
    check(fn, *specs)
    check(squared(fn), *specs, second_order=True)


def test_setitem_float64_value_into_float32():
    check(lambda lib, x, v: put(1, lambda lib, v: v.double())(lib, x, v), (3, 4), (4,))


def test_setitem_mask_with_value_tensor():
    def fn(lib, x, v):
        y = x * 1
        y[x > 0] = v
        return y
    check(fn, (3, 4), ())
    check(squared(fn), (3, 4), (), second_order=True, dtype=np.float64, atol=1e-12,
          rtol=1e-12)

    def values_in_order(lib, x, v):
        y = x * 1
        y[lib.tensor(MASK_34)] = v
        return y
    check(values_in_order, (3, 4), (5,))


def test_setitem_repeated_index_last_write_wins_and_gradient_is_consistent():
    """With repeated indices, the last write wins in both libraries on the CPU."""
    def fn(lib, x, v):
        y = x * 1
        y[[0, 0]] = v
        return y
    check(fn, (3,), (2,))


def test_setitem_on_tensor_not_requiring_grad():
    for lib in (torch, shendu):
        x = lib.zeros(3, 4)
        x[1:, 2] = 7.0
        x[x == 7] = lib.tensor(2.0)
        x[0] = lib.arange(4.0)
        assert x.tolist() == [[0, 1, 2, 3], [0, 0, 2, 0], [0, 0, 2, 0]], lib.__name__
        assert x._version == 3 and not x.requires_grad and x.grad_fn is None


def test_setitem_value_requiring_grad_makes_target_require_grad():
    res = []
    for lib in (torch, shendu):
        x = lib.zeros(3)
        v = lib.tensor(2.0, requires_grad=True)
        x[1] = v
        assert x.requires_grad and x.grad_fn is not None
        (x * lib.tensor([1.0, 5.0, 1.0])).sum().backward()
        res.append(v.grad.item())
    assert res == [5.0, 5.0]


def test_setitem_on_non_leaf_gradients_flow_to_history_and_value():
    def fn(lib, a, v):
        x = a.sin() * 1          # sin saves a, not x: x may change in place
        x[0, 1:] = v * 2
        x[x > 2.0] = 0.0
        x[:, 0] = x[:, 0] + 1
        return x * a
    check(fn, (3, 4), (3,), low=-1, high=1)
    check(fn, (3, 4), (3,), low=-1, high=1, second_order=True, dtype=np.float64, atol=1e-12,
          rtol=1e-12)


def test_setitem_leaf_requiring_grad():
    for lib in (torch, shendu):
        x = lib.zeros(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            x[0] = 1.0
        with lib.no_grad():
            x[0] = 1.0
            x[lib.tensor([False, True, False])] = 2.0
        assert x.tolist() == [1.0, 2.0, 0.0] and x.is_leaf and x.requires_grad
        assert x._version == 2
        (x * 3).sum().backward()
        assert x.grad.tolist() == [3.0, 3.0, 3.0]


def test_setitem_after_use_is_detected_by_backward():
    for lib in (torch, shendu):
        a = lib.ones(3, requires_grad=True)
        x = a * 1
        y = x * x                # saves x
        x[0] = 5.0
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_setitem_through_a_view_is_seen_by_the_base():
    for lib in (torch, shendu):
        x = lib.zeros(3, 4)
        row = x[1]
        row[2:] = 1.0
        x.t()[0, 2] = 5.0
        assert x.tolist() == [[0, 0, 0, 0], [0, 0, 1, 1], [5, 0, 0, 0]], lib.__name__
        assert x._version == row._version == 2


@pytest.mark.parametrize("data,value", [
    (INTS, 2.7), (INTS, True), (BOOLS, 5), (BOOLS, 0.0), (INTS.astype(np.uint8), 3),
    (INTS.astype(np.int32), -1),
], ids=repr)
def test_setitem_casts_value_to_the_target_dtype(data, value):
    def fn(lib, x):
        y = x.clone()
        y[1, 1:] = value
        y[[0, 2], 0] = value
        y[2] = lib.tensor(value)
        y[lib.tensor(MASK_34)] = lib.tensor([value])
        return y
    check(fn, data)


SETITEM_ERRORS = [
    (lambda lib, x: x.__setitem__(3, 1.0), (3, 4), "index 3 is out of bounds for dimension 0 "
                                                   "with size 3"),
    (lambda lib, x: x.__setitem__((slice(None), [4]), 1.0), (3, 4), "out of bounds"),
    (lambda lib, x: x.__setitem__((slice(None), 1), lib.ones(2)), (3, 4), "[2]"),
    (lambda lib, x: x.__setitem__(0, lib.ones(2, 4)), (3, 4), "shape"),
    (lambda lib, x: x.__setitem__(x > 0, lib.ones(100)), (3, 4), "shape mismatch"),
    (lambda lib, x: x.__setitem__(0, "a"), (3, 4), "str"),
    (lambda lib, x: x.__setitem__(0, [1.0, 2.0, 3.0, 4.0]), (3, 4), "list"),
    (lambda lib, x: x.__setitem__((0, 0, 0), 1.0), (3, 4), "too many indices"),
    (lambda lib, x: x.__setitem__([0, 2], lib.ones(4).double()), (3, 4),
     "Index put requires the source and destination dtypes match"),
    (lambda lib, x: x.__setitem__(x > 0, lib.ones(1).int().expand(int((x > 0).sum()))),
     (3, 4), "Index put requires the source and destination dtypes match"),
    (lambda lib, x: x.__setitem__((0, [1]), lib.tensor(1)), (3, 4), "dtypes match"),
]


@pytest.mark.parametrize("fn,spec,match", SETITEM_ERRORS,
                         ids=[m[:40] for *_, m in SETITEM_ERRORS])
def test_setitem_errors(fn, spec, match):
    check_error(fn, spec, match=match)


# ----- gather, scatter, scatter_add, scatter_reduce ----------------------------------------

I23 = idx(2, 0, 1, 1, 0, 0).reshape(2, 3)            # values < 3, for dim 0 of a (3, 4)
I32 = idx(3, 3, 0, 1, 2, 1).reshape(3, 2)            # values < 4, for dim 1
I_REP = idx(0, 0, 0, 2, 2, 1).reshape(2, 3)

GATHER_SCATTER = {
    "gather_dim0": (lambda lib, x, i: x.gather(0, i), (3, 4), I23),
    "gather_dim1": (lambda lib, x, i: lib.gather(x, 1, i), (3, 4), I32),
    "gather_neg": (lambda lib, x, i: x.gather(-1, i), (3, 4), I32),
    "gather_repeated": (lambda lib, x, i: x.gather(0, i), (3, 4), I_REP),
    "gather_kw": (lambda lib, x, i: lib.gather(x, dim=1, index=i, sparse_grad=False), (3, 4),
                  I32),
    "gather_int32": (lambda lib, x, i: x.gather(1, i), (3, 4), I32.astype(np.int32)),
    "gather_3d": (lambda lib, x, i: x.gather(1, i), (2, 3, 2),
                  np.array([[[0, 2]], [[1, 1]]])),
    "gather_bigger_other_dims": (lambda lib, x, i: x.gather(1, i), (3, 4),
                                 np.zeros((2, 6), np.int64)),
    "gather_0d": (lambda lib, x, i: x.gather(0, i), (), np.array(0)),
    "gather_0d_input_1d_index": (lambda lib, x, i: x.gather(0, i), (), idx(0, 0)),
    "gather_1d_0d_index": (lambda lib, x, i: x.gather(0, i), (3,), np.array(2)),
    "gather_empty": (lambda lib, x, i: x.gather(1, i), (3, 4), np.zeros((0, 2), np.int64)),
    "scatter_src": (lambda lib, x, i, s: x.scatter(1, i, s), (3, 4), I32, (3, 2)),
    "scatter_src_dim0": (lambda lib, x, i, s: lib.scatter(x, 0, i, s), (3, 4), I23, (2, 3)),
    "scatter_value": (lambda lib, x, i: x.scatter(1, i, 2.5), (3, 4), I32),
    "scatter_value_kw": (lambda lib, x, i: x.scatter(1, i, value=-1), (3, 4), I32),
    "scatter_neg_dim": (lambda lib, x, i, s: x.scatter(-2, i, s), (3, 4), I23, (2, 3)),
    "scatter_0d": (lambda lib, x, i, s: x.scatter(0, i, s), (), np.array(0), ()),
    "scatter_empty": (lambda lib, x, i, s: x.scatter(0, i, s), (3, 4),
                      np.zeros((0, 4), np.int64), (0, 4)),
    "scatter_add": (lambda lib, x, i, s: x.scatter_add(0, i, s), (3, 4), I_REP, (2, 3)),
    "scatter_add_fn": (lambda lib, x, i, s: lib.scatter_add(x, -1, i, s), (3, 4), I32, (3, 2)),
    "scatter_add_0d": (lambda lib, x, i, s: x.scatter_add(0, i, s), (), np.array(0), ()),
    "scatter_reduce_0d": (lambda lib, x, i, s: x.scatter_reduce(0, i, s, "amax"), (),
                          np.array(0), ()),
    "scatter_reduce_0d_mean": (lambda lib, x, i, s: x.scatter_reduce(0, i, s, "mean"), (),
                               idx(0, 0), (2,)),
    "scatter_reduce_empty_index": (lambda lib, x, i, s: x.scatter_reduce(
        0, i, s, "amin", include_self=False), (2, 3), np.zeros((0, 3), np.int64), (0, 3)),
    "scatter_1d_0d_index": (lambda lib, x, i, s: x.scatter(0, i, s), (2,), np.array(1), ()),
}
for _r in ("sum", "mean", "amax", "amin"):
    for _self in (True, False):
        GATHER_SCATTER[f"scatter_reduce_{_r}_{_self}"] = (
            lambda lib, x, i, s, r=_r, inc=_self: x.scatter_reduce(0, i, s, r, include_self=inc),
            (3, 4), I_REP, (2, 3))
GATHER_SCATTER["scatter_reduce_dim1"] = (
    lambda lib, x, i, s: lib.scatter_reduce(x, 1, i, s, reduce="mean"), (3, 4), I32, (3, 2))

GATHER_SCATTER["scatter_reduce_neg"] = (
    lambda lib, x, i, s: x.scatter_reduce(-1, i, s, "amax", include_self=False), (3, 4), I32,
    (3, 2))


@pytest.mark.parametrize("name", sorted(GATHER_SCATTER))
def test_gather_scatter(name):
    fn, *specs = GATHER_SCATTER[name]
    check(fn, *specs)
    check(squared(fn), *specs, second_order=True)


@pytest.mark.parametrize("name", ["gather_repeated", "scatter_src", "scatter_add",
                                  "scatter_reduce_mean_False", "scatter_reduce_amax_True"])
def test_gather_scatter_float64(name):
    fn, *specs = GATHER_SCATTER[name]
    check(squared(fn), *specs, dtype=np.float64, atol=1e-12, rtol=1e-12, second_order=True)


@pytest.mark.parametrize("op", [
    lambda x, i, s: x.scatter(1, i, s),
    lambda x, i, s: x.scatter_add(1, i, s),
    lambda x, i, s: x.scatter_reduce(1, i, s, "mean"),
    lambda x, i, s: x.scatter_reduce(1, i, s, "amin", include_self=False),
], ids=["scatter", "scatter_add", "scatter_reduce_mean", "scatter_reduce_amin"])
def test_scatter_from_a_larger_src(op):
    """Only src's leading index-shaped block is read. PyTorch's backward fails here (it returns
    a gradient of the index's shape), so the gradient is compared with PyTorch's for that block
    alone, and must be zero elsewhere."""
    i = I32[:, :1]
    check(lambda lib, x, i, s: op(x, i, s), (3, 4), i, (3, 3), grad=False)
    rng = np.random.default_rng(0)
    x, s = rng.standard_normal((3, 4), np.float32), rng.standard_normal((3, 3), np.float32)
    xt, st = torch.tensor(x, requires_grad=True), torch.tensor(s[:, :1], requires_grad=True)
    xs, ss = shendu.tensor(x, requires_grad=True), shendu.tensor(s, requires_grad=True)
    (op(xt, torch.tensor(i), st) ** 2).sum().backward()
    (op(xs, shendu.tensor(i), ss) ** 2).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ss.grad.numpy()[:, :1], st.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert not ss.grad.numpy()[:, 1:].any()


TIES = np.array([[1.0, 2.0, 3.0, 3.0], [3.0, 2.0, 1.0, 0.0], [0.0, 0.0, 5.0, 3.0]], np.float32)


@pytest.mark.parametrize("reduce", ["amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_ties_share_the_gradient(reduce, include_self):
    src = np.array([[3.0, 2.0, 3.0], [3.0, 2.0, 1.0]], np.float32)
    i = idx(0, 0, 0, 0, 0, 0).reshape(2, 3)
    check(lambda lib, x, i, s: x.scatter_reduce(0, i, s, reduce, include_self=include_self),
          TIES, i, src)


@pytest.mark.parametrize("fn", [
    lambda lib, x, i: x.gather(1, i),
    lambda lib, x, i: x.scatter(1, i, x[:, :2] * 2),
    lambda lib, x, i: x.scatter(1, i, 7),
    lambda lib, x, i: x.scatter_add(1, i, x[:, 1:3]),
    lambda lib, x, i: x.scatter_reduce(1, i, x[:, 1:3], "sum"),
    lambda lib, x, i: x.scatter_reduce(1, i, x[:, 1:3], "mean"),
    lambda lib, x, i: x.scatter_reduce(1, i, x[:, 1:3], "mean", include_self=False),
    lambda lib, x, i: x.scatter_reduce(1, i, x[:, 1:3], "amax", include_self=False),
    lambda lib, x, i: x.scatter_reduce(1, i, x[:, 1:3], "amin"),
], ids=lambda f: "")
@pytest.mark.parametrize("data", [INTS, INTS.astype(np.int32), INTS.astype(np.uint8) % 7],
                         ids=["int64", "int32", "uint8"])
def test_gather_scatter_integer_dtypes(fn, data):
    check(fn, data, I32)


def test_scatter_reduce_max_min_aliases():
    """PyTorch's forward takes "max" and "min" for "amax" and "amin" (its backward does not)."""
    check(lambda lib, x, i, s: x.scatter_reduce(1, i, s, "max"), (3, 4), I32, (3, 2),
          grad=False)
    check(lambda lib, x, i, s: x.scatter_reduce(1, i, s, "min", include_self=False), (3, 4),
          I32, (3, 2), grad=False)


def test_scatter_reduce_mean_of_integers_rounds_down():
    check(lambda lib, x, i, s: x.scatter_reduce(0, i, s, "mean"),
          np.array([[1, -3, 7]], np.int64), idx(0, 0, 0, 0, 0, 0).reshape(2, 3),
          np.array([[2, -4, 1], [0, 2, 2]], np.int64))


@pytest.mark.filterwarnings("ignore:The reduce argument")
def test_scatter_with_reduce_argument():
    """The legacy scatter(reduce="add"/"multiply") has no derivative in PyTorch."""
    for r in ("add", "multiply"):
        check(lambda lib, x, i, s: x.scatter(1, i, s, reduce=r), (3, 4), I32, (3, 2),
              grad=False)
        check(lambda lib, x, i: x.scatter(1, i, 2.0, reduce=r), (3, 4), I32, grad=False)
        check_error(lambda lib, x, i, s: x.scatter(1, i, s, reduce=r).sum().backward(),
                    (3, 4), I32, (3, 2), requires_grad=True, match="not implemented")
    check_error(lambda lib, x, i: x.scatter(1, i, 2.0, reduce="mean"), (3, 4), I32,
                match="reduce argument must be either add or multiply")


GATHER_SCATTER_ERRORS = [
    (lambda lib, x, i: x.gather(1, i.float()), (3, 4), I32, "int32/int64"),
    (lambda lib, x, i: x.gather(1, i + 1), (3, 4), I32, "index 4 is out of bounds for "
                                                        "dimension 1 with size 4"),
    (lambda lib, x, i: x.gather(1, i - 1), (3, 4), I23, "index -1 is out of bounds"),
    (lambda lib, x, i: x.gather(1, i[0]), (3, 4), I32, "Index tensor must have the same number "
                                                       "of dimensions as input tensor"),
    (lambda lib, x, i: x.gather(1, i.repeat(2, 1)), (3, 4), I32, "Size does not match at "
                                                                 "dimension 0"),
    (lambda lib, x, i: x.gather(2, i), (3, 4), I32, "Dimension out of range"),
    (lambda lib, x, i: x.scatter(1, i, x.double()), (3, 4), I32, "Expected self.dtype to be "
                                                                 "equal to src.dtype"),
    (lambda lib, x, i: x.scatter(1, i, x[:1, :1]), (3, 4), I32, "no larger size than src"),
    (lambda lib, x, i: x.scatter(1, i + 1, 1.0), (3, 4), I32, "index 4 is out of bounds"),
    (lambda lib, x, i: x.scatter(1, i.double(), 1.0), (3, 4), I32, "int32/int64"),
    (lambda lib, x, i: x.scatter_add(1, i, x.double()), (3, 4), I32, "Expected self.dtype to "
                                                                     "be equal to src.dtype"),
    (lambda lib, x, i: x.scatter_add(1, i, x[:1]), (3, 4), I32, "no larger size than src"),
    (lambda lib, x, i: x.scatter_add(1, i.float(), x), (3, 4), I32, "int32/int64"),
    (lambda lib, x, i: x.scatter_add(1, i, x[0]), (3, 4), I32, "same number of dimensions as "
                                                               "src tensor"),
    (lambda lib, x, i: x.scatter(1, i, x[0]), (3, 4), I32, "same number of dimensions"),
    (lambda lib, x, i: x.scatter_reduce(1, i, x, "mul"), (3, 4), I32, "reduce argument must "
                                                                      "be either sum"),
    (lambda lib, x, i: x.scatter_reduce(1, i, x.double(), "sum"), (3, 4), I32,
     "Expected self.dtype to be equal to src.dtype"),
    (lambda lib, x, i: x.scatter_reduce(1, i - 1, x, "sum"), (3, 4), I23, "out of bounds"),
]


@pytest.mark.parametrize("fn,spec,index,match", GATHER_SCATTER_ERRORS,
                         ids=[m[:40] for *_, m in GATHER_SCATTER_ERRORS])
def test_gather_scatter_errors(fn, spec, index, match):
    check_error(fn, spec, index, match=match)


# ----- index_select, index_add, index_fill, index_put --------------------------------------

INDEX_OPS = {
    "index_select": (lambda lib, x, i: x.index_select(1, i), (3, 4), idx(3, 0, 3)),
    "index_select_fn_neg": (lambda lib, x, i: lib.index_select(x, -2, i), (3, 4), idx(2, 2)),
    "index_select_int32": (lambda lib, x, i: x.index_select(0, i), (3, 4),
                           np.array([1, 0], np.int32)),
    "index_select_0d_index": (lambda lib, x, i: x.index_select(1, i), (3, 4), np.array(2)),
    "index_select_empty": (lambda lib, x, i: x.index_select(0, i), (3, 4),
                           np.zeros(0, np.int64)),
    "index_select_0d": (lambda lib, x, i: x.index_select(0, i), (), idx(0)),
    "index_add": (lambda lib, x, i, s: x.index_add(1, i, s), (3, 4), idx(3, 0, 3), (3, 3)),
    "index_add_fn_alpha": (lambda lib, x, i, s: lib.index_add(x, 0, i, s, alpha=-2.5), (3, 4),
                           idx(2, 2), (2, 4)),
    "index_add_int32": (lambda lib, x, i, s: x.index_add(0, i, s), (3, 4),
                        np.array([1, 0], np.int32), (2, 4)),
    "index_add_neg_dim": (lambda lib, x, i, s: x.index_add(-1, i, s), (2, 3, 4), idx(0, 1),
                          (2, 3, 2)),
    "index_add_0d": (lambda lib, x, i, s: x.index_add(0, i, s), (), idx(0), ()),
    "index_fill": (lambda lib, x, i: x.index_fill(1, i, -1.5), (3, 4), idx(3, 0, 3)),
    "index_fill_fn_neg": (lambda lib, x, i: lib.index_fill(x, -2, i, 2), (3, 4), idx(1)),
    "index_fill_0d_index": (lambda lib, x, i: x.index_fill(0, i, 2.0), (3, 4), np.array(1)),
    "index_fill_tensor_value": (lambda lib, x, i, v: x.index_fill(1, i, v), (3, 4), idx(1, 2),
                                ()),
    "index_fill_neg_index": (lambda lib, x, i: x.index_fill(1, i, 0.5), (3, 4), idx(-1, 0)),
    "index_fill_empty_index": (lambda lib, x, i: x.index_fill(1, i, 0.5), (3, 4),
                               np.zeros(0, np.int64)),
    "index_fill_0d": (lambda lib, x, i, v: x.index_fill(0, i, v), (), idx(0), ()),
    "index_add_empty_index": (lambda lib, x, i, s: x.index_add(1, i, s), (2, 3),
                              np.zeros(0, np.int64), (2, 0)),
    "index_add_empty_self": (lambda lib, x, i, s: x.index_add(1, i, s), (0, 3), idx(2),
                             (0, 1)),
    "index_put": (lambda lib, x, i, v: x.index_put((i,), v), (3, 4), idx(2, 0), (2, 4)),
    "index_put_two": (lambda lib, x, i, j, v: x.index_put((i, j), v), (3, 4), idx(2, 0, 2),
                      idx(1, 1, 1), (3,)),
    "index_put_accumulate": (lambda lib, x, i, j, v: x.index_put((i, j), v, accumulate=True),
                             (3, 4), idx(2, 0, 2), idx(1, 1, 1), (3,)),
    "index_put_broadcast_value": (lambda lib, x, i, v: x.index_put([i], v, True), (3, 4),
                                  idx(1, 1), (4,)),
    "index_put_mask": (lambda lib, x, m, v: x.index_put((m,), v), (3, 4), MASK_34, ()),
    "index_put_mask_accumulate": (lambda lib, x, m, v: x.index_put((m,), v, accumulate=True),
                                  (3, 4), MASK_34, (5,)),
}


@pytest.mark.parametrize("name", sorted(INDEX_OPS))
def test_index_ops(name):
    fn, *specs = INDEX_OPS[name]
    check(fn, *specs)
    check(squared(fn), *specs, second_order=True)


@pytest.mark.parametrize("name", ["index_select", "index_add_fn_alpha", "index_put_accumulate"])
def test_index_ops_float64(name):
    fn, *specs = INDEX_OPS[name]
    check(squared(fn), *specs, dtype=np.float64, atol=1e-12, rtol=1e-12, second_order=True)


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.index_select(1, lib.tensor([2, 0])),
    lambda lib, x: x.index_add(0, lib.tensor([2, 2]), x[:2]),
    lambda lib, x: x.index_add(0, lib.tensor([1]), x[:1], alpha=3),
    lambda lib, x: x.index_fill(1, lib.tensor([0]), 1),
    lambda lib, x: x.index_put((lib.tensor([0, 0]),), x[1], accumulate=True),
    lambda lib, x: x.index_put((lib.tensor([1]), lib.tensor([2])), x[0, 0]),
], ids=lambda f: "")
@pytest.mark.parametrize("data", [INTS, BOOLS, INTS.astype(np.int32)],
                         ids=["int64", "bool", "int32"])
def test_index_ops_integer_and_bool(fn, data):
    try:
        fn(torch, torch.from_numpy(data.copy()))
    except (RuntimeError, NotImplementedError):
        check_error(fn, data)
        return
    check(fn, data)


INDEX_ERRORS = [
    (lambda lib, x: x.index_select(1, lib.tensor([1.0])), (3, 4), "int32 or int64"),
    (lambda lib, x: x.index_select(1, lib.tensor([[1]])), (3, 4), "Index is supposed to be a "
                                                                 "vector"),
    (lambda lib, x: x.index_select(1, lib.tensor([4])), (3, 4), "index 4 is out of bounds for "
                                                                "dimension 1 with size 4"),
    (lambda lib, x: x.index_select(1, lib.tensor([-1])), (3, 4), "index -1 is out of bounds"),
    (lambda lib, x: x.index_select(0, lib.tensor([0, 0])), (), "Index to scalar can have only "
                                                              "1 value"),
    (lambda lib, x: x.index_select(2, lib.tensor([0])), (3, 4), "Dimension out of range"),
    (lambda lib, x: x.index_add(1, lib.tensor([4]), x[:, :1]), (3, 4), "index 4 is out of "
                                                                      "bounds"),
    (lambda lib, x: x.index_add(1, lib.tensor([0]), x[:, :2]), (3, 4), "Number of indices (1) "
                                                                      "should be equal to "
                                                                      "source.size(dim): (2)"),
    (lambda lib, x: x.index_add(1, lib.tensor([0]), x[:2, :1]), (3, 4), "source tensor shape "
                                                                       "must match self"),
    (lambda lib, x: x.index_add(1, lib.tensor([0]), x[:, :1].double()), (3, 4),
     "must have the same scalar type"),
    (lambda lib, x: x.index_add(1, lib.tensor([0.0]), x[:, :1]), (3, 4), "int32 or int64"),
    (lambda lib, x: x.index_fill(1, lib.tensor([4]), 1.0), (3, 4), "index 4 is out of bounds"),
    (lambda lib, x: x.index_fill(1, lib.tensor([0], dtype=lib.int32), 1.0), (3, 4), "int64"),
    (lambda lib, x: x.index_fill(1, lib.tensor([[0]]), 1.0), (3, 4), "Index has to be a "
                                                                    "vector/scalar"),
    (lambda lib, x: x.index_fill(1, lib.tensor([0]), lib.ones(1)), (3, 4), "0-dimensional "
                                                                          "value tensor"),
    (lambda lib, x: x.index_put((lib.tensor([0]),), lib.tensor(1.0).double()), (3, 4),
     "Index put requires the source and destination dtypes match"),
    (lambda lib, x: x.index_put((lib.tensor([3]),), lib.tensor(1.0)), (3, 4), "out of bounds"),
    (lambda lib, x: x.index_put((lib.tensor([0]),), lib.ones(3)), (3, 4), "shape mismatch"),
]


@pytest.mark.parametrize("fn,spec,match", INDEX_ERRORS,
                         ids=[m[:40] for *_, m in INDEX_ERRORS])
def test_index_errors(fn, spec, match):
    check_error(fn, spec, match=match)


# ----- masked_fill, masked_select, masked_scatter ------------------------------------------

MASKED = {
    "fill": (lambda lib, x, m: x.masked_fill(m, -1.5), (3, 4), MASK_34),
    "fill_fn_int_value": (lambda lib, x, m: lib.masked_fill(x, m, 2), (3, 4), MASK_34),
    "fill_big_negative": (lambda lib, x, m: x.masked_fill(m, -1e9), (3, 4), MASK_34),
    "fill_broadcast_mask": (lambda lib, x, m: x.masked_fill(m, 0.0), (2, 3, 4), MASK_34),
    "fill_broadcast_row": (lambda lib, x, m: x.masked_fill(m, 0.0), (3, 4),
                           np.array([True, False, False, True])),
    "fill_broadcast_input": (lambda lib, x, m: x.masked_fill(m, 3.0), (4,), MASK_34),
    "fill_tensor_value": (lambda lib, x, m, v: x.masked_fill(m, v), (3, 4), MASK_34, ()),
    "fill_0d": (lambda lib, x, m: x.masked_fill(m, 1.0), (), np.array(True)),
    "select": (lambda lib, x, m: x.masked_select(m), (3, 4), MASK_34),
    "select_fn_broadcast": (lambda lib, x, m: lib.masked_select(x, m), (2, 3, 4), MASK_34),
    "select_broadcast_input": (lambda lib, x, m: x.masked_select(m), (4,), MASK_34),
    "select_none": (lambda lib, x, m: x.masked_select(m), (3, 4), np.zeros((3, 4), bool)),
    "select_0d": (lambda lib, x, m: x.masked_select(m), (), np.array(True)),
    "scatter": (lambda lib, x, m, s: x.masked_scatter(m, s), (3, 4), MASK_34, (10,)),
    "scatter_2d_source": (lambda lib, x, m, s: x.masked_scatter(m, s), (3, 4), MASK_34,
                          (2, 3)),
    "scatter_broadcast_mask": (lambda lib, x, m, s: x.masked_scatter(m, s), (3, 4),
                               np.array([True, False, True, False]), (3, 4)),
    "scatter_broadcast_input": (lambda lib, x, m, s: x.masked_scatter(m, s), (4,), MASK_34,
                                (6,)),
    "scatter_0d": (lambda lib, x, m, s: x.masked_scatter(m, s), (), np.array(True), (2,)),
    "fill_empty": (lambda lib, x, m: x.masked_fill(m, 1.0), (0, 3), np.zeros((0, 3), bool)),
    "select_empty": (lambda lib, x, m: x.masked_select(m), (0, 3), np.zeros(3, bool)),
    "scatter_empty": (lambda lib, x, m, s: x.masked_scatter(m, s), (0, 3),
                      np.zeros((0, 3), bool), (0,)),
}


@pytest.mark.parametrize("name", sorted(MASKED))
def test_masked(name):
    fn, *specs = MASKED[name]
    check(fn, *specs)
    check(squared(fn), *specs, second_order=True)


@pytest.mark.parametrize("fn", [
    lambda lib, x, m: x.masked_fill(m, 7), lambda lib, x, m: x.masked_fill(m, 2.9),
    lambda lib, x, m: x.masked_fill(m, lib.tensor(True)),
    lambda lib, x, m: x.masked_select(m), lambda lib, x, m: x.masked_scatter(m, x.flip(0)),
], ids=lambda f: "")
@pytest.mark.parametrize("data", [INTS, BOOLS, INTS.astype(np.int32)],
                         ids=["int64", "bool", "int32"])
def test_masked_integer_and_bool(fn, data):
    check(fn, data, MASK_34)


MASKED_ERRORS = [
    (lambda lib, x: x.masked_fill(lib.tensor([1, 0, 1, 0], dtype=lib.uint8), 1.0), (3, 4),
     "only supports boolean masks"),
    (lambda lib, x: x.masked_fill(lib.tensor([1, 0, 1, 0]), 1.0), (3, 4), "boolean masks"),
    (lambda lib, x: x.masked_fill(lib.tensor([True, False, True]), 1.0), (3, 4),
     "size of tensor a (4) must match the size of tensor b (3)"),
    (lambda lib, x: x.masked_fill(x > 0, lib.ones(1)), (3, 4), "0-dimensional value tensor"),
    (lambda lib, x: x.masked_fill_(x[0] > 0, 1.0).masked_fill_(lib.ones(2, 3, 4) > 0, 1.0),
     (3, 4), "doesn't match the broadcast shape"),
    (lambda lib, x: x.masked_select(lib.tensor([1, 0, 1, 0], dtype=lib.uint8)), (3, 4),
     "expected BoolTensor for mask"),
    (lambda lib, x: x.masked_select(lib.tensor([True, False, True])), (3, 4),
     "size of tensor a (4) must match the size of tensor b (3)"),
    (lambda lib, x: x.masked_scatter(x > -10, lib.ones(5)), (3, 4), "Number of elements of "
                                                                    "source < number of ones "
                                                                    "in mask"),
    (lambda lib, x: x.masked_scatter(x > 0, x.double()), (3, 4), "same dtypes"),
    (lambda lib, x: x.masked_scatter((x > 0).byte(), x), (3, 4), "boolean masks"),
]


@pytest.mark.filterwarnings("ignore:masked_scatter_ received a mask with dtype torch.uint8")
@pytest.mark.parametrize("fn,spec,match", MASKED_ERRORS,
                         ids=[m[:40] for *_, m in MASKED_ERRORS])
def test_masked_errors(fn, spec, match):
    check_error(fn, spec, match=match)


# ----- nonzero, argwhere, take, take_along_dim, one_hot ------------------------------------

SPARSE = np.array([[0.0, 1.5, 0.0], [-2.0, 0.0, 0.0], [0.0, 0.0, 3.0]], np.float32)


@pytest.mark.parametrize("fn,data", [
    (lambda lib, x: x.nonzero(), SPARSE),
    (lambda lib, x: lib.nonzero(x, as_tuple=True), SPARSE),
    (lambda lib, x: x.nonzero(), SPARSE[0]),
    (lambda lib, x: x.nonzero(as_tuple=True), SPARSE[0]),
    (lambda lib, x: x.nonzero(), np.array(3.0, np.float32)),
    (lambda lib, x: x.nonzero(), np.array(0.0, np.float32)),
    (lambda lib, x: x.nonzero(as_tuple=True), np.array(3.0, np.float32)),
    (lambda lib, x: x.nonzero(as_tuple=True), np.array(0.0, np.float32)),
    (lambda lib, x: x.nonzero(), np.zeros((2, 0, 3), np.float32)),
    (lambda lib, x: x.nonzero(), BOOLS),
    (lambda lib, x: x.nonzero(as_tuple=True), INTS),
    (lambda lib, x: x.argwhere(), SPARSE),
    (lambda lib, x: lib.argwhere(x), np.array(2.0, np.float32)),
    (lambda lib, x: lib.argwhere(x), BOOLS),
    (lambda lib, x: x.nonzero(), np.array([np.nan, 0.0, -0.0], np.float32)),
], ids=lambda a: "")
def test_nonzero_argwhere(fn, data):
    check(fn, data)


TAKE = {
    "take": (lambda lib, x, i: x.take(i), (3, 4), idx(0, 11, 5, 5)),
    "take_fn_2d_neg": (lambda lib, x, i: lib.take(x, i), (3, 4), idx(-1, 0, -12, 3).reshape(2, 2)),
    "take_0d_index": (lambda lib, x, i: x.take(i), (3, 4), np.array(7)),
    "take_0d_input": (lambda lib, x, i: x.take(i), (), idx(0, 0, -1)),
    "take_empty": (lambda lib, x, i: x.take(i), (3, 4), np.zeros((2, 0), np.int64)),
    "take_noncontig": (lambda lib, x, i: x.t().take(i), (3, 4), idx(1, 2, 3)),
    "take_of_empty": (lambda lib, x, i: x.take(i), (0, 3), np.zeros(0, np.int64)),
    "take_along_dim_0d_none": (lambda lib, x, i: x.take_along_dim(i), (), np.array(0)),
    "take_along_dim": (lambda lib, x, i: x.take_along_dim(i, 1), (3, 4), I32),
    "take_along_dim_fn_neg": (lambda lib, x, i: lib.take_along_dim(x, i, -2), (3, 3), I23),
    "take_along_dim_broadcast": (lambda lib, x, i: x.take_along_dim(i, 1), (3, 4),
                                 idx(0, 3, 3).reshape(1, 3)),
    "take_along_dim_broadcast_input": (lambda lib, x, i: x.take_along_dim(i, 2), (1, 3, 4),
                                       np.zeros((2, 1, 5), np.int64)),
    "take_along_dim_none": (lambda lib, x, i: x.take_along_dim(i), (3, 4), idx(11, 0, 4)),
    "take_along_dim_argmax": (lambda lib, x: x.take_along_dim(x.argmax(1, keepdim=True), 1),
                              (3, 4)),
}


@pytest.mark.parametrize("name", sorted(TAKE))
def test_take(name):
    fn, *specs = TAKE[name]
    check(fn, *specs)
    check(squared(fn), *specs, second_order=True)


@pytest.mark.parametrize("data", [INTS, BOOLS, INTS.astype(np.int32)],
                         ids=["int64", "bool", "int32"])
def test_take_integer_and_bool(data):
    check(lambda lib, x, i: (x.take(i), x.take_along_dim(i.reshape(1, 2), 1)), data, idx(3, 1))


@pytest.mark.parametrize("fn,data,num_classes", [
    (lambda lib, x, n: lib.nn.functional.one_hot(x), idx(0, 2, 1, 2), None),
    (lambda lib, x, n: lib.nn.functional.one_hot(x, n), idx(0, 2, 1, 2), 5),
    (lambda lib, x, n: lib.nn.functional.one_hot(x, num_classes=n), idx(0, 3, 1, 2).reshape(2, 2),
     4),
    (lambda lib, x, n: lib.nn.functional.one_hot(x, n), np.array(2), 3),
    (lambda lib, x, n: lib.nn.functional.one_hot(x, n), np.zeros(0, np.int64), 3),
    (lambda lib, x, n: lib.nn.functional.one_hot(x, -1), np.array([[1]]), None),
], ids=lambda a: "")
def test_one_hot(fn, data, num_classes):
    check(lambda lib, x: fn(lib, x, num_classes), data)


OTHER_ERRORS = [
    (lambda lib, x: x.take(lib.tensor([12])), (3, 4), "out of range: tried to access index 12 "
                                                      "on a tensor of 12 elements"),
    (lambda lib, x: x.take(lib.tensor([-13])), (3, 4), "index -13"),
    (lambda lib, x: x.take(lib.tensor([1], dtype=lib.int32)), (3, 4), "Expected a long tensor "
                                                                      "for index"),
    (lambda lib, x: x.take_along_dim(lib.tensor([[0]], dtype=lib.int32), 1), (3, 4),
     "dtype of indices should be Long"),
    (lambda lib, x: x.take_along_dim(lib.tensor([0, 1]), 1), (3, 4), "input and indices should "
                                                                     "have the same number of "
                                                                     "dimensions"),
    (lambda lib, x: x.take_along_dim(lib.tensor([[0, 1]]), 0), (3, 4),
     "size of tensor a (4) must match the size of tensor b (2)"),
    (lambda lib, x: lib.nn.functional.one_hot(lib.tensor([0, 2]).int()), (1,),
     "index tensor of type LongTensor"),
    (lambda lib, x: lib.nn.functional.one_hot(lib.tensor([0, 2]), 2), (1,),
     "Class values must be smaller than num_classes"),
    (lambda lib, x: lib.nn.functional.one_hot(lib.tensor([0, -1]), 3), (1,),
     "Class values must be non-negative"),
    (lambda lib, x: lib.nn.functional.one_hot(lib.tensor([], dtype=lib.int64)), (1,),
     "Can not infer total number of classes from empty tensor"),
    (lambda lib, x: lib.nn.functional.one_hot(x), (3,), "LongTensor"),
    (lambda lib, x: x.take_along_dim(lib.tensor(0), 0), (), "tensor has no dimensions"),
]


@pytest.mark.parametrize("fn,spec,match", OTHER_ERRORS, ids=[m[:40] for *_, m in OTHER_ERRORS])
def test_take_one_hot_errors(fn, spec, match):
    check_error(fn, spec, match=match)


@pytest.mark.parametrize("name,fn", [
    ("slice", lambda lib, x: x[1:]), ("int", lambda lib, x: x[1]),
    ("array", lambda lib, x: x[[0, 1]]), ("mask", lambda lib, x: x[x > 0]),
    ("gather", lambda lib, x: x.gather(0, lib.tensor([0]))),
    ("index_select", lambda lib, x: x.index_select(0, lib.tensor([0]))),
    ("masked_fill", lambda lib, x: x.masked_fill(x > 0, 1.0)),
    ("take", lambda lib, x: x.take(lib.tensor([0]))),
    ("scatter", lambda lib, x: x.scatter(0, lib.tensor([0]), 1.0)),
    ("index_put", lambda lib, x: x.index_put((lib.tensor([0]),), lib.tensor(1.0))),
], ids=lambda a: a if isinstance(a, str) else "")
def test_second_backward_raises_where_indices_are_saved(name, fn):
    """Ops that keep index arrays for their backward free them after it, as PyTorch frees its
    saved indices: walking the graph again raises. Slicing saves nothing."""
    results = []
    for lib in (torch, shendu):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = fn(lib, x).sum()
        y.backward()
        try:
            y.backward()
            results.append("ok")
        except RuntimeError as e:
            assert "second time" in str(e)
            results.append("raises")
    assert results[0] == results[1]


# ----- in-place forms ----------------------------------------------------------------------

INPLACE = {
    "index_put_": (lambda lib, y, i, v: y.index_put_((i,), v), idx(2, 0), (2, 4)),
    "index_put_accumulate_": (lambda lib, y, i, v: y.index_put_((i,), v, accumulate=True),
                              idx(2, 2), (2, 4)),
    "index_add_": (lambda lib, y, i, v: y.index_add_(1, i, v, alpha=2), idx(3, 3), (3, 2)),
    "index_fill_": (lambda lib, y, i: y.index_fill_(0, i, 1.5), idx(1, 1)),
    "scatter_": (lambda lib, y, i, v: y.scatter_(1, i, v), I32, (3, 2)),
    "scatter_value_": (lambda lib, y, i: y.scatter_(1, i, -2.0), I32),
    "scatter_add_": (lambda lib, y, i, v: y.scatter_add_(0, i, v), I_REP, (2, 3)),
    "scatter_reduce_": (lambda lib, y, i, v: y.scatter_reduce_(0, i, v, "amax"), I_REP, (2, 3)),
    "scatter_reduce_mean_": (lambda lib, y, i, v: y.scatter_reduce_(0, i, v, "mean",
                                                                    include_self=False),
                             I_REP, (2, 3)),
    "masked_fill_": (lambda lib, y, m: y.masked_fill_(m, 0.5), MASK_34),
    "masked_fill_tensor_": (lambda lib, y, m, v: y.masked_fill_(m, v), MASK_34, ()),
    "masked_scatter_": (lambda lib, y, m, v: y.masked_scatter_(m, v), MASK_34, (8,)),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_forms(name):
    """The in-place form on a non-leaf is recorded: it returns the tensor itself, bumps its
    version, and gradients flow to the old value and to the operands."""
    op, *specs = INPLACE[name]

    def fn(lib, x, *args):
        y = x * 1
        out = op(lib, y, *args)
        assert out is y and y._version == 1
        return y * x
    check(fn, (3, 4), *specs)
    check(fn, (3, 4), *specs, second_order=True, dtype=np.float64, atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_forms_without_grad(name):
    op, *specs = INPLACE[name]

    def fn(lib, x, *args):
        with lib.no_grad():
            op(lib, x, *args)
        return x
    check(fn, (3, 4), *specs, grad=False)


def test_inplace_on_leaf_requiring_grad_raises():
    check_error(lambda lib, x: x.index_fill_(0, lib.tensor([0]), 1.0), (3, 4),
                requires_grad=True, match="leaf Variable that requires grad")
    check_error(lambda lib, x: x.masked_fill_(x > 0, 1.0), (3, 4), requires_grad=True,
                match="leaf Variable that requires grad")


# ----- drawn indices -----------------------------------------------------------------------

@st.composite
def index_case(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    parts = []
    for n in shape:
        kind = draw(st.sampled_from(["int", "slice", "array", "full"]))
        if kind == "int":
            parts.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            a, b = draw(st.integers(-n, n)), draw(st.integers(-n, n))
            parts.append(slice(a, b, draw(st.integers(1, 3))))
        elif kind == "array":
            parts.append(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4)))
        else:
            parts.append(slice(None))
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), None)
    return shape, tuple(parts)


@settings(max_examples=60, deadline=None)
@given(index_case())
def test_drawn_indices(case):
    shape, index = case
    arrays = [p for p in index if isinstance(p, list)]
    if len({len(a) for a in arrays}) > 1:
        index = tuple(p[:1] if isinstance(p, list) else p for p in index)
    check(lambda lib, x: x[index] * 2, shape)

    def write(lib, x, v):
        y = x * 1
        y[index] = v
        return y
    target = torch.zeros(shape)[index].shape
    check(write, shape, tuple(target))
