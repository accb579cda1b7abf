"""Attention and the Transformer against PyTorch.

scaled_dot_product_attention goes through ``check`` (outputs and input gradients, every mask
kind, causal, GQA, fully masked rows), float64 gradcheck/gradgradcheck, and second-order
gradients against PyTorch's math formulation. Layers are built in PyTorch, their state_dict
loaded into the shendu layer, and both run on the same inputs: outputs, attention weights,
input gradients and every parameter gradient, for each option. The mask builders are checked
against a direct construction from their definitions and used through every attention.
Dropout cannot share PyTorch's random numbers: it is tested for its statistics, for a backward
that matches the same mask applied by hand, and for determinism in evaluation.
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


def rand(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def close(a, b, tol=1e-5):
    """Two shendu tensors hold the same values."""
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


def sdpa(lib, q, k, v, **kw):
    return F(lib).scaled_dot_product_attention(q, k, v, **kw)


# ----- scaled_dot_product_attention --------------------------------------------------------

SHAPES = {
    "4d": ((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)),
    "3d": ((3, 4, 8), (3, 5, 8), (3, 5, 8)),
    "2d": ((4, 8), (6, 8), (6, 3)),
    "5d": ((2, 2, 3, 4, 4), (2, 2, 3, 5, 4), (2, 2, 3, 5, 4)),
    "broadcast_batch": ((3, 2, 4, 8), (1, 2, 5, 8), (1, 2, 5, 8)),
}


@pytest.mark.parametrize("shapes", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("is_causal", [False, True])
def test_sdpa_matches_torch(shapes, is_causal):
    check(lambda lib, q, k, v: sdpa(lib, q, k, v, is_causal=is_causal), *shapes)


@pytest.mark.parametrize("L,S", [(5, 5), (3, 6), (6, 3)])
def test_sdpa_causal_is_upper_left_aligned(L, S):
    check(lambda lib, q, k, v: sdpa(lib, q, k, v, is_causal=True), (2, L, 4), (2, S, 4),
          (2, S, 4))


def test_sdpa_scale():
    check(lambda lib, q, k, v: sdpa(lib, q, k, v, scale=0.3), (2, 3, 4, 8), (2, 3, 5, 8),
          (2, 3, 5, 6))


def test_sdpa_bool_mask_with_fully_masked_rows():
    mask = np.random.default_rng(3).random((2, 1, 4, 5)) > 0.4
    mask[0, 0, 1] = False                  # a query that may attend to nothing: output 0
    mask[1, 0, 3] = False
    out = check(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m), (2, 3, 4, 8),
                (2, 3, 5, 8), (2, 3, 5, 6), mask)
    assert np.all(out.detach().numpy()[0, :, 1] == 0)


def test_sdpa_float_mask_gets_a_gradient():
    bias = rand(4, 5, seed=4)
    check(lambda lib, q, k, v, b: sdpa(lib, q, k, v, attn_mask=b), (2, 3, 4, 8), (2, 3, 5, 8),
          (2, 3, 5, 6), bias)


def test_sdpa_float_mask_of_minus_inf_rows():
    bias = rand(2, 1, 4, 5, seed=5)
    bias[bias < -0.5] = -np.inf
    bias[1, 0, 2] = -np.inf
    check(lambda lib, q, k, v, b: sdpa(lib, q, k, v, attn_mask=b), (2, 3, 4, 8), (2, 3, 5, 8),
          (2, 3, 5, 6), bias, requires_grad=[True, True, True, False])


def test_sdpa_grouped_query_attention():
    check(lambda lib, q, k, v: sdpa(lib, q, k, v, enable_gqa=True), (2, 6, 4, 8), (2, 2, 5, 8),
          (2, 2, 5, 3))
    mask = np.random.default_rng(6).random((4, 5)) > 0.3
    check(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m, enable_gqa=True),
          (6, 4, 8), (3, 5, 8), (3, 5, 8), mask)


def test_sdpa_float64_and_no_promotion():
    check(lambda lib, q, k, v: sdpa(lib, q, k, v, is_causal=True), (2, 4, 8), (2, 4, 8),
          (2, 4, 8), dtype=np.float64)
    q = shendu.randn(2, 3, 4, 8)
    out = SF.scaled_dot_product_attention(q, q, q, attn_mask=SF.causal_mask(4))
    assert out.dtype == shendu.float32


def _sdpa_math(lib, q, k, v, mask=None, bias=None, is_causal=False):
    """PyTorch's documented formulation (with 0 for fully masked rows), for second order."""
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    L, S = s.shape[-2], s.shape[-1]
    if is_causal:
        mask = torch.ones(L, S, dtype=torch.bool).tril()
    if mask is not None:
        s = s.masked_fill(~mask, float("-inf"))
    if bias is not None:
        s = s + bias
    live = torch.isfinite(s.amax(-1, keepdim=True))
    p = torch.softmax(torch.where(live, s, torch.zeros_like(s)), -1) * live
    return p @ v


