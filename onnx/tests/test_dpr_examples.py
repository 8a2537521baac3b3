"""DPR training pairs: every kind gives a query, its positive passage and a hard negative from another document."""
import random

from ragkit.train.dpr_examples import DprExampleMaker, is_acronym

PASSAGES = [
    {"id": "a-p0", "doc_id": "a", "title": "Fetch", "text": "A Macintosh program for moving files with File Transfer "
     "Protocol (FTP). It was written at Dartmouth. Fetch needs System 4.1 or later to run."},
    {"id": "b-p0", "doc_id": "b", "title": "FTP", "text": "File Transfer Protocol. The protocol for moving files "
     "between hosts. Defined in RFC 959 by the IETF."},
    {"id": "c-p0", "doc_id": "c", "title": "gopher", "text": "A distributed document retrieval system that predates "
     "the web. It was developed at the University of Minnesota."},
]


class Data:
    passages = train_passages = PASSAGES
    by_id = {p["id"]: p for p in PASSAGES}
    qa = {"train": [{"question": "Who wrote Fetch?", "passage_id": "a-p0"}]}


def test_acronyms_are_words_with_two_capitals():
    assert is_acronym("FTP") and is_acronym("DoS") and is_acronym("CSMA/CD") and is_acronym("OSR2")
    assert not is_acronym("Fetch") and not is_acronym("files")


def test_term_queries_name_an_acronym_or_rare_word_of_their_passage():
    maker, rng = DprExampleMaker(Data()), random.Random(0)
    for _ in range(50):
        query, positive, negative = maker.sample("term", rng)
        term = maker.rare_term(positive, random.Random(1))
        assert term and term in positive["text"]
        words = query.replace("?", " ").split()
        assert any(w in positive["text"] for w in words if w[:1].isalnum() and len(w) > 2), query
        assert negative["doc_id"] != positive["doc_id"]


def test_every_kind_gives_a_triple_with_a_negative_from_another_document():
    maker, rng = DprExampleMaker(Data()), random.Random(0)
    for kind in ("qa", "title", "ict", "term"):
        triples = [t for t in (maker.sample(kind, rng) for _ in range(20)) if t]
        assert triples, kind
        assert all(q and p["doc_id"] != n["doc_id"] for q, p, n in triples), kind
