"""Loss functions (损失函数), as ``torch.nn.functional`` plus the Dice (V-Net) and InfoNCE
(CLIP) losses.

Cross-entropy is one fused op: log-softmax with the row maximum subtracted (no overflow at any
logit) and the closed-form gradient softmax(x)·Σ A − A, where A holds each class's weight in
the loss (the one-hot target times its class weight, plus the label-smoothing share). The
other losses are compositions of differentiable ops, so their gradients follow.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ...autograd.grad_mode import is_grad_enabled
from ...ops.pointwise import minimum, where
from ...tensor import Tensor, _wrap, record
from .distance import pairwise_distance

__all__ = ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "cross_entropy",
           "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
           "hinge_embedding_loss", "soft_margin_loss", "gaussian_nll_loss", "poisson_nll_loss",
           "dice_loss", "info_nce_loss"]


def _legacy(size_average, reduce, reduction: str) -> str:
    """The old size_average/reduce arguments, turned into a reduction string as PyTorch does."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return ("mean" if size_average else "sum") if reduce else "none"


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _pair(input: Tensor, target, name: str) -> Tensor:
    if not isinstance(target, Tensor):
        raise TypeError(f"{name}: expected target to be a Tensor, got {type(target).__name__}")
    if input.shape != target.shape:
        warnings.warn(f"{name}: using a target size ({target.shape}) that is different to the "
                      f"input size ({input.shape}). This will likely lead to incorrect results "
                      f"due to broadcasting. Please ensure they have the same size.",
                      stacklevel=3)
    return target


# ----- regression losses --------------------------------------------------------------------

