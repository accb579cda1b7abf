"""Decoding (解码): turning a model's next-token distribution into text, for any autoregressive
model (GPT, the seq2seq decoder, …).

The notes' strategies (003 §7.1), with ``z`` the next-token logits and p = softmax(z):

- 贪心解码 greedy:  t = argmax_x p(x | x₁ … x_{t−1})
- 温度 temperature:  p_T(x) ∝ exp(z_x / T) = p(x)^{1/T}; T → 0 tends to greedy (one-hot at the
  argmax), T = 1 leaves p unchanged, T → ∞ tends to uniform.
- top-k 采样: sample from the k most probable tokens only (the others get probability 0).
- top-p (nucleus, 核) 采样: sample from the smallest set of most probable tokens whose total
  probability reaches p.
- 束搜索 beam search: keep the ``num_beams`` best partial sequences by total log-probability
  log P(y) = Σ log p(y_t | y_<t); a sequence that emits EOS is finished and scored
  log P(y) / |y|^α (``length_penalty`` α: 0 ranks by total log-probability, which favours
  short answers; 1 by the mean per token).

A model plugs in through an incremental decoder (``model.decoder(use_cache=...)``)::

    dec.start(prefix)   # prefix (B, T) int  → next-token logits (B, V)
    dec.advance(tok)    # tok (B,) int       → next-token logits (B, V) after appending tok
    dec.select(rows)    # keep/repeat batch rows (beam search reorders its beams)

so generating n tokens costs one forward pass over the prefix and then n one-token steps when
the decoder keeps a key/value cache (``KVCache``): each layer's keys and values of the tokens
already seen are stored, and a new token only computes its own query, key and value.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Protocol

import numpy as np

from ..autograd.grad_mode import no_grad
from ..ops.creation import full_like, multinomial
from ..ops.shape import cat
from ..ops.softmax import log_softmax, softmax
from ..ops.sorting import sort, topk
from ..tensor import Tensor, _wrap

__all__ = ["KVCache", "IncrementalDecoder", "STRATEGIES", "temperature_scale", "top_k_filter",
           "top_p_filter", "next_token_distribution", "decode", "generate", "beam_search",
           "Hypothesis", "evaluating"]

STRATEGIES = ("greedy", "sample", "top-k", "top-p", "beam")


class KVCache:
    """Key/value cache (键值缓存): per layer, the keys and values (B, H, T, D) of the T tokens
    seen so far. ``update`` appends a step's keys and values and returns all of them."""

    def __init__(self, n_layers: int):
        self.keys: list[Tensor | None] = [None] * n_layers
        self.values: list[Tensor | None] = [None] * n_layers

    def __len__(self) -> int:
        """The number of cached positions (of the first layer: the others catch up with it
        during a forward pass)."""
        return self.length(0)

    def length(self, layer: int) -> int:
        """The number of positions cached for ``layer``."""
        return 0 if self.keys[layer] is None else self.keys[layer].shape[-2]

    def update(self, layer: int, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        if self.keys[layer] is not None:
            k = cat([self.keys[layer], k], dim=-2)
            v = cat([self.values[layer], v], dim=-2)
        self.keys[layer], self.values[layer] = k, v
        return k, v

    def select(self, rows: np.ndarray) -> None:
        """Keep batch rows ``rows`` (in that order, repeats allowed)."""
        self.keys = [None if k is None else k[rows] for k in self.keys]
        self.values = [None if v is None else v[rows] for v in self.values]


class IncrementalDecoder(Protocol):
    """What decoding needs from a model (see the module docstring)."""

    def start(self, prefix: np.ndarray) -> Tensor: ...

    def advance(self, tokens: np.ndarray) -> Tensor: ...

    def select(self, rows: np.ndarray) -> None: ...


# ----- shaping the next-token distribution --------------------------------------------------

def temperature_scale(logits: Tensor, temperature: float) -> Tensor:
    """z / T (温度). T must be positive: greedy decoding is the T → 0 limit."""
    if not temperature > 0 or math.isinf(temperature):
        raise ValueError(f"temperature must be positive and finite, got {temperature} "
                         f"(use the greedy strategy for T → 0)")
    return logits / temperature


def top_k_filter(logits: Tensor, k: int) -> Tensor:
    """Keep the k largest logits of each row and set the rest to −inf, so exactly k tokens
    stay possible (ties at the k-th value are broken by position, as ``topk``)."""
    v = logits.shape[-1]
    if not 1 <= k:
        raise ValueError(f"top-k needs k >= 1, got {k}")
    if k >= v:
        return logits
    best = topk(logits, k, dim=-1)
    return full_like(logits, -math.inf).scatter(-1, best.indices, best.values)


def top_p_filter(logits: Tensor, p: float) -> Tensor:
    """Nucleus filter: sort the probabilities in decreasing order, keep the shortest prefix
    whose sum reaches p (at least one token), set the other logits to −inf."""
    if not 0 < p <= 1:
        raise ValueError(f"top-p needs 0 < p <= 1, got {p}")
    ordered = sort(logits, dim=-1, descending=True)
    probs = softmax(ordered.values, -1)
    before = probs.cumsum(-1) - probs          # mass of the tokens ranked above each one
    keep = before < p                          # the first token always stays (before = 0)
    kept = ordered.values.masked_fill(~keep, -math.inf)
    return full_like(logits, -math.inf).scatter(-1, ordered.indices, kept)


def next_token_distribution(logits: Tensor, temperature: float = 1.0, top_k: int | None = None,
                            top_p: float | None = None) -> Tensor:
    """softmax of the logits after temperature, top-k and top-p (in that order): (B, V)."""
    z = temperature_scale(logits, temperature) if temperature != 1.0 else logits
    if top_k is not None:
        z = top_k_filter(z, top_k)
    if top_p is not None:
        z = top_p_filter(z, top_p)
    return softmax(z, -1)


# ----- the decoding loops ----------------------------------------------------------------------

def _choose(logits: Tensor, strategy: str, temperature, top_k, top_p, generator) -> np.ndarray:
    if strategy == "greedy":
        return logits._data.argmax(-1)
    probs = next_token_distribution(logits, temperature, top_k, top_p)
    return multinomial(probs, 1, replacement=True, generator=generator)._data[:, 0]


def _check_strategy(strategy, top_k, top_p, num_beams) -> tuple:
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown decoding strategy {strategy!r}; known: "
                         f"{', '.join(STRATEGIES)}")
    if strategy == "top-k":
        if top_k is None:
            raise ValueError("the top-k strategy needs k (top_k=...)")
        top_p = None
    if strategy == "top-p":
        if top_p is None:
            raise ValueError("the top-p strategy needs p (top_p=...)")
        top_k = None
    if strategy == "beam" and not num_beams >= 1:
        raise ValueError(f"beam search needs num_beams >= 1, got {num_beams}")
    return top_k, top_p


