"""`kinds` examples: a `relations` passage (relations.py) asked about in other words than it states its facts in:
the question often names the kind of answer it wants ("At which polytechnic was Gomberlin developed?", "In which
town...", "Which engineer designed..."), and its verb is often another one than the sentence's ("Caskadel was
programmed in which language?" about "Caskadel was written in Chelvander"). Institutions come in more kinds, some
with a word of their field ("Dunmarrow Reading Laboratory", "Drimmock Agricultural Research Station"), and the
entry is written in a language more often than in relations.

Why: with retrieval, the reader after `relations` answered 1 of unseen-dev2's 14 place questions and 2 of its 12
language questions, most of them asked by the kind of place or with a verb the passage does not use ("At which
university did Chelvander originate?" -> "Lazy Graph Instruction Set", "Caskadel was programmed in which language?"
-> "1986"). Every question it practised on fact-dense sentences repeats the sentence's verb and says "where",
"institution", "organisation" or "city", so it learned to match verbs, not relations. People ask otherwise.

A person is sometimes introduced by a role ("by the physicist Odalys Fenn"), which a question may name or not.
"""
from ..data.templates import CITY, CITY_KIND, COMPANY, LANGUAGE_WRITTEN, WHEN, WHERE, WHERE_KIND, WHO, WHO_KIND, fill
from ..synth.relations import MAKING, SELLING, WRITING, invent_facts, invented_name, relations_example

# Kinds of institution (the noun a question names) and the shapes of their names: {n} an invented name, {f} a field.
INSTITUTIONS = {
    "university": ["University of {n}", "{n} University"],
    "laboratory": ["{n} Laboratory", "{n} {f} Laboratory"],
    "research station": ["{n} Research Station", "{n} {f} Research Station"],
    "research centre": ["{n} Research Centre", "{n} {f} Research Centre"],
    "institute": ["{n} Institute", "{n} Institute of Technology", "{n} {f} Institute"],
    "polytechnic": ["{n} Polytechnic"],
    "college": ["{n} College", "{n} Technical College"],
    "computing centre": ["{n} Computing Centre"],
    "school": ["{n} School of Computing", "{n} {f} School"],
    "observatory": ["{n} Observatory"],
}
FIELDS = ["Reading", "Speech", "Agricultural", "Naval", "Atomic", "Physics", "Signals", "Weather", "Medical",
          "Telecommunications", "Radar", "Space", "Mathematical", "Electrical", "Marine", "Aeronautical", "Textile"]
TOWNS = ["city", "town"]
ROLES = ["engineer", "programmer", "researcher", "professor", "student", "scientist", "mathematician", "physicist",
         "hacker", "linguist"]
LANGUAGE_VERBS = ["written", "implemented", "programmed", "coded"]
NAMED_SHARE = {"person": 0.6, "institution": 0.8, "city": 0.7}  # of questions about these, those naming the kind
SAME_VERB_SHARE = 0.5  # of questions, those asked with the sentence's own verb


def invent_kind_facts(rng):
    """relations.invent_facts with an institution of a named kind (`institution_kind`) and a person's `role`."""
    facts = invent_facts(rng)
    kind = rng.choice(sorted(INSTITUTIONS))
    shape = rng.choice(INSTITUTIONS[kind])
    facts.update(institution=shape.format(n=invented_name(rng, 5, 10), f=rng.choice(FIELDS)), institution_kind=kind,
                 role=rng.choice(ROLES))
    return facts


def kind_question(entry, kind, kinds, facts, making, selling, rng):
    """(question, named): a question about the `kind` fact, with the sentence's verb or another of its kind, naming
    what the answer is (an institution's kind, a city or town, a person's role) when `named`; an institution always
    when the sentence also names a city, which "where" would ask for too."""
    same = rng.random() < SAME_VERB_SHARE
    verb = {"language": making if same else rng.choice(LANGUAGE_VERBS),
            "company": selling if same else rng.choice(SELLING)}.get(kind, making if same else rng.choice(MAKING))
    named = kind in NAMED_SHARE and (rng.random() < NAMED_SHARE[kind] or kind == "institution" and "city" in kinds)
    if named:
        template, noun = {"person": (WHO_KIND, facts["role"]), "institution": (WHERE_KIND, facts["institution_kind"]),
                          "city": (CITY_KIND, rng.choice(TOWNS))}[kind]
        return fill(rng.choice(template), entry, verb, kind=noun), True
    family = {"person": WHO, "year": WHEN, "institution": WHERE, "city": CITY, "language": LANGUAGE_WRITTEN,
              "company": COMPANY}[kind]
    return fill(rng.choice(family), entry, verb), False


def kinds_example(passage, rng):
    """`relations_example`'s dict (with `named`), its question asked anew by `kind_question`, a person introduced by
    a role half the time. None where relations gives None."""
    made = relations_example(passage, rng, invent=invent_kind_facts, making_verbs=MAKING + sorted(WRITING))
    if made is None:
        return None
    facts, person = made["facts"], made["facts"]["person"]
    if "person" in made["kinds"] and f"by {person}" in made["text"] and rng.random() < 0.5:
        role = f"the {facts['role']} "
        made["text"] = made["text"].replace(f"by {person}", f"by {role}{person}", 1)
        made["inserted"] = (made["inserted"][0], made["inserted"][1] + len(role))
    made["question"], made["named"] = kind_question(made["title"], made["kind"], made["kinds"], facts,
                                                    made["making"], made["selling"], rng)
    return made
