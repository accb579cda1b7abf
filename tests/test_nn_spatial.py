"""Convolution, pooling and resampling layers against PyTorch: outputs, input gradients,
every parameter gradient, second-order gradients, state_dict keys, parameter counts,
initialisation, reprs and errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from helpers import assert_same, check, check_error

import shendu

RNG = np.random.default_rng(1234)


def _f(lib, name):
    return getattr(lib.nn.functional, name)


# ----- module parity: same weights, same input, compare everything ---------------------------

def parity(make, shape, *, call=None, atol=1e-5, rtol=1e-5, grad_atol=1e-4, grad_rtol=1e-4,
           seed=0, low=-2.0, high=2.0, x=None):
    """Build the layer in both libraries (``make(lib.nn)``), copy torch's weights into the
    shendu layer through load_state_dict, and compare outputs, the input gradient and every
    parameter gradient; also state_dict keys, parameter counts and repr."""
    torch.manual_seed(seed)
    tm = make(torch.nn)
    sm = make(shendu.nn)
    assert list(sm.state_dict()) == list(tm.state_dict())
    assert sum(p.numel() for p in sm.parameters()) == sum(p.numel() for p in tm.parameters())
    assert [tuple(p.shape) for p in sm.parameters()] == [tuple(p.shape) for p in tm.parameters()]
    assert repr(sm) == repr(tm)
    sm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(seed)
    a = x if x is not None else rng.uniform(low, high, shape).astype(np.float32)
    tx = torch.from_numpy(a.copy()).requires_grad_()
    sx = shendu.from_numpy(a.copy()).requires_grad_()
    call = call or (lambda m, v: m(v))
    ot, os_ = call(tm, tx), call(sm, sx)
    assert_same(os_, ot, atol, rtol, "forward")
    ot0, os0 = (ot[0], os_[0]) if isinstance(ot, tuple) else (ot, os_)
    g = rng.standard_normal(tuple(ot0.shape)).astype(np.float32)
    ot0.backward(torch.from_numpy(g))
    os0.backward(shendu.from_numpy(g.copy()))
    assert_same(sx.grad, tx.grad, grad_atol, grad_rtol, "input grad")
    tp = dict(tm.named_parameters())
    for name, p in sm.named_parameters():
        assert_same(p.grad, tp[name].grad, grad_atol, grad_rtol, f"grad of {name}")
    return sm, tm


CONV_CASES = [
    (lambda nn: nn.Conv1d(3, 5, 3), (2, 3, 11)),
    (lambda nn: nn.Conv1d(4, 6, 4, stride=3, padding=2, dilation=2, groups=2), (2, 4, 17)),
    (lambda nn: nn.Conv1d(3, 4, 4, padding="same", padding_mode="circular"), (2, 3, 9)),
    (lambda nn: nn.Conv1d(3, 4, 3, padding="valid", bias=False), (3, 8)),
    (lambda nn: nn.Conv2d(3, 8, 3, padding=1), (2, 3, 9, 7)),
    (lambda nn: nn.Conv2d(8, 4, (3, 5), padding=(1, 2), dilation=(2, 1)), (2, 8, 9, 7)),
    (lambda nn: nn.Conv2d(3, 6, (3, 2), stride=(2, 3), padding=(1, 0)), (2, 3, 10, 11)),
    (lambda nn: nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2, bias=False),
     (2, 4, 11, 9)),
    (lambda nn: nn.Conv2d(4, 4, 3, padding=1, groups=4), (2, 4, 6, 6)),           # depthwise
    (lambda nn: nn.Conv2d(64, 64, 3, padding=1, groups=32), (2, 64, 5, 5)),       # ResNeXt
    (lambda nn: nn.Conv2d(3, 5, 2, stride=4), (2, 3, 9, 10)),                    # stride > k
    (lambda nn: nn.Conv2d(6, 4, 1), (2, 6, 5, 7)),                                # 1x1
    (lambda nn: nn.Conv2d(6, 4, 1, stride=2), (2, 6, 5, 7)),
    (lambda nn: nn.Conv2d(3, 4, (4, 3), padding="same"), (2, 3, 7, 6)),
    (lambda nn: nn.Conv2d(3, 4, 3, padding=2, padding_mode="reflect"), (2, 3, 6, 7)),
    (lambda nn: nn.Conv2d(3, 4, 3, padding=(1, 2), padding_mode="replicate"), (2, 3, 6, 7)),
    (lambda nn: nn.Conv2d(3, 4, 3, padding=1, padding_mode="circular", stride=2), (2, 3, 7, 6)),
    (lambda nn: nn.Conv2d(3, 4, 3, padding="same", padding_mode="reflect", dilation=2),
     (3, 8, 8)),
    (lambda nn: nn.Conv3d(2, 3, 3, padding=1), (1, 2, 4, 5, 6)),
    (lambda nn: nn.Conv3d(4, 4, (2, 3, 2), stride=(1, 2, 2), groups=2, dilation=(2, 1, 1)),
     (2, 4, 6, 7, 5)),
    (lambda nn: nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1), (2, 3, 7)),
    (lambda nn: nn.ConvTranspose1d(4, 6, 3, stride=3, groups=2, dilation=2, bias=False),
     (4, 5)),
    (lambda nn: nn.ConvTranspose2d(3, 5, 3, stride=2, padding=1, output_padding=1),
     (2, 3, 5, 4)),
    (lambda nn: nn.ConvTranspose2d(4, 6, (2, 3), stride=(3, 2), padding=(0, 1), groups=2,
                                   dilation=(1, 2)), (2, 4, 4, 5)),
    (lambda nn: nn.ConvTranspose2d(3, 4, 3, padding=1), (2, 3, 6, 5)),
    (lambda nn: nn.ConvTranspose2d(4, 4, 4, stride=2, padding=1, groups=4), (1, 4, 3, 3)),
    (lambda nn: nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1, output_padding=(1, 0, 1)),
     (1, 2, 3, 4, 3)),
    (lambda nn: nn.Conv2d(4, 4, 3, padding=3), (2, 4, 5, 5)),        # padding wider than K
]


@pytest.mark.parametrize("make,shape", CONV_CASES)
def test_conv_layers(make, shape):
    parity(make, shape)


def test_conv_transpose_output_size():
    for size in ([10, 9], [2, 3, 9, 10]):
        parity(lambda nn: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1), (2, 3, 5, 5),
               call=lambda m, v, size=size: m(v, output_size=size))
    parity(lambda nn: nn.ConvTranspose1d(3, 2, 3, stride=3), (3, 4),
           call=lambda m, v: m(v, output_size=[12]))
    check_error(lambda lib, x: lib.nn.ConvTranspose2d(3, 4, 3, stride=2)(x, output_size=[20, 9]),
                (1, 3, 4, 4), match="valid sizes range")


@pytest.mark.parametrize("make,shape",
                         [CONV_CASES[i] for i in (1, 4, 5, 6, 7, 9, 14, 19, 22, 23, 27)])
def test_conv_layers_in_batch_chunks(make, shape, monkeypatch):
    """Tiny chunks, so the batch is split (one image per chunk) in every path."""
    from shendu.nn.functional import conv as conv_module
    monkeypatch.setattr(conv_module, "CHUNK_BYTES", 64)
    parity(make, (5,) + shape[1:])


def test_conv_float64():
    check(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=1, stride=2),
          (2, 3, 7, 6), (4, 3, 3, 3), (4,), dtype=np.float64, atol=1e-12, rtol=1e-12)


def test_conv_keeps_float32():
    m = shendu.nn.Conv2d(3, 4, 3)
    y = m(shendu.randn(2, 3, 6, 6, requires_grad=True))
    assert y.dtype == shendu.float32
    y.sum().backward()
    assert m.weight.grad.dtype == shendu.float32


@pytest.mark.parametrize("d,x,w,kw", [
    (1, (2, 3, 9), (4, 3, 3), dict(stride=2, padding=1, dilation=2)),
    (2, (2, 4, 6, 5), (6, 2, 3, 2), dict(stride=(1, 2), padding=(1, 0), groups=2)),
    (2, (2, 3, 5, 5), (4, 3, 3, 3), dict(padding="same")),
    (2, (2, 3, 5, 5), (4, 3, 1, 1), dict(stride=2)),
    (3, (1, 2, 4, 4, 3), (2, 2, 2, 2, 2), dict(padding=1)),
])
def test_conv_second_order(d, x, w, kw):
    """Double backward through conv (e.g. gradient penalties), input, weight and bias."""
    check(lambda lib, a, b, c: _f(lib, f"conv{d}d")(a, b, c, **kw), x, w, (w[0],),
          second_order=True)


@pytest.mark.parametrize("d,x,w,kw", [
    (1, (2, 4, 5), (4, 3, 3), dict(stride=3, dilation=2, output_padding=1)),
    (2, (2, 4, 4, 5), (4, 3, 3, 3), dict(stride=(2, 3), padding=(0, 1), output_padding=(1, 0),
                                          groups=2, dilation=(1, 2))),
    (2, (2, 3, 4, 4), (3, 2, 3, 3), dict(padding=1)),
    (3, (1, 2, 3, 3, 2), (2, 3, 2, 2, 2), dict(stride=2)),
])
def test_conv_transpose_second_order(d, x, w, kw):
    out_c = w[1] * kw.get("groups", 1)
    check(lambda lib, a, b, c: _f(lib, f"conv_transpose{d}d")(a, b, c, **kw), x, w, (out_c,),
          second_order=True)


def test_gradient_penalty_through_conv_module():
    """A WGAN-GP style penalty: ‖∂y/∂x‖² backpropagated into the layer's parameters."""
    def penalty(lib, m, x):
        y = m(x)
        (gx,) = lib.autograd.grad(y.pow(2).sum(), x, create_graph=True)
        return gx.pow(2).sum()
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3, padding=1), torch.nn.Tanh(),
                             torch.nn.Conv2d(4, 3, 3, stride=2))
    sm = shendu.nn.Sequential(shendu.nn.Conv2d(2, 4, 3, padding=1), shendu.nn.Tanh(),
                              shendu.nn.Conv2d(4, 3, 3, stride=2))
    sm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    a = RNG.standard_normal((2, 2, 7, 7)).astype(np.float32)
    pt = penalty(torch, tm, torch.from_numpy(a.copy()).requires_grad_())
    ps = penalty(shendu, sm, shendu.from_numpy(a.copy()).requires_grad_())
    assert_same(ps, pt, 1e-4, 1e-5)
    pt.backward()
    ps.backward()
    for (name, p), q in zip(sm.named_parameters(), tm.parameters()):
        assert_same(p.grad, q.grad, 1e-4, 1e-4, name)