def decode(decoder: IncrementalDecoder, prefix, max_new_tokens: int, *,
           strategy: str = "greedy", temperature: float = 1.0, top_k: int | None = None,
           top_p: float | None = None, num_beams: int = 4, length_penalty: float = 1.0,
           eos_token_id: int | None = None, pad_token_id: int | None = None,
           generator=None) -> Tensor:
    """Extend each row of ``prefix`` (B, T) by up to ``max_new_tokens`` tokens; returns
    (B, T + n) int64 with n ≤ max_new_tokens. ``strategy``: "greedy", "sample" (temperature,
    and top_k / top_p when given), "top-k", "top-p" or "beam". A row that emits
    ``eos_token_id`` is finished: its later positions hold ``pad_token_id`` (default: the
    EOS id), and decoding stops once every row is finished."""
    top_k, top_p = _check_strategy(strategy, top_k, top_p, num_beams)
    prefix = np.asarray(prefix._data if isinstance(prefix, Tensor) else prefix, np.int64)
    if prefix.ndim != 2 or prefix.shape[1] == 0:
        raise ValueError(f"decode: prefix must be (batch, length >= 1) token ids, got shape "
                         f"{prefix.shape}")
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
    pad = eos_token_id if pad_token_id is None else pad_token_id
    with no_grad():
        if strategy == "beam":
            best = [h[0].tokens for h in beam_search(decoder, prefix, max_new_tokens, num_beams,
                                                     length_penalty, eos_token_id)]
            n = max(map(len, best))
            out = np.full((prefix.shape[0], n), -1 if pad is None else pad, np.int64)
            for b, toks in enumerate(best):
                out[b, :len(toks)] = toks
            return _wrap(np.concatenate([prefix, out], 1))
        return _wrap(_sample_loop(decoder, prefix, max_new_tokens, strategy, temperature, top_k,
                                  top_p, eos_token_id, pad, generator))


def _sample_loop(decoder, prefix, max_new, strategy, temperature, top_k, top_p, eos, pad,
                 generator) -> np.ndarray:
    logits = decoder.start(prefix)
    finished = np.zeros(prefix.shape[0], np.bool_)
    new = []
    for step in range(max_new):
        tok = _choose(logits, strategy, temperature, top_k, top_p, generator).astype(np.int64)
        if eos is not None:
            tok = np.where(finished, pad, tok)
            finished |= tok == eos
        new.append(tok)
        if finished.all() or step == max_new - 1:
            break
        logits = decoder.advance(tok)
    return np.concatenate([prefix, np.stack(new, 1)], 1)


