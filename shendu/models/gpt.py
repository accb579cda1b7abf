"""GPT: a decoder-only Transformer language model (Radford et al. 2018/2019), the notes'
单向解码 (autoregressive) model (003 §7.1.1): it reads tokens left to right and predicts each
next one, p(x_t | x_1 … x_{t−1}).

    h⁰ = E[x] + P[0 … T−1]                         token + learned position embedding (B, T, C)
    hˡ = hˡ⁻¹ + Attn(LN₁(hˡ⁻¹))                    causal self-attention (因果自注意力), pre-norm
    hˡ = hˡ + MLP(LN₂(hˡ))                         MLP(x) = W₂ GELU(W₁ x), C → 4C → C
    logits = LN_f(hᴸ) Eᵀ                            weight-tied head (B, T, V)

因果掩码 (causal mask): position i attends only to positions j ≤ i, so changing a later token
never changes an earlier position's output, and one forward pass trains all T next-token
predictions at once. Submodule names follow GPT-2 / nanoGPT (``wte``, ``wpe``, ``h.0.ln_1``,
``attn.c_attn``, ``mlp.c_fc``, …). Generation (``generate``) lives in ``generation.py``;
``decoder()`` gives it a key/value-cached incremental decoder.
"""

from __future__ import annotations

import math

import numpy as np

from .. import nn, zoo
from ..nn import functional as F
from ..nn.functional.attention import causal_mask
from ..ops.creation import arange
from ..tensor import Tensor, _wrap
from .generation import KVCache, generate

__all__ = ["GPT", "Block", "CausalSelfAttention", "MLP", "GPT_CONFIGS"]

# minGPT's small presets (n_layer, n_head, n_embd)
GPT_CONFIGS = {"gpt_nano": (3, 3, 48), "gpt_micro": (4, 4, 128), "gpt_mini": (6, 6, 192)}


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention (多头因果自注意力): Q, K, V = x W_qkv split in three,
    each (B, H, T, C/H); y = softmax(Q Kᵀ/√d + causal mask) V, heads concatenated, then
    ``c_proj``. With a ``KVCache``, the keys and values of earlier positions come from the
    cache and only the new positions are computed."""

    def __init__(self, n_embd: int, n_head: int, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        if n_embd % n_head:
            raise ValueError(f"CausalSelfAttention: n_embd ({n_embd}) must be divisible by "
                             f"n_head ({n_head})")
        self.n_head, self.n_embd, self.dropout = n_head, n_embd, dropout
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=bias)
        self.c_proj = nn.Linear(n_embd, n_embd, bias=bias)
        self.resid_dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, cache: KVCache | None = None, layer: int = 0) -> Tensor:
        B, T, C = x.shape
        q, k, v = (t.reshape(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                   for t in self.c_attn(x).split(C, dim=2))
        past = 0
        if cache is not None:
            past = cache.length(layer)
            k, v = cache.update(layer, k, v)
        p = self.dropout if self.training else 0.0
        if past == 0:
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)
        elif T == 1:                  # one new query: every cached key is in its past
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=p)
        else:                         # new query i sits at position past + i
            y = F.scaled_dot_product_attention(q, k, v, causal_mask(T, past + T, diagonal=past),
                                               dropout_p=p)
        y = y.transpose(1, 2).reshape(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    """The position-wise feed-forward network (前馈网络): C → 4C → GELU → C."""

    def __init__(self, n_embd: int, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * n_embd, n_embd, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    """A pre-norm Transformer block: x + Attn(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, n_embd: int, n_head: int, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd, bias=bias)
        self.attn = CausalSelfAttention(n_embd, n_head, dropout, bias)
        self.ln_2 = nn.LayerNorm(n_embd, bias=bias)
        self.mlp = MLP(n_embd, dropout, bias)

    def forward(self, x: Tensor, cache: KVCache | None = None, layer: int = 0) -> Tensor:
        x = x + self.attn(self.ln_1(x), cache, layer)
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """Decoder-only Transformer language model. forward(idx (B, T) int, cache=None) → logits
    (B, T, vocab_size); T + cached positions ≤ ``block_size`` (the context length).

    Initialisation as GPT-2: weights N(0, 0.02), biases 0, and the two projections that write
    into the residual stream (``attn.c_proj``, ``mlp.c_proj``) N(0, 0.02/√(2·n_layer)) so the
    stream's variance does not grow with depth."""

    def __init__(self, vocab_size: int, block_size: int, n_layer: int = 4, n_head: int = 4,
                 n_embd: int = 128, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        self.config = {"vocab_size": vocab_size, "block_size": block_size, "n_layer": n_layer,
                       "n_head": n_head, "n_embd": n_embd, "dropout": dropout, "bias": bias}
        self.vocab_size, self.block_size, self.n_layer = vocab_size, block_size, n_layer
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.drop = nn.Dropout(dropout)
        self.h = nn.ModuleList([Block(n_embd, n_head, dropout, bias) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd, bias=bias)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * n_layer))
            elif name.endswith("weight") and p.ndim == 2:
                nn.init.normal_(p, 0.0, 0.02)
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def forward(self, idx: Tensor, cache: KVCache | None = None) -> Tensor:
        B, T = idx.shape
        past = len(cache) if cache is not None else 0
        if past + T > self.block_size:
            raise ValueError(f"GPT: {past + T} positions ({past} cached + {T} new) exceed the "
                             f"context length block_size={self.block_size}")
        pos = arange(past, past + T)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for i, block in enumerate(self.h):
            x = block(x, cache, i)
        return F.linear(self.ln_f(x), self.wte.weight)        # tied head: logits = h Eᵀ

    def num_params(self, embeddings: bool = True) -> int:
        """Parameter count (the tied head counted once); without the position embedding when
        ``embeddings`` is False."""
        n = sum(p.numel() for p in self.parameters())
        return n if embeddings else n - self.wpe.weight.numel()

    def decoder(self, use_cache: bool = True) -> _GPTDecoder:
        """An incremental decoder for ``generation.decode``."""
        return _GPTDecoder(self, use_cache)

    def generate(self, idx, max_new_tokens: int, **kwargs) -> Tensor:
        """``generation.generate(self, idx, max_new_tokens, **kwargs)``: greedy, sample, top-k,
        top-p or beam, with the key/value cache unless ``use_cache=False``."""
        return generate(self, idx, max_new_tokens, **kwargs)


