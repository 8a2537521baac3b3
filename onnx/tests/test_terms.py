"""`terms` examples: a defined acronym among a relations passage's invented facts, asked about half the time."""
import random

from ragkit.data.templates import ACRONYM, ACRONYM_IN, ACRONYM_MEANING, fill
from ragkit.synth.relations import relations_example
from ragkit.synth.terms import TERM_WORDS, invent_term, term_sentence, terms_example

PASSAGE = {"title": "Quillbrook", "text": "A package manager that installs programs with their libraries. "
                                          "Quillbrook refuses to proceed when two packages need different versions."}


def examples(n=400, seed=0):
    rng = random.Random(seed)
    return [terms_example(PASSAGE, rng) for _ in range(n)]


def test_an_acronym_is_the_initials_of_its_expansion():
    rng = random.Random(1)
    for _ in range(500):
        expansion, acronym = invent_term(rng)
        words = expansion.split()
        assert 2 <= len(words) <= 4 and len(set(words)) == len(words)
        assert acronym == "".join(w[0] for w in words) and acronym.isupper()
        assert all(w in TERM_WORDS for w in words[1:]), "only the first word may be invented"


def test_the_term_sentence_defines_the_acronym_and_reads_as_english():
    rng = random.Random(2)
    for _ in range(500):
        expansion, acronym = invent_term(rng)
        sentence = term_sentence("Quillbrook", expansion, acronym, rng)
        assert sentence.endswith(".") and sentence[0].isupper()
        assert (f"{expansion} ({acronym})" in sentence or f"{acronym} ({expansion})" in sentence
                or f"{expansion}, or {acronym}," in sentence), sentence
        assert " a A" not in sentence and " a E" not in sentence and " a I" not in sentence, "an before a vowel"


def test_the_term_sentence_follows_the_fact_sentence_and_the_rest_is_relations_own():
    for seed in range(5):
        made, plain = terms_example(PASSAGE, random.Random(seed)), relations_example(PASSAGE, random.Random(seed))
        end = plain["inserted"][1]
        assert made["title"] == plain["title"] and made["kinds"] == plain["kinds"]
        assert made["text"].startswith(plain["text"][:end] + " ") and made["text"].endswith(plain["text"][end:])
        assert made["expansion"] in made["text"][end:] and made["acronym"] in made["text"][end:]


def test_half_the_questions_ask_for_the_expansion_and_the_others_for_a_fact():
    made = examples(600, seed=3)
    terms = [ex for ex in made if ex["kind"] == "term"]
    assert 0.4 < len(terms) / len(made) < 0.6
    phrasings = ACRONYM + ACRONYM_IN + ACRONYM_MEANING
    for ex in terms:
        assert ex["answer"] == ex["expansion"] and ex["acronym"] in ex["question"]
        assert ex["question"] in {fill(t, ex["acronym"], "", c=ex["title"]) for t in phrasings}
    for ex in made:
        if ex["kind"] != "term":
            assert ex["kind"] in ex["kinds"] and ex["answer"] in ex["text"] and ex["answer"] != ex["expansion"]

