"""Language models (issue 7): tokenizers, corpora, GPT (causal masking, a block against the
same block in PyTorch, the key/value cache), decoding strategies (greedy, temperature, top-k,
top-p, beam search against brute force), BERT (masking statistics, padding, fine-tuning
path), the seq2seq Transformer, and the ``shendu train`` / ``generate`` / ``eval`` commands."""

import itertools
import json
import math
import os

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
import shendu.nn as nn
from shendu.cli import main
from shendu.models import (BERTForMaskedLM, BERTForSequenceClassification, GPT,
                           Seq2SeqTransformer, beam_search, generate, mask_tokens)
from shendu.models.generation import (KVCache, decode, next_token_distribution,
                                      temperature_scale, top_k_filter, top_p_filter)
from shendu.models.gpt import Block
from shendu.text import (ArithmeticCheckDataset, ArithmeticDataset, ArithmeticMLMDataset,
                         BPETokenizer, CharTokenizer, ReverseDataset, TextDataset, Tokenizer,
                         load_tokenizer)
from shendu.text.corpora import (IGNORE_INDEX, arithmetic_pairs, docs_text,
                                 sequence_cross_entropy, token_accuracy)

shendu.set_num_threads(1)


def _peaky(model, std=0.5, seed=0):
    """Large random weights, so next-token distributions are far from uniform (no near-ties
    in beam search and sampling tests)."""
    shendu.manual_seed(seed)
    with shendu.no_grad():
        for p in model.parameters():
            nn.init.normal_(p, 0.0, std)
    return model.eval()


def _tiny_gpt(vocab=7, block=12, seed=0, **kw):
    shendu.manual_seed(seed)
    return GPT(vocab, block, n_layer=2, n_head=2, n_embd=16, **kw)


# ----- tokenizers ----------------------------------------------------------------------------

CORPUS = ("the quick brown fox jumps over the lazy dog. the dog sleeps; the fox runs!\n"
          "深度学习 是 机器学习 的 一个 分支。 naïve café — 12+35=47, 99+1=100.\n") * 4


@pytest.fixture(scope="module")
def bpe():
    return BPETokenizer.train(CORPUS, 330)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_bpe_round_trips_any_utf8_text(text):
    tok = BPETokenizer.train(CORPUS, 330)
    ids = tok.encode(text)
    assert all(isinstance(i, int) and 0 <= i < tok.vocab_size for i in ids)
    assert tok.decode(ids) == text


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="0123456789+= \nabc"))
def test_char_tokenizer_round_trips_its_alphabet(text):
    tok = CharTokenizer.train("0123456789+= \nabc")
    assert tok.decode(tok.encode(text)) == text


def test_bpe_learns_merges_in_order_on_a_toy_corpus():
    # the textbook example: aaabdaaabac → ZabdZabac (Z=aa) → ZYdZYac (Y=ab) → XdXac (X=ZY);
    # "Za" and "ab" tie at 2 and the older pair (smaller ids) wins
    tok = BPETokenizer.train("aaabdaaabac", 1000)
    assert tok.merge_bytes() == [(b"a", b"a"), (b"a", b"b"), (b"aa", b"ab")]
    assert tok.vocab_size == len(tok.special_tokens) + 256 + 3      # no pair occurs twice more
    x = tok.token_id
    assert tok.decode(tok.encode("aaabdaaabac")) == "aaabdaaabac"
    ids = tok.encode("aaabdaaabac")
    assert len(ids) == 5 and ids[0] == ids[2] == tok.vocab_size - 1 and x("<pad>") == 0


def test_bpe_merges_follow_frequency_and_stop_at_vocab_size(bpe):
    first = bpe.merge_bytes()[0]
    words = BPETokenizer.train(CORPUS, len(bpe.special_tokens) + 256)
    assert words.merges == []                       # vocab_size = the base: nothing learned
    counts = {}
    for w in bpe._split.findall(CORPUS):            # the most frequent pair inside words
        b = w.encode()
        for p in zip(b, b[1:]):
            counts[p] = counts.get(p, 0) + 1
    best = max(counts.values())
    assert (first[0][0], first[1][0]) == min(p for p, c in counts.items() if c == best)
    assert bpe.vocab_size == 330
    assert len(bpe.encode(CORPUS)) < len(CORPUS.encode()) / 2      # it compresses its corpus
    # with room to spare, merging stops once no pair occurs twice: every word (each occurs 4
    # times) is then a single token
    big = BPETokenizer.train(CORPUS, 10_000)
    assert big.vocab_size < 10_000
    assert all(len(big.encode(w)) == 1 for w in set(big._split.findall(CORPUS)))
    assert bpe.encode(" the") == [bpe.vocab().index(" the")]        # a frequent word: 1 token