class _GPTDecoder:
    """GPT's incremental decoder. With the cache each step runs the model on the new token
    only; once the context is full (block_size positions), or without the cache, a step runs
    the model on the last block_size tokens (the window slides, positions restart at 0)."""

    def __init__(self, model: GPT, use_cache: bool):
        self.model, self.use_cache = model, use_cache
        self.tokens = np.zeros((0, 0), np.int64)
        self.cache: KVCache | None = None

    def _run(self, ids: np.ndarray, cache: KVCache | None) -> Tensor:
        return self.model(_wrap(np.ascontiguousarray(ids)), cache)[:, -1]

    def _window(self) -> Tensor:
        window = self.tokens[:, -self.model.block_size:]
        self.cache = KVCache(self.model.n_layer) if self.use_cache else None
        return self._run(window, self.cache)

    def start(self, prefix: np.ndarray) -> Tensor:
        self.tokens = np.asarray(prefix, np.int64)
        return self._window()

    def advance(self, tokens: np.ndarray) -> Tensor:
        self.tokens = np.concatenate([self.tokens, np.asarray(tokens, np.int64)[:, None]], 1)
        if self.cache is not None and len(self.cache) < self.model.block_size:
            return self._run(self.tokens[:, -1:], self.cache)
        return self._window()

    def select(self, rows: np.ndarray) -> None:
        self.tokens = self.tokens[rows]
        if self.cache is not None:
            self.cache.select(rows)


def _builder(n_layer, n_head, n_embd):
    return lambda c, k, shape: GPT(k, shape[-1], n_layer, n_head, n_embd, dropout=0.1)


zoo.register_model("gpt", _builder(*GPT_CONFIGS["gpt_micro"]),
                   description="decoder-only Transformer LM: 4 layers, 4 heads, 128 wide "
                               "(= gpt_micro); vocab and context from the dataset")
for _name, (_l, _h, _d) in GPT_CONFIGS.items():
    zoo.register_model(_name, _builder(_l, _h, _d),
                       description=f"GPT with {_l} layers, {_h} heads, {_d} wide")
