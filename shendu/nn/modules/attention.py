"""Multi-head attention (多头注意力) as a layer, as ``torch.nn.MultiheadAttention``.

    MultiHead(Q, K, V) = Concat(head₁, …, head_h) W^O,
    headᵢ = Attention(Q Wᵢ^Q, K Wᵢ^K, V Wᵢ^V) = softmax(Q Wᵢ^Q (K Wᵢ^K)ᵀ / √d) V Wᵢ^V

with d = embed_dim / num_heads. Self-attention (自注意力) is query = key = value; in
cross-attention (交叉注意力) the queries come from one sequence (the decoder) and the keys and
values from another (the encoder's memory).
"""

from __future__ import annotations

from ... import ops
from ...autograd import grad_mode
from .. import init
from ..functional.attention import _mha
from ..parameter import Parameter
from .linear import Linear
from .module import Module

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """The output projection of MultiheadAttention: a Linear under PyTorch's class name, so
    reprs match."""


class MultiheadAttention(Module):
    """Multi-head attention (多头注意力), as ``torch.nn.MultiheadAttention``.

    Parameters (PyTorch's names, so state_dicts load both ways):
    ``in_proj_weight`` (3E, E) = [W^Q; W^K; W^V] when kdim = vdim = embed_dim, else
    ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim), ``v_proj_weight`` (E, vdim);
    ``in_proj_bias`` (3E); ``out_proj`` (Linear E → E, W^O); with ``add_bias_kv``, ``bias_k`` and
    ``bias_v`` (1, 1, E), a learned key and value appended to every sequence. ``add_zero_attn``
    appends an all-zero key and value. Initialisation: Xavier-uniform projections, zero biases,
    Xavier-normal bias_k / bias_v.

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) → (attn_output, attn_weights):
    query (L, N, E) — (N, L, E) with ``batch_first`` — or unbatched (L, E); key/value (S, N, kdim
    / vdim) likewise. Boolean masks: ``True`` = masked out (the opposite of
    scaled_dot_product_attention: pass ``~mask`` for the mask builders of
    ``shendu.nn.functional``, or their float form ``attention_bias(mask)``); float masks are
    added to the scores. ``attn_mask`` (L, S) or (N·num_heads, L, S); ``key_padding_mask``
    (N, S) or (S). attn_output has query's shape; attn_weights is (N, L, S) (averaged over
    heads), (N, num_heads, L, S) with ``average_attn_weights=False``, or None with
    ``need_weights=False``; both lose N when unbatched. ``dropout`` applies to the attention
    weights in training.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError(f"MultiheadAttention: embed_dim must be divisible by num_heads, "
                                 f"got embed_dim={embed_dim} and num_heads={num_heads}")
        empty = ops.creation.empty
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, dtype=dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, dtype=dtype))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(empty(1, 1, embed_dim, dtype=dtype))
            self.bias_v = Parameter(empty(1, 1, embed_dim, dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        fused = self._fast_path(query, key, value, key_padding_mask, attn_mask)
        return self._attend(query, key, value, key_padding_mask, need_weights, attn_mask,
                            average_attn_weights, is_causal, fused)

    def _attend(self, query, key, value, key_padding_mask, need_weights, attn_mask,
                average_attn_weights, is_causal, fused):
        """forward; ``fused``: PyTorch would run a fused inference kernel, whose results differ
        only for a query whose keys are all masked: NaN there, where the training path gives
        0. shendu follows whichever path PyTorch takes."""
        e = query.shape[-1] if query.dim() else None
        if e != self.embed_dim:
            layout = "(N, L, E)" if self.batch_first else "(L, N, E)"
            raise AssertionError(f"{type(self).__name__}(embed_dim={self.embed_dim}, "
                                 f"num_heads={self.num_heads}): expected query of shape "
                                 f"{layout} or (L, E) with E = {self.embed_dim}, got "
                                 f"{list(query.shape)}: was expecting embedding dimension of "
                                 f"{self.embed_dim}, but got {e}")
        return _mha(query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
                    self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn,
                    self.dropout, self.out_proj.weight, self.out_proj.bias,
                    training=self.training, key_padding_mask=key_padding_mask,
                    need_weights=need_weights, attn_mask=attn_mask,
                    use_separate_proj_weight=not self._qkv_same_embed_dim,
                    q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
                    v_proj_weight=self.v_proj_weight, static_k=None, static_v=None,
                    average_attn_weights=average_attn_weights, is_causal=is_causal,
                    batch_first=self.batch_first, nan_rows=True if fused else None,
                    name=type(self).__name__)

    def _fast_path(self, query, key, value, key_padding_mask, attn_mask) -> bool:
        """Whether PyTorch would run its fused inference kernel (native multi-head attention)."""
        float_mask = any(m is not None and m.is_floating_point()
                         for m in (attn_mask, key_padding_mask))
        args = (query, self.in_proj_weight, self.in_proj_bias, self.out_proj.weight,
                self.out_proj.bias)
        return (not float_mask and query.dim() == 3 and query is key and key is value
                and not self.training and self.num_heads % 2 == 0 and self.batch_first
                and self.bias_k is None and not self.add_zero_attn
                and self._qkv_same_embed_dim and self.in_proj_bias is not None
                and not (grad_mode.state.enabled and any(t.requires_grad for t in args)))