def test_special_tokens_and_text_that_looks_like_them(bpe):
    assert [bpe.pad_id, bpe.bos_id, bpe.eos_id, bpe.mask_id, bpe.cls_id, bpe.sep_id] == \
        list(range(6))
    ids = bpe.encode("<eos>", add_bos=True, add_eos=True)
    assert ids[0] == bpe.bos_id and ids[-1] == bpe.eos_id and len(ids) > 3
    assert bpe.decode(ids) == "<bos><eos><eos>"
    assert bpe.decode(ids, skip_special=True) == "<eos>"
    lone = len(bpe.special_tokens) + 0xC3           # the first byte of "é" alone
    assert bpe.decode(bpe.encode("a") + [lone]) == "a\ufffd"
    with pytest.raises(IndexError, match="outside the vocabulary"):
        bpe.decode([bpe.vocab_size])
    char = CharTokenizer.train("ab")
    assert char.encode("abz") == [*char.encode("ab"), char.unk_id]
    assert char.decode(char.encode("abz")) == "ab<unk>"


def test_tokenizers_save_and_load_as_json(tmp_path, bpe):
    char = CharTokenizer.train(CORPUS)
    for tok in (bpe, char):
        path = tmp_path / f"{tok.kind}.json"
        tok.save(path)
        with open(path, encoding="utf-8") as f:
            assert json.load(f)["type"] == tok.kind
        back = load_tokenizer(path)
        assert type(back) is type(tok) and back.vocab() == tok.vocab()
        assert back.encode(CORPUS) == tok.encode(CORPUS)
        assert type(tok).load(path).vocab_size == tok.vocab_size
    assert sorted(os.listdir(tmp_path)) == ["bpe.json", "char.json"]    # no temporary left
    with pytest.raises(ValueError, match="holds a CharTokenizer"):
        BPETokenizer.load(tmp_path / "char.json")
    (tmp_path / "bad.json").write_text('{"type": "wordpiece"}')
    with pytest.raises(ValueError, match="not a tokenizer"):
        Tokenizer.load(tmp_path / "bad.json")


# ----- corpora --------------------------------------------------------------------------------

def test_arithmetic_split_is_deterministic_and_held_out():
    train, test = arithmetic_pairs()
    assert (len(train), len(test)) == (9000, 1000)
    assert not set(train) & set(test) and arithmetic_pairs() == (train, test)
    ds = ArithmeticDataset(train=False)
    tok = ds.tokenizer
    assert ds.pairs == test and len(ds) == 1000
    x, y = ds[0]
    a, b = test[0]
    assert tok.decode(x.tolist(), skip_special=True) == f"{a}+{b}={a + b}"
    answer = [t for t in y.tolist() if t != IGNORE_INDEX]
    assert answer == tok.encode(str(a + b)) + [tok.eos_id]
    # the scored targets are exactly the positions after '='
    eq = x.tolist().index(tok.encode("=")[0])
    assert all(t == IGNORE_INDEX for t in y.tolist()[:eq])
    assert y.tolist()[eq] == tok.encode(str(a + b))[0]


def test_text_datasets_shift_targets_by_one():
    tok = CharTokenizer.train("abcdefgh")
    ds = TextDataset(tok.encode("abcdefgh" * 3), tok, block_size=5, stride=2)
    assert len(ds) == (24 - 6) // 2 + 1
    for i in range(len(ds)):
        x, y = ds[i]
        assert x.tolist()[1:] == y.tolist()[:-1] and x.tolist()[0] == ds.ids[2 * i]
    with pytest.raises(IndexError):
        ds[len(ds)]
    assert "shendu" in docs_text()
    train = TextDataset.split("hello world " * 50, tok, True, block_size=8)
    assert train.stride == 4 and len(train) > 0


