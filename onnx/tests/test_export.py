"""ONNX export: every graph of a tiny bundle, run by onnxruntime-node, gives the PyTorch outputs; the merged decoder
with its cache equals decoding without it; transformers.js loads the generator folder and decodes as PyTorch does."""
import hashlib
import json
import os
import subprocess

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from ragkit.export import export_bundle, verify_manifest
from ragkit.export.ort_node import TOOLS, run_onnx
from ragkit.models import BartConfig, BartForConditionalGeneration, DprConfig, DprEncoder
from ragkit.tokenizers import load_tokenizer, train_bpe, train_wordpiece
from ragkit.tokenizers.sample_text import sample_corpus

ATOL = 1e-4


def assert_logits_close(got, expected):
    """Logits within 1e-4 of PyTorch's, relative to their scale: the peaked test generator's logits reach 20, and
    float32 sums of such terms differ between runtimes by about 1e-5 of the largest term."""
    np.testing.assert_allclose(got, expected, atol=ATOL * max(1.0, float(np.abs(expected).max()) / 10))
BART = dict(vocab_size=400, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
            decoder_attention_heads=2, encoder_ffn_dim=48, decoder_ffn_dim=40, max_position_embeddings=64,
            scale_embedding=True, forced_bos_token_id=0, init_std=1.0)
DPR = dict(hidden_size=24, num_hidden_layers=2, num_attention_heads=4, intermediate_size=40, max_position_embeddings=64)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """A tiny bundle with trained tokenizers and peaked random weights (near-uniform logits would turn float
    noise between runtimes into different argmaxes)."""
    root = tmp_path_factory.mktemp("bundle")
    texts = sample_corpus(300)
    train_bpe(texts, BART["vocab_size"], str(root / "tok_gen"))
    train_wordpiece(texts, 300, str(root / "tok_enc"))
    torch.manual_seed(0)
    q = DprEncoder(DprConfig(vocab_size=300, projection_dim=16, **DPR), "question").eval()
    c = DprEncoder(DprConfig(vocab_size=300, projection_dim=16, **DPR), "ctx").eval()
    gen = BartForConditionalGeneration(BartConfig(**BART)).eval()
    with torch.no_grad():
        gen.final_logits_bias.normal_(0, 0.5)
    tok = {"question_encoder": str(root / "tok_enc"), "ctx_encoder": str(root / "tok_enc"),
           "generator": str(root / "tok_gen")}
    out = export_bundle(str(root / "bundle"), q, c, gen, tok, {"n_docs": 3, "tasks": {
        "answer": {"prefix": ""}, "jeopardy": {"prefix": "jeopardy: "}}}, source="test: random weights",
        generation={"num_beams": 1, "min_length": 0, "max_length": 20})
    return dict(dir=out, q=q, c=c, gen=gen, gen_tok=load_tokenizer(str(root / "tok_gen" / "tokenizer.json")))


def test_bundle_layout_configs_and_manifests(bundle):
    d = bundle["dir"]
    for rel in ("rag_config.json", "manifest.json", "question_encoder/model.onnx", "question_encoder/config.json",
                "question_encoder/tokenizer.json", "ctx_encoder/model.onnx", "generator/onnx/encoder_model.onnx",
                "generator/onnx/decoder_model_merged.onnx", "generator/config.json", "generator/generation_config.json",
                "generator/tokenizer.json", "generator/tokenizer_config.json", "generator/special_tokens_map.json"):
        assert os.path.isfile(os.path.join(d, rel)), rel
    assert not os.path.exists(os.path.join(d, "generator/onnx/decoder_model.onnx"))
    for folder in ("", "question_encoder", "ctx_encoder", "generator"):
        assert verify_manifest(os.path.join(d, folder)) == [], folder
    manifest = json.load(open(os.path.join(d, "generator/manifest.json")))
    assert manifest["opset"] == 14 and manifest["source"] == "test: random weights"
    assert "onnx/decoder_model_merged.onnx" in manifest["files"] and manifest["config"]["d_model"] == 32
    rag = json.load(open(os.path.join(d, "rag_config.json")))
    assert rag["n_docs"] == 3 and rag["title_sep"] == " / " and rag["doc_sep"] == " // "
    assert rag["max_combined_length"] == 300 and rag["retrieval_vector_size"] == 16
    assert rag["tasks"]["jeopardy"]["prefix"] == "jeopardy: " and rag["generation"]["max_length"] == 20
    gen = json.load(open(os.path.join(d, "generator/generation_config.json")))
    assert gen["decoder_start_token_id"] == 2 and gen["forced_bos_token_id"] == 0 and gen["num_beams"] == 1
    assert json.load(open(os.path.join(d, "question_encoder/config.json")))["architectures"] == ["DPRQuestionEncoder"]
    # a changed file is caught
    with open(os.path.join(d, "rag_config.json"), "a") as f:
        f.write(" ")
    assert verify_manifest(d) == ["rag_config.json"]


