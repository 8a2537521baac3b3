"""Names that FOLDOC itself classifies, from the categories and headwords of its entries: people, companies and
programming languages. Pattern code asks the lexicon whether a capitalised span is a person or a language."""
import re

_NATURAL_LANGUAGES = {"English", "French", "German", "Spanish", "Japanese", "Chinese", "Russian", "Latin",
                      "Italian", "Dutch", "Swedish", "Finnish", "Greek", "Hebrew", "Esperanto", "Korean"}
_AFTER_LANGUAGE_NOUNS = {"model", "machine", "calculus", "theory", "architecture", "processor", "chip",
                         "algorithm", "protocol", "system", "standard", "compiler", "interpreter", "code",
                         "library", "style", "program", "programs", "shell", "syntax", "semantics", "notation"}


class Lexicon:
    """Names that FOLDOC itself classifies: people, companies, languages (titles of tagged entries)."""

    def __init__(self, docs):
        by_tag = {}
        for doc in docs:
            for tag in doc.get("tags", []):
                by_tag.setdefault(tag, set()).update([doc["title"], *doc.get("aliases", [])])
        self.people = by_tag.get("person", set())
        self.companies = by_tag.get("company", set()) | by_tag.get("business", set())
        self.non_people = {n for d in docs for n in [d["title"], *d.get("aliases", [])]} - self.people
        names = {t for t in by_tag.get("language", set())
                 if (len(t) > 1 or t == "C") and re.match(r"[A-Z]", t) and t not in _NATURAL_LANGUAGES}
        self.languages = sorted(names, key=len, reverse=True)

    def language_at(self, text, pos, head_noun=False):
        """The longest language name starting at `pos` and ending at a word boundary, or None. With `head_noun`
        the name modifies a following noun ("a Scheme interpreter"), which is otherwise refused ("Actor model")."""
        for name in self.languages:
            if text.startswith(name, pos):
                after = text[pos + len(name):]
                if re.match(r"[\w+#'\-]", after):
                    continue
                follow = re.match(r"\s*([a-z]+)", after)
                if follow and follow.group(1) in _AFTER_LANGUAGE_NOUNS and not head_noun:
                    return None
                if re.match(r"\s+(?:\d|[IVX]+\b|[A-Z])|\s+(?:assembly|assembler|machine)\b", after):
                    return None  # "Fortran 77", "Trilogy II", "ATLAS assembly language": the name goes on
                if re.match(r"(?:,?\s+(?:and|or)\s+|/|,\s+)[A-Z]", after):
                    return None  # "written in C and Tcl": a single-language answer would be partial
                return name
        return None