def test_reverse_and_check_datasets():
    ds = ReverseDataset(train=False, n=50)
    tok = ds.tokenizer
    assert not set(ds.strings) & set(ReverseDataset(train=True).strings)
    for i in range(50):
        x, y = ds[i]
        s = ds.strings[i]
        assert tok.decode(x[0].tolist(), skip_special=True) == s
        assert x[1].tolist()[0] == tok.bos_id
        assert tok.decode(x[1].tolist(), skip_special=True) == s[::-1]
        assert [t for t in y.tolist() if t != IGNORE_INDEX] == tok.encode(s[::-1]) + \
            [tok.eos_id]
    check = ArithmeticCheckDataset(train=True, n=400)
    labels = [int(check[i][1]) for i in range(400)]
    assert 150 < sum(labels) < 250
    for i in range(400):
        text = check.tokenizer.decode(check[i][0].tolist(), skip_special=True)
        lhs, c = text.split("=")
        a, b = map(int, lhs.split("+"))
        assert (a + b == int(c)) == bool(labels[i])


def test_sequence_loss_and_token_accuracy_skip_ignored_positions():
    logits = shendu.tensor([[[5.0, 0.0], [0.0, 5.0], [5.0, 0.0]]])
    targets = shendu.tensor([[0, 0, IGNORE_INDEX]])
    assert token_accuracy(logits, targets) == 0.5
    want = torch.nn.functional.cross_entropy(torch.tensor(logits.numpy()[0, :2]),
                                             torch.tensor([0, 0]))
    assert abs(sequence_cross_entropy(logits, targets).item() - want.item()) < 1e-6


# ----- GPT -----------------------------------------------------------------------------------

def test_causal_masking_later_tokens_never_change_earlier_logits():
    model = _tiny_gpt().eval()
    x = shendu.randint(0, 7, (2, 10))
    with shendu.no_grad():
        base = model(x).numpy()
        for j in range(10):
            changed = x.clone()
            changed[:, j] = (changed[:, j] + 1) % 7
            out = model(changed).numpy()
            np.testing.assert_array_equal(out[:, :j], base[:, :j])
            assert np.abs(out[:, j:] - base[:, j:]).max() > 1e-4


def _torch_block(C, H):
    """The same pre-norm block from torch modules, with the same parameter names."""
    tnn, tF = torch.nn, torch.nn.functional

    class Attn(tnn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn, self.c_proj = tnn.Linear(C, 3 * C), tnn.Linear(C, C)

        def forward(self, x):
            B, T, _ = x.shape
            q, k, v = (t.reshape(B, T, H, C // H).transpose(1, 2)
                       for t in self.c_attn(x).split(C, dim=2))
            y = tF.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.c_proj(y.transpose(1, 2).reshape(B, T, C))

    class Mlp(tnn.Module):
        def __init__(self):
            super().__init__()
            self.c_fc, self.c_proj = tnn.Linear(C, 4 * C), tnn.Linear(4 * C, C)

        def forward(self, x):
            return self.c_proj(tF.gelu(self.c_fc(x)))

    class TBlock(tnn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.attn, self.ln_2, self.mlp = tnn.LayerNorm(C), Attn(), \
                tnn.LayerNorm(C), Mlp()

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))
    return TBlock()


def test_gpt_block_matches_the_same_block_in_torch():
    C, H = 24, 3
    shendu.manual_seed(0)
    block = Block(C, H)
    for p in block.parameters():
        with shendu.no_grad():
            p.add_(shendu.randn(*p.shape) * 0.1)           # non-trivial LayerNorm affine too
    ref = _torch_block(C, H)
    ref.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                         for k, v in block.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 7, C)).astype(np.float32)
    w = rng.standard_normal((2, 7, C)).astype(np.float32)
    xs, xt = shendu.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ys, yt = block(xs), ref(xt)
    np.testing.assert_allclose(ys.detach().numpy(), yt.detach().numpy(), atol=1e-5, rtol=1e-5)
    (ys * shendu.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), atol=1e-4, rtol=1e-4)
    tgrads = dict(ref.named_parameters())
    for name, p in block.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tgrads[name].grad.numpy(), atol=1e-4,
                                   rtol=1e-4, err_msg=name)


def test_gpt_head_is_tied_to_the_token_embedding():
    model = _tiny_gpt()
    x = shendu.randint(0, 7, (2, 5))
    with shendu.no_grad():
        h = model.ln_f(_hidden(model, x))
        np.testing.assert_allclose(model(x).numpy(), (h @ model.wte.weight.mT).numpy(),
                                   atol=1e-6)
    names = [n for n, _ in model.named_parameters()]
    assert "wte.weight" in names and not any("head" in n for n in names)
    assert model.num_params() == sum(p.numel() for p in model.parameters())


