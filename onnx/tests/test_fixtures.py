"""The tiny bundle and its fixtures: deterministic, self-consistent, and reproduced by the exported ONNX graphs
(through onnxruntime-node) and the bundle's tokenizer files (through @huggingface/tokenizers)."""
import json
import math
import os
import subprocess

import numpy as np
import pytest
import torch

from ragkit import fixtures, rag_reference as rr
from ragkit.export.ort_node import run_onnx
from ragkit.span_constraint import normalize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOL = 1e-4  # float32 onnxruntime against PyTorch differ by about 1e-5 on these models


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("fx") / "tiny")
    data = fixtures.main(dict(fixtures.DEFAULTS, out=out))
    return out, data


def test_the_file_on_disk_is_what_main_returned_and_reruns_are_identical(tiny, tmp_path):
    out, data = tiny
    path = os.path.join(out, "fixtures.json")
    with open(path, encoding="utf-8") as f:
        on_disk = json.load(f)
    assert on_disk == json.loads(json.dumps(data))
    # standard JSON: JavaScript's JSON.parse reads it, infinities included
    script = "const d = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));" \
             "console.log(d.questions[0].outputs.token_greedy.margins.length, Number.isFinite(1e999))"
    proc = subprocess.run(["node", "-e", script, path], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == [str(len(data["questions"][0]["outputs"]["token_greedy"]["margins"])), "false"]
    again = fixtures.main(dict(fixtures.DEFAULTS, out=str(tmp_path / "again")))
    assert json.loads(json.dumps(again)) == on_disk, "fixtures are not deterministic"


def test_retrieval_and_inputs_are_consistent(tiny):
    _, data = tiny
    cfg = data["config"]
    emb = np.array(data["ctx_embeddings"])
    assert emb.shape == (len(data["passages"]), 32)
    for case in data["questions"] + data["jeopardy"]:
        scores = emb @ np.array(case["query_embedding"])
        np.testing.assert_allclose(scores, case["scores"], rtol=1e-5, atol=1e-5)
        assert case["top_k"] == list(np.argsort(-np.array(case["scores"]), kind="stable")[: cfg["n_docs"]])
        assert case["retrieval_margin"] >= 0
        w = torch.log_softmax(torch.tensor(case["top_k_scores"], dtype=torch.float64), 0)
        np.testing.assert_allclose(w.numpy(), case["doc_log_weights"], atol=1e-12)
        for ids in case["generator_input_ids"]:
            assert len(ids) <= cfg["max_combined_length"] and ids[0] == 0 and ids[-1] == 2
    assert any(len(ids) == cfg["max_combined_length"] for ids in data["questions"][0]["generator_input_ids"]), \
        "the fixtures should exercise truncation"


def test_decodings_are_well_formed(tiny):
    _, data = tiny
    gen = data["config"]["generation"]
    names = {"token_greedy", "token_beam", "sequence_thorough", "sequence_fast", "token_greedy_extractive",
             "token_beam_extractive", "sequence_thorough_extractive"}
    early_eos = 0
    for case in data["questions"] + data["jeopardy"]:
        assert set(case["outputs"]) == (names if case in data["questions"] else {"token_greedy", "token_beam"})
        for name, out in case["outputs"].items():
            assert 1 <= len(out["tokens"]) <= gen["max_length"] - 1, name
            assert 2 not in out["tokens"][:-1], f"{name}: eos inside the output"
            early_eos += out["tokens"][-1] == 2 and len(out["tokens"]) < gen["max_length"] - 1
            if name.startswith("token"):
                assert len(out["logprobs"]) == len(out["doc_posteriors"]) == len(out["tokens"])
                assert all(lp <= 1e-9 for lp in out["logprobs"])
                assert all(abs(sum(p) - 1) < 1e-9 for p in out["doc_posteriors"])
            else:
                assert out["score"] == max(c["score"] for c in out["candidates"])
            if name.endswith("_extractive"):  # a span of a retrieved passage
                texts = [normalize(data["passages"][i][f]) for i in case["top_k"] for f in ("title", "text")]
                assert any(normalize(out["text"]) in t for t in texts), (name, out["text"])
        thorough = case["outputs"].get("sequence_thorough")
        if thorough:
            total = torch.logsumexp(torch.tensor(case["doc_log_weights"], dtype=torch.float64)
                                    + torch.tensor([sum(lp) for lp in thorough["logprobs"]], dtype=torch.float64), 0)
            assert math.isclose(total.item(), thorough["score"], rel_tol=1e-9)
    assert early_eos > 0, "no decoding ends before max_length: the eos paths go untested"


def test_the_bundle_tokenizers_encode_like_the_fixtures_in_js(tiny):
    out, data = tiny
    for folder, kind in (("generator", "generator"), ("question_encoder", "encoder")):
        cases = data["tokenizer_cases"][kind]
        request = {"dir": os.path.join(out, folder), "cases": [{"text": c["text"], "pair": c.get("pair")}
                                                                for c in cases]}
        proc = subprocess.run(["node", os.path.join(ROOT, "tools", "tokenizer-check.mjs")], input=json.dumps(request),
                              capture_output=True, text=True, check=True)
        got = json.loads(proc.stdout)["encodings"]
        assert [g["ids"] for g in got] == [c["ids"] for c in cases], folder


def test_onnx_encoders_reproduce_the_embeddings(tiny):
    out, data = tiny
    rows = [(data["ctx_inputs"][i], data["ctx_embeddings"][i]) for i in range(3)]
    rows += [({"ids": c["query_ids"], "type_ids": c["query_type_ids"]}, c["query_embedding"])
             for c in data["questions"]]
    for folder, chunk in (("ctx_encoder", rows[:3]), ("question_encoder", rows[3:])):
        runs = [{"inputs": {"input_ids": np.array([e["ids"]], np.int64),
                            "attention_mask": np.ones((1, len(e["ids"])), np.int64),
                            "token_type_ids": np.array([e["type_ids"]], np.int64)}} for e, _ in chunk]
        _, results = run_onnx(os.path.join(out, folder, "model.onnx"), runs)
        for r, (_, expected) in zip(results, chunk):
            np.testing.assert_allclose(r["pooler_output"][0], expected, atol=TOL)


def test_onnx_generator_replays_the_decodings(tiny):
    """Teacher-forces the outputs through the exported encoder and merged decoder: each RAG-Token step's token is
    the argmax of the processed marginal (greedy, where the margin allows) with the recorded log-probability, and
    RAG-Sequence's per-document teacher-forced log-probabilities match."""
    out, data = tiny
    gen = data["config"]["generation"]
    onnx_dir = os.path.join(out, "generator", "onnx")
    replays = [(case, name) for case in data["questions"] + data["jeopardy"]
               for name in ("token_greedy", "token_beam", "sequence_thorough") if name in case["outputs"]]
    enc_runs, masks = [], []
    for case, _ in replays:
        inputs = case["generator_input_ids"]
        width = max(len(i) for i in inputs)
        ids = np.array([i + [1] * (width - len(i)) for i in inputs], np.int64)
        masks.append((np.arange(width)[None, :] < np.array([len(i) for i in inputs])[:, None]).astype(np.int64))
        enc_runs.append({"inputs": {"input_ids": ids, "attention_mask": masks[-1]}})
    _, encoded = run_onnx(os.path.join(onnx_dir, "encoder_model.onnx"), enc_runs)
    meta, _ = run_onnx(os.path.join(onnx_dir, "decoder_model_merged.onnx"), [])
    past = [i for i in meta["inputs"] if i["name"].startswith("past_key_values.")]
    dec_runs = []
    for (case, name), enc, mask in zip(replays, encoded, masks):
        k, tokens = len(case["generator_input_ids"]), case["outputs"][name]["tokens"]
        prefix = np.array([[gen["decoder_start_token_id"]] + tokens[:-1]] * k, np.int64)
        empty = {p["name"]: np.zeros((k, p["shape"][1], 0, p["shape"][3]), np.float32) for p in past}
        dec_runs.append({"inputs": {"input_ids": prefix, "encoder_attention_mask": mask,
                                    "encoder_hidden_states": enc["last_hidden_state"],
                                    "use_cache_branch": np.array([False]), **empty}, "outputs": ["logits"]})
    _, decoded = run_onnx(os.path.join(onnx_dir, "decoder_model_merged.onnx"), dec_runs)
    for (case, name), dec in zip(replays, decoded):
        result = case["outputs"][name]
        w = torch.tensor(case["doc_log_weights"], dtype=torch.float64)
        logp = torch.log_softmax(torch.tensor(dec["logits"], dtype=torch.float64), -1)
        history = [gen["decoder_start_token_id"]]
        for t, token in enumerate(result["tokens"]):
            if name == "sequence_thorough":
                for k in range(len(w)):
                    expected = 0.0 if t == 0 and token == gen["bos_token_id"] else logp[k, t, token].item()
                    assert abs(result["logprobs"][k][t] - expected) < TOL, (case["query"], name, k, t)
            else:
                m = rr.process(torch.logsumexp(w[:, None] + logp[:, t], 0), history, gen)
                assert abs(m[token].item() - result["logprobs"][t]) < TOL, (case["query"], name, t)
                if name == "token_greedy" and result["margins"][t] > TOL:
                    assert int(torch.argmax(m)) == token, (case["query"], t)
            history.append(token)
