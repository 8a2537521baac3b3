"""The reference RAG decoding on hand-made distributions where the right answer is known, and on a tiny BART."""
import math

import torch

from ragkit import rag_reference as rr
from ragkit.eval.generate import rag_token_greedy as training_greedy
from ragkit.models import BartConfig, BartForConditionalGeneration

BOS, PAD, EOS, A, B, C = 0, 1, 2, 3, 4, 5
V = 6
PLAIN = rr.generation_config(min_length=0, bad_words_ids=[], forced_eos_token_id=None, max_length=6)


def table_scorer(tables, vocab=V):
    """A scorer from {(context, tuple(prefix after the start token)): {token: probability}}; the rest of the
    probability mass is spread evenly over the other tokens (missing prefixes: eos almost surely)."""
    def scorer(contexts, prefixes):
        rows = []
        for k, prefix in zip(contexts, prefixes):
            probs = tables.get((k, tuple(prefix[1:])), {EOS: 0.999})
            rest = (1 - sum(probs.values())) / (vocab - len(probs))
            rows.append([math.log(probs.get(t, rest)) for t in range(vocab)])
        return torch.tensor(rows, dtype=torch.float32)
    return scorer


def test_marginalization_picks_a_token_no_document_ranks_first():
    scorer = table_scorer({(0, ()): {A: 0.5, C: 0.45}, (1, ()): {B: 0.5, C: 0.45}})
    w = rr.doc_log_weights([1.0, 1.0])
    out = rr.rag_token_greedy(scorer, w, PLAIN)
    assert out["tokens"] == [C, EOS]
    assert math.isclose(out["logprobs"][0], math.log(0.45), rel_tol=1e-6)
    assert all(math.isclose(p, 0.5, rel_tol=1e-6) for p in out["doc_posteriors"][0])
    assert math.isclose(out["margins"][0], math.log(0.45) - math.log(0.25 + 0.5 * 0.05 / 4), rel_tol=1e-5)


def test_document_weights_decide_between_documents():
    scorer = table_scorer({(0, ()): {A: 0.9}, (1, ()): {A: 0.1, B: 0.8}})
    even = rr.rag_token_greedy(scorer, rr.doc_log_weights([0.0, 0.0]), PLAIN)
    assert even["tokens"][0] == A  # 0.5*0.9 + 0.5*0.1 = 0.5 beats 0.5*0.02 + 0.5*0.8 = 0.41
    skewed = rr.rag_token_greedy(scorer, rr.doc_log_weights([math.log(0.2), math.log(0.8)]), PLAIN)
    assert skewed["tokens"][0] == B  # 0.2*0.02 + 0.8*0.8 = 0.644 beats 0.2*0.9 + 0.8*0.1 = 0.26
    assert math.isclose(skewed["doc_posteriors"][0][1], 0.64 / 0.644, rel_tol=1e-6)


def test_beam_search_finds_a_sequence_greedy_misses():
    # greedy takes A (0.6) and then has at best 0.3; B (0.39) then eos (0.95) is better overall
    scorer = table_scorer({(0, ()): {A: 0.6, B: 0.39}, (0, (A,)): {EOS: 0.3, C: 0.3, B: 0.3},
                           (0, (B,)): {EOS: 0.95}})
    w = rr.doc_log_weights([0.0])
    greedy = rr.rag_token_greedy(scorer, w, PLAIN)
    beam = rr.rag_token_beam(scorer, w, dict(PLAIN, num_beams=2))
    assert greedy["tokens"][0] == A
    assert beam["tokens"] == [B, EOS]
    assert math.isclose(beam["score"], math.log(0.39 * 0.95) / 2, rel_tol=1e-6)  # cur_len 2 before the eos
    assert math.isclose(sum(beam["logprobs"]), math.log(0.39 * 0.95), rel_tol=1e-6)
    assert len(beam["hypotheses"]) == 2 and beam["hypotheses"][0]["score"] >= beam["hypotheses"][1]["score"]


def test_beam_search_offers_open_beams_at_max_length_without_eos():
    scorer = table_scorer({(0, ()): {A: 0.9}, (0, (A,)): {A: 0.9}, (0, (A, A)): {A: 0.9}})
    out = rr.rag_token_beam(scorer, rr.doc_log_weights([0.0]), dict(PLAIN, num_beams=2, max_length=3))
    assert out["tokens"] == [A, A]  # max_length counts the start token; no eos appended at max_length
    assert len(out["logprobs"]) == 2 and len(out["margins"]) == 2


def test_rag_sequence_deduplicates_and_thorough_rescoring_changes_the_winner():
    tables = {(0, ()): {A: 0.5, B: 0.3, C: 0.195}, (1, ()): {C: 0.45, B: 0.3, A: 0.245}}
    scorer = table_scorer(tables)
    w = rr.doc_log_weights([0.0, 0.0])
    cfg = dict(PLAIN, num_beams=2)
    thorough = rr.rag_sequence(scorer, w, cfg)
    fast = rr.rag_sequence(scorer, w, cfg, fast=True)
    # doc 0 beams: A, B; doc 1 beams: C, B -> B appears twice, kept once, in order of first appearance
    assert [c["tokens"] for c in thorough["candidates"]] == [[A, EOS], [B, EOS], [C, EOS]]
    # thorough: A = 0.5*0.5 + 0.5*0.245 beats B = 0.3 and C = 0.5*0.195 + 0.5*0.45
    assert thorough["tokens"] == [A, EOS]
    expected = math.log(0.5 * 0.5 * 0.999 + 0.5 * 0.245 * 0.999)
    assert math.isclose(thorough["score"], expected, rel_tol=1e-5)
    # fast: A only counts doc 0 (0.25), B counts both (0.3) -> B wins
    assert fast["tokens"] == [B, EOS]
    assert fast["candidates"][0]["doc_scores"][1] == float("-inf")
    post = thorough["doc_posteriors"][0]
    assert math.isclose(post[0], 0.5 / (0.5 + 0.245), rel_tol=1e-5)


