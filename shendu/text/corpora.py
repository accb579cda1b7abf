"""Text corpora (语料) and datasets for language models, all local: an arithmetic corpus that is
generated ("12+35=47"), a digit-reversal task for seq2seq, the project's own documentation, and
any text file the user names.

Every dataset here yields ``(input ids, target ids)`` int64 tensors and carries what training
needs: ``tokenizer``, ``classes`` (the token names: a language model classifies the next token
over the vocabulary), ``loss_fn`` (``sequence_cross_entropy``) and ``metrics``
(``token_accuracy`` as "accuracy"). Targets use ``IGNORE_INDEX`` (−100) where there is nothing
to predict (padding, the question part of an equation, unmasked positions in MLM).

Registered in ``shendu.zoo`` as ``arithmetic``, ``arithmetic_mlm``, ``reverse``, ``docs`` and
``textfile`` (``--root FILE``).
"""

from __future__ import annotations

import glob
import os

import numpy as np

from .. import zoo
from ..nn import functional as F
from ..tensor import Tensor, _wrap
from ..utils.data import Dataset
from .tokenizers import BPETokenizer, CharTokenizer, Tokenizer

__all__ = ["IGNORE_INDEX", "sequence_cross_entropy", "token_accuracy", "arithmetic_pairs",
           "equation", "arithmetic_tokenizer", "ArithmeticDataset", "ArithmeticMLMDataset",
           "ArithmeticCheckDataset", "ReverseDataset", "TextDataset", "docs_text",
           "read_text_file", "arithmetic_exact_match"]

IGNORE_INDEX = -100


# ----- the training objective of token-level datasets ---------------------------------------

def sequence_cross_entropy(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean cross-entropy over every position whose target is not IGNORE_INDEX:
    logits (N, T, V), targets (N, T)."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                           ignore_index=IGNORE_INDEX)


def token_accuracy(logits: Tensor, targets: Tensor) -> float:
    """The fraction of non-ignored positions whose largest logit is the target."""
    t = targets._data
    keep = t != IGNORE_INDEX
    n = int(keep.sum())
    return float(((logits._data.argmax(-1) == t) & keep).sum() / n) if n else 0.0


class _TokenTask:
    """What the trainer and the command line read from a token-level dataset."""

    loss_fn = staticmethod(sequence_cross_entropy)
    metrics = (("accuracy", token_accuracy),)
    tokenizer: Tokenizer

    @property
    def classes(self) -> list[str]:
        return self.tokenizer.vocab()


def _pad(ids: list[int], length: int, value: int) -> list[int]:
    return ids + [value] * (length - len(ids))


# ----- arithmetic -----------------------------------------------------------------------------

def arithmetic_pairs(digits: int = 2, test_fraction: float = 0.1,
                     seed: int = 1234) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """All pairs (a, b) with 0 ≤ a, b < 10^digits, split by a seeded permutation into
    (train pairs, held-out pairs); the same arguments always give the same split."""
    n = 10 ** digits
    pairs = [(a, b) for a in range(n) for b in range(n)]
    order = np.random.default_rng(seed).permutation(len(pairs))
    n_test = int(round(len(pairs) * test_fraction))
    return [pairs[i] for i in order[n_test:]], [pairs[i] for i in order[:n_test]]


def equation(a: int, b: int) -> str:
    """"a+b=c", e.g. "12+35=47"."""
    return f"{a}+{b}={a + b}"


def arithmetic_tokenizer() -> CharTokenizer:
    """Characters 0-9, '+', '=' and the special tokens."""
    return CharTokenizer("0123456789+=")


class ArithmeticDataset(_TokenTask, Dataset):
    """Next-token prediction on equations: the tokens of "12+35=47<eos>" padded to
    ``block_size + 1``, x = all but the last, y = all but the first. Only the answer (the
    digits after '=' and <eos>) is scored: the operands are uniformly random, so predicting
    them teaches nothing. ``train`` picks the training or held-out pairs."""

    def __init__(self, train: bool = True, digits: int = 2, test_fraction: float = 0.1,
                 seed: int = 1234):
        self.digits = digits
        self.tokenizer = arithmetic_tokenizer()
        train_pairs, test_pairs = arithmetic_pairs(digits, test_fraction, seed)
        self.pairs = train_pairs if train else test_pairs
        top = 10 ** digits - 1
        self.block_size = len(equation(top, top))          # its tokens + <eos>, minus one
        tok, n = self.tokenizer, self.block_size + 1
        xs, ys = [], []
        for a, b in self.pairs:
            ids = tok.encode(equation(a, b), add_eos=True)
            answer_from = ids.index(tok.encode("=")[0]) + 1
            x = _pad(ids[:-1], n - 1, tok.pad_id)
            y = [IGNORE_INDEX] * (answer_from - 1) + ids[answer_from:]
            xs.append(x)
            ys.append(_pad(y, n - 1, IGNORE_INDEX))
        self.inputs, self.targets = np.array(xs, np.int64), np.array(ys, np.int64)

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, i):
        return _wrap(self.inputs[i]), _wrap(self.targets[i])

    def evaluate(self, model, batch_size: int = 500) -> dict:
        """Exact-match accuracy of greedy answers on this split's pairs."""
        return {"exact_match": arithmetic_exact_match(model, self.pairs, self.tokenizer,
                                                      batch_size=batch_size)}


