"""The per-document cross-attention layout (graphs.py, cross_attention="per_document"): R * docs decoder rows, row r
reading document r % docs, whose keys and values exist once per document; its logits must equal Optimum's per-row
layout's, i.e. the PyTorch model's with every row holding its own copy of its document."""
import json
import os

import numpy as np
import pytest
import torch

from ragkit.bundle.relayout import relayout
from ragkit.export import export_bundle, verify_manifest
from ragkit.export.ort_node import run_onnx
from ragkit.models import BartConfig, BartForConditionalGeneration, DprConfig, DprEncoder
from ragkit.tokenizers import train_bpe, train_wordpiece
from ragkit.tokenizers.sample_text import sample_corpus

BART = dict(vocab_size=400, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
            decoder_attention_heads=2, encoder_ffn_dim=48, decoder_ffn_dim=40, max_position_embeddings=64,
            init_std=0.5)
DOCS, BEAMS, SRC, STEPS = 3, 4, 9, 6


def cache_names(layers, prefix):
    return [f"{prefix}.{i}.{s}.{kv}" for i in range(layers) for s in ("decoder", "encoder") for kv in ("key", "value")]


def assert_logits_close(got, expected):
    np.testing.assert_allclose(got, expected, atol=1e-4 * max(1.0, float(np.abs(expected).max()) / 10), rtol=0)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A tiny generator exported as a bundle in the per-document layout, and inputs for DOCS documents."""
    root = tmp_path_factory.mktemp("shared_xattn")
    texts = sample_corpus(200)
    train_bpe(texts, BART["vocab_size"], str(root / "tok_gen"))
    train_wordpiece(texts, 300, str(root / "tok_enc"))
    torch.manual_seed(1)
    dpr = dict(vocab_size=300, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=24,
               max_position_embeddings=64, projection_dim=8)
    q, c = DprEncoder(DprConfig(**dpr), "question").eval(), DprEncoder(DprConfig(**dpr), "ctx").eval()
    gen = BartForConditionalGeneration(BartConfig(**BART)).eval()
    tok = {"question_encoder": str(root / "tok_enc"), "ctx_encoder": str(root / "tok_enc"),
           "generator": str(root / "tok_gen")}
    # exported per row, then rewritten per document by relayout (which rebuilds the models from the graphs): the
    # tests below then hold the rewritten graph to the original PyTorch model
    per_row = export_bundle(str(root / "per_row"), q, c, gen, tok, source="test: per-document cross-attention")
    out = relayout(per_row, str(root / "bundle"), "per_document")
    ids = torch.randint(5, 400, (DOCS, SRC))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0
    mask[2, 3:] = 0
    with torch.no_grad():
        hidden = gen.encode(ids, mask)
    return dict(dir=out, per_row=per_row, gen=gen, hidden=hidden, mask=mask)


def per_row(tensor, rows):
    """The per-row copy of a per-document tensor for rows reading document r % docs."""
    return tensor[torch.arange(rows) % tensor.shape[0]]


def test_pytorch_per_document_attention_equals_per_row_copies(setup):
    gen, hidden, mask = setup["gen"], setup["hidden"], setup["mask"]
    rows = BEAMS * DOCS
    dec = torch.randint(5, 400, (rows, STEPS))
    with torch.no_grad():
        expected = gen.decode(dec, per_row(hidden, rows), per_row(mask, rows))[0]
        got = gen.decode(dec, hidden, mask, per_document=True)[0]
        assert_logits_close(got.numpy(), expected.numpy())
        # with the cache: one token per step, the cross-attention cache staying per document
        _, past = gen.decode(dec[:, :1], hidden, mask, use_cache=True, per_document=True)
        assert past[0][2].shape == (DOCS, 2, SRC, 16) and past[0][0].shape == (rows, 2, 1, 16)
        for t in range(1, STEPS):
            logits, past = gen.decode(dec[:, t:t + 1], hidden, mask, past, use_cache=True, per_document=True)
            assert_logits_close(logits[:, 0].numpy(), expected[:, t].numpy())
    with pytest.raises(AssertionError, match="not a multiple"):
        gen.decode(dec[:rows - 1], hidden, mask, per_document=True)


def test_merged_decoder_per_document_equals_pytorch_per_row(setup):
    """Both branches: the first step on DOCS rows (one per document, as beam search's first step), then the cached
    branch on BEAMS * DOCS beam-major rows (a reorder of the self-attention cache between), and the no-cache branch
    re-decoding whole prefixes."""
    gen, hidden, mask = setup["gen"], setup["hidden"], setup["mask"]
    rows = BEAMS * DOCS
    dec = torch.randint(5, 400, (rows, STEPS))
    dec[:, 0] = 2
    with torch.no_grad():
        expected = gen.decode(dec, per_row(hidden, rows), per_row(mask, rows))[0].numpy()
    names = cache_names(2, "past_key_values")
    empty = {n: np.zeros((DOCS, 2, 0, 16), np.float32) for n in names}
    path = os.path.join(setup["dir"], "generator/onnx/decoder_model_merged.onnx")
    first = {"input_ids": dec[:DOCS, :1], "encoder_attention_mask": mask, "encoder_hidden_states": hidden,
             "use_cache_branch": np.array([False]), **empty}
    meta, (out,) = run_onnx(path, [{"inputs": first}])
    assert_logits_close(out["logits"][:, 0], expected[:DOCS, 0])
    assert out["present.1.encoder.key"].shape == (DOCS, 2, SRC, 16)
    shapes = {i["name"]: i["shape"] for i in meta["inputs"]}
    assert shapes["encoder_hidden_states"][0] == "documents" and shapes["input_ids"][0] == "batch_size"
    assert shapes["past_key_values.0.encoder.key"] == ["documents", 2, "encoder_sequence_length_out", 16]
    assert shapes["past_key_values.0.decoder.key"] == ["batch_size", 2, "past_decoder_sequence_length", 16]
    # every beam continues the first step's rows: the self-attention cache is gathered to rows, the
    # cross-attention cache stays as the first step made it
    beams = np.arange(rows) % DOCS
    past = {n: out[n.replace("past_key_values", "present")][beams] if ".decoder." in n
            else out[n.replace("past_key_values", "present")] for n in names}
    no_hidden = np.zeros((DOCS, 0, 32), np.float32)
    runs = [{"inputs": {"input_ids": dec[:, 1:2], "encoder_attention_mask": mask, "encoder_hidden_states": no_hidden,
                        "use_cache_branch": np.array([True]), **past}}]
    for t in range(2, STEPS):
        runs.append({"inputs": {"input_ids": dec[:, t:t + 1], "encoder_attention_mask": mask,
                                "encoder_hidden_states": no_hidden, "use_cache_branch": np.array([True]),
                                **{n: {"from": n.replace("past_key_values", "present")} for n in names}}})
    _, cached = run_onnx(path, runs)
    for t, result in enumerate(cached, start=1):
        assert_logits_close(result["logits"][:, 0], expected[:, t])
    assert cached[-1]["present.0.decoder.value"].shape == (rows, 2, STEPS, 16)
    assert cached[-1]["present.0.encoder.value"].shape == (DOCS, 2, SRC, 16)
    full = {"input_ids": dec, "encoder_attention_mask": mask, "encoder_hidden_states": hidden,
            "use_cache_branch": np.array([False]), **empty}
    _, (uncached,) = run_onnx(path, [{"inputs": full}])
    assert_logits_close(uncached["logits"], expected)


def test_the_bundle_manifests_record_the_layout(setup):
    d = setup["dir"]
    for folder in ("", "generator"):
        assert verify_manifest(os.path.join(d, folder)) == [], folder
    for rel in ("generator/manifest.json", "generator/onnx/manifest.json"):
        assert json.load(open(os.path.join(d, rel)))["config"]["cross_attention"] == "per_document", rel
    top = json.load(open(os.path.join(d, "manifest.json")))
    assert top["config"]["generator"]["cross_attention"] == "per_document"
    assert top["source"] == "test: per-document cross-attention", "relayout keeps the source"



def test_a_per_document_bundle_is_read_back_and_relaid_out_per_row_as_it_was_exported(setup):
    back = relayout(setup["dir"], setup["dir"] + "-per-row", "per_row")
    for rel in ("generator/onnx/decoder_model_merged.onnx", "generator/onnx/encoder_model.onnx",
                "ctx_encoder/model.onnx"):
        with open(os.path.join(back, rel), "rb") as a, open(os.path.join(setup["per_row"], rel), "rb") as b:
            assert a.read() == b.read(), rel
