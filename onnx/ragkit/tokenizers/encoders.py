"""Python encoders for the project's two kinds of Hugging Face `tokenizer.json` (byte-level BPE as BART,
WordPiece as BERT/DPR). They give the same ids as Hugging Face's tokenizers (the tests compare with
@huggingface/tokenizers in Node), and cache each word's pieces so that training data tokenizes quickly."""
import json
import os

import regex

from . import bert_text, byte_level


class _Base:
    """What both kinds share: added (special) tokens split out first, the post-processor, truncation, lookups."""

    def __init__(self, spec):
        self.spec = spec
        self.vocab = dict(spec["model"]["vocab"])
        self.added = {t["content"]: t for t in spec.get("added_tokens") or []}
        for content, token in self.added.items():
            self.vocab.setdefault(content, token["id"])
        self.id_to_token_map = {i: t for t, i in self.vocab.items()}
        self.special_ids = {t["id"] for t in self.added.values() if t.get("special")}
        self._cache = {}
        patterns = []
        for content, token in sorted(self.added.items(), key=lambda kv: -len(kv[0])):
            # lstrip/rstrip: the token swallows the whitespace beside it (BART's <mask> takes the space before it)
            patterns.append((r"\s*" if token.get("lstrip") else "") + regex.escape(content)
                            + (r"\s*" if token.get("rstrip") else ""))
        self._added_re = regex.compile("|".join(f"({p})" for p in patterns)) if patterns else None
        self._added_by_group = [content for content, _ in sorted(self.added.items(), key=lambda kv: -len(kv[0]))]

    @property
    def vocab_size(self):
        """Number of ids (the largest id + 1), added tokens included."""
        return max(self.id_to_token_map) + 1

    def token_to_id(self, token):
        """The id of a token string, or None."""
        return self.vocab.get(token)

    def id_to_token(self, id_):
        """The token string of an id, or None."""
        return self.id_to_token_map.get(id_)

    def _split_added(self, text):
        """Yields (is_added, piece): added tokens matched in the raw text, and the plain text between them."""
        if self._added_re is None:
            yield False, text
            return
        start = 0
        for m in self._added_re.finditer(text):
            if m.start() > start:
                yield False, text[start:m.start()]
            yield True, self._added_by_group[m.lastindex - 1]
            start = m.end()
        if start < len(text):
            yield False, text[start:]

    def _encode_text(self, text):
        ids = []
        for is_added, piece in self._split_added(text):
            if is_added:
                ids.append(self.vocab[piece])
            else:
                for word in self._words(piece):
                    cached = self._cache.get(word)
                    if cached is None:
                        cached = self._cache[word] = self._encode_word(word)
                    ids.extend(cached)
        return ids

    def tokenize(self, text):
        """The tokens of text, without special tokens."""
        return [self.id_to_token_map[i] for i in self._encode_text(text)]

    def encode_plus(self, text, pair=None, add_special_tokens=True, max_length=None):
        """{"input_ids", "token_type_ids", "attention_mask"} of text (and pair)."""
        a = self._encode_text(text)
        b = self._encode_text(pair) if pair is not None else None
        if max_length is not None:
            budget = max_length - (self._n_specials(b is not None) if add_special_tokens else 0)
            assert budget >= 0, f"max_length {max_length} leaves no room for the content"
            while len(a) + (len(b) if b else 0) > budget:
                if b and len(b) > len(a):
                    b.pop()
                else:
                    a.pop()
        if add_special_tokens:
            ids, types = self._post_process(a, b)
        else:
            ids = a + (b or [])
            types = [0] * len(a) + [1] * len(b or [])
        return {"input_ids": ids, "token_type_ids": types, "attention_mask": [1] * len(ids)}

    def decode(self, ids, skip_special_tokens=True):
        """Text of ids; special tokens dropped unless skip_special_tokens is false."""
        tokens = [self.id_to_token_map[int(i)] for i in ids
                  if not (skip_special_tokens and int(i) in self.special_ids)]
        return self._decode_tokens(tokens)


