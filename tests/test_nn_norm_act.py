"""Activations, normalization and dropout against PyTorch.

Functional forms go through ``check``: outputs, input gradients and second-order gradients.
Layers are built in PyTorch (with random γ, β so their gradients are not trivial), their
state_dict loaded into the shendu layer, and both run on the same inputs: outputs, input and
parameter gradients, running statistics after several training steps, evaluation mode.
Fused closed-form backwards also pass float64 gradcheck and gradgradcheck. Dropout cannot
share PyTorch's random numbers, so it is tested for its statistics and its deterministic
parts.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from helpers import assert_same, check, check_error

import shendu
import shendu.nn as snn
import shendu.nn.functional as SF
from shendu.autograd import gradcheck, gradgradcheck


def F(lib):
    return lib.nn.functional


def arrays(*shapes, seed=1, low=-2.0, high=2.0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, s).astype(dtype) for s in shapes]


# ----- activations: functional forms ---------------------------------------------------------

ACTIVATIONS = {
    "relu": lambda F, x: F.relu(x),
    "relu6": lambda F, x: F.relu6(x * 4),
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.2),
    "elu": lambda F, x: F.elu(x, 0.7),
    "selu": lambda F, x: F.selu(x),
    "celu": lambda F, x: F.celu(x, 1.5),
    "gelu": lambda F, x: F.gelu(x * 2),
    "gelu_tanh": lambda F, x: F.gelu(x * 2, approximate="tanh"),
    "silu": lambda F, x: F.silu(x * 3),
    "mish": lambda F, x: F.mish(x * 3),
    "softplus": lambda F, x: F.softplus(x),
    "softplus_beta_threshold": lambda F, x: F.softplus(x, beta=2.0, threshold=1.5),
    "softplus_negative_beta": lambda F, x: F.softplus(x, beta=-1.5, threshold=1.0),
    "softsign": lambda F, x: F.softsign(x),
    "hardtanh": lambda F, x: F.hardtanh(x, -0.5, 1.2),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x * 2.5),
    "hardswish": lambda F, x: F.hardswish(x * 2.5),
    "logsigmoid": lambda F, x: F.logsigmoid(x * 3),
    "softmin": lambda F, x: F.softmin(x, dim=1),
    "softmax": lambda F, x: F.softmax(x, dim=0),
    "log_softmax": lambda F, x: F.log_softmax(x, dim=1),
    "threshold": lambda F, x: F.threshold(x, 0.3, -2.0),
    "glu": lambda F, x: F.glu(x, 1),
    "glu_dim0": lambda F, x: F.glu(x, 0),
    "tanhshrink": lambda F, x: F.tanhshrink(x),
    "softshrink": lambda F, x: F.softshrink(x, 0.7),
    "hardshrink": lambda F, x: F.hardshrink(x, 0.7),
    "sigmoid": lambda F, x: F.sigmoid(x),
    "tanh": lambda F, x: F.tanh(x),
    "rrelu_eval": lambda F, x: F.rrelu(x, 0.1, 0.3, training=False),
}


# PyTorch has no double backward for hardsigmoid (shendu's is 0)
NO_TORCH_SECOND_ORDER = {"hardsigmoid"}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_matches_torch(name):
    fn = ACTIVATIONS[name]
    check(lambda lib, x: fn(F(lib), x), (4, 6),
          second_order=name not in NO_TORCH_SECOND_ORDER)


@pytest.mark.parametrize("name", ["relu", "elu", "gelu", "silu", "softplus", "logsigmoid",
                                  "hardswish", "mish"])
def test_activation_float64(name):
    fn = ACTIVATIONS[name]
    check(lambda lib, x: fn(F(lib), x), (3, 5), dtype=np.float64, atol=1e-12, rtol=1e-12,
          second_order=True)


def test_activations_extreme_inputs_stay_finite_and_quiet():
    x = np.array([-100.0, -30.0, -1e-3, 0.0, 1e-3, 30.0, 100.0], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # no overflow warnings from the unused branch
        for name in ["elu", "selu", "celu", "softplus", "softplus_beta_threshold",
                     "logsigmoid", "silu", "mish", "gelu", "gelu_tanh"]:
            fn = ACTIVATIONS[name]
            check(lambda lib, x: fn(F(lib), x), x.copy())


def test_kinks_take_pytorch_one_sided_derivatives():
    x = np.array([-3.0, -1.0, -0.7, -0.5, 0.0, 0.5, 0.7, 1.0, 1.5, 3.0, 6.0], np.float32)
    for fn in [lambda F, x: F.relu(x), lambda F, x: F.relu6(x), lambda F, x: F.hardtanh(x),
               lambda F, x: F.leaky_relu(x, 0.1), lambda F, x: F.elu(x),
               lambda F, x: F.hardsigmoid(x), lambda F, x: F.hardswish(x),
               lambda F, x: F.threshold(x, 0.5, 9.0), lambda F, x: F.hardshrink(x),
               lambda F, x: F.softshrink(x), lambda F, x: F.celu(x, 2.0),
               lambda F, x: F.softplus(x, 2.0, 1.0)]:
        check(lambda lib, x: fn(F(lib), x), x.copy())


def test_gelu_exact_is_accurate_in_both_tails():
    """Φ from erfc: float32-accurate (relative error < 1e-5, a few ulps) also for x < 0, where
    PyTorch's 1 + erf(x/√2) cancels (e.g. 6e-3 relative error at x = −3.5, 0 below −5.5)."""
    x = np.random.default_rng(0).uniform(-8, 8, 20000).astype(np.float32)
    got = SF.gelu(shendu.from_numpy(x)).numpy().astype(np.float64)
    ref = np.array([0.5 * v * math.erfc(-v / math.sqrt(2)) for v in x.astype(np.float64)])
    assert (np.abs(got - ref) / np.abs(ref)).max() < 1e-5


