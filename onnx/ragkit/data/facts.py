"""Facts about an entry read from FOLDOC prose, with answers as character spans of the document text.

A fact is a dict {family, relation, subject, start, end}: the question family (who, when, where, company,
language), the verb or relation the phrasing must use ("designed", "based on", "implements"), the subject the
question names, and the answer span. Precision comes first: ragkit.data.extract feeds only sentences about the
subject, `_clear_subject` refuses a verb whose real subject may be something else ("programs written in"), and
a name is taken only when it plainly ends (no answer is one name of a list, or a name cut short).
"""
import re

from ragkit.data.text_spans import is_company, is_person, read_capitalised

WHO_VERBS = "created|designed|developed|invented|written|founded|discovered|devised|conceived|implemented|started|proposed|coined"
COMPANY_VERBS = ("made|manufactured|produced|released|published|marketed|sold|distributed|developed|designed|"
                 "created|written|introduced|launched|built|announced")
WHEN_VERBS = ("created|designed|developed|invented|written|founded|discovered|devised|conceived|implemented|"
              "started|introduced|released|published|launched|announced|built|proposed|standardised|standardized")
WHERE_VERBS = "developed|designed|written|created|invented|implemented|built|conceived|started|devised"
_GAP = r"(?:[^\s.,;:()]+\s+){0,%d}?"  # a few words with no clause punctuation between verb and cue
_ADVERB = r"(?:(?:originally|first|initially|jointly|primarily|mainly|largely|mostly|principally)\s+)?"
_YEAR = r"(1[89]\d\d|20[0-2]\d)(?=-\d\d-\d\d\b|(?![\d\w]|\s*[-\u2013/]\s*\d|'s))"  # "1985", "2005-02-14"; not "1972 - 1974"
_END_OF_NAME = re.compile(r"^(?:$|[.,;:)]|\s+[a-z(])")  # capitals were all consumed, so a name ends here
_RELATIVE_SUBJECT = re.compile(r"\b(of|for|to|from|with|on|than|like|by|under|as|about|into|versus)\s+(?:the\s+)?[A-Z]"
                               r"|,\s*(?:which|who|whose|that)\b")
_FUNCTION_WORDS = {"that", "which", "who", "whose", "where", "when", "while", "to", "for", "of", "in", "on", "with",
                   "from", "by", "as", "than", "like", "into", "using", "used", "and", "or", "its", "their",
                   "his", "her", "is", "was", "are", "were", "has", "have", "had", "it", "they"}
_PRODUCT_NOUNS = ("interpreter|compiler|program|package|library|language|tool|system|editor|utility|implementation|"
                  "version|game|extension|toolkit|assembler|debugger|environment|browser|server|client|shell|"
                  "preprocessor|translator|parser|generator|font|protocol|algorithm|specification|processor|"
                  "microprocessor|application|framework|simulator|emulator|computer|workstation|printer|"
                  "product|database|spreadsheet|dialect|superset|subset|variant|standard|format|chip|card|modem")
BASED_RELATIONS = ("based on|derived from|a dialect of|an extension of|an extension to|a superset of|a subset of|"
                   "a variant of|a descendant of|a successor to|a derivative of|modelled on|modeled on")


def _clear_subject(prefix, title, definition):
    """True when nothing before the verb could be the verb's real subject ("programs written in", "a port of Foo
    developed by"). The verb must follow a copula ("X was developed by"), the comma of the defining sentence
    ("A language for Unix, written by"), or a short noun phrase with no preposition or relative word ("A Scheme
    compiler written in C"). An earlier "developed by Sun" is the entry's own agent and is ignored."""
    prefix = re.sub(r"^(?:1\.\s+)?(?:\([^()]*\)\s*)*", "", prefix.replace(title, ""))
    prefix = re.sub(r"\b(?:%s)\s+(?:\S+\s+){0,4}?by\s+[A-Z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*)*" % COMPANY_VERBS,
                    "", prefix)
    if re.search(r"\b(?:that|which|who|whose|where|using|used|uses|based|called|named|known)\b", prefix):
        return False
    if definition:
        if re.search(r"[.!?]\s", prefix):
            return False  # a sentence break the splitter kept ("... computations. 12 are written in")
        # FOLDOC's defining fragment ("A version of Yacc written in SASL by ...") hangs its participles on the
        # head noun, the entry, even after a prepositional phrase.
        return len(prefix.split()) <= 20 and not re.search(r"\b(?:is|was|are|were|has|had|have)\b", prefix) \
            or bool(re.search(r"\b(?:is|was|are|were)\s+(?:\w+ly\s+)?$", prefix))
    if len(prefix.split()) > 25 or _RELATIVE_SUBJECT.search(prefix):
        return False
    if re.fullmatch(r"\s*(?:(?:It|Its \w+|This \w+|The \w+)\s+)?(?:is|was|are|were|has been|had been|have been)"
                    r"(?:\s+(?:\w+ly|also|then|first|later|since|now))*\s*", prefix):
        return True  # "Perl was (originally) developed by": nothing but the entry comes before the verb
    words = re.findall(r"[A-Za-z]+", prefix)
    return len(words) <= 12 and not _FUNCTION_WORDS.intersection(w.lower() for w in words)


