"""Shape ops and padding, each compared with PyTorch: values, result dtypes, gradients and
second-order gradients over every argument form and negative dims, 0-d, empty, integer and bool
inputs, which results are views (sharing memory and the version counter) and which are copies,
and the errors PyTorch raises."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from helpers import check, check_error

INTS = np.arange(24, dtype=np.int64).reshape(2, 3, 4) - 7
BOOLS = (np.arange(24).reshape(2, 3, 4) % 3) == 0


def squared(fn):
    """fn followed by squaring each float output, so its backward runs on a gradient that
    depends on the input and second-order gradients are not all zero."""
    def sq(lib, *xs):
        out = fn(lib, *xs)
        if isinstance(out, (tuple, list)):
            return tuple(o * o for o in out)
        return out * out
    return sq


# ----- reshape, view, permute, transpose, squeeze, ... -----------------------------------

SHAPE = {
    "reshape": (lambda lib, x: x.reshape(4, 6), (2, 3, 4)),
    "reshape_tuple": (lambda lib, x: lib.reshape(x, (3, -1)), (2, 3, 4)),
    "reshape_list_infer": (lambda lib, x: x.reshape([-1, 2, 3]), (2, 3, 4)),
    "reshape_flat": (lambda lib, x: x.reshape(-1), (2, 3, 4)),
    "reshape_size": (lambda lib, x: x.reshape(x.shape[::-1]), (2, 3, 4)),
    "reshape_noncontig": (lambda lib, x: x.transpose(0, 2).reshape(4, 6), (2, 3, 4)),
    "reshape_0d_to_1": (lambda lib, x: x.reshape(1, 1), ()),
    "reshape_to_0d": (lambda lib, x: x.reshape(()), (1, 1)),
    "reshape_empty": (lambda lib, x: x.reshape(3, 0, 5), (0, 3)),
    "reshape_empty_infer": (lambda lib, x: x.reshape(-1, 5), (0, 5)),
    "view": (lambda lib, x: x.view(6, 4), (2, 3, 4)),
    "view_tuple_infer": (lambda lib, x: x.view((-1, 12)), (2, 3, 4)),
    "view_merge_contig_part": (lambda lib, x: x.permute(1, 0, 2)[:, :, 1:].view(3, 2, 3)
                               .sum(), (2, 3, 4)),
    "view_0d": (lambda lib, x: x.view(1), ()),
    "view_as": (lambda lib, x, y: x.view_as(y) * y, (2, 3, 4), (4, 6)),
    "reshape_as": (lambda lib, x, y: x.reshape_as(y) + y, (2, 3, 4), (6, 4)),
    "permute": (lambda lib, x: x.permute(2, 0, 1), (2, 3, 4)),
    "permute_tuple_neg": (lambda lib, x: lib.permute(x, (-1, 0, -2)), (2, 3, 4)),
    "permute_list": (lambda lib, x: x.permute([1, 0]), (3, 4)),
    "transpose": (lambda lib, x: x.transpose(0, 2), (2, 3, 4)),
    "transpose_neg": (lambda lib, x: lib.transpose(x, -1, 0), (2, 3, 4)),
    "transpose_same": (lambda lib, x: x.transpose(1, 1), (2, 3)),
    "transpose_0d": (lambda lib, x: x.transpose(0, -1), ()),
    "swapaxes": (lambda lib, x: lib.swapaxes(x, 0, 1), (2, 3, 4)),
    "swapdims": (lambda lib, x: x.swapdims(-1, -2), (2, 3, 4)),
    "t": (lambda lib, x: x.t(), (3, 4)),
    "t_fn_1d": (lambda lib, x: lib.t(x), (4,)),
    "t_0d": (lambda lib, x: x.t(), ()),
    "T": (lambda lib, x: x.T, (3, 4)),
    "mT": (lambda lib, x: x.mT, (2, 3, 4)),
    "movedim": (lambda lib, x: x.movedim(0, 2), (2, 3, 4)),
    "movedim_neg": (lambda lib, x: lib.movedim(x, -1, 0), (2, 3, 4)),
    "movedim_tuple": (lambda lib, x: x.movedim((0, 1), (2, 0)), (2, 3, 4)),
    "moveaxis": (lambda lib, x: lib.moveaxis(x, [0, -1], [-1, 0]), (2, 3, 4)),
    "squeeze": (lambda lib, x: x.squeeze(), (1, 3, 1, 4)),
    "squeeze_dim": (lambda lib, x: x.squeeze(2), (1, 3, 1, 4)),
    "squeeze_neg": (lambda lib, x: lib.squeeze(x, -4), (1, 3, 1, 4)),
    "squeeze_non1": (lambda lib, x: x.squeeze(1), (1, 3, 1, 4)),
    "squeeze_tuple": (lambda lib, x: x.squeeze((0, 1, -2)), (1, 3, 1, 4)),
    "squeeze_0d": (lambda lib, x: (x.squeeze(), x.squeeze(0), x.squeeze(-1)), ()),
    "squeeze_all_ones": (lambda lib, x: x.squeeze(), (1, 1)),
    "squeeze_empty": (lambda lib, x: x.squeeze(), (0, 1, 2)),
    "unsqueeze": (lambda lib, x: x.unsqueeze(0), (3, 4)),
    "unsqueeze_end": (lambda lib, x: lib.unsqueeze(x, 2), (3, 4)),
    "unsqueeze_neg": (lambda lib, x: x.unsqueeze(-1), (3, 4)),
    "unsqueeze_neg_first": (lambda lib, x: x.unsqueeze(-3), (3, 4)),
    "unsqueeze_0d": (lambda lib, x: (x.unsqueeze(0), x.unsqueeze(-1)), ()),
    "flatten": (lambda lib, x: x.flatten(), (2, 3, 4)),
    "flatten_start": (lambda lib, x: lib.flatten(x, 1), (2, 3, 4)),
    "flatten_range_neg": (lambda lib, x: x.flatten(-3, -2), (2, 3, 4, 5)),
    "flatten_same": (lambda lib, x: x.flatten(1, 1), (2, 3, 4)),
    "flatten_0d": (lambda lib, x: x.flatten(), ()),
    "flatten_empty": (lambda lib, x: x.flatten(0, 1), (2, 0, 3)),
    "flatten_noncontig": (lambda lib, x: x.t().flatten(), (3, 4)),
    "unflatten": (lambda lib, x: x.unflatten(1, (2, 2)), (3, 4, 2)),
    "unflatten_infer": (lambda lib, x: lib.unflatten(x, -1, (3, -1)), (2, 6)),
    "unflatten_list": (lambda lib, x: x.unflatten(0, [1, 2, 1]), (2, 3)),
    "expand": (lambda lib, x: x.expand(3, 4), (3, 1)),
    "expand_keep": (lambda lib, x: x.expand(-1, 4), (3, 1)),
    "expand_lead": (lambda lib, x: x.expand(2, 3, 4), (4,)),
    "expand_tuple": (lambda lib, x: x.expand((2, 3, 4)), (1, 4)),
    "expand_same": (lambda lib, x: x.expand(3, 4), (3, 4)),
    "expand_0d": (lambda lib, x: x.expand(2, 3), ()),
    "expand_to_empty": (lambda lib, x: x.expand(0, 3), (1, 3)),
    "expand_as": (lambda lib, x, y: x.expand_as(y) * y, (1, 4), (3, 4)),
    "broadcast_to": (lambda lib, x: lib.broadcast_to(x, (2, 3, 4)), (3, 1)),
    "broadcast_to_method": (lambda lib, x: x.broadcast_to([5, 2]), (2,)),
    "broadcast_tensors": (lambda lib, x, y, z: lib.broadcast_tensors(x, y, z),
                          (3, 1), (4,), ()),
    "repeat": (lambda lib, x: x.repeat(2, 3), (2, 3)),
    "repeat_lead": (lambda lib, x: x.repeat(2, 1, 3), (2, 3)),
    "repeat_tuple": (lambda lib, x: x.repeat((3,)), (4,)),
    "repeat_zero": (lambda lib, x: x.repeat(0, 2), (2, 3)),
    "repeat_0d": (lambda lib, x: x.repeat(3, 2), ()),
    "repeat_empty": (lambda lib, x: x.repeat(2, 2), (0, 3)),
    "tile": (lambda lib, x: x.tile((2,)), (2, 3)),
    "tile_fn_longer": (lambda lib, x: lib.tile(x, (2, 1, 2)), (2, 3)),
    "tile_list": (lambda lib, x: x.tile([2, 2]), (3,)),
    "repeat_interleave": (lambda lib, x: x.repeat_interleave(2), (2, 3)),
    "repeat_interleave_dim": (lambda lib, x: lib.repeat_interleave(x, 3, dim=1), (2, 3)),
    "repeat_interleave_neg": (lambda lib, x: x.repeat_interleave(2, -2), (2, 3)),
    "repeat_interleave_tensor": (lambda lib, x: x.repeat_interleave(
        lib.tensor([1, 0, 3]), dim=1), (2, 3)),
    "repeat_interleave_tensor_flat": (lambda lib, x: x.repeat_interleave(
        lib.tensor([2, 1, 0, 1])), (2, 2)),
    "repeat_interleave_0d_rep": (lambda lib, x: x.repeat_interleave(lib.tensor(2), 0),
                                 (3,)),
    "repeat_interleave_output_size": (lambda lib, x: x.repeat_interleave(
        2, 0, output_size=6), (3,)),
    "repeat_interleave_0d": (lambda lib, x: x.repeat_interleave(3), ()),
    "narrow": (lambda lib, x: x.narrow(1, 1, 2), (2, 3, 4)),
    "narrow_neg": (lambda lib, x: lib.narrow(x, -1, -3, 2), (2, 3, 4)),
    "narrow_empty": (lambda lib, x: x.narrow(0, 2, 0), (2, 3)),
    "narrow_tensor_start": (lambda lib, x: x.narrow(0, lib.tensor(1), 2), (4, 3)),
    "select": (lambda lib, x: x.select(1, 2), (2, 3, 4)),
    "select_neg": (lambda lib, x: lib.select(x, -1, -1), (2, 3, 4)),
    "flip": (lambda lib, x: x.flip(0), (2, 3, 4)),
    "flip_many": (lambda lib, x: lib.flip(x, (0, -1)), (2, 3, 4)),
    "flip_list": (lambda lib, x: x.flip([1, 2]), (2, 3, 4)),
    "flip_varargs": (lambda lib, x: x.flip(0, 1), (2, 3)),
    "flip_none": (lambda lib, x: x.flip(()), (2, 3)),
    "flip_0d": (lambda lib, x: x.flip(0), ()),
    "fliplr": (lambda lib, x: x.fliplr(), (2, 3, 4)),
    "flipud": (lambda lib, x: lib.flipud(x), (3,)),
    "roll": (lambda lib, x: x.roll(1, 0), (3, 4)),
    "roll_flat": (lambda lib, x: x.roll(5), (3, 4)),
    "roll_flat_tuple": (lambda lib, x: lib.roll(x, (-2,)), (3, 4)),
    "roll_many": (lambda lib, x: x.roll((1, -3), (-1, 0)), (3, 4)),
    "roll_dims_kw": (lambda lib, x: lib.roll(x, shifts=7, dims=1), (3, 4)),
    "roll_same_dim_twice": (lambda lib, x: x.roll((1, 1), (0, 0)), (3, 4)),
    "roll_0d": (lambda lib, x: x.roll(1), ()),
    "roll_empty": (lambda lib, x: x.roll(1, 0), (0, 2)),
    "tril": (lambda lib, x: x.tril(), (3, 4)),
    "tril_diag": (lambda lib, x: lib.tril(x, 1), (4, 3)),
    "tril_neg_diag": (lambda lib, x: x.tril(-2), (2, 4, 4)),
    "tril_kw": (lambda lib, x: x.tril(diagonal=5), (3, 4)),
    "triu": (lambda lib, x: x.triu(), (3, 4)),
    "triu_diag": (lambda lib, x: lib.triu(x, 2), (2, 3, 4)),
    "triu_neg": (lambda lib, x: x.triu(-1), (4, 3)),
    "triu_empty": (lambda lib, x: x.triu(), (0, 3)),
}


@pytest.mark.parametrize("name", sorted(SHAPE))
def test_shape_ops(name):
    fn, *specs = SHAPE[name]
    check(fn, *specs)


@pytest.mark.parametrize("name", sorted(SHAPE))
def test_shape_ops_second_order(name):
    fn, *specs = SHAPE[name]
    check(squared(fn), *specs, second_order=True)


@pytest.mark.parametrize("name", ["reshape_noncontig", "permute", "movedim_tuple", "squeeze",
                                  "expand_lead", "repeat_lead", "repeat_interleave_tensor",
                                  "flip_many", "roll_many", "tril_neg_diag", "narrow_neg"])
def test_shape_ops_float64(name):
    fn, *specs = SHAPE[name]
    check(squared(fn), *specs, dtype=np.float64, atol=1e-12, rtol=1e-12, second_order=True)


INT_OPS = [
    lambda lib, x: x.reshape(6, 4), lambda lib, x: x.view(-1), lambda lib, x: x.permute(2, 1, 0),
    lambda lib, x: x.transpose(0, 1), lambda lib, x: x.mT, lambda lib, x: x.unsqueeze(1),
    lambda lib, x: x[:1].squeeze(0), lambda lib, x: x.flatten(1), lambda lib, x: x.unflatten(
        2, (2, 2)), lambda lib, x: x[:, :1].expand(2, 5, 4), lambda lib, x: x.repeat(1, 2, 1),
    lambda lib, x: x.tile((2,)), lambda lib, x: x.repeat_interleave(2, 1),
    lambda lib, x: lib.cat([x, x], 1), lambda lib, x: lib.stack([x, x], -1),
    lambda lib, x: lib.hstack([x, x]), lambda lib, x: lib.vstack([x, x]),
    lambda lib, x: lib.dstack([x, x]), lambda lib, x: x.split(2, -1), lambda lib, x: x.chunk(2, 1),
    lambda lib, x: x.unbind(1), lambda lib, x: x.narrow(2, 1, 2), lambda lib, x: x.select(0, 1),
    lambda lib, x: x.flip(1), lambda lib, x: x.roll(1, 2), lambda lib, x: x.tril(),
    lambda lib, x: x.triu(1), lambda lib, x: x.movedim(0, -1), lambda lib, x: x.fliplr(),
    lambda lib, x: lib.atleast_3d(x[0, 0]), lambda lib, x: lib.broadcast_tensors(x, x[0]),
]


@pytest.mark.parametrize("fn", INT_OPS, ids=lambda f: "")
@pytest.mark.parametrize("data", [INTS, BOOLS, INTS.astype(np.int32), INTS.astype(np.uint8)],
                         ids=["int64", "bool", "int32", "uint8"])
def test_shape_ops_keep_integer_and_bool_dtypes(fn, data):
    check(fn, data)


# ----- view(dtype) -----------------------------------------------------------------------

@pytest.mark.parametrize("fn,data", [
    (lambda lib, x: x.view(lib.int32), np.linspace(-2, 2, 6, dtype=np.float32).reshape(2, 3)),
    (lambda lib, x: x.view(lib.float32), np.arange(6, dtype=np.int32)),
    (lambda lib, x: x.view(lib.uint8), np.array([True, False, True])),
    (lambda lib, x: x.view(lib.int16), np.linspace(-2, 2, 6, dtype=np.float32).reshape(2, 3)),
    (lambda lib, x: x.view(lib.int64), np.arange(8, dtype=np.int32).reshape(2, 4)),
    (lambda lib, x: x.view(lib.float64), np.arange(8, dtype=np.float32).reshape(4, 2)),
    (lambda lib, x: x.view(lib.uint8), np.arange(6, dtype=np.int16).reshape(3, 2)),
    (lambda lib, x: x.view(lib.int8), np.array(3, dtype=np.int8)),
    (lambda lib, x: x.view(dtype=lib.int32), np.zeros((2, 2), dtype=np.float32)),
], ids=lambda a: "")
def test_view_dtype(fn, data):
    check(fn, data)


@pytest.mark.parametrize("fn,data,match", [
    (lambda lib, x: x.view(lib.float64), np.zeros((2, 3), np.float32), "divisible by 2"),
    (lambda lib, x: x.view(lib.int64), np.zeros((), np.int32), "dim() cannot be 0"),
    (lambda lib, x: x.view(lib.int16), np.zeros((), np.float32), "dim() cannot be 0"),
    (lambda lib, x: x.t().view(lib.int16), np.zeros((2, 3), np.float32), "stride"),
], ids=["not_divisible", "0d_bigger", "0d_smaller", "noncontig"])
def test_view_dtype_errors(fn, data, match):
    check_error(fn, data, match=match)


def test_view_dtype_shares_memory():
    for lib in (torch, shendu):
        x = lib.zeros(2, 3)
        v = x.view(lib.int32)
        v[0, 0] = 1065353216            # the bits of 1.0
        assert x[0, 0].item() == 1.0 and x._version == v._version == 1


# ----- cat, stack, hstack, vstack, dstack, atleast_* -------------------------------------

JOIN = {
    "cat": (lambda lib, x, y: lib.cat([x, y]), (2, 3), (4, 3)),
    "cat_dim": (lambda lib, x, y: lib.cat((x, y), 1), (2, 3), (2, 1)),
    "cat_neg": (lambda lib, x, y, z: lib.cat([x, y, z], dim=-1), (2, 3), (2, 1), (2, 2)),
    "concat": (lambda lib, x, y: lib.concat([x, y], -2), (2, 3), (1, 3)),
    "concatenate": (lambda lib, x, y: lib.concatenate([x, y], axis=0), (2, 3), (1, 3)),
    "cat_same_twice": (lambda lib, x: lib.cat([x, x * 2, x], 1), (2, 3)),
    "cat_single": (lambda lib, x: lib.cat([x]), (2, 3)),
    "cat_legacy_empty": (lambda lib, x, y: lib.cat([y, x, y], 1), (2, 3), (0,)),
    "cat_all_legacy_empty": (lambda lib, x, y: lib.cat([x, y]), (0,), (0,)),
    "cat_empty_2d": (lambda lib, x, y: lib.cat([x, y]), (0, 3), (2, 3)),
    "cat_f64": (lambda lib, x, y: lib.cat([x, y.double()]), (2, 3), (1, 3)),
    "cat_int_float": (lambda lib, x, y: lib.cat([x, y]), INTS[0], (1, 4)),
    "cat_bool_int": (lambda lib, x, y: lib.cat([x, y]), BOOLS[0], INTS[0]),
    "cat_bool_bool": (lambda lib, x, y: lib.cat([x, y], 1), BOOLS[0], BOOLS[1]),
    "cat_uint8_int8": (lambda lib, x, y: lib.cat([x, y]), INTS[0].astype(np.uint8),
                       INTS[1].astype(np.int8)),
    "stack": (lambda lib, x, y: lib.stack([x, y]), (2, 3), (2, 3)),
    "stack_dim": (lambda lib, x, y: lib.stack((x, y), 1), (2, 3), (2, 3)),
    "stack_end": (lambda lib, x, y: lib.stack([x, y], 2), (2, 3), (2, 3)),
    "stack_neg": (lambda lib, x, y: lib.stack([x, y], dim=-1), (2, 3), (2, 3)),
    "stack_same_twice": (lambda lib, x: lib.stack([x, x]), (3,)),
    "stack_0d": (lambda lib, x, y: lib.stack([x, y]), (), ()),
    "stack_empty": (lambda lib, x, y: lib.stack([x, y], 1), (0, 2), (0, 2)),
    "stack_promote": (lambda lib, x, y: lib.stack([x, y]), INTS[0], (3, 4)),
    "hstack_1d": (lambda lib, x, y: lib.hstack([x, y]), (2,), (3,)),
    "hstack_2d": (lambda lib, x, y: lib.hstack((x, y)), (2, 3), (2, 1)),
    "hstack_0d": (lambda lib, x, y: lib.hstack([x, y]), (), (2,)),
    "vstack_1d": (lambda lib, x, y: lib.vstack([x, y]), (3,), (3,)),
    "vstack_2d": (lambda lib, x, y: lib.vstack([x, y]), (1, 3), (3,)),
    "vstack_0d": (lambda lib, x, y: lib.vstack([x, y]), (), ()),
    "dstack_1d": (lambda lib, x, y: lib.dstack([x, y]), (3,), (3,)),
    "dstack_2d": (lambda lib, x, y: lib.dstack([x, y]), (2, 3), (2, 3)),
    "dstack_0d": (lambda lib, x, y: lib.dstack([x, y]), (), ()),
    "dstack_3d": (lambda lib, x, y: lib.dstack([x, y]), (2, 3, 1), (2, 3)),
    "atleast_1d": (lambda lib, x: lib.atleast_1d(x), ()),
    "atleast_1d_keep": (lambda lib, x: lib.atleast_1d(x), (2, 3)),
    "atleast_1d_many": (lambda lib, x, y: lib.atleast_1d(x, y), (), (2,)),
    "atleast_1d_list": (lambda lib, x, y: lib.atleast_1d([x, y]), (), (2,)),
    "atleast_1d_list_one": (lambda lib, x: lib.atleast_1d([x]), ()),
    "atleast_2d_0d": (lambda lib, x: lib.atleast_2d(x), ()),
    "atleast_2d_1d": (lambda lib, x: lib.atleast_2d(x), (3,)),
    "atleast_2d_3d": (lambda lib, x: lib.atleast_2d(x), (2, 3, 4)),
    "atleast_2d_many": (lambda lib, x, y: lib.atleast_2d((x, y)), (3,), (2, 2)),
    "atleast_3d_0d": (lambda lib, x: lib.atleast_3d(x), ()),
    "atleast_3d_1d": (lambda lib, x: lib.atleast_3d(x), (3,)),
    "atleast_3d_2d": (lambda lib, x: lib.atleast_3d(x), (2, 3)),
    "atleast_3d_4d": (lambda lib, x: lib.atleast_3d(x), (1, 2, 3, 4)),
    "atleast_3d_many": (lambda lib, x, y, z: lib.atleast_3d(x, y, z), (), (2,), (2, 3)),
}


@pytest.mark.parametrize("name", sorted(JOIN))
def test_join(name):
    fn, *specs = JOIN[name]
    check(fn, *specs)
    if all(not isinstance(s, np.ndarray) for s in specs):
        check(squared(fn), *specs, second_order=True)


@pytest.mark.parametrize("name", ["cat_neg", "stack_dim", "dstack_1d", "cat_same_twice"])
def test_join_float64(name):
    fn, *specs = JOIN[name]
    check(squared(fn), *specs, dtype=np.float64, atol=1e-12, rtol=1e-12, second_order=True)


def test_cat_gradient_to_mixed_dtypes():
    """The gradient of a promoted input comes back in the input's own dtype."""
    def fn(lib, x, y):
        return lib.cat([x, y.double()]) * 3
    check(fn, (2, 3), (1, 3))
    check(lambda lib, x, y: lib.cat([x, y.double()]) ** 2, (2, 3), (1, 3), second_order=True)


