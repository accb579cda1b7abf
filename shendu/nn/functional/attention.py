"""Attention (注意力) as functions: scaled dot-product attention, multi-head attention
(多头注意力), and builders for the attention patterns of the notes (因果/局部/稀疏/全局注意力).

Scaled dot-product attention, for Q (…, L, E), K (…, S, E), V (…, S, Ev):

    S = Q Kᵀ · scale + M,    P = softmax(S) (row-wise),    O = P V            (…, L, Ev)

with scale = 1/√E and M an additive mask (0 where a query may attend, −inf where not). It is
one fused op with the closed-form backward (G = ∂L/∂O):

    dV = Pᵀ G,   dP = G Vᵀ,   dS = P ⊙ (dP − rowsum(dP ⊙ P)),
    dQ = dS K · scale,   dK = dSᵀ Q · scale,   dM = dS

written with shendu ops, so it is twice differentiable. A query row whose keys are all masked
attends to nothing: its output and gradients are 0, as PyTorch's scaled_dot_product_attention.

Boolean masks — two conventions, as in PyTorch:

- ``scaled_dot_product_attention``: ``True`` = may attend;
- ``MultiheadAttention`` / ``Transformer`` (``attn_mask``, ``*_key_padding_mask``, ``src_mask``,
  ``tgt_mask``, ``memory_mask``): ``True`` = masked out.

The mask builders here (``causal_mask``, ``local_attention_mask``, ``strided_attention_mask``,
``block_sparse_attention_mask``, ``global_attention_mask``) return ``True`` = attend, shape
(L, S). Pass ``mask`` to scaled_dot_product_attention, ``~mask`` to MultiheadAttention, or
``attention_bias(mask)`` (0 / −inf, a float mask, which every one of them adds to the scores)
to any of them.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ... import dtypes
from ...autograd import grad_mode
from ...ops.creation import zeros
from ...ops.pad import pad
from ...ops.pointwise import where
from ...ops.shape import cat
from ...ops.softmax import softmax
from ...random import rng
from ...tensor import Tensor, _wrap, record_multi
from .linear import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward", "causal_mask",
           "local_attention_mask", "strided_attention_mask", "block_sparse_attention_mask",
           "global_attention_mask", "attention_bias"]


# ----- scaled dot-product attention -------------------------------------------------------

def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: float | None = None, enable_gqa: bool = False) -> Tensor:
    """softmax(Q Kᵀ · scale + M) V  (缩放点积注意力), as
    ``torch.nn.functional.scaled_dot_product_attention``.

    query (N, …, Hq, L, E), key (N, …, H, S, E), value (N, …, H, S, Ev) → (N, …, Hq, L, Ev);
    batch dimensions broadcast. ``attn_mask`` broadcasts to (N, …, Hq, L, S): boolean with
    ``True`` = attend, or float (same dtype as query), added to the scores (a float mask that
    requires grad gets dM = dS). ``is_causal``: query i attends to keys j ≤ i (因果掩码,
    upper-left aligned when L ≠ S). ``dropout_p``: dropout on the attention weights P (always
    applied: pass 0.0 in evaluation). ``scale`` defaults to 1/√E. ``enable_gqa``: grouped-query
    attention, H divides Hq and query head h uses key/value head h // (Hq / H).
    """
    return _sdpa(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)[0]


def _sdpa(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa,
          nan_rows=False):
    """(output, attention weights after dropout) of scaled dot-product attention."""
    q, k, v = query._data, key._data, value._data
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise RuntimeError(f"scaled_dot_product_attention: expected query, key, and value to all "
                           f"be at least 2 dimensional, but got query.dim: {q.ndim} key.dim: "
                           f"{k.ndim} and value.dim: {v.ndim} instead.")
    if not q.dtype == k.dtype == v.dtype:
        raise RuntimeError(f"scaled_dot_product_attention: expected query, key, and value to "
                           f"have the same dtype, but got query.dtype: {query.dtype} key.dtype: "
                           f"{key.dtype} and value.dtype: {value.dtype} instead.")
    if q.dtype.kind != "f":
        raise RuntimeError(f"scaled_dot_product_attention: expected floating-point query, key "
                           f"and value, got {query.dtype}")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: query (…, L, E) {list(q.shape)}, key "
                           f"(…, S, E) {list(k.shape)} and value (…, S, Ev) {list(v.shape)} do "
                           f"not fit: E and S must agree")
    L, S = q.shape[-2], k.shape[-2]
    mask = bias = None
    if attn_mask is not None:
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
        m = attn_mask._data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        if m.dtype == np.bool_:
            mask = m
        elif m.dtype == q.dtype:
            bias = attn_mask if isinstance(attn_mask, Tensor) else _wrap(m)
        else:
            raise RuntimeError(f"scaled_dot_product_attention: expected attn_mask dtype to be "
                               f"bool or float or to match query dtype, but got attn_mask.dtype: "
                               f"{dtypes.from_np(m.dtype)} and query.dtype: {query.dtype} "
                               f"instead.")
        try:
            np.broadcast_shapes(m.shape, q.shape[:-1] + (S,))
        except ValueError:
            raise RuntimeError(f"scaled_dot_product_attention: attn_mask of shape "
                               f"{list(m.shape)} does not broadcast to the attention weights' "
                               f"shape {list(q.shape[:-1] + (S,))} (…, L, S)") from None
    elif is_causal:
        mask = np.tri(L, S, dtype=np.bool_)
    if enable_gqa and q.ndim >= 3 and k.shape[-3] != q.shape[-3]:
        key, value = _repeat_heads(key, value, q.shape[-3])
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1]) if q.shape[-1] else 1.0
    return _attention(query, key, value, mask, bias, float(dropout_p), float(scale), nan_rows)


def _repeat_heads(key, value, hq):
    """Grouped-query attention: repeat each key/value head Hq / H times (its gradient sums
    over the group)."""
    h = key._data.shape[-3]
    if value._data.shape[-3] != h or hq % h:
        raise RuntimeError(f"scaled_dot_product_attention: with enable_gqa, the number of query "
                           f"heads ({hq}) must be a multiple of the number of key and value "
                           f"heads (got {h} and {value._data.shape[-3]})")

    def rep(t):
        s = t._data.shape
        return t.unsqueeze(-3).expand(*s[:-2], hq // h, *s[-2:]).reshape(*s[:-3], hq, *s[-2:])
    return rep(key), rep(value)


def _attention(query, key, value, mask, bias, p, scale, nan_rows):
    """The fused op. ``mask``: boolean array (True = attend) or None; ``bias``: float Tensor
    added to the scores, or None. Returns (O, P after dropout).

    The scores are computed transposed, Sᵀ = K Qᵀ (…, S, L): NumPy reduces across rows (the
    softmax's max and sum over keys) several times faster than along them, and BLAS takes the
    transposes for free. A row with every key masked has max −inf: its weights are set to 0
    (PyTorch's SDPA), or left as softmax's 0/0 = NaN with ``nan_rows`` (PyTorch's need_weights
    path)."""
    q, k, v = query._data, key._data, value._data
    try:
        st = np.matmul(k, np.swapaxes(q, -1, -2))
        np.broadcast_shapes(st.shape[:-2], v.shape[:-2])
    except ValueError:
        raise RuntimeError(f"scaled_dot_product_attention: the batch and head dimensions of "
                           f"query {list(q.shape)}, key {list(k.shape)} and value "
                           f"{list(v.shape)} cannot be broadcast") from None
    st *= scale                     # a Python float: float32 stays float32
    if mask is not None:
        mt = np.swapaxes(mask, -1, -2)
        full = np.broadcast_shapes(st.shape, mt.shape)
        if st.shape != full:
            st = np.broadcast_to(st, full).copy()
        np.copyto(st, -np.inf, where=~mt)
    if bias is not None:
        st = st + np.swapaxes(bias._data, -1, -2)
    m = st.max(axis=-2, keepdims=True) if st.shape[-2] else \
        np.zeros(st.shape[:-2] + (1, st.shape[-1]), st.dtype)
    dead = None
    if not nan_rows:
        dead = np.isneginf(m)
        if dead.any():
            m[dead] = 0
        else:
            dead = None
    with np.errstate(invalid="ignore"):     # nan_rows: −inf − (−inf) and 0/0 give NaN
        st -= m
        np.exp(st, out=st)
        z = st.sum(axis=-2, keepdims=True)
        if dead is not None:
            z[dead] = 1             # exp(−inf) = 0 for every key of the row: weights 0
        st /= z
    wt = st                         # Pᵀ, after dropout
    drop = None
    if p > 0:
        drop = (rng().random(st.shape, dtype=np.float32) >= p).astype(st.dtype)
        drop *= 1.0 / (1.0 - p) if p < 1 else 0.0
        wt = st * drop
    out = np.matmul(np.swapaxes(wt, -1, -2), v)

    def backward(g_out, g_w):
        if grad_mode.state.enabled:     # create_graph: P as a differentiable function of Q, K
            PT = _weights_graph(query, key, mask, bias, scale, dead).mT
        else:
            PT = _wrap(st)
        dm = _wrap(drop) if drop is not None else None
        dPdT = dv = None
        if g_out is not None:
            dPdT = value @ g_out.mT                       # (G Vᵀ)ᵀ
            if value._rg:
                dv = (PT * dm if dm is not None else PT) @ g_out
        if g_w is not None:
            dPdT = g_w.mT if dPdT is None else dPdT + g_w.mT
        if dPdT is None:
            return None, None, dv, None
        dPT = dPdT * dm if dm is not None else dPdT
        dST = PT * (dPT - (dPT * PT).sum(-2, keepdim=True))
        dq = (dST.mT @ key) * scale if query._rg else None
        dk = (dST @ query) * scale if key._rg else None
        db = dST.mT if bias is not None and bias._rg else None
        return dq, dk, dv, db
    return record_multi((out, np.swapaxes(wt, -1, -2)), "ScaledDotProductAttentionBackward0",
                        (query, key, value, bias), backward,
                        saved=(query, key, value, bias, st, drop, mask, dead))


def _weights_graph(query, key, mask, bias, scale, dead):
    """P = softmax(Q Kᵀ · scale + M) from differentiable ops, for double backward. Dead rows
    (``dead``: (…, 1, L), as the forward found them) are computed as unmasked and then zeroed,
    so no NaN enters the graph."""
    s = (query @ key.mT) * scale
    if mask is not None:
        s = where(_wrap(mask), s, -math.inf)
    if bias is not None:
        s = s + bias
    if dead is None:
        return softmax(s, -1)
    live = _wrap(np.swapaxes(~dead, -1, -2))
    return softmax(where(live, s, 0.0), -1) * live


# ----- multi-head attention ---------------------------------------------------------------

def _canonical_mask(mask, name: str, dtype, other=None, other_name: str = ""):
    """A boolean mask (True = masked out, the MultiheadAttention convention) as an additive
    float mask (−inf where True); a float mask as it is."""
    if mask is None:
        return None
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_ and m.dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    if other is not None and m.dtype != other._data.dtype:
        warnings.warn(f"Support for mismatched {name} and {other_name} is deprecated. Use same "
                      f"type for both instead.", stacklevel=3)
    if m.dtype == np.bool_:
        out = np.zeros(m.shape, dtype.np)
        out[m] = -np.inf
        return _wrap(out)
    return mask if isinstance(mask, Tensor) else _wrap(m)


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor,
                                 embed_dim_to_check: int, num_heads: int, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn: bool,
                                 dropout_p: float, out_proj_weight, out_proj_bias,
                                 training: bool = True, key_padding_mask=None,
                                 need_weights: bool = True, attn_mask=None,
                                 use_separate_proj_weight: bool = False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights: bool = True,
                                 is_causal: bool = False):
    """Multi-head attention (多头注意力), as ``torch.nn.functional.multi_head_attention_forward``
    (sequence-first: query (L, N, E) or unbatched (L, E), key/value (S, N, Ek/Ev) or (S, Ek/Ev)).

        headᵢ = Attention(Q Wᵢ^Q, K Wᵢ^K, V Wᵢ^V),   MultiHead = Concat(head₁…head_h) W^O

    Masks follow MultiheadAttention's convention (boolean ``True`` = masked out, float added):
    ``attn_mask`` (L, S) or (N·num_heads, L, S), ``key_padding_mask`` (N, S) or (S). Returns
    (output (L, N, E), weights) with weights (N, L, S) averaged over heads, (N, num_heads, L, S)
    with ``average_attn_weights=False``, or None with ``need_weights=False``.
    """
    return _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                training, key_padding_mask, need_weights, attn_mask, use_separate_proj_weight,
                q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v,
                average_attn_weights, is_causal)


def _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    """PyTorch's checks of the input ranks; True for batched (3-D) input."""
    qd, kd, vd = query.dim(), key.dim(), value.dim()
    if qd == 3:
        if kd != 3 or vd != 3:
            raise AssertionError(f"For batched (3-D) `query`, expected `key` and `value` to be "
                                 f"3-D but found {kd}-D and {vd}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(f"For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.dim()}-D tensor "
                                 f"instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For batched (3-D) `query`, expected `attn_mask` to be `None`, "
                                 f"2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if qd == 2:
        if kd != 2 or vd != 2:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key` and `value` to be "
                                 f"2-D but found {kd}-D and {vd}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key_padding_mask` to "
                                 f"be `None` or 1-D but found {key_padding_mask.dim()}-D tensor "
                                 f"instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(f"For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor "
                                     f"instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                     f"{tuple(attn_mask.shape)}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                         f"{qd}-D query tensor")


def _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
         bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training,
         key_padding_mask, need_weights, attn_mask, use_separate_proj_weight, q_proj_weight,
         k_proj_weight, v_proj_weight, static_k, static_v, average_attn_weights, is_causal,
         batch_first=False, nan_rows=None, name="multi_head_attention_forward"):
    """Multi-head attention on (L, N, E) input, or (N, L, E) with ``batch_first`` (no transposes
    needed: heads are split with one reshape and a permute to (N, H, L, d) views)."""
    is_batched = _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
        batch_first = False
    if batch_first:
        bsz, tgt_len, embed_dim = query.shape
        src_len = key.shape[1]
    else:
        tgt_len, bsz, embed_dim = query.shape
        src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", query.dtype,
                                       attn_mask, "attn_mask")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None            # the hint alone: scaled_dot_product_attention's is_causal
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", query.dtype)
        if key_padding_mask is not None:
            is_causal = False       # the merged mask is no longer causal
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"{name}: was expecting embedding dimension of "
                             f"{embed_dim_to_check}, but got {embed_dim} (query of shape "
                             f"{list(query.shape)})")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"{name}: embed_dim {embed_dim} not divisible by num_heads "
                             f"{num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not "
                                 f"match value's {tuple(value.shape[:2])}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape "
                             f"{tuple(value.shape)}")

    # in-projection: one GEMM for self-attention (自注意力), two for cross-attention (交叉注意力)
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is True but q_proj_weight, "
                                 "k_proj_weight or v_proj_weight is None")
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = in_proj_bias.chunk(3)
        q = linear(query, q_proj_weight, b_q)
        k = linear(key, k_proj_weight, b_k)
        v = linear(value, v_proj_weight, b_v)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, "
                                   f"but should be {(tgt_len, src_len)}.")
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, "
                                   f"but should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    seq = 1 if batch_first else 0      # the sequence dimension of q, k, v
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key or value.")
        shape = (bsz, 1, embed_dim) if batch_first else (1, bsz, embed_dim)
        k = cat([k, bias_k.reshape(1, 1, embed_dim).expand(*shape)], seq)
        v = cat([v, bias_v.reshape(1, 1, embed_dim).expand(*shape)], seq)
        attn_mask = pad(attn_mask, (0, 1)) if attn_mask is not None else None
        key_padding_mask = pad(key_padding_mask, (0, 1)) if key_padding_mask is not None \
            else None
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k and bias_v must both be given, or neither")

    q = _heads(q, bsz, num_heads, head_dim, batch_first)
    k = _heads(k, bsz, num_heads, head_dim, batch_first) if static_k is None else \
        _static(static_k, bsz, num_heads, head_dim, "static_k")
    v = _heads(v, bsz, num_heads, head_dim, batch_first) if static_v is None else \
        _static(static_v, bsz, num_heads, head_dim, "static_v")
    if add_zero_attn:
        k = cat([k, zeros(bsz, num_heads, 1, head_dim, dtype=k.dtype)], 2)
        v = cat([v, zeros(bsz, num_heads, 1, head_dim, dtype=v.dtype)], 2)
        attn_mask = pad(attn_mask, (0, 1)) if attn_mask is not None else None
        key_padding_mask = pad(key_padding_mask, (0, 1)) if key_padding_mask is not None \
            else None
    src_len = k.shape[2]

    # one additive mask (N or 1, H or 1, L, S) from attn_mask and key_padding_mask
    if attn_mask is not None:
        attn_mask = attn_mask.reshape(1, 1, tgt_len, src_len) if attn_mask.dim() == 2 or \
            attn_mask.shape[0] == 1 else attn_mask.reshape(bsz, num_heads, tgt_len, src_len)
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"Expected key_padded_mask.shape to be {(bsz, src_len)}, but "
                                 f"got {tuple(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    out, weights = _sdpa(q, k, v, attn_mask, dropout_p if training else 0.0,
                         is_causal and attn_mask is None, None, False,
                         need_weights if nan_rows is None else nan_rows)
    # (N, H, L, d) -> (L, N, E) or (N, L, E), then the output projection W^O
    out = out.permute(0, 2, 1, 3) if batch_first else out.permute(2, 0, 1, 3)
    out = linear(out.reshape(out.shape[0], out.shape[1], embed_dim), out_proj_weight,
                 out_proj_bias)
    if not is_batched:
        out = out.squeeze(1)
    if not need_weights:
        return out, None
    if average_attn_weights:
        weights = weights.mean(1)
    if not is_batched:
        weights = weights.squeeze(0)
    return out, weights


