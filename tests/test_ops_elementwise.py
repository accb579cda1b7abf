"""Element-wise ops against PyTorch: arithmetic (add … lerp, Python operators), pointwise math
(exp … nan_to_num) and comparisons/logic (eq … equal).

Each case is one expression run on shendu and on torch (``helpers.check``): values, result
dtype and shape, gradients of every float input and, where torch has them, second-order
gradients. Then broadcasting edge cases, type promotion, in-place forms and errors.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import shendu
from helpers import assert_same, check, check_error

F32, F64 = np.float32, np.float64


def ints(*shape, low=-5, high=6, dtype=np.int64, seed=0):
    return np.asarray(np.random.default_rng(seed).integers(low, high, shape)).astype(dtype)


def bools(*shape, seed=0):
    return np.asarray(np.random.default_rng(seed).random(shape) < 0.5)


def away_from_zero(*shape, seed=0, dtype=F32):
    """Random values with |x| in [0.5, 2] (safe divisors and pow bases)."""
    rng = np.random.default_rng(seed)
    return np.asarray(rng.uniform(0.5, 2.0, shape) * rng.choice([-1, 1], shape)).astype(dtype)


def positive(*shape, seed=0, dtype=F32, low=0.2, high=2.0):
    return np.asarray(np.random.default_rng(seed).uniform(low, high, shape)).astype(dtype)


# ----- arithmetic: add sub mul div and their broadcasting ------------------------------------

BROADCAST_SHAPES = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (3, 1)),
    ((), (3, 4)),
    ((3, 4), ()),
    ((1,), (2, 3)),
    ((0, 3), (3,)),
    ((2, 0), (2, 1)),
    ((0,), ()),
]

BINARY = {
    "add": lambda lib, x, y: x + y,
    "add_fn_alpha": lambda lib, x, y: lib.add(x, y, alpha=2.5),
    "sub": lambda lib, x, y: x - y,
    "sub_alpha": lambda lib, x, y: lib.sub(x, y, alpha=-3),
    "subtract": lambda lib, x, y: lib.subtract(x, y),
    "rsub": lambda lib, x, y: lib.rsub(x, y, alpha=2),
    "mul": lambda lib, x, y: x * y,
    "multiply": lambda lib, x, y: x.multiply(y),
    "div": lambda lib, x, y: x / (y.abs() + 0.5),
    "true_divide": lambda lib, x, y: lib.true_divide(x, y.abs() + 0.5),
    "divide": lambda lib, x, y: lib.divide(x, y * y + 1),
    "maximum": lambda lib, x, y: lib.maximum(x, y),
    "minimum": lambda lib, x, y: lib.minimum(x, y),
    "pow": lambda lib, x, y: x.abs().add(0.5) ** y,
    "remainder": lambda lib, x, y: lib.remainder(x, y.abs() + 0.5),
    "where": lambda lib, x, y: lib.where(x > y, x, y * 2),
    "atan_mix": lambda lib, x, y: (x * y).atan() + x.sin() * y.cos(),
}


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_broadcasting(name, shapes):
    second = name not in ("remainder",)
    check(BINARY[name], *shapes, second_order=second)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_float64(name):
    check(BINARY[name], (2, 3), (3,), dtype=F64, atol=1e-12, rtol=1e-12, second_order=True)


SCALAR_CASES = {
    "add_scalar": lambda lib, x: x + 2.5,
    "radd": lambda lib, x: 2.5 + x,
    "add_int": lambda lib, x: x + 3,
    "add_bool": lambda lib, x: x + True,
    "sub_scalar": lambda lib, x: x - 1.5,
    "rsub_op": lambda lib, x: 1.5 - x,
    "rsub_fn": lambda lib, x: lib.rsub(x, 2.0),
    "mul_scalar": lambda lib, x: x * -3,
    "rmul": lambda lib, x: 0.5 * x,
    "div_scalar": lambda lib, x: x / 4,
    "rdiv": lambda lib, x: 2 / (x.abs() + 0.5),
    "add_alpha_scalar": lambda lib, x: x.add(2, alpha=3),
    "sub_alpha_scalar": lambda lib, x: x.sub(2.0, alpha=0.5),
    "neg": lambda lib, x: -x,
    "neg_fn": lambda lib, x: lib.neg(x) + lib.negative(x),
    "pos": lambda lib, x: +x,
    "floordiv_scalar": lambda lib, x: x // 0.7,
    "rfloordiv": lambda lib, x: 3 // (x.abs() + 0.5),
    "mod_scalar": lambda lib, x: x % 0.7,
    "mod_neg_scalar": lambda lib, x: x % -0.7,
    "rmod": lambda lib, x: 3.0 % (x.abs() + 0.5),
    "ndarray_left": lambda lib, x: np.float32(2.0) * x,
}
# torch has no derivative for floor_divide nor for remainder(number, tensor) (it raises in
# backward); shendu's are compared in test_floor_divide_gradient and gradchecked below
NO_TORCH_GRAD = {"floordiv_scalar", "rfloordiv", "rmod"}


@pytest.mark.parametrize("name", sorted(SCALAR_CASES))
def test_python_scalars_and_reflected_operators(name):
    grad = name not in NO_TORCH_GRAD
    check(SCALAR_CASES[name], (3, 4), grad=grad, second_order=grad)


def test_ndarray_reflected_gives_tensor():
    x = shendu.ones(3)
    for r in (np.ones(3, F32) + x, np.ones(3, F32) * x, np.ones(3, F32) - x):
        assert isinstance(r, shendu.Tensor)


def test_add_sub_on_zero_dim_tensors():
    check(lambda lib, x, y: (x + y) * (x - y), (), ())
    check(lambda lib, x, y: x * y / (y * y + 1), (), (3,), second_order=True)


# ----- division with rounding, floor_divide, remainder ---------------------------------------

@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_float(mode):
    check(lambda lib, x: lib.div(x, -2, rounding_mode=mode), ints(3, 4))
    check(lambda lib, x: lib.div(x, 2.5, rounding_mode=mode), ints(3, 4))
    check(lambda lib, x, y: lib.div(x, y, rounding_mode=mode),
          np.array([-128, 127, -7, 7], np.int8), np.array([-1, -1, 2, -2], np.int8))
    check(lambda lib, x, y: lib.div(x, y, rounding_mode=mode), (3, 4), away_from_zero(4),
          high=6, low=-6)
    check(lambda lib, x: x.div(0.7, rounding_mode=mode), (3, 4))
    check(lambda lib, x: lib.div(x, 2, rounding_mode=mode), ints(3, 4))


@pytest.mark.parametrize("mode", ["trunc", "floor", None])
@pytest.mark.parametrize("dt", [np.int64, np.int32, np.int16, np.int8, np.uint8])
def test_div_integers(mode, dt):
    lo = 0 if dt == np.uint8 else -9
    a = ints(4, 5, low=lo, high=10, dtype=dt)
    b = ints(5, low=1, high=4, dtype=dt, seed=1)
    if dt != np.uint8:
        b[::2] *= -1
    check(lambda lib, x, y: lib.div(x, y, rounding_mode=mode), a, b)
    check(lambda lib, x: lib.div(x, 3, rounding_mode=mode), a)
    check(lambda lib, x: lib.div(x, -2.5, rounding_mode=mode), a)


def test_div_int_by_int_true_division_is_default_float():
    check(lambda lib, x, y: x / y, ints(3, 4), ints(4, low=1, high=4, seed=1))
    check(lambda lib, x: x / 2, ints(3, 4, dtype=np.int32))
    check(lambda lib, x: 2 / x, ints(3, 4, low=1, high=5))
    check(lambda lib, x, y: x / y, bools(3, 4), ints(4, low=1, high=4, seed=1))
    check(lambda lib, x, y: x / y, ints(3, 4, dtype=np.int16), ints(4, low=1, high=4, seed=1,
                                                                     dtype=np.int16))
    with shendu_default(torch.float64, shendu.float64):
        check(lambda lib, x: x / 3, ints(3))


class shendu_default:
    """Set the default float dtype in both libraries for a block."""

    def __init__(self, td, sd):
        self.td, self.sd = td, sd

    def __enter__(self):
        torch.set_default_dtype(self.td)
        shendu.set_default_dtype(self.sd)

    def __exit__(self, *exc):
        torch.set_default_dtype(torch.float32)
        shendu.set_default_dtype(shendu.float32)


def test_div_by_zero_float():
    z = np.array([1.0, -1.0, 0.0, 2.0], F32)
    check(lambda lib, x: x / lib.zeros(4), z, grad=False)
    check(lambda lib, x: lib.div(x, 0.0, rounding_mode="floor"), z)
    check(lambda lib, x: lib.div(x, 0.0, rounding_mode="trunc"), z)
    check(lambda lib, x: x // 0.0, z, grad=False)
    check(lambda lib, x: x % 0.0, z, grad=False)
    check(lambda lib, x: x % lib.zeros(4), z, grad=False)


def test_floor_divide_gradient():
    """shendu's floor_divide has gradient 0, as torch's div(rounding_mode="floor")."""
    x = np.linspace(-3, 3, 12, dtype=F32).reshape(3, 4)
    sh = [shendu.tensor(x, requires_grad=True), shendu.tensor(x[0] + 3.5, requires_grad=True)]
    th = [torch.tensor(x, requires_grad=True), torch.tensor(x[0] + 3.5, requires_grad=True)]
    assert_same(sh[0] // sh[1], torch.div(th[0], th[1], rounding_mode="floor"))
    ((sh[0] // sh[1]) * sh[0]).sum().backward()
    (torch.div(th[0], th[1], rounding_mode="floor") * th[0]).sum().backward()
    assert_same(sh[0].grad, th[0].grad)
    assert_same(sh[1].grad, th[1].grad)
    assert (shendu.floor_divide(sh[0], 2)).grad_fn is not None


def test_integer_division_by_zero_raises():
    a, zero = ints(3), np.zeros(3, np.int64)
    check_error(lambda lib, x, y: lib.div(x, y, rounding_mode="floor"), a, zero,
                match="division by zero")
    check_error(lambda lib, x, y: lib.div(x, y, rounding_mode="trunc"), a, zero,
                match="division by zero")
    check_error(lambda lib, x, y: x // y, a, zero, match="division by zero")
    check_error(lambda lib, x, y: x % y, a, zero, match="by zero")


def test_div_bad_rounding_mode():
    check_error(lambda lib, x: lib.div(x, 2, rounding_mode="round"), (3,), match="rounding_mode")


def test_rounded_division_of_bools():
    a, b = bools(4), np.ones(4, bool)
    check(lambda lib, x, y: x / y, a, b)
    check_error(lambda lib, x, y: x // y, a, b, match="floor_divide")
    check_error(lambda lib, x, y: lib.div(x, y, rounding_mode="trunc"), a, b, match="div")
    check_error(lambda lib, x, y: x % y, a, b, match="remainder")
    check(lambda lib, x: x // 2, a)
    check(lambda lib, x: x % 2, a)


FLOORDIV_REM = {
    "floor_divide": lambda lib, x, y: lib.floor_divide(x, y),
    "floordiv_op": lambda lib, x, y: x // y,
    "remainder": lambda lib, x, y: lib.remainder(x, y),
    "mod_op": lambda lib, x, y: x % y,
    "fmod_like": lambda lib, x, y: x - (x // y) * y,
}


@pytest.mark.parametrize("name", sorted(FLOORDIV_REM))
@pytest.mark.parametrize("dt", [np.int64, np.int32, np.uint8])
def test_floordiv_remainder_ints(name, dt):
    lo = 0 if dt == np.uint8 else -9
    a = ints(4, 5, low=lo, high=10, dtype=dt)
    b = ints(5, low=1, high=4, dtype=dt, seed=1)
    if dt != np.uint8:
        b[1::2] *= -1
    check(FLOORDIV_REM[name], a, b)
    check(lambda lib, x: FLOORDIV_REM[name](lib, x, 3), a)
    check(lambda lib, x: FLOORDIV_REM[name](lib, x, 2.5), a)


@pytest.mark.parametrize("name", ["floor_divide", "remainder"])
def test_floordiv_remainder_floats(name):
    grad = name == "remainder"
    check(FLOORDIV_REM[name], (3, 4), away_from_zero(3, 1), low=-5, high=5, grad=grad)
    check(FLOORDIV_REM[name], (3, 4), away_from_zero(3, 1), dtype=F64, low=-5, high=5,
          atol=1e-12, grad=grad, second_order=grad)


def test_remainder_scalar_first():
    check(lambda lib, y: lib.remainder(5.5, y), away_from_zero(3, 4), grad=False)
    check(lambda lib, y: lib.remainder(7, y), ints(3, low=1, high=4))
    y = shendu.tensor(away_from_zero(6, dtype=F64), dtype=shendu.float64, requires_grad=True)
    assert shendu.autograd.gradcheck(lambda t: shendu.remainder(5.5, t), (y,))
    assert shendu.autograd.gradcheck(lambda t: 3.0 % t + 2 // t, (y,))


def test_remainder_gradient_against_tensor_divisor():
    check(lambda lib, x, y: lib.remainder(x, y), (3, 4), away_from_zero(4), low=-5, high=5)
    check(lambda lib, x, y: x % y, (3, 4), away_from_zero(3, 4), low=-5, high=5, dtype=F64)


# ----- pow --------------------------------------------------------------------------------

POW_EXPONENTS = [2, 3, 0, 1, -1, -2, 0.5, -0.5, 2.5, 1.0, 0.0, True]


@pytest.mark.parametrize("e", POW_EXPONENTS, ids=repr)
def test_pow_scalar_exponent(e):
    check(lambda lib, x: x ** e, positive(3, 4), second_order=True)
    if float(e) == int(e):
        check(lambda lib, x: lib.pow(x, e), (3, 4), second_order=True)


def test_pow_scalar_exponent_at_zero():
    x = np.array([0.0, 1.0, -1.0, 2.0], F32)
    for e in (2, 3, 1, 0, 2.0, 0.0):
        check(lambda lib, t: t ** e, x, second_order=True)
    for e in (0.5, -1, 1.5):
        check(lambda lib, t: t.abs() ** e, x)


def test_pow_tensor_exponent():
    check(lambda lib, x, y: x ** y, positive(3, 4), (4,), second_order=True)
    check(lambda lib, x, y: lib.pow(x, y), positive(3, 1), (1, 4), dtype=F64, atol=1e-12,
          second_order=True)
    # zero bases: dz/da is 0 where x = 0 and a >= 0
    base = np.array([0.0, 0.0, 1.5, 2.0], F32)
    expo = np.array([2.0, 0.0, -1.0, 0.5], F32)
    check(lambda lib, x, y: x ** y, base, expo)
    # negative bases with integral float exponents
    check(lambda lib, x, y: x ** y, np.array([-2.0, -1.5, 3.0], F32),
          np.array([2.0, 3.0, -1.0], F32))


def test_pow_scalar_base():
    check(lambda lib, x: 2 ** x, (3, 4), second_order=True)
    check(lambda lib, x: lib.pow(2.5, x), (3, 4), second_order=True)
    check(lambda lib, x: 0.5 ** x, (3, 4), dtype=F64, atol=1e-12, second_order=True)
    check(lambda lib, x: 0 ** x, np.array([-1.0, 0.0, 1.0, 2.0], F32))
    check(lambda lib, x: 1 ** x, (3,), second_order=True)
    check(lambda lib, x: (-2.0) ** x, np.array([1.0, 2.0, 3.0], F32))
    check(lambda lib, x: 2 ** x, ints(3, 4, low=0, high=5))
    check(lambda lib, x: 2.0 ** x, ints(3, 4, low=-3, high=5))
    check(lambda lib, x: True ** x, ints(3, low=0, high=3))


def test_pow_integers():
    check(lambda lib, x: x ** 2, ints(3, 4))
    check(lambda lib, x: x ** 0, ints(3, 4))
    check(lambda lib, x, y: x ** y, ints(3, 4), ints(4, low=0, high=4, seed=1))
    check(lambda lib, x: x ** 0.5, ints(3, 4, low=0, high=9))
    check(lambda lib, x: x ** 2, ints(3, dtype=np.uint8, low=0, high=10))
    check(lambda lib, x: x ** 2, bools(5))
    check(lambda lib, x, y: x ** y, ints(3, 4), positive(4))
    check(lambda lib, x, y: x ** y, positive(3, 4), ints(4, low=-2, high=3))


def test_pow_integer_negative_exponents():
    """A negative Python exponent raises; tensor exponents give 1/x truncated (0 unless ±1)."""
    check_error(lambda lib, x: x ** -1, ints(3, low=1, high=3), match="negative")
    check_error(lambda lib, x: lib.pow(x, -2), ints(3, dtype=np.int32), match="negative")
    base = np.array([-2, -1, 0, 1, 2, 3, -1, 1])
    expo = np.array([-3, -3, -1, -1, -1, -2, -2, -5])
    check(lambda lib, x, y: x ** y, base, expo)
    check(lambda lib, x: x ** lib.tensor(-1), base)
    check(lambda lib, y: 2 ** y, expo)
    check(lambda lib, y: lib.pow(-1, y), expo)
    check(lambda lib, y: True ** y, expo)
    check_error(lambda lib, x, y: x ** y, bools(3), bools(3, seed=1), match="pow")


def test_square_and_sqrt_chain():
    check(lambda lib, x: x.square() + lib.square(x) * 2, (3, 4), second_order=True)
    check(lambda lib, x: x.square(), ints(3, 4))
    check(lambda lib, x: x.square(), bools(4))


# ----- addcmul, addcdiv, lerp ------------------------------------------------------------

TERNARY = {
    "addcmul": lambda lib, x, a, b: lib.addcmul(x, a, b),
    "addcmul_value": lambda lib, x, a, b: x.addcmul(a, b, value=-0.5),
    "addcdiv": lambda lib, x, a, b: lib.addcdiv(x, a, b * b + 0.5),
    "addcdiv_value": lambda lib, x, a, b: x.addcdiv(a, b.abs() + 0.5, value=2),
    "lerp_tensor_weight": lambda lib, x, a, b: lib.lerp(x, a, b),
    "lerp_scalar_weight": lambda lib, x, a, b: x.lerp(a + b, 0.3),
    "lerp_weight_gt_half": lambda lib, x, a, b: x.lerp(a, 0.75) * b,
    "clamp_tensors": lambda lib, x, a, b: lib.clamp(x, a, b),
    "clamp_crossed": lambda lib, x, a, b: x.clamp(a + 1, a - 1) + b,
    "where_chain": lambda lib, x, a, b: lib.where(a > b, x * a, x.exp() * b),
}

TERNARY_SHAPES = [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((), (2, 3), (3,)),
                  ((2, 1, 4), (3, 1), (4,)), ((0, 4), (4,), (1, 4))]


@pytest.mark.parametrize("shapes", TERNARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(TERNARY))
def test_ternary_ops(name, shapes):
    if name.startswith("clamp") and np.broadcast_shapes(*shapes) != shapes[0]:
        # torch's clamp backward fails when the bounds broadcast the input to a larger shape
        # ("output with shape [2, 1, 4] doesn't match the broadcast shape"): gradcheck instead
        ts = [shendu.tensor(make_uniform(s, F64, -2, 2, seed=i), dtype=shendu.float64,
                            requires_grad=True) for i, s in enumerate(shapes)]
        assert shendu.autograd.gradcheck(lambda *a: TERNARY[name](shendu, *a), ts)
        return
    check(TERNARY[name], *shapes, second_order=True)


@pytest.mark.parametrize("name", sorted(TERNARY))
def test_ternary_ops_float64(name):
    check(TERNARY[name], (2, 3), (3,), (2, 1), dtype=F64, atol=1e-12, rtol=1e-12,
          second_order=True)


def test_addcmul_addcdiv_dtypes():
    i1, i2, i3 = ints(3), ints(3, seed=1), ints(3, seed=2)
    check(lambda lib, x, a, b: lib.addcmul(x, a, b, value=2), i1, i2, i3)
    # an integer result truncates value (2.5 → 2), as torch
    check(lambda lib, x, a, b: lib.addcmul(x, a, b, value=2.5), i1, i2, i3)
    check(lambda lib, x, a, b: lib.addcmul(x, a, b, value=True), i1, i2, i3)
    check(lambda lib, x, a, b: lib.addcmul(x, a, b, value=2.5),
          ints(3, dtype=np.uint8, low=0, high=5), i2, i3)
    check(lambda lib, x, a, b: lib.addcmul(x, a, b, value=2), (3,), bools(3), bools(3, seed=1))
    check(lambda lib, x, a, b: lib.addcmul(x, a, b, value=0.5), positive(3, dtype=np.float16),
          (3,), (3,), atol=1e-3)
    check(lambda lib, x, a, b: lib.addcmul(x, a, b), (3,), ints(3, seed=1), (3,))
    check(lambda lib, x, a, b: lib.addcmul(x, a, b, value=-1), (3,), np.array(0.5, F64),
          np.array(2.0, F64))
    check(lambda lib, x, a, b: lib.addcdiv(x, a, b), (3,), (3,), away_from_zero(3))
    check(lambda lib, x, a, b: lib.addcdiv(x, a, b, value=2), i1, i2.astype(F32),
          away_from_zero(3))
    # values only: torch's own backward fails here ("result type Float can't be cast to the
    # desired output type Long")
    check(lambda lib, x, a, b: lib.addcdiv(x, a, b, value=2), i1, (3,),
          ints(3, low=1, high=4), grad=False)
    check(lambda lib, x, a, b: lib.addcdiv(x, a, b, value=0.5), (3,), (3,), away_from_zero(3),
          dtype=F64, atol=1e-12)


def test_lerp_dtypes_and_weights():
    check(lambda lib, x, y: lib.lerp(x, y, 1.0), (3,), (3,))
    # weight 1 gives end exactly and weight 0 start exactly
    x, y = np.array([0.1, 1e8, -3.3], F32), np.array([0.7, -1e-8, 3.3], F32)
    for lib in (torch, shendu):
        assert lib.lerp(lib.tensor(x), lib.tensor(y), 1.0).tolist() == y.tolist()
        assert lib.lerp(lib.tensor(x), lib.tensor(y), 0.0).tolist() == x.tolist()
    check(lambda lib, x, y: lib.lerp(x, y, 2), (3,), (3,))
    check(lambda lib, x, y: lib.lerp(x, y, -0.5), (3,), (3,), second_order=True)
    check(lambda lib, x, y: lib.lerp(x, y, lib.tensor(0.25, dtype=lib.float64)), (3,), (3,))
    check(lambda lib, x, y: lib.lerp(x, y, lib.tensor(1)), (3,), (3,))
    check(lambda lib, x, y, w: lib.lerp(x, y, w), (2, 3), (3,), np.array([0.2, 0.5, 0.9], F32),
          second_order=True)
    check(lambda lib, x, y: x.lerp(y, 0.3), positive(3, dtype=np.float16),
          positive(3, dtype=np.float16, seed=1), atol=1e-3, grad=False)


def test_addcdiv_integer_division_raises():
    check_error(lambda lib, x, a, b: lib.addcdiv(x, a, b), ints(3), ints(3, seed=1),
                ints(3, low=1, high=3, seed=2), match="addcdiv")


def test_lerp_errors():
    check_error(lambda lib, x, y: lib.lerp(x, y, 0.5), (3,), np.zeros(3, F64), match="end")
    check_error(lambda lib, x, y: lib.lerp(x, y, 0.5), (3,), np.zeros((), F64), match="end")
    check_error(lambda lib, x, y, w: lib.lerp(x, y, w), (3,), (3,), np.zeros(3, F64),
                match="weight")
    check_error(lambda lib, x, y, w: lib.lerp(x, y, w), (3,), (3,), ints(3), match="weight")
    check_error(lambda lib, x, y: lib.lerp(x, y, 0.5), ints(3), ints(3), match="lerp")
    check_error(lambda lib, x: lib.lerp(x, 2.0, 0.5), (3,), match="lerp")


# ----- unary pointwise math --------------------------------------------------------------

UNARY = {
    # name: (expression, domain of the random input)
    "exp": (lambda lib, x: x.exp(), "any"),
    "exp2": (lambda lib, x: lib.exp2(x), "any"),
    "expm1": (lambda lib, x: x.expm1(), "any"),
    "log": (lambda lib, x: x.log(), "pos"),
    "log2": (lambda lib, x: lib.log2(x), "pos"),
    "log10": (lambda lib, x: x.log10(), "pos"),
    "log1p": (lambda lib, x: x.log1p(), "pos"),
    "sqrt": (lambda lib, x: x.sqrt(), "pos"),
    "rsqrt": (lambda lib, x: x.rsqrt(), "pos"),
    "square": (lambda lib, x: x.square(), "any"),
    "reciprocal": (lambda lib, x: x.reciprocal(), "nonzero"),
    "abs": (lambda lib, x: x.abs(), "any"),
    "absolute": (lambda lib, x: lib.absolute(x) + abs(x), "any"),
    "sign": (lambda lib, x: x.sign() * x, "any"),
    "sin": (lambda lib, x: x.sin(), "any"),
    "cos": (lambda lib, x: x.cos(), "any"),
    "tan": (lambda lib, x: x.tan(), "unit"),
    "asin": (lambda lib, x: x.asin(), "unit"),
    "acos": (lambda lib, x: x.acos(), "unit"),
    "atan": (lambda lib, x: x.atan(), "any"),
    "arcsin": (lambda lib, x: lib.arcsin(x) + x.arccos() + lib.arctan(x), "unit"),
    "sinh": (lambda lib, x: x.sinh(), "any"),
    "cosh": (lambda lib, x: x.cosh(), "any"),
    "tanh": (lambda lib, x: x.tanh(), "any"),
    "sigmoid": (lambda lib, x: x.sigmoid(), "any"),
    "relu": (lambda lib, x: x.relu(), "any"),
    "relu_times_x": (lambda lib, x: x.relu() * x, "any"),
    "erf": (lambda lib, x: x.erf(), "any"),
    "floor": (lambda lib, x: x.floor() * x, "any"),
    "ceil": (lambda lib, x: x.ceil() * x, "any"),
    "round": (lambda lib, x: x.round() * x, "any"),
    "round_decimals": (lambda lib, x: x.round(decimals=2) + lib.round(x, decimals=-1), "any"),
    "trunc": (lambda lib, x: x.trunc() * x, "any"),
    "fix": (lambda lib, x: lib.fix(x) * x.fix(), "any"),
    "frac": (lambda lib, x: x.frac() * x, "any"),
    "clamp": (lambda lib, x: x.clamp(-0.5, 0.7), "any"),
    "clamp_min": (lambda lib, x: x.clamp(min=-0.5) + lib.clamp_min(x, 0.1), "any"),
    "clamp_max": (lambda lib, x: x.clamp(max=0.5) + x.clamp_max(0.1), "any"),
    "clip": (lambda lib, x: lib.clip(x, -1, 1) + x.clip(max=0), "any"),
    "nan_to_num": (lambda lib, x: x.nan_to_num() * x, "any"),
}

DOMAINS = {"any": dict(low=-2.0, high=2.0), "pos": dict(low=0.1, high=3.0),
           "unit": dict(low=-0.9, high=0.9)}


def _domain_input(domain, shape, dtype=F32):
    if domain == "nonzero":
        return away_from_zero(*shape, dtype=dtype)
    return make_uniform(shape, dtype, **DOMAINS[domain])


def make_uniform(shape, dtype, low, high, seed=0):
    return np.asarray(np.random.default_rng(seed).uniform(low, high, shape)).astype(dtype)


@pytest.mark.parametrize("shape", [(3, 4), (), (0, 2), (2, 1, 3)], ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_float32(name, shape):
    fn, domain = UNARY[name]
    check(fn, _domain_input(domain, shape), second_order=True)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_float64(name):
    fn, domain = UNARY[name]
    check(fn, _domain_input(domain, (4, 5), F64), atol=1e-12, rtol=1e-12, second_order=True)


INT_UNARY = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
             "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
             "sigmoid", "erf", "abs", "neg", "sign", "square", "relu", "floor", "ceil", "round",
             "trunc", "frac"]


@pytest.mark.parametrize("dt", [np.int64, np.int32, np.uint8, np.int8, np.bool_])
@pytest.mark.parametrize("name", INT_UNARY)
def test_unary_on_integers_and_bool(name, dt):
    if dt == np.bool_:
        a = bools(3, 4)
    else:
        a = ints(3, 4, low=0 if dt == np.uint8 else -3, high=4, dtype=dt)
    fn = lambda lib, x: getattr(lib, name)(x)  # noqa: E731
    try:
        t = fn(torch, torch.from_numpy(a))
    except Exception as e:  # e.g. torch.frac on ints, neg on bool: shendu must also raise
        check_error(fn, a, match=name.rstrip("_"))
        assert isinstance(e, RuntimeError)
        return
    with np.errstate(all="ignore"):
        check(fn, a)
    assert t is not None


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "tanh", "sigmoid", "abs",
                                  "neg", "floor", "round", "erf", "relu"])
def test_unary_float16(name):
    check(lambda lib, x: getattr(lib, name)(x), positive(3, 4, dtype=np.float16),
          atol=2e-3, rtol=2e-3, grad=False)


def test_unary_special_values():
    s = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e30, -1e30, 1e-30, 88.0, -100.0], F32)
    for name in ("exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "reciprocal", "abs", "sign",
                 "tanh", "sigmoid", "erf", "floor", "ceil", "round", "trunc", "frac", "relu",
                 "sin", "atan", "sinh", "cosh", "exp2", "log2", "log10"):
        with np.errstate(all="ignore"):
            check(lambda lib, x: getattr(lib, name)(x), s, grad=False)


def test_double_backward_through_relu_and_abs():
    for lib in (torch, shendu):
        x = lib.tensor([-1.0, 2.0, 0.5, 0.0], requires_grad=True)
        for f in (lib.relu, lib.abs):
            g, = lib.autograd.grad(f(x).sum(), x, create_graph=True)
            assert g.requires_grad, lib
            gg, = lib.autograd.grad((g * g).sum(), x)
            assert (lib.zeros(4) + gg).tolist() == [0.0, 0.0, 0.0, 0.0]


def test_unary_gradients_at_kinks_and_domain_edges():
    x = np.array([0.0, -1.0, 1.0, 2.0], F32)
    check(lambda lib, t: t.relu(), x)
    check(lambda lib, t: t.abs(), x, second_order=True)
    check(lambda lib, t: t.relu(), np.array([np.nan, -np.inf, np.inf, -0.0], F32))
    check(lambda lib, t: t.clamp(0, 1), x)
    check(lambda lib, t: t.clamp(min=-1), x)
    check(lambda lib, t: t.sqrt(), np.array([0.0, 1.0, 4.0], F32))
    check(lambda lib, t: t.log(), np.array([0.0, 1.0, 4.0], F32))
    check(lambda lib, t: t.asin(), np.array([1.0, -1.0, 0.5], F32))


def test_round_half_to_even_and_decimals():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.125, 1.005, 12345.5], F32)
    check(lambda lib, t: t.round(), x)
    check(lambda lib, t: t.round(decimals=2), x)
    check(lambda lib, t: t.round(decimals=-2), x)
    check(lambda lib, t: t.round(decimals=1), x.astype(F64))
    check(lambda lib, t: t.round(), ints(5))


def test_erf_accuracy():
    x = np.linspace(-6, 6, 241).astype(F64)
    check(lambda lib, t: t.erf(), x, atol=1e-7, rtol=1e-6, second_order=True)
    check(lambda lib, t: t.erf(), x.astype(F32), atol=1e-6, second_order=True)


def test_sigmoid_extreme_values():
    x = np.array([-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0], F32)
    check(lambda lib, t: t.sigmoid(), x, second_order=True)
    check(lambda lib, t: t.sigmoid(), x.astype(F64), second_order=True)


# ----- clamp -----------------------------------------------------------------------------

CLAMP = {
    "both": lambda lib, x: x.clamp(-0.5, 0.5),
    "min_only": lambda lib, x: lib.clamp(x, min=0.0),
    "max_only": lambda lib, x: lib.clamp(x, max=0.0),
    "crossed": lambda lib, x: x.clamp(1.0, -1.0),
    "int_bounds": lambda lib, x: x.clamp(-1, 1),
    "tensor_min": lambda lib, x: x.clamp(min=lib.zeros(4)),
    "tensor_max_bcast": lambda lib, x: x.clamp(max=lib.full((3, 1), 0.3)),
    "tensor_both_zero_d": lambda lib, x: x.clamp(lib.tensor(-0.2), lib.tensor(0.4)),
}


@pytest.mark.parametrize("name", sorted(CLAMP))
def test_clamp_variants(name):
    check(CLAMP[name], (3, 4), second_order=True)


def test_clamp_gradient_to_tensor_bounds():
    check(lambda lib, x, lo, hi: x.clamp(lo, hi), (3, 4), (4,), (3, 1), second_order=True)
    check(lambda lib, x, lo: x.clamp(min=lo), (3, 4), (4,))
    check(lambda lib, x, hi: x.clamp(max=hi), (3, 4), (3, 1))
    check(lambda lib, x, lo, hi: x.clamp(lo, hi), (5,), (5,), (5,), seed=3)
    # ties with a bound
    v = np.array([0.0, 1.0, 2.0, -1.0], F32)
    check(lambda lib, x, lo: x.clamp(min=lo), v, v.copy())
    check(lambda lib, x, hi: x.clamp(max=hi), v, v.copy())


def test_clamp_dtypes():
    check(lambda lib, x: x.clamp(-1, 2), ints(3, 4))
    check(lambda lib, x: x.clamp(-1.5, 2.5), ints(3, 4))
    check(lambda lib, x: x.clamp(min=0.5), ints(3, 4, dtype=np.uint8, low=0, high=3))
    check(lambda lib, x, lo: x.clamp(min=lo), ints(3, 4), (4,))
    check(lambda lib, x, lo: x.clamp(min=lo), (3, 4), ints(4))
    check(lambda lib, x: x.clamp(lib.tensor(0.5, dtype=lib.float64)), (3, 4))
    check(lambda lib, x: x.clamp(-1, 1), (3, 4), dtype=np.float16, grad=False, atol=1e-3)


def test_clamp_nan():
    x = np.array([np.nan, 1.0, -3.0], F32)
    check(lambda lib, t: t.clamp(-1, 1), x)
    check(lambda lib, t: t.clamp(min=float("nan")), x, grad=False)


def test_clamp_errors():
    check_error(lambda lib, x: lib.clamp(x), (3,), match="at least one")
    check_error(lambda lib, x: x.clamp(lib.zeros(2)), (3,), match="clamp")
    check_error(lambda lib, x: x.clamp(-1, 300), U8, match="overflow")
    check_error(lambda lib, x: x.clamp_(0.5, 1.5), ints(3), match="clamp_")


# ----- maximum, minimum, where ------------------------------------------------------------

def test_maximum_minimum_ties_and_dtypes():
    a = np.array([1.0, 2.0, 3.0, 0.0], F32)
    b = np.array([1.0, 3.0, 2.0, 0.0], F32)
    check(lambda lib, x, y: lib.maximum(x, y), a, b, second_order=True)
    check(lambda lib, x, y: lib.minimum(x, y), a, b, second_order=True)
    check(lambda lib, x, y: x.maximum(y), ints(3, 4), ints(4, seed=1))
    check(lambda lib, x, y: x.minimum(y), ints(3, 4), (4,))
    check(lambda lib, x, y: lib.maximum(x, y), bools(3, 4), bools(4, seed=1))
    check(lambda lib, x, y: lib.maximum(x, y), (3, 4), np.zeros((), F64))
    check(lambda lib, x, y: lib.minimum(x, y), (3, 4), np.ones(4, np.float16))


def test_maximum_propagates_nan():
    a = np.array([np.nan, 1.0, 2.0], F32)
    b = np.array([0.0, np.nan, 1.0], F32)
    check(lambda lib, x, y: lib.maximum(x, y) + lib.minimum(x, y), a, b, grad=False)


def test_maximum_rejects_scalars_like_torch():
    check_error(lambda lib, x: lib.maximum(x, 0.5), (3,))


WHERE = {
    "tensors": lambda lib, c, x, y: lib.where(c, x, y),
    "method": lambda lib, c, x, y: x.where(c, y),
    "scalar_other": lambda lib, c, x, y: lib.where(c, x, 0.0) + y,
    "scalar_input": lambda lib, c, x, y: lib.where(c, 1.5, y) * x,
    "both_scalars": lambda lib, c, x, y: lib.where(c, 1.0, -1.0) * x + y,
    "int_scalar": lambda lib, c, x, y: lib.where(c, x, 2) + y,
    "nested": lambda lib, c, x, y: lib.where(c, lib.where(~c, x, y), x * y),
}


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), (3, 4)),
                                    ((4,), (3, 4), ()), ((0, 4), (4,), (1, 4))], ids=str)
@pytest.mark.parametrize("name", sorted(WHERE))
def test_where(name, shapes):
    cshape = shapes[0]
    c = bools(*cshape)
    check(WHERE[name], c, *shapes[1:], second_order=True)


def test_where_dtypes():
    c = bools(3, 4)
    check(lambda lib, c, x, y: lib.where(c, x, y), c, ints(3, 4), (3, 4))
    check(lambda lib, c, x, y: lib.where(c, x, y), c, ints(3, 4), ints(4, dtype=np.int32))
    check(lambda lib, c, x: lib.where(c, x, 1.5), c, ints(3, 4))
    check(lambda lib, c, x, y: lib.where(c, x, y), c, (3, 4), np.zeros((), F64))
    check(lambda lib, c, x, y: lib.where(c, x, y), c, (3, 4), np.zeros(4, F64))
    check(lambda lib, c, x: lib.where(c, x, 0), c, (3, 4), dtype=F64)
    check(lambda lib, c: lib.where(c, 1, 0), c)
    check(lambda lib, c: lib.where(c, 1.0, 0), c)
    check(lambda lib, c, x, y: lib.where(c.to(lib.uint8) > 0, x, y), c, (3, 4), (3, 4))


def test_where_condition_alone_is_nonzero():
    c = bools(3, 4)
    check(lambda lib, c: lib.where(c), c)


def test_where_errors():
    check_error(lambda lib, c, x, y: lib.where(c, x, y), ints(3), (3,), (3,),
                match="bool")
    check_error(lambda lib, c, x, y: lib.where(c, x, y), bools(3), (2,), (3,), match="where")


# ----- nan_to_num -------------------------------------------------------------------------

SPECIAL = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0, 0.0], F32)


@pytest.mark.parametrize("kw", [{}, {"nan": 1.0}, {"posinf": 9.0}, {"neginf": -9.0},
                                {"nan": -1.0, "posinf": 1e3, "neginf": -1e3}], ids=str)
@pytest.mark.parametrize("dt", [F32, F64, np.float16])
def test_nan_to_num(kw, dt):
    check(lambda lib, x: lib.nan_to_num(x, **kw), SPECIAL.astype(dt), second_order=dt != np.float16,
          atol=1e-3 if dt == np.float16 else 1e-5)


def test_nan_to_num_ints_and_positional():
    check(lambda lib, x: x.nan_to_num(), ints(4))
    check(lambda lib, x: x.nan_to_num(nan=1.5), ints(4))
    check(lambda lib, x: x.nan_to_num(2.0, 3.0, -3.0), SPECIAL)
    check(lambda lib, x: x.nan_to_num(posinf=1e6), SPECIAL.astype(np.float16), grad=False)
    x = shendu.tensor(SPECIAL)
    x.nan_to_num_()
    t = torch.tensor(SPECIAL)
    t.nan_to_num_()
    assert_same(x, t)


# ----- comparisons and logic -------------------------------------------------------------

COMPARE = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
           "not_equal"]
OPERATORS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
             "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _with_ties(*shape, dtype=F32, seed=0):
    return np.random.default_rng(seed).integers(-2, 3, shape).astype(dtype)


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name", COMPARE)
def test_compare_functions(name, shapes):
    a, b = _with_ties(*shapes[0]), _with_ties(*shapes[1], seed=1)
    check(lambda lib, x, y: getattr(lib, name)(x, y), a, b)
    check(lambda lib, x, y: getattr(x, name)(y), a, b)


@pytest.mark.parametrize("op", sorted(OPERATORS))
def test_compare_operators_and_dtypes(op):
    f = OPERATORS[op]
    check(lambda lib, x, y: f(x, y), _with_ties(3, 4), _with_ties(4, seed=1))
    check(lambda lib, x: f(x, 0.5), _with_ties(3, 4))
    check(lambda lib, x: f(x, 1), _with_ties(3, 4))
    check(lambda lib, x: f(0.5, x), _with_ties(3, 4))
    check(lambda lib, x: f(x, 1.5), ints(3, 4))
    check(lambda lib, x, y: f(x, y), ints(3, 4), _with_ties(4, seed=1))
    check(lambda lib, x, y: f(x, y), ints(3, 4, dtype=np.uint8, low=0, high=3),
          ints(4, dtype=np.int8, low=-2, high=3, seed=1))
    check(lambda lib, x, y: f(x, y), bools(3, 4), bools(4, seed=1))
    check(lambda lib, x, y: f(x, y), _with_ties(3, 4, dtype=np.float16),
          _with_ties(4, seed=1, dtype=F64))
    # the comparison is done in the promoted dtype: 0.1 (float64) is not 0.1 (float32)
    check(lambda lib, x: f(x, lib.tensor(0.1, dtype=lib.float64)), np.full(3, 0.1, F32))
    check(lambda lib, x, y: f(x, y), np.full(3, 0.1, F32), np.full(3, 0.1, F64))
    check(lambda lib, x: f(x, 0.1), np.full(3, 0.1, F32))
    check(lambda lib, x: f(x, 2 ** 60 + 1), np.full(3, 2 ** 60, np.int64))


def test_compare_results_have_no_grad():
    x = shendu.randn(3, requires_grad=True)
    for r in (x > 0, x == x, shendu.eq(x, 1.0), x.isnan(), shendu.isclose(x, x)):
        assert r.dtype == shendu.bool and not r.requires_grad and r.grad_fn is None


def test_compare_nan():
    a = np.array([np.nan, 1.0, np.nan, np.inf], F32)
    b = np.array([np.nan, np.nan, 1.0, np.inf], F32)
    for op in OPERATORS.values():
        check(lambda lib, x, y: op(x, y), a, b)


def test_compare_errors():
    check_error(lambda lib, x, y: x < y, (3,), (4,), match="lt")
    check_error(lambda lib, x, y: lib.eq(x, y), (2, 3), (3, 2), match="eq")


LOGICAL = ["logical_and", "logical_or", "logical_xor"]


@pytest.mark.parametrize("name", LOGICAL)
def test_logical_binary(name):
    fn = lambda lib, x, y: getattr(lib, name)(x, y)  # noqa: E731
    check(fn, bools(3, 4), bools(4, seed=1))
    check(fn, _with_ties(3, 4), _with_ties(3, 1, seed=1))
    check(fn, ints(3, 4, low=-1, high=2), _with_ties(4, seed=1))
    check(fn, bools(3, 4), np.array(0.0, F32))
    check(fn, bools(0, 4), bools(4))
    check(lambda lib, x, y: getattr(x, name)(y), bools(3, 4), ints(4, low=-1, high=2))


@pytest.mark.parametrize("dt", [np.bool_, np.int64, np.uint8, F32])
def test_logical_not(dt):
    a = bools(3, 4) if dt == np.bool_ else _with_ties(3, 4).astype(dt) if dt != np.uint8 \
        else ints(3, 4, low=0, high=3, dtype=np.uint8)
    check(lambda lib, x: lib.logical_not(x), a)
    check(lambda lib, x: x.logical_not(), a)


BITWISE = {"bitwise_and": lambda a, b: a & b, "bitwise_or": lambda a, b: a | b,
           "bitwise_xor": lambda a, b: a ^ b}


@pytest.mark.parametrize("name", sorted(BITWISE))
def test_bitwise_binary(name):
    op = BITWISE[name]
    fn = lambda lib, x, y: getattr(lib, name)(x, y)  # noqa: E731
    check(fn, ints(3, 4, low=-8, high=8), ints(4, low=-8, high=8, seed=1))
    check(fn, bools(3, 4), bools(4, seed=1))
    check(fn, ints(3, 4, low=0, high=255, dtype=np.uint8), ints(4, low=-100, high=100,
                                                                   dtype=np.int8, seed=1))
    check(fn, ints(3, 4), bools(4))
    check(lambda lib, x, y: op(x, y), bools(3, 4), bools(4, seed=1))
    check(lambda lib, x: op(x, 6), ints(3, 4, dtype=np.int32))
    check(lambda lib, x: op(6, x), ints(3, 4, dtype=np.int32))
    check(lambda lib, x: op(x, True), bools(3, 4))
    check(lambda lib, x: getattr(x, name)(3), ints(3, 4))


@pytest.mark.parametrize("name", sorted(BITWISE))
def test_bitwise_float_raises(name):
    check_error(lambda lib, x, y: getattr(lib, name)(x, y), (3,), (3,), match=name)
    check_error(lambda lib, x, y: BITWISE[name](x, y), (3,), ints(3), match=name)
    check_error(lambda lib, x: BITWISE[name](x, 1.5), ints(3), match=name)


def test_bitwise_not():
    check(lambda lib, x: ~x, ints(3, 4, low=-8, high=8))
    check(lambda lib, x: ~x, bools(3, 4))
    check(lambda lib, x: lib.bitwise_not(x), ints(3, 4, low=0, high=255, dtype=np.uint8))
    check_error(lambda lib, x: ~x, (3,), match="invert")
    check_error(lambda lib, x: lib.bitwise_not(x), (3,), match="bitwise_not")


CLASSIFY = ["isnan", "isinf", "isfinite", "isposinf", "isneginf"]


@pytest.mark.parametrize("name", CLASSIFY)
def test_isnan_isinf_isfinite(name):
    fn = lambda lib, x: getattr(lib, name)(x)  # noqa: E731
    check(fn, SPECIAL)
    check(fn, SPECIAL.astype(F64))
    check(fn, SPECIAL.astype(np.float16))
    check(fn, ints(3, 4))
    check(fn, bools(3))
    check(fn, np.zeros((0, 3), F32))
    check(lambda lib, x: getattr(x, name)(), SPECIAL.reshape(2, 3))


ISCLOSE_CASES = [
    ({}, np.array([1.0, 1.0, np.nan, np.inf, -np.inf, 0.0]),
     np.array([1.0 + 1e-6, 1.1, np.nan, np.inf, np.inf, 1e-9])),
    ({"rtol": 0.2}, np.array([1.0, 2.0]), np.array([1.1, 3.0])),
    ({"atol": 0.5, "rtol": 0.0}, np.array([1.0, 2.0]), np.array([1.4, 2.6])),
    ({"equal_nan": True}, np.array([np.nan, 1.0, np.nan]), np.array([np.nan, np.nan, 1.0])),
]


@pytest.mark.parametrize("kw,a,b", ISCLOSE_CASES, ids=lambda v: str(v)[:20])
def test_isclose_allclose(kw, a, b):
    for dt in (F32, F64):
        check(lambda lib, x, y: lib.isclose(x, y, **kw), a.astype(dt), b.astype(dt))
        check(lambda lib, x, y: x.isclose(y, **kw), a.astype(dt), b.astype(dt))
        check(lambda lib, x, y: lib.allclose(x, y, **kw), a.astype(dt), b.astype(dt))


def test_isclose_dtypes_and_broadcast():
    check(lambda lib, x, y: lib.isclose(x, y), ints(3, 4), ints(4, seed=1))
    check(lambda lib, x, y: lib.isclose(x, y, atol=1), ints(3, 4), ints(4, seed=1))
    check(lambda lib, x, y: lib.isclose(x, y), bools(3, 4), bools(4, seed=1))
    check(lambda lib, x, y: lib.isclose(x, y, rtol=0.1), (3, 4), (4,))
    check(lambda lib, x, y: lib.allclose(x, y), (3, 4), (4,))
    check(lambda lib, x: x.allclose(x + 1e-7), (3, 4))


def test_isclose_errors():
    check_error(lambda lib, x, y: lib.isclose(x, y), ints(3), (3,), match="did not match")
    check_error(lambda lib, x, y: lib.isclose(x, y, atol=-1.0), (3,), (3,), match="atol")
    check_error(lambda lib, x: lib.isclose(x, 1.0), (3,), match="isclose")
    check_error(lambda lib, x, y: lib.isclose(x, y, rtol=float("nan")), (3,), (3,),
                match="rtol")
    check_error(lambda lib, x, y: lib.isclose(x, y), (3,), np.zeros(3, F64), match="isclose")
    check_error(lambda lib, x, y: lib.isclose(x, y, rtol=-1.0), (3,), (3,), match="rtol")
    check_error(lambda lib, x, y: lib.isclose(x, y), (3,), (4,), match="isclose")


def test_equal():
    a = _with_ties(3, 4)
    check(lambda lib, x, y: lib.equal(x, y), a, a.copy())
    check(lambda lib, x, y: x.equal(y), a, _with_ties(3, 4, seed=1))
    check(lambda lib, x, y: lib.equal(x, y), a, a[:2].copy())
    check(lambda lib, x, y: lib.equal(x, y), a[:1].copy(), np.broadcast_to(a[:1], (3, 4)).copy())
    check(lambda lib, x, y: lib.equal(x, y), ints(3), ints(3).astype(F32))
    check(lambda lib, x, y: lib.equal(x, y), np.array([np.nan], F32), np.array([np.nan], F32))
    check(lambda lib, x, y: lib.equal(x, y), np.zeros((0, 2), F32), np.zeros((0, 2), F32))


# ----- type promotion through the element-wise ops --------------------------------------

PROMOTION = [
    # (expression, operands)
    (lambda lib, x: x + 1.5, (ints(3),)),
    (lambda lib, x: x * 2.5, (ints(3, dtype=np.int32),)),
    (lambda lib, x: x + 1, (ints(3, dtype=np.int8),)),
    (lambda lib, x: x + 1, (ints(3, dtype=np.uint8, low=0, high=5),)),
    (lambda lib, x: x + True, (ints(3, dtype=np.int16),)),
    (lambda lib, x: x + 1, (bools(3),)),
    (lambda lib, x: x + 1.0, (bools(3),)),
    (lambda lib, x: x * True, (bools(3),)),
    (lambda lib, x, y: x + y, (bools(3), bools(3, seed=1))),
    (lambda lib, x, y: x * y, (bools(3), bools(3, seed=1))),
    (lambda lib, x, y: x + y, (bools(3), ints(3, dtype=np.uint8, low=0, high=4))),
    (lambda lib, x, y: x + y, (ints(3, dtype=np.uint8, low=0, high=4), ints(3, dtype=np.int8))),
    (lambda lib, x, y: x + y, (ints(3, dtype=np.int32), ints(3))),
    (lambda lib, x, y: x + y, (ints(3, dtype=np.uint8, low=0, high=4), np.array(-3))),
    (lambda lib, x, y: x + y, (ints(3, dtype=np.int16), np.array(2.5))),
    (lambda lib, x, y: x + y, (np.ones(3, F32), np.array(0.5, F64))),
    (lambda lib, x, y: x * y, (np.ones(3, np.float16), np.array(0.5, F64))),
    (lambda lib, x, y: x * y, (np.ones(3, np.float16), np.ones(3, F32))),
    (lambda lib, x, y: x - y, (np.ones(3, F32), np.ones(3, F64))),
    (lambda lib, x, y: x + y, (np.ones(3, F32), ints(3))),
    (lambda lib, x, y: x + y, (np.array(1.5, F32), ints(3))),
    (lambda lib, x, y: x + y, (np.array(1.5, F64), np.array(2, np.int64))),
    (lambda lib, x, y: x + y, (np.array(1.5, np.float16), np.array(2.5, F32))),
    (lambda lib, x, y: x * y, (np.array(2, np.int32), ints(3, dtype=np.int8))),
    (lambda lib, x: x + 2.5, (np.ones(3, np.float16),)),
    (lambda lib, x: x * 1e10, (np.ones(3, np.float16),)),
    (lambda lib, x: x + 300, (ints(3, dtype=np.uint8, low=0, high=5),)),
    (lambda lib, x: 2 - x, (ints(3, dtype=np.uint8, low=0, high=5),)),
    (lambda lib, x: x / 2, (ints(3, dtype=np.uint8, low=0, high=5),)),
    (lambda lib, x: x / 2, (np.ones(3, np.float16),)),
    (lambda lib, x, y: x / y, (ints(3, dtype=np.int8), np.array(2, np.int64))),
    (lambda lib, x, y: x / y, (ints(3), np.array(2.0, F64))),
    (lambda lib, x: x ** 2.0, (ints(3),)),
    (lambda lib, x: 2.0 ** x, (ints(3, dtype=np.uint8, low=0, high=5),)),
    (lambda lib, x, y: x ** y, (ints(3, dtype=np.int32), np.array(2, np.int64))),
    (lambda lib, x, y: lib.maximum(x, y), (ints(3, dtype=np.uint8, low=0, high=5), ints(3))),
    (lambda lib, x, y: lib.where(x > 0, x, y), (ints(3, dtype=np.int8), np.array(1.5, F64))),
    (lambda lib, x, y: lib.remainder(x, y), (ints(3), np.array(2.5, F32))),
    (lambda lib, x: x.sqrt(), (ints(3, low=0, high=9),)),
    (lambda lib, x: x.exp(), (bools(3),)),
    (lambda lib, x: x.abs(), (ints(3, dtype=np.int8),)),
    (lambda lib, x: x.sigmoid(), (np.ones(3, np.float16),)),
    (lambda lib, x: x.clamp(0.5), (ints(3, dtype=np.int16),)),
    (lambda lib, x, y: lib.addcmul(x, y, y, value=2.5), (ints(3), ints(3, seed=1))),
    (lambda lib, x, y: lib.lerp(x, y, 0.25), (np.ones(3, np.float16), np.zeros(3, np.float16))),
]


@pytest.mark.parametrize("i", range(len(PROMOTION)))
def test_type_promotion(i):
    fn, arrays = PROMOTION[i]
    with np.errstate(all="ignore"):
        check(fn, *arrays, atol=1e-3)


U8 = np.array([1, 100, 200, 255], np.uint8)
I8 = np.array([1, 100, -100, -128], np.int8)
WRAP = [
    # Python ints out of the tensor dtype's range wrap around (two's complement), as in torch
    (lambda lib, x: x + 300, U8), (lambda lib, x: x - 3, U8), (lambda lib, x: x * 300, U8),
    (lambda lib, x: x + -300, U8), (lambda lib, x: 2 ** 40 + x, U8),
    (lambda lib, x: x + (2 ** 63 - 1), U8), (lambda lib, x: x % 300, U8),
    (lambda lib, x: x // 300, U8), (lambda lib, x: x > -1, U8), (lambda lib, x: x == 257, U8),
    (lambda lib, x: x + 300, I8), (lambda lib, x: x < 300, I8), (lambda lib, x: x & 1000, I8),
    (lambda lib, x: x + 2 ** 31, np.array([1, -5], np.int32)),
    (lambda lib, x: x + 2 ** 63, np.array([1, -5], np.int64)),
    (lambda lib, x: x + 300, bools(3)),
]


@pytest.mark.parametrize("i", range(len(WRAP)))
def test_python_int_wraps_into_integer_dtype(i):
    fn, a = WRAP[i]
    check(fn, a)


def test_inplace_python_int_wraps():
    for lib in (torch, shendu):
        u = lib.tensor(U8)
        u += 300
        u -= 2 ** 40 + 1
        assert u.tolist() == [44, 143, 243, 42] and u.dtype == lib.uint8


def test_eq_with_non_numbers():
    for lib in (torch, shendu):
        x = lib.ones(2)
        assert (x == None) is False and (x != None) is True  # noqa: E711
        assert (x == "a") is False and x not in [None, "a"]
        with pytest.raises(TypeError):
            x < None  # noqa: B015
        with pytest.raises(TypeError):
            x + None


def test_result_type_and_promote_types():
    assert shendu.result_type(shendu.tensor([1, 2]), 1.0) == shendu.float32
    assert shendu.result_type(shendu.tensor([1.0]), shendu.tensor(1.0, dtype=shendu.float64)) \
        == shendu.float32
    assert shendu.promote_types(shendu.uint8, shendu.int8) == shendu.int16
    assert shendu.promote_types(shendu.float16, shendu.int64) == shendu.float16


# ----- in-place forms -------------------------------------------------------------------

INPLACE = {
    "add_": lambda x, y: x.add_(y),
    "add_alpha": lambda x, y: x.add_(y, alpha=2),
    "sub_": lambda x, y: x.sub_(y),
    "sub_alpha": lambda x, y: x.sub_(y, alpha=0.5),
    "mul_": lambda x, y: x.mul_(y),
    "div_": lambda x, y: x.div_(y.abs() + 1),
    "div_floor": lambda x, y: x.div_(y.abs() + 1, rounding_mode="floor"),
    "pow_": lambda x, y: x.abs_().pow_(y),
    "remainder_": lambda x, y: x.remainder_(y.abs() + 1),
    "iadd": lambda x, y: x.__iadd__(y),
    "isub": lambda x, y: x.__isub__(y),
    "imul": lambda x, y: x.__imul__(y),
    "itruediv": lambda x, y: x.__itruediv__(y.abs() + 1),
    "ifloordiv": lambda x, y: x.__ifloordiv__(y.abs() + 1),
    "imod": lambda x, y: x.__imod__(y.abs() + 1),
    "ipow": lambda x, y: x.abs_().__ipow__(2),
    "addcmul_": lambda x, y: x.addcmul_(y, y, value=0.5),
    "addcdiv_": lambda x, y: x.addcdiv_(y, y.abs() + 1, value=2),
    "lerp_": lambda x, y: x.lerp_(y, 0.3),
    "lerp_tensor": lambda x, y: x.lerp_(y, y.sigmoid()),
    "clamp_": lambda x, y: x.clamp_(-0.5, 0.5),
    "clamp_tensor": lambda x, y: x.clamp_(min=y),
    "clamp_min_": lambda x, y: x.clamp_min_(0.1),
    "clamp_max_": lambda x, y: x.clamp_max_(0.1),
    "clip_": lambda x, y: x.clip_(-0.2, 0.2),
    "neg_": lambda x, y: x.neg_(),
    "exp_": lambda x, y: x.exp_(),
    "sigmoid_": lambda x, y: x.sigmoid_(),
    "tanh_": lambda x, y: x.tanh_(),
    "relu_": lambda x, y: x.relu_(),
    "sqrt_": lambda x, y: x.abs_().sqrt_(),
    "sin_": lambda x, y: x.sin_(),
    "floor_": lambda x, y: x.floor_(),
    "round_": lambda x, y: x.round_(decimals=1),
    "frac_": lambda x, y: x.frac_(),
    "erf_": lambda x, y: x.erf_(),
    "nan_to_num_": lambda x, y: x.nan_to_num_(),
    "square_": lambda x, y: x.square_(),
    "reciprocal_": lambda x, y: x.abs_().add_(1).reciprocal_(),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_recorded_in_graph(name):
    """On a non-leaf, the in-place op is recorded: gradients flow to both inputs."""
    op = INPLACE[name]

    def fn(lib, x, y):
        z = x * 1.0
        r = op(z, y)
        assert r is z
        return z * 2
    # torch has no derivative for floor_divide (see test_floor_divide_gradient)
    grad = name != "ifloordiv"
    check(fn, (3, 4), (4,), grad=grad, second_order=grad)


def test_inplace_with_operand_requiring_grad():
    """A tensor that needs no gradient, changed in place by one that does, joins the graph."""
    ops = {
        "add_": lambda z, a, b: z.add_(a * b, alpha=2),
        "mul_": lambda z, a, b: z.mul_(a),
        "addcmul_": lambda z, a, b: z.addcmul_(a, b, value=0.5),
        "addcdiv_": lambda z, a, b: z.addcdiv_(a, b.abs() + 1),
        "lerp_": lambda z, a, b: z.lerp_(a, b.sigmoid()),
        "clamp_": lambda z, a, b: z.clamp_(a, b + 3),
        "pow_": lambda z, a, b: z.abs_().add_(0.5).pow_(a),
    }
    for name, op in ops.items():
        def fn(lib, a, b):
            z = lib.linspace(-1, 1, 4)
            r = op(z, a, b)
            assert r is z and z.requires_grad, name
            return z
        check(fn, (4,), (4,), second_order=True)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_under_no_grad_bumps_version(name):
    op = INPLACE[name]
    res = []
    for lib in (torch, shendu):
        x = lib.tensor(np.linspace(-2, 2, 12, dtype=F32).reshape(3, 4), requires_grad=True)
        y = lib.tensor(np.linspace(1, 3, 4, dtype=F32))
        v0 = x._version
        with lib.no_grad():
            r = op(x, y)
        assert r is x
        assert x.is_leaf and x.requires_grad and x.grad_fn is None
        res.append((x.detach().numpy().copy(), x._version - v0))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-6, atol=1e-6)
    assert res[1][1] >= 1 and (res[1][1] > 0) == (res[0][1] > 0)


def test_inplace_version_counts_match_torch():
    for lib in (torch, shendu):
        x = lib.ones(3)
        v = lib.ones(3)[0:2] if False else None  # noqa: F841
        x.add_(1)
        x.mul_(2)
        x += 1
        x.clamp_(0, 5)
        x.exp_()
        assert x._version == 5, lib
        view = x[1:]
        view.sub_(1)
        assert x._version == 6 and view._version == 6


def test_inplace_saved_tensor_modified_raises():
    for lib in (torch, shendu):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1.0
        z = y.sin()
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()
        y2 = x * 1.0
        z2 = y2 * x
        y2.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z2.sum().backward()


def test_inplace_on_views_writes_through():
    for lib in (torch, shendu):
        x = lib.zeros(3, 4)
        x[1].add_(2)
        x[:, 0].mul_(5).sub_(1)
        x.t()[2].clamp_(min=3)
        assert x.tolist() == [[-1.0, 0.0, 3.0, 0.0], [9.0, 2.0, 3.0, 2.0],
                              [-1.0, 0.0, 3.0, 0.0]]


def test_inplace_broadcast_into_self():
    check(lambda lib, x, y: (x * 1).add_(y), (3, 4), (4,))
    check(lambda lib, x, y: (x * 1).mul_(y), (3, 4), (3, 1))
    check(lambda lib, x: (x * 1).add_(lib.tensor(2.0, dtype=lib.float64)), (3, 4))


def test_inplace_integer_and_bool():
    for lib in (torch, shendu):
        a = lib.tensor([1, 2, 3])
        a += 2
        a *= 3
        a -= lib.tensor([1, 1, 1], dtype=lib.int32)
        a //= 2
        a %= 5
        a.div_(2, rounding_mode="floor")
        assert a.tolist() == [2, 0, 1] and a.dtype == lib.int64
        b = lib.tensor([True, False, True])
        b &= lib.tensor([True, True, False])
        b |= lib.tensor([False, True, False])
        b ^= lib.tensor([True, False, False])
        assert b.tolist() == [False, True, False] and b.dtype == lib.bool
        u = lib.tensor([250], dtype=lib.uint8)
        u += 10
        assert u.tolist() == [4]
        h = lib.tensor([1.0], dtype=lib.float16)
        h += lib.tensor([2.0], dtype=lib.float64)
        assert h.dtype == lib.float16 and h.tolist() == [3.0]
        f = lib.tensor([1.0, 2.0])
        f += lib.tensor([1, 2])
        f *= True
        assert f.tolist() == [2.0, 4.0] and f.dtype == lib.float32


def test_logical_inplace():
    for lib in (torch, shendu):
        b = lib.tensor([True, False, True, False])
        b.logical_and_(lib.tensor([1.0, 1.0, 0.0, 0.0]))
        assert b.tolist() == [True, False, False, False]
        b.logical_or_(lib.tensor([0, 1, 0, 0]))
        assert b.tolist() == [True, True, False, False]
        f = lib.tensor([2.0, 0.0])
        f.logical_not_()
        assert f.tolist() == [0.0, 1.0] and f.dtype == lib.float32
        f.logical_xor_(lib.tensor([True, True]))
        assert f.tolist() == [1.0, 0.0]
        i = lib.tensor([5, 6])
        i.bitwise_and_(3)
        i.bitwise_or_(8)
        i.bitwise_xor_(1)
        assert i.tolist() == [8, 11]
        i.bitwise_not_()
        assert i.tolist() == [-9, -12]


INPLACE_ERRORS = [
    (lambda lib, x: x.add_(1.5), ints(3), "add_"),
    (lambda lib, x: x.mul_(lib.ones(3)), ints(3), "mul_"),
    (lambda lib, x: x.__iadd__(lib.ones(3)), ints(3), "add_"),
    (lambda lib, x: x.div_(2), ints(3), "div_"),
    (lambda lib, x: x.sqrt_(), ints(3, low=0, high=3), "sqrt_"),
    (lambda lib, x: x.exp_(), ints(3), "exp_"),
    (lambda lib, x: x.pow_(0.5), ints(3, low=0, high=3), "pow_"),
    (lambda lib, x: x.add_(1), bools(3), "add_"),
    (lambda lib, x: x.clamp_(0.5, 1.0), ints(3), "clamp_"),
    (lambda lib, x: x.add_(lib.ones(2, 3)), (3,), "add_"),
    (lambda lib, x: x.mul_(lib.ones(4)), (3,), "mul_"),
    (lambda lib, x: x.lerp_(lib.ones(2, 3), 0.5), (3,), "lerp_"),
    (lambda lib, x: x.sub_(lib.ones(3, dtype=lib.bool)), bools(3), "sub"),
    (lambda lib, x: x.neg_(), bools(3), "neg"),
]


@pytest.mark.parametrize("i", range(len(INPLACE_ERRORS)))
def test_inplace_errors(i):
    fn, a, match = INPLACE_ERRORS[i]
    check_error(fn, a, match=match)


@pytest.mark.parametrize("name", ["add_", "mul_", "exp_", "clamp_", "neg_", "lerp_", "pow_"])
def test_inplace_on_leaf_requiring_grad_raises(name):
    op = INPLACE[name]
    check_error(lambda lib, x, y: op(x, y), (3, 4), (4,), requires_grad=True,
                match="leaf Variable")


# ----- errors ---------------------------------------------------------------------------

ERRORS = [
    (lambda lib, x, y: x + y, ((3, 4), (3,)), "add"),
    (lambda lib, x, y: x - y, ((2, 3), (3, 2)), "sub"),
    (lambda lib, x, y: x * y, ((5,), (4,)), "mul"),
    (lambda lib, x, y: x / y, ((5,), (4,)), "div"),
    (lambda lib, x, y: x ** y, ((5,), (4,)), "pow"),
    (lambda lib, x, y: x % y, ((5,), (4,)), "remainder"),
    (lambda lib, x, y: x // y, ((5,), (4,)), "floor_divide"),
    (lambda lib, x, y: lib.maximum(x, y), ((5,), (4,)), "maximum"),
    (lambda lib, x, y: lib.minimum(x, y), ((5,), (4,)), "minimum"),
    (lambda lib, x, y: lib.lerp(x, y, 0.5), ((5,), (4,)), "lerp"),
    (lambda lib, x, y: lib.addcmul(x, y, y), ((5,), (4,)), "addcmul"),
    (lambda lib, x, y: lib.addcdiv(x, y, y), ((5,), (4,)), "addcdiv"),
    (lambda lib, x, y: x - y, (bools(3), bools(3)), "sub"),
    (lambda lib, x, y: x - y, (bools(3), bools(3)), "bool"),
    (lambda lib, x: -x, (bools(3),), "neg"),
    (lambda lib, x: lib.sub(x, True), (bools(3),), "sub"),
    (lambda lib, x, y: lib.add(x, y, alpha=0.5), (ints(3), ints(3)), "alpha"),
    (lambda lib, x, y: lib.sub(x, y, alpha=2.5), (ints(3), ints(3)), "alpha"),
    (lambda lib, x, y: lib.add(x, y, alpha=True), (ints(3), ints(3)), "alpha"),
    (lambda lib, x: +x, (bools(3),), "positive"),
    (lambda lib, x: x + "a", ((3,),), "add"),
    (lambda lib, x: x * [1, 2, 3], ((3,),), "mul"),
    (lambda lib, x: x.frac(), (ints(3),), "frac"),
    (lambda lib, x: x.round(decimals=1), (ints(3),), "round"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    fn, specs, match = ERRORS[i]
    check_error(fn, *specs, match=match)


def test_broadcast_error_message_names_op_and_shapes():
    e = check_error(lambda lib, x, y: x + y, (3, 4), (3,))
    assert "[3, 4]" in str(e) and "[3]" in str(e)
    e = check_error(lambda lib, x, y, z: lib.where(x > 0, y, z), (2, 3), (3,), (2, 1, 4))
    assert "where" in str(e)


def test_pass_through_gradient_is_not_shared():
    """add/sub pass their incoming gradient on unchanged (g, g); the engine must not then add
    into it in place, which silently corrupted the other input's gradient."""
    check(lambda lib, x, a, b: (a - (a - x)) * b, (3,), (3,), (3,), second_order=True)
    check(lambda lib, x, a, b: x.lerp(a, 0.75) * b, (3,), (3,), (3,), second_order=True)
    for lib in (torch, shendu):
        x, a, b = (lib.tensor([1.0, 2.0], requires_grad=True) for _ in range(3))
        gx, ga, _ = lib.autograd.grad(((a + (x - a)) * b).sum(), [x, a, b], create_graph=True)
        assert lib.autograd.grad((gx + ga * ga).sum(), b)[0].tolist() == [1.0, 1.0], lib