@pytest.mark.parametrize("kind", ["question_encoder", "ctx_encoder"])
def test_dpr_graphs_match_pytorch(bundle, kind):
    model = bundle["q" if kind == "question_encoder" else "c"]
    ids = torch.randint(5, 300, (3, 9))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0
    mask[2, 3:] = 0
    types = torch.zeros_like(ids)
    types[:, 4:] = 1
    meta, (out,) = run_onnx(os.path.join(bundle["dir"], kind, "model.onnx"),
                            [{"inputs": {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}}])
    assert [i["name"] for i in meta["inputs"]] == ["input_ids", "attention_mask", "token_type_ids"]
    assert out["pooler_output"].shape == (3, 16)
    with torch.no_grad():
        expected = model(ids, mask, types).numpy()
    np.testing.assert_allclose(out["pooler_output"], expected, atol=ATOL)


def test_bart_encoder_graph_matches_pytorch(bundle):
    ids = torch.randint(5, 400, (3, 11))  # the graphs were traced with batch 2: the axes are dynamic
    mask = torch.ones_like(ids)
    mask[0, 7:] = 0
    _, (out,) = run_onnx(os.path.join(bundle["dir"], "generator/onnx/encoder_model.onnx"),
                         [{"inputs": {"input_ids": ids, "attention_mask": mask}}])
    with torch.no_grad():
        np.testing.assert_allclose(out["last_hidden_state"], bundle["gen"].encode(ids, mask).numpy(), atol=ATOL)


def cache_names(layers, prefix):
    return [f"{prefix}.{i}.{s}.{kv}" for i in range(layers) for s in ("decoder", "encoder") for kv in ("key", "value")]


def test_merged_decoder_with_cache_equals_without(bundle):
    gen, steps, batch = bundle["gen"], 10, 3
    ids = torch.randint(5, 400, (batch, 8))
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0
    dec = torch.randint(5, 400, (batch, steps))
    with torch.no_grad():
        hidden = gen.encode(ids, mask)
        full = gen.decode(dec, hidden, mask)[0].numpy()
    empty = np.zeros((batch, 2, 0, 16), np.float32)
    cached, uncached = [], []
    for t in range(steps):
        common = {"encoder_attention_mask": mask, "encoder_hidden_states": hidden}
        cached.append({"inputs": {**common, "input_ids": dec[:, t:t + 1], "use_cache_branch": np.array([t > 0]),
                                  **{n: empty if t == 0 else {"from": n.replace("past_key_values", "present")}
                                     for n in cache_names(2, "past_key_values")}}})
        uncached.append({"inputs": {**common, "input_ids": dec[:, :t + 1], "use_cache_branch": np.array([False]),
                                    **{n: empty for n in cache_names(2, "past_key_values")}}})
    path = os.path.join(bundle["dir"], "generator/onnx/decoder_model_merged.onnx")
    meta, with_cache = run_onnx(path, cached)
    _, without = run_onnx(path, uncached)
    step_logits = np.concatenate([r["logits"] for r in with_cache], axis=1)
    assert_logits_close(step_logits, full)
    for t in range(steps):
        assert_logits_close(with_cache[t]["logits"][:, 0], without[t]["logits"][:, -1])
    last = with_cache[-1]
    assert last["present.1.decoder.key"].shape == (batch, 2, steps, 16)
    assert last["present.1.encoder.value"].shape == (batch, 2, 8, 16)
    # Optimum's names and the shapes transformers.js builds its empty first-step cache from
    shapes = {i["name"]: i["shape"] for i in meta["inputs"]}
    assert shapes["use_cache_branch"] == [1] and shapes["input_ids"][0] == "batch_size"
    assert shapes["past_key_values.0.decoder.key"] == ["batch_size", 2, "past_decoder_sequence_length", 16]
    assert shapes["past_key_values.1.encoder.value"] == ["batch_size", 2, "encoder_sequence_length_out", 16]
    assert [o["name"] for o in meta["outputs"]] == ["logits"] + cache_names(2, "present")


def torch_greedy(gen, ids, max_new_tokens, cfg):
    """Greedy decoding with the generation config's processors (forced bos/eos, min_length); returns the ids
    (decoder start first) and the smallest top-2 margin met, to tell a real mismatch from a near-tie."""
    out, margin = [cfg["decoder_start_token_id"]], float("inf")
    max_length = 1 + max_new_tokens
    with torch.no_grad():
        hidden = gen.encode(ids, torch.ones_like(ids))
        while len(out) < max_length:
            logits = gen.decode(torch.tensor([out]), hidden, torch.ones_like(ids))[0][0, -1]
            if len(out) == 1 and cfg["forced_bos_token_id"] is not None:
                nxt = cfg["forced_bos_token_id"]
            elif len(out) == max_length - 1:
                nxt = cfg["forced_eos_token_id"]
            else:
                top = logits.topk(2).values
                margin = min(margin, float(top[0] - top[1]))
                nxt = int(logits.argmax())
            out.append(nxt)
            if nxt == cfg["eos_token_id"]:
                break
    return out, margin


