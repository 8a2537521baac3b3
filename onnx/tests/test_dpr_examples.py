"""DPR training pairs: every kind gives a query, its positive passage and a hard negative from another document."""
import random

from ragkit.synth.dpr_examples import DprExampleMaker, is_acronym

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
    qa = {"train": [{"question": "Where was Fetch written?", "answers": ["Dartmouth"], "passage_id": "a-p0"}]}


def test_acronyms_are_words_with_two_capitals():
    assert is_acronym("FTP") and is_acronym("DoS") and is_acronym("CSMA/CD") and is_acronym("OSR2")
    assert not is_acronym("Fetch") and not is_acronym("files")


def test_term_queries_name_an_acronym_or_rare_word_of_their_passage():
    maker, rng = DprExampleMaker(Data()), random.Random(0)
    for _ in range(50):
        query, positive, negative, reveals = maker.sample("term", rng)
        assert reveals in query
        term = maker.rare_term(positive, random.Random(1))
        assert term and term in positive["text"]
        words = query.replace("?", " ").split()
        assert any(w in positive["text"] for w in words if w[:1].isalnum() and len(w) > 2), query
        assert negative["doc_id"] != positive["doc_id"]


def test_framed_queries_put_a_title_or_a_term_within_its_title_in_a_question():
    maker, rng = DprExampleMaker(Data()), random.Random(0)
    seen = set()
    for _ in range(60):
        query, positive, negative, reveals = maker.sample("framed", rng)
        assert reveals.lower() in query.lower() and query != reveals and query[0].isupper()
        if reveals == positive["title"]:
            seen.add("title")
        else:  # a term of the passage, asked about within its entry
            assert reveals in positive["text"] and positive["title"] in query, query
            seen.add("term")
        assert negative["doc_id"] != positive["doc_id"]
    assert seen == {"title", "term"}


def test_the_framed_share_makes_room_for_its_kind_and_zero_keeps_the_old_mix():
    from ragkit.train.train_dpr import MIX, mix

    assert mix(0.0) is MIX
    shares = mix(0.3)
    assert abs(sum(shares.values()) - 1.0) < 1e-9 and shares["framed"] == 0.3
    assert abs(shares["qa"] / shares["ict"] - MIX["qa"] / MIX["ict"]) < 1e-9


def test_only_the_mined_phase_makes_room_for_framed_titles():
    from ragkit.train.train_dpr import MIX, phase_mix

    cfg = dict(steps=10, framed_share=0.3)
    assert phase_mix(cfg, 9) is MIX, "the lexical phase keeps its mix"
    assert phase_mix(cfg, 10)["framed"] == 0.3


def test_every_kind_gives_a_triple_with_a_negative_from_another_document():
    maker, rng = DprExampleMaker(Data()), random.Random(0)
    for kind in ("qa", "title", "ict", "term", "framed"):
        triples = [t for t in (maker.sample(kind, rng) for _ in range(20)) if t]
        assert triples, kind
        assert all(q and p["doc_id"] != n["doc_id"] for q, p, n, _ in triples), kind


def test_mined_negatives_are_top_ranked_passages_that_do_not_answer_the_query():
    import numpy as np

    from ragkit.synth.dpr_examples import DprExample
    from ragkit.train.dpr_mining import NegativeMiner

    passages = [{"doc_id": f"d{i}", "title": f"t{i}", "text": f"text {i}"} for i in range(6)]
    passages[1]["text"] = "this one says Name Binding Protocol"  # answers the query: a false negative
    vectors = np.eye(6, dtype="float32")
    miner = NegativeMiner(passages, lambda ps: vectors, refresh_every=10, pick_from=2)
    miner.maybe_refresh(0)
    example = DprExample("Expand NBP", passages[0], passages[5], "Name Binding Protocol")
    query = np.array([[5.0, 4.0, 3.0, 2.0, 1.0, 0.0]], dtype="float32")  # ranks d0 > d1 > d2 > d3 ...
    picked = {miner.replace([example], query, random.Random(i), share=1.0)[0].negative["doc_id"] for i in range(40)}
    assert picked == {"d2", "d3"}, "own document and the passage holding the answer are skipped"
    kept = miner.replace([example], query, random.Random(0), share=0.0)[0]
    assert kept.negative is passages[5], "share 0 keeps the lexical negative"
