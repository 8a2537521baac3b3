"""Generator training examples, each a (source ids, target ids) pair in BART's convention.

Source: the RAG input of one passage (`ragkit.rag_inputs.join_context`) with `<s> ... </s>`, truncated keeping `</s>`.
Target: `<s> answer </s>`; the decoder input is the target shifted right behind `decoder_start_token_id` (2).

Kinds, from easy copying to extraction (copying must be taught on purpose, see ENVIRONMENT.md):
- infill: BART's text infilling: spans (Poisson lengths, mean 3) covering ~30% of the passage's tokens become one
  `<mask>` each; the target is the passage's opening (denoising teaches the decoder to copy from the encoder).
- cloze: the question slot holds the few words before a span of the passage; the target is the span that follows
  (find the place the question points at, copy what is there: extraction without templates).
- hole: a sentence of the passage with an entity-like span (a year, a capitalised name, a few words) replaced by a
  question word ("Python was created by who in 1991?"); the target is the span. Unlimited, template-free questions
  over every passage: the generator learns to locate by the words around an answer, which carries to unseen corpora.
  *Typed* holes name the kind of answer where the span or the words before it tell ("... at which university in
  1984?", "written in which language?", "by whom"), and keep "who" for people.
- qa: a generated question about the passage; the target is its answer span.
- acronym: a run of 2-4 words of the passage gets its initials in brackets after it ("... held in a Deferred Envelope
  Queue (DEQ) ..."), and an acronym question asks for it ("What does DEQ stand for in Larkspur?"): expansions
  defined anywhere in a passage, as unseen corpora define them, instead of FOLDOC's ~700 acronym questions, most of
  them about an entry's own title. Measured before: 0 of 23 acronym questions of unseen-dev answered with the gold
  passage, the answer a person or product named elsewhere in it.
- hole, qa and acronym come also *disguised* (disguise.py): the answer's words invented afresh in passage and
  target, so that copying, not memory of FOLDOC's names, is what answers.
- relations: a sentence of several invented facts about the entry inserted into the passage, and a question about
  one of them (relations.py): telling facts apart by the relation the question names.
- terms: a relations passage that also defines a term by its acronym, and a question about the term's expansion or
  a fact (terms.py): finding an acronym's brackets among other names.
- styled: an invented entity written as prose, an infobox, a news report, a gazetteer entry, a label, a timeline,
  a dictionary entry or a table, asked about one fact or its definition (synth/styled.py): reading any style.
- definition: "What is {title}?" over a real passage, answered by its defining phrase (synth/definitions.py).
- jeopardy: the question slot holds the task prefix and the answer (the entry's title); the target is the clue.
"""
import re

import numpy as np

from ..data.templates import ACRONYM, ACRONYM_IN, fill
from ..data.text_spans import NOT_NAME_WORDS, is_company, is_person, sentences
from ..rag_inputs import join_context, reader_window
from .definitions import definition_example
from .disguise import disguise
from .relations import relations_example
from .styled import styled_example
from .terms import terms_example

# Spans a `hole` question asks about, with the question words that fit them: years and capitalised runs (names,
# companies, acronym expansions). Lower-case runs were tried and cut across phrases ("is the basis").
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_CAPITALISED = re.compile(r"\b[A-Z][\w&+#-]*(?: (?:of |for |de |van |von )?[A-Z][\w&+#-]*){0,4}")
_WH = {"year": ["when", "what year", "which year"], "name": ["who", "what", "which"]}
# Typed question words (`hole` with typed=True): the kind of answer, told by the span itself or by the words before
# it, as real questions name it ("At which firm ...", "... written in which language?"). The untyped "which" for any
# name taught the reader that the noun after "which" does not matter: given the gold passage, it answered
# unseen-dev's company questions with a person 0 of 11 right.
_KINDS = [  # (last words of the span, question words), first match wins
    ({"University", "College", "Polytechnic", "School"}, ["which university", "which institution"]),
    ({"Institute"}, ["which institute", "which institution"]),
    ({"Laboratory", "Laboratories", "Lab", "Labs"}, ["which laboratory", "which institution"]),
]
_COMPANY_WH = ["which company", "what company", "which firm"]
_LANGUAGE_WH = ["which language", "what language", "which programming language"]
_LANGUAGE_CUE = re.compile(r"\b(?:(?:written|implemented|coded|programmed|rewritten)(?: \w+)? in|based on|"
                           r"derived from|borrow\w*(?: \w+){0,3} from|descended from|dialect of) $")
_UNTYPED_WH = ["what", "which"]  # typed holes keep "who" for people
# Words an `acronym` expansion is made of: letters only, and no function words (acronyms skip them, and a
# disguised "of" stays "of", so its initial would not fit).
_WORD = re.compile(r"[A-Za-z][a-z]+(?:-[a-z]+)?|[A-Z][A-Za-z]+")
_FUNCTION_WORDS = {"a", "an", "the", "of", "for", "and", "or", "to", "in", "on", "at", "by", "with", "is", "are",
                   "was", "were", "be", "as", "it", "its", "that", "this", "from", "which", "who", "not"}

