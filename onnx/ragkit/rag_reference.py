"""The reference RAG decoding in PyTorch: docs/DECODING.md implemented plainly, for fixtures that the TypeScript
engine is held to. It favours obviousness over speed: no key/value cache (every step re-decodes the whole prefix),
and log-softmax, marginalization and scores in float64 from the model's float32 logits (as JavaScript numbers are).

A *scorer* gives next-token logits: `scorer(contexts, prefixes) -> tensor [rows, V]`, where row r continues the
token list prefixes[r] (which starts with the decoder start token) attending to encoded passage contexts[r].
`ModelScorer` wraps a `ragkit.models.bart` generator; tests pass hand-made scorers.

Every decoder returns a dict: `tokens` (generated ids after the decoder start token, the final eos included when
produced), `logprobs` (per generated token), `doc_posteriors` (per token for RAG-Token; one row for RAG-Sequence),
`margins` (per step: how far the decision was from flipping, see `_margin`) and mode-specific details."""
import math

import torch

from .rag_inputs import DOC_SEP, TITLE_SEP, join_context

DEFAULTS = dict(decoder_start_token_id=2, bos_token_id=0, eos_token_id=2, pad_token_id=1, num_beams=4,
                min_length=1, max_length=50, bad_words_ids=[[0, 0]], no_repeat_ngram_size=None,
                forced_bos_token_id=None, forced_eos_token_id=2, length_penalty=1.0, early_stopping=False)
NEG_INF = float("-inf")


def generation_config(**overrides):
    """DECODING.md's defaults (facebook/rag-token-nq) with overrides; unknown keys are rejected."""
    unknown = set(overrides) - set(DEFAULTS)
    assert not unknown, f"unknown generation options: {sorted(unknown)}"
    return {**DEFAULTS, **overrides}


def doc_log_weights(scores):
    """p(z|x) in log space: log_softmax of the retrieval inner products."""
    return torch.log_softmax(torch.as_tensor(scores, dtype=torch.float64), dim=-1)


def generator_inputs(tokenizer, passages, question, max_combined_length=300, prefix="", title_sep=TITLE_SEP,
                     doc_sep=DOC_SEP):
    """Token ids per passage of `title / text // prefix+question`, `<s> ... </s>`, cut to max_combined_length
    with the final `</s>` kept. passages: dicts with title and text; the separators as a bundle's rag_config."""
    return [tokenizer.encode(join_context(p["title"], p["text"], prefix + question, title_sep, doc_sep),
                             max_length=max_combined_length)
            for p in passages]


class ModelScorer:
    """Encodes the K generator inputs once; each call re-decodes the full prefixes (no cache)."""

    def __init__(self, model, input_ids, pad_token_id):
        width = max(len(ids) for ids in input_ids)
        self.ids = torch.tensor([ids + [pad_token_id] * (width - len(ids)) for ids in input_ids])
        self.mask = (torch.arange(width)[None, :] < torch.tensor([len(i) for i in input_ids])[:, None]).long()
        self.model = model.eval()
        with torch.no_grad():
            self.hidden = model.encode(self.ids, self.mask)

    @torch.no_grad()
    def __call__(self, contexts, prefixes):
        lengths = {len(p) for p in prefixes}
        assert len(lengths) == 1, f"rows of one step share a length, got {sorted(lengths)}"
        ctx = torch.tensor(contexts)
        logits, _ = self.model.decode(torch.tensor(prefixes), self.hidden[ctx], self.mask[ctx])
        assert logits.dim() == 3 and logits.shape[0] == len(prefixes), f"logits shape {tuple(logits.shape)}"
        return logits[:, -1]