def test_integer_inputs_keep_their_dtype_where_torch_does():
    x = np.array([-3, 0, 2, 8], np.int64)
    check(lambda lib, x: F(lib).relu(x), x, grad=False)
    check(lambda lib, x: F(lib).relu6(x), x, grad=False)
    check(lambda lib, x: F(lib).hardtanh(x), x, grad=False)
    check(lambda lib, x: F(lib).threshold(x, 1, 5), x, grad=False)


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "silu", "mish", "softplus", "selu",
                                  "celu", "logsigmoid", "softsign", "hardswish", "elu"])
def test_activation_gradcheck(name):
    fn = ACTIVATIONS[name]
    # away from the kinks, where finite differences are meaningless
    x = np.array([[-2.7, -1.3, -0.4, 0.35, 0.9, 1.7, 2.2]], np.float64)
    t = shendu.from_numpy(x).requires_grad_()
    assert gradcheck(lambda v: fn(SF, v), (t,))
    assert gradgradcheck(lambda v: fn(SF, v), (t,))


# ----- in-place forms --------------------------------------------------------------------

INPLACE = {
    "relu": lambda F, x: F.relu(x, inplace=True),
    "relu_": lambda F, x: F.relu_(x),
    "relu6": lambda F, x: F.relu6(x, inplace=True),
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.1, True),
    "leaky_relu_": lambda F, x: F.leaky_relu_(x, 0.1),
    "elu_": lambda F, x: F.elu_(x, 0.5),
    "selu": lambda F, x: F.selu(x, inplace=True),
    "celu_": lambda F, x: F.celu_(x, 2.0),
    "hardtanh_": lambda F, x: F.hardtanh_(x, -0.5, 0.5),
    "threshold_": lambda F, x: F.threshold_(x, 0.1, 3.0),
    "silu": lambda F, x: F.silu(x, inplace=True),
    "mish": lambda F, x: F.mish(x, inplace=True),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x, inplace=True),
    "hardswish": lambda F, x: F.hardswish(x, inplace=True),
    "rrelu_eval_": lambda F, x: F.rrelu_(x, 0.1, 0.2),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_activation_changes_its_input(name):
    fn = INPLACE[name]

    def run(lib, x):
        h = x * 1.0                 # a non-leaf, so in-place is allowed
        out = fn(F(lib), h)
        assert out is h
        return h
    check(run, (3, 4))


def test_inplace_on_leaf_that_requires_grad_raises():
    check_error(lambda lib, x: F(lib).relu(x, inplace=True), (3,), requires_grad=True,
                match="leaf Variable that requires grad")
    check_error(lambda lib, x: F(lib).elu_(x), (3,), requires_grad=True,
                match="in-place operation")


def test_inplace_module_without_grad_modifies_tensor():
    x = shendu.tensor([-1.0, 2.0])
    y = snn.ReLU(inplace=True)(x)
    assert y is x and x.tolist() == [0.0, 2.0]


# ----- activations: modules --------------------------------------------------------------

MODULES = [
    ("Threshold", (0.1, 2.0), {}), ("Threshold", (1, 2, True), {}), ("ReLU", (), {}),
    ("ReLU", (), {"inplace": True}), ("RReLU", (), {}), ("RReLU", (0.1, 0.3, True), {}),
    ("Hardtanh", (), {}), ("Hardtanh", (-2.0, 3.0, True), {}), ("ReLU6", (), {}),
    ("ReLU6", (True,), {}), ("Sigmoid", (), {}), ("Hardsigmoid", (), {}),
    ("Hardsigmoid", (True,), {}), ("Tanh", (), {}), ("SiLU", (), {}), ("SiLU", (True,), {}),
    ("Mish", (), {}), ("Hardswish", (), {}), ("ELU", (), {}), ("ELU", (0.5, True), {}),
    ("CELU", (2.0,), {}), ("SELU", (), {}), ("SELU", (True,), {}), ("GLU", (), {}),
    ("GLU", (0,), {}), ("GELU", (), {}), ("GELU", ("tanh",), {}), ("Hardshrink", (), {}),
    ("Hardshrink", (0.3,), {}), ("LeakyReLU", (), {}), ("LeakyReLU", (0.2, True), {}),
    ("LogSigmoid", (), {}), ("Softplus", (), {}), ("Softplus", (2.0, 10.0), {}),
    ("Softshrink", (), {}), ("PReLU", (), {}), ("PReLU", (4, 0.1), {}), ("Softsign", (), {}),
    ("Tanhshrink", (), {}), ("Softmin", (1,), {}), ("Softmax", (1,), {}),
    ("Softmax", (), {}), ("Softmax2d", (), {}), ("LogSoftmax", (1,), {}),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES)