def test_sdpa_second_order_matches_torch_math():
    mask = np.random.default_rng(7).random((4, 5)) > 0.4
    mask[2] = False

    def fn(lib, q, k, v, b):
        if lib is torch:
            return _sdpa_math(lib, q, k, v, torch.from_numpy(mask), b)
        return sdpa(lib, q, k, v, attn_mask=SF.attention_bias(mask) + b)
    check(fn, (2, 4, 6), (2, 5, 6), (2, 5, 3), (4, 5), second_order=True)
    check(lambda lib, q, k, v: _sdpa_math(lib, q, k, v, is_causal=True) if lib is torch
          else sdpa(lib, q, k, v, is_causal=True), (2, 5, 4), (2, 5, 4), (2, 5, 4),
          second_order=True)


def test_sdpa_gradcheck_float64():
    rng = np.random.default_rng(8)
    q, k, v, b = (shendu.tensor(rng.standard_normal(s), dtype=shendu.float64, requires_grad=True)
                  for s in ((2, 3, 4), (2, 5, 4), (2, 5, 2), (3, 5)))
    mask = shendu.tensor(rng.random((3, 5)) > 0.3)
    assert gradcheck(lambda q, k, v, b: SF.scaled_dot_product_attention(q, k, v, attn_mask=b),
                     (q, k, v, b))
    assert gradgradcheck(lambda q, k, v, b: SF.scaled_dot_product_attention(q, k, v,
                                                                            attn_mask=b),
                         (q, k, v, b))
    assert gradgradcheck(lambda q, k, v: SF.scaled_dot_product_attention(q, k, v,
                                                                         attn_mask=mask),
                         (q, k, v))


def test_sdpa_errors_as_torch():
    check_error(lambda lib, q: sdpa(lib, q, q, q, attn_mask=q[0, 0] > 0, is_causal=True),
                (2, 3, 3, 4), match="is_causal")
    check_error(lambda lib, q: sdpa(lib, q, q.double(), q), (2, 3, 4), match="same dtype")
    check_error(lambda lib, q: sdpa(lib, q, q, q, attn_mask=q.long()), (3, 3), match="dtype")
    check_error(lambda lib, q: sdpa(lib, q, q, q, attn_mask=q.double()), (3, 3),
                match="dtype")
    check_error(lambda lib, q: sdpa(lib, q[0], q[0], q[0]), (3, 4), match="2 dimensional")
    check_error(lambda lib, q, k: sdpa(lib, q, k, k), (2, 4, 3, 8), (2, 2, 5, 8))
    check_error(lambda lib, q, k: sdpa(lib, q, k, k, enable_gqa=True), (2, 3, 3, 8),
                (2, 2, 5, 8))
    check_error(lambda lib, q, k: sdpa(lib, q, k, k), (2, 3, 8), (2, 5, 6))
    check_error(lambda lib, q, m: sdpa(lib, q, q, q, attn_mask=m), (2, 3, 8), (4, 3))


def test_sdpa_dropout_statistics_and_backward():
    p = 0.4
    q, k, v = (shendu.tensor(rand(2, 3, 16, 8, seed=s), requires_grad=True) for s in (1, 2, 3))
    shendu.manual_seed(0)
    out, w = SF.attention._sdpa(q, k, v, None, p, False, None, False)
    clean = SF.softmax(q.detach() @ k.detach().mT / math.sqrt(8), -1).numpy()
    kept = w.detach().numpy() != 0
    assert abs(1 - kept.mean() - p) < 0.03                     # drop rate ≈ p
    np.testing.assert_allclose(w.detach().numpy()[kept], clean[kept] / (1 - p), rtol=1e-5)
    # the fused backward equals the same dropout mask applied by hand
    g = shendu.tensor(rand(2, 3, 16, 8, seed=4))
    grads = shendu.autograd.grad(out, (q, k, v), g)
    keep = shendu.tensor(kept.astype(np.float32) / (1 - p))
    ref = (SF.softmax(q @ k.mT / math.sqrt(8), -1) * keep) @ v
    close(out, ref)
    for a, b in zip(grads, shendu.autograd.grad(ref, (q, k, v), g)):
        close(a, b, 1e-4)
    # the mean over many draws is the output without dropout
    qs, ks, vs = (t.detach() for t in (q, k, v))
    mean = sum(SF.scaled_dot_product_attention(qs, ks, vs, dropout_p=p).numpy()
               for _ in range(400)) / 400
    exact = SF.scaled_dot_product_attention(qs, ks, vs).numpy()
    assert np.abs(mean - exact).mean() < 0.03
    ones = SF.scaled_dot_product_attention(qs, ks, vs, dropout_p=1.0)
    assert np.all(ones.numpy() == 0)


# ----- mask builders ---------------------------------------------------------------------

def _direct(L, S, rule):
    return np.array([[rule(i, j) for j in range(S)] for i in range(L)], dtype=bool)