def _hidden(model, x):
    h = model.wte(x) + model.wpe(shendu.arange(x.shape[1]))
    for block in model.h:
        h = block(h)
    return h


def test_gpt_learns_a_sequence_in_seconds():
    shendu.manual_seed(0)
    model = GPT(6, 16, n_layer=1, n_head=2, n_embd=32)
    seq = shendu.tensor([[1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2]])
    opt = shendu.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(60):
        loss = sequence_cross_entropy(model(seq[:, :-1]), seq[:, 1:])
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    out = model.generate(shendu.tensor([[3, 4]]), 6)
    assert out.tolist() == [[3, 4, 5, 1, 2, 3, 4, 5]]
    assert model.training                         # generate restores the mode


# ----- the key/value cache ---------------------------------------------------------------------

def test_cached_steps_give_the_logits_of_full_reruns():
    model = _peaky(_tiny_gpt(), std=0.3)
    x = shendu.randint(0, 7, (3, 9))
    with shendu.no_grad():
        full = model(x).numpy()
        for split in ([4, 1, 1, 3], [1] * 9, [9], [2, 5, 2]):
            cache, got, start = KVCache(model.n_layer), [], 0
            for n in split:
                got.append(model(x[:, start:start + n], cache).numpy())
                start += n
            assert len(cache) == 9
            np.testing.assert_allclose(np.concatenate(got, 1), full, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="exceed the context length"):
        model(shendu.zeros(1, 13, dtype=shendu.int64))


@pytest.mark.parametrize("strategy", ["greedy", "sample", "top-k", "top-p", "beam"])
def test_cached_generation_gives_the_tokens_of_full_reruns(strategy):
    model = _peaky(_tiny_gpt(), std=0.3)
    prompt = shendu.randint(1, 7, (3, 3))
    kw = dict(strategy=strategy, top_k=3, top_p=0.7, num_beams=3,
              temperature=1.3 if strategy != "greedy" else 1.0)
    for n in (8, 20):                          # 20: beyond block_size, the window slides
        a = generate(model, prompt, n, generator=shendu.Generator().manual_seed(5), **kw)
        b = generate(model, prompt, n, use_cache=False,
                     generator=shendu.Generator().manual_seed(5), **kw)
        assert a.shape == (3, 3 + n) and a.tolist() == b.tolist()
        assert a[:, :3].tolist() == prompt.tolist()


def test_the_cache_makes_generation_linear_in_the_number_of_tokens():
    model = _tiny_gpt(block=64).eval()
    seen = []
    model.wte.register_forward_hook(lambda m, args, out: seen.append(args[0].shape[1]))
    prompt, n = shendu.randint(1, 7, (2, 5)), 30
    generate(model, prompt, n)
    assert seen == [5] + [1] * (n - 1)             # one pass over the prompt, then one token
    seen.clear()
    generate(model, prompt, n, use_cache=False)
    assert seen == list(range(5, 5 + n))           # full re-runs: O(n²) positions


# ----- decoding strategies --------------------------------------------------------------------

def test_top_k_leaves_exactly_k_tokens_possible():
    rng = np.random.default_rng(0)
    logits = shendu.tensor(rng.standard_normal((20, 11)).astype(np.float32))
    logits[0, :] = 1.0                                       # all tied: still exactly k
    for k in (1, 3, 10, 11, 50):
        out = top_k_filter(logits, k).numpy()
        kept = np.isfinite(out)
        assert (kept.sum(1) == min(k, 11)).all()
        order = np.argsort(-logits.numpy()[1:], 1, kind="stable")[:, :min(k, 11)]
        assert all(set(np.flatnonzero(kept[i + 1])) == set(order[i]) for i in range(19))
        np.testing.assert_array_equal(out[kept], logits.numpy()[kept])
    # sampling only ever draws from those k, with the renormalised probabilities
    z = shendu.tensor([[2.0, 1.0, 0.5, 0.0, -1.0, -3.0]])
    probs = next_token_distribution(z, top_k=3).numpy()[0]
    p = np.exp([2.0, 1.0, 0.5])
    np.testing.assert_allclose(probs, np.r_[p / p.sum(), 0, 0, 0], atol=1e-6)
    draws = decode(_FixedDecoder(z), [[0]] * 4000, 1, strategy="top-k", top_k=3,
                   generator=shendu.Generator().manual_seed(0)).numpy()[:, 1]
    freq = np.bincount(draws, minlength=6) / 4000
    assert freq[3:].sum() == 0 and np.abs(freq - probs).max() < 0.03