def test_conv_init_and_state():
    m = shendu.nn.Conv2d(6, 8, (3, 5), groups=2)
    t = torch.nn.Conv2d(6, 8, (3, 5), groups=2)
    assert list(m.state_dict()) == ["weight", "bias"]
    assert tuple(m.weight.shape) == tuple(t.weight.shape) == (8, 3, 3, 5)
    bound = 1 / math.sqrt(3 * 15)      # kaiming_uniform(a=√5): U(−1/√fan_in, 1/√fan_in)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    big = shendu.nn.Conv2d(64, 64, 3).weight.detach().numpy()
    assert abs(big.std() - 1 / math.sqrt(3 * 576)) < 0.05 / math.sqrt(576)
    ct = shendu.nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert tuple(ct.weight.shape) == (4, 3, 3, 3)
    assert np.abs(ct.weight.detach().numpy()).max() <= 1 / math.sqrt(27)
    nb = shendu.nn.Conv1d(2, 3, 3, bias=False)
    assert nb.bias is None and list(nb.state_dict()) == ["weight"]


def test_lazy_conv():
    for name, shape in (("LazyConv1d", (2, 3, 9)), ("LazyConv2d", (2, 5, 6, 7)),
                        ("LazyConv3d", (1, 2, 4, 4, 4)), ("LazyConvTranspose2d", (2, 3, 4, 5)),
                        ("LazyConvTranspose1d", (3, 6))):
        m = getattr(shendu.nn, name)(4, 3)
        t = getattr(torch.nn, name)(4, 3)
        assert repr(m) == repr(t) and list(m.state_dict()) == list(t.state_dict())
        params = list(m.parameters())
        y = m(shendu.randn(*shape))
        yt = t(torch.randn(*shape))
        assert repr(m) == repr(t) and type(m).__name__ == type(t).__name__
        assert [p is q for p, q in zip(params, m.parameters())] == [True, True]
        assert tuple(m.weight.shape) == tuple(t.weight.shape)
        assert tuple(y.shape) == tuple(yt.shape)
    m = shendu.nn.LazyConv2d(4, 3)
    tm = torch.nn.Conv2d(5, 4, 3)
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    assert repr(m) == repr(tm)