MASKS = {
    "causal": (lambda: SF.causal_mask(7), lambda i, j: j <= i),
    "causal_rect": (lambda: SF.causal_mask(5, 7, diagonal=1), lambda i, j: j <= i + 1),
    "local": (lambda: SF.local_attention_mask(9, 2), lambda i, j: abs(i - j) <= 2),
    "local_causal": (lambda: SF.local_attention_mask(9, 3, causal=True),
                     lambda i, j: 0 <= i - j <= 3),
    "strided": (lambda: SF.strided_attention_mask(10, 3),
                lambda i, j: j <= i and (i - j < 3 or (i - j) % 3 == 0)),
    "strided_bidirectional": (lambda: SF.strided_attention_mask(10, 3, causal=False),
                              lambda i, j: abs(i - j) < 3 or abs(i - j) % 3 == 0),
    "block": (lambda: SF.block_sparse_attention_mask(10, 4), lambda i, j: i // 4 == j // 4),
    "block_fixed": (lambda: SF.block_sparse_attention_mask(10, 4, summary=1, causal=True),
                    lambda i, j: j <= i and (i // 4 == j // 4 or j % 4 == 3)),
    "global": (lambda: SF.global_attention_mask(8, [0, 5]),
               lambda i, j: i == j or i in (0, 5) or j in (0, 5)),
    "global_window": (lambda: SF.global_attention_mask(8, shendu.tensor([1]), window=1),
                      lambda i, j: abs(i - j) <= 1 or i == 1 or j == 1),
    "global_flags": (lambda: SF.global_attention_mask(6, np.array([1, 0, 0, 0, 0, 1], bool)),
                     lambda i, j: i == j or i in (0, 5) or j in (0, 5)),
}


@pytest.mark.parametrize("name", MASKS)
def test_mask_builders_match_their_definition(name):
    build, rule = MASKS[name]
    m = build()
    assert m.dtype == shendu.bool
    L, S = m.shape
    np.testing.assert_array_equal(m.numpy(), _direct(L, S, rule))


def test_causal_mask_is_is_causal_and_the_subsequent_mask():
    m = SF.causal_mask(6)
    np.testing.assert_array_equal(
        (snn.Transformer.generate_square_subsequent_mask(6) == -math.inf).numpy(), (~m).numpy())
    check(lambda lib, q, k, v: sdpa(lib, q, k, v, attn_mask=torch.ones(4, 6).bool().tril()
                                    if lib is torch else SF.causal_mask(4, 6)),
          (2, 4, 8), (2, 6, 8), (2, 6, 8))
    q = shendu.randn(2, 5, 4)
    close(SF.scaled_dot_product_attention(q, q, q, attn_mask=m[:5, :5]),
          SF.scaled_dot_product_attention(q, q, q, is_causal=True))
    assert_same(SF.attention_bias(m), torch.zeros(6, 6).masked_fill(~torch.from_numpy(m.numpy()),
                                                                   -math.inf))


@pytest.mark.parametrize("name", ["local", "strided", "block_fixed", "global_window"])
def test_mask_builders_through_every_attention(name):
    m = MASKS[name][0]()
    L = m.shape[0]
    mt = torch.from_numpy(m.numpy().copy())
    # scaled_dot_product_attention: True = attend, as given
    check(lambda lib, q, k, v: sdpa(lib, q, k, v, attn_mask=mt if lib is torch else m),
          (2, 2, L, 4), (2, 2, L, 4), (2, 2, L, 4))
    # MultiheadAttention: True = masked out, so ~mask; or the float form for either
    for s_mask, t_mask in ((~m, ~mt), (SF.attention_bias(m),
                                       torch.zeros(L, L).masked_fill(~mt, -math.inf))):
        s, t = mha_pair(dict(embed_dim=8, num_heads=2, batch_first=True))
        x = rand(2, L, 8, seed=9)
        run_pair(s, t, (x, x, x), dict(attn_mask=(s_mask, t_mask)), same=True)
    # and through an encoder layer
    s, t = layer_pair(snn.TransformerEncoderLayer, torch.nn.TransformerEncoderLayer,
                      8, 2, 16, dropout=0.0)
    run_pair(s, t, (rand(L, 2, 8, seed=10),), dict(src_mask=(~m, ~mt)))


def test_mask_builder_errors():
    with pytest.raises(ValueError):
        SF.local_attention_mask(4, -1)
    with pytest.raises(ValueError):
        SF.strided_attention_mask(4, 0)
    with pytest.raises(ValueError):
        SF.block_sparse_attention_mask(4, 2, summary=3)
    with pytest.raises(IndexError):
        SF.global_attention_mask(4, [4])
    with pytest.raises(TypeError):
        SF.attention_bias(shendu.zeros(3, 3))


# ----- MultiheadAttention ----------------------------------------------------------------

def load_from_torch(s, t):
    sd = t.state_dict()
    assert list(sd) == list(s.state_dict())
    for (k, a), b in zip(sd.items(), s.state_dict().values()):
        assert tuple(a.shape) == tuple(b.shape), k
    s.load_state_dict({k: v.numpy() for k, v in sd.items()})


def mha_pair(kw, seed=0):
    torch.manual_seed(seed)
    t = torch.nn.MultiheadAttention(**kw)
    s = snn.MultiheadAttention(**kw)
    load_from_torch(s, t)
    return s, t


def layer_pair(scls, tcls, *args, **kw):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")           # PyTorch's nested-tensor notice
        t = tcls(*args, **kw)
    s = scls(*args, **kw)
    with torch.no_grad():                        # random affine LayerNorms: real gradients
        for name, p in t.named_parameters():
            if "norm" in name:
                p.add_(torch.randn_like(p) * 0.3)
    load_from_torch(s, t)
    return s, t


def _lift(a, lib):
    if isinstance(a, np.ndarray):
        return torch.from_numpy(a.copy()) if lib is torch else shendu.tensor(a)
    return a


def run_pair(s, t, inputs, kwargs=None, same=False, grad=True, atol=1e-5):
    """Run both modules on the same inputs (``same``: one tensor passed as query, key and value)
    and compare outputs (and attention weights), input gradients and parameter gradients.
    ``kwargs`` values are arrays, or (shendu value, torch value) pairs."""
    kwargs = kwargs or {}
    sk = {k: v[0] if isinstance(v, tuple) else _lift(v, shendu) for k, v in kwargs.items()}
    tk = {k: v[1] if isinstance(v, tuple) else _lift(v, torch) for k, v in kwargs.items()}
    if same:
        inputs = inputs[:1]
    ti = [torch.tensor(a, requires_grad=grad) for a in inputs]
    si = [shendu.from_numpy(a.copy()).requires_grad_(grad) for a in inputs]
    if same:
        ti, si = ti * 3, si * 3
    to, so = t(*ti, **tk), s(*si, **sk)
    assert_same(so, to, atol, atol, "forward")
    if not grad:
        return so
    outs_t = [o for o in (to if isinstance(to, tuple) else (to,)) if o is not None]
    outs_s = [o for o in (so if isinstance(so, tuple) else (so,)) if o is not None]
    rng = np.random.default_rng(11)
    seeds = [rng.standard_normal(tuple(o.shape)).astype(np.float32) for o in outs_t]
    sum(((o * torch.from_numpy(g)).nansum() for o, g in zip(outs_t, seeds))).backward()
    sum(((o * shendu.tensor(g)).nansum() for o, g in zip(outs_s, seeds))).backward()
    for i, (a, b) in enumerate(zip(si, ti)):
        assert_same(a.grad, b.grad, atol * 20, atol * 20, f"grad of input {i}")
    tp = dict(t.named_parameters())
    for name, p in s.named_parameters():
        assert name in tp
        if tp[name].grad is None:
            assert p.grad is None or np.all(p.grad.numpy() == 0), name
        else:
            assert_same(p.grad, tp[name].grad, atol * 20, atol * 20, f"grad of {name}")
    return so


KPM = np.array([[0, 0, 0, 1, 1], [1, 0, 0, 0, 0]], bool)
MHA_CASES = {
    "default": (dict(), {}),
    "batch_first": (dict(batch_first=True), {}),
    "kdim_vdim": (dict(kdim=5, vdim=3), {}),
    "kdim_vdim_batch_first": (dict(kdim=5, vdim=3, batch_first=True),
                              dict(key_padding_mask=KPM)),
    "bias_kv_zero_attn": (dict(add_bias_kv=True, add_zero_attn=True),
                          dict(attn_mask=rand(4, 5, seed=3) > 0.5, key_padding_mask=KPM)),
    "no_bias": (dict(bias=False), dict(need_weights=False)),
    "bool_masks": (dict(), dict(attn_mask=rand(4, 5, seed=3) > 0.5, key_padding_mask=KPM)),
    "float_masks": (dict(batch_first=True), dict(attn_mask=rand(4, 5, seed=4),
                                                 key_padding_mask=np.where(KPM, -np.inf, 0)
                                                 .astype(np.float32))),
    "mask_3d_per_head": (dict(), dict(attn_mask=rand(4, 4, 5, seed=5) > 0.3,
                                      average_attn_weights=False)),
    "float_mask_3d_no_weights": (dict(), dict(attn_mask=rand(4, 4, 5, seed=6),
                                             need_weights=False)),
    "key_padding_no_weights": (dict(batch_first=True),
                               dict(key_padding_mask=KPM, need_weights=False)),
}


@pytest.mark.parametrize("case", MHA_CASES)
def test_multihead_attention_matches_torch(case):
    kw, fkw = MHA_CASES[case]
    s, t = mha_pair(dict(embed_dim=8, num_heads=2, **kw))
    bf = kw.get("batch_first", False)
    kd, vd = kw.get("kdim", 8), kw.get("vdim", 8)
    shape = (lambda n, e: (2, n, e)) if bf else (lambda n, e: (n, 2, e))
    so = run_pair(s, t, (rand(*shape(4, 8), seed=1), rand(*shape(5, kd), seed=2),
                         rand(*shape(5, vd), seed=3)), fkw)
    assert (so[1] is None) == (fkw.get("need_weights", True) is False)


@pytest.mark.parametrize("batch_first", [False, True])
def test_self_attention_and_encoder_decoder_attention(batch_first):
    s, t = mha_pair(dict(embed_dim=8, num_heads=4, batch_first=batch_first))
    x = rand(3, 4, 8, seed=1)
    run_pair(s, t, (x,), same=True)
    mem = rand(5, 4, 8, seed=2) if not batch_first else rand(3, 5, 8, seed=2)
    ti, si = torch.tensor(x, requires_grad=True), shendu.tensor(x, requires_grad=True)
    tm, sm = torch.tensor(mem, requires_grad=True), shendu.tensor(mem, requires_grad=True)
    to, so = t(ti, tm, tm)[0], s(si, sm, sm)[0]
    assert_same(so, to)
    to.sum().backward()
    so.sum().backward()
    assert_same(sm.grad, tm.grad, 1e-4, 1e-4)


@pytest.mark.filterwarnings("ignore:Support for mismatched")     # float and bool masks mixed
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_input(batch_first):
    s, t = mha_pair(dict(embed_dim=8, num_heads=2, batch_first=batch_first))
    run_pair(s, t, (rand(4, 8, seed=1), rand(5, 8, seed=2), rand(5, 8, seed=3)),
             dict(key_padding_mask=np.array([0, 0, 1, 0, 1], bool),
                  attn_mask=rand(2, 4, 5, seed=4), average_attn_weights=False))


def test_is_causal_hint():
    s, t = mha_pair(dict(embed_dim=8, num_heads=2))
    mask = np.triu(np.ones((4, 4), bool), 1)
    x = rand(4, 2, 8, seed=1)
    run_pair(s, t, (x,), dict(attn_mask=mask, is_causal=True, need_weights=False), same=True)
    run_pair(s, t, (x,), dict(attn_mask=mask, is_causal=True, key_padding_mask=KPM[:, :4]),
             same=True)
    check_error(lambda lib, x: mods(lib)(x, x, x, is_causal=True), (4, 2, 8),
                match="attn_mask")


def mods(lib):
    return (snn if lib is shendu else torch.nn).MultiheadAttention(8, 2)


def test_fully_masked_rows_as_torch():
    """A query whose keys are all masked: NaN on PyTorch's need_weights path and its fused
    inference kernel, 0 through scaled_dot_product_attention (need_weights=False)."""
    kpm = np.zeros((2, 3), bool)
    kpm[1] = True
    for kw, fkw in ((dict(), dict()), (dict(), dict(need_weights=False)),
                    (dict(batch_first=True), dict(need_weights=False))):
        s, t = mha_pair(dict(embed_dim=8, num_heads=2, **kw))
        x = rand(2, 3, 8, seed=1) if kw else rand(3, 2, 8, seed=1)
        so = run_pair(s, t, (x,) * 3, dict(key_padding_mask=kpm, **fkw))
        assert np.isnan(so[0].detach().numpy()).any() == fkw.get("need_weights", True)
    s, t = mha_pair(dict(embed_dim=8, num_heads=2, batch_first=True))
    s.eval(), t.eval()
    x = rand(2, 3, 8, seed=2)
    with torch.no_grad(), shendu.no_grad():
        so = run_pair(s, t, (x,), dict(key_padding_mask=kpm, need_weights=False), same=True,
                      grad=False)
    assert np.isnan(so[0].numpy()[1]).all()


def test_functional_multi_head_attention_forward():
    s, t = mha_pair(dict(embed_dim=8, num_heads=2, kdim=6, vdim=6, add_bias_kv=True))
    x, m = rand(4, 2, 8, seed=1), rand(5, 2, 6, seed=2)
    sk, sv = shendu.tensor(rand(4, 5, 4, seed=3)), shendu.tensor(rand(4, 5, 4, seed=4))

    def fn(lib, mod, static=False):
        kw = dict(static_k=sk if lib is shendu else torch.from_numpy(sk.numpy()),
                  static_v=sv if lib is shendu else torch.from_numpy(sv.numpy())) \
            if static else {}
        return F(lib).multi_head_attention_forward(
            _lift(x, lib), _lift(m, lib), _lift(m, lib), 8, 2, None, mod.in_proj_bias, None
            if static else mod.bias_k, None if static else mod.bias_v, False, 0.0,
            mod.out_proj.weight, mod.out_proj.bias, use_separate_proj_weight=True,
            q_proj_weight=mod.q_proj_weight, k_proj_weight=mod.k_proj_weight,
            v_proj_weight=mod.v_proj_weight, **kw)
    for static in (False, True):
        so, to = fn(shendu, s, static), fn(torch, t, static)
        assert_same(so, to)


def test_multihead_attention_second_order_matches_torch():
    s, t = mha_pair(dict(embed_dim=4, num_heads=2))
    mask = rand(3, 3, seed=2) > 0.3
    np.fill_diagonal(mask, False)

    def fn(lib, x):
        mod = s if lib is shendu else t
        return mod(x, x, x, attn_mask=_lift(mask, lib))
    check(fn, (3, 2, 4), second_order=True, atol=1e-5)


def test_dropout_on_attention_weights():
    s, t = mha_pair(dict(embed_dim=8, num_heads=2, dropout=0.5))
    x = shendu.tensor(rand(6, 3, 8, seed=1))
    out, w = s(x, x, x, average_attn_weights=False)
    kept = w.detach().numpy() != 0
    assert 0.4 < kept.mean() < 0.6
    out2, _ = s(x, x, x)
    assert not np.allclose(out.detach().numpy(), out2.detach().numpy())
    # evaluation: no dropout, deterministic, equal to PyTorch
    s.eval(), t.eval()
    run_pair(s, t, (rand(6, 3, 8, seed=1), rand(5, 3, 8, seed=2), rand(5, 3, 8, seed=3)))
    close(s(x, x, x)[0], s(x, x, x)[0], 0)


MHA_PARAM_CASES = [dict(), dict(bias=False), dict(kdim=5, vdim=3), dict(add_bias_kv=True),
                   dict(kdim=5, add_bias_kv=True, bias=False, add_zero_attn=True)]


@pytest.mark.parametrize("kw", MHA_PARAM_CASES)
def test_multihead_attention_parameters_as_torch(kw):
    t = torch.nn.MultiheadAttention(16, 4, **kw)
    s = snn.MultiheadAttention(16, 4, **kw)
    assert [(n, tuple(p.shape)) for n, p in s.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert list(s.state_dict()) == list(t.state_dict())
    assert sum(p.numel() for p in s.parameters()) == sum(p.numel() for p in t.parameters())
    assert repr(s) == repr(t)
    for name in ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight",
                 "in_proj_bias", "bias_k", "bias_v"):
        assert (getattr(s, name) is None) == (getattr(t, name) is None), name
    assert (s.embed_dim, s.kdim, s.vdim, s.num_heads, s.head_dim, s.batch_first,
            s._qkv_same_embed_dim, s.add_zero_attn, s.dropout) == \
        (t.embed_dim, t.kdim, t.vdim, t.num_heads, t.head_dim, t.batch_first,
         t._qkv_same_embed_dim, t.add_zero_attn, t.dropout)


def test_multihead_attention_initialisation():
    s = snn.MultiheadAttention(64, 4, add_bias_kv=True)
    w = s.in_proj_weight.detach().numpy()
    bound = math.sqrt(6 / (64 + 3 * 64))                  # Xavier-uniform on (3E, E)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01
    assert np.all(s.in_proj_bias.detach().numpy() == 0)
    assert np.all(s.out_proj.bias.detach().numpy() == 0)
    bk = s.bias_k.detach().numpy()                        # Xavier-normal on (1, 1, E)
    assert abs(bk.std() - math.sqrt(2 / (64 + 64))) < 0.08
    s2 = snn.MultiheadAttention(64, 4, kdim=32)
    kb = math.sqrt(6 / (64 + 32))
    assert np.abs(s2.k_proj_weight.detach().numpy()).max() <= kb


def test_multihead_attention_errors_name_the_layer():
    err = check_error(lambda lib: (snn if lib is shendu else torch.nn).MultiheadAttention(9, 2),
                      match="divisible")
    assert "MultiheadAttention" in str(err) and "9" in str(err) and "2" in str(err)
    err = check_error(lambda lib, x: mods(lib)(x, x, x), (4, 2, 7),
                      match="expecting embedding dimension of 8, but got 7")
    assert "MultiheadAttention" in str(err) and "[4, 2, 7]" in str(err)
    check_error(lambda lib: (snn if lib is shendu else torch.nn).MultiheadAttention(0, 2),
                match="greater than 0")
    check_error(lambda lib, x: mods(lib)(x, x, x, attn_mask=x[0] > 0), (4, 2, 8),
                match="attn_mask")
    check_error(lambda lib, x, k: mods(lib)(x, k, k), (4, 2, 8), (5, 8))
    check_error(lambda lib, x: mods(lib)(x, x, x, key_padding_mask=x[0, :, 0] > 0),
                (4, 2, 8))
    check_error(lambda lib, x: mods(lib)(x, x, x, attn_mask=x.long()[:, :, 0]), (4, 4, 8))


# ----- Transformer -----------------------------------------------------------------------

ENC_CASES = {
    "post_norm": dict(),
    "pre_norm_gelu": dict(norm_first=True, activation="gelu"),
    "batch_first_callable": dict(batch_first=True, activation=lambda x: x.tanh()),
    "no_bias_module_activation": dict(bias=False, activation="module_gelu"),
}


def _activation(kw, lib):
    kw = dict(kw)
    if kw.get("activation") == "module_gelu":
        kw["activation"] = (snn if lib is shendu else torch.nn).GELU()
    return kw


@pytest.mark.parametrize("case", ENC_CASES)
def test_encoder_layer_matches_torch(case):
    kw = ENC_CASES[case]
    torch.manual_seed(0)
    t = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **_activation(kw, torch))
    with torch.no_grad():
        for name, p in t.named_parameters():
            if "norm" in name:
                p.add_(torch.randn_like(p) * 0.3)
    s = snn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **_activation(kw, shendu))
    load_from_torch(s, t)
    bf = kw.get("batch_first", False)
    x = rand(2, 5, 8, seed=1) if bf else rand(5, 2, 8, seed=1)
    kpm = np.array([[0, 0, 0, 0, 1], [0, 0, 1, 1, 1]], bool)
    run_pair(s, t, (x,))
    run_pair(s, t, (x,), dict(src_mask=rand(5, 5, seed=2), src_key_padding_mask=(
        shendu.tensor(np.where(kpm, -np.inf, 0).astype(np.float32)),
        torch.from_numpy(np.where(kpm, -np.inf, 0).astype(np.float32)))))
    causal = np.triu(np.ones((5, 5), bool), 1)
    run_pair(s, t, (x,), dict(src_mask=causal, src_key_padding_mask=kpm, is_causal=True))
    run_pair(s, t, (x[0] if bf else x[:, 0],), dict(src_mask=causal))          # unbatched
    assert s.activation_relu_or_gelu == t.activation_relu_or_gelu


def test_decoder_layer_matches_torch():
    for kw in (dict(), dict(norm_first=True, batch_first=True, activation="gelu")):
        s, t = layer_pair(snn.TransformerDecoderLayer, torch.nn.TransformerDecoderLayer, 8, 2,
                          16, dropout=0.0, **kw)
        bf = kw.get("batch_first", False)
        tgt = rand(2, 4, 8, seed=1) if bf else rand(4, 2, 8, seed=1)
        mem = rand(2, 6, 8, seed=2) if bf else rand(6, 2, 8, seed=2)
        run_pair(s, t, (tgt, mem))
        tmask = np.triu(np.ones((4, 4), bool), 1)
        run_pair(s, t, (tgt, mem), dict(
            tgt_mask=tmask, memory_mask=rand(4, 6, seed=3) > 0.6,
            tgt_key_padding_mask=np.array([[0, 0, 0, 1], [0, 0, 0, 0]], bool),
            memory_key_padding_mask=np.array([[0, 0, 0, 0, 1, 1], [0, 1, 0, 0, 0, 0]], bool),
            tgt_is_causal=True))


def test_encoder_and_decoder_stacks():
    torch.manual_seed(0)
    t = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2,
                                    torch.nn.LayerNorm(8), enable_nested_tensor=False)
    s = snn.TransformerEncoder(snn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2,
                               snn.LayerNorm(8), enable_nested_tensor=False)
    load_from_torch(s, t)
    x = rand(5, 2, 8, seed=1)
    causal = SF.causal_mask(5)
    run_pair(s, t, (x,), dict(mask=(~causal, torch.from_numpy(~causal.numpy())),
                              src_key_padding_mask=np.array([[0, 0, 0, 0, 1], [0] * 5], bool)))
    run_pair(s, t, (x,), dict(mask=(snn.Transformer.generate_square_subsequent_mask(5),
                                    torch.nn.Transformer.generate_square_subsequent_mask(5))))
    torch.manual_seed(1)
    t = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), 2)
    s = snn.TransformerDecoder(snn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), 2)
    load_from_torch(s, t)
    run_pair(s, t, (rand(4, 2, 8, seed=2), x), dict(tgt_mask=np.triu(np.ones((4, 4), bool), 1)))


