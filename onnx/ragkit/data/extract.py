"""Which sentences of an entry speak about it, and the facts read from them (ragkit.data.facts for who, when,
where, company and language; ragkit.data.acronyms for expansions)."""
import re

from ragkit.data.acronyms import acronym_facts, looks_like_acronym
from ragkit.data.facts import (WHEN_VERBS, by_facts, definition_facts, language_facts, language_kind_facts,
                               when_facts, where_facts)
from ragkit.data.text_spans import NOT_NAME_WORDS, expands, sentences

_DEFINITION = re.compile(r"^(?:1\.\s+)?(?:\([^()]*\)\s*)*(?:A|An|The|One of the)\s")
_PARTICIPLE_OPENERS = re.compile(r"^(?:Originally |Initially |First |Jointly |Mainly |Largely )?(?:%s|Made|"
                                 r"Manufactured|Produced|Released|Published|Marketed|Introduced)\b" % "|".join(
                                     v.capitalize() for v in WHEN_VERBS.split("|")))
_NAMED_SUBJECT = re.compile(r"^([A-Z][\w+#/.-]*(?:\s+[A-Z0-9][\w+#/.-]*){0,3})\s+(?:was|is|were|are)\s+"
                            r"(?:\w+ly\s+)?(?:%s|written|implemented|made|manufactured|produced|sold)\b" % WHEN_VERBS)


def _about_entry(sentence, index, title):
    """True when the sentence speaks of the entry itself."""
    if index == 0:
        return True
    low = sentence.lower()
    if low.startswith(title.lower()) and re.match(r"(?:'s)?\s+(?:\([^()]*\)\s+)?[a-z]", sentence[len(title):]):
        return True  # "Perl was ...", not "Sather 0.2 was ..." (a version) or "C News" (another thing)
    if index <= 3 and re.match(r"^(?:It|Its)\b", sentence):
        return True
    return bool(_PARTICIPLE_OPENERS.match(sentence))


def doc_facts(doc, lexicon):
    """Returns the facts of one document: dicts {family, relation, subject, start, end} over doc["text"]."""
    text, title = doc["text"], doc["title"]
    limit = len(text)
    if re.match(r"^1\.\s", text):
        second = re.search(r"(?<=[.!?)\"]) 2\.\s", text)
        limit = second.start() if second else limit  # several senses: read only the first, the title's main one
    spans = [(s0, s1) for s0, s1 in sentences(text) if s1 <= limit]
    definition = next((i for i, (s0, s1) in enumerate(spans[:3]) if _DEFINITION.match(text[s0:s1])), 0)
    opening = re.match(r"(?:1\.\s+)?\(([A-Z][\w/+-]{1,10})\)", text)
    alias = opening.group(1) if opening and looks_like_acronym(opening.group(1)) and expands(opening.group(1), title) \
        else None
    facts = []
    for index, (s0, s1) in enumerate(spans):
        # A title with several senses has several expansions ("ACE"): asking for one of them would mislead.
        found = acronym_facts(text, s0, s1, index if limit == len(text) else -1, title)
        if index == definition or (index > definition and _about_entry(text[s0:s1], index, title)):
            tags, is_def = doc.get("tags", []), index == definition
            if "person" not in tags:  # a person's entry is not "developed" or "written in" anything
                found += by_facts(text, s0, s1, title, lexicon, tags, is_def)
                found += when_facts(text, s0, s1, title, is_def)
                found += where_facts(text, s0, s1, title, lexicon, is_def)
                found += language_facts(text, s0, s1, title, lexicon, tags, is_def)
                if is_def:
                    found += definition_facts(text, s0, s1, title, lexicon, tags)
                    if not any(f["family"] == "language" for f in found):
                        found += language_kind_facts(text, s0, s1, title, lexicon, tags)
        elif index > definition:
            found += _named_subject_facts(text, s0, s1, lexicon)
        for fact in found:
            fact["sentence"] = (s0, s1)  # the evidence: questions keep only facts whose sentence fits a passage
            if alias and fact["subject"] == title and fact["family"] != "acronym":
                fact["alias"] = alias  # "Who developed SNOBOL?" reads better than the expanded title
            if fact["family"] == "acronym" and fact["subject"] not in (title, alias):
                # An acronym met in passing ("TE" in Network Termination) means other things in other entries:
                # the question names the entry it comes from, or it has no single answer.
                fact["context"] = title
        facts += found
    return facts


def _named_subject_facts(text, s0, s1, lexicon):
    """Facts about another named thing in a sentence of its own: "LZW was designed by Terry Welch in 1984."."""
    m = _NAMED_SUBJECT.match(text[s0:s1])
    if not m or m.group(1).split()[0] in NOT_NAME_WORDS or m.group(1).endswith("."):
        return []
    subject = m.group(1)
    return (by_facts(text, s0, s1, subject, lexicon, [], False) + when_facts(text, s0, s1, subject, False)
            + where_facts(text, s0, s1, subject, lexicon, False)
            + language_facts(text, s0, s1, subject, lexicon, [], False))
