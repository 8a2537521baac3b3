"""Extractive answers: the span rule of span_constraint.py, and decoding under it."""
import math

import torch

from ragkit import rag_reference as rr
from ragkit.span_constraint import PieceVocabulary, SpanConstraint
from test_rag_reference import table_scorer

BOS, PAD, EOS = 0, 1, 2
# id -> decoded text of a made-up byte-level vocabulary (leading space = word start, as "Ġ" decodes)
PIECES = {3: " Ada", 4: " Love", 5: "lace", 6: " Lovel", 7: " Babbage", 8: " Charles", 9: "ace", 10: " the",
          11: "\ufffd", 12: " ada", 13: "Love", 14: "s"}
V = 15


class FakeTokenizer:
    special_ids = {BOS, PAD, EOS}

    def id_to_token(self, i):
        return f"t{i}" if i < V else None

    def decode(self, ids):
        return "".join(PIECES.get(i, "") for i in ids if i not in self.special_ids)


VOCAB = PieceVocabulary(FakeTokenizer(), V)


def constraint(*docs):
    return SpanConstraint(VOCAB, [list(d) for d in docs], EOS, BOS)


def test_an_answer_starts_at_a_word_of_a_document_in_any_case():
    ids, eos_ok = constraint(["Ada Lovelace", "Ada Lovelace wrote the first program."]).allowed([EOS, BOS])
    assert ids == {3, 12, 4, 6, 13, 10}  # "ada", "love", "lovel" at "lovelace", "the"; not "lace" (mid-word)
    assert not eos_ok  # an empty answer may not end


def test_an_answer_continues_only_with_the_text_that_follows_it():
    c = constraint(["Ada Lovelace"])
    ids, eos_ok = c.allowed([EOS, BOS, 3])  # "ada"
    assert ids == {4, 6} and eos_ok  # " love", " lovel"; "ada" is a whole word
    ids, eos_ok = c.allowed([EOS, BOS, 3, 4])  # "ada love": mid-word, must go on
    assert ids == {5} and not eos_ok


def test_unsplittable_or_special_pieces_are_never_allowed():
    ids, _ = constraint(["\ufffd Ada"]).allowed([EOS, BOS])
    assert 11 not in ids and ids == {3, 12}


def test_restrict_keeps_bos_on_the_first_step_only_and_eos_when_nothing_fits():
    c = constraint(["Ada"])
    first = c.restrict(torch.zeros(V, dtype=torch.float64), [EOS])
    assert set(torch.nonzero(first > -math.inf).flatten().tolist()) == {BOS, 3, 12}
    after = c.restrict(torch.zeros(V, dtype=torch.float64), [EOS, BOS, 3])
    assert set(torch.nonzero(after > -math.inf).flatten().tolist()) == {EOS}  # "ada" ends the document


def test_documents_restrict_to_their_own_texts():
    c = constraint(["Charles Babbage"], ["Ada Lovelace"])
    assert c.allowed([EOS, BOS], docs=[0])[0] == {8, 7}
    assert c.allowed([EOS, BOS], docs=[1])[0] == {3, 12, 4, 6, 13}


CFG = rr.generation_config(min_length=0, bad_words_ids=[[BOS, BOS]], forced_bos_token_id=BOS, max_length=8)


def test_a_garbled_name_becomes_the_passage_s_name():
    # free decoding copies "Ada Lovel" and ends it wrongly ("Lovels"); held to the passage, its second choice
    # "ace" is the only continuation the passage allows
    tables = {(0, (BOS,)): {3: 0.9}, (0, (BOS, 3)): {6: 0.9}, (0, (BOS, 3, 6)): {14: 0.6, 9: 0.3}}
    scorer, w = table_scorer(tables, V), rr.doc_log_weights([0.0])
    free = rr.decode(scorer, w, CFG, num_beams=1)
    assert FakeTokenizer().decode(free["tokens"]) == " Ada Lovels"
    held = rr.decode(scorer, w, CFG, num_beams=1, constraint=constraint(["Ada Lovelace"]))
    assert held["tokens"] == [BOS, 3, 6, 9, EOS]
    beams = rr.decode(scorer, w, CFG, num_beams=2, constraint=constraint(["Ada Lovelace"]))
    assert FakeTokenizer().decode(beams["tokens"]) == " Ada Lovelace"


def test_rag_sequence_holds_each_document_to_its_own_passage():
    tables = {(k, (BOS,)): {7: 0.5, 3: 0.4} for k in (0, 1)}
    tables.update({(k, (BOS, 3)): {6: 0.5, 4: 0.4} for k in (0, 1)})
    tables.update({(k, (BOS, 3, 4)): {5: 0.9} for k in (0, 1)})
    out = rr.decode(table_scorer(tables, V), rr.doc_log_weights([0.0, 0.0]), CFG, mode="sequence", num_beams=2,
                    constraint=constraint(["Ada Lovelace"], ["Ada Lovelace"]))
    for hyps in out["doc_hypotheses"]:
        assert all(7 not in h["tokens"] for h in hyps)  # " Babbage" is in neither passage
