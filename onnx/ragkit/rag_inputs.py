"""How RAG joins a retrieved passage and the question into one generator input (the paper's and Hugging Face's
`RagRetriever.postprocess_docs`): `title + title_sep + text + doc_sep + question`, runs of spaces collapsed.
The TypeScript engine builds the same string (src/generator/context-input.ts)."""
import re

import regex

TITLE_SEP = " / "
DOC_SEP = " // "


def join_context(title, text, question, title_sep=TITLE_SEP, doc_sep=DOC_SEP):
    """The generator's input text for one passage; the caller tokenizes and truncates it."""
    if title.startswith('"'):
        title = title[1:]
    if title.endswith('"'):
        title = title[:-1]
    joined = title + title_sep + text + doc_sep + question
    return re.sub(r" +", " ", joined).strip()


# The reader window (a bundle's `tasks.<task>.window_words`), as src/generator/reader-window.ts chooses it: the
# generator reads the window of a passage that holds the most of the question's words.
_STOPWORDS = frozenset(
    ("a an and are as at be been by did do does for from had has have he her his how in into is it its last many much "
     "name of on or she than that the their them they this to was were what when where which who whom whose why "
     "with year years").split())
_STEM = 5  # two words of at least this many letters that begin alike count as one ("launched", "launch")


def _content_terms(text):
    return [w for w in regex.findall(r"[\p{L}\p{N}]+", text.lower()) if len(w) > 1 and w not in _STOPWORDS]


def _same_term(a, b):
    return a == b or (len(a) >= _STEM and len(b) >= _STEM and a[:_STEM] == b[:_STEM])


def reader_window(text, question, size):
    """The window of `size` whitespace-separated words of `text` holding the most distinct terms of `question`, of
    equals the one whose question words stand nearest a third of the way in, then the earliest; `text` itself when
    it is no longer."""
    words = text.split()
    if len(words) <= size:
        return text
    question_terms = list(dict.fromkeys(_content_terms(question)))
    matches = [[i for i, q in enumerate(question_terms) if any(_same_term(q, w) for w in _content_terms(word))]
               for word in words]
    best = (0, -1, 0.0)  # start, terms covered, distance of the matched words' mean position from a third
    for start in range(len(words) - size + 1):
        held = [(i, m) for i, m in enumerate(matches[start:start + size]) if m]
        covered = len({q for _, m in held for q in m})
        off = abs(sum(i for i, _ in held) / len(held) - size / 3) if held else 0.0
        if covered > best[1] or (covered == best[1] and off < best[2]):
            best = (start, covered, off)
    return " ".join(words[best[0]:best[0] + size])


def windowed(passages, question, size):
    """`passages` (dicts with `text`) as a bundle with `window_words` = `size` has its generator read them; None:
    whole."""
    return passages if not size else [dict(p, text=reader_window(p["text"], question, size)) for p in passages]
