"""A tiny RAG bundle with random weights and the reference outputs the TypeScript engine is held to.

    /usr/bin/python3 -m ragkit.fixtures --out=build/tiny        (from onnx/; seconds; deterministic for a seed)

Writes `{out}/` as a model bundle (docs/API.md's layout, through `ragkit.export.export_bundle`),
`{out}-per-document/`, the same models with the generator's merged decoder in the per-document cross-attention
layout (ragkit/export/graphs.py; the engine must decode the same in both), and `{out}/fixtures.json`:

    format            1
    config            {n_docs, max_combined_length, title_sep, doc_sep, tasks, generation: DECODING.md's options}
    passages          [{id, doc_id, title, text}]  (documents split by ragkit.data.passages, 100 words each)
    ctx_inputs        [{ids, type_ids}]  ctx-encoder tokens of (title, text) as a sentence pair
    ctx_embeddings    [[dim floats]]  pooled ctx-encoder outputs, passage order
    tokenizer_cases   {generator: [{text, ids}], encoder: [{text, pair|null, ids, type_ids}]}
    questions         [case], jeopardy [case]; a case is:
        query               the question (or, for Jeopardy, the answer; the task prefix is config.tasks.jeopardy)
        query_ids, query_type_ids, query_embedding   question-encoder input and pooled output
        scores              inner product with every passage; top_k: passage indices, best first (ties: lower
                            index); top_k_scores; retrieval_margin: score gap between rank n_docs and n_docs+1
        doc_log_weights     log_softmax(top_k_scores)
                            (infinite values, as margins where nothing could flip, are written 1e999 / -1e999)
        generator_input_ids per retrieved passage, `<s> title / text // [prefix]query </s>` cut to
                            max_combined_length
        outputs             {name: decoding}, names token_greedy, token_beam (num_beams), sequence_thorough,
                            sequence_fast (questions only), and for questions the same three first ones held to
                            spans of the retrieved passages (span_constraint.py): token_greedy_extractive,
                            token_beam_extractive, sequence_thorough_extractive. A decoding has: tokens (generated ids after the
                            decoder start token, eos included when produced), text (decoded, specials skipped),
                            logprobs (per token: RAG-Token the processed marginal; RAG-Sequence thorough the
                            winner's teacher-forced log p(y_t|x) per document as [K][T]; fast null),
                            doc_posteriors ([T][K] for RAG-Token, [1][K] for RAG-Sequence), margins (per step,
                            how far the step's outcome was from changing: greedy, top-1 minus top-2 of the
                            processed marginal; beams, rag_reference._beam_margin and the finished-hypothesis
                            decisions; RAG-Sequence: [K][steps], each document's beam search), score (beam
                            hypothesis score / log p(y|x)), and for beams `hypotheses` / for RAG-Sequence
                            `candidates` {tokens, score, doc_scores}, `doc_hypotheses` and candidate_margin
                            (best minus second log p(y|x)).
    A TypeScript test should demand equal tokens where every margin exceeds its float tolerance (onnxruntime's
    float32 log-probabilities differ from PyTorch's by about 1e-5 here: 1e-4 is safe), and otherwise compare only
    up to the first near-tie.

Random tiny models give near-uniform distributions, where float noise flips choices. So the generator's weights
are drawn with std 0.3 (HF's 0.02 gives flat, context-blind logits; much more than 0.3 makes attention so peaked
that onnxruntime and PyTorch drift apart by 1e-3), final_logits_bias is spread, and eos gets a bias that makes
some outputs end early; the DPR encoders get a large initializer_range so that retrieval scores separate."""
import json
import math
import os
import tempfile

import torch

from . import rag_reference as rr
from .data.passages import split_corpus
from .models import BartConfig, BartForConditionalGeneration, DprConfig, DprEncoder
from .overrides import parse_overrides
from .span_constraint import PieceVocabulary, SpanConstraint
from .tokenizers import load_tokenizer, train_bpe, train_wordpiece
from .tokenizers.sample_text import sample_corpus

DEFAULTS = dict(
    out="build/tiny",         # bundle folder; fixtures.json goes inside
    seed=0,
    generator_vocab=512,      # byte-level BPE: 4 specials + 256 bytes + merges + <mask>
    encoder_vocab=400,        # WordPiece
    d_model=32, layers=2, heads=4, ffn=64,
    init_std=0.3,             # generator weights: HF's 0.02 would give near-uniform, context-blind logits
    logits_bias_std=0.2,      # spread final_logits_bias so that a few tokens dominate
    eos_bias=5.8,             # added to eos's logit bias, so that some hypotheses end before max_length
    dpr_hidden=32, dpr_layers=2, dpr_heads=4, dpr_ffn=64,
    dpr_init=0.5,             # DPR weights: spread the embeddings so retrieval scores separate
    n_documents=10,           # documents of built-in text, split into ~100-word passages
    n_docs=4, num_beams=4, max_new_tokens=8,
    max_combined_length=64,   # small, so that generator inputs are truncated
    encoder_max_length=512,   # DPR inputs are cut to this (longest sequence of a pair first), as HF's DPR tokenizers
)
QUESTIONS = ["who discovered the electron in Paris?", "What is the capital of France?",
             "when was the first computer network protocol used"]