def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean") -> Tensor:
    """Mean absolute error (MAE, L1): |x − y|."""
    target = _pair(input, target, "l1_loss")
    return _reduce((input - target).abs(), _legacy(size_average, reduce, reduction))


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean") -> Tensor:
    """Mean squared error (均方误差, L2): (x − y)²; ∂L/∂x = 2(x − y)/N for the mean."""
    target = _pair(input, target, "mse_loss")
    d = input - target
    return _reduce(d * d, _legacy(size_average, reduce, reduction))


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d²/β where |d| < β, else |d| − 0.5β (d = x − y); β = 0 is the L1 loss."""
    target = _pair(input, target, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = (input - target).abs()
    loss = d if beta == 0 else where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduce(loss, _legacy(size_average, reduce, reduction))


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    """0.5 d² where |d| < δ, else δ(|d| − 0.5δ) (d = x − y)."""
    target = _pair(input, target, "huber_loss")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = (input - target).abs()
    return _reduce(where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


# ----- classification: cross-entropy and NLL ------------------------------------------------

def _class_last(x: np.ndarray) -> np.ndarray:
    """(N, C, d1, ...) -> (M, C) with the class dimension last; (C,) -> (1, C)."""
    if x.ndim == 1:
        return x[None, :]
    if x.ndim == 2:
        return x
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _class_first(a: np.ndarray, shape: tuple) -> np.ndarray:
    """Inverse of ``_class_last`` for an input of ``shape``."""
    if len(shape) <= 2:
        return a.reshape(shape)
    return np.moveaxis(a.reshape((shape[0],) + shape[2:] + (shape[1],)), -1, 1)


def _index_targets(input, target, weight, ignore_index, name):
    """Validate class-index targets; return (targets (M,), valid mask (M,), per-sample weight
    of the target class (M,), class weights or None)."""
    x = input._data
    shape = x.shape
    expected = shape[:1] + shape[2:] if len(shape) >= 2 else ()
    t = target._data
    if t.shape != expected:
        if len(shape) >= 2 and t.ndim and t.shape[0] != shape[0]:
            raise ValueError(f"{name}: Expected input batch_size ({shape[0]}) to match target "
                             f"batch_size ({t.shape[0]}).")
        raise RuntimeError(f"{name}: expected target of shape {list(expected)} for input of "
                           f"shape {list(shape)} (class dimension 1), got {list(t.shape)}")
    n_cls = shape[1] if len(shape) >= 2 else shape[0]
    t = t.reshape(-1)
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_cls))
    if bad.any():
        raise IndexError(f"{name}: Target {int(t[bad][0])} is out of bounds (expected class "
                         f"indices in [0, {n_cls}) or ignore_index={ignore_index}).")
    tc = np.where(valid, t, 0)
    w = None
    if weight is not None:
        w = weight._data
        if w.shape != (n_cls,):
            raise RuntimeError(f"{name}: weight tensor should be defined either for all "
                               f"{n_cls} classes or no classes but got weight tensor of shape: "
                               f"{list(w.shape)}")
        wy = w[tc] * valid
    else:
        wy = valid.astype(x.dtype)
    return tc, valid, wy.astype(x.dtype, copy=False), w


def _logp_loss(input: Tensor, logp: np.ndarray, A: np.ndarray, denom, reduction: str,
               out_shape: tuple, softmax: bool, node: str, target: Tensor | None = None,
               dA_dt: np.ndarray | None = None) -> Tensor:
    """loss_i = −Σ_c A_ic · logp_ic, reduced ("mean" divides by ``denom``).

    With ``softmax`` (cross-entropy, logp = log_softmax(x)): ∂L/∂x = g·(softmax(x)·Σ_c A − A);
    without (NLL, logp = x): ∂L/∂x = −g·A. For probability targets A = t·dA_dt + const, so
    ∂L/∂t = −g·dA_dt·logp.
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    per = -(A * logp).sum(1)
    x = input._data
    if reduction == "none":
        out = per.reshape(out_shape)
        scale = 1.0
    elif reduction == "sum":
        out = per.sum()
        scale = 1.0
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            out = per.sum() / denom
            scale = 1.0 / denom
    A = (A * scale).astype(x.dtype, copy=False)
    cdim = 1 if x.ndim >= 2 else 0
    A_t = _wrap(_class_first(A, x.shape))
    if softmax:
        kshape = x.shape[:cdim] + (1,) + x.shape[cdim + 1:]
        rs_t = _wrap(_class_first(A.sum(1, keepdims=True), kshape))
        sm_t = _wrap(_class_first(np.exp(logp), x.shape))

    tcoef_t = None
    if target is not None:
        tcoef_t = _wrap(_class_first(np.broadcast_to(dA_dt * scale, A.shape), x.shape)
                        .astype(x.dtype, copy=False))
        logp_t = _wrap(_class_first(logp, x.shape))

    def backward(g):
        gb = g.unsqueeze(cdim) if reduction == "none" else g
        gt = None
        if target is not None and target._rg:
            lp = input.log_softmax(cdim) if is_grad_enabled() else logp_t
            gt = -(lp * tcoef_t) * gb
        if not softmax:
            return -A_t * gb, gt
        # creating a graph: rebuild softmax from the input so second derivatives flow
        sm = input.softmax(cdim) if is_grad_enabled() else sm_t
        return (sm * rs_t - A_t) * gb, gt
    saved = (input, A_t) + ((rs_t, sm_t) if softmax else ()) + \
        ((tcoef_t, logp_t) if target is not None else ())
    return record(np.asarray(out, x.dtype), node, (input, target), backward, saved=saved)