# ----- split, chunk, unbind --------------------------------------------------------------

SPLIT = {
    "split": (lambda lib, x: x.split(2), (5, 3)),
    "split_dim": (lambda lib, x: lib.split(x, 2, dim=1), (2, 5)),
    "split_neg": (lambda lib, x: x.split(1, -1), (2, 3)),
    "split_big": (lambda lib, x: x.split(10), (5, 3)),
    "split_sizes": (lambda lib, x: x.split([1, 3, 1]), (5, 3)),
    "split_sizes_tuple": (lambda lib, x: lib.split(x, (2, 0, 1), 1), (2, 3)),
    "split_with_sizes_kw": (lambda lib, x: x.split(split_size=2, dim=0), (3,)),
    "split_empty": (lambda lib, x: x.split(2, 1), (3, 0)),
    "split_empty_zero": (lambda lib, x: x.split(0, 1), (3, 0)),
    "chunk": (lambda lib, x: x.chunk(2), (5, 3)),
    "chunk_dim": (lambda lib, x: lib.chunk(x, 3, 1), (2, 7)),
    "chunk_neg_fewer": (lambda lib, x: x.chunk(4, -1), (2, 6)),
    "chunk_more": (lambda lib, x: x.chunk(8), (3,)),
    "chunk_exact": (lambda lib, x: x.chunk(3, 0), (6, 2)),
    "chunk_empty": (lambda lib, x: x.chunk(3), (0, 2)),
    "unbind": (lambda lib, x: x.unbind(), (3, 2)),
    "unbind_dim": (lambda lib, x: lib.unbind(x, 1), (3, 2)),
    "unbind_neg": (lambda lib, x: x.unbind(-1), (2, 3, 4)),
    "unbind_empty_dim": (lambda lib, x: x.unbind(1), (2, 0)),
    "unbind_of_empty": (lambda lib, x: x.unbind(0), (3, 0)),
}


