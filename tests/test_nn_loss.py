"""Losses, distances and gradient clipping against PyTorch; Dice and InfoNCE (which PyTorch
lacks) against direct NumPy formulas and float64 gradcheck."""

import warnings

import numpy as np
import pytest
import torch

import shendu
import shendu.nn.functional as F
from helpers import check, check_error

RNG = np.random.default_rng(0)


def idx(shape, high, ignore=None):
    a = RNG.integers(0, high, shape)
    if ignore is not None:
        a.flat[:2] = ignore
    return a.astype(np.int64)


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss",
                                  "soft_margin_loss"])
def test_regression_losses(name, reduction):
    # PyTorch refuses a target that requires grad in soft_margin_loss; shendu differentiates it
    rg = [True, name != "soft_margin_loss"]
    check(lambda lib, x, y: getattr(lib.nn.functional, name)(x, y, reduction=reduction),
          (4, 5), (4, 5), second_order=True, requires_grad=rg)


@pytest.mark.parametrize("beta", [0.0, 0.5, 2.0])
def test_smooth_l1_beta_and_huber_delta(beta):
    check(lambda lib, x, y: lib.nn.functional.smooth_l1_loss(x, y, beta=beta), (6,), (6,))
    if beta:
        check(lambda lib, x, y: lib.nn.functional.huber_loss(x, y, delta=beta), (6,), (6,))


CE_CASES = {
    "2d": ((8, 5), idx((8,), 5), {}),
    "unbatched": ((5,), np.array(3, np.int64), {}),
    "spatial": ((2, 4, 3, 3), idx((2, 3, 3), 4), {}),
    "3d_spatial": ((2, 3, 2, 2, 2), idx((2, 2, 2, 2), 3), {}),
    "weight": ((8, 5), idx((8,), 5), {"weight": True}),
    "ignore": ((8, 5), idx((8,), 5, ignore=-100), {}),
    "ignore_custom": ((8, 5), idx((8,), 5, ignore=2), {"ignore_index": 2}),
    "smoothing": ((8, 5), idx((8,), 5), {"label_smoothing": 0.1}),
    "smoothing_weight_ignore": ((8, 5), idx((8,), 5, ignore=-100),
                                {"label_smoothing": 0.2, "weight": True}),
    "spatial_smoothing_ignore": ((2, 4, 3), idx((2, 3), 4, ignore=-100),
                                 {"label_smoothing": 0.3}),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", sorted(CE_CASES))
def test_cross_entropy_class_indices(case, reduction):
    shape, target, kw = CE_CASES[case]
    n_cls = shape[1] if len(shape) > 1 else shape[0]
    w = RNG.uniform(0.5, 2.0, n_cls).astype(np.float32)

    def f(lib, x, t):
        opts = dict(kw)
        if opts.pop("weight", False):
            opts["weight"] = lib.tensor(w)
        return lib.nn.functional.cross_entropy(x, t, reduction=reduction, **opts)
    check(f, shape, target, second_order=True)


@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("shape", [(6, 4), (2, 3, 2, 2)])
def test_cross_entropy_probability_targets(shape, smoothing):
    p = RNG.uniform(size=shape).astype(np.float32)
    p /= p.sum(1, keepdims=True)
    w = RNG.uniform(0.5, 2.0, shape[1]).astype(np.float32)
    for reduction in REDUCTIONS:
        check(lambda lib, x, t: lib.nn.functional.cross_entropy(
            x, t, weight=lib.tensor(w), reduction=reduction, label_smoothing=smoothing),
            shape, p)


def test_cross_entropy_is_stable_at_huge_logits():
    x = np.array([[1e4, -1e4, 0.0], [-1e30, 1e30, 5.0]], np.float32)
    check(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t), x, np.array([0, 2]))