def test_conv_tbc():
    check(lambda lib, x, w, b: lib.nn.functional.conv_tbc(x, w, b, 1), (7, 2, 3), (3, 3, 4),
          (4,))
    check(lambda lib, x, w, b: lib.nn.functional.conv_tbc(x, w, b), (7, 2, 3), (2, 3, 4), (4,))


def test_conv_reprs():
    for make in (lambda nn: nn.Conv2d(3, 16, 3),
                 lambda nn: nn.Conv1d(4, 4, 3, padding="same", padding_mode="circular",
                                      groups=2, bias=False),
                 lambda nn: nn.Conv3d(2, 2, (1, 2, 3), stride=2, dilation=(1, 1, 2)),
                 lambda nn: nn.ConvTranspose2d(3, 4, (2, 3), stride=2, output_padding=1),
                 lambda nn: nn.Unfold((2, 3), padding=1),
                 lambda nn: nn.Fold((4, 5), 2, stride=2)):
        assert repr(make(shendu.nn)) == repr(make(torch.nn))


# ----- conv errors ----------------------------------------------------------------------------

def test_conv_layer_errors_name_the_layer():
    e = check_error(lambda lib, x: lib.nn.Conv2d(3, 16, 3)(x), (1, 1, 8, 8),
                    match="Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1))")
    assert "3 channels" in str(e) and "[1, 1, 8, 8]" in str(e) and "got 1 channels" in str(e)
    e = check_error(lambda lib, x: lib.nn.Conv2d(3, 16, 3)(x), (2, 3),
                    match="Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1))")
    assert "[2, 3]" in str(e) and "4-D" in str(e)
    check_error(lambda lib, x: lib.nn.Conv1d(3, 4, 3)(x), (2, 4, 9),
                match="Conv1d(3, 4, kernel_size=(3,), stride=(1,)): expected input[2, 4, 9]")
    check_error(lambda lib, x: lib.nn.ConvTranspose2d(3, 4, 3)(x), (2, 5, 4, 4),
                match="ConvTranspose2d(3, 4")