@pytest.mark.parametrize("name", sorted(SPLIT))
def test_split_chunk_unbind(name):
    fn, *specs = SPLIT[name]
    check(fn, *specs)
    check(squared(fn), *specs, second_order=True)


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.split(2)[0],
    lambda lib, x: x.split([1, 4])[1] * 2,
    lambda lib, x: x.chunk(3)[1] + x.chunk(3)[2].sum(),
    lambda lib, x: x.unbind(1)[2],
    lambda lib, x: (x.unbind()[0] * x.unbind()[4]).sum(),
], ids=lambda f: "")
def test_split_unused_pieces_get_zero_gradient(fn):
    check(fn, (5, 3))
    check(squared(fn), (5, 3), second_order=True, dtype=np.float64, atol=1e-12, rtol=1e-12)


# ----- views and copies ------------------------------------------------------------------

VIEWS = {
    "reshape": lambda x: x.reshape(4, 6),
    "view": lambda x: x.view(-1),
    "view_as": lambda x: x.view_as(x.reshape(6, 4)),
    "permute": lambda x: x.permute(2, 0, 1),
    "transpose": lambda x: x.transpose(0, 1),
    "swapaxes": lambda x: x.swapaxes(-1, 0),
    "t": lambda x: x[0].t(),
    "mT": lambda x: x.mT,
    "movedim": lambda x: x.movedim(0, -1),
    "squeeze": lambda x: x[:1].squeeze(0),
    "squeeze_none": lambda x: x[:1].squeeze(),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "flatten": lambda x: x.flatten(),
    "unflatten": lambda x: x.unflatten(2, (2, 2)),
    "expand": lambda x: x[:, :1].expand(2, 3, 4),
    "narrow": lambda x: x.narrow(2, 1, 2),
    "select": lambda x: x.select(1, -1),
    "split": lambda x: x.split(1)[1],
    "chunk": lambda x: x.chunk(2, 2)[0],
    "unbind": lambda x: x.unbind(2)[3],
    "basic_index": lambda x: x[1, ::2, None, 1:],
    "ellipsis": lambda x: x[..., 1],
    "flatten_same": lambda x: x.flatten(1, 1),
    "atleast_3d": lambda x: torch_or(x).atleast_3d(x[0, 0]),
    "detach": lambda x: x.detach(),
}