def _agent(text, start):
    """Reads the agent after "by" at `start`: a span with the tokens of each name, extended over "A and B" and
    "A, B, and C" so that the answer is never one name of several."""
    got = read_capitalised(text, start, max_tokens=5)
    if got and got[2][-1] in _INSTITUTION_WORDS and got[3].startswith(" of "):
        got = read_capitalised(text, start, max_tokens=6, allow_of=True)  # "the University of Tennessee"
    if not got:
        return None
    s, e, tokens, rest = got
    suffix = re.match(r",?\s+(?:Inc|Ltd|Corp|Co|LLC|GmbH|AG|plc)\b\.?", rest)
    if suffix:  # "Apple Computer, Inc." is one company
        e += suffix.end()
        tokens = tokens + [suffix.group(0).strip(" ,")]
        rest = text[e:]
    names = [tokens]
    while True:
        more = re.match(r"(?:,\s+(?:and\s+)?|\s+and\s+)(?=[A-Z])", rest)
        if not more:
            return s, e, names, rest
        following = read_capitalised(text, e + more.end(), max_tokens=4)
        if not following:
            return None
        e, rest = following[1], following[3]
        names.append(following[2])
        if "and" in more.group(0):
            return s, e, names, rest


def by_facts(text, s0, s1, title, lexicon, tags, definition):
    """Who made it (a person) or which company made it, from "VERB ... by NAME"."""
    out, sentence = [], text[s0:s1]
    for m in re.finditer(r"\b%s(%s)\s+%sby\s+(?:the\s+)?" % (_ADVERB, COMPANY_VERBS + "|" + WHO_VERBS, _GAP % 4),
                         sentence):
        if not _clear_subject(sentence[:m.start()], title, definition):
            continue
        got = _agent(text, s0 + m.end())
        if not got or not _END_OF_NAME.match(got[3]) or got[1] > s1:
            continue
        verb, parts, with_the = m.group(1), got[2], m.group(0).rstrip().endswith(" the")
        if "person" in tags or ("company" in tags and verb != "founded"):
            continue  # firms are "founded by" people; other verbs on a firm's or a person's entry mislead
        if (all(is_person(p, lexicon.people, lexicon.non_people) for p in parts) and not with_the
                and re.fullmatch(WHO_VERBS, verb)):
            out.append({"family": "who", "relation": verb, "subject": title, "start": got[0], "end": got[1]})
        elif len(parts) == 1 and is_company(parts[0], lexicon.companies) and "company" not in tags:
            out.append({"family": "company", "relation": verb, "subject": title, "start": got[0], "end": got[1]})
        elif len(parts) == 1 and _is_institution(parts[0]) and re.fullmatch(WHERE_VERBS, verb):
            out.append({"family": "where", "relation": verb, "subject": title, "start": got[0], "end": got[1]})
    return out


_INSTITUTION_WORDS = {"University", "Institute", "College", "Laboratory", "Laboratories", "Labs", "Lab", "Centre",
                      "Center", "PARC", "DARPA", "ARPA", "MIT", "CMU", "INRIA", "CERN", "NASA", "UCLA", "ETH",
                      "Stanford", "Berkeley", "Cambridge", "Edinburgh", "Oxford", "Carnegie-Mellon"}


