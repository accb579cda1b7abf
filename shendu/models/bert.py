"""BERT (Devlin et al. 2019): a bidirectional Transformer encoder, the notes' 双向解码 model
(003 §7.1.2), trained by masked language modelling (掩码语言模型, MLM) and then fine-tuned:
the 预训练 → 微调 (pre-train → fine-tune) path.

    h⁰ = LayerNorm(E_tok[x] + E_pos[0 … L−1] + E_seg[s])           (N, L, d)
    hˡ = LayerNorm(h + FFN(h)), h = LayerNorm(hˡ⁻¹ + MHSA(hˡ⁻¹))    the notes' encoder layer
                                                                     (MHSA → 残差 → LayerNorm →
                                                                     MLP → 残差 → LayerNorm)

Every position attends to every non-padding position, left and right (no causal mask), so
the model sees the whole context: good for understanding (classification, tagging), not for
generation. Pre-training objective: max log p(x_masked | x_context), the cross-entropy at the
masked positions only (``mask_tokens`` picks them). Fine-tuning: a small head on the [CLS]
vector (the first position), trained with the encoder on labelled examples.
"""

from __future__ import annotations

import numpy as np

from .. import nn, zoo
from ..ops.creation import arange, zeros
from ..random import rng
from ..tensor import Tensor, _wrap

__all__ = ["mask_tokens", "BERT", "BERTForMaskedLM", "BERTForSequenceClassification",
           "IGNORE_INDEX"]

IGNORE_INDEX = -100


def mask_tokens(ids: Tensor, tokenizer, mask_prob: float = 0.15, *, generator=None,
                ignore_index: int = IGNORE_INDEX) -> tuple[Tensor, Tensor]:
    """BERT's masking (the 15% / 80-10-10 rule). Each non-special token is chosen with
    probability ``mask_prob``; a chosen token becomes ``<mask>`` with probability 0.8, a
    uniformly random non-special token with 0.1, and stays as it is with 0.1 (so the model
    cannot assume that unmasked tokens are right). Returns (inputs, labels): labels hold the
    original token at chosen positions and ``ignore_index`` elsewhere, so the loss counts the
    chosen positions only. ``ids`` of any shape; special tokens (pad, cls, sep, …) are never
    chosen."""
    x = ids._data if isinstance(ids, Tensor) else np.asarray(ids)
    special = np.asarray(tokenizer.special_ids)
    normal = np.setdiff1d(np.arange(tokenizer.vocab_size), special)
    r = rng(generator)
    chosen = (r.random(x.shape) < mask_prob) & ~np.isin(x, special)
    labels = np.where(chosen, x, ignore_index).astype(np.int64)
    action = r.random(x.shape)
    inputs = x.astype(np.int64, copy=True)
    inputs[chosen & (action < 0.8)] = tokenizer.mask_id
    swap = chosen & (action >= 0.8) & (action < 0.9)
    inputs[swap] = normal[r.integers(0, len(normal), int(swap.sum()))]
    return _wrap(inputs), _wrap(labels)


class BERT(nn.Module):
    """The encoder: embeddings (token + position + segment, LayerNorm, dropout) and a stack of
    post-norm ``nn.TransformerEncoderLayer`` (GELU). forward(ids (N, L), token_type_ids=None,
    attention_mask=None) → hidden states (N, L, d). ``attention_mask`` (N, L) bool, True =
    a real token; by default every token that is not ``pad_id``."""

    def __init__(self, vocab_size: int, max_len: int, n_layer: int = 4, n_head: int = 4,
                 d_model: int = 128, d_ff: int | None = None, dropout: float = 0.1,
                 type_vocab_size: int = 2, pad_id: int = 0):
        super().__init__()
        self.config = {"vocab_size": vocab_size, "max_len": max_len, "n_layer": n_layer,
                       "n_head": n_head, "d_model": d_model, "d_ff": d_ff or 4 * d_model,
                       "dropout": dropout, "type_vocab_size": type_vocab_size, "pad_id": pad_id}
        self.pad_id, self.max_len = pad_id, max_len
        self.word_embeddings = nn.Embedding(vocab_size, d_model)
        self.position_embeddings = nn.Embedding(max_len, d_model)
        self.token_type_embeddings = nn.Embedding(type_vocab_size, d_model)
        self.emb_norm = nn.LayerNorm(d_model, eps=1e-12)
        self.emb_dropout = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(d_model, n_head, d_ff or 4 * d_model, dropout,
                                           activation="gelu", layer_norm_eps=1e-12,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, n_layer, enable_nested_tensor=False)
        for name, p in self.named_parameters():           # BERT's initialisation
            if p.ndim == 2:
                nn.init.normal_(p, 0.0, 0.02)
            elif name.endswith("bias") and "norm" not in name:
                nn.init.zeros_(p)

    def forward(self, ids: Tensor, token_type_ids: Tensor | None = None,
                attention_mask: Tensor | None = None) -> Tensor:
        N, L = ids.shape
        if L > self.max_len:
            raise ValueError(f"BERT: sequence length {L} exceeds max_len={self.max_len}")
        x = self.word_embeddings(ids) + self.position_embeddings(arange(L))
        if token_type_ids is not None:
            x = x + self.token_type_embeddings(token_type_ids)
        else:
            x = x + self.token_type_embeddings.weight[0]
        x = self.emb_dropout(self.emb_norm(x))
        real = ids != self.pad_id if attention_mask is None else attention_mask
        return self.encoder(x, src_key_padding_mask=~real)     # True = padding, not attended