def _make(lib):
    return lib.arange(24, dtype=lib.float32).reshape(2, 3, 4)


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_views_share_memory_and_version(name):
    """A change through the view is seen in the base and a change of the base in the view;
    both count one version."""
    fn = VIEWS[name]
    results = []
    for lib in (torch, shendu):
        x = _make(lib)
        v = fn(x)
        if name == "expand":
            x[0, 1, 0] = -5.0        # an expanded view can't be written to, but sees the base
            results.append((v.tolist(), x._version, v._version))
            continue
        v.mul_(10)
        results.append((x.tolist(), v.tolist(), x._version, v._version))
        x.add_(1)
        results.append((x.tolist(), v.tolist(), x._version, v._version))
    n = len(results) // 2
    assert results[:n] == results[n:]


COPIES = {
    "flip": lambda x: x.flip(0),
    "fliplr": lambda x: x.fliplr(),
    "roll": lambda x: x.roll(1, 0),
    "repeat": lambda x: x.repeat(1, 1, 1),
    "tile": lambda x: x.tile((1,)),
    "cat": lambda x: torch_or(x).cat([x]),
    "stack": lambda x: torch_or(x).stack([x]),
    "tril": lambda x: x.tril(5),
    "int_array_index": lambda x: x[[0, 1]],
    "bool_mask_index": lambda x: x[x > -1],
    "mixed_index": lambda x: x[:, [0, 1, 2]],
    "reshape_noncontig": lambda x: x.transpose(0, 2).reshape(-1),
    "flatten_noncontig": lambda x: x.transpose(0, 2).flatten(),
    "index_select": lambda x: x.index_select(0, torch_or(x).tensor([0, 1])),
    "repeat_interleave": lambda x: x.repeat_interleave(1, 0),
    "clone": lambda x: x.clone(),
}


