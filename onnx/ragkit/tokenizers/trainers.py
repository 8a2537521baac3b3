"""Trainers of the project's own tokenizers: a byte-level BPE for the BART generator and an uncased WordPiece for
the DPR encoders, each saved in Hugging Face format into a folder."""
from collections import Counter

from . import bert_text, byte_level
from .merges import learn_merges
from .tokenizer_json import bpe_tokenizer_json, wordpiece_tokenizer_json, write_tokenizer

BPE_HEAD = ["<s>", "<pad>", "</s>", "<unk>"]  # BART's ids 0..3; <mask> takes the last id
WORDPIECE_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train_bpe(texts, vocab_size, out_dir, min_frequency=2, **config):
    """Trains a byte-level BPE of vocab_size tokens (specials and the 256 bytes included) on an iterable of strings
    and writes it into out_dir. Returns the tokenizer.json path."""
    alphabet = sorted(byte_level.bytes_to_unicode().values())
    n_new = vocab_size - len(BPE_HEAD) - len(alphabet) - 1
    assert n_new >= 0, f"vocab_size must be at least {len(BPE_HEAD) + len(alphabet) + 1}, got {vocab_size}"
    words = Counter()
    for text in texts:
        words.update(byte_level.pre_tokenize(text))
    merges, new_tokens = learn_merges({tuple(w): c for w, c in words.items()}, n_new, lambda a, b: a + b, min_frequency)
    tokens = BPE_HEAD + alphabet + new_tokens + ["<mask>"]
    vocab = {t: i for i, t in enumerate(tokens)}
    return write_tokenizer(out_dir, bpe_tokenizer_json(vocab, merges), "bpe", **config)


def _join_wordpiece(a, b):
    return a + (b[2:] if b.startswith("##") else b)


def train_wordpiece(texts, vocab_size, out_dir, min_frequency=2, limit_alphabet=1000, **config):
    """Trains an uncased BERT WordPiece (`##` continuations) of vocab_size tokens on an iterable of strings and
    writes it into out_dir. Characters beyond the limit_alphabet most frequent become [UNK]."""
    words = Counter()
    for text in texts:
        words.update(bert_text.pre_tokenize(bert_text.normalize(text)))
    chars = Counter()
    for word, count in words.items():
        for c in word:
            chars[c] += count
    kept = {c for c, _ in sorted(chars.items(), key=lambda kv: (-kv[1], kv[0]))[:limit_alphabet]}
    split = {}
    for word, count in words.items():
        if len(word) > 100 or any(c not in kept for c in word):
            continue  # encodes as [UNK] anyway
        symbols = (word[0],) + tuple("##" + c for c in word[1:])
        split[symbols] = split.get(symbols, 0) + count
    symbol_counts = Counter()
    for symbols, count in split.items():
        for s in symbols:
            symbol_counts[s] += count
    budget = vocab_size - len(WORDPIECE_SPECIALS)
    assert budget > 0, f"vocab_size must exceed the {len(WORDPIECE_SPECIALS)} special tokens, got {vocab_size}"
    if len(symbol_counts) > budget:  # a vocabulary smaller than the alphabet keeps the most frequent symbols
        kept = {s for s, _ in sorted(symbol_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:budget]}
        split = {symbols: c for symbols, c in split.items() if all(s in kept for s in symbols)}
        symbol_counts = {s: c for s, c in symbol_counts.items() if s in kept}
    alphabet = sorted(symbol_counts)
    n_new = budget - len(alphabet)
    _, new_tokens = learn_merges(split, n_new, _join_wordpiece, min_frequency)
    tokens = WORDPIECE_SPECIALS + alphabet + new_tokens
    vocab = {t: i for i, t in enumerate(tokens)}
    return write_tokenizer(out_dir, wordpiece_tokenizer_json(vocab), "wordpiece", **config)
