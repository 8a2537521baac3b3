"""Jeopardy pairs: the answer is an entry's title, the clue its defining sentence with the title taken out.

"A programming language designed by Dennis Ritchie ..." (entry "C") -> "This programming language designed by
Dennis Ritchie ...", and "Zilog is a company ..." -> "This company is a company ...". Clues that still name the
answer (the title, one of its longer words, or an alias given in the entry's opening parentheses) are skipped.
"""
import re

from ragkit.data.passages import PASSAGE_WORDS
from ragkit.data.text_spans import sentences

MIN_WORDS, MAX_WORDS = 6, 60  # shorter clues say too little, longer ones are passages, not clues
# FOLDOC category -> the noun for "This <noun> ..." when the definition opens with the title itself.
CATEGORY_WORDS = [
    ("person", "person"), ("company", "company"), ("language", "language"), ("operating system", "operating system"),
    ("protocol", "protocol"), ("processor", "processor"), ("file format", "file format"), ("algorithm", "algorithm"),
    ("standard", "standard"), ("database", "database"), ("tool", "tool"), ("computer", "computer"),
    ("hardware", "device"), ("publication", "publication"), ("organisation", "organisation"),
]
_STOP = {"the", "and", "for", "with", "from", "language", "system", "program", "computer", "of", "a", "an", "in", "on",
         "to", "data", "file", "code", "network", "machine", "set", "time", "type", "user", "mode", "line", "test"}


def category_word(tags):
    """The noun used for "This <noun>", from the entry's first known category (default "term")."""
    for tag, word in CATEGORY_WORDS:
        if tag in tags:
            return word
    return "term"


def _aliases(head):
    """Names an entry gives itself in its opening parentheses: "(HFC)", '(Or "UNIX", ...)'."""
    names = re.findall(r'"([^"]{2,40})"', head)
    names += re.findall(r"\(([A-Z][A-Za-z0-9&/+-]{1,15})\)", head)
    return names


def leaks(clue, title, aliases=()):
    """True when the clue still reveals the answer: the title, an alias, or a longer word of the title (or its
    stem, which catches "Unices" for "Unix")."""
    low = clue.lower()
    for name in [title, *aliases]:
        if re.search(r"(?<![\w])%s(?![\w])" % re.escape(name.lower()), low):
            return True
    for word in re.findall(r"[a-z0-9]+", title.lower()):
        if len(word) >= 4 and word not in _STOP and word[:-1] in low:
            return True
    return False


def make_clue(doc):
    """Returns (clue, start, end) for a document's defining sentence, or None when no clean clue exists.
    `start`/`end` are the character offsets of the source sentence in the document text."""
    text, title = doc["text"], doc["title"]
    spans = sentences(text)
    if not spans:
        return None
    start, end = spans[0]
    sentence = text[start:end]
    sentence = re.sub(r"^1\.\s+", "", sentence)
    head = ""
    while True:  # opening parentheses hold aliases and etymology: "(HFC)", '(Or "UNIX")'
        m = re.match(r"^\([^()]*(?:\([^()]*\)[^()]*)*\)\.?\s*", sentence)
        if not m:
            break
        head += m.group(0)
        sentence = sentence[m.end():]
    aliases = _aliases(head)
    noun = category_word(doc.get("tags", []))
    m = re.match(r"^(?:A|An|The)\s+(?=[a-z0-9])", sentence)
    if m:
        clue = "This " + sentence[m.end():]
    elif re.match(r"^One of the\s", sentence):
        clue = "This is o" + sentence[1:]
    else:
        opening = re.match(r"^%s(?:\s+\([^()]*\))?\s+(?=(?:is|was|are|were)\s)" % re.escape(title), sentence, re.I)
        if not opening:
            return None
        clue = f"This {noun} " + sentence[opening.end():]
    clue = clue.strip()  # the title elsewhere in the clue ("the Mozilla Foundation") is a leak, not a rewrite
    if not clue.endswith((".", "?", "!")):
        clue += "."
    if not MIN_WORDS <= len(clue.split()) <= MAX_WORDS or leaks(clue, title, aliases):
        return None
    return clue, start, end


def make_pairs(docs):
    """Returns one Jeopardy pair {"id", "answer", "clue", "doc_id", "passage_id"} per document with a clean clue;
    the source sentence must sit in the document's first passage."""
    pairs = []
    for doc in docs:
        got = make_clue(doc)
        if got is None or len(doc["text"][:got[2]].split()) > PASSAGE_WORDS:
            continue
        pairs.append({"id": f"{doc['id']}-j0", "answer": doc["title"], "clue": got[0], "doc_id": doc["id"],
                      "passage_id": f"{doc['id']}-p0"})
    return pairs