def torch_or(x):
    return torch if isinstance(x, torch.Tensor) else shendu


@pytest.mark.parametrize("name", sorted(COPIES))
def test_copies_do_not_share_memory(name):
    fn = COPIES[name]
    for lib in (torch, shendu):
        x = _make(lib)
        c = fn(x)
        before = x.tolist()
        c.mul_(10)
        assert x.tolist() == before and x._version == 0, lib.__name__
        x.add_(1)
        assert c._version == 1, lib.__name__


def test_reshape_of_a_view_is_a_view_of_the_same_base():
    for lib in (torch, shendu):
        x = _make(lib)
        v = x[1].reshape(-1).unsqueeze(0)
        v[0, 0] = 100.0
        assert x[1, 0, 0].item() == 100.0 and x._version == 1
        assert v._base is (x if x._base is None else x._base)


def test_contiguous_copies_only_when_needed():
    for lib in (torch, shendu):
        x = _make(lib)
        assert x.contiguous() is x
        c = x.transpose(0, 1).contiguous()
        c[0, 0, 0] = 7.0
        assert x[0, 0, 0].item() == 0.0 and c.is_contiguous()


def test_view_of_noncontiguous_that_is_compatible():
    check(lambda lib, x: x[:, 1:3].view(2, 2, 2, 2), (2, 4, 4))
    check(lambda lib, x: x.transpose(0, 1).view(3, 2, 4, 2), (2, 3, 8))


@pytest.mark.parametrize("name,fn", [
    ("reshape", lambda lib, x: x.reshape(3, 1)), ("cat", lambda lib, x: lib.cat([x, x])),
    ("flip", lambda lib, x: x.flip(0)), ("repeat", lambda lib, x: x.repeat(2)),
    ("split", lambda lib, x: x.split(2)[1]), ("roll", lambda lib, x: x.roll(1)),
    ("pad", lambda lib, x: lib.nn.functional.pad(x, (1, 1))),
    ("pad_reflect", lambda lib, x: lib.nn.functional.pad(x[None], (1, 1), "reflect")),
    ("repeat_interleave", lambda lib, x: x.repeat_interleave(2)),
], ids=lambda a: a if isinstance(a, str) else "")
def test_second_backward(name, fn):
    """Shape ops save no values, so a second backward works; those that read the input at
    computed positions (reflect padding, repeat_interleave) free them and raise, as PyTorch."""
    results = []
    for lib in (torch, shendu):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = fn(lib, x).sum()
        y.backward()
        try:
            y.backward()
            results.append(x.grad.tolist())
        except RuntimeError as e:
            assert "second time" in str(e)
            results.append("raises")
    assert results[0] == results[1]


# ----- errors ----------------------------------------------------------------------------