class ByteLevelBPETokenizer(_Base):
    """BART / RoBERTa byte-level BPE: GPT-2 pre-tokenization, merges by rank, `<s> A </s></s> B </s>`."""

    def __init__(self, spec):
        super().__init__(spec)
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in spec["model"]["merges"]]
        self.ranks = {pair: i for i, pair in enumerate(merges)}
        post = spec.get("post_processor") or {}
        assert post.get("type") == "RobertaProcessing", f"expected RobertaProcessing, got {post.get('type')}"
        self.cls_id, self.sep_id = post["cls"][1], post["sep"][1]

    def encode(self, text, pair=None, add_special_tokens=True, max_length=None):
        """Token ids of text (and pair) with `<s> ... </s>`; max_length truncates the content (the longer
        sequence first) so that the whole fits, keeping the special tokens."""
        return self.encode_plus(text, pair, add_special_tokens, max_length)["input_ids"]

    def _words(self, text):
        # raw pieces are the cache keys, so a repeated word skips its byte mapping too
        return byte_level.GPT2_PATTERN.findall(text)

    def _encode_word(self, piece):
        symbols = list(byte_level.to_symbols(piece))
        while len(symbols) > 1:
            ranked = [(self.ranks[pair], pair) for pair in zip(symbols, symbols[1:]) if pair in self.ranks]
            if not ranked:
                break
            a, b = min(ranked)[1]
            merged, i = [], 0
            while i < len(symbols):  # every occurrence of the best pair, left to right
                if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
                    merged.append(a + b)
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        return [self.vocab[s] for s in symbols]

    def _n_specials(self, is_pair):
        return 4 if is_pair else 2

    def _post_process(self, a, b):
        ids = [self.cls_id] + a + [self.sep_id]
        types = [0] * len(ids)
        if b is not None:
            ids += [self.sep_id] + b + [self.sep_id]
            types += [1] * (len(b) + 2)  # as Hugging Face marks the second segment; BART itself ignores them
        return ids, types

    def _decode_tokens(self, tokens):
        table = byte_level.unicode_to_bytes()
        out = bytearray()
        for c in "".join(tokens):
            if c in table:
                out.append(table[c])
            else:
                out.extend(c.encode("utf-8"))
        return out.decode("utf-8", errors="replace")


class WordPieceTokenizer(_Base):
    """BERT WordPiece: BertNormalizer, BertPreTokenizer, greedy longest-match pieces with `##` continuations."""

    def __init__(self, spec):
        super().__init__(spec)
        model = spec["model"]
        self.unk_id = self.vocab[model["unk_token"]]
        self.prefix = model.get("continuing_subword_prefix", "##")
        self.max_chars = model.get("max_input_chars_per_word", 100)
        norm = spec.get("normalizer") or {}
        self.norm = {k: norm.get(k, d) for k, d in (("lowercase", True), ("strip_accents", None),
                                                    ("clean_text", True), ("handle_chinese_chars", True))}
        self.template = spec["post_processor"]
        assert self.template.get("type") == "TemplateProcessing", "expected a TemplateProcessing post-processor"

    def encode(self, text, pair=None, add_special_tokens=True, max_length=None):
        """{"ids", "type_ids"} of text (and pair) with `[CLS] A [SEP] (B [SEP])`; the type ids are what a DPR
        encoder needs besides the ids. max_length truncates as in encode_plus."""
        enc = self.encode_plus(text, pair, add_special_tokens, max_length)
        return {"ids": enc["input_ids"], "type_ids": enc["token_type_ids"]}

    def _words(self, text):
        # whitespace chunks are cached whole (punctuation split included): words repeat, texts rarely do
        return bert_text.split_whitespace(bert_text.normalize(text, **self.norm))

    def _encode_word(self, chunk):
        return [i for word in bert_text.split_punctuation(chunk) for i in self._word_pieces(word)]

    def _word_pieces(self, word):
        if len(word) > self.max_chars:
            return [self.unk_id]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                if piece in self.vocab:
                    pieces.append(self.vocab[piece])
                    break
                end -= 1
            if end == start:
                return [self.unk_id]  # one unmatchable character makes the whole word unknown
            start = end
        return pieces

    def _n_specials(self, is_pair):
        return sum(1 for item in self.template["pair" if is_pair else "single"] if "SpecialToken" in item)

    def _post_process(self, a, b):
        ids, types = [], []
        for item in self.template["single" if b is None else "pair"]:
            if "SpecialToken" in item:
                special = self.template["special_tokens"][item["SpecialToken"]["id"]]
                ids += special["ids"]
                types += [item["SpecialToken"]["type_id"]] * len(special["ids"])
            else:
                seq = a if item["Sequence"]["id"] == "A" else b
                ids += seq
                types += [item["Sequence"]["type_id"]] * len(seq)
        return ids, types

    def _decode_tokens(self, tokens):
        text = ""
        for i, token in enumerate(tokens):
            if i > 0 and token.startswith(self.prefix):
                text += token[len(self.prefix):]
            else:
                text += (" " if i > 0 else "") + token
        for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                     (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
            text = text.replace(a, b)
        return text


def load_tokenizer(path):
    """Loads a tokenizer.json (or a folder holding one) as a ByteLevelBPETokenizer or a WordPieceTokenizer."""
    if os.path.isdir(path):
        path = os.path.join(path, "tokenizer.json")
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    kind = spec["model"]["type"]
    if kind == "BPE":
        return ByteLevelBPETokenizer(spec)
    if kind == "WordPiece":
        return WordPieceTokenizer(spec)
    raise ValueError(f"{path}: model type {kind!r} is neither BPE nor WordPiece")