def _in_projection_packed(q, k, v, w, b):
    """Q, K, V = (q W_qᵀ + b_q, k W_kᵀ + b_k, v W_vᵀ + b_v) with W = [W_q; W_k; W_v] packed."""
    e = q.shape[-1]
    if k is v:
        if q is k:
            return linear(q, w, b).unflatten(-1, (3, e)).unbind(-2)
        w_q, w_kv = w.split([e, 2 * e])
        b_q, b_kv = b.split([e, 2 * e]) if b is not None else (None, None)
        return (linear(q, w_q, b_q),) + linear(k, w_kv, b_kv).unflatten(-1, (2, e)).unbind(-2)
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = b.chunk(3) if b is not None else (None, None, None)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _heads(x, bsz, num_heads, head_dim, batch_first):
    """(L, N, E) or (N, L, E) -> (N, H, L, d), a view."""
    if batch_first:
        return x.reshape(bsz, -1, num_heads, head_dim).permute(0, 2, 1, 3)
    return x.reshape(-1, bsz, num_heads, head_dim).permute(1, 2, 0, 3)


def _static(t, bsz, num_heads, head_dim, name):
    if t.shape[0] != bsz * num_heads or t.shape[2] != head_dim:
        raise AssertionError(f"expecting {name} of shape ({bsz * num_heads}, S, {head_dim}), but "
                             f"got {tuple(t.shape)}")
    return t.reshape(bsz, num_heads, t.shape[1], head_dim)