# ----- formulas PyTorch does not have: gradcheck ---------------------------------------

def test_gradcheck_custom_formulas():
    """shendu's own forwards (erf by rational fits, the split sigmoid, lerp's two branches)
    and compositions: gradients agree with finite differences (float64)."""
    gen = np.random.default_rng(0)
    fns = {
        "erf": lambda x: x.erf(),
        "sigmoid": lambda x: (x * 8 - 7).sigmoid(),
        "rsqrt": lambda x: x.rsqrt(),
        "frac": lambda x: (x * 3).frac(),
        "nan_to_num": lambda x: shendu.nan_to_num(x.log() / (x - 2)),
        "lerp": lambda x: x.lerp(x.sin(), x.cos()),
        "maximum": lambda x: shendu.maximum(x, x.flip(0)),
        "where": lambda x: shendu.where(x > 1, x.exp(), x.square()),
    }
    for name, f in fns.items():
        x = shendu.tensor(gen.uniform(0.2, 1.8, (5,)), dtype=shendu.float64,
                          requires_grad=True)
        assert shendu.autograd.gradcheck(f, (x,)), name
        assert shendu.autograd.gradgradcheck(f, (x,)), name


# ----- hypothesis: random broadcastable shapes -----------------------------------------

@settings(max_examples=40, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3),
       op=st.sampled_from(["add", "mul", "maximum", "where", "lerp", "addcdiv", "pow"]))