def _log_softmax_last(x: np.ndarray) -> np.ndarray:
    z = x - x.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy (交叉熵) of logits ``input`` (N, C, d1, ...) or (C,) against class
    indices (N, d1, ...) or class probabilities (same shape as input):
    L = −Σ_c A_c · log softmax(x)_c, where A is the (smoothed, weighted) target.

    "mean" divides by the summed weights of the non-ignored targets (class indices) or by the
    number of samples (probabilities), as PyTorch does.
    """
    reduction = _legacy(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"cross_entropy: expected floating point logits, got {input.dtype}")
    if x.ndim == 0:
        raise RuntimeError("cross_entropy: input must have a class dimension, got a 0-d tensor")
    n_cls = x.shape[1] if x.ndim >= 2 else x.shape[0]
    logp = _log_softmax_last(_class_last(x))
    eps = label_smoothing
    if target._data.dtype.kind == "f":
        if target._data.shape != x.shape:
            raise RuntimeError(f"cross_entropy: probability targets must have the input's shape "
                               f"{list(x.shape)}, got {list(target._data.shape)}")
        p = _class_last(target._data.astype(x.dtype, copy=False))
        if eps:
            p = p * (1 - eps) + eps / n_cls
        w = weight._data if weight is not None else np.ones(n_cls, x.dtype)
        out_shape = x.shape[:1] + x.shape[2:] if x.ndim >= 2 else ()
        return _logp_loss(input, logp, p * w, logp.shape[0], reduction, out_shape, True,
                          "CrossEntropyLossBackward0", target, (1 - eps) * w)
    tc, valid, wy, w = _index_targets(input, target, weight, ignore_index, "cross_entropy")
    A = np.zeros_like(logp)
    A[np.arange(len(tc)), tc] = (1 - eps) * wy
    if eps:
        A += (eps / n_cls) * (w[None, :] if w is not None else 1.0) * valid[:, None]
    return _logp_loss(input, logp, A, wy.sum(), reduction, target._data.shape, True,
                      "CrossEntropyLossBackward0")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (N, C, d1, ...):
    L = −w_y · x_y; "mean" divides by the summed weights of the non-ignored targets."""
    reduction = _legacy(size_average, reduce, reduction)
    x = input._data
    if x.ndim == 0:
        raise RuntimeError("nll_loss: input must have a class dimension, got a 0-d tensor")
    tc, _, wy, _ = _index_targets(input, target, weight, ignore_index, "nll_loss")
    logp = _class_last(x)
    A = np.zeros_like(logp)
    A[np.arange(len(tc)), tc] = wy
    return _logp_loss(input, logp, A, wy.sum(), reduction, target._data.shape, False,
                      "NllLossBackward0")


# ----- binary classification ----------------------------------------------------------------

def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """BCE of probabilities: −w[y·log x + (1 − y)·log(1 − x)], each log clamped at −100 (as
    PyTorch), so x = 0 or 1 gives a finite loss."""
    reduction = _legacy(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         f"size.")
    x = input._data
    if x.size and (np.nanmin(x) < 0 or np.nanmax(x) > 1):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 "
                           "and 1")
    with np.errstate(divide="ignore"):
        log_x = np.maximum(np.log(x), -100.0)
        log_1mx = np.maximum(np.log1p(-x), -100.0)
    y = target._data
    loss = -(y * log_x + (1 - y) * log_1mx)
    if weight is not None:
        loss = loss * weight._data
    log_x_t, log_1mx_t = _wrap(log_x.astype(x.dtype)), _wrap(log_1mx.astype(x.dtype))

    def backward(g):
        w = weight if weight is not None else 1.0
        gx = g * w * (input - target) / ((1 - input) * input).clamp(min=1e-12) \
            if input._rg else None
        gy = g * w * (log_1mx_t - log_x_t) if target._rg else None
        return gx, gy
    out = record(loss.astype(x.dtype, copy=False), "BinaryCrossEntropyBackward0",
                 (input, target), backward, saved=(input, target, log_x_t, log_1mx_t))
    return _reduce(out, reduction)