def test_top_p_keeps_the_smallest_set_over_p():
    rng = np.random.default_rng(1)
    for _ in range(200):
        z = rng.standard_normal(8).astype(np.float32) * 2
        p = float(rng.uniform(0.05, 1.0))
        out = top_p_filter(shendu.tensor(z[None]), p).numpy()[0]
        kept = set(np.flatnonzero(np.isfinite(out)))
        probs = np.exp(z - z.max())
        probs /= probs.sum()
        order = np.argsort(-probs, kind="stable")
        cum = np.cumsum(probs[order])
        m = int(np.searchsorted(cum, p - 1e-6)) + 1     # the smallest m with mass >= p
        assert kept == set(order[:m])
        # and no smaller set of any tokens reaches p (the largest m − 1 do not)
        assert m == 1 or probs[order[:m - 1]].sum() < p + 1e-6
    z = shendu.tensor([[3.0, 2.0, 1.0, 0.0]])
    probs = next_token_distribution(z, top_p=0.9).numpy()[0]
    assert probs[3] == 0 and probs[2] > 0 and abs(probs.sum() - 1) < 1e-6
    assert (np.isfinite(top_p_filter(z, 1.0).numpy())).all()
    assert np.isfinite(top_p_filter(z, 1e-9).numpy()).sum() == 1       # always one token


def test_temperature_limits_and_sampling_frequencies():
    z = shendu.tensor([[1.0, 3.0, 2.0, -1.0]])
    soft = np.exp(z.numpy()[0]) / np.exp(z.numpy()[0]).sum()
    np.testing.assert_allclose(next_token_distribution(z, 1.0).numpy()[0], soft, rtol=1e-6)
    np.testing.assert_allclose(next_token_distribution(z, 1e-3).numpy()[0], [0, 1, 0, 0],
                               atol=1e-6)                        # T → 0: greedy
    np.testing.assert_allclose(next_token_distribution(z, 1e4).numpy()[0], [0.25] * 4,
                               atol=1e-3)                        # T → ∞: uniform
    sharp = next_token_distribution(z, 0.5).numpy()[0]
    np.testing.assert_allclose(sharp, soft ** 2 / (soft ** 2).sum(), rtol=1e-5)  # p^(1/T)
    for bad in (0.0, -1.0, math.inf):
        with pytest.raises(ValueError, match="temperature"):
            temperature_scale(z, bad)
    draws = decode(_FixedDecoder(z), [[0]] * 6000, 1, strategy="sample", temperature=0.5,
                   generator=shendu.Generator().manual_seed(1)).numpy()[:, 1]
    assert np.abs(np.bincount(draws, minlength=4) / 6000 - sharp).max() < 0.03
    greedy = decode(_FixedDecoder(z), [[0]] * 3, 4).numpy()
    assert (greedy[:, 1:] == 1).all()


class _FixedDecoder:
    """A 'model' whose next-token logits are always the same (B, V) row."""

    def __init__(self, logits):
        self.logits, self.n = logits, 0

    def start(self, prefix):
        self.n = len(prefix)
        return self.logits.expand(self.n, self.logits.shape[-1])

    def advance(self, tokens):
        return self.logits.expand(self.n, self.logits.shape[-1])

    def select(self, rows):
        self.n = len(rows)


def test_eos_finishes_a_row_and_pads_the_rest():
    model = _peaky(_tiny_gpt(vocab=4), std=0.6, seed=3)
    prompt = shendu.tensor([[1, 2], [3, 3], [2, 1]])
    free = generate(model, prompt, 10).numpy()
    eos = int(free[0, 3])                   # whatever row 0 emits second acts as EOS
    out = generate(model, prompt, 10, eos_token_id=eos, pad_token_id=-1).numpy()
    for row, ref in zip(out, free):
        new, ref_new = row[2:].tolist(), ref[2:].tolist()
        if eos in ref_new:
            stop = ref_new.index(eos) + 1
            assert new[:stop] == ref_new[:stop] and set(new[stop:]) <= {-1}
        else:
            assert new == ref_new[:len(new)]
    assert out.shape[1] <= 12


