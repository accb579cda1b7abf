"""Tokenizers (分词器): text ↔ token ids, the first and last step of every language model.

Two kinds, with one interface (``encode``, ``decode``, ``save``/``load``, special tokens):

- ``CharTokenizer``: one token per character of the training text (plus ``<unk>`` for the
  rest). Tiny vocabularies, long sequences: right for the arithmetic corpus and small texts.
- ``BPETokenizer``: byte-pair encoding (字节对编码, Sennrich et al. 2016) on a byte-level base
  (GPT-2): the 256 byte values are tokens, so *any* UTF-8 text encodes and decodes back
  exactly; training then repeats "merge the most frequent adjacent pair into a new token"
  until the vocabulary is full. Text is first split into words (letters, digits, symbols,
  whitespace; a word keeps its leading space) and merges never cross a word boundary.

Ids: the special tokens come first (``<pad>`` = 0, ``<bos>``, ``<eos>``, ``<mask>``, ``<cls>``,
``<sep>``), then the base symbols, then (BPE) the merged tokens in the order they were learned.
``encode`` never reads special tokens out of the text (the string "<eos>" is five characters),
so a text always round-trips; add them by id (``add_bos``/``add_eos`` or the ``*_id`` fields).
Files are JSON, written atomically (a temporary file renamed over the target).
"""

from __future__ import annotations

import heapq
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence

__all__ = ["SPECIAL_TOKENS", "Tokenizer", "CharTokenizer", "BPETokenizer", "load_tokenizer",
           "tokenizer_from_dict"]

SPECIAL_TOKENS = ("<pad>", "<bos>", "<eos>", "<mask>", "<cls>", "<sep>")