def test_transformers_js_loads_generator_and_decodes_like_pytorch(bundle, tmp_path):
    texts = ["Paris / the city of Paris // where is Paris?", "the first computer program was written by Lovelace",
             "Einstein", "Москва, 東京 and São Paulo (1999): 42% of the network protocol data"]
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"model_dir": os.path.join(bundle["dir"], "generator"), "texts": texts,
                                   "max_new_tokens": 12}))
    proc = subprocess.run(["node", os.path.join(TOOLS, "transformers-generate.mjs"), str(request)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])["results"]
    cfg = json.load(open(os.path.join(bundle["dir"], "generator/generation_config.json")))
    outputs = []
    for text, result in zip(texts, results):
        assert result["input_ids"] == bundle["gen_tok"].encode(text), "transformers.js tokenizes as ragkit does"
        expected, margin = torch_greedy(bundle["gen"], torch.tensor([result["input_ids"]]), 12, cfg)
        assert margin > 1e-3, f"near-tie (margin {margin}): the comparison would not be meaningful"
        assert result["output_ids"] == expected
        outputs.append(expected)
    # random models love repeating one token; several distinct tokens show the comparison is not vacuous
    assert len({t for o in outputs for t in o[2:-1]}) >= 3, f"degenerate outputs prove little: {outputs}"


def test_merged_decoder_stores_shared_weights_once(bundle):
    model = onnx.load(os.path.join(bundle["dir"], "generator/onnx/decoder_model_merged.onnx"))
    (if_node,) = model.graph.node
    assert if_node.op_type == "If" and list(if_node.input) == ["use_cache_branch"]
    digests = [hashlib.sha256(numpy_helper.to_array(i).tobytes()).hexdigest() for i in model.graph.initializer]
    assert len(digests) == len(set(digests)), "a weight is stored twice"
    for branch in (a.g for a in if_node.attribute):
        assert all(len(i.dims) <= 1 for i in branch.initializer), f"{branch.name} holds its own weights"
    # every decoder weight of the PyTorch model is in there once (the embedding table at least)
    shared = bundle["gen"].model.shared.weight.detach().numpy()
    assert sum(numpy_helper.to_array(i).shape == shared.shape for i in model.graph.initializer) >= 1


def test_merged_decoder_stores_the_tied_embedding_once(bundle):
    """The LM head reads the shared embedding as stored; a transposed copy would add vocab x d_model floats."""
    model = onnx.load(os.path.join(bundle["dir"], "generator", "onnx", "decoder_model_merged.onnx"))
    vocab, d_model = BART["vocab_size"], BART["d_model"]
    big = [list(i.dims) for i in model.graph.initializer if sorted(i.dims) == sorted([vocab, d_model])]
    assert big == [[vocab, d_model]]


def test_float16_storage_halves_the_files_and_computes_with_the_rounded_weights(bundle, tmp_path):
    from ragkit.export.float16 import restore_float32

    tok = {"question_encoder": os.path.join(bundle["dir"], "question_encoder"),
           "ctx_encoder": os.path.join(bundle["dir"], "ctx_encoder"),
           "generator": os.path.join(bundle["dir"], "generator")}
    half = export_bundle(str(tmp_path / "half"), bundle["q"], bundle["c"], bundle["gen"], tok, float16=True)
    assert json.load(open(os.path.join(half, "generator", "manifest.json")))["config"]["weights"] == "float16"
    for rel in ("question_encoder/model.onnx", "generator/onnx/encoder_model.onnx",
                "generator/onnx/decoder_model_merged.onnx"):
        full = {i.name: numpy_helper.to_array(i) for i in onnx.load(os.path.join(bundle["dir"], rel)).graph.initializer}
        large = sum(v.nbytes for v in full.values() if v.size >= 1024 and v.dtype == np.float32)
        saved = os.path.getsize(os.path.join(bundle["dir"], rel)) - os.path.getsize(os.path.join(half, rel))
        assert large > 0 and saved > 0.45 * large, (rel, saved, large)  # half of every large tensor's bytes
        # restored, every weight is the float32 one rounded to float16 (large tensors) or the float32 one (small)
        back = {i.name: numpy_helper.to_array(i)
                for i in restore_float32(onnx.load(os.path.join(half, rel))).graph.initializer}
        assert full.keys() == back.keys(), rel
        for name, value in full.items():
            rounded = value.astype(np.float16).astype(np.float32) if value.size >= 1024 and value.dtype == np.float32 \
                else value
            assert back[name].dtype == value.dtype and np.array_equal(back[name], rounded), (rel, name)
    # onnxruntime computes in float32 with the rounded weights: PyTorch with the same rounding agrees
    gen = BartForConditionalGeneration(BartConfig(**BART)).eval()
    gen.load_state_dict(bundle["gen"].state_dict())
    with torch.no_grad():
        for p in gen.parameters():
            if p.numel() >= 1024:
                p.copy_(p.half().float())
    ids = torch.randint(5, 400, (2, 9))
    _, (out,) = run_onnx(os.path.join(half, "generator/onnx/encoder_model.onnx"),
                         [{"inputs": {"input_ids": ids, "attention_mask": torch.ones_like(ids)}}])
    with torch.no_grad():
        np.testing.assert_allclose(out["last_hidden_state"], gen.encode(ids, torch.ones_like(ids)).numpy(), atol=ATOL)