def arithmetic_exact_match(model, pairs, tokenizer: Tokenizer, batch_size: int = 500,
                           **decoding) -> float:
    """The fraction of ``pairs`` for which the model, prompted with "a+b=", generates exactly
    the digits of a+b followed by <eos>. Prompts are batched by length (decoding keeps the
    rows aligned); ``decoding`` goes to ``generate`` (default greedy)."""
    from ..models.generation import generate
    by_len: dict[int, list[tuple[int, int]]] = {}
    for a, b in pairs:
        by_len.setdefault(len(f"{a}+{b}="), []).append((a, b))
    correct, eos = 0, tokenizer.eos_id
    max_new = len(str(max(a + b for a, b in pairs))) + 1
    for group in by_len.values():
        for s in range(0, len(group), batch_size):
            chunk = group[s:s + batch_size]
            prompts = np.array([tokenizer.encode(f"{a}+{b}=") for a, b in chunk], np.int64)
            out = generate(model, prompts, max_new, eos_token_id=eos, **decoding).numpy()
            for (a, b), row in zip(chunk, out[:, prompts.shape[1]:]):
                want = tokenizer.encode(str(a + b)) + [eos]
                correct += row[:len(want)].tolist() == want
    return correct / len(pairs)


def _framed(tokenizer: Tokenizer, text: str, length: int) -> list[int]:
    """"<cls> text <sep>" padded to ``length``: BERT's input framing."""
    return _pad([tokenizer.cls_id, *tokenizer.encode(text), tokenizer.sep_id], length,
                tokenizer.pad_id)


class ArithmeticMLMDataset(_TokenTask, Dataset):
    """Masked-language-model samples (掩码语言模型) of correct equations "<cls>12+35=47<sep>",
    masked afresh at every access with the 15% / 80-10-10 rule (``models.bert.mask_tokens``):
    (masked ids, labels with IGNORE_INDEX except at the chosen positions)."""

    def __init__(self, train: bool = True, digits: int = 2, test_fraction: float = 0.1,
                 seed: int = 1234, mask_prob: float = 0.15):
        self.tokenizer = arithmetic_tokenizer()
        train_pairs, test_pairs = arithmetic_pairs(digits, test_fraction, seed)
        self.pairs = train_pairs if train else test_pairs
        top = 10 ** digits - 1
        self.length = len(equation(top, top)) + 2
        self.mask_prob = mask_prob
        self.ids = np.array([_framed(self.tokenizer, equation(a, b), self.length)
                             for a, b in self.pairs], np.int64)

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, i):
        from ..models.bert import mask_tokens
        x, y = mask_tokens(_wrap(self.ids[i]), self.tokenizer, self.mask_prob)
        return x, y