def test_cross_entropy_module_and_errors():
    check(lambda lib, x, t: lib.nn.CrossEntropyLoss(label_smoothing=0.1)(x, t), (4, 3),
          idx((4,), 3))
    check_error(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t), (4, 3),
                np.array([0, 1, 2, 3]), match="out of bounds")
    check_error(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t), (4, 3),
                np.array([0, 1, 2]), match="batch_size")
    check_error(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t, weight=lib.ones(2)),
                (4, 3), np.array([0, 1, 2, 0]), match="weight")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction):
    w = RNG.uniform(0.5, 2.0, 5).astype(np.float32)
    check(lambda lib, x, t: lib.nn.functional.nll_loss(x.log_softmax(1), t,
                                                       weight=lib.tensor(w),
                                                       reduction=reduction),
          (8, 5), idx((8,), 5, ignore=-100), second_order=True)
    check(lambda lib, x, t: lib.nn.NLLLoss(ignore_index=1, reduction=reduction)(x, t),
          (2, 5, 3), idx((2, 3), 5))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce(reduction):
    w = RNG.uniform(0.5, 2.0, (4, 3)).astype(np.float32)
    probs = RNG.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
    check(lambda lib, x, t: lib.nn.functional.binary_cross_entropy(
        x, t, weight=lib.tensor(w), reduction=reduction), probs, (4, 3), low=0.0, high=1.0)
    check(lambda lib, x, t: lib.nn.BCELoss(reduction=reduction)(x, t), probs,
          (RNG.uniform(size=(4, 3)) > 0.5).astype(np.float32), requires_grad=[True, False])


def test_bce_clamps_log_at_extremes():
    x = np.array([0.0, 1.0, 0.5, 1e-30], np.float32)
    y = np.array([1.0, 0.0, 1.0, 1.0], np.float32)
    check(lambda lib, x, t: lib.nn.functional.binary_cross_entropy(x, t, reduction="none"),
          x, y, requires_grad=[False, False])
    check_error(lambda lib, x, t: lib.nn.functional.binary_cross_entropy(x, t),
                np.array([1.5], np.float32), np.array([1.0], np.float32), match="between 0 and 1")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits(reduction):
    w = RNG.uniform(0.5, 2.0, (3,)).astype(np.float32)
    pw = RNG.uniform(0.5, 3.0, (3,)).astype(np.float32)
    check(lambda lib, x, t: lib.nn.functional.binary_cross_entropy_with_logits(
        x, t, weight=lib.tensor(w), pos_weight=lib.tensor(pw), reduction=reduction),
        (5, 3), (5, 3), low=0.0, high=1.0, second_order=True, requires_grad=[True, False])
    check(lambda lib, x, t: lib.nn.functional.binary_cross_entropy_with_logits(
        x, t, reduction=reduction), (5, 3), (5, 3), low=0.0, high=1.0)


def test_bce_with_logits_is_stable_at_100():
    x = np.array([100.0, -100.0, 100.0, -100.0, 0.0], np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5], np.float32)
    out = check(lambda lib, x, t: lib.nn.BCEWithLogitsLoss(reduction="none")(x, t), x, y)
    assert np.all(np.isfinite(out.detach().numpy()))


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
def test_kl_div(reduction, log_target):
    p = RNG.uniform(size=(4, 5)).astype(np.float32)
    p /= p.sum(1, keepdims=True)
    p[0, 0] = 0.0
    t = np.log(p + 1e-3) if log_target else p
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda lib, x, t: lib.nn.functional.kl_div(x.log_softmax(1), t,
                                                         reduction=reduction,
                                                         log_target=log_target),
              (4, 5), t.astype(np.float32), requires_grad=[True, False])


def pm1(shape):
    return np.where(RNG.uniform(size=shape) > 0.5, 1.0, -1.0).astype(np.float32)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_embedding_and_ranking_losses(reduction):
    check(lambda lib, a, b, y: lib.nn.functional.cosine_embedding_loss(
        a, b, y, margin=0.2, reduction=reduction), (5, 4), (5, 4), pm1((5,)),
        requires_grad=[True, True, False])
    check(lambda lib, a, b, y: lib.nn.functional.margin_ranking_loss(
        a, b, y, margin=0.1, reduction=reduction), (6,), (6,), pm1((6,)),
        requires_grad=[True, True, False])
    for swap in (False, True):
        check(lambda lib, a, p, n: lib.nn.functional.triplet_margin_loss(
            a, p, n, margin=0.5, swap=swap, reduction=reduction), (5, 4), (5, 4), (5, 4))
    check(lambda lib, x, y: lib.nn.functional.hinge_embedding_loss(
        x, y, margin=0.5, reduction=reduction), (6,), pm1((6,)), requires_grad=[True, False])