def _is_institution(tokens):
    """A university, laboratory or research agency ("University of Edinburgh", "Bell Labs", "DARPA")."""
    return any(t in _INSTITUTION_WORDS for t in tokens) and tokens[0] not in ("The", "This")


def when_facts(text, s0, s1, title, definition):
    """The year it was made, from "VERB ... in 1985" or "In 1985 ... VERB"."""
    out, sentence = [], text[s0:s1]
    pattern = r"\b%s(%s)\s+%s(?:in|ca\.|circa|around|about|during|on)\s+(?:(?:about|around|circa|ca\.|early|late|mid-)\s*)?%s"
    for m in re.finditer(pattern % (_ADVERB, WHEN_VERBS, _GAP % 8, _YEAR), sentence):
        if not _clear_subject(sentence[:m.start()], title, definition) or re.search(r"\b(?:by|until|since|before|after)\s+\S+$",
                                                                         sentence[:m.start(2)].rstrip()):
            continue
        between = sentence[m.end(1):m.start(2)]
        if re.search(r"\b(?:%s)\b" % WHEN_VERBS, between) or re.search(r"\d", between):
            continue
        relation = m.group(1).replace("standardized", "standardised")
        if relation == "standardised":
            continue
        out.append({"family": "when", "relation": relation, "subject": title,
                    "start": s0 + m.start(2), "end": s0 + m.end(2)})
        break
    return out


def where_facts(text, s0, s1, title, lexicon, definition):
    """The institution or company where it was made, from "VERB ... at PLACE"."""
    out, sentence = [], text[s0:s1]
    for m in re.finditer(r"\b%s(%s)\s+%sat\s+(?:the\s+)?" % (_ADVERB, WHERE_VERBS, _GAP % 4), sentence):
        if not _clear_subject(sentence[:m.start()], title, definition):
            continue
        got = read_capitalised(text, s0 + m.end(), max_tokens=6, allow_of=True)
        if got and "University" in got[2]:
            campus = re.match(r"(?:\s+at|,)\s+(?!St\b|Ft\b|Mt\b)([A-Z][a-z]+(?:\s[A-Z][a-z]+)?)(?=[\s.,;:)]|$)", got[3])
            if campus:  # "University of California at Berkeley" is one answer
                end = got[1] + campus.end()
                got = (got[0], end, got[2] + campus.group(1).split(), text[end:])
        if not got or got[1] > s1 or not _END_OF_NAME.match(got[3]) or re.match(r"\s+and\s+[A-Z]|,\s+[A-Z]", got[3]):
            continue  # "at Bolt, Beranek & Newman", "at Sun and Stanford": the answer would be partial
        tokens = got[2]
        name = " ".join(tokens)
        if (name in lexicon.languages or is_person(tokens, lexicon.people, lexicon.non_people)
                or re.match(r"\d", name) or tokens[0] in ("The", "This", "Version", "Release")):
            continue
        out.append({"family": "where", "relation": m.group(1), "subject": title, "start": got[0], "end": got[1]})
        break
    return out


def language_facts(text, s0, s1, title, lexicon, tags, definition):
    """The language it is written in or based on."""
    out, sentence = [], text[s0:s1]
    if "person" in tags or "company" in tags:
        return out
    written = r"\b(written|implemented|coded|programmed)\s+(?:(?:almost\s+)?(?:entirely|" \
              r"mostly|largely|mainly|completely|wholly)\s+)?in\s+(?:the\s+)?"
    based = r"\b(%s)\s+(?:the\s+)?(?:(?:programming\s+)?language\s+)?" % BASED_RELATIONS
    for pattern, family_rel in ((written, "written"), (based, None)):
        for m in re.finditer(pattern, sentence):
            if not _clear_subject(sentence[:m.start()], title, definition):
                continue
            if family_rel is None and ("language" not in tags or re.search(r"\b(?:of|to|on|from)\s*$",
                                                                           sentence[:m.start()])):
                continue  # "based on X" tells a heritage only of languages, and not in "an extension of a subset of"
            name = lexicon.language_at(text, s0 + m.end())
            if not name or name == title:
                continue
            relation = family_rel and ("implemented" if m.group(1).endswith("implemented") else "written")
            out.append({"family": "language", "relation": relation or m.group(1), "subject": title,
                        "start": s0 + m.end(), "end": s0 + m.end() + len(name)})
            break
    return out


