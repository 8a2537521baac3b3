"""Answer disguise: the answer's words become invented words everywhere in the passage, and in the target.

Measured before this (index-data/unseen, invented documents, gold passage given, greedy): 5% exact match. The
generator answered from memory of FOLDOC ("Zilog", "Perl", a made-up year) or garbled unfamiliar names
("Pebblebleble"): FOLDOC's people and companies recur across entries, so it could learn them instead of copying.
With the names invented afresh for every example, copying from the passage is the only way to the answer.

A word keeps its first letter and capitalisation (an acronym's expansion still fits its initials), and a year
stays a plausible year. Generic words of names ("University of", "Labs", "Inc.") and short words stay as they are.
"""
import re

_KEEP = {"of", "for", "and", "the", "de", "van", "von", "der", "da", "di", "le", "la", "at", "in", "on", "&",
         "University", "Institute", "Laboratory", "Laboratories", "Labs", "Lab", "Inc", "Corporation", "Corp", "Ltd",
         "Company", "College", "Research", "Center", "Centre", "School", "Department", "Group", "Project"}
_VOWELS, _CONSONANTS = "aeiouy", "bcdfghjklmnprstvwz"


def invented_word(word, rng):
    """A pronounceable invented word with `word`'s first letter, length (roughly) and capitalisation."""
    if re.fullmatch(r"(?:1[89]|20)\d\d", word):
        return str(rng.randint(1950, 2029))
    if word.isdigit():
        return str(rng.randint(10 ** (len(word) - 1), 10 ** len(word) - 1))
    first, n = word[0].lower(), max(3, min(12, len(word) + rng.randint(-2, 2)))
    vowel = first not in _VOWELS
    out = first
    while len(out) < n:
        out += rng.choice(_VOWELS if vowel else _CONSONANTS)
        vowel = not vowel
    if word.isupper() and len(word) > 1:
        return out.upper()
    return out.capitalize() if word[0].isupper() else out


def disguise(texts, answer, rng):
    """(texts with the answer's words replaced everywhere, the disguised answer), or None when the answer has no
    word worth disguising. The same word gets the same invented word in every text."""
    mapping = {}
    for word in re.findall(r"[A-Za-z0-9][\w'-]*", answer):
        if word not in _KEEP and len(word) > 1 and word not in mapping:
            mapping[word] = invented_word(word, rng)
    if not mapping:
        return None
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in sorted(mapping, key=len, reverse=True))
                         + r")(?![\w-])")
    swap = lambda text: pattern.sub(lambda m: mapping[m.group(1)], text)  # noqa: E731
    return [swap(t) for t in texts], swap(answer)
