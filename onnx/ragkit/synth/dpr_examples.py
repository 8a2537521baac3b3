"""DPR training pairs (query, positive passage, hard negative passage), as in Karpukhin et al. 2020, with two
self-supervised kinds added because generated questions alone are few and templated:
- qa: a generated training question and the passage its answer comes from;
- title: the entry's title as the query (what Jeopardy and "what is X" lookups need) and the entry's first passage;
- ict: the Inverse Cloze Task (Lee et al. 2019): a sentence of the passage is the query, and the passage, with that
  sentence removed most of the time, the positive; it teaches matching content words the model has never seen.
- term: a rare term of the passage (an acronym or a word few passages use) alone or behind a short frame, and the
  passage: generated questions about acronyms often point at a passage that only mentions the acronym in passing
  (measured: 47% recall@5 on dev acronym questions against 80-100% for the other families without this kind).
- framed: the question phrasings of ragkit.data.templates around any training entry's title (its first passage is
  the positive), or around one of its rare terms within the title ("What does VPCC stand for in Register Transfer
  Language?", the passage is the positive). Generated questions cover only the few entries with an extracted
  fact; this teaches every title to win through the question's frame (measured before it: test questions naming
  the entry's full title, "Name the developer of Restructured EXtended eXecutor.", ranked its passage 89th).
Hard negatives: a passage of another document that shares a rare word with the query (a cheap stand-in for DPR's
BM25 negatives: lexically close, but the wrong document)."""
import collections
import re
from typing import NamedTuple, Optional

from ..data import templates as T

_WORD = re.compile(r"[a-z0-9][a-z0-9+#.-]*")
_STOP = set("the a an of in on for to and or is are was were by with as at from that this which what who when "
            "where how does do did it its be been x stand stands name called known".split())


_TERM = re.compile(r"\b[A-Za-z0-9][A-Za-z0-9+#/.-]*[A-Za-z0-9+#]")
_FRAMES = ["{}", "{}", "what is {}?", "{} means what?", "about {}", "explain {}", "{}?"]


_TITLE_FRAMES = [*T.WHO, *T.WHEN, *T.WHERE, *T.COMPANY, *T.LANGUAGE_WRITTEN, *T.ACRONYM]


class DprExample(NamedTuple):
    query: str
    positive: dict
    negative: dict
    # Text whose presence makes a passage a right answer too (the answer of a qa question, the term of a term query,
    # the title of a title query): a mined negative must not contain it (Karpukhin et al. filter BM25 negatives so).
    reveals: Optional[str] = None


def content_words(text):
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]


def is_acronym(term):
    """Two or more capitals (SAG, CSMA/CD, OSR2, DoS), the way FOLDOC writes abbreviations."""
    return sum(c.isupper() for c in term) >= 2


class DprExampleMaker:
    KINDS = ("qa", "title", "framed", "term", "ict")  # what `sample` makes

    def __init__(self, data):
        self.data = data
        self.first_passage = {}
        for p in data.train_passages:
            self.first_passage.setdefault(p["doc_id"], p)
        df = collections.Counter()
        self.word_passages = collections.defaultdict(list)
        for p in data.passages:
            words = set(content_words(p["title"] + " " + p["text"][:300]))
            df.update(words)
            for w in words:
                self.word_passages[w].append(p)
        self.df = df

    def hard_negative(self, query, positive, rng):
        """A passage from another document sharing the query's rarest shared word; random when none."""
        words = sorted(set(content_words(query)), key=lambda w: self.df.get(w, 0))
        for w in words:
            pool = self.word_passages.get(w, ())
            if 1 < len(pool) < 2000:
                for _ in range(4):
                    cand = rng.choice(pool)
                    if cand["doc_id"] != positive["doc_id"]:
                        return cand
        while True:
            cand = rng.choice(self.data.passages)
            if cand["doc_id"] != positive["doc_id"]:
                return cand

    def rare_term(self, passage, rng):
        """An acronym of the passage's text, else one of its rarest words; None when it has neither. Terms in many
        passages (SQL, IBM) are left out: they point at no passage in particular."""
        terms = [t for t in _TERM.findall(passage["text"]) if t.lower() not in _STOP]
        acronyms = [t for t in terms if is_acronym(t) and self.df.get(t.lower(), 0) <= 10]
        if acronyms:
            return rng.choice(acronyms)
        rare = [t for t in terms if len(t) > 3 and self.df.get(t.lower(), 0) in range(1, 6)]
        return rng.choice(rare) if rare else None

    def sample(self, kind, rng):
        assert kind in self.KINDS, f"a DPR example kind is one of {self.KINDS}, got {kind!r}"
        reveals = None
        if kind == "qa":
            q = rng.choice(self.data.qa["train"])
            query, positive, reveals = q["question"], self.data.by_id[q["passage_id"]], q["answers"][0]
        elif kind == "title":
            positive = self.first_passage[rng.choice(list(self.first_passage))]
            query = reveals = positive["title"]
        elif kind == "framed":
            positive = rng.choice(self.data.train_passages)
            term = self.rare_term(positive, rng) if rng.random() < 0.4 else None
            if term:
                query, reveals = T.fill(rng.choice(T.ACRONYM_IN), term, "", c=positive["title"]), term
            else:
                positive = self.first_passage.get(positive["doc_id"], positive)
                query = T.fill(rng.choice(_TITLE_FRAMES), positive["title"], rng.choice(list(T.VERBS)))
                reveals = positive["title"]
        elif kind == "term":
            positive = rng.choice(self.data.train_passages)
            reveals = self.rare_term(positive, rng)
            if reveals is None:
                return None
            query = rng.choice(_FRAMES).format(reveals)
        else:
            positive = rng.choice(self.data.train_passages)
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", positive["text"]) if len(s.split()) >= 4]
            if len(sentences) < 2:
                return None
            query = rng.choice(sentences)
            if rng.random() < 0.9:
                positive = dict(positive, text=" ".join(s for s in sentences if s != query))
        return DprExample(query, positive, self.hard_negative(query, positive, rng), reveals)