ERRORS = [
    (lambda lib, x: x.reshape(4, 5), (2, 3), "invalid for input of size 6"),
    (lambda lib, x: x.reshape(-1, -1), (2, 3), "only one dimension can be inferred"),
    (lambda lib, x: x.reshape(-2, 3), (2, 3), "invalid shape dimension -2"),
    (lambda lib, x: x.reshape(-1, 0), (0, 3), "ambiguous"),
    (lambda lib, x: x.view(5), (2, 3), "invalid for input of size 6"),
    (lambda lib, x: x.t().view(6), (2, 3), "view size is not compatible"),
    (lambda lib, x: x.transpose(0, 1).view(-1), (2, 3, 4), "Use .reshape"),
    (lambda lib, x: x.permute(0), (2, 3), "number of dims don't match"),
    (lambda lib, x: x.permute(0, 0), (2, 3), "duplicate dims"),
    (lambda lib, x: x.permute(0, 2), (2, 3), "Dimension out of range"),
    (lambda lib, x: x.transpose(0, 2), (2, 3), "Dimension out of range"),
    (lambda lib, x: x.transpose(-3, 0), (2, 3), "[-2, 1]"),
    (lambda lib, x: x.t(), (2, 3, 4), "t() expects a tensor with <= 2 dimensions"),
    (lambda lib, x: x.mT, (3,), "2 or more dimensions"),
    (lambda lib, x: x.movedim((0, 1), (1,)), (2, 3), "same number of dims"),
    (lambda lib, x: x.movedim((0, 0), (1, 0)), (2, 3), "repeated dim in `source`"),
    (lambda lib, x: x.movedim((0, 1), (1, 1)), (2, 3), "repeated dim in `destination`"),
    (lambda lib, x: x.movedim(2, 0), (2, 3), "Dimension out of range"),
    (lambda lib, x: x.squeeze(2), (2, 3), "Dimension out of range"),
    (lambda lib, x: x.squeeze((0, 0)), (1, 3), "appears multiple times"),
    (lambda lib, x: x.squeeze(1), (), "Dimension out of range"),
    (lambda lib, x: x.unsqueeze(3), (2, 3), "[-3, 2]"),
    (lambda lib, x: x.unsqueeze(-2), (), "[-1, 0]"),
    (lambda lib, x: x.flatten(1, 0), (2, 3), "start_dim cannot come after end_dim"),
    (lambda lib, x: x.flatten(0, 3), (2, 3), "Dimension out of range"),
    (lambda lib, x: x.unflatten(1, (2, 2)), (2, 3), "don't multiply up to the size of dim 1"),
    (lambda lib, x: x.unflatten(1, ()), (2, 3), "sizes must be non-empty"),
    (lambda lib, x: x.unflatten(1, (-1, -1)), (2, 3), "only one dimension can be inferred"),
    (lambda lib, x: x.expand(3), (2, 3), "number of sizes provided (1)"),
    (lambda lib, x: x.expand(2, 4), (2, 3), "expanded size of the tensor (4) must match the "
                                            "existing size (3) at non-singleton dimension 1"),
    (lambda lib, x: x.expand(-1, 2, 3), (2, 3), "non-existing dimension 0"),
    (lambda lib, x: x.expand_as(lib.zeros(3, 3)), (2, 3), "existing size (2)"),
    (lambda lib, x, y: lib.broadcast_tensors(x, y), (2, 3), (2,),
     "size of tensor a (3) must match the size of tensor b (2)"),
    (lambda lib, x: lib.broadcast_to(x, (4,)), (3,), "existing size (3)"),
    (lambda lib, x: x.repeat(2), (2, 3), "can not be smaller than number of dimensions"),
    (lambda lib, x: x.repeat(-1, 2), (2, 3), "negative"),
    (lambda lib, x: x.repeat_interleave(lib.tensor([1, 2]), 1), (2, 3),
     "repeats must have the same size as input along dim"),
    (lambda lib, x: x.repeat_interleave(lib.tensor([1, -1, 2]), 1), (2, 3), "negative"),
    (lambda lib, x: x.repeat_interleave(-1, 1), (2, 3), "non-negative"),
    (lambda lib, x: x.repeat_interleave(lib.tensor([[1]]), 1), (2, 1), "0-dim or 1-dim"),
    (lambda lib, x: x.repeat_interleave(lib.tensor([1.5]), 1), (2, 1), "int"),
    (lambda lib, x: x.repeat_interleave(2, 0, output_size=5), (3,), "output_size"),
    (lambda lib, x: x.repeat_interleave(2, 2), (2, 3), "Dimension out of range"),
    (lambda lib, x: x.narrow(0, 3, 3), (5,), "start (3) + length (3) exceeds dimension size (5)"),
    (lambda lib, x: x.narrow(0, -6, 1), (5,), "start out of range"),
    (lambda lib, x: x.narrow(0, 6, 0), (5,), "start out of range"),
    (lambda lib, x: x.narrow(0, 0, -1), (5,), "narrow(): length must be non-negative"),
    (lambda lib, x: x.narrow(0, 0, 1), (), "narrow() cannot be applied to a 0-dim tensor"),
    (lambda lib, x: x.narrow(2, 0, 1), (2, 3), "Dimension out of range"),
    (lambda lib, x: x.select(0, 5), (5,), "index 5 out of range for tensor of size [5] at "
                                          "dimension 0"),
    (lambda lib, x: x.select(1, -4), (2, 3), "index -4 out of range"),
    (lambda lib, x: x.select(0, 0), (), "select() cannot be applied to a 0-dim tensor"),
    (lambda lib, x: x.flip(0, 0), (3,), "appears multiple times"),
    (lambda lib, x: x.flip(1), (3,), "Dimension out of range"),
    (lambda lib, x: x.fliplr(), (3,), "Input must be >= 2-d"),
    (lambda lib, x: x.flipud(), (), "Input must be >= 1-d"),
    (lambda lib, x: x.roll(1, 1), (3,), "Dimension out of range"),
    (lambda lib, x: x.roll((1, 2), 0), (3,), "shifts and dimensions must align"),
    (lambda lib, x: x.roll((1, 2)), (3,), "shifts and dimensions must align"),
    (lambda lib, x: x.tril(), (3,), "at least 2 dimensions"),
    (lambda lib, x: x.triu(1), (), "at least 2 dimensions"),
    (lambda lib: lib.cat([]), None, "expected a non-empty list of Tensors"),
    (lambda lib, x, y: lib.cat([x, y]), (2, 3), (3,), "same number of dimensions: got 2 and 1"),
    (lambda lib, x, y: lib.cat([x, y], 1), (2, 3), (3, 3),
     "Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for "
     "tensor number 1"),
    (lambda lib, x, y: lib.cat([x, y], 2), (2, 3), (2, 3), "Dimension out of range"),
    (lambda lib, x, y: lib.cat([x, y]), (), (), "zero-dimensional tensor (at position 0)"),
    (lambda lib, x, y: lib.cat([y, x]), (), (2,), "zero-dimensional tensor (at position 1)"),
    (lambda lib, x: lib.cat(x), (2, 3), "must be tuple of Tensors, not Tensor"),
    (lambda lib, x: lib.cat(t for t in [x]), (2, 3), "must be tuple of Tensors, not generator"),
    (lambda lib, x: lib.stack(x), (2, 3), "must be tuple of Tensors, not Tensor"),
    (lambda lib, x: lib.cat([x, 1]), (2, 3), "Tensor"),
    (lambda lib: lib.stack([]), None, "non-empty"),
    (lambda lib, x, y: lib.stack([x, y]), (2,), (3,), "stack expects each tensor to be equal "
                                                      "size, but got [2] at entry 0 and [3] at "
                                                      "entry 1"),
    (lambda lib, x, y: lib.stack([x, y], 2), (2,), (2,), "Dimension out of range"),
    (lambda lib, x, y: lib.hstack([x, y]), (2, 3), (3, 3), "Sizes of tensors must match"),
    (lambda lib: lib.hstack([]), None, "non-empty"),
    (lambda lib, x: x.split(0), (5,), "split_size can only be 0 if dimension size is 0"),
    (lambda lib, x: x.split(-1), (5,), "non-negative"),
    (lambda lib, x: x.split([2, 2]), (5,), "split_sizes to sum exactly to 5"),
    (lambda lib, x: x.split([6, -1]), (5,), "non-negative"),
    (lambda lib, x: x.split(1, 1), (5,), "Dimension out of range"),
    (lambda lib, x: x.split(1), (), "at least a 1-dimensional tensor"),
    (lambda lib, x: x.chunk(0), (5,), "chunk expects `chunks` to be greater than 0, got: 0"),
    (lambda lib, x: x.chunk(1), (), "at least a 1-dimensional tensor"),
    (lambda lib, x: x.unbind(2), (2, 3), "Dimension out of range"),
    (lambda lib, x: x.unbind(), (), "tensor has no dimensions"),
    (lambda lib: lib.broadcast_shapes((2, 3), (3, 2)), None, "broadcast"),
]