def test_activation_module_repr_and_output(name, args, kwargs):
    t = getattr(torch.nn, name)(*args, **kwargs)
    s = getattr(snn, name)(*args, **kwargs)
    assert repr(s) == repr(t)
    assert list(s.state_dict()) == list(t.state_dict())
    t.eval()
    s.eval()
    s.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    x, = arrays((2, 4, 3, 2))
    kw = {"atol": 1e-6, "rtol": 1e-5}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # Softmax() with an implicit dim
        # in-place modules need a non-leaf input
        assert_same(s(shendu.from_numpy(x.copy()) * 1.0), t(torch.from_numpy(x.copy()) * 1.0),
                    what=name, **kw)


@pytest.mark.parametrize("num_parameters,shape", [(1, (3, 4, 5, 2)), (4, (3, 4, 5)),
                                                  (4, (3, 4)), (1, (7,)), (1, ())])
def test_prelu_module_weight_grad(num_parameters, shape):
    torch.manual_seed(0)
    t = torch.nn.PReLU(num_parameters)
    with torch.no_grad():
        t.weight.uniform_(-0.5, 0.5)
    s = snn.PReLU(num_parameters)
    s.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    compare_layers(s, t, arrays(shape)[0])


def test_prelu_second_order_and_errors():
    check(lambda lib, x, w: F(lib).prelu(x, w), (3, 4, 5), (4,), second_order=True)
    check(lambda lib, x, w: F(lib).prelu(x, w), (3, 4, 5), (1,), second_order=True)
    check_error(lambda lib, x, w: F(lib).prelu(x, w), (2, 4), (3,), match="channel size = 4")
    check_error(lambda lib, x, w: F(lib).prelu(x, w), (3,), (3,), match="parameter numbers")


def test_prelu_gradcheck():
    x = shendu.from_numpy(np.array([[-1.5, 0.7, -0.2], [2.1, -0.9, 0.4]])).requires_grad_()
    w = shendu.from_numpy(np.array([0.3, -0.2, 0.6])).requires_grad_()
    assert gradcheck(SF.prelu, (x.reshape(2, 3, 1), w))
    assert gradgradcheck(SF.prelu, (x.reshape(2, 3, 1), w))


def test_prelu_default_init():
    p = snn.PReLU(3)
    assert p.weight.shape == (3,) and np.all(p.weight.detach().numpy() == 0.25)
    assert np.all(snn.PReLU(init=0.1).weight.detach().numpy() == np.float32(0.1))


def test_rrelu_training_draws_slopes_in_range():
    shendu.manual_seed(0)
    x = shendu.from_numpy(np.linspace(-2, 2, 4000).astype(np.float32)).requires_grad_()
    y = SF.rrelu(x, 0.1, 0.3, training=True)
    xs, ys = x.detach().numpy(), y.detach().numpy()
    neg = xs < 0
    slope = ys[neg] / xs[neg]
    assert slope.min() >= 0.1 - 1e-6 and slope.max() <= 0.3 + 1e-6
    assert abs(slope.mean() - 0.2) < 0.01 and slope.std() > 0.04
    np.testing.assert_array_equal(ys[~neg], xs[~neg])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[neg], slope, rtol=1e-5)
    np.testing.assert_array_equal(x.grad.numpy()[xs > 0], 1.0)


def test_activation_errors():
    check_error(lambda lib, x: F(lib).glu(x, 1), (2, 5),
                match="Halving dimension must be even, but dimension 1 is size 5")
    check_error(lambda lib, x: F(lib).glu(x), np.array(1.0, np.float32),
                match="does not support scalars")
    check_error(lambda lib, x: F(lib).hardtanh(x, 2.0, 1.0), (3,),
                match="min_val cannot be greater than max_val")
    check_error(lambda lib, x: F(lib).gelu(x, approximate="erf"), (3,),
                match="approximate argument must be either none or tanh")
    check_error(lambda lib, x: F(lib).softshrink(x, -1.0), (3,), match="lambda must be in range")
    check_error(lambda lib, x: F(lib).rrelu(x, 0.5, 0.2, True), (3,),
                match="Lower bound should be less than or equal to the upper bound")
    check_error(lambda lib, x: F(lib).celu(x, 0.0), (3,), match="alpha cannot be 0")
    check_error(lambda lib, x: lib.nn.Softmax2d()(x), (3, 4), match="expected input to be 3D")
    check_error(lambda lib, x: lib.nn.Hardtanh(1.0, 1.0), (1,),
                match="max_val (1.0) must be greater than min_val (1.0)")


# ----- layers against PyTorch ------------------------------------------------------------

def pair(cls: str, *args, seed=0, **kwargs):
    """The same layer in both libraries, with random affine parameters copied to shendu."""
    torch.manual_seed(seed)
    t = getattr(torch.nn, cls)(*args, **kwargs)
    with torch.no_grad():
        for name, p in t.named_parameters():
            p.uniform_(0.5, 1.5) if name == "weight" else p.uniform_(-0.5, 0.5)
    s = getattr(snn, cls)(*args, **kwargs)
    assert list(s.state_dict()) == list(t.state_dict())
    s.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    return s, t