@pytest.mark.parametrize("make,match", [
    (lambda nn: nn.Conv2d(3, 16, 3, groups=2), "in_channels must be divisible by groups"),
    (lambda nn: nn.Conv2d(4, 6, 3, groups=4), "out_channels must be divisible by groups"),
    (lambda nn: nn.Conv2d(4, 4, 3, groups=0), "groups must be a positive integer"),
    (lambda nn: nn.Conv2d(4, 4, 3, stride=2, padding="same"), "not supported for strided"),
    (lambda nn: nn.Conv2d(4, 4, 3, padding="full"), "Invalid padding string"),
    (lambda nn: nn.Conv2d(4, 4, 3, padding_mode="mirror"), "padding_mode must be one of"),
    (lambda nn: nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"),
     'Only "zeros" padding mode is supported for ConvTranspose2d'),
])
def test_conv_constructor_errors(make, match):
    with pytest.raises(ValueError):
        make(torch.nn)
    with pytest.raises(ValueError, match=match.replace("(", r"\(")):
        make(shendu.nn)


def test_conv_functional_errors():
    conv2d = lambda lib, x, w: lib.nn.functional.conv2d(x, w)  # noqa: E731
    check_error(conv2d, (1, 1, 8, 8), (16, 3, 3, 3), match="to have 3 channels, but got 1")
    check_error(conv2d, (1, 3, 2, 2), (4, 3, 3, 3),
                match="Kernel size can't be greater than actual input size")
    check_error(lambda lib, x, w: lib.nn.functional.conv2d(x, w, groups=2), (1, 4, 5, 5),
                (3, 2, 3, 3), match="divisible by 2")
    check_error(lambda lib, x, w: lib.nn.functional.conv2d(x, w), (2, 3), (4, 3, 3, 3),
                match="Expected 3D (unbatched) or 4D (batched) input to conv2d")
    check_error(lambda lib, x, w: lib.nn.functional.conv2d(x, w, stride=0), (1, 3, 5, 5),
                (4, 3, 3, 3), match="stride")
    check_error(lambda lib, x, w: lib.nn.functional.conv_transpose2d(x, w, stride=2,
                                                                     output_padding=2),
                (1, 3, 5, 5), (3, 4, 3, 3), match="output padding must be smaller")


# ----- unfold / fold --------------------------------------------------------------------------

def test_unfold_fold():
    check(lambda lib, x: lib.nn.functional.unfold(x, (2, 3), dilation=(1, 2), padding=1,
                                                  stride=(2, 1)), (2, 3, 7, 8),
          second_order=True)
    check(lambda lib, x: lib.nn.functional.fold(x, (7, 8), (2, 3), dilation=(1, 2), padding=1,
                                                stride=(2, 1)), (2, 18, 24), second_order=True)
    check(lambda lib, x: lib.nn.functional.unfold(x, 2), (3, 5, 4))
    parity(lambda nn: nn.Unfold(3, padding=1, stride=2), (2, 2, 6, 5))
    parity(lambda nn: nn.Fold((5, 6), 2, stride=1), (2, 8, 20))
    check_error(lambda lib, x: lib.nn.functional.fold(x, (7, 8), 2), (2, 8, 10),
                match="sliding blocks")