@pytest.mark.parametrize("fn,specs,match", [(f, s, m) for f, *s, m in ERRORS],
                         ids=[m[:40] for *_, m in ERRORS])
def test_shape_errors(fn, specs, match):
    specs = [s for s in specs if s is not None]
    check_error(fn, *specs, match=match)


@pytest.mark.parametrize("spec", [(), (3,), (2, 3, 4)])
def test_T_reverses_all_dims_with_a_warning_unless_2d(spec):
    with pytest.warns(UserWarning, match="deprecated"):
        check(lambda lib, x: x.T, spec)
    check(lambda lib, x: x.T * 2, (2, 3))


def test_broadcast_shapes():
    for shapes in [((2, 3), (3,)), ((1,), (4, 1), ()), ((2, 1, 3), 3, [5, 1]), (4,),
                   ((0, 1), (1, 3)), ()]:
        t = torch.broadcast_shapes(*shapes)
        s = shendu.broadcast_shapes(*shapes)
        assert type(s).__name__ == "Size" and tuple(s) == tuple(t)


def test_shape_arguments_accept_size_and_tensors():
    check(lambda lib, x: x.reshape(lib.Size([4, 6])).view(x.size()), (2, 3, 4))
    check(lambda lib, x: x.reshape(lib.tensor(12), 2), (2, 3, 4))
    check(lambda lib, x: x.expand(lib.Size([2, 3, 4])), (3, 1))
    check(lambda lib, x: x.permute(lib.Size([1, 0])), (2, 3))


# ----- pad -------------------------------------------------------------------------------

PAD = {
    "const_last": (lambda lib, x: lib.nn.functional.pad(x, (1, 2)), (2, 3)),
    "const_value": (lambda lib, x: lib.nn.functional.pad(x, [2, 0, 1, 1], value=-1.5), (2, 3)),
    "const_3dims": (lambda lib, x: lib.nn.functional.pad(x, (1, 0, 0, 2, 1, 1)), (2, 3, 4)),
    "const_all_dims": (lambda lib, x: lib.nn.functional.pad(x, (1, 1, 0, 1)), (3, 2)),
    "const_negative": (lambda lib, x: lib.nn.functional.pad(x, (-1, 2, 1, -2)), (4, 5)),
    "const_negative_all": (lambda lib, x: lib.nn.functional.pad(x, (-1, -1)), (3, 4)),
    "const_to_empty": (lambda lib, x: lib.nn.functional.pad(x, (-2, -2)), (3, 4)),
    "const_empty": (lambda lib, x: lib.nn.functional.pad(x, (1, 1)), (0, 2)),
    "const_empty_dim": (lambda lib, x: lib.nn.functional.pad(x, (0, 0, 1, 1)), (0, 2)),
    "const_zero": (lambda lib, x: lib.nn.functional.pad(x, (0, 0)), (2, 3)),
    "const_1d": (lambda lib, x: lib.nn.functional.pad(x, (3, 1), "constant", 2.0), (4,)),
    "const_explicit_mode": (lambda lib, x: lib.nn.functional.pad(x, (1, 1), mode="constant"),
                            (2, 2)),
    "reflect_1d": (lambda lib, x: lib.nn.functional.pad(x, (2, 1), "reflect"), (2, 3, 4)),
    "reflect_2d": (lambda lib, x: lib.nn.functional.pad(x, (1, 2, 2, 1), mode="reflect"),
                   (1, 2, 3, 4)),
    "reflect_3d": (lambda lib, x: lib.nn.functional.pad(x, (1, 1, 1, 0, 0, 1), "reflect"),
                   (1, 2, 2, 3, 3)),
    "reflect_2d_unbatched": (lambda lib, x: lib.nn.functional.pad(x, (1, 1), "reflect"),
                             (3, 4)),
    "replicate_1d": (lambda lib, x: lib.nn.functional.pad(x, (3, 1), "replicate"), (2, 3, 4)),
    "replicate_2d": (lambda lib, x: lib.nn.functional.pad(x, (2, 0, 1, 3), "replicate"),
                     (1, 2, 3, 4)),
    "replicate_3d": (lambda lib, x: lib.nn.functional.pad(x, (1, 2, 0, 1, 2, 0), "replicate"),
                     (1, 1, 2, 3, 2)),
    "circular_1d": (lambda lib, x: lib.nn.functional.pad(x, (2, 3), "circular"), (2, 3, 4)),
    "circular_2d": (lambda lib, x: lib.nn.functional.pad(x, (1, 1, 2, 0), "circular"),
                    (1, 2, 3, 4)),
    "circular_3d": (lambda lib, x: lib.nn.functional.pad(x, (1, 0, 0, 1, 1, 1), "circular"),
                    (1, 1, 2, 3, 2)),
    "circular_full": (lambda lib, x: lib.nn.functional.pad(x, (3, 3), "circular"), (1, 2, 3)),
    "circular_negative": (lambda lib, x: lib.nn.functional.pad(x, (-1, 2), "circular"),
                          (1, 2, 4)),
    "circular_crop_all": (lambda lib, x: lib.nn.functional.pad(x, (-1, -2), "circular"),
                          (1, 2, 3)),
    "circular_crop_and_wrap": (lambda lib, x: lib.nn.functional.pad(x, (2, -1, -2, 1),
                                                                    "circular"), (1, 4, 5)),
    "circular_empty_batch": (lambda lib, x: lib.nn.functional.pad(x, (1, 1), "circular"),
                             (0, 2, 3)),
    "reflect_negative": (lambda lib, x: lib.nn.functional.pad(x, (-1, 2, 1, -2), "reflect"),
                         (1, 4, 5)),
    "replicate_negative": (lambda lib, x: lib.nn.functional.pad(x, (2, -1), "replicate"),
                           (2, 4)),
    "replicate_empty_batch": (lambda lib, x: lib.nn.functional.pad(x, (1, 1), "replicate"),
                              (0, 2, 2)),
    "reflect_zero": (lambda lib, x: lib.nn.functional.pad(x, (0, 0), "reflect", value=0),
                     (2, 3)),
    "torch_pad_fn": (lambda lib, x: lib.nn.functional.pad(x, (1, 1), value=3), (2, 2)),
}