class ArithmeticCheckDataset(Dataset):
    """Sentence classification (句子分类): is "<cls>a+b=c<sep>" a true equation? Half the samples
    (chosen by a seeded draw) carry a wrong c: the true sum plus one of ±1, ±2, ±10, ±11,
    ±9, ±20 (kept ≥ 0), so telling them apart means doing the addition. ``n`` keeps the first
    n samples (a small labelled set for fine-tuning). Samples: (ids, 0 = false / 1 = true)."""

    classes = ["false", "true"]
    OFFSETS = (1, 2, 9, 10, 11, 20)

    def __init__(self, train: bool = True, n: int | None = None, digits: int = 2,
                 test_fraction: float = 0.1, seed: int = 1234):
        self.tokenizer = arithmetic_tokenizer()
        train_pairs, test_pairs = arithmetic_pairs(digits, test_fraction, seed)
        pairs = train_pairs if train else test_pairs
        r = np.random.default_rng(seed + (1 if train else 2))
        top = 10 ** digits - 1
        self.length = len(equation(top, top)) + 2
        ids, labels = [], []
        for a, b in pairs[:n]:
            c, label = a + b, int(r.random() < 0.5)
            if not label:
                while True:
                    wrong = c + int(r.choice(self.OFFSETS)) * (1 if r.random() < 0.5 else -1)
                    if wrong >= 0:
                        break
                c = wrong
            ids.append(_framed(self.tokenizer, f"{a}+{b}={c}", self.length))
            labels.append(label)
        self.ids, self.labels = np.array(ids, np.int64), np.array(labels, np.int64)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i):
        return _wrap(self.ids[i]), _wrap(self.labels[i])


# ----- digit reversal (seq2seq) -------------------------------------------------------------

class ReverseDataset(_TokenTask, Dataset):
    """Sequence-to-sequence: a random digit string (length ``min_len`` … ``max_len``) → the
    same digits reversed, e.g. "3141592" → "2951413". The answer's i-th digit is the source's
    (n−1−i)-th, so the decoder must look it up through cross-attention (交叉注意力).

    x (2, max_len + 1) stacks the source (padded) and the decoder input "<bos> target"
    (padded); y is "target <eos>" (IGNORE_INDEX after it). The test strings are disjoint from
    the training strings."""

    def __init__(self, train: bool = True, n: int | None = None, min_len: int = 3,
                 max_len: int = 10, seed: int = 4321):
        self.tokenizer = arithmetic_tokenizer()
        self.min_len, self.max_len = min_len, max_len
        n_train, n_test = 20_000, 1_000
        r = np.random.default_rng(seed)
        seen, strings = set(), []
        while len(strings) < n_train + n_test:
            s = "".join(map(str, r.integers(0, 10, int(r.integers(min_len, max_len + 1)))))
            if s not in seen:
                seen.add(s)
                strings.append(s)
        self.strings = (strings[:n_train] if train else strings[n_train:])[:n]
        tok, L = self.tokenizer, max_len + 1
        xs, ys = [], []
        for s in self.strings:
            src, tgt = tok.encode(s), tok.encode(s[::-1])
            xs.append([_pad(src, L, tok.pad_id), _pad([tok.bos_id, *tgt], L, tok.pad_id)])
            ys.append(_pad(tgt + [tok.eos_id], L, IGNORE_INDEX))
        self.inputs, self.targets = np.array(xs, np.int64), np.array(ys, np.int64)

    def __len__(self) -> int:
        return len(self.strings)

    def __getitem__(self, i):
        return _wrap(self.inputs[i]), _wrap(self.targets[i])

    def evaluate(self, model, batch_size: int = 500, **decoding) -> dict:
        """Exact-match accuracy of the decoded reversals (greedy unless ``decoding`` says
        otherwise)."""
        tok, correct = self.tokenizer, 0
        for s in range(0, len(self.strings), batch_size):
            src = self.inputs[s:s + batch_size, 0]
            out = model.generate(src, self.max_len + 1, **decoding).numpy()
            for string, row in zip(self.strings[s:s + batch_size], out[:, 1:]):
                want = tok.encode(string[::-1]) + [tok.eos_id]
                correct += row[:len(want)].tolist() == want
        return {"exact_match": correct / len(self.strings)}


