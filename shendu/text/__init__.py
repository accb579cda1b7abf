"""``shendu.text``: tokenizers (分词器: character level and byte-level BPE) and local text
corpora with their datasets (arithmetic, digit reversal, the project's docs, any text file)."""

from . import corpora, tokenizers
from .corpora import (ArithmeticCheckDataset, ArithmeticDataset, ArithmeticMLMDataset,
                      ReverseDataset, TextDataset)
from .tokenizers import BPETokenizer, CharTokenizer, Tokenizer, load_tokenizer

__all__ = ["corpora", "tokenizers", "Tokenizer", "CharTokenizer", "BPETokenizer",
           "load_tokenizer", "ArithmeticDataset", "ArithmeticMLMDataset",
           "ArithmeticCheckDataset", "ReverseDataset", "TextDataset"]