# ----- attention patterns (True = attend), shape (L, S) -----------------------------------

def _offsets(L: int, S: int | None) -> np.ndarray:
    """i − j for query i (rows) and key j (columns)."""
    S = L if S is None else S
    return np.arange(L)[:, None] - np.arange(S)[None, :]


def causal_mask(L: int, S: int | None = None, *, diagonal: int = 0) -> Tensor:
    """因果掩码 (causal, autoregressive): query i attends to keys j ≤ i + diagonal.
    Same as ``is_causal=True`` (upper-left aligned); for MultiheadAttention pass ``~mask``,
    which equals ``Transformer.generate_square_subsequent_mask(L) == -inf``."""
    return _wrap(_offsets(L, S) >= -diagonal)


def local_attention_mask(L: int, window: int, *, causal: bool = False,
                         S: int | None = None) -> Tensor:
    """局部注意力 (sliding window, e.g. Longformer's local part, Mistral): query i attends to
    keys j with |i − j| ≤ window, or with ``causal`` to 0 ≤ i − j ≤ window (itself and the
    ``window`` keys before it). Cost O(L·window) instead of O(L²) in a sparse kernel."""
    if window < 0:
        raise ValueError(f"local_attention_mask: window must be >= 0, got {window}")
    d = _offsets(L, S)
    return _wrap((d >= 0) & (d <= window) if causal else np.abs(d) <= window)


