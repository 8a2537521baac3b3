"""The evaluation report: its pieces on cases with known answers, the cached scorer against the reference one, and
a whole report of a tiny trained run."""
import json
import math
import os

import pytest
import torch

from ragkit import rag_reference as rr
from ragkit.bundle import export_demo, provenance
from ragkit.cached_scorer import CachedScorer
from ragkit.eval import eval_models, evaluate, index_experiments
from ragkit.models import BartConfig, BartForConditionalGeneration
from ragkit.span_constraint import PieceVocabulary, SpanConstraint
from ragkit.synth.examples import TASKS
from ragkit.tokenizers import load_tokenizer
from ragkit.train.common import read_jsonl
from test_warm_start import train_tiny_run

PASSAGES = [{"id": "a-p0", "text": "Unix was written by Ken Thompson."},
            {"id": "b-p0", "text": "Lisp dates from 1958."}, {"id": "c-p0", "text": "Perl is by Larry Wall."}]


def test_recall_counts_gold_passages_and_answer_strings_separately():
    items = [{"passage_id": "a-p0", "answers": ["Ken Thompson"]}, {"passage_id": "b-p0", "answers": ["1958"]},
             {"passage_id": "c-p0", "answers": ["Larry Wall"]}]
    top = torch.tensor([[0, 1], [2, 0], [0, 2]])
    r = evaluate.recall(top, items, PASSAGES, ks=(1, 2))
    assert r["recall@1"] == pytest.approx(1 / 3) and r["recall@2"] == pytest.approx(2 / 3)
    assert r["answer_recall@1"] == pytest.approx(1 / 3) and r["answer_recall@2"] == pytest.approx(2 / 3)
    # an answer string found in another passage counts for the answer variant only
    r = evaluate.recall(torch.tensor([[1]]), [{"passage_id": "a-p0", "answers": ["1958"]}], PASSAGES, ks=(1,))
    assert r == {"recall@1": 0.0, "answer_recall@1": 1.0}


def test_by_family_splits_recall_and_exact_match_per_family():
    items = [{"passage_id": "a-p0", "answers": ["Ken Thompson"], "family": "who"},
             {"passage_id": "b-p0", "answers": ["1958"], "family": "when"},
             {"passage_id": "c-p0", "answers": ["Larry Wall"], "family": "who"}]
    top = torch.tensor([[0, 1, 2, 0, 0], [2, 2, 2, 2, 2], [0, 0, 0, 0, 0]])
    preds = {"token": ["Ken Thompson", "1958", "wall"], "closed": ["nobody", "1957", "Larry Wall"]}
    r = evaluate.by_family(items, top, PASSAGES, preds, ["token", "closed"])
    assert r == {"when": {"n": 1, "recall@5": 0.0, "token": 1.0, "closed": 0.0},
                 "who": {"n": 2, "recall@5": 0.5, "token": 0.5, "closed": 0.5}}


def test_swap_matches_and_leaks_compare_normalized_answers():
    questions = [{"answer_a": "Ken Thompson", "answer_b": "Niklaus Wirth"}, {"answer_a": "1969", "answer_b": "1972"}]
    assert index_experiments.swap_matches(["ken thompson.", "1972"], questions) == {"matches_a": 0.5, "matches_b": 0.5}
    assert evaluate.leaks("This language by the Unix people", "Unix")
    assert not evaluate.leaks("This system, Unixware's ancestor", "Unix")


