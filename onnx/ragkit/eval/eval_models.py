"""The models as the report uses them: exact inner-product retrieval over a set of passages, and answers decoded
the way the service decodes them."""
import torch

from .. import rag_reference as rr
from ..cached_scorer import CachedScorer
from ..rag_inputs import windowed
from ..span_constraint import PieceVocabulary, SpanConstraint
from ..train.train_dpr import TextEncoder, embed_passages


class Retriever:
    """Exact inner-product search over one set of passages with the question encoder (what IndexFlatIP does)."""

    def __init__(self, q_enc, ctx_enc, enc_tok, passages, cfg, vectors=None):
        self.q_enc, self.passages = q_enc.eval(), passages
        self.q_text = TextEncoder(enc_tok, cfg["max_query"])
        if vectors is None:
            vectors = embed_passages(ctx_enc, TextEncoder(enc_tok, cfg["max_passage"]), passages)
        self.vectors = torch.as_tensor(vectors, dtype=torch.float32)
        assert self.vectors.shape[0] == len(passages), f"{self.vectors.shape[0]} vectors for {len(passages)} passages"

    @torch.no_grad()
    def search(self, queries, k):
        """(indices [n, k], scores [n, k]) of the top-k passages per query, best first."""
        out_i, out_s = [], []
        for i in range(0, len(queries), 64):
            scores = self.q_enc(*self.q_text.batch(queries[i:i + 64])) @ self.vectors.T
            top = torch.topk(scores, min(k, len(self.passages)), dim=1)
            out_i.append(top.indices)
            out_s.append(top.values)
        return torch.cat(out_i), torch.cat(out_s)


class Reader:
    """Answers through `ragkit.rag_reference` (every processor of DECODING.md) over a CachedScorer, one question at
    a time. NOTE: generate.py's batched greedy is not used: it lacks the processors (it emits `<s>` again after the
    forced `<s>` where bad_words_ids [[0, 0]] forbids it), so its answers can differ from the service's."""

    def __init__(self, generator, tok, cfg, extractive=False, window_words=None):
        """`extractive`: answers are held to spans of their passages (the bundle's `tasks.answer.extractive`);
        `window_words`: answers are read from each passage's window about the question (`tasks.answer.window_words`,
        rag_inputs.reader_window)."""
        self.gen, self.tok, self.cfg, self.window_words = generator.eval(), tok, cfg, window_words
        self.pad = tok.token_to_id("<pad>")
        self.gen_cfg = rr.generation_config(forced_bos_token_id=generator.config.forced_bos_token_id)
        self.pieces = PieceVocabulary(tok, generator.config.vocab_size) if extractive else None

    def decode(self, inputs, scores, mode="token", num_beams=1, constraint=None):
        """Answer text for generator inputs (token id lists, one per document) and their retrieval scores."""
        out = rr.decode(CachedScorer(self.gen, inputs, self.pad), rr.doc_log_weights(scores), self.gen_cfg,
                        mode=mode, num_beams=num_beams, constraint=constraint)
        return self.tok.decode(out["tokens"]).strip()

    def rag(self, passage_lists, slots, scores, mode="token", num_beams=1, task="answer"):
        """RAG answers per question: retrieved passages, the question slot (question or prefixed answer), scores.
        Answers are extractive and windowed when the reader was made so; Jeopardy clues (`task="jeopardy"`) never
        are."""
        if task == "answer":
            passage_lists = [windowed(ps, slot, self.window_words) for ps, slot in zip(passage_lists, slots)]
        return [self.decode(rr.generator_inputs(self.tok, ps, slot, self.cfg["max_combined_length"]), sc, mode,
                            num_beams, self._constraint(ps) if task == "answer" else None)
                for ps, slot, sc in zip(passage_lists, slots, scores)]

    def _constraint(self, passages):
        if self.pieces is None:
            return None
        return SpanConstraint(self.pieces, [[p["title"], p["text"]] for p in passages], self.gen_cfg["eos_token_id"],
                              self.gen_cfg["bos_token_id"])

    def closed_book(self, questions, num_beams=1):
        """The generator alone: `<s> question </s>` as its only input."""
        return [self.decode([self.tok.encode(q, max_length=self.cfg["max_combined_length"])], [0.0], "token",
                            num_beams) for q in questions]