@pytest.mark.parametrize("name", sorted(PAD))
def test_pad(name):
    fn, *specs = PAD[name]
    check(fn, *specs)
    check(squared(fn), *specs, second_order=True)


@pytest.mark.parametrize("name", ["const_negative", "reflect_2d", "replicate_3d", "circular_2d"])
def test_pad_float64(name):
    fn, *specs = PAD[name]
    check(squared(fn), *specs, dtype=np.float64, atol=1e-12, rtol=1e-12, second_order=True)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("data", [INTS[:1], BOOLS[:1]], ids=["int64", "bool"])
def test_pad_integer_and_bool(mode, data):
    def fn(lib, x):
        return lib.nn.functional.pad(x, (1, 2), mode)
    try:
        fn(torch, torch.from_numpy(data.copy()))
    except (RuntimeError, NotImplementedError):
        check_error(fn, data)
        return
    check(fn, data)


PAD_ERRORS = [
    (lambda lib, x: lib.nn.functional.pad(x, (1,)), (2, 3), "Padding length must be divisible "
                                                            "by 2"),
    (lambda lib, x: lib.nn.functional.pad(x, (1, 1, 1, 1, 1, 1)), (2, 3),
     "Padding length should be less than or equal to two times the input dimension"),
    (lambda lib, x: lib.nn.functional.pad(x, (-3, -1)), (2, 3), "resulted in a negative output "
                                                               "size"),
    (lambda lib, x: lib.nn.functional.pad(x, (3, 0), "reflect"), (1, 2, 3),
     "Padding size should be less than the corresponding input dimension"),
    (lambda lib, x: lib.nn.functional.pad(x, (1, 1), "replicate"), (1, 2, 0),
     "other non-zero dimensions"),
    (lambda lib, x: lib.nn.functional.pad(x, (1, 1), "reflect"), (1, 0, 3),
     "other non-zero dimensions"),
    (lambda lib, x: lib.nn.functional.pad(x, (-4, 0), "circular"), (1, 2, 3),
     "Negative padding value is resulting in an empty dimension"),
    (lambda lib, x: lib.nn.functional.pad(x, (4, 0), "circular"), (1, 2, 3),
     "Padding value causes wrapping around more than once"),
    (lambda lib, x: lib.nn.functional.pad(x, (1, 1), "wrap"), (1, 2, 3),
     "Unrecognised padding mode wrap"),
    (lambda lib, x: lib.nn.functional.pad(x, (1, 1), "reflect", 1.0), (1, 2, 3),
     "doesn't take in value argument"),
    (lambda lib, x: lib.nn.functional.pad(x, (1, 1, 1, 1, 1, 1, 1, 1), "reflect"), (1, 2, 3, 4),
     "Padding size 8 is not supported for 4D input"),
    (lambda lib, x: lib.nn.functional.pad(x, (1, 1, 1, 1), "replicate"), (2, 3),
     "Padding size 4 is not supported for 2D input"),
    (lambda lib, x: lib.nn.functional.pad(x, (1, 1), "circular"), (3,),
     "Padding size 2 is not supported for 1D input"),
    (lambda lib, x: lib.nn.functional.pad(x, (1, 1), "reflect"), (1, 2, 3, 4, 5, 6),
     "Padding size 2 is not supported for 6D input"),
]


@pytest.mark.parametrize("fn,spec,match", PAD_ERRORS, ids=[m[:40] for *_, m in PAD_ERRORS])
def test_pad_errors(fn, spec, match):
    check_error(fn, spec, match=match)


# ----- drawn shapes ----------------------------------------------------------------------

@st.composite
def shape_and_dim(draw):
    shape = tuple(draw(st.lists(st.integers(0, 3), min_size=1, max_size=4)))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return shape, dim


@settings(max_examples=30, deadline=None)
@given(shape_and_dim(), st.integers(1, 3))
def test_drawn_shape_ops(case, k):
    shape, dim = case

    def fn(lib, x):
        n = x.shape[dim]
        parts = x.split(k, dim)
        return (x.flip(dim), x.roll(k, dim), x.unsqueeze(dim).squeeze(dim + (dim >= 0)),
                x.movedim(dim, 0), x.transpose(dim, -1), x.flatten(min(dim % x.dim(), 0)),
                lib.cat(parts[::-1], dim), lib.stack(parts[:1] * 2, dim), x.chunk(k, dim),
                x.repeat_interleave(k, dim), x.narrow(dim, n // 2, n - n // 2),
                x.repeat(*([1] * (x.dim() - 1)), k), x.unbind(dim))
    check(fn, shape, seed=k)