def definition_facts(text, s0, s1, title, lexicon, tags):
    """Makers named without a verb in the defining sentence: "A Logo interpreter by Brian Harvey", "A colour
    printer from Canon", "A Miranda-like language from Rhodes University", "IBM's first RISC computer"."""
    out, sentence = [], text[s0:s1]
    if "person" in tags or "company" in tags:
        return out
    m = re.match(r"^(?:1\.\s+)?(?:\([^()]*\)\s*)*(?:A|An|The)\s+(?:[^\s.,;:()]+\s+){0,6}?(?:%s)\s+(by|from)\s+"
                 r"(?:the\s+)?" % _PRODUCT_NOUNS, sentence)
    if m:
        got = _agent(text, s0 + m.end())
        if got and _END_OF_NAME.match(got[3]) and got[1] <= s1:
            parts, cue = got[2], m.group(1)
            fact = {"subject": title, "start": got[0], "end": got[1]}
            if cue == "by" and all(is_person(p, lexicon.people, lexicon.non_people) for p in parts):
                out.append(dict(fact, family="who", relation="created"))
            elif len(parts) == 1 and is_company(parts[0], lexicon.companies):
                out.append(dict(fact, family="company", relation="made"))
            elif len(parts) == 1 and _is_institution(parts[0]) and cue == "from":
                out.append(dict(fact, family="where", relation="developed"))
    m = re.match(r"^(?:1\.\s+)?(?:\([^()]*\)\s*)*(?:The\s+)?(?=[A-Z])", sentence)
    owner = read_capitalised(text, s0 + m.end(), max_tokens=4, possessive=True) if m else None
    product = owner and re.match(r"'s\s+(?:[^\s.,;:()]+\s+){0,5}?(?:%s)\b" % _PRODUCT_NOUNS, owner[3])
    if product and is_company(owner[2], lexicon.companies):  # "IBM's first RISC computer", not "IBM's term for"
        out.append({"family": "company", "relation": "made", "subject": title, "start": owner[0], "end": owner[1]})
    return out


_KIND_RELATIONS = {"dialect": "a dialect of", "variant": "a variant of", "extension": "an extension of",
                   "superset": "a superset of", "subset": "a subset of", "derivative": "a derivative of",
                   "descendant": "a descendant of"}
_IMPLEMENTS = "compiler|interpreter|implementation|translator|preprocessor|front end|to C translator"


def language_kind_facts(text, s0, s1, title, lexicon, tags):
    """The language an entry belongs to, from its defining noun phrase: "A Lisp dialect" (a dialect of Lisp),
    "A Scheme interpreter" or "An implementation of Prolog" (it implements Scheme, Prolog)."""
    out, sentence = [], text[s0:s1]
    if "person" in tags or "company" in tags:
        return out
    head = re.match(r"^(?:1\.\s+)?(?:\([^()]*\)\s*)*(?:A|An)\s+(?:(?:[a-z][\w-]*|[A-Z]{2,}[\w-]*),?\s+){0,3}?", sentence)
    if not head:
        return out
    pos = s0 + head.end()
    name = lexicon.language_at(text, pos, head_noun=True)
    if name and name != title:
        noun = re.match(r"\s+(dialect|variant|extension|superset|subset|derivative|descendant|%s)\b" % _IMPLEMENTS,
                        text[pos + len(name):])
        if noun and noun.group(1) in _KIND_RELATIONS:
            relation = _KIND_RELATIONS[noun.group(1)] if "language" in tags else None
        else:
            relation = "implements" if noun else None
        if relation:
            out.append({"family": "language", "relation": relation, "subject": title, "start": pos, "end": pos + len(name)})
        return out
    of = re.match(r"(?:%s)\s+(?:of|for)\s+(?:the\s+)?" % _IMPLEMENTS, sentence[head.end():])
    if of:
        pos += of.end()
        name = lexicon.language_at(text, pos)
        if name and name != title and not re.match(r"\s+(?:and|or)\b|,", text[pos + len(name):]):
            out.append({"family": "language", "relation": "implements", "subject": title, "start": pos,
                        "end": pos + len(name)})
    return out