def test_unfold_matches_conv():
    """Convolution is unfold, a matmul and a reshape (the notes' im2col view)."""
    x = shendu.randn(2, 3, 6, 5)
    w = shendu.randn(4, 3, 3, 3)
    cols = shendu.nn.functional.unfold(x, 3, padding=1)
    y = (w.reshape(4, -1) @ cols).reshape(2, 4, 6, 5)
    np.testing.assert_allclose(y.numpy(), shendu.nn.functional.conv2d(x, w, padding=1).numpy(),
                               atol=1e-5)


# ----- pooling --------------------------------------------------------------------------------

POOL_CASES = [
    (lambda nn: nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True), (2, 3, 10)),
    (lambda nn: nn.MaxPool1d(2, dilation=3), (3, 11)),
    (lambda nn: nn.MaxPool2d(2), (2, 3, 8, 8)),
    (lambda nn: nn.MaxPool2d(3, stride=2, padding=1), (2, 3, 7, 9)),
    (lambda nn: nn.MaxPool2d((3, 2), stride=(2, 1), padding=(1, 1), dilation=(2, 1),
                             ceil_mode=True), (2, 3, 9, 8)),
    (lambda nn: nn.MaxPool2d(2, stride=3), (2, 2, 8, 7)),                          # stride > k
    (lambda nn: nn.MaxPool2d(3, stride=2, ceil_mode=True), (2, 3, 8, 8)),
    (lambda nn: nn.MaxPool3d(2, stride=(1, 2, 2), padding=1), (1, 2, 5, 6, 5)),
    (lambda nn: nn.AvgPool1d(4, stride=3, padding=2, ceil_mode=True), (2, 3, 11)),
    (lambda nn: nn.AvgPool1d(3, count_include_pad=False, padding=1), (2, 3, 10)),
    (lambda nn: nn.AvgPool2d(2), (2, 3, 8, 8)),
    (lambda nn: nn.AvgPool2d(2), (2, 3, 9, 7)),
    (lambda nn: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True), (2, 3, 8, 9)),
    (lambda nn: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
     (2, 3, 8, 9)),
    (lambda nn: nn.AvgPool2d((2, 3), stride=(3, 2), divisor_override=5), (2, 3, 8, 9)),
    (lambda nn: nn.AvgPool3d(3, stride=2, padding=1, count_include_pad=False), (1, 2, 5, 6, 7)),
    (lambda nn: nn.AdaptiveAvgPool1d(4), (2, 3, 10)),
    (lambda nn: nn.AdaptiveAvgPool2d(1), (2, 3, 7, 9)),                     # global average
    (lambda nn: nn.AdaptiveAvgPool2d((3, 4)), (2, 3, 7, 9)),
    (lambda nn: nn.AdaptiveAvgPool2d((None, 2)), (2, 3, 5, 8)),
    (lambda nn: nn.AdaptiveAvgPool3d((2, 3, 4)), (1, 2, 5, 6, 7)),
    (lambda nn: nn.AdaptiveMaxPool1d(3), (2, 3, 10)),
    (lambda nn: nn.AdaptiveMaxPool2d((3, 4)), (2, 3, 7, 9)),
    (lambda nn: nn.AdaptiveMaxPool2d(2, return_indices=True), (2, 3, 6, 5)),
    (lambda nn: nn.AdaptiveMaxPool3d((2, 3, 2)), (1, 2, 5, 6, 4)),
    (lambda nn: nn.LPPool1d(2, 3, stride=2), (2, 3, 9)),
    (lambda nn: nn.LPPool2d(3.0, 2), (2, 3, 6, 7)),
    (lambda nn: nn.LPPool3d(2, 2), (1, 2, 4, 4, 5)),
    (lambda nn: nn.MaxPool2d(2, return_indices=True), (2, 3, 6, 6)),
]


@pytest.mark.parametrize("make,shape", POOL_CASES)
def test_pool_layers(make, shape):
    lp = "LPPool" in repr(make(torch.nn))
    parity(make, shape, low=0.1 if lp else -2.0)