@pytest.mark.filterwarnings("ignore:Support for mismatched")     # float and bool masks mixed
@pytest.mark.parametrize("batch_first", [False, True])
def test_full_transformer_matches_torch(batch_first):
    torch.manual_seed(0)
    kw = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
              dim_feedforward=16, dropout=0.0, batch_first=batch_first)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.Transformer(**kw)
    s = snn.Transformer(**kw)
    load_from_torch(s, t)
    src = rand(2, 6, 8, seed=1) if batch_first else rand(6, 2, 8, seed=1)
    tgt = rand(2, 4, 8, seed=2) if batch_first else rand(4, 2, 8, seed=2)
    run_pair(s, t, (src, tgt), dict(
        tgt_mask=(snn.Transformer.generate_square_subsequent_mask(4),
                  torch.nn.Transformer.generate_square_subsequent_mask(4)),
        src_key_padding_mask=np.array([[0, 0, 0, 0, 0, 1], [0] * 6], bool),
        memory_key_padding_mask=np.array([[0, 0, 0, 0, 0, 1], [0] * 6], bool),
        tgt_key_padding_mask=np.array([[0, 0, 0, 1], [0] * 4], bool),
        src_mask=rand(6, 6, seed=3), memory_mask=rand(4, 6, seed=4) > 0.7), atol=2e-5)
    run_pair(s, t, (src[0], tgt[0]) if batch_first else (src[:, 0], tgt[:, 0]))  # unbatched


