"""BERT's text normalizer and pre-tokenizer (uncased), as Hugging Face's BertNormalizer and BertPreTokenizer:
clean control characters, map whitespace to spaces, space out CJK ideographs, strip accents, lowercase, then split
on whitespace and isolate every punctuation character."""
import unicodedata

# CJK Unified Ideographs blocks (and their extensions / compatibility forms) that BERT spaces out.
_CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
               (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def is_whitespace(c):
    """Space, tab, newline, carriage return or a Unicode space separator."""
    return c in " \t\n\r" or unicodedata.category(c) in ("Zs", "Zl", "Zp")


def is_control(c):
    """Unicode 'other' categories, except the tab and newlines that count as whitespace."""
    return c not in "\t\n\r" and unicodedata.category(c).startswith("C")


def is_punctuation(c):
    """ASCII non-alphanumeric printable characters (including $ + < = > ^ ` | ~) or Unicode punctuation."""
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def is_cjk(c):
    """True for a CJK ideograph that BERT treats as a word of its own."""
    cp = ord(c)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


class _CharTable(dict):
    """A str.translate table filled on first use of each character (so a text costs one C-level pass)."""

    def __init__(self, rule):
        super().__init__()
        self.rule = rule

    def __missing__(self, code):
        self[code] = out = self.rule(chr(code))
        return out


def _clean_and_space_cjk(clean_text, handle_chinese_chars):
    def rule(c):
        if clean_text and (c == "\0" or c == "\ufffd" or is_control(c)):
            return None
        if clean_text and is_whitespace(c):
            return " "
        return f" {c} " if handle_chinese_chars and is_cjk(c) else c
    return _CharTable(rule)


_TABLES = {}
_DROP_MARKS = _CharTable(lambda c: None if unicodedata.category(c) == "Mn" else c)


def normalize(text, lowercase=True, strip_accents=None, clean_text=True, handle_chinese_chars=True):
    """BertNormalizer: clean text, space out CJK, strip accents (NFD, drop Mn), lowercase; strip_accents=None
    follows lowercase, as in Hugging Face."""
    if strip_accents is None:
        strip_accents = lowercase
    key = (clean_text, handle_chinese_chars)
    if key not in _TABLES:
        _TABLES[key] = _clean_and_space_cjk(*key)
    text = text.translate(_TABLES[key])
    if strip_accents and not text.isascii():
        text = unicodedata.normalize("NFD", text).translate(_DROP_MARKS)
    return text.lower() if lowercase else text


def split_whitespace(text):
    """Whitespace-separated chunks (str.split's whitespace is BERT's: space separators, tabs, newlines)."""
    return text.split()


def split_punctuation(chunk):
    """A whitespace-free chunk cut so that every punctuation character stands alone."""
    words, current = [], []
    for c in chunk:
        if is_punctuation(c):
            if current:
                words.append("".join(current))
                current = []
            words.append(c)
        else:
            current.append(c)
    if current:
        words.append("".join(current))
    return words


def pre_tokenize(text):
    """BertPreTokenizer: words split on whitespace, each punctuation character a word of its own."""
    return [w for chunk in split_whitespace(text) for w in split_punctuation(chunk)]