def test_rescoring_excludes_a_leading_bos_score():
    scorer = table_scorer({(0, ()): {BOS: 0.25}, (0, (BOS,)): {A: 0.5}})
    lp = rr.sequence_logprobs(scorer, 0, [BOS, A, EOS], PLAIN)
    assert lp[0] == 0.0 and math.isclose(lp[1], math.log(0.5), rel_tol=1e-6)
    assert math.isclose(lp[2], math.log(0.999), rel_tol=1e-5)


def test_logits_processors():
    cfg = rr.generation_config(min_length=3, bad_words_ids=[[A, B], [C]], forced_bos_token_id=BOS,
                               forced_eos_token_id=EOS, max_length=5)
    flat = torch.zeros(V, dtype=torch.float64)
    first = rr.process(flat, [EOS], cfg)  # cur_len 1: forced bos
    assert [t for t in range(V) if first[t] > float("-inf")] == [BOS]
    mid = rr.process(flat, [EOS, BOS, A], cfg)  # cur_len 3: min_length met; ends with A: B banned; C always
    assert [t for t in range(V) if mid[t] == float("-inf")] == [B, C]
    early = rr.process(flat, [EOS, BOS], cfg)
    assert early[EOS] == float("-inf")
    last = rr.process(flat, [EOS, BOS, A, A], cfg)  # cur_len 4 == max_length - 1: forced eos
    assert [t for t in range(V) if last[t] > float("-inf")] == [EOS]


def test_generator_inputs_truncate_and_keep_the_closing_token():
    class Tok:
        def encode(self, text, max_length=None):
            ids = [0] + [10 + len(w) for w in text.split()] + [2]
            return ids if max_length is None or len(ids) <= max_length else ids[: max_length - 1] + [2]
    ids = rr.generator_inputs(Tok(), [{"title": '"Paris"', "text": "capital  of France"}], "where?", 5)
    assert ids == [[0, 15, 11, 17, 2]]


def tiny_bart(seed=0):
    torch.manual_seed(seed)
    cfg = BartConfig(vocab_size=40, d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                     decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=64,
                     dropout=0.0)
    model = BartForConditionalGeneration(cfg).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(8.0)  # peaked distributions
    return model


def test_model_scorer_greedy_matches_the_training_greedy():
    model = tiny_bart()
    inputs = [[0, 5, 6, 7, 8, 2], [0, 9, 10, 2], [0, 11, 12, 13, 2]]
    scorer = rr.ModelScorer(model, inputs, pad_token_id=1)
    w = rr.doc_log_weights([2.0, 1.0, 0.5])
    # The training greedy applies the exported bundle's processors: forced <s>, no <s> after <s>, </s> forced last.
    cfg = rr.generation_config(max_length=10, forced_bos_token_id=0, bad_words_ids=[[0, 0]], forced_eos_token_id=2,
                               min_length=0)
    ours = rr.rag_token_greedy(scorer, w, cfg)
    theirs = training_greedy(model, scorer.ids, scorer.mask, w.float()[None, :], max_new_tokens=8)[0]
    generated = ours["tokens"][1:-1] if ours["tokens"][-1] == 2 else ours["tokens"][1:]
    assert ours["tokens"][0] == 0 and generated == theirs
    assert all(abs(sum(p) - 1) < 1e-9 for p in ours["doc_posteriors"])
    beam = rr.decode(scorer, w, cfg, mode="token", num_beams=4)
    length = len(beam["tokens"]) if beam["tokens"][-1] == 2 else len(beam["tokens"]) + 1  # with the start token
    assert math.isclose(beam["score"], sum(beam["logprobs"]) / length, rel_tol=1e-9)
    seq = rr.decode(scorer, w, cfg, mode="sequence", num_beams=2)
    assert seq["tokens"] in [c["tokens"] for c in seq["candidates"]]
    assert seq["score"] == max(c["score"] for c in seq["candidates"])


def test_beam_search_stops_once_no_open_beam_can_beat_the_finished_ones():
    # step 1: eos (0.7) finishes at once; step 2: A's eos finishes; the open beams are then hopeless
    scorer = table_scorer({(0, ()): {EOS: 0.7, A: 0.2, B: 0.0999}})
    out = rr.rag_token_beam(scorer, rr.doc_log_weights([0.0]), dict(PLAIN, num_beams=2))
    assert out["tokens"] == [EOS]
    assert [h["tokens"] for h in out["hypotheses"]] == [[EOS], [A, EOS]]
    assert len(out["margins"]) == 2, "the search should stop after two steps, not run to max_length"
    assert math.isclose(out["hypotheses"][1]["score"], math.log(0.2 * 0.999) / 2, rel_tol=1e-6)


def test_an_eos_ranked_below_the_beam_width_is_dropped():
    # with one beam, eos (0.45) ranks second at step 1 and is dropped although, length-normalized, it would win
    scorer = table_scorer({(0, ()): {A: 0.5, EOS: 0.45}, (0, (A,)): {C: 0.3, EOS: 0.3}})
    out = rr.rag_token_beam(scorer, rr.doc_log_weights([0.0]), dict(PLAIN, num_beams=1))
    assert out["tokens"][0] == A
    assert all(h["tokens"] != [EOS] for h in out["hypotheses"])
