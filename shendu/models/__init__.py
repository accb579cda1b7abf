"""Language models (语言模型) on the Transformer: ``GPT`` (decoder-only, causal), ``BERT``
(encoder, masked language modelling and fine-tuning), ``Seq2SeqTransformer`` (encoder–decoder
with cross-attention), and the decoding strategies they share (``generation``)."""

from . import generation
from .bert import BERT, BERTForMaskedLM, BERTForSequenceClassification, mask_tokens
from .generation import KVCache, beam_search, decode, generate
from .gpt import GPT
from .seq2seq import Seq2SeqTransformer

__all__ = ["generation", "KVCache", "beam_search", "decode", "generate", "GPT", "BERT",
           "BERTForMaskedLM", "BERTForSequenceClassification", "mask_tokens",
           "Seq2SeqTransformer"]