JEOPARDY_ANSWERS = ["Einstein", "the Nile"]
TASKS = {"answer": {"prefix": ""}, "jeopardy": {"prefix": "jeopardy: "}}
TITLE_SEP, DOC_SEP = " / ", " // "


def build_tokenizers(cfg, folder):
    corpus = sample_corpus(1500, seed=cfg["seed"])
    train_bpe(corpus, cfg["generator_vocab"], os.path.join(folder, "generator"))
    train_wordpiece(corpus, cfg["encoder_vocab"], os.path.join(folder, "encoder"))
    return load_tokenizer(os.path.join(folder, "generator")), load_tokenizer(os.path.join(folder, "encoder"))


def build_models(cfg, gen_vocab, enc_vocab):
    torch.manual_seed(cfg["seed"])
    bart = BartConfig(vocab_size=gen_vocab, d_model=cfg["d_model"], encoder_layers=cfg["layers"],
                      decoder_layers=cfg["layers"], encoder_attention_heads=cfg["heads"],
                      decoder_attention_heads=cfg["heads"], encoder_ffn_dim=cfg["ffn"], decoder_ffn_dim=cfg["ffn"],
                      max_position_embeddings=128, init_std=cfg["init_std"], dropout=0.0)
    generator = BartForConditionalGeneration(bart).eval()
    with torch.no_grad():
        generator.final_logits_bias.normal_(0.0, cfg["logits_bias_std"])
        generator.final_logits_bias[0, bart.eos_token_id] += cfg["eos_bias"]
    dpr = DprConfig(vocab_size=enc_vocab, hidden_size=cfg["dpr_hidden"], num_hidden_layers=cfg["dpr_layers"],
                    num_attention_heads=cfg["dpr_heads"], intermediate_size=cfg["dpr_ffn"],
                    max_position_embeddings=cfg["encoder_max_length"], initializer_range=cfg["dpr_init"],
                    hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    return generator, DprEncoder(dpr, "question").eval(), DprEncoder(dpr, "ctx").eval()


def passages_of(cfg):
    lines = sample_corpus(cfg["n_documents"] * 12, seed=cfg["seed"] + 100)
    docs = [{"id": f"doc{i}", "title": lines[i * 12].split(" ")[0].strip(",.;:") or f"Doc {i}",
             "text": " ".join(lines[i * 12 + 1:(i + 1) * 12])} for i in range(cfg["n_documents"])]
    return split_corpus(docs)


@torch.no_grad()
def embed(encoder, encodings):
    """Pooled outputs of a DPR encoder for {ids, type_ids} rows, padded right with [PAD]=0."""
    width = max(len(e["ids"]) for e in encodings)
    ids = torch.tensor([e["ids"] + [0] * (width - len(e["ids"])) for e in encodings])
    types = torch.tensor([e["type_ids"] + [0] * (width - len(e["type_ids"])) for e in encodings])
    mask = torch.tensor([[1] * len(e["ids"]) + [0] * (width - len(e["ids"])) for e in encodings])
    out = encoder(ids, mask, types)
    assert out.shape == (len(encodings), encoder.config.output_dim), f"pooled output shape {tuple(out.shape)}"
    return out


def decodings(scorer, w, gen_cfg, tokenizer, with_sequence, spans=None):
    outs = {"token_greedy": rr.decode(scorer, w, gen_cfg, mode="token", num_beams=1),
            "token_beam": rr.decode(scorer, w, gen_cfg, mode="token")}
    if with_sequence:
        outs["sequence_thorough"] = rr.decode(scorer, w, gen_cfg, mode="sequence")
        outs["sequence_fast"] = rr.decode(scorer, w, gen_cfg, mode="sequence", fast=True)
    if spans is not None:
        outs["token_greedy_extractive"] = rr.decode(scorer, w, gen_cfg, mode="token", num_beams=1, constraint=spans)
        outs["token_beam_extractive"] = rr.decode(scorer, w, gen_cfg, mode="token", constraint=spans)
        outs["sequence_thorough_extractive"] = rr.decode(scorer, w, gen_cfg, mode="sequence", constraint=spans)
    for out in outs.values():
        out["text"] = tokenizer.decode(out["tokens"])
    return outs


def case(query, prefix, cfg, gen_cfg, models, tokenizers, ctx_embeddings, passages, with_sequence, pieces=None):
    """One question's (or Jeopardy answer's) fixtures; with `pieces` (a PieceVocabulary), also its extractive
    decodings."""
    generator, q_encoder, _ = models
    gen_tok, enc_tok = tokenizers
    q = enc_tok.encode(query, max_length=cfg["encoder_max_length"])
    q_emb = embed(q_encoder, [q])[0]
    scores = ctx_embeddings @ q_emb
    order = sorted(range(len(scores)), key=lambda i: (-scores[i].item(), i))
    top = order[: cfg["n_docs"]]
    top_scores = [scores[i].item() for i in top]
    w = rr.doc_log_weights(top_scores)
    inputs = rr.generator_inputs(gen_tok, [passages[i] for i in top], query, cfg["max_combined_length"], prefix)
    scorer = rr.ModelScorer(generator, inputs, pad_token_id=gen_tok.token_to_id("<pad>"))
    spans = None if pieces is None else SpanConstraint(
        pieces, [[passages[i]["title"], passages[i]["text"]] for i in top], gen_cfg["eos_token_id"],
        gen_cfg["bos_token_id"])
    return {"query": query, "query_ids": q["ids"], "query_type_ids": q["type_ids"], "query_embedding": q_emb.tolist(),
            "scores": scores.tolist(), "top_k": top, "top_k_scores": top_scores,
            "retrieval_margin": scores[order[cfg["n_docs"] - 1]].item() - scores[order[cfg["n_docs"]]].item(),
            "doc_log_weights": w.tolist(), "generator_input_ids": inputs,
            "outputs": decodings(scorer, w, gen_cfg, gen_tok, with_sequence, spans)}


def _mark_infinities(value):
    if isinstance(value, float) and math.isinf(value):
        return "\0+inf" if value > 0 else "\0-inf"
    if isinstance(value, dict):
        return {k: _mark_infinities(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mark_infinities(v) for v in value]
    return value


def to_json(data):
    """Standard JSON where infinities (margins, -inf scores) are written 1e999, which JSON.parse and Python's
    json both read back as infinity (Python would otherwise write `Infinity`, which JSON.parse rejects)."""
    text = json.dumps(_mark_infinities(data), ensure_ascii=False)
    return text.replace('"\\u0000+inf"', "1e999").replace('"\\u0000-inf"', "-1e999")


def main(cfg):
    from .export import export_bundle  # imported here: it pulls in onnx, which only this entry point needs
    torch.manual_seed(cfg["seed"])
    out = cfg["out"]
    with tempfile.TemporaryDirectory() as tmp:
        tokenizers = build_tokenizers(cfg, tmp)
        gen_tok, enc_tok = tokenizers
        models = build_models(cfg, gen_tok.vocab_size, enc_tok.vocab_size)
        gen_cfg = rr.generation_config(num_beams=cfg["num_beams"], max_length=1 + cfg["max_new_tokens"])
        rag_config = {"n_docs": cfg["n_docs"], "title_sep": TITLE_SEP, "doc_sep": DOC_SEP,
                      "max_combined_length": cfg["max_combined_length"], "tasks": TASKS}
        for folder, layout in ((out, "per_row"), (out.rstrip("/") + "-per-document", "per_document")):
            export_bundle(folder, models[1], models[2], models[0],
                          {"generator": os.path.join(tmp, "generator"),
                           "question_encoder": os.path.join(tmp, "encoder"), "ctx_encoder": os.path.join(tmp, "encoder")},
                          rag_config, source="ragkit.fixtures (random weights)", generation=gen_cfg,
                          cross_attention=layout)
        passages = passages_of(cfg)
        ctx_inputs = [enc_tok.encode(p["title"], p["text"], max_length=cfg["encoder_max_length"]) for p in passages]
        ctx_embeddings = embed(models[2], ctx_inputs)
        common = (cfg, gen_cfg, models, tokenizers, ctx_embeddings, passages)
        pieces = PieceVocabulary(gen_tok, gen_tok.vocab_size)  # questions' answers may be extractive
        probe = QUESTIONS + ["  Leading spaces, café 東京 😀 and 12345!", "<mask> isn't [SEP] here"]
        fixtures = {
            "format": 1, "seed": cfg["seed"],
            "config": {**rag_config, "encoder_max_length": cfg["encoder_max_length"], "generation": gen_cfg},
            "passages": passages, "ctx_inputs": ctx_inputs, "ctx_embeddings": ctx_embeddings.tolist(),
            "tokenizer_cases": {
                "generator": [{"text": t, "ids": gen_tok.encode(t)} for t in probe],
                "encoder": [{"text": t, "pair": p, **enc_tok.encode(t, p)} for t, p in
                            [(t, None) for t in probe] + [(p["title"], p["text"]) for p in passages[:3]]]},
            "questions": [case(q, "", *common, with_sequence=True, pieces=pieces) for q in QUESTIONS],
            "jeopardy": [case(a, TASKS["jeopardy"]["prefix"], *common, with_sequence=False) for a in JEOPARDY_ANSWERS],
        }
    # NOTE: written beside and renamed, so that a reader never sees half a file
    path = os.path.join(out, "fixtures.json")
    with open(path + ".partial", "w", encoding="utf-8") as f:
        f.write(to_json(fixtures))
    os.replace(path + ".partial", path)
    print(f"tiny bundle and fixtures.json written to {out}")
    return fixtures


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
