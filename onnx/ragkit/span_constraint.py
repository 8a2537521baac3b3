"""Extractive answers (docs/DECODING.md, "Extractive answers"): a logits processor that lets a row generate only
text that occurs in its documents, starting at a word and ending at a word's end, compared case-insensitively.

Why: the embedded default's small generator reads the right place but garbles names it copies ("Lavinia
Hoskarthholt" for "Lavinia Hoskarth"). Measured on the sixth session's bundle, unchanged weights, RAG-Token beam 4
through the TypeScript engine (`npm run rag -- eval <questions> --model onnx/demo --index <its index> --beams 4
--extractive on|off`), exact matches free -> held: FOLDOC dev 22 -> 25 of 79, index-data/unseen-dev 25 -> 28 of
100, index-data/unseen-dev2 (written after) 24 -> 35 of 100. Jeopardy clues are not spans, so it is a per-task
setting (`tasks.<task>.extractive` in rag_config.json).

The TypeScript engine implements the same rule (src/generator/decoding/span-constraint.ts); fixtures hold both to
it token for token."""
import re

NEG_INF = float("-inf")
_SPACES = re.compile(r"\s+")


def _word_char(c):
    return "a" <= c <= "z" or "0" <= c <= "9"


def normalize(text):
    """How sources and generated text are compared: whitespace runs as one space, trimmed, lower case."""
    return _SPACES.sub(" ", text).strip().lower()


class PieceVocabulary:
    """Each token's text, lower case, once per tokenizer: `pieces` maps a piece to its token ids, `starts` a piece
    without its leading spaces to the ids that may open an answer. Special tokens and pieces holding U+FFFD (a
    split multi-byte character) are in neither, so they can never be generated under the constraint."""

    def __init__(self, tokenizer, vocab_size):
        self.pieces, self.starts, self.longest = {}, {}, 1
        for token_id in range(vocab_size):
            if token_id in tokenizer.special_ids or tokenizer.id_to_token(token_id) is None:
                continue
            piece = tokenizer.decode([token_id]).lower()
            if not piece or "\ufffd" in piece:
                continue
            self.pieces.setdefault(piece, []).append(token_id)
            if piece.lstrip(" "):
                self.starts.setdefault(piece.lstrip(" "), []).append(token_id)
            self.longest = max(self.longest, len(piece))
        self.text_of = {i: p for p, ids in self.pieces.items() for i in ids}


class SpanConstraint:
    """Per document, the texts an answer may be copied from (a passage's title and its text)."""

    def __init__(self, vocabulary, docs, eos_token_id, bos_token_id=None):
        self.vocab, self.eos, self.bos = vocabulary, eos_token_id, bos_token_id
        self.docs = [[(s, _word_starts(s)) for s in map(normalize, texts) if s] for texts in docs]

    def answer_text(self, tokens):
        """The row's generated text so far (tokens include the decoder start token), compared form."""
        return "".join(self.vocab.text_of.get(t, "") for t in tokens[1:]).lstrip(" ")

    def allowed(self, tokens, docs=None):
        """(the token ids that keep the answer a span of the documents `docs` (default: all), whether eos may end
        it here)."""
        answer = self.answer_text(tokens)
        sources = [s for k in (range(len(self.docs)) if docs is None else docs) for s in self.docs[k]]
        ids, eos_ok = set(), False
        for source, starts in sources:
            for start in starts:
                if not answer:
                    for length in range(1, min(self.vocab.longest, len(source) - start) + 1):
                        ids.update(self.vocab.starts.get(source[start:start + length], ()))
                    continue
                if not source.startswith(answer, start):
                    continue
                end = start + len(answer)
                eos_ok = eos_ok or end == len(source) or not _word_char(source[end])
                for length in range(1, min(self.vocab.longest, len(source) - end) + 1):
                    ids.update(self.vocab.pieces.get(source[end:end + length], ()))
        return ids, eos_ok

    def restrict(self, scores, tokens, docs=None):
        """Scores [V] with every token outside the span rule at -inf (a new tensor). On the first step bos keeps
        its score (BART opens with `<s>`, forced or not); when nothing would remain, eos may end the answer."""
        ids, eos_ok = self.allowed(tokens, docs)
        if eos_ok or not ids:
            ids.add(self.eos)
        if self.bos is not None and len(tokens) == 1:
            ids.add(self.bos)
        keep = [i for i in sorted(ids) if i < scores.shape[0]]
        out = scores.new_full(scores.shape, NEG_INF)
        out[keep] = scores[keep]
        return out


def _word_starts(source):
    return [i for i in range(len(source)) if _word_char(source[i]) and (i == 0 or not _word_char(source[i - 1]))]