def test_broadcasting_hypothesis(shapes, op):
    fns = {
        "add": lambda lib, x, y, z: x + y - z,
        "mul": lambda lib, x, y, z: x * y * z,
        "maximum": lambda lib, x, y, z: lib.maximum(x, y) * z,
        "where": lambda lib, x, y, z: lib.where(z > 0, x, y),
        "lerp": lambda lib, x, y, z: lib.lerp(x, y, z),
        "addcdiv": lambda lib, x, y, z: lib.addcdiv(x, y, z * z + 1, value=0.5),
        "pow": lambda lib, x, y, z: (x.abs() + 0.5) ** y + z,
    }
    check(fns[op], *shapes.input_shapes)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64, np.float16])
def test_select_is_np_where_on_large_masks(dtype):
    """The branch-free ``select`` behind where/masked_fill equals np.where bit for bit,
    including NaN, ±0.0, ±inf, broadcasting and Python-number operands."""
    from shendu.ops._helpers import select
    rng = np.random.default_rng(0)
    c = rng.random((70, 90)) > 0.5
    a = (rng.standard_normal((70, 90)) * 100).astype(dtype)
    b = (rng.standard_normal((1, 90)) * 100).astype(dtype)
    if np.dtype(dtype).kind == "f":
        a[0, :4] = [np.nan, -0.0, np.inf, -np.inf]
    for x, y in [(a, b), (b, a), (a, 0), (0, b), (a, a[:1])]:
        expected = np.where(c, x, y)
        if not isinstance(x, np.ndarray):
            expected = np.where(c, np.asarray(x, y.dtype), y)
        if not isinstance(y, np.ndarray):
            expected = np.where(c, x, np.asarray(y, x.dtype))
        got = select(c, x, y)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert got.tobytes() == expected.tobytes()
