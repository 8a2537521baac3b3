"""Question/answer items from passages: facts found in the prose (ragkit.data.facts) phrased with many templates
(ragkit.data.templates). Each item is {"id", "question", "answers", "doc_id", "passage_id", "family"}; the answer
is a span copied from the passage, and a fact is kept only when its whole evidence sentence lies in one passage.
"""
import bisect
import random
import re

from ragkit.data import templates as T
from ragkit.data.extract import doc_facts
from ragkit.data.lexicon import Lexicon
from ragkit.data.passages import PASSAGE_WORDS

FAMILIES = ("who", "when", "where", "acronym", "language", "company")


def _templates(fact):
    family, relation = fact["family"], fact["relation"]
    if family == "who":
        return T.WHO_COINED if relation == "coined" else T.WHO
    if family == "language":
        if relation == "implements":
            return T.LANGUAGE_IMPLEMENTS
        return T.LANGUAGE_WRITTEN if relation in ("written", "implemented") else T.LANGUAGE_BASED
    if family == "acronym":
        return T.ACRONYM_IN if fact.get("context") else T.ACRONYM
    return {"when": T.WHEN, "where": T.WHERE, "company": T.COMPANY}[family]


def phrase(fact, rng, count=1):
    """Returns `count` distinct questions for a fact, templates drawn with `rng`; the subject is the title or,
    at random, its acronym ("SNOBOL" for "String Oriented Symbolic Language") when the entry gives one. An acronym
    found inside another entry is asked about within it ("What does NBP stand for in Columbia AppleTalk Package?")."""
    options = _templates(fact)
    picks = rng.sample(range(len(options)), min(count, len(options)))
    out = []
    for i in picks:
        subject = rng.choice([fact["subject"], fact["alias"]]) if fact.get("alias") else fact["subject"]
        if fact["family"] == "language" and fact["relation"] not in ("written", "implemented"):
            out.append(T.fill(options[i], subject, "", rel=fact["relation"]))
        else:
            out.append(T.fill(options[i], subject, fact["relation"], c=fact.get("context", "")))
    return out


def locate(doc, fact, max_words=PASSAGE_WORDS):
    """Returns the passage number holding the fact's evidence sentence, or None when it straddles two."""
    starts = [m.start() for m in re.finditer(r"\S+", doc["text"])]
    s0, s1 = fact["sentence"]
    first = bisect.bisect_right(starts, s0) - 1
    last = bisect.bisect_right(starts, s1 - 1) - 1
    return first // max_words if first // max_words == last // max_words else None


def corpus_facts(docs, max_words=PASSAGE_WORDS):
    """Returns {doc_id: [fact, ...]} with the answer text and passage number attached, duplicates dropped."""
    lexicon = Lexicon(docs)
    out = {}
    for doc in docs:
        seen, kept = set(), []
        for fact in doc_facts(doc, lexicon):
            answer = doc["text"][fact["start"]:fact["end"]]
            key = (fact["family"], fact["subject"].lower(), answer.lower())
            n = locate(doc, fact, max_words)
            if key in seen or n is None:
                continue
            seen.add(key)
            kept.append(dict(fact, answer=answer, passage=n))
        if kept:
            out[doc["id"]] = kept
    return out


def make_items(doc_id, facts, passages_by_id, seed, phrasings=1, per_family=None):
    """Phrases one document's facts into items; `phrasings` questions per fact (distinct templates), or
    per_family[family] for the families it names."""
    rng = random.Random(f"{seed}:{doc_id}")  # string seeds are hashed deterministically (sha512)
    items = []
    for k, fact in enumerate(facts):
        passage_id = f"{doc_id}-p{fact['passage']}"
        assert fact["answer"] in passages_by_id[passage_id]["text"], f"answer not in {passage_id}: {fact['answer']!r}"
        count = (per_family or {}).get(fact["family"], phrasings)
        for j, question in enumerate(phrase(fact, rng, count)):
            items.append({"id": f"{doc_id}-q{k}-{j}", "question": question, "answers": [fact["answer"]],
                          "doc_id": doc_id, "passage_id": passage_id, "family": fact["family"]})
    return items