@pytest.mark.parametrize("name,shape,kw", [
    ("max_pool2d", (2, 3, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool2d", (2, 3, 8, 8), dict(kernel_size=2)),
    ("max_pool1d", (2, 3, 11), dict(kernel_size=3, stride=1, dilation=2)),
    ("avg_pool2d", (2, 3, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                      count_include_pad=False)),
    ("adaptive_avg_pool2d", (2, 3, 7, 9), dict(output_size=(3, 4))),
    ("adaptive_max_pool2d", (2, 3, 7, 9), dict(output_size=(3, 4))),
])
def test_pool_second_order(name, shape, kw):
    check(lambda lib, x: _f(lib, name)(x, **kw), shape, second_order=True)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_max_pool_indices_convention(d):
    """Flat index in each (n, c) plane of the unpadded input, as PyTorch."""
    shape = (2, 3) + (7, 6, 5)[:d]
    check(lambda lib, x: _f(lib, f"max_pool{d}d")(x, 3, stride=2, padding=1, ceil_mode=True,
                                                  return_indices=True), shape)
    check(lambda lib, x: _f(lib, f"adaptive_max_pool{d}d")(x, (4, 3, 2)[:d],
                                                           return_indices=True), shape)


def test_max_pool_ties_nan_and_inf():
    """Ties send the gradient to the first maximum in the window (as PyTorch); a NaN wins;
    an all −inf window points into the input, never at the padding."""
    ties = np.round(RNG.uniform(0, 2, (2, 2, 6, 7))).astype(np.float32)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
               dict(kernel_size=3, stride=1, dilation=2, padding=1)):
        check(lambda lib, x, kw=kw: lib.nn.functional.max_pool2d(x, return_indices=True, **kw),
              ties)
    check(lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, 4, return_indices=True),
          ties)
    odd = ties.copy()
    odd[0, 0, 0, 0] = odd[0, 0, 1, 1] = np.nan
    odd[1, 1] = -np.inf
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)):
        check(lambda lib, x, kw=kw: lib.nn.functional.max_pool2d(x, return_indices=True, **kw),
              odd, grad=False)
    check(lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, 3, return_indices=True),
          odd, grad=False)


def test_fractional_max_pool():
    u2 = RNG.random((2, 3, 2)).astype(np.float32)
    check(lambda lib, x: lib.nn.functional.fractional_max_pool2d(
        x, (2, 3), output_size=(4, 3), return_indices=True,
        _random_samples=lib.from_numpy(u2.copy())), (2, 3, 9, 8), second_order=True)
    u3 = RNG.random((2, 3, 3)).astype(np.float32)
    check(lambda lib, x: lib.nn.functional.fractional_max_pool3d(
        x, 2, output_ratio=0.6, _random_samples=lib.from_numpy(u3.copy())), (2, 3, 9, 8, 7))
    for lib in (torch, shendu):
        m = lib.nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5))
        assert tuple(m(lib.zeros(1, 2, 10, 12)).shape) == (1, 2, 5, 6)
        assert list(m.state_dict()) == []


def test_max_unpool():
    def roundtrip(d, kw, size=None):
        def f(lib, x):
            o, i = _f(lib, f"max_pool{d}d")(x, return_indices=True, **kw)
            return _f(lib, f"max_unpool{d}d")(o * 2, i, output_size=size, **kw)
        return f
    check(roundtrip(2, dict(kernel_size=2)), (2, 3, 6, 8), second_order=True)
    check(roundtrip(2, dict(kernel_size=3, stride=2, padding=1), (7, 9)), (2, 3, 7, 9))
    check(roundtrip(1, dict(kernel_size=3, stride=2)), (2, 3, 9))
    check(roundtrip(3, dict(kernel_size=2)), (1, 2, 4, 4, 6))

    def module(lib, x):
        pool = lib.nn.MaxPool2d(2, return_indices=True)
        unpool = lib.nn.MaxUnpool2d(2)
        o, i = pool(x)
        return unpool(o, i, output_size=x.shape)
    check(module, (2, 3, 7, 9))
    for lib in (torch, shendu):
        assert repr(lib.nn.MaxUnpool2d(2)) == \
            "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    check_error(lambda lib, x: lib.nn.functional.max_unpool2d(
        x, lib.zeros(x.shape, dtype=lib.int64), 2, output_size=(9, 9)), (1, 1, 3, 3),
        match="invalid output_size")


def test_pool_reprs():
    for make in (lambda nn: nn.MaxPool2d(3, stride=2, padding=1),
                 lambda nn: nn.MaxPool1d(2),
                 lambda nn: nn.AvgPool1d(3),
                 lambda nn: nn.AvgPool2d((2, 3), stride=1, padding=1),
                 lambda nn: nn.AvgPool3d(2),
                 lambda nn: nn.AdaptiveAvgPool2d(1),
                 lambda nn: nn.AdaptiveMaxPool2d((None, 3), return_indices=True),
                 lambda nn: nn.LPPool2d(2, 3),
                 lambda nn: nn.FractionalMaxPool2d(2, output_size=3),
                 lambda nn: nn.Upsample(scale_factor=2, mode="bilinear"),
                 lambda nn: nn.Upsample(size=(3, 4)),
                 lambda nn: nn.UpsamplingNearest2d(scale_factor=3),
                 lambda nn: nn.UpsamplingBilinear2d(size=5),
                 lambda nn: nn.PixelShuffle(2),
                 lambda nn: nn.PixelUnshuffle(3),
                 lambda nn: nn.ChannelShuffle(2)):
        assert repr(make(shendu.nn)) == repr(make(torch.nn))