class Hypothesis:
    """A finished beam: ``tokens`` (the generated ids, EOS included), ``logprob`` = log P(y)
    and ``score`` = logprob / len(tokens)^α."""

    __slots__ = ("tokens", "logprob", "score")

    def __init__(self, tokens: list[int], logprob: float, length_penalty: float):
        self.tokens, self.logprob = tokens, logprob
        self.score = logprob / len(tokens) ** length_penalty

    def __repr__(self) -> str:
        return f"Hypothesis(tokens={self.tokens}, logprob={self.logprob:.4f}, " \
               f"score={self.score:.4f})"


def beam_search(decoder: IncrementalDecoder, prefix: np.ndarray, max_new_tokens: int,
                num_beams: int, length_penalty: float = 1.0,
                eos_token_id: int | None = None) -> list[list[Hypothesis]]:
    """束搜索. For each row of ``prefix``, the ``num_beams`` best hypotheses, best first.

    Each step scores every extension of every live beam, log P(y) + log p(x | y), and looks at
    the 2K best (K = num_beams): those ending in EOS become finished hypotheses, the first K
    others are the next beams. A row stops when it holds K finished hypotheses and no live
    beam can still beat the worst of them: with log-probabilities ≤ 0, a beam with total s can
    at best reach s / L^α at the length L ∈ (now, max_new_tokens] that maximises it. Beams
    still live after ``max_new_tokens`` steps are scored as they are."""
    B, K, lp, eos = prefix.shape[0], num_beams, length_penalty, eos_token_id
    logits = decoder.start(prefix)
    decoder.select(np.repeat(np.arange(B), K))
    logp = np.repeat(log_softmax(logits, -1)._data.astype(np.float64), K, axis=0)
    V = logp.shape[-1]
    scores = np.full((B, K), -np.inf)
    scores[:, 0] = 0.0                        # the K copies are one beam until they differ
    seqs = np.zeros((B, K, 0), np.int64)
    hyps: list[list[Hypothesis]] = [[] for _ in range(B)]
    done = np.zeros(B, np.bool_)

    def add(b, tokens, logprob):
        hyps[b].append(Hypothesis(tokens, logprob, lp))
        hyps[b].sort(key=lambda h: -h.score)
        del hyps[b][K:]

    for step in range(max_new_tokens):
        length = step + 1
        cand = (scores[:, :, None] + logp.reshape(B, K, V)).reshape(B, K * V)
        order = np.argsort(-cand, axis=1, kind="stable")[:, :2 * K]
        new_scores = np.full((B, K), -np.inf)
        new_beam = np.zeros((B, K), np.int64)
        new_tok = np.zeros((B, K), np.int64) if eos is None else np.full((B, K), eos)
        for b in range(B):
            if done[b]:
                continue
            j = 0
            for idx in order[b]:
                s = cand[b, idx]
                if s == -np.inf or j == K:
                    break
                beam, tok = divmod(int(idx), V)
                if tok == eos:
                    add(b, seqs[b, beam].tolist() + [tok], float(s))
                else:
                    new_scores[b, j], new_beam[b, j], new_tok[b, j] = s, beam, tok
                    j += 1
            best_live = new_scores[b, 0]
            if best_live == -np.inf:
                done[b] = True
            elif len(hyps[b]) == K:
                bound_len = max_new_tokens if lp > 0 else length + 1
                done[b] = best_live / bound_len ** lp <= hyps[b][-1].score
        rows = (np.arange(B)[:, None] * K + new_beam).reshape(-1)
        seqs = np.concatenate([seqs[np.arange(B)[:, None], new_beam], new_tok[:, :, None]], 2)
        scores = new_scores
        if done.all() or step == max_new_tokens - 1:
            break
        decoder.select(rows)
        logp = log_softmax(decoder.advance(new_tok.reshape(-1)), -1)._data.astype(np.float64)
    for b in range(B):
        if not done[b]:
            for k in range(K):
                if scores[b, k] > -np.inf:
                    add(b, seqs[b, k].tolist(), float(scores[b, k]))
    return hyps


@contextmanager
def evaluating(model):
    """Evaluation mode (no dropout) for the block, then the model's previous mode."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def generate(model, input_ids, max_new_tokens: int, *, use_cache: bool = True,
             **kwargs) -> Tensor:
    """Autoregressive generation from ``model`` (anything with ``decoder(use_cache=...)``,
    e.g. GPT): ``input_ids`` (B, T) or (T,) → (B, T + n) (or (T + n,)). Keyword arguments as
    ``decode``; the model runs in evaluation mode."""
    ids = input_ids._data if isinstance(input_ids, Tensor) else np.asarray(input_ids)
    single = ids.ndim == 1
    with evaluating(model):
        out = decode(model.decoder(use_cache=use_cache), ids[None] if single else ids,
                     max_new_tokens, **kwargs)
    return out[0] if single else out