# ----- free text ---------------------------------------------------------------------------

class TextDataset(_TokenTask, Dataset):
    """Next-token prediction on a token stream (ids of a whole text): sample i is the window
    x = ids[s : s+T], y = ids[s+1 : s+T+1] with s = i·stride, T = ``block_size``."""

    def __init__(self, ids, tokenizer: Tokenizer, block_size: int = 64,
                 stride: int | None = None):
        self.ids = np.asarray(ids, np.int64)
        self.tokenizer, self.block_size = tokenizer, block_size
        self.stride = stride or block_size
        if len(self.ids) < block_size + 1:
            raise ValueError(f"TextDataset: the text has {len(self.ids)} tokens, fewer than "
                             f"block_size + 1 = {block_size + 1}")

    def __len__(self) -> int:
        return (len(self.ids) - self.block_size - 1) // self.stride + 1

    def __getitem__(self, i):
        if not -len(self) <= i < len(self):
            raise IndexError(f"TextDataset index {i} out of range ({len(self)} windows)")
        s = (i % len(self)) * self.stride
        w = self.ids[s:s + self.block_size + 1]
        return _wrap(w[:-1].copy()), _wrap(w[1:].copy())

    @classmethod
    def split(cls, text: str, tokenizer: Tokenizer, train: bool, block_size: int = 64,
              test_fraction: float = 0.1) -> TextDataset:
        """The first (train) or last (test) part of ``text``'s tokens, cut at 1 − test_fraction;
        training windows overlap by half (stride T/2)."""
        ids = tokenizer.encode(text)
        cut = int(len(ids) * (1 - test_fraction))
        part = ids[:cut] if train else ids[cut:]
        return cls(part, tokenizer, block_size, block_size // 2 if train else block_size)


def _project_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def docs_text(root: str | None = None) -> str:
    """The project's documentation: README.md and docs/*.md (sorted), joined by blank lines."""
    root = root or _project_root()
    paths = [os.path.join(root, "README.md"), *sorted(glob.glob(os.path.join(root, "docs",
                                                                          "*.md")))]
    paths = [p for p in paths if os.path.isfile(p)]
    if not paths:
        raise FileNotFoundError(f"no README.md or docs/*.md under {root}")
    return "\n\n".join(read_text_file(p) for p in paths)


def read_text_file(path: str | os.PathLike) -> str:
    """A UTF-8 text file (a clear error for a folder, a missing or a non-text file)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such text file: {path}")
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text") from None


# ----- the registry --------------------------------------------------------------------------

def _docs(root, train):
    text = docs_text(root)
    return TextDataset.split(text, BPETokenizer.train(text, 512), train)


def _textfile(root, train):
    text = read_text_file(root)
    return TextDataset.split(text, CharTokenizer.train(text), train)


zoo.register_dataset("arithmetic", lambda root, train: ArithmeticDataset(train),
                     description="2-digit additions '12+35=47' for next-token prediction; 10% "
                                 "of the pairs held out (generated)")
zoo.register_dataset("arithmetic_mlm", lambda root, train: ArithmeticMLMDataset(train),
                     description="the same equations, masked 15% (80/10/10) for BERT's MLM")
zoo.register_dataset("reverse", lambda root, train: ReverseDataset(train),
                     description="seq2seq: digit strings (3-10) to their reversal (generated)")
zoo.register_dataset("docs", _docs,
                     description="the project's README and docs/*.md, byte-level BPE (512), "
                                 "64-token windows")
zoo.register_dataset("textfile", _textfile, needs_root=True,
                     description="any UTF-8 text file (--root FILE), characters, 64-token "
                                 "windows")