def _log_sigmoid(z: Tensor) -> Tensor:
    """log σ(z) = −(max(−z, 0) + log(1 + e^(−|z|))), stable for any z."""
    return -((-z).clamp(min=0.0) + (-z.abs()).exp().log1p())


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """BCE on logits, stable for any logit (±100 included):
    L = −w[p·y·log σ(x) + (1 − y)·log(1 − σ(x))];  ∂L/∂x = w[(p·y + 1 − y)·σ(x) − p·y]."""
    reduction = _legacy(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    x, y = input._data, target._data.astype(input._data.dtype, copy=False)
    softplus_neg = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))     # −log σ(x)
    softplus_pos = softplus_neg + x                                       # −log(1 − σ(x))
    pw = pos_weight._data if pos_weight is not None else 1.0
    loss = pw * y * softplus_neg + (1 - y) * softplus_pos
    if weight is not None:
        loss = loss * weight._data

    def backward(g):
        w = weight if weight is not None else 1.0
        p = pos_weight if pos_weight is not None else 1.0
        gx = g * w * ((p * target + 1 - target) * input.sigmoid() - p * target) \
            if input._rg else None
        gy = gp = None
        if target._rg or (pos_weight is not None and pos_weight._rg):
            ls, l1s = _log_sigmoid(input), _log_sigmoid(-input)
            gy = g * w * (l1s - p * ls) if target._rg else None
            gp = -g * w * target * ls if pos_weight is not None and pos_weight._rg else None
        return gx, gy, gp
    out = record(loss.astype(x.dtype, copy=False), "BinaryCrossEntropyWithLogitsBackward0",
                 (input, target, pos_weight), backward,
                 saved=tuple(t for t in (input, target, weight, pos_weight) if t is not None))
    return _reduce(out, reduction)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence (KL散度) KL(p ‖ q) with ``input`` = log q and ``target`` = p (or log p):
    p·(log p − log q), 0 where p = 0. "batchmean" divides the sum by the batch size, which is
    the true KL divergence; "mean" divides by the number of elements."""
    reduction = _legacy(size_average, reduce, reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        pos = target > 0
        safe = where(pos, target, 1.0)
        loss = where(pos, target * (safe.log() - input), -target * input)
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size. 'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.", stacklevel=2)
    return _reduce(loss, reduction)


# ----- embedding and ranking losses ---------------------------------------------------------

def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """1 − cos(x₁, x₂) for y = 1; max(0, cos(x₁, x₂) − margin) for y = −1."""
    reduction = _legacy(size_average, reduce, reduction)
    if input1.ndim not in (1, 2) or input1.shape != input2.shape:
        raise RuntimeError(f"cosine_embedding_loss: expected two 1-D or 2-D inputs of the same "
                           f"shape, got {list(input1.shape)} and {list(input2.shape)}")
    d = input1.ndim - 1
    prod = (input1 * input2).sum(d)
    mag1 = (input1 * input1).sum(d) + 1e-12
    mag2 = (input2 * input2).sum(d) + 1e-12
    cos = prod / (mag1 * mag2).sqrt()
    loss = where(target == 1, 1 - cos, 0.0) + where(target == -1, (cos - margin).clamp(min=0.0),
                                                    0.0)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, −y·(x₁ − x₂) + margin): x₁ should rank above x₂ when y = 1."""
    reduction = _legacy(size_average, reduce, reduction)
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0.0), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(d(a, p) − d(a, n) + margin, 0) with d the p-norm distance; ``swap`` uses
    min(d(a, n), d(p, n)) as the negative distance."""
    reduction = _legacy(size_average, reduce, reduction)
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(f"triplet_margin_loss: the anchor, positive, and negative tensors are "
                           f"expected to have the same number of dimensions, got "
                           f"{anchor.ndim}, {positive.ndim} and {negative.ndim}")
    d_ap = pairwise_distance(anchor, positive, p, eps)
    d_an = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_an = minimum(d_an, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_ap - d_an).clamp(min=0.0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """x where y = 1; max(0, margin − x) where y = −1."""
    reduction = _legacy(size_average, reduce, reduction)
    loss = where(target != 1, (margin - input).clamp(min=0.0), 0.0) + \
        where(target != -1, input, 0.0)
    return _reduce(loss, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + e^(−y·x)), computed stably."""
    reduction = _legacy(size_average, reduce, reduction)
    return _reduce(-_log_sigmoid(target * input), reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood ½(log max(σ², ε) + (x − y)² / max(σ², ε)) (+ ½ log 2π
    when ``full``); the clamp of σ² passes gradients through unchanged, as in PyTorch."""
    if not isinstance(var, Tensor):
        var = _wrap(np.full(input._data.shape, var, input._data.dtype))
    if var.ndim == input.ndim - 1 and var.shape == input.shape[:-1]:
        var = var.unsqueeze(-1)
    if (var._data < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    # clamp the value without cutting the gradient: var + (clamped − var) detached
    v = var + _wrap(np.maximum(var._data, eps) - var._data)
    loss = 0.5 * (v.log() + (input - target) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: eˣ − y·x (log_input) or x − y·log(x + ε); ``full`` adds
    Stirling's approximation of log(y!) for y > 1."""
    reduction = _legacy(size_average, reduce, reduction)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        safe = where(target > 1, target, 1.0)
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        loss = loss + where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)


