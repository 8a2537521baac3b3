"""`terms` examples: a `relations` passage (relations.py) that also defines a term by its acronym, and a question
about the term's expansion or about one of the facts.

Why: given the gold passage, the reader after `relations` expanded 2 of 23 acronyms of unseen-dev2 and answered
the others with a person or a company of the same passage ("What does FLW stand for in Wistrane?" -> "Linnea
Morrowcast and Jasper Oldenshaw"). Its acronym practice (examples.py `acronym`) brackets the initials of words
already in a FOLDOC passage, which seldom holds other names; invented corpora define their terms beside the
people, places and firms of their facts. The byte-level BPE also spells an acronym differently in the question
(" F" "L" "W") and in its brackets ("FL" "W"), so matching them is a thing to learn, from many acronyms.

A term is two to four capitalised words (common words of computing, sometimes an invented name first, as in
"Quillastor Datagram Protocol"), its acronym their initials, written in one of several shapes ("a Frame Linkage Word
(FLW)", "FLW (Frame Linkage Word)", "a Frame Linkage Word, or FLW,"), in a sentence after the facts.
"""
import re

from ..data.templates import ACRONYM, ACRONYM_IN, ACRONYM_MEANING, fill
from .relations import invented_name, relations_example

# Words terms are made of: what the expansions of computing's acronyms are mostly made of.
TERM_WORDS = """Access Address Adjacency Allocation Array Batch Binary Block Branch Buffer Bus Cache Call Cell Channel
Character Check Code Command Control Core Counter Cross Data Datagram Descriptor Device Dimension Directory Display
Dynamic Entry Event Exchange Field File Flag Format Frame Generation Graph Handle Header Identity Image Index
Instruction Interface Interrupt Journal Kernel Key Layout Letter Line Link Linkage List Load Lock Log Logical Map
Mark Match Memory Message Mode Monitor Name Network Node Notation Object Offer Open Operation Page Parameter Pass
Path Pointer Port Priority Process Program Protocol Queue Record Reference Register Relocation Remote Report Request
Resource Route Sample Scan Schedule Screen Script Segment Selector Sequence Session Shadow Shared Signal Slot
Snapshot State Status Storage Stream String Summary Switch Symbol Table Tag Task Template Terminal Text Thread Token
Trace Transfer Tree Trie Unit Vector Virtual Window Word""".split()
# The sentences a term is defined in: {entry}, {term} (already in one of SHAPES), and what it is for.
SENTENCES = ["Every {entry} program keeps {term} that {does}.", "{entry} stores {term} that {does}.",
             "Each record of {entry} carries {term} that {does}.", "The design relies on {term} that {does}.",
             "At start-up {entry} builds {term} that {does}.", "Internally it uses {term} that {does}."]
SHAPES = ["a {expansion} ({acronym})", "an internal {expansion} ({acronym})", "a {expansion}, or {acronym},",
          "the so-called {expansion} ({acronym})", "a structure named {acronym} ({expansion})"]
DOES = ["holds the current position", "points to the previous entry", "records every change", "lists free blocks",
        "names the owner of each object", "marks the end of the data", "is checked before each transfer"]


def invent_term(rng):
    """(expansion, acronym): two to four distinct term words, the first one an invented name now and then."""
    words = rng.sample(TERM_WORDS, rng.randint(2, 4))
    if rng.random() < 0.25:
        words[0] = invented_name(rng, 6, 9)
    return " ".join(words), "".join(w[0] for w in words)


def term_sentence(entry, expansion, acronym, rng):
    shape = re.sub(r"^a (?=[AEIOU])", "an ", rng.choice(SHAPES).format(expansion=expansion, acronym=acronym))
    return rng.choice(SENTENCES).format(entry=entry, term=shape, does=rng.choice(DOES))


def term_question(entry, acronym, rng):
    family = rng.choice([ACRONYM, ACRONYM_IN, ACRONYM_MEANING])
    return fill(rng.choice(family), acronym, "", c=entry)


def terms_example(passage, rng):
    """`relations_example`'s dict with a term sentence after the fact sentence; half the questions ask for the
    term's expansion (kind "term"), the others keep the question about a fact. None where relations gives None."""
    made = relations_example(passage, rng)
    if made is None:
        return None
    expansion, acronym = invent_term(rng)
    title, text, end = made["title"], made["text"], made["inserted"][1]
    made["text"] = f"{text[:end]} {term_sentence(title, expansion, acronym, rng)}{text[end:]}"
    made.update(expansion=expansion, acronym=acronym)
    if rng.random() < 0.5:
        made.update(question=term_question(title, acronym, rng), answer=expansion, kind="term")
    return made