def compare_layers(s, t, x, seed=3, atol=1e-5, grad_atol=1e-4, what=""):
    """Forward both layers on x, then backward with a random output gradient: the output,
    the input gradient, every parameter gradient and every buffer must agree."""
    xs = shendu.from_numpy(x.copy()).requires_grad_()
    xt = torch.from_numpy(x.copy()).requires_grad_()
    ys, yt = s(xs), t(xt)
    assert_same(ys, yt, atol, atol, f"{what} output")
    g = np.random.default_rng(seed).standard_normal(tuple(yt.shape)).astype(np.float32)
    yt.backward(torch.from_numpy(g))
    ys.backward(shendu.from_numpy(g.copy()))
    assert_same(xs.grad, xt.grad, grad_atol, grad_atol, f"{what} grad of input")
    tp = dict(t.named_parameters())
    for name, p in s.named_parameters():
        assert_same(p.grad, tp[name].grad, grad_atol, grad_atol, f"{what} grad of {name}")
        p.grad = None
        tp[name].grad = None
    tb = dict(t.named_buffers())
    assert [n for n, _ in s.named_buffers()] == list(tb)
    for name, b in s.named_buffers():
        assert_same(b, tb[name], 1e-6, 1e-5, f"{what} buffer {name}")
    return ys


def run_steps(s, t, shape, steps=3, scale=2.0, shift=0.5):
    """Several training steps on fresh batches (with non-zero mean), then evaluation."""
    for i in range(steps):
        x = arrays(shape, seed=10 + i)[0] * scale + shift
        compare_layers(s, t, x, seed=i, what=f"train step {i}")
    s.eval()
    t.eval()
    x = arrays(shape, seed=99)[0] * scale + shift
    compare_layers(s, t, x, what="eval")


BATCHNORMS = [
    ("BatchNorm1d", (5,), {}, (8, 5)),
    ("BatchNorm1d", (5,), {}, (8, 5, 7)),
    ("BatchNorm2d", (4,), {}, (6, 4, 5, 3)),
    ("BatchNorm3d", (3,), {}, (2, 3, 4, 3, 2)),
    ("BatchNorm2d", (4,), {"momentum": None}, (3, 4, 2, 5)),
    ("BatchNorm2d", (4,), {"momentum": 0.5, "eps": 1e-3}, (3, 4, 2, 5)),
    ("BatchNorm2d", (4,), {"affine": False}, (3, 4, 2, 5)),
    ("BatchNorm2d", (4,), {"bias": False}, (3, 4, 2, 5)),
    ("BatchNorm1d", (5,), {"track_running_stats": False}, (6, 5, 3)),
    ("BatchNorm1d", (5,), {"track_running_stats": False, "affine": False}, (6, 5)),
    ("BatchNorm1d", (5,), {"momentum": None, "affine": False}, (6, 5)),
]


@pytest.mark.parametrize("cls,args,kwargs,shape", BATCHNORMS)
def test_batchnorm_layers(cls, args, kwargs, shape):
    s, t = pair(cls, *args, **kwargs)
    assert repr(s) == repr(t)
    run_steps(s, t, shape)
    if s.track_running_stats:
        assert int(s.num_batches_tracked) == 3


def test_batchnorm_defaults_and_buffers():
    s = snn.BatchNorm2d(3)
    assert s.num_batches_tracked.dtype == shendu.int64 and s.num_batches_tracked.shape == ()
    assert s.running_mean.tolist() == [0.0] * 3 and s.running_var.tolist() == [1.0] * 3
    assert s.weight.tolist() == [1.0] * 3 and s.bias.tolist() == [0.0] * 3
    assert s.weight.dtype == shendu.float32 and s.running_var.dtype == shendu.float32
    s(shendu.randn(4, 3, 2, 2))
    s.reset_running_stats()
    assert s.running_var.tolist() == [1.0] * 3 and int(s.num_batches_tracked) == 0
    assert list(snn.BatchNorm1d(2, track_running_stats=False).state_dict()) == ["weight", "bias"]
    d = snn.BatchNorm1d(2).double()
    assert d.running_mean.dtype == shendu.float64 and d.num_batches_tracked.dtype == shendu.int64


def test_batchnorm_eval_without_running_stats_uses_batch_stats():
    s, t = pair("BatchNorm1d", 4, track_running_stats=False)
    s.eval()
    t.eval()
    compare_layers(s, t, arrays((5, 4))[0])


def test_batchnorm_stays_float32():
    s = snn.BatchNorm2d(3)
    x = shendu.randn(2, 3, 4, 4, requires_grad=True)
    y = s(x)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == s.weight.grad.dtype == s.running_var.dtype \
        == shendu.float32


def test_batchnorm_float64():
    s, t = pair("BatchNorm2d", 3)
    s.double()
    t.double()
    x = arrays((4, 3, 2, 2), dtype=np.float64)[0]
    xs = shendu.from_numpy(x.copy()).requires_grad_()
    xt = torch.from_numpy(x.copy()).requires_grad_()
    assert_same(s(xs), t(xt), 1e-12, 1e-12)
    assert_same(s.running_var, t.running_var, 1e-12, 1e-12)


