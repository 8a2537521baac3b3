"""Acronym facts: an acronym title expanded by its definition ("CTSS" -> "Compatible Time-Sharing System."),
an expansion in the definition's opening parentheses ("Fortran": "(Formula Translation)"), and expansions in
running text, "Plain Old Documentation (POD)" or "POD (Plain Old Documentation)". Every expansion must spell
the acronym by its initials (ragkit.data.text_spans.expands)."""
import re

from ragkit.data.text_spans import expands


def acronym_facts(text, s0, s1, index, title):
    """Acronym expansions: a title expanded by the definition, "Plain Old Documentation (POD)", "POD (Plain...)"."""
    out, sentence = [], text[s0:s1]
    if index == 0 and re.match(r"\(([^()]{3,80})\)", sentence) and re.fullmatch(r"[A-Za-z][\w+-]{1,9}", title):
        inner = re.match(r"\(([^()]{3,80})\)", sentence).group(1)  # "Fortran": "(Formula Translation) The first"
        if not re.search(r"[,;:\"]", inner) and not inner.lower().startswith(("or ", "from ", "named ", "after ")) \
                and expands(title, inner):
            out.append({"family": "acronym", "relation": "", "subject": title, "start": s0 + 1, "end": s0 + 1 + len(inner)})
    if index == 0 and looks_like_acronym(title):
        body = re.sub(r"^(?:1\.\s+)?(?:Acronym for|Abbreviation for|Short for)?\s*(?:The\s+)?", "", sentence).rstrip(".")
        if body and len(body.split()) <= len(title) + 3 and expands(title, body):
            start = s0 + sentence.index(body)
            out.append({"family": "acronym", "relation": "", "subject": title, "start": start, "end": start + len(body)})
    for m in re.finditer(r"\(([A-Z][A-Za-z0-9&]*)\)", sentence):
        acronym = m.group(1)
        if not looks_like_acronym(acronym):
            continue
        words = list(re.finditer(r"[^\s()]+", sentence[:m.start()]))
        for k in range(1, min(len(words), len(acronym) + 3) + 1):
            first = words[-k]
            if first.group(0).lower() in ("of", "and", "the", "for", "a", "an", "in", "on", "to"):
                continue
            span = sentence[first.start():words[-1].end()]
            if re.search(r"[,;:\"]", span):
                break
            if expands(acronym, span):
                out.append({"family": "acronym", "relation": "", "subject": acronym,
                            "start": s0 + first.start(), "end": s0 + words[-1].end()})
                break
    for m in re.finditer(r"\b([A-Z][A-Za-z0-9&]*[A-Z0-9])\s+\(([^()]{3,90})\)", sentence):
        acronym, inner = m.group(1), m.group(2).strip()
        if looks_like_acronym(acronym) and not re.search(r"[,;:\"]", inner) and expands(acronym, inner):
            start = s0 + m.start(2) + m.group(2).index(inner)
            out.append({"family": "acronym", "relation": "", "subject": acronym, "start": start, "end": start + len(inner)})
    return out


def looks_like_acronym(word):
    """Two or more capitals, mostly capitals ("CTSS", "SOAR", "HyperTalk" is not)."""
    letters = [c for c in word if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return 2 <= len(word) <= 10 and upper >= 2 and upper >= 0.6 * len(letters)