def strided_attention_mask(L: int, stride: int, *, causal: bool = True,
                           S: int | None = None) -> Tensor:
    """稀疏注意力, the strided pattern of the Sparse Transformer (Child et al., 2019): query i
    attends to the previous ``stride`` keys (|i − j| < stride) and to every ``stride``-th key
    ((i − j) mod stride = 0), so two steps connect any pair in O(L·√L) with stride ≈ √L.
    ``causal`` (the default, as in the paper) keeps only j ≤ i."""
    if stride <= 0:
        raise ValueError(f"strided_attention_mask: stride must be > 0, got {stride}")
    d = _offsets(L, S)
    m = (np.abs(d) < stride) | (d % stride == 0)
    return _wrap(m & (d >= 0) if causal else m)


def block_sparse_attention_mask(L: int, block: int, *, summary: int = 0, causal: bool = False,
                                S: int | None = None) -> Tensor:
    """稀疏注意力, block-local (the Sparse Transformer's fixed pattern): query i attends to the
    keys of its own block (⌊i/block⌋ = ⌊j/block⌋) and, with ``summary`` = c > 0, to the last c
    keys of every block (j mod block ≥ block − c), which carry information between blocks.
    ``causal`` keeps only j ≤ i."""
    if block <= 0 or not 0 <= summary <= block:
        raise ValueError(f"block_sparse_attention_mask: need block > 0 and 0 <= summary <= "
                         f"block, got block={block}, summary={summary}")
    S = L if S is None else S
    i, j = np.arange(L)[:, None], np.arange(S)[None, :]
    m = (i // block == j // block) | (j % block >= block - summary)
    return _wrap(m & (j <= i) if causal else m)


def global_attention_mask(L: int, global_tokens, *, window: int = 0,
                          S: int | None = None) -> Tensor:
    """全局注意力 (Longformer-style): the ``global_tokens`` (indices, or a boolean vector over
    positions) attend to all keys and are attended by all queries; every other query attends to
    keys with |i − j| ≤ window (itself only with the default 0; combine with a local window as
    in Longformer by passing ``window``)."""
    S = L if S is None else S
    g = global_tokens._data if isinstance(global_tokens, Tensor) else np.asarray(global_tokens)
    n = max(L, S)
    if g.dtype == np.bool_:
        flags = np.zeros(n, np.bool_)
        flags[:g.shape[0]] = g
    else:
        flags = np.zeros(n, np.bool_)
        idx = g.astype(np.int64).reshape(-1)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"global_attention_mask: global token index out of range for "
                             f"length {n}: {idx.tolist()}")
        flags[idx] = True
    m = np.abs(_offsets(L, S)) <= window
    return _wrap(m | flags[:L, None] | flags[None, :S])


def attention_bias(mask, dtype=None) -> Tensor:
    """A boolean mask (True = attend) as an additive float mask: 0 where attended, −inf
    elsewhere. Every attention here adds a float mask to the scores, so the same tensor works as
    ``attn_mask`` in scaled_dot_product_attention, MultiheadAttention and the Transformer
    layers, whatever their boolean convention."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"attention_bias: expected a boolean mask, got {dtypes.from_np(m.dtype)}")
    npd = dtypes.as_dtype(dtype).np if dtype is not None else dtypes.get_default_dtype().np
    out = np.zeros(m.shape, npd)
    out[~m] = -np.inf
    return _wrap(out)