def _brute_force(model, prompt, V, max_new, eos, alpha):
    """Every continuation (ending at EOS, or at max_new without it), scored
    log P(y) / |y|^α, best first."""
    out = []
    with shendu.no_grad():
        for n in range(1, max_new + 1):
            for ys in itertools.product(range(V), repeat=n):
                if eos in ys[:-1] or (n < max_new and ys[-1] != eos):
                    continue
                seq = shendu.tensor([prompt + list(ys)])
                logp = shendu.log_softmax(model(seq[:, :-1]), -1).numpy()[0]
                lp = sum(float(logp[len(prompt) - 1 + t, y]) for t, y in enumerate(ys))
                out.append((lp / n ** alpha, list(ys)))
    return sorted(out, key=lambda s: -s[0])


@pytest.mark.parametrize("alpha", [0.0, 1.0, 2.0])
def test_beam_search_with_enough_beams_is_the_brute_force_optimum(alpha):
    V, eos, max_new, prompt = 4, 0, 4, [1, 2]
    model = _peaky(_tiny_gpt(vocab=V), std=0.4, seed=7)
    ranked = _brute_force(model, prompt, V, max_new, eos, alpha)
    K = (V - 1) ** (max_new - 1)                  # as many beams as live prefixes: no pruning
    with shendu.no_grad():
        hyps = beam_search(model.decoder(), np.array([prompt]), max_new, K, alpha, eos)[0]
    assert [h.tokens for h in hyps] == [t for _, t in ranked[:K]]
    np.testing.assert_allclose([h.score for h in hyps], [s for s, _ in ranked[:K]], rtol=1e-4)
    best = generate(model, shendu.tensor([prompt]), max_new, strategy="beam", num_beams=K,
                    length_penalty=alpha, eos_token_id=eos).tolist()[0]
    assert best[2:2 + len(ranked[0][1])] == ranked[0][1]


def _reference_beams(model, prompt, V, steps, K):
    """Plain beam search without EOS: expand every beam by every token, keep the K best."""
    beams = [(0.0, [])]
    with shendu.no_grad():
        for _ in range(steps):
            cand = []
            for lp, ys in beams:
                logp = shendu.log_softmax(model(shendu.tensor([prompt + ys])), -1).numpy()
                cand += [(lp + float(logp[0, -1, v]), ys + [v]) for v in range(V)]
            beams = sorted(cand, key=lambda c: -c[0])[:K]
    return beams


@pytest.mark.parametrize("K", [1, 2, 3])
def test_beam_search_matches_a_plain_reference_when_it_prunes(K):
    V, prompt = 5, [1, 3, 2]
    model = _peaky(_tiny_gpt(vocab=V), std=0.3, seed=K)
    ref = _reference_beams(model, prompt, V, 5, K)
    with shendu.no_grad():
        hyps = beam_search(model.decoder(), np.array([prompt, prompt]), 5, K, 1.0)
    for row in hyps:
        assert [h.tokens for h in row] == [ys for _, ys in ref]
        np.testing.assert_allclose([h.logprob for h in row], [lp for lp, _ in ref], rtol=1e-4)
    if K == 1:                                  # one beam is greedy decoding
        greedy = generate(model, shendu.tensor([prompt]), 5).tolist()[0][3:]
        assert greedy == ref[0][1]


def test_unknown_strategies_and_missing_parameters_are_errors():
    model = _tiny_gpt()
    p = shendu.tensor([[1, 2]])
    with pytest.raises(ValueError, match="unknown decoding strategy"):
        generate(model, p, 3, strategy="nucleus")
    with pytest.raises(ValueError, match="needs k"):
        generate(model, p, 3, strategy="top-k")
    with pytest.raises(ValueError, match="needs p"):
        generate(model, p, 3, strategy="top-p")
    with pytest.raises(ValueError, match="0 < p <= 1"):
        generate(model, p, 3, strategy="top-p", top_p=1.5)
    assert generate(model, shendu.tensor([1, 2]), 3).shape == (5,)


# ----- BERT ------------------------------------------------------------------------------------