def test_transformer_parameters_state_dict_and_init():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.Transformer(16, 4, 2, 1, 32)
    s = snn.Transformer(16, 4, 2, 1, 32)
    assert [(n, tuple(p.shape)) for n, p in s.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert list(s.state_dict()) == list(t.state_dict())
    assert sum(p.numel() for p in s.parameters()) == sum(p.numel() for p in t.parameters())
    assert (s.d_model, s.nhead, s.batch_first) == (t.d_model, t.nhead, t.batch_first)
    # every matrix Xavier-uniform (Transformer._reset_parameters), LayerNorms 1 and 0
    w = s.encoder.layers[0].linear1.weight.detach().numpy()
    assert np.abs(w).max() <= math.sqrt(6 / (16 + 32))
    assert np.abs(s.decoder.layers[0].self_attn.out_proj.weight.detach().numpy()).max() <= \
        math.sqrt(6 / 32)
    assert np.all(s.encoder.norm.weight.detach().numpy() == 1)
    one = dict(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
               dim_feedforward=16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert repr(snn.Transformer(**one)) == repr(torch.nn.Transformer(**one))
        assert repr(snn.TransformerEncoderLayer(8, 2, 16, activation=snn.GELU())) == \
            repr(torch.nn.TransformerEncoderLayer(8, 2, 16, activation=torch.nn.GELU()))
    # the stack's layers are independent deep copies
    enc = snn.TransformerEncoder(snn.TransformerEncoderLayer(8, 2, 16), 3)
    assert len({id(layer.linear1.weight) for layer in enc.layers}) == 3
    assert enc.num_layers == 3 and enc.norm is None


def test_square_subsequent_mask():
    assert_same(snn.Transformer.generate_square_subsequent_mask(5),
                torch.nn.Transformer.generate_square_subsequent_mask(5))
    assert snn.Transformer.generate_square_subsequent_mask(3, dtype=shendu.float64).dtype == \
        shendu.float64


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
def test_encoder_inference_as_torch_nested_path():
    """In evaluation without grad, PyTorch runs a batch_first encoder with a key padding mask
    as nested tensors: padded positions come out as 0 before the final norm."""
    torch.manual_seed(0)
    kw = dict(dropout=0.1, batch_first=True)
    t = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, **kw), 2)
    s = snn.TransformerEncoder(snn.TransformerEncoderLayer(8, 2, 16, **kw), 2)
    load_from_torch(s, t)
    s.eval(), t.eval()
    kpm = np.array([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]], bool)
    x = rand(3, 5, 8, seed=1)
    with torch.no_grad(), shendu.no_grad():
        out = run_pair(s, t, (x,), dict(src_key_padding_mask=kpm), grad=False)
        assert np.all(out.numpy()[0, 3:] == 0)
        run_pair(s, t, (x[:2],), dict(src_key_padding_mask=kpm[:2, ::-1].copy()), grad=False)
        layer = (s.layers[0], t.layers[0])                   # fused layer: NaN rows as torch
        out = run_pair(*layer, (x,), dict(src_key_padding_mask=kpm), grad=False)
        assert np.isnan(out.numpy()[2]).all()


