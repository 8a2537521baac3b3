"""ragkit.convert on checkpoints written here in Hugging Face's format (HF key names and config.json layout, legacy
entries, half-precision weights, vocabulary files) from random weights: the bundle computes what the models did."""
import json
import os

import numpy as np
import pytest
import torch

from ragkit.convert import DEFAULTS, convert
from ragkit.export.ort_node import run_onnx
from ragkit.models import BartConfig, BartForConditionalGeneration, DprConfig, DprEncoder, save_weights
from ragkit.tokenizers import load_tokenizer, train_bpe, train_wordpiece
from ragkit.tokenizers.sample_text import sample_corpus

DPR = dict(vocab_size=200, hidden_size=24, num_hidden_layers=2, num_attention_heads=4, intermediate_size=40,
           max_position_embeddings=64)
BART = dict(vocab_size=300, d_model=32, encoder_layers=2, decoder_layers=1, encoder_attention_heads=4,
            decoder_attention_heads=4, encoder_ffn_dim=48, decoder_ffn_dim=48, max_position_embeddings=64,
            forced_bos_token_id=0)
TIED = ("lm_head.weight", "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight")


def write_vocab_files(tok_dir, out_dir):
    """Writes the vocabulary files HF checkpoints ship (vocab.txt, or vocab.json + merges.txt) from a
    tokenizer.json, so convert has to build tokenizer.json itself."""
    os.makedirs(out_dir, exist_ok=True)
    model = json.load(open(os.path.join(tok_dir, "tokenizer.json")))["model"]
    by_id = sorted(model["vocab"], key=model["vocab"].get)
    if model["type"] == "WordPiece":
        with open(os.path.join(out_dir, "vocab.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(by_id) + "\n")
        json.dump({"do_lower_case": True}, open(os.path.join(out_dir, "tokenizer_config.json"), "w"))
    else:
        json.dump(model["vocab"], open(os.path.join(out_dir, "vocab.json"), "w", encoding="utf-8"), ensure_ascii=False)
        merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
        with open(os.path.join(out_dir, "merges.txt"), "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n" + "\n".join(merges) + "\n")


def half_rounded(model):
    """Rounds the weights to float16 precision, so a checkpoint stored in F16 holds exactly the model."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    return model


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf")
    texts = sample_corpus(200)
    train_wordpiece(texts, DPR["vocab_size"], str(root / "wp"))
    train_bpe(texts, BART["vocab_size"], str(root / "bpe"))
    torch.manual_seed(1)
    q = DprEncoder(DprConfig(**DPR), "question").eval()
    c = DprEncoder(DprConfig(**DPR), "ctx").eval()
    gen = half_rounded(BartForConditionalGeneration(BartConfig(**BART)).eval())
    bare = BartForConditionalGeneration(BartConfig(**BART)).eval()
    with torch.no_grad():
        gen.final_logits_bias.copy_(torch.randn(1, BART["vocab_size"]).half().float())

    rag = root / "rag-token-nq"
    rag.mkdir()
    generator_config = {**gen.config.to_dict(), "normalize_before": False, "add_bias_logits": False,
                        "static_position_embeddings": False, "extra_pos_embeddings": 2, "num_beams": 4}
    json.dump({"model_type": "rag", "architectures": ["RagTokenForGeneration"], "n_docs": 7, "title_sep": " / ",
               "doc_sep": " // ", "max_combined_length": 300, "retrieval_vector_size": 24, "max_length": 30,
               "question_encoder": {**q.config.to_dict("question"), "projection_dim": 0},
               "generator": generator_config}, open(rag / "config.json", "w"))
    state = {"rag.question_encoder." + k: v for k, v in q.state_dict().items()}
    state["rag.question_encoder.question_encoder.bert_model.embeddings.position_ids"] = torch.arange(64)[None]
    state.update({"rag.generator." + k: v.half() for k, v in gen.state_dict().items() if k not in TIED})
    save_weights(str(rag), state, "safetensors")
    write_vocab_files(str(root / "wp"), str(rag / "question_encoder_tokenizer"))
    write_vocab_files(str(root / "bpe"), str(rag / "generator_tokenizer"))

    ctx = root / "dpr-ctx_encoder-single-nq-base"
    ctx.mkdir()
    json.dump(c.config.to_dict("ctx"), open(ctx / "config.json", "w"))
    state = dict(c.state_dict())
    state["ctx_encoder.bert_model.embeddings.position_ids"] = torch.arange(64)[None]
    state["ctx_encoder.bert_model.pooler.dense.weight"] = torch.zeros(24, 24)
    save_weights(str(ctx), state, "bin")
    write_vocab_files(str(root / "wp"), str(ctx))

    bart = root / "bart-large"
    bart.mkdir()
    json.dump({**bare.config.to_dict(), "architectures": ["BartModel"]}, open(bart / "config.json", "w"))
    # a BartModel checkpoint: no `model.` prefix, no LM head, no final_logits_bias
    save_weights(str(bart), {k[len("model."):]: v for k, v in bare.state_dict().items()
                             if k.startswith("model.")}, "bin")
    write_vocab_files(str(root / "bpe"), str(bart))
    return dict(root=root, rag=str(rag), ctx=str(ctx), bart=str(bart), q=q, c=c, gen=gen, bare=bare)


def run(path, **inputs):
    return run_onnx(path, [{"inputs": inputs}])[1][0]


def first_step_logits(bundle, ids):
    mask = torch.ones_like(ids)
    hidden = run(os.path.join(bundle, "generator/onnx/encoder_model.onnx"), input_ids=ids,
                 attention_mask=mask)["last_hidden_state"]
    empty = np.zeros((1, 4, 0, 8), np.float32)
    past = {f"past_key_values.0.{s}.{kv}": empty for s in ("decoder", "encoder") for kv in ("key", "value")}
    return run(os.path.join(bundle, "generator/onnx/decoder_model_merged.onnx"), input_ids=torch.tensor([[2, 0]]),
               encoder_attention_mask=mask, encoder_hidden_states=hidden, use_cache_branch=np.array([False]),
               **past)["logits"]


def test_rag_and_ctx_checkpoints_convert_to_an_equivalent_bundle(checkpoints, tmp_path):
    out = convert({**DEFAULTS, "rag": checkpoints["rag"], "ctx_encoder": checkpoints["ctx"],
                   "out": str(tmp_path / "bundle")})
    ids = torch.randint(5, 200, (2, 9))
    mask, types = torch.ones_like(ids), torch.zeros_like(ids)
    for kind, model in (("question_encoder", checkpoints["q"]), ("ctx_encoder", checkpoints["c"])):
        got = run(os.path.join(out, kind, "model.onnx"), input_ids=ids, attention_mask=mask, token_type_ids=types)
        with torch.no_grad():
            np.testing.assert_allclose(got["pooler_output"], model(ids, mask, types).numpy(), atol=1e-4)
    gen_ids = torch.randint(5, 300, (1, 8))
    with torch.no_grad():
        gen = checkpoints["gen"]
        expected = gen.decode(torch.tensor([[2, 0]]), gen.encode(gen_ids, torch.ones_like(gen_ids)),
                              torch.ones_like(gen_ids))[0].numpy()
    np.testing.assert_allclose(first_step_logits(out, gen_ids), expected, atol=1e-4)
    rag = json.load(open(os.path.join(out, "rag_config.json")))
    assert rag["n_docs"] == 7 and rag["retrieval_vector_size"] == 24
    generation = json.load(open(os.path.join(out, "generator/generation_config.json")))
    assert generation["num_beams"] == 4 and generation["max_length"] == 30 and generation["forced_bos_token_id"] == 0
    manifest = json.load(open(os.path.join(out, "manifest.json")))
    assert manifest["source"] == "rag-token-nq + dpr-ctx_encoder-single-nq-base"
    # tokenizer.json built from the vocabulary files encodes as the tokenizers they came from
    text = "Where was Einstein born? São Paulo, 1999."
    for kind, original in (("question_encoder", "wp"), ("ctx_encoder", "wp"), ("generator", "bpe")):
        built = load_tokenizer(os.path.join(out, kind, "tokenizer.json"))
        reference = load_tokenizer(str(checkpoints["root"] / original / "tokenizer.json"))
        assert built.encode(text) == reference.encode(text), kind


def test_bare_bart_replaces_the_rag_generator(checkpoints, tmp_path):
    out = convert({**DEFAULTS, "rag": checkpoints["rag"], "ctx_encoder": checkpoints["ctx"],
                   "bart": checkpoints["bart"], "out": str(tmp_path / "bundle")})
    ids = torch.randint(5, 300, (1, 6))
    bare = checkpoints["bare"]
    with torch.no_grad():
        expected = bare.decode(torch.tensor([[2, 0]]), bare.encode(ids, torch.ones_like(ids)),
                               torch.ones_like(ids))[0].numpy()
    np.testing.assert_allclose(first_step_logits(out, ids), expected, atol=1e-4)


def test_missing_parts_and_wrong_checkpoints_are_refused(checkpoints, tmp_path):
    with pytest.raises(AssertionError, match="ctx_encoder"):
        convert({**DEFAULTS, "rag": checkpoints["rag"], "out": str(tmp_path / "a")})
    with pytest.raises(AssertionError, match="model_type"):
        convert({**DEFAULTS, "rag": checkpoints["ctx"], "ctx_encoder": checkpoints["ctx"], "out": str(tmp_path / "b")})
    with pytest.raises(AssertionError, match="do not fit"):
        convert({**DEFAULTS, "question_encoder": checkpoints["ctx"], "ctx_encoder": checkpoints["ctx"],
                 "bart": checkpoints["bart"], "out": str(tmp_path / "c")})
