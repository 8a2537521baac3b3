"""Renderers that write an invented entity (entities.py) as a document in one of many styles.

Why: a reader trained on one corpus's style (FOLDOC's prose entries) learns where that style puts its answers, not
how to read; swapped-in corpora are infoboxes, news, timelines, labels and tables. Each renderer takes the entity,
the distractors (other entities whose facts of the same kinds sit in the same document, so that a question is
answered by its relation, not by the only date or name in sight) and an RNG, and returns the document's text.
"""
from . import names as n


def _fill(template, entity, fact, subject=None):
    """`template` with the entity (or `subject`), its pronoun ({p}: capitalised only where it starts the sentence)
    and the fact's value."""
    pronoun = entity["pronoun"] if template.startswith("{p}") else entity["pronoun"].lower()
    text = template.format(e=subject or entity["name"], p=pronoun, v=fact["value"])
    return text[0].upper() + text[1:]


def _sentence(entity, fact, rng, first=False):
    """A prose sentence of `fact`. A first sentence names the entity; later ones may say "it", "she" or "the firm",
    and one in three of those that start with the entity's name start with its pronoun instead."""
    templates = [t for t in fact["prose"] if "{e}" in t] if first else fact["prose"]
    template = rng.choice(templates or fact["prose"])
    if not first and template.startswith("{e}") and rng.random() < 0.33:
        template = "{p}" + template[3:]
    return _fill(template, entity, fact)


def _distractor_sentences(distractors, rng):
    return [_sentence(d, f, rng, first=True) for d in distractors for f in d["facts"]]


def prose(entity, distractors, rng):
    """Encyclopedia prose: the defining sentence, then the facts, distractors' facts woven in."""
    body = [_sentence(entity, f, rng) for f in entity["facts"]]
    for sentence in _distractor_sentences(distractors, rng):
        body.insert(rng.randint(1, len(body)), sentence)
    opening = f"{entity['name']} is {entity['gloss']}."
    return " ".join([opening[0].upper() + opening[1:]] + body)


def infobox(entity, distractors, rng):
    """Key-value lines, in one of several layouts (one per line, or run together on one line as a flattened
    infobox is)."""
    sep = rng.choice([": ", " = ", " | ", ":\t", " - "])
    joiner = rng.choice(["\n", "\n", "  ", "; ", " "])
    lines = [f"{rng.choice(['Type', 'Description', 'Kind'])}{sep}{entity['gloss']}"] + [
        f"{rng.choice(f['labels'])}{sep}{f['value']}" for f in entity["facts"]]
    text = joiner.join(lines)
    if distractors:  # a related entry listed after the entity's own fields, as infoboxes link them
        d = distractors[0]
        text += joiner + f"See also{sep}{d['name']} ({', '.join(rng.choice(f['labels']).lower() + ' ' + f['value'] for f in d['facts'])})"
    return text


def news(entity, distractors, rng):
    """A news report: a dateline, the facts in reported speech and quotes, people of other entities quoted."""
    place, when = n.place(rng).upper(), rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"])
    facts = entity["facts"]
    lead = _sentence(entity, facts[0], rng, first=True).rstrip(".")
    said = rng.choice(["officials said on", "it was announced on", "a spokesman confirmed on"])
    parts = [f"{place}, {n.date(rng, 1950, 2024)} ({rng.choice(['Reuters', 'staff report', 'Gazette'])}) - "
             f"{lead}, {said} {when}."]
    for fact in facts[1:]:
        sentence = _sentence(entity, fact, rng)
        if rng.random() < 0.4:
            speaker = n.person(rng)
            sentence = f'"{sentence}" said {speaker}, {rng.choice(["a local historian", "a council official", "a former employee", "a spokeswoman"])}.'
        parts.append(sentence)
    parts += _distractor_sentences(distractors, rng)
    return " ".join(parts)


def gazetteer(entity, distractors, rng):
    """A terse entry: the name, its gloss and the facts as abbreviated phrases, semicolon-separated."""
    phrases = [_fill(f["terse"], entity, f) for f in entity["facts"]]
    text = f"{entity['name']}, {entity['gloss']}; " + "; ".join(phrases) + "."
    for d in distractors:
        text += f" Cf. {d['name']}: " + ", ".join(_fill(f["terse"], d, f) for f in d["facts"]) + "."
    return text


def label(entity, distractors, rng):
    """A museum or catalogue label: short lines without keys, some with abbreviations."""
    lines = [entity["name"], entity["gloss"][0].upper() + entity["gloss"][1:]]
    lines += [_fill(f["terse"] if rng.random() < 0.6 else rng.choice(f["prose"]), entity, f).rstrip(".")
              for f in entity["facts"]]
    for d in distractors:
        lines.append(f"Compare {d['name']}, " + ", ".join(_fill(f["terse"], d, f) for f in d["facts"]))
    return rng.choice(["\n", " / ", ". "]).join(lines)


def _event_lines(entity, rng):
    """(date as the line shows it, event) of each fact: a dated fact is its line's date as written ("c. 1428"),
    others get a year."""
    lines = []
    for fact in entity["facts"]:
        dated = fact["family"] == "when" and fact["value"][-4:].isdigit()
        lines.append((fact["value"] if dated else n.year(rng, 1700, 2023), _fill(fact["event"], entity, fact)))
    return lines


def timeline(entity, distractors, rng):
    """Dated lines in order ("1887 - Jaist Hillmoov sets up Bon Ltd"), distractors' events among them."""
    lines = _event_lines(entity, rng) + [line for d in distractors for line in _event_lines(d, rng)]
    lines.sort(key=lambda line: line[0][-4:])
    dash = rng.choice([" - ", ": ", " -- ", "\t"])
    head = rng.choice([f"Timeline of {entity['name']}", f"{entity['name']}: chronology", entity["name"]])
    return "\n".join([head] + [f"{y}{dash}{event}" for y, event in lines])


def dictionary(entity, distractors, rng):
    """A dictionary entry: the headword, a part-of-speech mark, the gloss, then facts as short sentences."""
    mark = rng.choice(["n.", "(n.)", "noun.", "", "(proper noun)"])
    body = [_sentence(entity, f, rng, first=True) for f in entity["facts"]]
    return f"{entity['name']} {mark} {entity['gloss'][0].upper()}{entity['gloss'][1:]}. " + " ".join(
        body + _distractor_sentences(distractors, rng))


def table(entity, distractors, rng):
    """A table flattened to text: a header of labels, then one row per entity (the entity somewhere among them).
    Distractors are of the entity's kind with the same fact keys."""
    rows = [entity] + distractors
    rng.shuffle(rows)
    sep = rng.choice([" | ", ", ", "\t", " ; "])
    header = [rng.choice(["Name", entity["kind"].capitalize(), "Entry"])] + [
        rng.choice(f["labels"]) for f in entity["facts"]]
    lines = [sep.join(header)] + [sep.join([r["name"]] + [f["value"] for f in r["facts"]]) for r in rows]
    return rng.choice(["\n", " / ", "\n"]).join(lines)


STYLES = {"prose": prose, "infobox": infobox, "news": news, "gazetteer": gazetteer, "label": label,
          "timeline": timeline, "dictionary": dictionary, "table": table}