@pytest.mark.parametrize("full", [False, True])
def test_gaussian_and_poisson_nll(full):
    var = RNG.uniform(0.1, 2.0, (4, 3)).astype(np.float32)
    var[0, 0] = 1e-8            # below eps: clamped in value, gradient passes through
    check(lambda lib, x, t, v: lib.nn.functional.gaussian_nll_loss(x, t, v, full=full),
          (4, 3), (4, 3), var)
    counts = RNG.integers(0, 5, (4, 3)).astype(np.float32)
    check(lambda lib, x, t: lib.nn.functional.poisson_nll_loss(x, t, full=full), (4, 3),
          counts, requires_grad=[True, False])
    check(lambda lib, x, t: lib.nn.functional.poisson_nll_loss(x, t, log_input=False,
                                                               full=full),
          RNG.uniform(0.5, 3, (4, 3)).astype(np.float32), counts, requires_grad=[True, False])


def test_loss_modules_match_torch():
    pairs = [("L1Loss", {}), ("MSELoss", {"reduction": "sum"}), ("SmoothL1Loss", {"beta": 0.5}),
             ("HuberLoss", {"delta": 0.3}), ("SoftMarginLoss", {})]
    for name, kw in pairs:
        check(lambda lib, x, y: getattr(lib.nn, name)(**kw)(x, y), (3, 4), (3, 4),
              requires_grad=[True, False])
    assert repr(shendu.nn.CrossEntropyLoss()) == repr(torch.nn.CrossEntropyLoss())


# ----- Dice and InfoNCE ------------------------------------------------------------------------

def numpy_dice(x, t_idx, smooth=1.0):
    e = np.exp(x - x.max(1, keepdims=True))
    p = e / e.sum(1, keepdims=True)
    t = np.moveaxis(np.eye(x.shape[1])[t_idx], -1, 1)
    axes = tuple(range(2, x.ndim))
    dice = (2 * (p * t).sum(axes) + smooth) / (p.sum(axes) + t.sum(axes) + smooth)
    return 1 - dice


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (2, 2, 3, 3, 3)])
def test_dice_loss_matches_formula_and_gradcheck(shape):
    x = RNG.standard_normal(shape)
    t = RNG.integers(0, shape[1], (shape[0],) + shape[2:])
    ref = numpy_dice(x, t)
    out = F.dice_loss(shendu.tensor(x, dtype=shendu.float64), shendu.tensor(t),
                      reduction="none")
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10)
    mean = shendu.nn.DiceLoss()(shendu.tensor(x, dtype=shendu.float64), shendu.tensor(t))
    assert mean.item() == pytest.approx(ref.mean())
    xs = shendu.tensor(x[:, :, :2, :2], dtype=shendu.float64, requires_grad=True)
    ts = shendu.tensor(t[:, :2, :2])
    assert shendu.autograd.gradcheck(lambda a: F.dice_loss(a, ts, smooth=0.5), (xs,))
    assert shendu.autograd.gradcheck(
        lambda a: F.dice_loss(a, ts, activation="sigmoid", squared_denominator=True,
                              include_background=False), (xs,))


def test_dice_loss_with_probability_targets():
    x = RNG.standard_normal((2, 3, 4, 4))
    t_idx = RNG.integers(0, 3, (2, 4, 4))
    t = np.moveaxis(np.eye(3)[t_idx], -1, 1)
    a = F.dice_loss(shendu.tensor(x, dtype=shendu.float64), shendu.tensor(t_idx))
    b = F.dice_loss(shendu.tensor(x, dtype=shendu.float64), shendu.tensor(t, dtype=shendu.float64))
    assert a.item() == pytest.approx(b.item())
    with pytest.raises(RuntimeError, match="dice_loss"):
        F.dice_loss(shendu.randn(2, 3, 4), shendu.zeros(2, 5, dtype=shendu.int64))


