"""GPT-2 / RoBERTa / BART byte-level text handling: the pre-tokenization regex and the reversible map from
bytes to printable unicode characters, so that every string is covered by a 256-symbol alphabet (no <unk>)."""
import functools

import regex

# The GPT-2 pattern that Hugging Face's ByteLevel pre-tokenizer uses (use_regex=true): contractions, an optional
# space glued to the following letters / digits / other symbols, and whitespace runs that leave their last space to
# the next word.
GPT2_PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


@functools.lru_cache(maxsize=None)
def bytes_to_unicode():
    """Byte value -> unicode character: printable Latin-1 bytes map to themselves, the rest to U+0100 onwards."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    mapping, shifted = {}, 0
    for b in range(256):
        if b in keep:
            mapping[b] = chr(b)
        else:
            mapping[b] = chr(256 + shifted)
            shifted += 1
    return mapping


@functools.lru_cache(maxsize=None)
def unicode_to_bytes():
    """The inverse of bytes_to_unicode."""
    return {c: b for b, c in bytes_to_unicode().items()}


def to_symbols(piece):
    """A piece's UTF-8 bytes in the byte alphabet."""
    table = bytes_to_unicode()
    return "".join(table[b] for b in piece.encode("utf-8"))


def pre_tokenize(text):
    """Splits text as the ByteLevel pre-tokenizer does (add_prefix_space=false) and maps each piece's UTF-8
    bytes to the byte alphabet."""
    return [to_symbols(piece) for piece in GPT2_PATTERN.findall(text)]


def decode_symbols(symbols):
    """Joins byte-alphabet symbols back into text; invalid UTF-8 (a split multi-byte character) becomes U+FFFD."""
    table = unicode_to_bytes()
    return bytes(table[c] for c in "".join(symbols)).decode("utf-8", errors="replace")
