"""`relations` examples: one sentence states several facts about the entry, and the question asks for one of them.

Why: given the gold passage, the reader answers with the wrong kind of name when one sentence holds several facts
("Quillbrook was written in Marvane by Ottilie Kesh and sold by Hartwell Software": asked for the language, it
answered the author). FOLDOC's sentences seldom hold more than one fact a question asks about, so nothing in
training made the generator tell facts apart by the relation the question names ("written in", "by whom", "which
firm"). Here a FOLDOC passage gets such a sentence after its first one, its values (and the entry's name) invented
afresh for every example (disguise.py), so that reading the relation, not memory, picks the answer.

Facts: person, year, institution, city, language, company; each sentence holds two to four of them, in a random
order and voice, and the question (templates.py, many phrasings per family) names the verb of the fact it asks.
"""
from ..data.templates import CITY, COMPANY, LANGUAGE_WRITTEN, SIMPLE_PAST, WHEN, WHERE, WHO, fill
from ..data.text_spans import sentences
from .disguise import disguise, invented_word

# Verbs of the entry's making (a person, a year, a place, a language may go with them) and of its selling (a company).
MAKING = ["created", "designed", "developed", "invented", "written", "devised", "implemented", "built"]
WRITING = {"written", "implemented"}  # the making verbs that take a language: "written in Marvane"
SELLING = ["distributed", "sold", "marketed", "published", "released", "produced"]
_INSTITUTIONS = ["{} University", "University of {}", "{} Laboratory", "{} Research Laboratory", "{} Institute",
                 "{} Polytechnic", "{} Computing Centre", "{} College"]
_COMPANIES = ["{} Software", "{} Systems", "{} Microsystems", "{} Electronics", "{} Computing", "{} Corporation",
              "{} Instruments", "{} Data"]
# WHERE phrasings that ask for an institution, not a city (used when the sentence names both).
_INSTITUTION_WHERE = [t for t in WHERE if "institution" in t or "organisation" in t or "lab" in t]


def invented_name(rng, lo=4, hi=9):
    """An invented capitalised word (disguise.invented_word from a random first letter and length)."""
    return invented_word(rng.choice("BCDFGHKLMNPRSTVW") + "x" * (rng.randint(lo, hi) - 1), rng)


def invent_facts(rng):
    """Invented values of every fact kind."""
    name = invented_name
    return {"person": f"{name(rng)} {name(rng, 5, 10)}", "year": str(rng.randint(1955, 2024)),
            "institution": rng.choice(_INSTITUTIONS).format(name(rng, 5, 10)), "city": name(rng, 5, 10),
            "language": name(rng, 4, 8), "company": rng.choice(_COMPANIES).format(name(rng, 5, 10))}


def fact_sentence(entry, facts, kinds, making, selling, rng):
    """A sentence stating `kinds` (a subset of the fact kinds) about `entry`, in passive or active voice."""
    made = [k for k in kinds if k != "company"]
    phrase = {"person": f"by {facts['person']}", "year": f"in {facts['year']}", "city": f"in {facts['city']}",
              "institution": f"at {facts['institution']}", "language": f"in {facts['language']}"}
    rng.shuffle(made)
    if "language" in made:  # "written in Marvane by ...": the language right after its verb reads naturally
        made.remove("language")
        made.insert(0, "language")
    active = "person" in made and rng.random() < 0.35  # "Ottilie Kesh wrote Quillbrook in Marvane in 1979"
    if active:
        made.remove("person")
        head = f"{facts['person']} {SIMPLE_PAST.get(making, making)} {entry}"
    else:
        head = f"{entry} was {making}"
    text = head + "".join(" " + phrase[k] for k in made)
    if "company" in kinds:
        text += f", and {'it was ' if active else ''}{selling} by {facts['company']}"
    return text[0].upper() + text[1:] + "."


def relation_question(entry, kind, kinds, making, selling, rng):
    """A question about the `kind` fact with the verb that states it (an institution asked for by name when the
    sentence also names a city)."""
    families = {"person": WHO, "year": WHEN, "institution": _INSTITUTION_WHERE if "city" in kinds else WHERE,
                "city": CITY, "language": LANGUAGE_WRITTEN, "company": COMPANY}
    return fill(rng.choice(families[kind]), entry, selling if kind == "company" else making)


def relations_example(passage, rng):
    """{title, text, question, answer, kind, kinds, facts, making, selling, inserted}: the passage with an invented
    sentence of `kinds` facts (invent_facts, made by a verb of MAKING) after its first sentence (at
    `inserted`, a span of text), the entry renamed, and a question about its `kind` fact; None for a passage without
    sentences."""
    spans = sentences(passage["text"])
    if not spans:
        return None
    # Verbs the passage does not use already: its own "written by" someone would answer the question too.
    making = rng.choice([v for v in MAKING if f"{v} " not in passage["text"]] or MAKING)
    selling = rng.choice([v for v in SELLING if f"{v} " not in passage["text"]] or SELLING)
    available = ["person", "year", "institution", "city", "company"] + (["language"] if making in WRITING else [])
    kinds = rng.sample(available, rng.randint(2, min(4, len(available))))
    kind = rng.choice(kinds)
    title, text = passage["title"], passage["text"]
    renamed = disguise([title, text], title, rng)  # a new name: the entry's real facts elsewhere stay its own
    if renamed:
        (title, text), _ = renamed
        spans = sentences(text)
    facts = invent_facts(rng)
    cut, sentence = spans[0][1], fact_sentence(title, facts, kinds, making, selling, rng)
    text = f"{text[:cut]} {sentence}{text[cut:]}"
    return dict(title=title, text=text, question=relation_question(title, kind, kinds, making, selling, rng),
                answer=facts[kind], kind=kind, kinds=kinds, facts=facts, making=making, selling=selling,
                inserted=(cut + 1, cut + 1 + len(sentence)))