# The Jeopardy task's prefix in the generator's question slot; recorded in the bundle's rag_config.json.
JEOPARDY_PREFIX = "jeopardy: "
# The tasks of an exported bundle (rag_config.json). Answers are extractive (span_constraint.py: the small
# generator garbles names it copies) and read from each passage's 30-word window about the question
# (rag_inputs.reader_window: the small reader reads short windows better than whole passages, rule 23 in
# EXPERIMENTS.md); Jeopardy clues are written, not copied, from whole passages.
TASKS = {"answer": {"prefix": "", "extractive": True, "window_words": 30}, "jeopardy": {"prefix": JEOPARDY_PREFIX}}


class ExampleMaker:
    """Builds tokenized examples with one generator tokenizer and the model's length limits."""

    def __init__(self, tokenizer, max_source=256, max_target=48, jeopardy_prefix=JEOPARDY_PREFIX, answer_space="",
                 window_words=0):
        self.tok = tokenizer
        # Questions read their passage's reader window of this many words, as a bundle with `window_words` serves
        # them (rag_inputs.reader_window); 0: the whole passage.
        self.window_words = window_words
        # "passage" | "": answers tokenized after a space where their passage has one (see `answer`). The byte-level
        # BPE spells a word differently at the start of a text ("C" "or" "ble" "igh") than after a space, as in the
        # passage (" Cor" "ble" "igh"), so copying the answer's first word otherwise means spelling it anew.
        assert answer_space in ("", "passage"), f"answer_space {answer_space!r}"
        self.answer_space = answer_space
        self.max_source = max_source
        self.max_target = max_target
        self.jeopardy_prefix = jeopardy_prefix
        self.mask_id = tokenizer.token_to_id("<mask>")
        self.bos, self.eos = tokenizer.token_to_id("<s>"), tokenizer.token_to_id("</s>")
        assert self.mask_id is not None, "the generator tokenizer needs a <mask> token for infilling"

    def source(self, title, text, question):
        return self.tok.encode(join_context(title, text, question), max_length=self.max_source)

    def answered(self, title, text, question, answer):
        """(source, target) of a question answered by copying `answer` from `text`, the passage as the generator
        reads it: its reader window when the maker has one, and None when that window lacks the answer."""
        if self.window_words:
            text = reader_window(text, question, self.window_words)
            if answer not in text:
                return None
        return self.source(title, text, question), self.answer(answer, text)

    def _fits(self, pair):
        """`pair`, or None when it is None or the truncation cut its question."""
        return pair if pair and len(pair[0]) < self.max_source else None

    def target(self, text):
        return self.tok.encode(text, max_length=self.max_target)

    def answer(self, text, passage_text):
        """The target of an answer copied from `passage_text`: when `answer_space` is "passage", after a space where
        the passage has a space (or its start) before the answer, not where only a bracket, a quote, a line break or
        a tab does ("PDC (Primary Domain Controller)", "Founded:\t1887"): the byte-level BPE joins a space to the
        word after it, and no other character."""
        spaced = False
        if self.answer_space == "passage":
            starts = [m.start() for m in re.finditer(re.escape(text), passage_text)]
            spaced = not starts or any(i == 0 or passage_text[i - 1] == " " for i in starts)
        return self.target(" " + text if spaced else text)

    def infill(self, passage, rng):
        body = self.tok.encode(passage["text"])[1:-1]
        budget = int(round(0.3 * len(body)))
        masked = np.zeros(len(body), dtype=bool)
        nprng = np.random.default_rng(rng.randrange(2**32))
        tries = 0
        while masked.sum() < budget and tries < 100:
            tries += 1
            span = max(1, int(nprng.poisson(3)))
            start = rng.randrange(max(1, len(body) - span + 1))
            masked[start : start + span] = True
        corrupted, previous = [], False
        for token, is_masked in zip(body, masked):
            if is_masked and not previous:
                corrupted.append(self.mask_id)
            elif not is_masked:
                corrupted.append(token)
            previous = is_masked
        title_ids = self.tok.encode(passage["title"] + " / ")[1:-1]
        src = [self.bos] + title_ids + corrupted
        src = src[: self.max_source - 1] + [self.eos]
        tgt = [self.bos] + body[: self.max_target - 2] + [self.eos]
        return src, tgt

    def cloze(self, passage, rng):
        words = passage["text"].split()
        span_len = rng.randint(1, 4)
        cue_len = rng.randint(3, 6)
        if len(words) < cue_len + span_len:
            return None
        start = rng.randint(cue_len, len(words) - span_len)
        cue = " ".join(words[start - cue_len : start])
        span = " ".join(words[start : start + span_len]).strip(".,;:()\"'")
        if not span:
            return None
        question = rng.choice(["what comes after", "continue", "what follows", "next words after", "complete"])
        return self.answered(passage["title"], passage["text"], f'{question} "{cue}"?', span)

    def hole(self, passage, rng, disguised=False, typed=False):
        """`typed`: a name asked about is preferably one whose kind is known, with question words naming it."""
        text = passage["text"]
        spans = [(a, b) for a, b in sentences(text) if len(text[a:b].split()) >= 6]
        if not spans:
            return None
        a, b = rng.choice(spans)
        sentence = text[a:b]
        shape = rng.choices(["year", "name"], [0.3, 0.7])[0]
        pattern = _YEAR if shape == "year" else _CAPITALISED
        found = [m for m in pattern.finditer(sentence) if shape == "year" or (
            m.start() > 0 and sentence[m.start() - 1] not in "(\"" and m.group(0).split()[0] not in NOT_NAME_WORDS)]
        if not found:
            return None
        kinds = [_typed_wh(sentence[: m.start()], m.group(0).split()) if typed and shape == "name" else None
                 for m in found]
        if any(kinds):
            found, kinds = zip(*[(m, k) for m, k in zip(found, kinds) if k])
        pick = rng.randrange(len(found))
        m, kind = found[pick], kinds[pick]
        title, left, answer, right = passage["title"], sentence[: m.start()], m.group(0), sentence[m.end():]
        if disguised:
            swapped = disguise([title, text, left, right], answer, rng)
            if swapped is None:
                return None
            (title, text, left, right), answer = swapped
        wh = kind or (_UNTYPED_WH if typed and shape == "name" else _WH[shape])
        question = (left + rng.choice(wh) + right).rstrip(" .;:") + "?"
        return self._fits(self.answered(title, text, question, answer))

    def acronym(self, passage, rng, disguised=False):
        text = passage["text"]
        words = [m for m in _WORD.finditer(text) if m.group(0).lower() not in _FUNCTION_WORDS]
        n = rng.randint(2, 4)
        runs = [words[i : i + n] for i in range(len(words) - n + 1)
                if all(text[a.end() : b.start()] == " " for a, b in zip(words[i : i + n], words[i + 1 : i + n]))]
        capitalised = [r for r in runs if all(m.group(0)[0].isupper() for m in r)]
        if capitalised and rng.random() < 0.8:
            runs = capitalised  # the usual shape of an expansion; lower-case ones exist too ("phase-shift keying")
        runs = [r for r in runs if not text[r[-1].end() :].startswith(" (")]
        if not runs:
            return None
        run = rng.choice(runs)
        start, end = run[0].start(), run[-1].end()
        expansion, letters = text[start:end], "".join(m.group(0)[0].upper() for m in run)
        title, text = passage["title"], f"{text[:end]} ({letters}){text[end:]}"
        if disguised:
            swapped = disguise([title, text], expansion, rng)
            if swapped is None:
                return None
            (title, text), expansion = swapped
        in_entry = rng.random() < 0.5
        question = fill(rng.choice(ACRONYM_IN if in_entry else ACRONYM), letters, "", c=title)
        return self._fits(self.answered(title, text, question, expansion))

    def relations(self, passage, rng):
        """A question about one fact of an invented fact-dense sentence (relations.py)."""
        return self._invented(relations_example(passage, rng))

    def terms(self, passage, rng):
        """A question about a defined term's expansion, or about a fact, beside both (terms.py)."""
        return self._invented(terms_example(passage, rng))

    def styled(self, rng, open_facts=False, full_page=False):
        """A question about an invented entity written in one of many styles (synth/styled.py), with `open_facts`
        about one of its open relations (synth/open_facts.py), with `full_page` in a document that fills its
        served passage."""
        return self._invented(styled_example(rng, open_facts, full_page))

    def definition(self, passage, rng):
        """"What is {title}?" answered by the passage's defining phrase (synth/definitions.py)."""
        return self._invented(definition_example(passage, rng))

    def _invented(self, made):
        """The pair of a made example: relations, terms, styled, definition (None stays None)."""
        if made is None:
            return None
        return self._fits(self.answered(made["title"], made["text"], made["question"], made["answer"]))

    def qa(self, passage, question, answer, rng=None, disguised=False):
        """`disguised` (which draws from `rng`) falls back to the plain example when the answer has no word to
        disguise."""
        title, text = passage["title"], passage["text"]
        swapped = disguise([title, text, question], answer, rng) if disguised else None
        if swapped:
            (title, text, question), answer = swapped
        return self.answered(title, text, question, answer)

    def jeopardy(self, passage, answer, clue):
        return self.source(passage["title"], passage["text"], self.jeopardy_prefix + answer), self.target(clue)


def _typed_wh(left, tokens):
    """Question words naming the kind of the capitalised span `tokens` that follows `left`, or None."""
    for words, wh in _KINDS:
        if tokens[-1] in words or (tokens[0] in words and "of" in tokens):  # "University of Hemmingsby"
            return wh
    if is_company(tokens, ()):
        return _COMPANY_WH
    if len(tokens) == 1 and _LANGUAGE_CUE.search(left):
        return _LANGUAGE_WH
    if is_person(tokens, (), ()):
        return ["whom"] if left.endswith("by ") else ["who"]
    return None
