"""`kinds` examples: a relations passage asked about in other words, often by the kind of answer it wants."""
import random

from ragkit.data.templates import (CITY, CITY_KIND, COMPANY, LANGUAGE_WRITTEN, WHEN, WHERE, WHERE_KIND, WHO, WHO_KIND,
                                   fill)
from ragkit.synth.relations import MAKING, SELLING, relations_example
from ragkit.train.kinds import INSTITUTIONS, LANGUAGE_VERBS, ROLES, TOWNS, invent_kind_facts, kinds_example

PASSAGE = {"title": "Quillbrook", "text": "A package manager that installs programs with their libraries. "
                                          "Quillbrook refuses to proceed when two packages need different versions."}
FAMILIES = {"person": WHO, "year": WHEN, "institution": WHERE, "city": CITY, "language": LANGUAGE_WRITTEN,
            "company": COMPANY}
NAMED = {"person": WHO_KIND, "institution": WHERE_KIND, "city": CITY_KIND}


def examples(n=800, seed=0):
    rng = random.Random(seed)
    return [kinds_example(PASSAGE, rng) for _ in range(n)]


def test_an_institution_is_named_as_one_of_its_kind():
    rng = random.Random(1)
    for _ in range(500):
        facts = invent_kind_facts(rng)
        kind, name = facts["institution_kind"], facts["institution"]
        assert kind in INSTITUTIONS and facts["role"] in ROLES
        assert kind.split()[-1].lower() in name.lower(), name
        assert 2 <= len(name.split()) <= 5 and "{" not in name


def test_questions_are_their_familys_phrasings_and_named_ones_name_the_kind_of_answer():
    for ex in examples():
        facts, kind = ex["facts"], ex["kind"]
        assert kind in ex["kinds"] and ex["answer"] == facts[kind] and ex["answer"] in ex["text"]
        verbs = {"language": LANGUAGE_VERBS + [ex["making"]], "company": SELLING}.get(kind, MAKING)
        if ex["named"]:
            nouns = {"person": [facts["role"]], "institution": [facts["institution_kind"]], "city": TOWNS}[kind]
            phrasings = {fill(t, ex["title"], v, kind=n) for t in NAMED[kind] for v in verbs for n in nouns}
        else:
            phrasings = {fill(t, ex["title"], v) for t in FAMILIES[kind] for v in verbs}
        assert ex["question"] in phrasings, ex["question"]


def test_most_questions_about_people_and_places_name_their_kind_and_half_change_the_verb():
    made = examples(seed=1)
    for kind in ("person", "institution", "city"):
        about = [ex for ex in made if ex["kind"] == kind]
        assert 0.5 < sum(ex["named"] for ex in about) / len(about) < 0.95, kind
    assert not any(ex["named"] for ex in made if ex["kind"] not in ("person", "institution", "city"))
    assert all(ex["named"] for ex in made if ex["kind"] == "institution" and "city" in ex["kinds"]), \
        "an institution beside a city is asked for by its kind, not by 'where'"
    verb_kept = [ex for ex in made if ex["kind"] in ("year", "person") and f" {ex['making']}" in ex["question"]]
    assert 0.4 < len(verb_kept) / len([ex for ex in made if ex["kind"] in ("year", "person")]) < 0.8


def test_the_entry_is_written_in_a_language_more_often_than_in_relations():
    def share(make):
        rng = random.Random(3)
        return sum("language" in make(PASSAGE, rng)["kinds"] for _ in range(800)) / 800
    assert share(kinds_example) > 1.5 * share(relations_example)


def test_a_role_introduces_the_person_in_the_inserted_sentence_only():
    made = [ex for ex in examples(seed=2) if "person" in ex["kinds"]]
    with_role = [ex for ex in made if f"the {ex['facts']['role']} {ex['facts']['person']}" in ex["text"]]
    assert 0.15 < len(with_role) / len(made) < 0.5
    for ex in with_role:
        start, end = ex["inserted"]
        sentence = ex["text"][start:end]
        assert sentence.endswith(".") and f"by the {ex['facts']['role']} {ex['facts']['person']}" in sentence

