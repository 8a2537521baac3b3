"""`definition` examples over real passages: "What is {title}?" answered by the defining phrase that opens the
passage ("A complete, self-contained program that performs a specific function"), as dictionaries and glossaries
write it.

Why: asked "What is Emacs?", the reader answered a name from the passage ("MIT AI lab"): no training question asked
for a definition, so it answered what other questions ask for. The phrase is the first sentence's opening up to
the first clause break, after a leading bracket of synonyms or an acronym's expansion ("(EPL) A data service ...").
"""
import re

from ..data.text_spans import sentences

QUESTIONS = ["What is {x}?", "What is {x}?", "What is a {x}?", "What does the term {x} mean?", "Define {x}.",
             "What is meant by {x}?"]
_LEADING_BRACKET = re.compile(r"^\([^)]*\)\s*")
_BREAK = re.compile(r",|;|:| which | that | where | who | used | in which | \(")
MIN_WORDS, MAX_WORDS = 2, 12
_DANGLING = {"and", "or", "of", "the", "a", "an", "by", "to", "for", "with", "in", "on", "at"}


def defining_phrase(text):
    """The opening phrase of `text`'s first sentence up to its first clause break, or None when it is not a short
    noun phrase (2-12 words, starting with an article or a lower-case word)."""
    spans = sentences(text)
    if not spans:
        return None
    first = _LEADING_BRACKET.sub("", text[spans[0][0]:spans[0][1]]).rstrip(".")
    phrase = _BREAK.split(first, maxsplit=1)[0].strip()
    words = phrase.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS or words[-1] in _DANGLING or not (words[0] in ("A", "An", "The") or words[0][0].islower()):
        return None
    return phrase


def definition_example(passage, rng):
    """{title, text, question, answer} asking what the passage's entry is, or None without a defining phrase."""
    phrase = defining_phrase(passage["text"])
    if phrase is None or phrase not in passage["text"]:
        return None
    question = rng.choice(QUESTIONS).format(x=passage["title"])
    if rng.random() < 0.5 and question.startswith("What is a "):
        question = question.replace("What is a ", "What is ", 1)
    return dict(title=passage["title"], text=passage["text"], question=question, answer=phrase)
