"""`styled` examples: an invented entity written in a random style (styles.py), with a question about one of its
facts or its definition, and the answer copied verbatim from the passage of the document that the index serves.

Distractors make the question need its relation: other entities of the document carry facts of the same families
(another date, another person, another place). A table's rows are entities of one kind with the same columns, so a
cell is found by its row's name and its column's label.
"""
import re

from ..data.passages import split_document
from .entities import KINDS, make_entity
from .styles import STYLES

LABEL_QUESTION_SHARE = 0.3  # in infoboxes and tables: "What is the mayor of X?" naming the field or column
DEFINITION_SHARE = 0.12  # questions asking what the entity is, answered by its defining phrase
_DEFINITION_QUESTIONS = ["What is {e}?", "What is {e}?", "What kind of thing is {e}?", "Describe {e} briefly.",
                         "What is meant by {e}?"]
_PERSON_DEFINITION_QUESTIONS = ["Who was {e}?", "Who is {e}?", "What was {e}?"]
_TITLES = {"table": ["{kind}s", "List of {kind}s", "Register of {kind}s", "{kind}s of the region"],
           "news": ["{e} in the news", "Report: {e}", "{e}"]}


def _same_columns(entity, other):
    """`other` with its facts reordered to `entity`'s keys (a table row)."""
    by_key = {f["key"]: f for f in other["facts"]}
    return dict(other, facts=[by_key[f["key"]] for f in entity["facts"]])


def _distractors(entity, style, rng):
    if style == "table":
        return [_same_columns(entity, make_entity(entity["kind"], rng)) for _ in range(rng.randint(2, 4))]
    return [make_entity(rng.choice(list(KINDS)), rng, n_facts=rng.randint(1, 2))
            for _ in range(rng.choice((0, 1, 1, 2)))]


def _label_question(fact, document):
    """"What is the {label} of {e}?" with a label the document uses for `fact`, where the label is a noun ("Mayor",
    "Place of birth", not "Founded by" or "Born"); None when there is none."""
    nouns = [label for label in fact["labels"] if label in document and not re.search(r"(ed|by|in|to|at|for|Born|Died)$", label)]
    return f"What is the {nouns[0].lower()} of {{e}}?" if nouns else None


def styled_example(rng):
    """{title, text, question, answer, style, kind, family, document} of one invented document (`text` its served
    passage that holds the answer, `document` the whole as written), or None when the drawn answer would not be a
    fair question (it occurs in the question, or not exactly once in one passage)."""
    style, kind = rng.choice(list(STYLES)), rng.choice(list(KINDS))
    entity = make_entity(kind, rng, n_facts=rng.randint(3, 6))
    distractors = _distractors(entity, style, rng)
    text = STYLES[style](entity, distractors, rng)
    has_gloss = style not in ("table", "timeline")
    if has_gloss and rng.random() < DEFINITION_SHARE:
        templates = _PERSON_DEFINITION_QUESTIONS if kind == "person" else _DEFINITION_QUESTIONS
        question, answer, family = rng.choice(templates), entity["gloss"], "definition"
    else:
        fact = rng.choice(entity["facts"])
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