# GPT-2's pre-tokenizer written for the standard ``re`` module: letters, digits, other
# symbols (underscore included), each with an optional leading space, then runs of whitespace.
# The alternatives cover every character, so the words always concatenate back to the text.
WORD_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+"""


class Tokenizer:
    """The shared part: special tokens (ids 0 … n_special − 1) and the file format.
    Subclasses define ``_encode_text(text) -> list[int]``, ``_token_bytes(id) -> bytes`` and
    ``to_dict``/``_from_dict``."""

    kind = ""

    def __init__(self, special_tokens: Sequence[str] = SPECIAL_TOKENS):
        if len(set(special_tokens)) != len(special_tokens):
            raise ValueError(f"{type(self).__name__}: duplicate special tokens "
                             f"{list(special_tokens)}")
        self.special_tokens = list(special_tokens)
        self._special_ids = {t: i for i, t in enumerate(self.special_tokens)}

    # ----- special tokens ------------------------------------------------------------------
    def token_id(self, token: str) -> int:
        """The id of a special token such as "<eos>"."""
        if token not in self._special_ids:
            raise KeyError(f"{type(self).__name__}: no special token {token!r}; it has "
                           f"{self.special_tokens}")
        return self._special_ids[token]

    def _maybe(self, token):
        return self._special_ids.get(token)

    pad_id = property(lambda self: self._maybe("<pad>"))
    bos_id = property(lambda self: self._maybe("<bos>"))
    eos_id = property(lambda self: self._maybe("<eos>"))
    mask_id = property(lambda self: self._maybe("<mask>"))
    cls_id = property(lambda self: self._maybe("<cls>"))
    sep_id = property(lambda self: self._maybe("<sep>"))

    @property
    def special_ids(self) -> list[int]:
        return list(range(len(self.special_tokens)))

    @property
    def vocab_size(self) -> int:
        raise NotImplementedError

    def __len__(self) -> int:
        return self.vocab_size

    # ----- text ↔ ids ----------------------------------------------------------------------
    def encode(self, text: str, *, add_bos: bool = False, add_eos: bool = False) -> list[int]:
        """Token ids of ``text`` (special-token strings in it are plain text), with ``<bos>``
        and ``<eos>`` around it on request."""
        if not isinstance(text, str):
            raise TypeError(f"{type(self).__name__}.encode: expected a str, got "
                            f"{type(text).__name__}")
        ids = self._encode_text(text)
        return ([self.token_id("<bos>")] if add_bos else []) + ids + \
            ([self.token_id("<eos>")] if add_eos else [])

    def decode(self, ids: Iterable[int], *, skip_special: bool = False) -> str:
        """The text of ``ids``: special tokens are written as their names unless
        ``skip_special``. Bytes that do not form valid UTF-8 (a cut-off multi-byte character
        at the end of a generated sample) become U+FFFD."""
        n_special = len(self.special_tokens)
        out = bytearray()
        for i in _as_ints(ids):
            if not 0 <= i < self.vocab_size:
                raise IndexError(f"{type(self).__name__}.decode: id {i} is outside the "
                                 f"vocabulary (size {self.vocab_size})")
            if i < n_special:
                if not skip_special:
                    out += self.special_tokens[i].encode()
            else:
                out += self._token_bytes(i)
        return out.decode("utf-8", errors="replace")

    def id_to_token(self, i: int) -> str:
        """A readable name of token ``i`` (bytes that are not UTF-8 shown as \\x..)."""
        if i < len(self.special_tokens):
            return self.special_tokens[i]
        return self._token_bytes(i).decode("utf-8", errors="backslashreplace")

    def vocab(self) -> list[str]:
        """Readable names of all tokens, by id."""
        return [self.id_to_token(i) for i in range(self.vocab_size)]

    # ----- files ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        raise NotImplementedError

    def save(self, path: str | os.PathLike) -> None:
        """Write the tokenizer as JSON, atomically."""
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tokenizer-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.to_dict(), f, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike) -> Tokenizer:
        """Read a tokenizer written by ``save`` (``Tokenizer.load`` reads either kind)."""
        with open(path, encoding="utf-8") as f:
            tok = tokenizer_from_dict(json.load(f))
        if cls is not Tokenizer and not isinstance(tok, cls):
            raise ValueError(f"{os.fspath(path)} holds a {type(tok).__name__}, not a "
                             f"{cls.__name__}")
        return tok

    def __repr__(self) -> str:
        return f"{type(self).__name__}(vocab_size={self.vocab_size})"


def _as_ints(ids) -> list[int]:
    if hasattr(ids, "tolist"):
        ids = ids.tolist()
    return [int(i) for i in ids]


# ----- character level --------------------------------------------------------------------

class CharTokenizer(Tokenizer):
    """One token per character (字符级分词): ids are the special tokens, ``<unk>``, then the
    characters of the training text in sorted order. Characters never seen encode as
    ``<unk>`` (so only texts over the alphabet round-trip)."""

    kind = "char"

    def __init__(self, chars: Iterable[str] = (), special_tokens: Sequence[str] = SPECIAL_TOKENS):
        specials = list(special_tokens)
        if "<unk>" not in specials:
            specials.append("<unk>")
        super().__init__(specials)
        self.chars = sorted(set(chars))
        if any(len(c) != 1 for c in self.chars):
            raise ValueError("CharTokenizer: the alphabet must be single characters")
        n = len(self.special_tokens)
        self._index = {c: n + i for i, c in enumerate(self.chars)}

    @classmethod
    def train(cls, text: str | Iterable[str], special_tokens=SPECIAL_TOKENS) -> CharTokenizer:
        """The alphabet of ``text`` (a string or an iterable of strings)."""
        chars = set(text) if isinstance(text, str) else set().union(*map(set, text))
        return cls(chars, special_tokens)

    unk_id = property(lambda self: self._maybe("<unk>"))

    @property
    def vocab_size(self) -> int:
        return len(self.special_tokens) + len(self.chars)

    def _encode_text(self, text: str) -> list[int]:
        unk = self.unk_id
        return [self._index.get(c, unk) for c in text]

    def _token_bytes(self, i: int) -> bytes:
        return self.chars[i - len(self.special_tokens)].encode()

    def to_dict(self) -> dict:
        return {"type": self.kind, "special_tokens": self.special_tokens, "chars": self.chars}

    @classmethod
    def _from_dict(cls, d: dict) -> CharTokenizer:
        return cls(d["chars"], d["special_tokens"])


# ----- byte-pair encoding -----------------------------------------------------------------

class BPETokenizer(Tokenizer):
    """Byte-level byte-pair encoding (字节对编码). Ids: special tokens, the 256 bytes, then one
    token per learned merge (a, b) → ab, in the order learned.

    ``train``: count the adjacent pairs of tokens inside every word (weighted by the word's
    frequency), merge the most frequent pair everywhere, update the counts, repeat. Ties go
    to the pair of smaller ids (older tokens first), so training is deterministic.
    ``encode``: split into words, start from the bytes, and apply the learned merges in the
    order they were learned (lowest rank first) until none applies.
    """

    kind = "bpe"

    def __init__(self, merges: Iterable[Sequence[int]] = (),
                 special_tokens: Sequence[str] = SPECIAL_TOKENS, pattern: str = WORD_PATTERN):
        super().__init__(special_tokens)
        self.pattern = pattern
        self._split = re.compile(pattern)
        self._byte0 = len(self.special_tokens)
        self._bytes = [bytes([b]) for b in range(256)]
        self.merges: list[tuple[int, int]] = []
        self._ranks: dict[tuple[int, int], int] = {}
        for a, b in merges:
            self._add_merge(int(a), int(b))
        self._cache: dict[str, list[int]] = {}

    def _add_merge(self, a: int, b: int) -> int:
        new = self.vocab_size
        if not (self._byte0 <= a < new and self._byte0 <= b < new):
            raise ValueError(f"BPETokenizer: merge ({a}, {b}) refers to an unknown token")
        self._ranks[(a, b)] = len(self.merges)
        self.merges.append((a, b))
        self._bytes.append(self._token_bytes(a) + self._token_bytes(b))
        return new

    @property
    def vocab_size(self) -> int:
        return self._byte0 + len(self._bytes)

    def _token_bytes(self, i: int) -> bytes:
        return self._bytes[i - self._byte0]

    def merge_bytes(self) -> list[tuple[bytes, bytes]]:
        """The learned merges as byte strings, in order: [(b"a", b"a"), (b"aa", b"b"), …]."""
        return [(self._token_bytes(a), self._token_bytes(b)) for a, b in self.merges]

    @classmethod
    def train(cls, text: str | Iterable[str], vocab_size: int, *, min_frequency: int = 2,
              special_tokens=SPECIAL_TOKENS, pattern: str = WORD_PATTERN) -> BPETokenizer:
        """Learn merges on ``text`` (a string or an iterable of strings) until the vocabulary
        has ``vocab_size`` tokens or no pair occurs ``min_frequency`` times."""
        tok = cls((), special_tokens, pattern)
        if vocab_size < tok.vocab_size:
            raise ValueError(f"BPETokenizer.train: vocab_size must be at least "
                             f"{tok.vocab_size} (the special tokens and 256 bytes), got "
                             f"{vocab_size}")
        texts = [text] if isinstance(text, str) else text
        counts = Counter(w for t in texts for w in tok._split.findall(t))
        words = [[tok._byte0 + b for b in w.encode()] for w in counts]
        freq = list(counts.values())

        pair_count: Counter = Counter()
        where: dict[tuple[int, int], set[int]] = {}
        for wi, w in enumerate(words):
            for p in zip(w, w[1:]):
                pair_count[p] += freq[wi]
                where.setdefault(p, set()).add(wi)
        # a max-heap on (count, smaller ids first); entries go stale as counts change and are
        # checked against pair_count when popped
        heap = [(-c, p) for p, c in pair_count.items()]
        heapq.heapify(heap)
        while tok.vocab_size < vocab_size and heap:
            c, pair = heapq.heappop(heap)
            if -c != pair_count.get(pair, 0):
                continue
            if -c < min_frequency:
                break
            new = tok._add_merge(*pair)
            changed = set()
            for wi in where.pop(pair, ()):
                w = words[wi]
                for p in zip(w, w[1:]):
                    pair_count[p] -= freq[wi]
                    changed.add(p)
                w = words[wi] = _merge(w, pair, new)
                for p in zip(w, w[1:]):
                    pair_count[p] += freq[wi]
                    where.setdefault(p, set()).add(wi)
                    changed.add(p)
            for p in changed:
                if pair_count[p] > 0:
                    heapq.heappush(heap, (-pair_count[p], p))
                else:
                    del pair_count[p]
        return tok

    def _encode_word(self, word: str) -> list[int]:
        ids = self._cache.get(word)
        if ids is None:
            ids = [self._byte0 + b for b in word.encode()]
            while len(ids) > 1:
                rank, pair = min((self._ranks.get(p, len(self._ranks)), p)
                                 for p in zip(ids, ids[1:]))
                if rank == len(self._ranks):
                    break
                ids = _merge(ids, pair, self._byte0 + 256 + rank)
            if len(self._cache) < 100_000:
                self._cache[word] = ids
        return ids

    def _encode_text(self, text: str) -> list[int]:
        out: list[int] = []
        for word in self._split.findall(text):
            out += self._encode_word(word)
        return out

    def to_dict(self) -> dict:
        return {"type": self.kind, "special_tokens": self.special_tokens,
                "pattern": self.pattern, "merges": [list(m) for m in self.merges]}

    @classmethod
    def _from_dict(cls, d: dict) -> BPETokenizer:
        return cls(d["merges"], d["special_tokens"], d.get("pattern", WORD_PATTERN))


def _merge(ids: list[int], pair: tuple[int, int], new: int) -> list[int]:
    """``ids`` with every non-overlapping occurrence of ``pair`` (left to right) → ``new``."""
    out, i, n = [], 0, len(ids)
    a, b = pair
    while i < n:
        if i + 1 < n and ids[i] == a and ids[i + 1] == b:
            out.append(new)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


_KINDS = {"char": CharTokenizer, "bpe": BPETokenizer}


def tokenizer_from_dict(d: dict) -> Tokenizer:
    """The tokenizer described by ``Tokenizer.to_dict()`` (as stored in checkpoints)."""
    kind = d.get("type") if isinstance(d, dict) else None
    if kind not in _KINDS:
        raise ValueError(f"not a tokenizer description (type {kind!r}; known: "
                         f"{', '.join(_KINDS)})")
    return _KINDS[kind]._from_dict(d)


def load_tokenizer(path: str | os.PathLike) -> Tokenizer:
    """Read a tokenizer JSON file written by ``save`` (either kind)."""
    return Tokenizer.load(path)
