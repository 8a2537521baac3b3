"""Synthetic documents in many styles (ragkit/synth): every style states the facts it is asked about, answers are
copied verbatim, draws are reproducible, and answers tokenize as the very tokens of their document."""
import os
import random

import pytest

from ragkit.synth.definitions import defining_phrase, definition_example
from ragkit.synth.entities import KINDS, make_entity
from ragkit.synth.examples import ExampleMaker
from ragkit.synth.styled import styled_example
from ragkit.synth.styles import STYLES
from ragkit.tokenizers import load_tokenizer


def draws(n=600, seed=0):
    rng = random.Random(seed)
    return [ex for ex in (styled_example(rng) for _ in range(n)) if ex]


def test_every_style_and_kind_is_drawn_and_most_draws_are_kept():
    made = draws()
    assert len(made) > 500, "few draws are refused"
    assert {ex["style"] for ex in made} == set(STYLES) and {ex["kind"] for ex in made} == set(KINDS)
    assert {"definition", "who", "when", "where", "number", "what"} <= {ex["family"] for ex in made}


def test_the_answer_stands_once_in_the_passage_and_never_in_the_question():
    for ex in draws():
        assert ex["text"].count(ex["answer"]) == 1, ex
        assert ex["answer"] not in ex["question"] and ex["question"][0].isupper()


def test_the_passage_is_the_document_as_the_index_serves_it():
    """Words joined by single spaces, at most 100 of them: line breaks and tabs of infoboxes, timelines and tables
    never reach the reader, so training on them would teach a layout it never sees."""
    made = draws()
    assert any("\n" in ex["document"] for ex in made), "documents are laid out in lines"
    for ex in made:
        assert ex["text"] == " ".join(ex["text"].split()) and len(ex["text"].split()) <= 100
        assert ex["text"] in " ".join(ex["document"].split())


@pytest.mark.parametrize("style", sorted(STYLES))
def test_each_style_states_every_fact_of_its_entity(style):
    rng = random.Random(3)
    for kind in KINDS:
        entity = make_entity(kind, rng, n_facts=4)
        text = STYLES[style](entity, [], rng)
        if style != "infobox":  # an infobox is named by its document's title
            assert entity["name"].lower() in text.lower(), (style, text)
        for fact in entity["facts"]:
            assert fact["value"] in text or fact["value"].lower() in text.lower(), (style, fact["key"], text)


def test_a_table_row_holds_its_entitys_values_in_the_header_order():
    ex = next(ex for ex in draws() if ex["style"] == "table")
    lines = ex["document"].replace(" / ", "\n").split("\n")
    assert len(lines) >= 4, "a header and three rows or more"
    assert all(line.count(sep) for sep in [" | ", ", ", "\t", " ; "] for line in lines if sep in lines[0])


def test_draws_are_reproducible_from_their_seed():
    assert draws(50, seed=4) == draws(50, seed=4)
    assert draws(50, seed=4) != draws(50, seed=5)


def test_the_defining_phrase_is_the_opening_noun_phrase():
    assert defining_phrase("(EPL) A data service defined by the Metro Ethernet Forum, providing a link.") == \
        "A data service defined by the Metro Ethernet Forum"
    assert defining_phrase("A floating point SIMD extension from AMD. It adds 19 instructions.") == \
        "A floating point SIMD extension from AMD"
    assert defining_phrase("Emacs was written in 1976 by a group.") is None, "not a noun phrase"
    assert defining_phrase("A theory developed by Trenchard More and, later, others.") is None, "dangling word"
    ex = definition_example({"title": "bit string", "text": "An ordered sequence of bits. Used for sets."},
                            random.Random(0))
    assert ex["answer"] == "An ordered sequence of bits" and "bit string" in ex["question"]


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer(os.path.join(os.path.dirname(os.path.dirname(__file__)), "demo", "generator",
                                       "tokenizer.json"))


def test_styled_answers_are_runs_of_their_documents_tokens(tok):
    """The target is the tokens the passage has (the byte-level BPE joins a space, and only a space, to a word)."""
    maker, rng = ExampleMaker(tok, answer_space="passage"), random.Random(8)
    pairs = [maker.styled(rng) for _ in range(300)]
    pairs = [p for p in pairs if p]
    copied = [any(p[0][i:i + len(p[1]) - 2] == p[1][1:-1] for i in range(len(p[0]))) for p in pairs]
    assert len(pairs) > 250 and sum(copied) / len(copied) > 0.97, sum(copied) / len(copied)


def test_styled_dev_items_are_fixed_by_their_seed_and_hold_their_answers():
    from ragkit.train.train_generator import styled_dev_items
    first, again = styled_dev_items(8, 900_001), styled_dev_items(8, 900_001)
    assert first == again and first != styled_dev_items(8, 900_002)
    for passage, question, (answer,) in first:
        assert answer in passage["text"] and answer not in question


def open_draws(n=400, seed=1):
    rng = random.Random(seed)
    return [ex for ex in (styled_example(rng, open_facts=True) for _ in range(n)) if ex]


def test_open_relations_are_asked_with_their_own_word_beside_others_of_the_same_family():
    """The question names its relation by a word the document uses, and the passage holds another value of the
    same family, so that only the relation's word picks the answer (synth/open_facts.py)."""
    made = open_draws()
    assert len(made) > 300 and {ex["style"] for ex in made} == set(STYLES)
    assert {ex["family"] for ex in made} == {"who", "when", "where", "number", "what"}
    for ex in made:
        assert ex["text"].count(ex["answer"]) == 1 and ex["answer"] not in ex["question"]
    relation_words = [w for ex in made for w in ex["question"].rstrip("?.").split()
                      if w.islower() and len(w) >= 4 and w.lower() in ex["text"].lower()]
    assert len(relation_words) > 0.8 * len(made), "questions share their relation's word with the passage"


def test_open_relations_are_reproducible_and_leave_the_plain_draws_unchanged():
    assert open_draws(50, 4) == open_draws(50, 4)
    rng = random.Random(9)
    plain = [styled_example(rng) for _ in range(30)]
    rng = random.Random(9)
    assert [styled_example(rng, open_facts=False) for _ in range(30)] == plain


def test_full_pages_fill_the_served_passage_and_spread_their_answers():
    """`full_page` documents are written out past a served passage, so that the answer's passage is mostly full and
    the answer sits anywhere in it; short documents stay as they were (synth/styled.py `_full_page`)."""
    rng = random.Random(2)
    full = [ex for ex in (styled_example(rng, open_facts=rng.random() < 0.5, full_page=True) for _ in range(300)) if ex]
    short = [ex for ex in (styled_example(rng, open_facts=True) for _ in range(300)) if ex]
    words = lambda made: sorted(len(ex["text"].split()) for ex in made)
    late = lambda made: sum(len(ex["text"][:ex["text"].index(ex["answer"])].split()) >= 50 for ex in made) / len(made)
    assert len(full) > 250 and {ex["style"] for ex in full} == set(STYLES)
    assert words(full)[len(full) // 2] >= 95 > words(short)[len(short) // 2]
    assert late(full) > 0.25 > late(short), "answers past the 50th word"
    for ex in full:
        assert ex["text"].count(ex["answer"]) == 1 and ex["answer"] not in ex["question"]
        assert len(ex["text"].split()) <= 100