def test_pool_errors():
    check_error(lambda lib, x: lib.nn.functional.max_pool2d(x, 3, padding=2), (1, 1, 8, 8),
                match="pad should be at most half")
    check_error(lambda lib, x: lib.nn.functional.avg_pool2d(x, 3, padding=2), (1, 1, 8, 8),
                match="pad should be at most half")
    check_error(lambda lib, x: lib.nn.functional.max_pool2d(x, 3), (1, 1, 2, 2),
                match="Output size is too small")
    check_error(lambda lib, x: lib.nn.functional.max_pool2d(x, 2), (4, 4),
                match="Expected 3D or 4D")
    check_error(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, (2, 3, 4)),
                (1, 2, 5, 5), match="output_size must be 2")
    check_error(lambda lib, x: lib.nn.functional.max_pool3d(x, 3, padding=2), (1, 1, 5, 5, 5),
                match="pad should be at most half of effective kernel size")


# ----- resampling -----------------------------------------------------------------------------

INTERP_CASES = [
    ((2, 3, 5, 7), dict(scale_factor=2, mode="nearest")),
    ((2, 3, 5, 7), dict(size=(8, 11), mode="nearest")),
    ((2, 3, 9, 7), dict(size=(4, 3), mode="nearest")),
    ((2, 3, 9, 7), dict(scale_factor=(0.7, 1.7), mode="nearest-exact")),
    ((2, 3, 11), dict(scale_factor=3, mode="nearest")),
    ((2, 3, 5, 7), dict(scale_factor=1.5, mode="bilinear")),
    ((2, 3, 5, 7), dict(scale_factor=1.5, mode="bilinear", align_corners=True)),
    ((2, 3, 9, 7), dict(size=(4, 12), mode="bilinear")),
    ((2, 3, 5, 7), dict(scale_factor=2.3, mode="bilinear", recompute_scale_factor=True)),
    ((2, 3, 11), dict(scale_factor=2.3, mode="linear")),
    ((2, 3, 11), dict(size=4, mode="linear", align_corners=True)),
    ((1, 2, 4, 5, 3), dict(scale_factor=(2, 1.5, 3), mode="trilinear")),
    ((1, 2, 4, 5, 3), dict(size=(3, 7, 2), mode="trilinear", align_corners=True)),
    ((1, 2, 4, 5, 3), dict(size=(3, 7, 2), mode="nearest")),
    ((2, 3, 5, 7), dict(scale_factor=2, mode="bicubic")),
    ((2, 3, 5, 7), dict(size=(1, 3), mode="bilinear")),
    ((2, 3, 1, 4), dict(size=(3, 1), mode="bicubic", align_corners=True)),
    ((2, 3, 40, 300), dict(size=(50, 170), mode="bilinear")),          # the gather path
    ((1, 2, 30, 200), dict(size=(13, 450), mode="bicubic")),
    ((2, 3, 5, 7), dict(size=(9, 4), mode="bicubic", align_corners=True)),
    ((2, 3, 9, 7), dict(size=(4, 5), mode="area")),
    ((2, 3, 9, 7), dict(scale_factor=0.5, mode="area")),
    ((2, 3, 17, 13), dict(size=(5, 6), mode="bilinear", antialias=True)),
    ((2, 3, 17, 13), dict(size=(5, 20), mode="bicubic", antialias=True)),
    ((2, 3, 17, 13), dict(scale_factor=0.3, mode="bilinear", antialias=True,
                          align_corners=True)),
]


@pytest.mark.parametrize("shape,kw", INTERP_CASES)
def test_interpolate(shape, kw):
    check(lambda lib, x: lib.nn.functional.interpolate(x, **kw), shape, second_order=True)


@pytest.mark.parametrize("make,shape", [
    (lambda nn: nn.Upsample(scale_factor=2), (2, 3, 4, 5)),
    (lambda nn: nn.Upsample(size=(7, 9), mode="bilinear"), (2, 3, 4, 5)),
    (lambda nn: nn.Upsample(scale_factor=(1.5, 2), mode="bicubic", align_corners=True),
     (2, 3, 4, 5)),
    (lambda nn: nn.Upsample(scale_factor=2, mode="trilinear"), (1, 2, 3, 4, 3)),
    (lambda nn: nn.UpsamplingNearest2d(scale_factor=3), (2, 3, 4, 5)),
    (lambda nn: nn.UpsamplingBilinear2d(size=(6, 11)), (2, 3, 4, 5)),
    (lambda nn: nn.PixelShuffle(3), (2, 18, 4, 5)),
    (lambda nn: nn.PixelUnshuffle(2), (2, 3, 4, 6)),
    (lambda nn: nn.ChannelShuffle(3), (2, 6, 4, 5)),
])
def test_resampling_layers(make, shape):
    parity(make, shape)