def numpy_info_nce(q, k, tau, symmetric):
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    k = k / np.linalg.norm(k, axis=1, keepdims=True)
    logits = q @ k.T / tau

    def ce(z):
        z = z - z.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        return -np.mean(np.diag(logp))
    return 0.5 * (ce(logits) + ce(logits.T)) if symmetric else ce(logits)


@pytest.mark.parametrize("symmetric", [False, True])
def test_info_nce_matches_formula_and_gradcheck(symmetric):
    q, k = RNG.standard_normal((6, 4)), RNG.standard_normal((6, 4))
    out = shendu.nn.InfoNCELoss(temperature=0.1, symmetric=symmetric)(
        shendu.tensor(q, dtype=shendu.float64), shendu.tensor(k, dtype=shendu.float64))
    assert out.item() == pytest.approx(numpy_info_nce(q, k, 0.1, symmetric), rel=1e-10)
    qs = shendu.tensor(q, dtype=shendu.float64, requires_grad=True)
    ks = shendu.tensor(k, dtype=shendu.float64, requires_grad=True)
    assert shendu.autograd.gradcheck(
        lambda a, b: F.info_nce_loss(a, b, 0.5, symmetric=symmetric), (qs, ks))


def test_info_nce_equals_cross_entropy_on_similarities():
    """With normalize=False InfoNCE is exactly cross-entropy over q kᵀ / τ (compare torch)."""
    check(lambda lib, q, k: lib.nn.functional.cross_entropy(q @ k.mT / 0.5, lib.arange(5)),
          (5, 3), (5, 3))
    q, k = shendu.randn(5, 3), shendu.randn(5, 3)
    a = F.info_nce_loss(q, k, 0.5, normalize=False)
    b = F.cross_entropy(q @ k.mT / 0.5, shendu.arange(5))
    assert a.item() == pytest.approx(b.item(), rel=1e-6)


# ----- distances and utilities -----------------------------------------------------------------

def test_distances():
    check(lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b), (4, 5), (4, 5),
          second_order=True)
    check(lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b, dim=-1), (2, 3, 5),
          (3, 5))
    check(lambda lib, a, b: lib.nn.functional.pairwise_distance(a, b, p=3, keepdim=True),
          (4, 5), (4, 5))
    check(lambda lib, a, b: lib.nn.PairwiseDistance()(a, b), (4, 5), (4, 5))
    check(lambda lib, a, b: lib.nn.CosineSimilarity(dim=0)(a, b), (4, 5), (4, 5))
    check(lambda lib, a, b: lib.cdist(a, b), (30, 5), (28, 5), atol=1e-4)
    check(lambda lib, a, b: lib.cdist(a, b, p=1), (6, 5), (7, 5))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_clip_grad_norm_matches_torch(norm_type):
    results = []
    for lib in (shendu, torch):
        g = np.random.default_rng(1)
        ps = [lib.nn.Parameter(lib.tensor(g.standard_normal((3, 4)).astype(np.float32)))
              for _ in range(3)]
        for p in ps:
            p.grad = lib.tensor(g.standard_normal(p.shape).astype(np.float32) * 5)
        total = lib.nn.utils.clip_grad_norm_(ps, max_norm=1.0, norm_type=norm_type)
        results.append((total.item(), [p.grad.numpy().copy() for p in ps]))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-5)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5)


def test_clip_grad_value_and_vectors():
    for lib in (shendu, torch):
        p = lib.nn.Parameter(lib.zeros(4))
        p.grad = lib.tensor([-3.0, -0.5, 0.5, 3.0])
        lib.nn.utils.clip_grad_value_([p], 1.0)
        assert p.grad.tolist() == [-1.0, -0.5, 0.5, 1.0]
    ps = [shendu.nn.Parameter(shendu.ones(2, 3)), shendu.nn.Parameter(shendu.zeros(4))]
    v = shendu.nn.utils.parameters_to_vector(ps)
    assert v.shape == (10,)
    shendu.nn.utils.vector_to_parameters(shendu.arange(10.0), ps)
    assert ps[1].tolist() == [6.0, 7.0, 8.0, 9.0]
    p = shendu.nn.Parameter(shendu.ones(2))
    p.grad = shendu.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        shendu.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