def process(logprobs, tokens, cfg, constraint=None, docs=None):
    """The logits processors of DECODING.md on one row's log-probabilities [V]; tokens include the start token.
    `constraint`: a span_constraint.SpanConstraint for extractive tasks, over the documents `docs` (default all)."""
    out = logprobs.clone()
    cur_len = len(tokens)
    eos = cfg["eos_token_id"]
    if cfg.get("min_length") is not None and cur_len < cfg["min_length"]:
        out[eos] = NEG_INF
    for banned in cfg.get("bad_words_ids") or []:
        head = list(banned[:-1])
        if not head or tokens[-len(head):] == head:
            out[banned[-1]] = NEG_INF
    n = cfg.get("no_repeat_ngram_size") or 0
    if n > 0 and cur_len + 1 >= n:
        followers = {}  # every (n-1)-gram of the row -> the tokens that came after it
        for i in range(cur_len - n + 1):
            followers.setdefault(tuple(tokens[i:i + n - 1]), []).append(tokens[i + n - 1])
        for t in followers.get(tuple(tokens[cur_len - n + 1:]), []):
            out[t] = NEG_INF
    if constraint is not None:
        out = constraint.restrict(out, tokens, docs)
    forced = (("forced_bos_token_id", cur_len == 1), ("forced_eos_token_id", cur_len == cfg["max_length"] - 1))
    for key, when in forced:
        if cfg.get(key) is not None and when:
            keep = out[cfg[key]].item()
            out[:] = NEG_INF
            out[cfg[key]] = keep
    return out


def _top2_margin(scores):
    """Top-1 minus top-2 of the finite scores (inf when only one is finite, as under a forced token): a greedy
    step whose margin is within float noise could pick another token in another engine."""
    finite = [s for s in torch.topk(scores, 2).values.tolist() if s != NEG_INF]
    return finite[0] - finite[1] if len(finite) == 2 else math.inf


def _gap(a, b):
    """|a - b|, or infinity when either is -inf (ties of -inf are broken by index, exactly, in both engines)."""
    return abs(a - b) if math.isfinite(a) and math.isfinite(b) else math.inf


def _beam_margin(ranked, tokens, eos, num_beams):
    """How far a beam step's outcome is from changing: the gap between the last non-eos candidate taken as a beam
    and the next non-eos one, and for eos candidates among the best 2B+1 their distance to the rank-B boundary
    (only an eos ranked below B finishes a hypothesis). Swaps among candidates taken alike change nothing."""
    scores, tokens = ranked.tolist(), tokens.tolist()
    non_eos = [r for r, t in enumerate(tokens) if t != eos][: num_beams + 1]
    margin = _gap(scores[non_eos[-2]], scores[non_eos[-1]]) if len(non_eos) > num_beams else math.inf
    for r in range(min(len(scores), 2 * num_beams + 1)):
        if tokens[r] == eos and num_beams < len(scores):
            margin = min(margin, _gap(scores[r], scores[num_beams] if r < num_beams else scores[num_beams - 1]))
    return margin


def _rag_token_step(scorer, w, prefixes):
    """Marginalized log-probabilities [B, V] and the per-document joint w_k + log p(t|z_k) [B, K, V]."""
    k = len(w)
    logits = scorer([j for _ in prefixes for j in range(k)], [p for p in prefixes for _ in range(k)])
    joint = w[None, :, None] + torch.log_softmax(logits.double(), -1).view(len(prefixes), k, -1)
    return torch.logsumexp(joint, dim=1), joint


def rag_token_greedy(scorer, w, cfg, constraint=None):
    """RAG-Token greedy decoding over documents with log-weights w."""
    tokens = [cfg["decoder_start_token_id"]]
    out = {"tokens": [], "logprobs": [], "doc_posteriors": [], "margins": []}
    while len(tokens) < cfg["max_length"]:
        marginal, joint = _rag_token_step(scorer, w, [tokens])
        m = process(marginal[0], tokens, cfg, constraint)
        t = int(torch.argmax(m))  # first maximum: ties go to the lowest id
        out["tokens"].append(t)
        out["logprobs"].append(m[t].item())
        out["doc_posteriors"].append(torch.softmax(joint[0, :, t], 0).tolist())
        out["margins"].append(_top2_margin(m))
        tokens.append(t)
        if t == cfg["eos_token_id"]:
            break
    return out