class BERTForMaskedLM(nn.Module):
    """BERT with the MLM head: LayerNorm(GELU(W h)) Eᵀ + b, the output matrix tied to the
    token embedding E. forward(ids, …) → logits (N, L, vocab_size)."""

    def __init__(self, vocab_size: int, max_len: int, **kwargs):
        super().__init__()
        self.bert = BERT(vocab_size, max_len, **kwargs)
        d = self.bert.config["d_model"]
        self.transform = nn.Linear(d, d)
        self.act = nn.GELU()
        self.norm = nn.LayerNorm(d, eps=1e-12)
        self.bias = nn.Parameter(zeros(vocab_size))
        nn.init.normal_(self.transform.weight, 0.0, 0.02)
        nn.init.zeros_(self.transform.bias)

    def forward(self, ids: Tensor, token_type_ids: Tensor | None = None,
                attention_mask: Tensor | None = None) -> Tensor:
        h = self.bert(ids, token_type_ids, attention_mask)
        h = self.norm(self.act(self.transform(h)))
        return nn.functional.linear(h, self.bert.word_embeddings.weight, self.bias)


class BERTForSequenceClassification(nn.Module):
    """BERT with a classification head on [CLS] (微调, fine-tuning): logits =
    W · tanh(P h_[CLS] + b_P) + b, after dropout. forward(ids, …) → (N, num_classes).
    ``from_pretrained(mlm_model)`` starts from a pre-trained encoder (the head starts new)."""

    def __init__(self, vocab_size: int, max_len: int, num_classes: int, **kwargs):
        super().__init__()
        self.bert = BERT(vocab_size, max_len, **kwargs)
        d = self.bert.config["d_model"]
        self.pooler = nn.Linear(d, d)
        self.dropout = nn.Dropout(self.bert.config["dropout"])
        self.classifier = nn.Linear(d, num_classes)
        for lin in (self.pooler, self.classifier):
            nn.init.normal_(lin.weight, 0.0, 0.02)
            nn.init.zeros_(lin.bias)

    def forward(self, ids: Tensor, token_type_ids: Tensor | None = None,
                attention_mask: Tensor | None = None) -> Tensor:
        h = self.bert(ids, token_type_ids, attention_mask)[:, 0]     # the [CLS] position
        return self.classifier(self.dropout(self.pooler(h).tanh()))

    @classmethod
    def from_pretrained(cls, mlm: BERTForMaskedLM, num_classes: int,
                        dropout: float | None = None) -> BERTForSequenceClassification:
        """A classifier whose encoder is a copy of ``mlm.bert`` (预训练 → 微调)."""
        cfg = dict(mlm.bert.config)
        if dropout is not None:
            cfg["dropout"] = dropout
        model = cls(cfg.pop("vocab_size"), cfg.pop("max_len"), num_classes, **cfg)
        model.bert.load_state_dict(mlm.bert.state_dict())
        return model


zoo.register_model("bert", lambda c, k, shape: BERTForMaskedLM(k, shape[-1]),
                   description="BERT encoder (4 layers, 4 heads, 128 wide) with the MLM head; "
                               "vocab and length from the dataset")