def test_cached_scorer_gives_the_reference_scorers_logits_and_decodings():
    torch.manual_seed(0)
    model = BartForConditionalGeneration(BartConfig(
        vocab_size=40, d_model=16, encoder_layers=1, decoder_layers=2, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=64,
        init_std=0.5)).eval()
    inputs = [[0, 5, 6, 7, 2], [0, 8, 9, 2], [0, 10, 11, 12, 13, 14, 2]]
    plain, cached = rr.ModelScorer(model, inputs, 1), CachedScorer(model, inputs, 1)
    for prefixes in ([[2], [2], [2]], [[2, 0], [2, 0], [2, 0]], [[2, 0, 7], [2, 0, 9], [2, 0, 9]],
                     [[2, 0, 7, 3], [2, 5, 9, 3], [2, 0, 9, 3]]):  # the last mixes cached parents and new prefixes
        # float32 summed in another order (cached keys and values vs one pass): about 2e-5 on logits near 1 with some
        # BLAS builds, where a wrong cache would be off by whole units
        torch.testing.assert_close(cached([0, 1, 2], prefixes), plain([0, 1, 2], prefixes), atol=1e-4, rtol=1e-4)
    w = rr.doc_log_weights([0.3, 0.1, -0.2])
    cfg = rr.generation_config(forced_bos_token_id=0, max_length=8)
    for mode in ("token", "sequence"):
        expected = rr.decode(rr.ModelScorer(model, inputs, 1), w, cfg, mode=mode, num_beams=3)
        got = rr.decode(CachedScorer(model, inputs, 1), w, cfg, mode=mode, num_beams=3)
        assert got["tokens"] == expected["tokens"] and math.isclose(got["score"], expected["score"], abs_tol=1e-5)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate")
    run = train_tiny_run(root)
    out = root / "bundle" / "REPORT.md"
    # max_combined_length within the tiny generator's 256 positions: the unseen corpus's passages are long in its
    # 400-token vocabulary
    result = evaluate.main(dict(evaluate.DEFAULTS, run_dir=run["run_dir"], data_dir=run["data_dir"], out=str(out),
                                threads=1, max_combined_length=250, style_sets="unseen-dev2"))
    return result, out


def test_a_tiny_run_gets_a_whole_report(report):
    result, out = report
    saved = json.loads((out.parent / "report.json").read_text())
    assert saved["stages"] == "dpr step 2, rag step 2" and saved["counts"]["questions"] == 2
    assert set(saved["qa"]) == {"rag_token_greedy", "rag_token_beam4", "rag_sequence_beam4", "closed_book_greedy",
                                "closed_book_beam4"}
    numbers = [v for m in saved["qa"].values() for v in m.values()] + list(saved["retrieval"].values()) + \
        [saved["jeopardy"]["bleu1"], saved["jeopardy"]["answer_leak"]] + \
        [v for s in ("docs", "corpus") for i in ("a", "b") for v in saved["swap"][f"{s}_index_{i}"].values()] + \
        [saved["unseen"][k] for k in ("recall@1", "recall@5")] + [v for m in saved["unseen"]["qa"].values()
                                                                  for v in m.values()]
    assert all(0.0 <= v <= 1.0 for v in numbers), numbers
    # the whole corpus is 6 passages: the gold passage is always among the top 5... or the sixth
    assert saved["retrieval"]["recall@5"] >= saved["retrieval"]["recall@1"]
    unseen = read_jsonl(os.path.join(evaluate.DEFAULTS["unseen_dir"], "questions.jsonl"))
    assert saved["unseen"]["n"] == len(unseen) and sum(f["n"] for f in saved["unseen"]["by_family"].values()) == \
        len(unseen)
    dev2 = read_jsonl(os.path.join(evaluate.INDEX_DATA, "unseen-dev2", "questions.jsonl"))
    assert list(saved["style_sets"]) == ["unseen-dev2"] and saved["style_sets"]["unseen-dev2"]["n"] == len(dev2)
    assert "## Corpora in other styles" in out.read_text() and "| unseen-dev2 | 100 |" in out.read_text()
    assert saved["swap"]["n"] == 2 and saved["swap"]["docs_index_b"]["gold_passage_in_top"] == 1.0, \
        "with two documents in the index, the top 5 passages hold every passage"
    # the answers are the reference decoding's (ModelScorer, no cache) for the retrieved passages and scores, held to
    # spans of those passages as the bundle's answer task is (examples.TASKS)
    q_enc, ctx_enc, generator, _ = export_demo.load_models(saved["run_dir"])
    tok = load_tokenizer(os.path.join(saved["run_dir"], "tokenizers", "generator", "tokenizer.json"))
    by_id = {p["id"]: p for p in read_jsonl(os.path.join(saved["data_dir"], "passages.jsonl"))}
    cfg = rr.generation_config(forced_bos_token_id=0)
    assert TASKS["answer"]["extractive"]
    pieces = PieceVocabulary(tok, generator.config.vocab_size)
    for e in saved["examples"]:
        passages = [by_id[i] for i in e["retrieved"]]
        inputs = rr.generator_inputs(tok, passages, e["question"])
        spans = SpanConstraint(pieces, [[p["title"], p["text"]] for p in passages], 2, 0)
        for mode, beams, key in (("token", 1, "rag_token_greedy"), ("sequence", 4, "rag_sequence_beam4")):
            got = rr.decode(rr.ModelScorer(generator, inputs, 1), rr.doc_log_weights(e["scores"]), cfg, mode, beams,
                            constraint=spans)
            assert tok.decode(got["tokens"]).strip() == e[key], key
    assert [t["met"] for t in saved["targets"]] == [t["met"] for t in result["targets"]] and len(saved["targets"]) == 3
    text = out.read_text()
    for needle in ("## Targets (issue 3)", "python3 -m ragkit.eval.evaluate", "dpr step 2, rag step 2",
                   "## Index hot-swap", "BLEU-1", "## Unseen corpus"):
        assert needle in text, needle
    assert saved["held_out"] == dict(split_sha256=provenance.data_split(saved["data_dir"]), warning=None)
    assert "Held-out documents: a split of its own" in text