class _Hypotheses:
    """Finished hypotheses of one beam search, kept to the B best (HF's BeamHypotheses)."""

    def __init__(self, num_beams, length_penalty):
        self.num_beams, self.length_penalty, self.items = num_beams, length_penalty, []

    def add(self, hyp, sum_logprobs, length):
        """Offers a hypothesis; returns how far its score was from the worst kept one (the decision's margin)."""
        score = sum_logprobs / length ** self.length_penalty
        margin = _gap(score, self.worst()) if len(self.items) == self.num_beams else math.inf
        if len(self.items) < self.num_beams or score > self.worst():
            self.items.append(dict(hyp, score=score, sum_logprobs=sum_logprobs))
            if len(self.items) > self.num_beams:
                # the worst leaves; among equal worst scores the earliest added (HF sorts stably by score)
                worst = min(range(len(self.items)), key=lambda i: self.items[i]["score"])
                del self.items[worst]
        return margin

    def worst(self):
        return min(h["score"] for h in self.items)

    def ranked(self):
        """Best first; among equal scores the later added first (HF pops the last of a stable ascending sort)."""
        return [h for _, h in sorted(enumerate(self.items), key=lambda ih: (ih[1]["score"], ih[0]), reverse=True)]


def beam_search(step, num_beams, cfg, constraint=None, docs=None):
    """HF BeamSearchScorer semantics over `step(prefixes) -> (scores [n, V], joint [n, K, V] or None)`; processors
    are applied here. Returns the finished hypotheses best first, each with tokens (eos appended when shorter than
    max_length), logprobs, doc_posteriors, score and sum_logprobs; and the per-step margins."""
    b_n, eos = num_beams, cfg["eos_token_id"]
    beams = [dict(tokens=[cfg["decoder_start_token_id"]], logprobs=[], doc_posteriors=[]) for _ in range(b_n)]
    beam_scores = [0.0] + [-1e9] * (b_n - 1)  # step 1 expands beam 0 only
    hyps, margins = _Hypotheses(b_n, cfg["length_penalty"]), []
    done = False
    while len(beams[0]["tokens"]) < cfg["max_length"]:
        cur_len = len(beams[0]["tokens"])
        scores, joint = step([b["tokens"] for b in beams])
        processed = torch.stack([process(scores[i], b["tokens"], cfg, constraint, docs)
                                 for i, b in enumerate(beams)])
        candidates = (processed + torch.tensor(beam_scores, dtype=processed.dtype)[:, None]).view(-1)
        ranked, order = torch.sort(candidates, descending=True, stable=True)  # ties: lower flat index first
        vocab = processed.shape[1]
        margin = _beam_margin(ranked, order % vocab, eos, b_n)
        next_beams, next_scores = [], []
        for rank in range(2 * b_n):
            i, t = divmod(int(order[rank]), vocab)
            entry = dict(tokens=beams[i]["tokens"] + [t], logprobs=beams[i]["logprobs"] + [processed[i, t].item()],
                         doc_posteriors=beams[i]["doc_posteriors"]
                         + ([torch.softmax(joint[i, :, t], 0).tolist()] if joint is not None else []))
            if t == eos:
                if rank < b_n:  # HF: an eos outside the top B candidates is dropped
                    margin = min(margin, hyps.add(entry, ranked[rank].item(), cur_len))
            else:
                next_beams.append(entry)
                next_scores.append(ranked[rank].item())
            if len(next_beams) == b_n:
                break
        beams, beam_scores = next_beams, next_scores
        new_len = cur_len + 1
        if len(hyps.items) == b_n and not cfg["early_stopping"]:
            margin = min(margin, _gap(hyps.worst(), max(beam_scores) / new_len ** cfg["length_penalty"]))
        margins.append(margin)
        if len(hyps.items) == b_n and (cfg["early_stopping"]
                                       or hyps.worst() >= max(beam_scores) / new_len ** cfg["length_penalty"]):
            done = True
            break
    if not done:
        for beam, score in zip(beams, beam_scores):  # HF finalize: open beams compete at max_length
            hyps.add(beam, score, len(beam["tokens"]))
    return [dict(h, tokens=h["tokens"][1:]) for h in hyps.ranked()], margins