def test_pixel_shuffle_roundtrip_and_errors():
    check(lambda lib, x: lib.nn.functional.pixel_unshuffle(
        lib.nn.functional.pixel_shuffle(x, 2), 2), (3, 2, 8, 3, 4))
    check_error(lambda lib, x: lib.nn.functional.pixel_shuffle(x, 2), (1, 5, 3, 3),
                match="divisible by the square of upscale_factor")
    check_error(lambda lib, x: lib.nn.functional.pixel_unshuffle(x, 2), (1, 4, 5, 4),
                match="height to be divisible")


def test_interpolate_errors():
    interp = lambda lib, x, **kw: lib.nn.functional.interpolate(x, **kw)  # noqa: E731
    check_error(lambda lib, x: interp(lib, x, size=3, scale_factor=2), (1, 1, 4, 4),
                match="only one of size or scale_factor")
    check_error(lambda lib, x: interp(lib, x, size=3, align_corners=True), (1, 1, 4, 4),
                match="align_corners option can only be set")
    check_error(lambda lib, x: interp(lib, x, size=3, mode="bilinear"), (1, 1, 4),
                match="bilinear mode needs 4D input")
    check_error(lambda lib, x: interp(lib, x, size=(3, 4, 5)), (1, 1, 4, 4),
                match="same number of spatial dimensions")
    check_error(lambda lib, x: interp(lib, x), (1, 1, 4, 4), match="either size or")
    check_error(lambda lib, x: interp(lib, x, size=3, mode="bilinear", antialias=True),
                (1, 1, 4, 4, 4), match="Anti-alias option")


@pytest.mark.parametrize("align", [False, True])
def test_affine_grid(align):
    check(lambda lib, t: lib.nn.functional.affine_grid(t, (2, 3, 5, 7), align_corners=align),
          (2, 2, 3), second_order=True)
    check(lambda lib, t: lib.nn.functional.affine_grid(t, (2, 3, 4, 5, 3), align_corners=align),
          (2, 3, 4))
    check_error(lambda lib, t: lib.nn.functional.affine_grid(t, (2, 3, 5, 7),
                                                             align_corners=align),
                (2, 3, 3), match="Nx2x3")


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_grid_sample(mode, padding_mode, align):
    """Differentiable in both the input and the grid, twice; grid points reach outside
    [−1, 1] to exercise the padding modes."""
    f = lambda lib, x, g: lib.nn.functional.grid_sample(  # noqa: E731
        x, g, mode=mode, padding_mode=padding_mode, align_corners=align)
    check(f, (2, 3, 5, 6), (2, 4, 7, 2), low=-1.3, high=1.3, second_order=True)
    if mode != "bicubic":
        check(f, (1, 2, 4, 5, 3), (1, 3, 2, 4, 3), low=-1.3, high=1.3)


def test_grid_sample_errors():
    check_error(lambda lib, x, g: lib.nn.functional.grid_sample(x, g, mode="area",
                                                                align_corners=False),
                (1, 1, 4, 4), (1, 2, 2, 2), match="expected mode")
    check_error(lambda lib, x, g: lib.nn.functional.grid_sample(x, g, padding_mode="wrap",
                                                                align_corners=False),
                (1, 1, 4, 4), (1, 2, 2, 2), match="expected padding_mode")


def test_spatial_transformer():
    """An STN block: a localisation net predicts θ, affine_grid + grid_sample warp the input;
    gradients reach θ's layer and the input."""
    def stn(lib, x):
        torch.manual_seed(0)
        sd = torch.nn.Linear(3 * 6 * 6, 6).state_dict()
        loc = lib.nn.Linear(3 * 6 * 6, 6)
        loc.load_state_dict({k: v.detach().numpy() for k, v in sd.items()} if lib is shendu
                            else sd)
        theta = loc(x.reshape(x.shape[0], -1)).reshape(-1, 2, 3) + lib.tensor(
            [[1.0, 0, 0], [0, 1.0, 0]])
        grid = lib.nn.functional.affine_grid(theta, list(x.shape), align_corners=False)
        y = lib.nn.functional.grid_sample(x, grid, align_corners=False)
        return lib.nn.functional.max_pool2d(y, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(stn, (2, 3, 6, 6), low=-0.5, high=0.5)