# ----- beyond PyTorch: Dice (V-Net) and InfoNCE (CLIP) --------------------------------------

def dice_loss(input: Tensor, target: Tensor, *, smooth: float = 1.0, activation: str = "softmax",
              include_background: bool = True, squared_denominator: bool = False,
              reduction: str = "mean") -> Tensor:
    """Soft Dice loss (V-Net), 1 − Dice per sample and class, for 2-D or 3-D segmentation.

    ``input``: scores (N, C, *spatial); turned into probabilities p by ``activation``
    ("softmax" over classes, "sigmoid" per class, or None if already probabilities).
    ``target``: class indices (N, *spatial) or per-class probabilities (N, C, *spatial).
    Dice_nc = (2 Σ p·t + smooth) / (Σ p + Σ t + smooth), sums over the spatial positions
    (Σ p² + Σ t² with ``squared_denominator``, as in the V-Net paper). Returns 1 − Dice,
    reduced over samples and classes ("none" gives the (N, C) matrix). Small foreground
    objects count as much as large ones, which is why it suits imbalanced segmentation.
    """
    if input.ndim < 3:
        raise RuntimeError(f"dice_loss: expected input of shape (N, C, *spatial), got "
                           f"{list(input.shape)}")
    n_cls = input.shape[1]
    if activation == "softmax":
        p = input.softmax(1)
    elif activation == "sigmoid":
        p = input.sigmoid()
    elif activation is None:
        p = input
    else:
        raise ValueError(f"dice_loss: activation must be 'softmax', 'sigmoid' or None, got "
                         f"{activation!r}")
    if target._data.dtype.kind in "iu":
        if target.shape != input.shape[:1] + input.shape[2:]:
            raise RuntimeError(f"dice_loss: class-index target must have shape "
                               f"{list(input.shape[:1] + input.shape[2:])}, got "
                               f"{list(target.shape)}")
        t = _wrap(np.moveaxis(np.eye(n_cls, dtype=input._data.dtype)[target._data], -1, 1))
    else:
        if target.shape != input.shape:
            raise RuntimeError(f"dice_loss: probability target must have the input's shape "
                               f"{list(input.shape)}, got {list(target.shape)}")
        t = target
    if not include_background:
        p, t = p[:, 1:], t[:, 1:]
    axes = tuple(range(2, input.ndim))
    inter = (p * t).sum(axes)
    if squared_denominator:
        denom = (p * p).sum(axes) + (t * t).sum(axes)
    else:
        denom = p.sum(axes) + t.sum(axes)
    dice = (2 * inter + smooth) / (denom + smooth)
    return _reduce(1 - dice, reduction)


def info_nce_loss(query: Tensor, key: Tensor, temperature: float = 0.07, *,
                  symmetric: bool = False, normalize: bool = True,
                  reduction: str = "mean") -> Tensor:
    """InfoNCE contrastive loss: row i of ``query`` should match row i of ``key`` among all N
    keys. logits = q̂ k̂ᵀ / τ (cosine similarities when ``normalize``), loss = cross-entropy
    with the diagonal as the target. ``symmetric=True`` averages the query→key and key→query
    losses: CLIP's image–text objective."""
    if query.ndim != 2 or key.ndim != 2 or query.shape != key.shape:
        raise RuntimeError(f"info_nce_loss: expected query and key of the same shape (N, D), "
                           f"got {list(query.shape)} and {list(key.shape)}")
    if temperature <= 0:
        raise ValueError(f"info_nce_loss: temperature must be positive, got {temperature}")
    if normalize:
        query = query / query.norm(dim=1, keepdim=True).clamp(min=1e-12)
        key = key / key.norm(dim=1, keepdim=True).clamp(min=1e-12)
    logits = (query @ key.mT) * (1.0 / temperature)
    labels = _wrap(np.arange(query.shape[0]))
    loss = cross_entropy(logits, labels, reduction=reduction)
    if symmetric:
        loss = 0.5 * (loss + cross_entropy(logits.mT, labels, reduction=reduction))
    return loss