def rag_token_beam(scorer, w, cfg, constraint=None):
    """RAG-Token beam search with cfg['num_beams'] beams; also returns all final hypotheses."""
    hyps, margins = beam_search(lambda prefixes: _rag_token_step(scorer, w, prefixes), cfg["num_beams"], cfg,
                                constraint)
    best = hyps[0]
    return {"tokens": best["tokens"], "logprobs": best["logprobs"], "doc_posteriors": best["doc_posteriors"],
            "margins": margins, "score": best["score"],
            "hypotheses": [{"tokens": h["tokens"], "score": h["score"]} for h in hyps]}


def _doc_step(scorer, k):
    def step(prefixes):
        return torch.log_softmax(scorer([k] * len(prefixes), prefixes).double(), -1), None
    return step


def sequence_logprobs(scorer, context, tokens, cfg):
    """Teacher-forced log p(y_t | y_<t, x, z) per generated token, without processors; the first token's score
    is 0 when it is bos (HF's exclude_bos_score)."""
    prefix, out = [cfg["decoder_start_token_id"]], []
    for i, t in enumerate(tokens):
        lp = torch.log_softmax(scorer([context], [prefix])[0].double(), -1)[t].item()
        out.append(0.0 if i == 0 and t == cfg["bos_token_id"] else lp)
        prefix = prefix + [t]
    return out


def rag_sequence(scorer, w, cfg, fast=False, constraint=None):
    """RAG-Sequence: per-document beam search, distinct candidates, then thorough (teacher-forced rescoring
    against every document) or fast (a document's own beam score, 0 probability elsewhere) marginalization."""
    k_n, b_n = len(w), cfg["num_beams"]
    per_doc, margins = [], []
    for k in range(k_n):
        hyps, m = beam_search(_doc_step(scorer, k), b_n, cfg, constraint, [k])  # a span of its own document
        per_doc.append(hyps[:b_n])
        margins.append(m)
    candidates, produced = [], []  # distinct token lists in order of first appearance; {doc: sum_logprobs}
    for k, hyps in enumerate(per_doc):
        for h in hyps:
            if h["tokens"] not in candidates:
                candidates.append(h["tokens"])
                produced.append({})
            produced[candidates.index(h["tokens"])].setdefault(k, h["sum_logprobs"])
    doc_scores, token_scores = [], []
    for c, y in enumerate(candidates):
        if fast:
            doc_scores.append([produced[c].get(k, NEG_INF) for k in range(k_n)])
            token_scores.append(None)
        else:
            per_token = [sequence_logprobs(scorer, k, y, cfg) for k in range(k_n)]
            token_scores.append(per_token)
            doc_scores.append([sum(p) for p in per_token])
    joint = w[None, :] + torch.tensor(doc_scores, dtype=torch.float64)
    totals = torch.logsumexp(joint, dim=1)
    best = int(torch.argmax(totals))  # first maximum: ties go to the first candidate
    ranked = torch.sort(totals, descending=True).values.tolist()
    return {"tokens": candidates[best], "score": totals[best].item(),
            "logprobs": token_scores[best] if token_scores[best] is not None else None,
            "doc_posteriors": [torch.softmax(joint[best], 0).tolist()],
            "margins": margins, "candidate_margin": ranked[0] - ranked[1] if len(ranked) > 1 else math.inf,
            "candidates": [{"tokens": y, "score": totals[c].item(), "doc_scores": doc_scores[c]}
                           for c, y in enumerate(candidates)],
            "doc_hypotheses": [[{"tokens": h["tokens"], "score": h["score"], "sum_logprobs": h["sum_logprobs"]}
                                for h in hyps] for hyps in per_doc]}


def decode(scorer, w, cfg, mode="token", num_beams=None, fast=False, constraint=None):
    """One entry point: mode token (greedy when num_beams is 1) or sequence (thorough unless fast); `constraint`
    (a SpanConstraint over the K documents) makes the answer extractive."""
    cfg = dict(cfg, num_beams=num_beams or cfg["num_beams"])
    if mode == "token":
        if cfg["num_beams"] == 1:
            return rag_token_greedy(scorer, w, cfg, constraint)
        return rag_token_beam(scorer, w, cfg, constraint)
    assert mode == "sequence", f"mode must be token or sequence, got {mode!r}"
    return rag_sequence(scorer, w, cfg, fast=fast, constraint=constraint)