def test_batchnorm_errors_name_the_layer():
    err = check_error(lambda lib, x: lib.nn.BatchNorm2d(16)(x), (2, 8, 3, 3),
                      match="BatchNorm2d(16)")
    assert "16 channels" in str(err) and "got 8" in str(err)
    err = check_error(lambda lib, x: lib.nn.BatchNorm2d(16)(x), (2, 16, 3),
                      match="expected 4D input (got 3D input")
    assert "BatchNorm2d(16)" in str(err)
    check_error(lambda lib, x: lib.nn.BatchNorm1d(3)(x), (2, 3, 4, 5),
                match="expected 2D or 3D input (got 4D input")
    check_error(lambda lib, x: lib.nn.BatchNorm3d(3)(x), (2, 3, 4, 5),
                match="expected 5D input (got 4D input")
    check_error(lambda lib, x: lib.nn.BatchNorm1d(3)(x), (1, 3),
                match="Expected more than 1 value per channel when training")
    check_error(lambda lib, x: lib.nn.BatchNorm1d(3)(x), (1, 3, 1),
                match="Expected more than 1 value per channel when training")
    check_error(lambda lib, x: F(lib).batch_norm(x, None, None, training=False), (4, 3),
                match="running_mean must be defined in evaluation mode")
    check_error(lambda lib, x, w: F(lib).batch_norm(x, None, None, w, training=True),
                (4, 3), (5,), match="weight should contain 3 elements not 5")
    check_error(lambda lib, x: F(lib).batch_norm(x, None, None, training=True, eps=0.0),
                (4, 3), match="eps must be positive")


def test_batchnorm_input_without_grad():
    s, t = pair("BatchNorm2d", 3)
    x, g = arrays((4, 3, 2, 2), (4, 3, 2, 2))
    t(torch.from_numpy(x)).backward(torch.from_numpy(g))
    s(shendu.from_numpy(x)).backward(shendu.from_numpy(g))
    assert_same(s.weight.grad, t.weight.grad, 1e-5, 1e-5)
    assert_same(s.bias.grad, t.bias.grad, 1e-5, 1e-5)


