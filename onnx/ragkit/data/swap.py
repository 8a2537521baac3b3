"""A second version of a few held-out documents, with facts edited consistently, for the index hot-swap experiment.

Version A is the documents as they are; version B replaces, everywhere in each document, the answers of its
who / when / where / company / language facts by another value of the same kind (another person's name from the
corpus, the year shifted by a few years, another institution, company or language). A person's surname alone is
replaced too, so "Ritchie's" follows "Dennis Ritchie". Questions come with the answer of each version.
"""
import random
import re

from ragkit.data.questions import phrase
from ragkit.data.passages import split_document

EDITABLE = ("who", "when", "where", "company", "language")


def _replace_word(text, old, new):
    # Not inside a longer name: "Microsoft Windows" stays when "Microsoft" becomes another company.
    return re.sub(r"(?<![\w])%s(?![\w]|\s+[A-Z][a-z])" % re.escape(old), new, text)


def _new_value(fact, pools, rng, text):
    if fact["family"] == "when":
        year = int(fact["answer"])
        shifts = [d for d in range(-12, 13) if abs(d) >= 3 and 1940 <= year + d <= 2022 and str(year + d) not in text]
        return str(year + rng.choice(shifts)) if shifts else None
    old = fact["answer"].lower()
    candidates = [v for v in pools[fact["family"]]
                  if old not in v.lower() and v.lower() not in old and v not in text]  # not "Motorola, Inc."
    return rng.choice(candidates) if candidates else None


def edit_document(doc, facts, pools, rng):
    """Returns (edited doc, {old answer: new answer}) or None when no fact could be edited."""
    text, mapping = doc["text"], {}
    for fact in facts:
        if fact["family"] not in EDITABLE or fact["answer"] in mapping:
            continue
        new = _new_value(fact, pools, rng, text)
        if new is None or any(new in v or v in new for v in mapping.values()):
            continue
        mapping[fact["answer"]] = new
    if not mapping:
        return None
    for old, new in mapping.items():
        text = _replace_word(text, old, new)
    for old, new in mapping.items():
        old_parts, new_parts = old.split(), new.split()
        if len(old_parts) >= 2 and len(new_parts) >= 2 and " and " not in old and len(old_parts[-1]) > 2:
            text = _replace_word(text, old_parts[-1], new_parts[-1])
    return dict(doc, text=text), mapping


def make_swap(docs_by_id, facts_by_doc, split_of, seed, count=50):
    """Returns (swap_a docs, swap_b docs, questions) for up to `count` held-out documents with editable facts:
    test documents first and, when the test split has too few, dev documents (never a training document).
    Each question is {"id", "question", "answer_a", "answer_b", "doc_id", "passage_id", "family", "split"}."""
    rng = random.Random(seed)
    pools = {family: sorted({f["answer"] for facts in facts_by_doc.values() for f in facts if f["family"] == family})
             for family in EDITABLE}
    candidates = []
    for split in ("test", "dev"):
        ids = sorted(d for d, s in split_of.items()
                     if s == split and any(f["family"] in EDITABLE for f in facts_by_doc.get(d, [])))
        rng.shuffle(ids)
        candidates += ids
    version_a, version_b, questions = [], [], []
    for doc_id in candidates:
        if len(version_a) >= count:
            break
        doc, facts = docs_by_id[doc_id], facts_by_doc[doc_id]
        got = edit_document(doc, facts, pools, rng)
        if got is None:
            continue
        edited, mapping = got
        passages_a = {p["id"]: p["text"] for p in split_document(doc)}
        passages_b = {p["id"]: p["text"] for p in split_document(edited)}
        if passages_a.keys() != passages_b.keys():
            continue  # a replacement changed the word count across a passage boundary: ids would not line up
        items = []
        for k, fact in enumerate(facts):
            if fact["answer"] not in mapping:
                continue
            passage_id = f"{doc_id}-p{fact['passage']}"
            answer_b = mapping[fact["answer"]]
            if fact["answer"] not in passages_a[passage_id] or answer_b not in passages_b[passage_id]:
                continue
            items.append({"id": f"{doc_id}-s{k}", "question": phrase(fact, rng)[0], "answer_a": fact["answer"],
                          "answer_b": answer_b, "doc_id": doc_id, "passage_id": passage_id,
                          "family": fact["family"], "split": split_of[doc_id]})
        if items:
            version_a.append({k: doc[k] for k in ("id", "title", "text")})
            version_b.append({k: edited[k] for k in ("id", "title", "text")})
            questions += items
    return version_a, version_b, questions
