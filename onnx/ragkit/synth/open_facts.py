"""Open facts: relations named by a word drawn from an English word list (or invented), so that a question about one
is answered only by finding its words in the passage.

Why: `styled` documents state a fixed set of relations per entity kind (born, mayor, founder, ...), asked with fixed
templates. The reader learned them as classes (68% on its own styled examples) and did not learn to read: given the
gold passage it answered 34 of the 505 held-out style questions, whose documents name relations it never saw
("harbourmaster", "the school of mensuration"). An open fact has the shape of an entities.py fact (labels, questions,
prose, terse, event), so every style renders it; its relation word comes from some 60,000 words, and an entity gets
several open facts of the asked family, so that neither the kind of answer nor the template picks the value.
"""
import functools

from . import names as n

WORD_LIST = "/usr/share/dict/words"  # Debian's wamerican (scripts/install-system-deps.sh)
# Endings of plurals, participles, adverbs and verbs: relations are named by nouns, and the word list has no parts
# of speech.
_NOT_NOUNS = ("s", "ed", "ing", "ly", "ize", "ise", "ful", "ous", "ive", "able", "ible")
REAL_WORD_SHARE = 0.7  # the rest are invented words, which no template or memory can cover


@functools.lru_cache(maxsize=1)
def _words():
    with open(WORD_LIST, encoding="utf-8") as f:
        return tuple(sorted({w for w in (line.strip() for line in f)
                             if w.isalpha() and w.islower() and 4 <= len(w) <= 12 and not w.endswith(_NOT_NOUNS)}))


def relation_word(rng):
    return rng.choice(_words()) if rng.random() < REAL_WORD_SHARE else n.word(rng).lower()


def _thing(rng):
    """A named thing as a value ("the Brenthaw lantern")."""
    return f"{rng.choice(['the ', 'a ', ''])}{n.word(rng)} {rng.choice(_words())}"


def _when(rng):
    return n.year(rng, 1650, 2023) if rng.random() < 0.6 else n.date(rng, 1650, 2023)


# Per family: the value maker and, for relation word w, (labels, questions, prose, terse, event). {e} the entity,
# {p} its pronoun, {v} the value, as in entities.py.
def _spec(family, w):
    W = w.capitalize()
    if family == "who":
        return (n.person, [W, f"{W} name", f"Name of {w}"],
                [f"Who is the {w} of {{e}}?", f"Who was {{e}}'s {w}?", f"Name the {w} of {{e}}.",
                 f"Who served as {w} of {{e}}?", f"Which person was the {w} of {{e}}?"],
                [f"The {w} of {{e}} is {{v}}.", f"{{v}} served as {w} of {{e}}.", f"{{e}}'s {w} was {{v}}.",
                 f"{{p}} named {{v}} as its {w}.", f"{{v}} was appointed {w} of {{e}}."],
                f"{w} {{v}}", f"{{v}} becomes {w} of {{e}}")
    if family == "when":
        return (_when, [W, f"{W} date", f"Date of {w}", f"Year of {w}"],
                [f"When was the {w} of {{e}}?", f"When did the {w} of {{e}} take place?",
                 f"What is the date of {{e}}'s {w}?", f"In what year was the {w} of {{e}}?"],
                [f"The {w} of {{e}} took place in {{v}}.", f"{{e}} held its {w} in {{v}}.",
                 f"{{p}} saw its first {w} in {{v}}.", f"The {w} of {{e}} is dated {{v}}."],
                f"{w} {{v}}", f"{w} of {{e}}")
    if family == "where":
        return (lambda r: n.place(r) if r.random() < 0.7 else n.organisation(r, ["{} Hall", "{} House", "{} Works"]),
                [f"{W} location", f"{W} site", f"Place of {w}", W],
                [f"Where is the {w} of {{e}}?", f"In which place is {{e}}'s {w}?", f"Where was the {w} of {{e}} held?",
                 f"Where does {{e}} keep its {w}?"],
                [f"The {w} of {{e}} is in {{v}}.", f"{{e}} keeps its {w} at {{v}}.", f"{{p}} moved its {w} to {{v}}.",
                 f"The {w} was held at {{v}}."],
                f"{w} at {{v}}", f"{{e}} moves its {w} to {{v}}")
    if family == "number":
        return (lambda r: n.count(r, 2, 90000) if r.random() < 0.6 else n.measure(r, 2, 5000, r.choice(["m", "kg", "km", "ft", "tons"])),
                [f"{W} count", f"Number of {w}s", f"{W} (total)", W],
                [f"How many {w}s does {{e}} have?", f"What is the {w} count of {{e}}?",
                 f"What is the number of {w}s of {{e}}?", f"How large is the {w} of {{e}}?"],
                [f"{{e}} has {{v}} {w}s.", f"The {w} count of {{e}} is {{v}}.", f"{{p}} counted {{v}} {w}s.",
                 f"The {w} of {{e}} measures {{v}}."],
                f"{w} {{v}}", f"{{e}} records {{v}} {w}s")
    return (_thing, [W, f"Main {w}", f"{W} (known as)"],
            [f"What is the {w} of {{e}}?", f"What was {{e}}'s {w}?", f"Name the {w} of {{e}}.",
             f"Which {w} belongs to {{e}}?"],
            [f"The {w} of {{e}} is {{v}}.", f"{{e}}'s {w} was {{v}}.", f"{{p}} chose {{v}} as its {w}.",
             f"Its {w} is known as {{v}}."],
            f"{w} {{v}}", f"{{e}} takes {{v}} as {w}")


FAMILIES = ("who", "when", "where", "number", "what")


def open_fact_spec(family, rng):
    """(key, family, fields) of a new open relation of `family`; `fields` as entities.FACT_FIELDS without `family`."""
    w = relation_word(rng)
    return f"open:{w}", family, _spec(family, w)


def make_open_fact(spec, rng):
    """A fact (entities.py shape) of `spec` with a value drawn from `rng`."""
    key, family, (make, labels, questions, prose, terse, event) = spec
    return dict(key=key, value=make(rng), family=family, labels=labels, questions=questions, prose=prose,
                terse=terse, event=event, spec=spec)


def open_fact_specs(rng, asked_family):
    """Two to four relations of the asked family and one to three of others, in random order."""
    families = [asked_family] * rng.randint(2, 4) + [rng.choice(FAMILIES) for _ in range(rng.randint(1, 3))]
    rng.shuffle(families)
    return [open_fact_spec(f, rng) for f in families]