def test_no_target_is_met_on_documents_that_are_not_held_out():
    report = dict(qa={"token": dict(em=0.9), "closed": dict(em=0.1)}, retrieval={"recall@5": 0.95},
                  held_out=dict(split_sha256="abc", warning=None))
    assert all(t["met"] for t in evaluate.targets(report, "token", "closed"))
    report["held_out"] = dict(split_sha256=None, warning="the models go on from a bundle trained with other ...")
    assert not any(t["met"] for t in evaluate.targets(report, "token", "closed"))
    assert [t["value"] for t in evaluate.targets(report, "token", "closed")][:2] == [0.95, 0.9]


def test_retriever_embeds_in_length_order_and_finds_the_best_inner_product(tmp_path):
    from ragkit.models import DprConfig, DprEncoder
    from ragkit.tokenizers import train_wordpiece
    from ragkit.train.train_dpr import TextEncoder

    texts = [p["text"] for p in PASSAGES] * 3
    train_wordpiece(texts, 120, str(tmp_path))
    tok = load_tokenizer(str(tmp_path / "tokenizer.json"))
    torch.manual_seed(0)
    config = DprConfig(vocab_size=tok.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                       intermediate_size=32, max_position_embeddings=64)
    q_enc, ctx_enc = DprEncoder(config, "question").eval(), DprEncoder(config, "ctx").eval()
    passages = [dict(p, title=p["id"]) for p in PASSAGES] + [{"id": "d-p0", "title": "d", "text": "Ada " * 20}]
    index = eval_models.Retriever(q_enc, ctx_enc, tok, passages, evaluate.DEFAULTS)
    one = TextEncoder(tok, 192)
    with torch.no_grad():
        alone = torch.cat([ctx_enc(*one.batch([p["title"]], [p["text"]])) for p in passages])
        torch.testing.assert_close(index.vectors, alone, atol=1e-5, rtol=0)
        queries = ["who wrote Unix?", "Perl"]
        expected = (q_enc(*TextEncoder(tok, 48).batch(queries)) @ alone.T).argsort(dim=1, descending=True)[:, :2]
    top, scores = index.search(queries, 2)
    assert top.tolist() == expected.tolist() and bool((scores[:, 0] >= scores[:, 1]).all())
