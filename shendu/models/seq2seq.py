"""A sequence-to-sequence Transformer (编码器–解码器, Vaswani et al. 2017), the notes'
translation example: the encoder reads the whole source; the decoder writes the target one
token at a time, attending causally to what it has written (因果自注意力) and, through
cross-attention (交叉注意力), to the encoder's output — "输入 ich，解码器输出 ich，到编码器中
查找 我": each target token looks up the source tokens it depends on.

    memory = Encoder(E_src[x] + P_src)                      (N, S, d)
    h = Decoder(E_tgt[y_<t] + P_tgt, memory)                 (N, T, d)
    logits = W h + b                                         (N, T, V_tgt)

Built on ``nn.Transformer`` (pre-norm, GELU, batch_first). Padding in the source is masked
out of self- and cross-attention; the target needs only the causal mask (its padding comes
after every real token). Decoding uses the shared strategies of ``generation``: the source is
encoded once and each step re-runs the decoder over the target so far (``nn.Transformer``'s
layers keep no cache; targets here are short).
"""

from __future__ import annotations

import numpy as np

from .. import nn, zoo
from ..ops.creation import arange
from ..tensor import Tensor, _wrap
from .generation import decode, evaluating

__all__ = ["Seq2SeqTransformer"]


class Seq2SeqTransformer(nn.Module):
    """forward(src (N, S), tgt (N, T)) → logits (N, T, tgt_vocab): tgt is the decoder input
    "<bos> y₁ … y_{T−1}", and logit t predicts y_t. A single stacked batch (N, 2, L) (source
    row, decoder-input row: what ``ReverseDataset`` yields) is split into the two.
    ``generate(src, max_new_tokens, strategy=…)`` → (N, 1 + n) starting with <bos>."""

    is_encoder_decoder = True

    def __init__(self, src_vocab: int, tgt_vocab: int, max_len: int, d_model: int = 128,
                 nhead: int = 4, num_encoder_layers: int = 3, num_decoder_layers: int = 3,
                 dim_feedforward: int | None = None, dropout: float = 0.1, pad_id: int = 0,
                 bos_id: int = 1, eos_id: int = 2):
        super().__init__()
        self.max_len, self.pad_id, self.bos_id, self.eos_id = max_len, pad_id, bos_id, eos_id
        self.src_embed = nn.Embedding(src_vocab, d_model)
        self.tgt_embed = nn.Embedding(tgt_vocab, d_model)
        self.src_pos = nn.Embedding(max_len, d_model)
        self.tgt_pos = nn.Embedding(max_len, d_model)
        self.transformer = nn.Transformer(d_model, nhead, num_encoder_layers, num_decoder_layers,
                                          dim_feedforward or 4 * d_model, dropout,
                                          activation="gelu", batch_first=True, norm_first=True)
        self.head = nn.Linear(d_model, tgt_vocab)
        for emb in (self.src_embed, self.tgt_embed, self.src_pos, self.tgt_pos):
            nn.init.normal_(emb.weight, 0.0, 0.02)

    def encode(self, src: Tensor) -> tuple[Tensor, Tensor]:
        """(memory (N, S, d), source padding mask (N, S), True = padding)."""
        pad = src == self.pad_id
        x = self.src_embed(src) + self.src_pos(arange(src.shape[1]))
        return self.transformer.encoder(x, src_key_padding_mask=pad), pad

    def decode_logits(self, tgt: Tensor, memory: Tensor, src_pad: Tensor) -> Tensor:
        """Next-token logits (N, T, V) for the decoder input ``tgt`` (N, T)."""
        T = tgt.shape[1]
        if T > self.max_len:
            raise ValueError(f"Seq2SeqTransformer: target length {T} exceeds max_len="
                             f"{self.max_len}")
        y = self.tgt_embed(tgt) + self.tgt_pos(arange(T))
        causal = nn.Transformer.generate_square_subsequent_mask(T)
        h = self.transformer.decoder(y, memory, tgt_mask=causal, tgt_is_causal=True,
                                     memory_key_padding_mask=src_pad)
        return self.head(h)

    def forward(self, src: Tensor, tgt: Tensor | None = None) -> Tensor:
        if tgt is None:
            if src.ndim != 3 or src.shape[1] != 2:
                raise ValueError(f"Seq2SeqTransformer: give (src, tgt), or one (N, 2, L) batch "
                                 f"of stacked source and decoder-input rows; got shape "
                                 f"{list(src.shape)}")
            src, tgt = src[:, 0], src[:, 1]
        memory, pad = self.encode(src)
        return self.decode_logits(tgt, memory, pad)

    def decoder(self, src) -> _Seq2SeqDecoder:
        """An incremental decoder over the encoding of ``src`` (N, S)."""
        return _Seq2SeqDecoder(self, src)

    def generate(self, src, max_new_tokens: int | None = None, **kwargs) -> Tensor:
        """Decode a target for each source row (greedy by default; any strategy of
        ``generation.decode``); stops at <eos>. Returns (N, 1 + n) ids starting with <bos>."""
        src = _wrap(np.asarray(src._data if isinstance(src, Tensor) else src, np.int64))
        n = min(max_new_tokens or self.max_len, self.max_len)    # <bos> + n − 1 fed back
        kwargs.setdefault("eos_token_id", self.eos_id)
        with evaluating(self):
            start = np.full((src.shape[0], 1), self.bos_id, np.int64)
            return decode(self.decoder(src), start, n, **kwargs)


class _Seq2SeqDecoder:
    """Encodes the source once; each step runs the decoder on the whole target prefix."""

    def __init__(self, model: Seq2SeqTransformer, src: Tensor):
        self.model = model
        self.memory, self.pad = model.encode(src)
        self.tokens = np.zeros((src.shape[0], 0), np.int64)

    def _logits(self) -> Tensor:
        return self.model.decode_logits(_wrap(self.tokens), self.memory, self.pad)[:, -1]

    def start(self, prefix: np.ndarray) -> Tensor:
        self.tokens = np.asarray(prefix, np.int64)
        return self._logits()

    def advance(self, tokens: np.ndarray) -> Tensor:
        self.tokens = np.concatenate([self.tokens, np.asarray(tokens, np.int64)[:, None]], 1)
        return self._logits()

    def select(self, rows: np.ndarray) -> None:
        self.tokens = self.tokens[rows]
        self.memory, self.pad = self.memory[rows], self.pad[rows]


zoo.register_model("seq2seq", lambda c, k, shape: Seq2SeqTransformer(
                       k, k, shape[-1], d_model=64, nhead=4, num_encoder_layers=2,
                       num_decoder_layers=2),
                   description="encoder-decoder Transformer (2+2 layers, d 64, 4 heads, "
                               "cross-attention) over a shared vocabulary")
