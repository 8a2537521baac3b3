"""`relations` examples: an invented sentence of several facts about a renamed entry, and a question that only
the relation it names answers."""
import os
import random

import pytest

from ragkit.data.templates import CITY, COMPANY, LANGUAGE_WRITTEN, WHEN, WHERE, WHO, fill
from ragkit.synth.examples import ExampleMaker
from ragkit.synth.relations import MAKING, SELLING, WRITING, fact_sentence, invent_facts, relations_example
from ragkit.synth.terms import terms_example
from ragkit.tokenizers import load_tokenizer

PASSAGE = {"title": "Quillbrook", "text": "A package manager that installs programs with their libraries. "
                                          "Quillbrook refuses to proceed when two packages need different versions."}
KINDS = ("person", "year", "institution", "city", "language", "company")
FAMILIES = {"person": WHO, "year": WHEN, "institution": WHERE, "city": CITY, "language": LANGUAGE_WRITTEN,
            "company": COMPANY}


def examples(n=400, seed=0):
    rng = random.Random(seed)
    return [relations_example(PASSAGE, rng) for _ in range(n)]


def test_the_fact_sentence_follows_the_first_sentence_and_the_entry_is_renamed():
    first, rest = PASSAGE["text"].split(". ", 1)
    for ex in examples():
        title, text = ex["title"], ex["text"]
        assert text.startswith(first + ". ") and text.endswith(rest.replace("Quillbrook", title))
        assert title != "Quillbrook" and "Quillbrook" not in text + ex["question"], "the entry has an invented name"
        assert title in ex["question"] and ex["answer"] in text and ex["answer"] not in PASSAGE["text"]


def test_the_sentence_states_every_fact_it_holds_and_the_answer_is_one_of_them():
    for ex in examples():
        added = ex["text"][len(PASSAGE["text"].split(". ")[0]) + 2:]
        assert 2 <= len(ex["kinds"]) <= 4 and ex["kind"] in ex["kinds"]
        assert added[0].isupper() and ex["answer"] in added.split(". ")[0]


def test_facts_read_with_their_relation_words():
    rng = random.Random(1)
    for _ in range(300):
        facts, making, selling = invent_facts(rng), rng.choice(sorted(WRITING)), rng.choice(SELLING)
        kinds = rng.sample(KINDS, rng.randint(2, 4))
        sentence = fact_sentence("Quillbrook", facts, kinds, making, selling, rng)
        assert sorted(k for k in KINDS if facts[k] in sentence) == sorted(kinds), (sentence, kinds)
        assert sentence.endswith(".") and sentence.count(".") == 1
        if "language" in kinds:  # "written in Marvane", or "... wrote Quillbrook in Marvane" in the active voice
            assert f"{making} in {facts['language']}" in sentence or f"Quillbrook in {facts['language']}" in sentence
        if "company" in kinds:
            assert f"{selling} by {facts['company']}." in sentence
        if "institution" in kinds:
            assert f"at {facts['institution']}" in sentence


def test_questions_are_their_familys_phrasings_with_a_verb_of_the_fact():
    asked = set()
    for ex in examples(600, seed=2):
        verbs = SELLING if ex["kind"] == "company" else MAKING
        assert ex["question"] in {fill(t, ex["title"], v) for t in FAMILIES[ex["kind"]] for v in verbs}, ex
        if ex["kind"] == "language":
            assert any(f"{v} in {ex['answer']}" in ex["text"] or f"{ex['title']} in {ex['answer']}" in ex["text"]
                       for v in WRITING), "a language goes with a verb of writing"
        asked.add(ex["kind"])
    assert asked == set(KINDS), "every family is asked"


def test_an_institution_is_asked_for_by_name_when_the_sentence_also_names_a_city():
    both = [ex for ex in examples(800, seed=3) if ex["kind"] == "institution" and "city" in ex["kinds"]]
    assert both
    for ex in both:
        plain = {fill(t, ex["title"], v) for t in WHERE for v in MAKING
                 if not any(w in t for w in ("institution", "organisation", "lab"))}
        assert ex["question"] not in plain, "'Where was X made?' would fit the city as well"


def test_the_verbs_differ_from_those_the_passage_uses_already():
    passage = dict(PASSAGE, text="Quillbrook was written by Ada Byron. It was sold by Lark Data.")
    rng = random.Random(4)
    made = [relations_example(passage, rng) for _ in range(200)]
    assert all(ex["making"] != "written" and ex["selling"] != "sold" for ex in made)
    assert {ex["making"] for ex in made} == set(MAKING) - {"written"}


@pytest.fixture(scope="module")
def tok():
    """The embedded default's generator tokenizer."""
    return load_tokenizer(os.path.join(os.path.dirname(os.path.dirname(__file__)), "demo", "generator",
                                       "tokenizer.json"))


def holds_run(source, body):
    """Whether the token list `body` stands in `source` as a contiguous run."""
    return any(source[i:i + len(body)] == body for i in range(len(source) - len(body) + 1))


@pytest.mark.parametrize("kind", ["relations", "terms"])
def test_the_example_maker_tokenizes_the_question_and_its_answer(kind, tok):
    make = {"relations": relations_example, "terms": terms_example}[kind]
    for seed in range(4):
        src, tgt = getattr(ExampleMaker(tok), kind)(PASSAGE, random.Random(seed))
        ex = make(PASSAGE, random.Random(seed))
        assert tok.decode(tgt).strip() == ex["answer"] and tok.decode(src).endswith(ex["question"])


@pytest.mark.parametrize("kind", ["relations", "terms"])
def test_answers_after_a_space_are_the_very_tokens_of_the_passage(kind, tok):
    def copied(maker, seed):
        src, tgt = getattr(maker, kind)(PASSAGE, random.Random(seed))
        return holds_run(src, tgt[1:-1])  # the answer without <s> and </s>

    spaced, plain = ExampleMaker(tok, answer_space="passage"), ExampleMaker(tok)
    assert all(copied(spaced, seed) for seed in range(20)), "a copied answer is a run of the source's tokens"
    assert not all(copied(plain, seed) for seed in range(20)), "without the space its first word is spelt anew"


def test_aligned_answers_get_a_space_only_where_their_passage_has_one(tok):
    maker = ExampleMaker(tok, answer_space="passage")
    text = "PDC (Primary Domain Controller) runs at Corbleigh Polytechnic."
    for answer in ("Primary Domain Controller", "Corbleigh Polytechnic"):
        assert holds_run(tok.encode(text), maker.answer(answer, text)[1:-1]), answer
    assert maker.answer("Primary Domain Controller", text) == maker.target("Primary Domain Controller")
    assert maker.answer("Nowhere", text) == maker.target(" Nowhere"), "an answer not in the passage gets the space"