@pytest.mark.parametrize("name,fn", [
    ("batch_norm", lambda F, x, w, b: F.batch_norm(x, None, None, w, b, training=True)),
    ("instance_norm", lambda F, x, w, b: F.instance_norm(x, weight=w, bias=b)),
    ("group_norm", lambda F, x, w, b: F.group_norm(x, 2, w, b)),
    ("layer_norm", lambda F, x, w, b: F.layer_norm(x, (8, 16), w.reshape(8, 1).expand(8, 16),
                                                   b.reshape(8, 1).expand(8, 16))),
])
def test_norms_stay_accurate_for_means_far_above_sigma(name, fn):
    """x = 1000 + N(0, 1) in float32: shendu keeps full float32 accuracy (corrected two-pass
    statistics, centered sums), measured against PyTorch in float64."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((16, 8, 16)) + 1000).astype(np.float32)
    g = rng.standard_normal((16, 8, 16)).astype(np.float32)
    w, b = rng.uniform(0.5, 1.5, 8).astype(np.float32), rng.uniform(-1, 1, 8).astype(np.float32)

    def run(lib, dtype):
        ts = [lib.from_numpy(a.astype(dtype)).requires_grad_() for a in (x, w, b)]
        fn(lib.nn.functional, *ts).backward(lib.from_numpy(g.astype(dtype)))
        return [t.grad.numpy().astype(np.float64) for t in ts]
    ref = run(torch, np.float64)
    for got, want in zip(run(shendu, np.float32), ref):
        assert np.abs(got - want).max() <= 1e-6 * np.abs(want).max()


def test_batchnorm_batch_of_one_in_eval_is_fine():
    s, t = pair("BatchNorm1d", 3)
    s.eval()
    t.eval()
    compare_layers(s, t, arrays((1, 3))[0])


def test_batch_norm_functional_second_order():
    check(lambda lib, x, w, b: F(lib).batch_norm(x, None, None, w, b, training=True),
          (4, 3, 5), (3,), (3,), second_order=True)
    check(lambda lib, x: F(lib).batch_norm(x, None, None, training=True), (6, 2),
          second_order=True)
    rm, rv = arrays((3,), (3,), seed=5)
    rv = np.abs(rv) + 0.5

    def eval_bn(lib, x, w, b):
        return F(lib).batch_norm(x, lib.from_numpy(rm.copy()), lib.from_numpy(rv.copy()), w, b,
                                 training=False)
    check(eval_bn, (4, 3, 5), (3,), (3,), second_order=True)


def test_batch_norm_functional_updates_running_stats():
    x, = arrays((7, 3, 4))
    rm, rv = np.zeros(3, np.float32), np.ones(3, np.float32)
    trm, trv = torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy())
    srm, srv = shendu.from_numpy(rm.copy()), shendu.from_numpy(rv.copy())
    for m in (0.1, 0.7):
        torch.nn.functional.batch_norm(torch.from_numpy(x), trm, trv, training=True, momentum=m)
        SF.batch_norm(shendu.from_numpy(x), srm, srv, training=True, momentum=m)
        assert_same(srm, trm, 1e-6, 1e-6)
        assert_same(srv, trv, 1e-6, 1e-6)


def x64(*shapes, seed=2):
    return [shendu.from_numpy(a).requires_grad_() for a in
            arrays(*shapes, seed=seed, dtype=np.float64)]


def test_norm_gradcheck_float64():
    x, w, b = x64((3, 2, 3), (2,), (2,))
    cases = [
        (lambda x, w, b: SF.batch_norm(x, None, None, w, b, training=True), (x, w, b)),
        (lambda x, w, b: SF.instance_norm(x, weight=w, bias=b), (x, w, b)),
        (lambda x, w, b: SF.group_norm(x, 1, w, b), (x, w, b)),
    ]
    xl, wl, bl = x64((2, 3, 4), (3, 4), (3, 4))
    cases.append((lambda x, w, b: SF.layer_norm(x, (3, 4), w, b), (xl, wl, bl)))
    xg, wg, bg = x64((2, 4, 3), (4,), (4,))
    cases.append((lambda x, w, b: SF.group_norm(x, 2, w, b), (xg, wg, bg)))
    for fn, inputs in cases:
        assert gradcheck(fn, inputs)
        assert gradgradcheck(fn, inputs)


# ----- instance, layer, group, RMS and local response normalization -----------------------

INSTANCENORMS = [
    ("InstanceNorm1d", (4,), {}, (3, 4, 9)),
    ("InstanceNorm1d", (4,), {}, (4, 9)),
    ("InstanceNorm2d", (3,), {"affine": True}, (2, 3, 5, 4)),
    ("InstanceNorm2d", (3,), {"affine": True}, (3, 5, 4)),
    ("InstanceNorm2d", (3,), {"track_running_stats": True}, (2, 3, 4, 4)),
    ("InstanceNorm3d", (2,), {"affine": True, "track_running_stats": True, "momentum": 0.3},
     (2, 2, 3, 3, 2)),
    ("InstanceNorm3d", (2,), {"affine": True, "bias": False}, (2, 3, 3, 2)),
]


@pytest.mark.parametrize("cls,args,kwargs,shape", INSTANCENORMS)
def test_instancenorm_layers(cls, args, kwargs, shape):
    s, t = pair(cls, *args, **kwargs)
    assert repr(s) == repr(t)
    run_steps(s, t, shape)


def test_instancenorm_channel_mismatch():
    check_error(lambda lib, x: lib.nn.InstanceNorm1d(3, affine=True)(x), (2, 4, 5),
                match="expected input's size at dim=1 to match num_features (3), but got: 4")
    with pytest.warns(UserWarning, match="does not match num_features"):
        snn.InstanceNorm1d(3)(shendu.randn(2, 4, 5))
    check_error(lambda lib, x: lib.nn.InstanceNorm1d(3)(x), (2, 3, 1),
                match="Expected more than 1 spatial element when training")
    check_error(lambda lib, x: lib.nn.InstanceNorm2d(3)(x), (2, 3),
                match="expected 3D or 4D input (got 2D input")


def test_instance_norm_functional_second_order():
    check(lambda lib, x, w, b: F(lib).instance_norm(x, weight=w, bias=b), (2, 3, 5), (3,),
          (3,), second_order=True)


LAYERNORMS = [
    ("LayerNorm", (8,), {}, (4, 6, 8)),
    ("LayerNorm", ((6, 8),), {}, (4, 6, 8)),
    ("LayerNorm", ([3, 2, 4],), {"eps": 1e-3}, (2, 3, 2, 4)),
    ("LayerNorm", (8,), {"elementwise_affine": False}, (5, 8)),
    ("LayerNorm", (8,), {"bias": False}, (5, 8)),
    ("LayerNorm", (8,), {}, (8,)),
    ("GroupNorm", (2, 6), {}, (3, 6, 4, 4)),
    ("GroupNorm", (3, 6), {"affine": False}, (3, 6, 5)),
    ("GroupNorm", (1, 4), {}, (2, 4)),
    ("GroupNorm", (6, 6), {"eps": 1e-3}, (2, 6, 3)),
    ("GroupNorm", (2, 4), {"bias": False}, (2, 4, 3, 2, 2)),
    ("RMSNorm", (8,), {}, (4, 8)),
    ("RMSNorm", ((3, 8),), {"eps": 1e-3}, (2, 3, 8)),
    ("RMSNorm", (8,), {"elementwise_affine": False}, (4, 8)),
    ("LocalResponseNorm", (3,), {}, (2, 6, 4, 4)),
    ("LocalResponseNorm", (4,), {"alpha": 1e-2, "beta": 0.5, "k": 2.0}, (2, 7, 5)),
    ("LocalResponseNorm", (5,), {"alpha": 0.1}, (2, 5, 3, 3, 2)),
    ("LocalResponseNorm", (1,), {}, (2, 3, 4)),
]


@pytest.mark.parametrize("cls,args,kwargs,shape", LAYERNORMS)
def test_feature_norm_layers(cls, args, kwargs, shape):
    s, t = pair(cls, *args, **kwargs)
    assert repr(s) == repr(t)
    compare_layers(s, t, arrays(shape)[0] * 2.0 + 0.5)


def test_layernorm_defaults():
    s = snn.LayerNorm((2, 3))
    assert s.normalized_shape == (2, 3) and s.weight.shape == (2, 3)
    assert np.all(s.weight.detach().numpy() == 1) and np.all(s.bias.detach().numpy() == 0)
    g = snn.GroupNorm(2, 4)
    assert np.all(g.weight.detach().numpy() == 1) and np.all(g.bias.detach().numpy() == 0)


def test_norm_functional_optional_affine():
    check(lambda lib, x, b: F(lib).layer_norm(x, (5,), None, b), (3, 5), (5,))
    check(lambda lib, x, w: F(lib).layer_norm(x, (5,), w), (3, 5), (5,))
    # (PyTorch's group_norm backward fails with a bias and no weight: forward only, and
    # shendu's gradient by gradcheck)
    check(lambda lib, x, b: F(lib).group_norm(x, 2, None, b), (3, 4, 2), (4,), grad=False)
    assert gradcheck(lambda x, b: SF.group_norm(x, 2, None, b), x64((3, 4, 2), (4,)))
    check(lambda lib, x, w: F(lib).batch_norm(x, None, None, w, training=True), (3, 4, 2),
          (4,))
    check(lambda lib, x, b: F(lib).instance_norm(x, bias=b), (3, 4, 2), (4,))


def test_feature_norm_functional_second_order():
    check(lambda lib, x, w, b: F(lib).layer_norm(x, (5,), w, b), (3, 4, 5), (5,), (5,),
          second_order=True)
    check(lambda lib, x: F(lib).layer_norm(x, [4, 5]), (3, 4, 5), second_order=True)
    check(lambda lib, x, w, b: F(lib).group_norm(x, 2, w, b), (2, 4, 3), (4,), (4,),
          second_order=True)
    check(lambda lib, x, w: F(lib).rms_norm(x, (5,), w), (3, 5), (5,), second_order=True)
    check(lambda lib, x: F(lib).local_response_norm(x, 3, alpha=0.1), (2, 5, 3),
          second_order=True)


def test_normalize():
    check(lambda lib, x: F(lib).normalize(x), (4, 5), second_order=True)
    check(lambda lib, x: F(lib).normalize(x, p=1.0, dim=0), (4, 5))
    check(lambda lib, x: F(lib).normalize(x, p=3, dim=-1, eps=0.5), (4, 5))
    zero = np.zeros((2, 3), np.float32)
    check(lambda lib, x: F(lib).normalize(x, dim=1), zero)

    def with_out(lib, x):
        out = lib.empty(4, 5)
        r = F(lib).normalize(x, out=out)
        assert r is out
        return out
    check(with_out, (4, 5), grad=False)


def test_norm_errors_name_the_layer():
    err = check_error(lambda lib, x: lib.nn.LayerNorm(10)(x), (3, 5), match="LayerNorm((10,)")
    assert "[*, 10]" in str(err) and "[3, 5]" in str(err)
    check_error(lambda lib, x: F(lib).layer_norm(x, [10]), (3, 5),
                match="Given normalized_shape=[10], expected input with shape [*, 10], but got "
                      "input of size[3, 5]")
    check_error(lambda lib, x, w: F(lib).layer_norm(x, [5], w), (3, 5), (4,),
                match="Expected weight to be of same shape as normalized_shape")
    check_error(lambda lib, x: F(lib).rms_norm(x, [5]), (2, 6), match="normalized_shape=[5]")
    err = check_error(lambda lib, x: lib.nn.GroupNorm(2, 6)(x), (2, 4, 3), match="GroupNorm(2, 6")
    assert "(N, 6, *)" in str(err) and "[2, 4, 3]" in str(err)
    check_error(lambda lib, x: F(lib).group_norm(x, 4), (2, 6, 4),
                match="Expected number of channels in input to be divisible by num_groups")
    check_error(lambda lib, x: F(lib).group_norm(x, 3), (1, 3),
                match="Expected more than 1 value per channel when training")
    check_error(lambda lib, x: F(lib).group_norm(x, 1), (3,),
                match="Expected at least 2 dimensions")
    check_error(lambda lib, x: lib.nn.GroupNorm(2, 3), (1,),
                match="num_channels (3) must be divisible by num_groups (2)")
    check_error(lambda lib, x: F(lib).local_response_norm(x, 3), (2, 6),
                match="Expected 3D or higher dimensionality input (got 2 dimensions)")


# ----- dropout -----------------------------------------------------------------------------

def test_dropout_statistics_and_gradient():
    shendu.manual_seed(0)
    x = shendu.ones(200, 500, requires_grad=True)
    y = SF.dropout(x, 0.3)
    v = y.detach().numpy()
    assert v.dtype == np.float32
    assert abs((v == 0).mean() - 0.3) < 0.01
    np.testing.assert_array_equal(np.unique(v), np.float32([0, 1 / 0.7]))
    assert abs(v.mean() - 1) < 0.02                 # the expectation is preserved
    y.backward(shendu.ones(200, 500))
    np.testing.assert_array_equal(x.grad.numpy(), v)   # ∂L/∂x = mask · 1/(1 − p)


def test_dropout_repeats_with_the_seed_and_differs_without():
    x = shendu.ones(1000)
    shendu.manual_seed(5)
    a = SF.dropout(x).numpy()
    b = SF.dropout(x).numpy()
    shendu.manual_seed(5)
    np.testing.assert_array_equal(SF.dropout(x).numpy(), a)
    assert not np.array_equal(a, b)


def test_dropout_eval_zero_and_one():
    x = shendu.randn(3, 4)
    assert SF.dropout(x, 0.5, training=False) is x
    assert SF.dropout(x, 0.0) is x
    m = snn.Dropout(0.4).eval()
    assert m(x) is x and snn.AlphaDropout().eval()(x) is x
    assert SF.alpha_dropout(x, 0.5) is x           # training=False by default, as in PyTorch
    # p = 1 drops everything and has zero gradient: deterministic, so compared with torch
    # (dropout2d of a 5-D input warns in both libraries)
    warnings.simplefilter("ignore")
    for fn in [lambda F, x: F.dropout(x, 1.0), lambda F, x: F.dropout2d(x, 1.0),
               lambda F, x: F.alpha_dropout(x, 1.0, True),
               lambda F, x: F.feature_alpha_dropout(x, 1.0, True),
               lambda F, x: F.dropout(x, 0.5, False), lambda F, x: F.dropout3d(x, 0.0)]:
        check(lambda lib, x: fn(F(lib), x) * 1.0, (2, 3, 4, 5, 2))


def channel_masks(v, lead):
    """Per (sample, channel) map: all equal (one draw for the whole map)."""
    flat = v.reshape(v.shape[:lead] + (-1,))
    assert np.all(flat == flat[..., :1])
    return flat[..., 0]


@pytest.mark.parametrize("fn,shape,lead", [
    ("dropout1d", (40, 30, 6), 2), ("dropout1d", (2000, 6), 1),
    ("dropout2d", (40, 30, 3, 2), 2), ("dropout3d", (20, 30, 2, 3, 2), 2),
    ("dropout3d", (2000, 2, 3, 2), 1),
])
def test_channel_dropout(fn, shape, lead):
    shendu.manual_seed(1)
    x = shendu.ones(*shape, requires_grad=True)
    y = getattr(SF, fn)(x, 0.25)
    assert y.shape == shape
    v = y.detach().numpy()
    m = channel_masks(v, lead)
    assert abs((m == 0).mean() - 0.25) < 0.04
    np.testing.assert_allclose(np.unique(m), [0, 1 / 0.75], rtol=1e-6)
    y.backward(shendu.ones(*shape))
    np.testing.assert_array_equal(x.grad.numpy(), v)


def test_dropout_modules_and_warnings():
    shendu.manual_seed(2)
    x = shendu.ones(30, 20, 4)
    for cls in ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                "FeatureAlphaDropout"]:
        s, t = getattr(snn, cls)(0.2, True), getattr(torch.nn, cls)(0.2, True)
        assert repr(s) == repr(t)
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        y = snn.Dropout2d(0.5)(x).numpy()
    channel_masks(y, 2)
    with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):
        snn.Dropout3d(0.5)(x)
    check_error(lambda lib, x: F(lib).dropout1d(x), (2, 3, 4, 5), match="Expected 2D or 3D")
    check_error(lambda lib, x: F(lib).dropout(x, 1.5), (3,),
                match="dropout probability has to be between 0 and 1, but got 1.5")
    check_error(lambda lib, x: lib.nn.Dropout(-0.1), (3,), match="between 0 and 1")
    check_error(lambda lib, x: F(lib).feature_alpha_dropout(x, 0.5, True), (3,),
                match="Feature dropout requires at least 2 dimensions")


def test_dropout_inplace():
    shendu.manual_seed(3)
    x = shendu.ones(50, 40)
    y = SF.dropout(x, 0.5, inplace=True)
    assert y is x and abs((x.numpy() == 0).mean() - 0.5) < 0.05
    a = shendu.ones(10, 10, requires_grad=True)
    h = a * 1.0
    out = snn.Dropout(0.5, inplace=True)(h)
    assert out is h
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), h.detach().numpy())


def test_alpha_dropout_keeps_selu_statistics():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 500)).astype(np.float32)
    p = 0.2
    shendu.manual_seed(0)
    xs = shendu.from_numpy(x).requires_grad_()
    y = SF.alpha_dropout(xs, p, training=True)
    v = y.detach().numpy()
    assert v.dtype == np.float32
    assert abs(v.mean()) < 0.01 and abs(v.std() - 1) < 0.01
    alpha = 1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    a = 1 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    dropped = np.isclose(v, -alpha * a + alpha * a * p, atol=1e-6)
    assert abs(dropped.mean() - p) < 0.01
    np.testing.assert_allclose(v[~dropped], a * x[~dropped] + alpha * a * p, rtol=1e-5,
                               atol=1e-6)
    y.backward(shendu.ones_like(y))
    np.testing.assert_allclose(xs.grad.numpy(), np.where(dropped, 0.0, a), rtol=1e-6)
    # torch's alpha dropout, on the same input, has the same statistics
    vt = torch.nn.functional.alpha_dropout(torch.from_numpy(x), p, True).numpy()
    assert abs(vt.mean() - v.mean()) < 0.01 and abs(vt.std() - v.std()) < 0.01


def test_feature_alpha_dropout_drops_channels():
    shendu.manual_seed(4)
    x = shendu.zeros(40, 50, 3, 3)
    v = SF.feature_alpha_dropout(x, 0.3, training=True).numpy()
    m = channel_masks(v, 2)
    assert len(np.unique(m)) == 2 and abs((m < 0).mean() - 0.3) < 0.03