def test_bert_masking_follows_the_15_80_10_10_rule():
    tok = CharTokenizer.train("0123456789+=")
    rng = np.random.default_rng(0)
    ids = rng.integers(len(tok.special_tokens), tok.vocab_size, (400, 50))
    ids[:, 0], ids[:, -1], ids[:, -5:-1] = tok.cls_id, tok.sep_id, tok.pad_id
    x, y = mask_tokens(shendu.tensor(ids), tok, generator=shendu.Generator().manual_seed(0))
    x, y = x.numpy(), y.numpy()
    special = np.isin(ids, tok.special_ids)
    chosen = y != IGNORE_INDEX
    assert not (chosen & special).any() and (x[special] == ids[special]).all()
    assert (y[chosen] == ids[chosen]).all()
    assert (x[~chosen] == ids[~chosen]).all()            # only chosen positions change
    n = chosen.sum()
    assert abs(n / (~special).sum() - 0.15) < 0.01
    masked = (x == tok.mask_id) & chosen
    kept = (x == ids) & chosen
    random = chosen & ~masked & (x != ids)
    assert abs(masked.sum() / n - 0.8) < 0.025
    assert abs((kept.sum() - random.sum() / (tok.vocab_size - 7 - 1)) / n - 0.1) < 0.02
    assert abs(random.sum() / n - 0.1 * (1 - 1 / (tok.vocab_size - 7))) < 0.02
    assert not np.isin(x[random], tok.special_ids).any()  # replacements are real tokens


def test_bert_is_bidirectional_and_ignores_padding():
    tok = CharTokenizer.train("0123456789+=")
    shendu.manual_seed(0)
    model = BERTForMaskedLM(tok.vocab_size, 16, n_layer=2, n_head=2, d_model=32).eval()
    ids = [tok.cls_id, *tok.encode("12+35=47"), tok.sep_id]
    short = shendu.tensor([ids + [tok.pad_id] * 2])
    long = shendu.tensor([ids + [tok.pad_id] * 6])
    with shendu.no_grad():
        a, b = model(short).numpy(), model(long).numpy()
        np.testing.assert_allclose(a[:, :len(ids)], b[:, :len(ids)], atol=1e-5)
        changed = long.clone()
        changed[0, 8] = tok.encode("9")[0]                         # a late token
        c = model(changed).numpy()
        assert np.abs(c[0, 1] - b[0, 1]).max() > 1e-4              # changes the first digit
    assert a.shape == (1, len(ids) + 2, tok.vocab_size)
    assert model.bert.word_embeddings.weight is next(
        p for n, p in model.named_parameters() if n == "bert.word_embeddings.weight")
    assert not any("decoder" in n for n, _ in model.named_parameters())   # tied output


