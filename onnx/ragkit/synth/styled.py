"""`styled` examples: an invented entity written in a random style (styles.py), with a question about one of its
facts or its definition, and the answer copied verbatim from the passage of the document that the index serves.

Distractors make the question need its relation: other entities of the document carry facts of the same families
(another date, another person, another place). A table's rows are entities of one kind with the same columns, so a
cell is found by its row's name and its column's label.
"""
import re

from ..data.passages import split_document
from .entities import KINDS, make_entity
from .open_facts import FAMILIES, make_open_fact, open_fact_specs
from .styles import STYLES

LABEL_QUESTION_SHARE = 0.3  # in infoboxes and tables: "What is the mayor of X?" naming the field or column
DEFINITION_SHARE = 0.12  # questions asking what the entity is, answered by its defining phrase
_DEFINITION_QUESTIONS = ["What is {e}?", "What is {e}?", "What kind of thing is {e}?", "Describe {e} briefly.",
                         "What is meant by {e}?"]
_PERSON_DEFINITION_QUESTIONS = ["Who was {e}?", "Who is {e}?", "What was {e}?"]
_TITLES = {"table": ["{kind}s", "List of {kind}s", "Register of {kind}s", "{kind}s of the region"],
           "news": ["{e} in the news", "Report: {e}", "{e}"]}


def _same_columns(entity, other, rng):
    """`other` with its facts reordered to `entity`'s keys (a table row); open facts get values of their own."""
    by_key = {f["key"]: f for f in other["facts"]}
    return dict(other, facts=[by_key[f["key"]] if f["key"] in by_key else make_open_fact(f["spec"], rng)
                              for f in entity["facts"]])


def _table_row(entity, rng):
    """Another entity of `entity`'s kind, as a row of its table."""
    return _same_columns(entity, make_entity(entity["kind"], rng), rng)


def _may_state(other, open_specs, rng):
    """`other`, stating one of `open_specs`' relations half the time (when there are any)."""
    if open_specs and rng.random() < 0.5:
        other["facts"].append(make_open_fact(rng.choice(open_specs), rng))
    return other


def _distractors(entity, style, rng, open_specs=()):
    """Other entities in the document; with `open_specs`, half of them state one of those relations too, so that
    the question's entity, not only its relation, picks the value."""
    if style == "table":
        return [_table_row(entity, rng) for _ in range(rng.randint(2, 4))]
    others = [make_entity(rng.choice(list(KINDS)), rng, n_facts=rng.randint(1, 2))
              for _ in range(rng.choice((0, 1, 1, 2)))]
    return [_may_state(other, open_specs, rng) for other in others]


def _open_entity(kind, rng):
    """An entity with one to three of its kind's facts and open relations (open_facts.py), and the fact asked."""
    specs = open_fact_specs(rng, asked := rng.choice(FAMILIES))
    entity = make_entity(kind, rng, n_facts=rng.randint(1, 3))
    opened = [make_open_fact(spec, rng) for spec in specs]
    entity["facts"] += opened
    rng.shuffle(entity["facts"])
    return entity, specs, rng.choice([f for f in opened if f["family"] == asked])


def _label_question(fact, document):
    """"What is the {label} of {e}?" with a label the document uses for `fact`, where the label is a noun ("Mayor",
    "Place of birth", not "Founded by" or "Born"); None when there is none."""
    nouns = [label for label in fact["labels"] if label in document and not re.search(r"(ed|by|in|to|at|for|Born|Died)$", label)]
    return f"What is the {nouns[0].lower()} of {{e}}?" if nouns else None


def _more_distractors(entity, style, distractors, rng, specs):
    """One more distractor: a table row of the entity's columns, or another entity (`_may_state`)."""
    if style == "table":
        return distractors + [_table_row(entity, rng)]
    other = make_entity(rng.choice(list(KINDS)), rng, n_facts=rng.randint(2, 4))
    return distractors + [_may_state(other, specs, rng)]


def _full_page(entity, style, distractors, rng, specs):
    """The document written out to a served passage's length and beyond, as pages of real corpora are: distractors
    are added until it reaches 70 to 160 words, and half the time an entry of another entity comes first, so that
    the entity's facts sit anywhere in the 100-word passage that holds the answer.
    Why: the reader trained on documents of 41 words (median; 61 with open facts), answers within their first 45
    words, and on the design sets (index-data/design) it read 29 of 358 questions right over the whole served passage
    but 50 over a 60-word window of it and 78 over 20 words (`probe_styles --windows`, EXPERIMENTS.md)."""
    target = rng.randint(70, 160)
    text = STYLES[style](entity, distractors, rng)
    for _ in range(8):
        if len(text.split()) >= target:
            break
        distractors = _more_distractors(entity, style, distractors, rng, specs)
        text = STYLES[style](entity, distractors, rng)
    if rng.random() < 0.5:
        before = make_entity(rng.choice(list(KINDS)), rng, n_facts=rng.randint(3, 6))
        text = STYLES[style](before, [], rng) + rng.choice(["\n", "\n\n", " "]) + text
    return text


def styled_example(rng, open_facts=False, full_page=False):
    """{title, text, question, answer, style, kind, family, document} of one invented document (`text` its served
    passage that holds the answer, `document` the whole as written), or None when the drawn answer would not be a
    fair question (it occurs in the question, or not exactly once in one passage). `open_facts`: the entity also
    states open relations (open_facts.py), and the question asks for one of them. `full_page`: the document fills
    a served passage and more (`_full_page`)."""
    style, kind = rng.choice(list(STYLES)), rng.choice(list(KINDS))
    specs = ()
    if open_facts:
        entity, specs, asked = _open_entity(kind, rng)
        distractors = _distractors(entity, style, rng, specs)
    else:
        entity, asked = make_entity(kind, rng, n_facts=rng.randint(3, 6)), None
        distractors = _distractors(entity, style, rng)
    if full_page:
        text = _full_page(entity, style, distractors, rng, specs)
    else:
        text = STYLES[style](entity, distractors, rng)
    has_gloss = style not in ("table", "timeline")
    if not asked and has_gloss and rng.random() < DEFINITION_SHARE:
        templates = _PERSON_DEFINITION_QUESTIONS if kind == "person" else _DEFINITION_QUESTIONS
        question, answer, family = rng.choice(templates), entity["gloss"], "definition"
    else:
        fact = asked or rng.choice(entity["facts"])
        question, answer, family = rng.choice(fact["questions"]), fact["value"], fact["family"]
        if style in ("infobox", "table") and rng.random() < LABEL_QUESTION_SHARE:
            question = _label_question(fact, text) or question
    question = question.format(e=entity["name"])
    question = question[0].upper() + question[1:]
    title = rng.choice(_TITLES.get(style, ["{e}"])).format(e=entity["name"], kind=kind.capitalize())
    # As served: the index splits a document into 100-word passages of words joined by single spaces, so line
    # breaks and tabs never reach the reader; the example is the passage that holds the answer.
    passages = [p["text"] for p in split_document({"id": "", "title": title, "text": text}) if answer in p["text"]]
    if answer in question or len(passages) != 1 or passages[0].count(answer) != 1:
        return None
    return dict(title=title, text=passages[0], question=question, answer=answer, style=style, kind=kind,
                family=family, document=text)