def test_transformer_dropout_train_and_eval():
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.Transformer(8, 2, 1, 1, 16, dropout=0.3)
    s = snn.Transformer(8, 2, 1, 1, 16, dropout=0.3)
    load_from_torch(s, t)
    src, tgt = shendu.tensor(rand(5, 2, 8, seed=1)), shendu.tensor(rand(4, 2, 8, seed=2))
    a, b = s(src, tgt), s(src, tgt)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    s.eval(), t.eval()
    run_pair(s, t, (rand(5, 2, 8, seed=1), rand(4, 2, 8, seed=2)))


def test_transformer_errors():
    def build(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lib.nn.Transformer(8, 2, 1, 1, 16)
    check_error(lambda lib, a, b: build(lib)(a, b), (5, 2, 8), (4, 3, 8), match="batch")
    check_error(lambda lib, a, b: build(lib)(a, b), (5, 2, 8), (4, 2, 6), match="d_model")
    check_error(lambda lib: (snn if lib is shendu else torch.nn).TransformerEncoderLayer(
        8, 2, activation="tanh"), match="relu/gelu")
    check_error(lambda lib, x: (snn if lib is shendu else torch.nn).TransformerEncoderLayer(
        8, 2, 16)(x), (5, 2, 6), match="expecting embedding dimension of 8")


def test_mismatched_mask_types_warn_as_torch():
    for lib in (torch, shendu):
        m = (snn if lib is shendu else torch.nn).MultiheadAttention(8, 2)
        x = lib.randn(3, 2, 8)
        with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
            m(x, x, x, key_padding_mask=lib.zeros(2, 3, dtype=lib.bool),
              attn_mask=lib.zeros(3, 3))


def test_is_causal_hint_is_trusted_as_torch():
    s, t = layer_pair(snn.TransformerEncoderLayer, torch.nn.TransformerEncoderLayer, 8, 2, 16,
                      dropout=0.0)
    run_pair(s, t, (rand(5, 2, 8, seed=1),), dict(src_mask=rand(5, 5, seed=2) > 0.5,
                                                  is_causal=True))


def test_float64_layers():
    t = torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, dtype=torch.float64)
    s = snn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, dtype=shendu.float64)
    load_from_torch(s, t)
    assert s.self_attn.in_proj_weight.dtype == shendu.float64
    assert s.norm1.weight.dtype == shendu.float64
    run_pair(s, t, (rand(4, 2, 8, seed=1, dtype=np.float64),
                    rand(5, 2, 8, seed=2, dtype=np.float64)), atol=1e-10)