def test_bert_pretrain_then_finetune_path():
    shendu.manual_seed(0)
    mlm_data = ArithmeticMLMDataset(train=True)
    tok = mlm_data.tokenizer
    mlm = BERTForMaskedLM(tok.vocab_size, mlm_data.length, n_layer=1, n_head=2, d_model=32,
                          dropout=0.0)
    opt = shendu.optim.AdamW(mlm.parameters(), lr=3e-3)
    loader = shendu.utils.data.DataLoader(mlm_data, batch_size=64, shuffle=True)
    losses = []
    for i, (x, y) in enumerate(loader):
        loss = sequence_cross_entropy(mlm(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if i == 40:
            break
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.5
    clf = BERTForSequenceClassification.from_pretrained(mlm, 2)
    for (n1, p1), (n2, p2) in zip(mlm.bert.state_dict().items(),
                                  clf.bert.state_dict().items()):
        assert n1 == n2 and np.array_equal(p1.numpy(), p2.numpy())
    check = ArithmeticCheckDataset(train=True, n=8)
    x = shendu.stack([check[i][0] for i in range(8)])
    assert clf(x).shape == (8, 2)


# ----- seq2seq -----------------------------------------------------------------------------------

def test_seq2seq_masks_and_decoding():
    ds = ReverseDataset(train=False, n=6)
    tok = ds.tokenizer
    shendu.manual_seed(0)
    model = Seq2SeqTransformer(tok.vocab_size, tok.vocab_size, 11, d_model=32, nhead=2,
                               num_encoder_layers=1, num_decoder_layers=1).eval()
    x = shendu.stack([ds[i][0] for i in range(6)])
    with shendu.no_grad():
        out = model(x)
        np.testing.assert_allclose(out.numpy(), model(x[:, 0], x[:, 1]).numpy(), atol=1e-6)
        assert out.shape == (6, 11, tok.vocab_size)
        tgt = x[:, 1].clone()
        tgt[:, 5] = 3
        later = model(x[:, 0], tgt).numpy()
        np.testing.assert_array_equal(later[:, :5], out.numpy()[:, :5])   # causal target
        src = x[:, 0].clone()
        src[:, 0] = (src[:, 0] + 1) % tok.vocab_size
        assert np.abs(model(src, x[:, 1]).numpy() - out.numpy()).max() > 1e-4  # it looks
    greedy = model.generate(x[:, 0], strategy="greedy")
    assert greedy[:, 0].tolist() == [tok.bos_id] * 6 and greedy.shape[1] <= 12
    assert model.generate(x[:, 0], strategy="beam", num_beams=1).tolist() == greedy.tolist()
    assert set(ds.evaluate(model)) == {"exact_match"}


def test_seq2seq_learns_to_reverse_short_strings():
    tok = CharTokenizer.train("0123456789")
    rng = np.random.default_rng(0)
    strings = ["".join(map(str, rng.integers(0, 4, 3))) for _ in range(256)]
    src = shendu.tensor([tok.encode(s) for s in strings])
    tgt_in = shendu.tensor([[tok.bos_id, *tok.encode(s[::-1])] for s in strings])
    tgt_out = shendu.tensor([tok.encode(s[::-1]) + [tok.eos_id] for s in strings])
    shendu.manual_seed(0)
    model = Seq2SeqTransformer(tok.vocab_size, tok.vocab_size, 4, d_model=32, nhead=2,
                               num_encoder_layers=1, num_decoder_layers=1, dropout=0.0)
    opt = shendu.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(150):
        loss = sequence_cross_entropy(model(src, tgt_in), tgt_out)
        opt.zero_grad()
        loss.backward()
        opt.step()
    out = model.generate(src[:64], strategy="greedy").numpy()
    assert (out[:, 1:5] == tgt_out.numpy()[:64]).all(1).mean() > 0.9


# ----- the command line --------------------------------------------------------------------------

def test_cli_trains_a_gpt_then_generates_with_each_strategy(tmp_path, capsys):
    out = str(tmp_path / "gpt")
    assert main(["train", "gpt_nano", "--data", "arithmetic", "--epochs", "1", "--quiet",
                 "--val-fraction", "0.05", "--lr", "3e-3", "--out", out]) == 0
    text = capsys.readouterr().out
    assert "test: loss" in text and "exact match" in text
    ckpt = os.path.join(out, "best.safetensors")
    cfg = shendu.load(ckpt)["config"]
    assert cfg["tokenizer"]["type"] == "char" and cfg["input_shape"] == [9]
    with open(os.path.join(out, "metrics.csv")) as f:
        assert f.readline().strip().startswith("epoch,train_loss,train_accuracy,val_loss")
    for strategy, extra in [("greedy", []), ("sample", ["--temperature", "0.8"]),
                            ("top-k", ["--k", "3"]), ("top-p", ["--p", "0.9"]),
                            ("beam", ["--beams", "3"])]:
        assert main(["generate", ckpt, "--prompt", "12+35=", "--strategy", strategy,
                     "--samples", "2", *extra]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == (2 if strategy in ("sample", "top-k", "top-p") else 1)
        assert all(line.startswith("12+35=") and len(line) <= 6 + 10 for line in lines)
    assert main(["eval", ckpt]) == 0
    text = capsys.readouterr().out
    assert "token accuracy" in text and "exact match" in text


def test_cli_generate_with_a_seq2seq_checkpoint_and_errors(tmp_path, capsys):
    ds = ReverseDataset(train=False, n=4)
    model = shendu.zoo.build_model("seq2seq", 2, ds.tokenizer.vocab_size, (2, 11))
    ckpt = str(tmp_path / "s2s.safetensors")
    shendu.save({"model": model.state_dict(),
                 "config": {"model": "seq2seq", "input_shape": [2, 11],
                            "num_classes": ds.tokenizer.vocab_size, "classes": ds.classes,
                            "tokenizer": ds.tokenizer.to_dict()}}, ckpt)
    assert main(["generate", ckpt, "--prompt", "12345", "--strategy", "beam"]) == 0
    line = capsys.readouterr().out.strip()
    assert set(line) <= set("0123456789+=") and len(line) <= 11
    assert main(["generate", ckpt, "--prompt", "1", "--strategy", "top-p", "--p", "2"]) == 1
    assert "--p must be in (0, 1]" in capsys.readouterr().err
    assert main(["generate", ckpt, "--prompt", "1", "--strategy", "nucleus"]) == 2
    capsys.readouterr()
    assert main(["generate", ckpt, "--prompt", ""]) == 1
    assert "empty" in capsys.readouterr().err
