"""The PyTorch architectures: HF names and shapes, config.json round trips, masking, causality, the KV cache."""
import json
import struct

import pytest
import torch

from ragkit.models import (BartConfig, BartForConditionalGeneration, DprConfig, DprEncoder, clean_dpr_state_dict,
                           load_weights, read_config_json, read_safetensors, save_weights, tie_bart_weights,
                           write_config_json, write_safetensors)

TINY_BART = dict(vocab_size=50, d_model=16, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
                 decoder_attention_heads=2, encoder_ffn_dim=24, decoder_ffn_dim=28, max_position_embeddings=40)
TINY_DPR = dict(vocab_size=60, hidden_size=16, num_hidden_layers=2, num_attention_heads=4, intermediate_size=32,
                max_position_embeddings=40)


def tiny_bart(**kw):
    torch.manual_seed(0)
    return BartForConditionalGeneration(BartConfig(**{**TINY_BART, **kw})).eval()


def hf_bart_names(layers_enc, layers_dec):
    """BART state-dict names as written in HF's modeling_bart.py, listed independently of our modules."""
    names = {"final_logits_bias", "model.shared.weight", "lm_head.weight"}
    attn = [f"{p}_proj.{w}" for p in "qkv" for w in ("weight", "bias")] + ["out_proj.weight", "out_proj.bias"]
    norm = ["weight", "bias"]
    for side, count in (("encoder", layers_enc), ("decoder", layers_dec)):
        names |= {f"model.{side}.embed_tokens.weight", f"model.{side}.embed_positions.weight"}
        names |= {f"model.{side}.layernorm_embedding.{w}" for w in norm}
        for i in range(count):
            pre = f"model.{side}.layers.{i}."
            blocks = ["self_attn"] + (["encoder_attn"] if side == "decoder" else [])
            names |= {pre + f"{b}.{a}" for b in blocks for a in attn}
            lns = ["self_attn_layer_norm", "final_layer_norm"]
            lns += ["encoder_attn_layer_norm"] if side == "decoder" else []
            names |= {pre + f"{ln}.{w}" for ln in lns for w in norm}
            names |= {pre + f"fc{j}.{w}" for j in (1, 2) for w in norm}
    return names


def hf_dpr_names(prefix, layers, projection):
    """DPR state-dict names as in HF's DPRQuestionEncoder / DPRContextEncoder (BERT without pooler)."""
    pre = f"{prefix}.bert_model."
    names = {pre + f"embeddings.{e}_embeddings.weight" for e in ("word", "position", "token_type")}
    names |= {pre + f"embeddings.LayerNorm.{w}" for w in ("weight", "bias")}
    for i in range(layers):
        lp = pre + f"encoder.layer.{i}."
        for mod in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                    "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"):
            names |= {lp + f"{mod}.{w}" for w in ("weight", "bias")}
    if projection:
        names |= {f"{prefix}.encode_proj.weight", f"{prefix}.encode_proj.bias"}
    return names


def test_bart_state_dict_has_hf_names_and_shapes():
    model = tiny_bart()
    state = model.state_dict()
    assert set(state) == hf_bart_names(2, 2)
    assert state["model.encoder.embed_positions.weight"].shape == (40 + 2, 16)  # BART's offset of 2
    assert state["final_logits_bias"].shape == (1, 50)
    assert state["model.decoder.layers.1.fc1.weight"].shape == (28, 16)
    assert state["lm_head.weight"].data_ptr() == state["model.shared.weight"].data_ptr()


@pytest.mark.parametrize("kind,prefix", [("question", "question_encoder"), ("ctx", "ctx_encoder")])
@pytest.mark.parametrize("projection", [0, 8])
def test_dpr_state_dict_has_hf_names(kind, prefix, projection):
    enc = DprEncoder(DprConfig(**TINY_DPR, projection_dim=projection), kind)
    assert set(enc.state_dict()) == hf_dpr_names(prefix, 2, projection)
    ids = torch.randint(1, 60, (3, 7))
    assert enc.eval()(ids, torch.ones_like(ids)).shape == (3, projection or 16)


def test_configs_round_trip_through_config_json(tmp_path):
    bart = BartConfig(**TINY_BART, scale_embedding=True, forced_bos_token_id=0)
    write_config_json(str(tmp_path), bart.to_dict())
    data = read_config_json(str(tmp_path))
    assert data["model_type"] == "bart" and data["d_model"] == 16 and data["architectures"] == [
        "BartForConditionalGeneration"]
    assert BartConfig.from_dict(data) == bart
    dpr = DprConfig(**TINY_DPR, projection_dim=8)
    path = tmp_path / "dpr.json"
    write_config_json(str(path), dpr.to_dict("ctx"))
    data = json.loads(path.read_text())
    assert data["model_type"] == "dpr" and data["architectures"] == ["DPRContextEncoder"]
    assert DprConfig.from_dict(data) == dpr


def test_hf_config_extras_are_ignored_and_variants_refused():
    data = {**TINY_BART, "model_type": "bart", "num_labels": 3, "id2label": {"0": "a"}, "normalize_before": False}
    assert BartConfig.from_dict(data).d_model == 16
    with pytest.raises(AssertionError, match="normalize_before"):
        BartConfig.from_dict({**data, "normalize_before": True})
    with pytest.raises(AssertionError, match="model_type"):
        BartConfig.from_dict({**data, "model_type": "t5"})


def test_hf_style_checkpoint_without_tied_entries_loads_strictly(tmp_path):
    model = tiny_bart()
    with torch.no_grad():
        model.final_logits_bias.normal_()
    # HF's safetensors writer keeps one copy of tied weights: drop the others, as it does
    state = {k: v for k, v in model.state_dict().items()
             if k not in ("lm_head.weight", "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight")}
    save_weights(str(tmp_path), state, "safetensors")
    other = BartForConditionalGeneration(model.config).eval()
    other.load_state_dict(tie_bart_weights(load_weights(str(tmp_path))), strict=True)
    ids = torch.randint(3, 50, (2, 6))
    dec = torch.randint(3, 50, (2, 4))
    assert torch.equal(model(ids, torch.ones_like(ids), dec), other(ids, torch.ones_like(ids), dec))


def test_dpr_checkpoint_with_legacy_entries_loads_after_cleaning(tmp_path):
    enc = DprEncoder(DprConfig(**TINY_DPR), "question").eval()
    state = dict(enc.state_dict())
    state["question_encoder.bert_model.embeddings.position_ids"] = torch.arange(40)[None]
    state["question_encoder.bert_model.pooler.dense.weight"] = torch.zeros(16, 16)
    save_weights(str(tmp_path), state, "bin")
    other = DprEncoder(DprConfig(**TINY_DPR), "question").eval()
    with pytest.raises(RuntimeError):
        other.load_state_dict(load_weights(str(tmp_path)), strict=True)
    other.load_state_dict(clean_dpr_state_dict(load_weights(str(tmp_path))), strict=True)
    ids = torch.randint(1, 60, (2, 5))
    assert torch.equal(enc(ids, torch.ones_like(ids)), other(ids, torch.ones_like(ids)))


def test_safetensors_format_and_dtypes(tmp_path):
    path = str(tmp_path / "x.safetensors")
    tensors = {"f32": torch.randn(3, 4), "f16": torch.randn(5).half(), "bf16": torch.randn(2, 2).bfloat16(),
               "i64": torch.arange(6).view(2, 3), "scalar": torch.tensor(1.5)}
    write_safetensors(path, tensors, {"format": "pt"})
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    assert header["__metadata__"] == {"format": "pt"} and header["bf16"]["dtype"] == "BF16"
    assert header["f32"]["data_offsets"][1] - header["f32"]["data_offsets"][0] == 48
    back, meta = read_safetensors(path)
    assert meta == {"format": "pt"}
    for name, t in tensors.items():
        assert back[name].dtype == t.dtype and torch.equal(back[name], t), name


def test_encoder_ignores_masked_padding():
    model = tiny_bart()
    ids = torch.randint(3, 50, (1, 8))
    mask = torch.tensor([[1] * 5 + [0] * 3])
    changed = ids.clone()
    changed[0, 5:] = torch.randint(3, 50, (3,))
    a, b = model.encode(ids, mask), model.encode(changed, mask)
    assert torch.allclose(a[:, :5], b[:, :5], atol=1e-6)
    assert not torch.allclose(model.encode(changed, torch.ones_like(mask))[:, :5], a[:, :5], atol=1e-4)
    enc = DprEncoder(DprConfig(**TINY_DPR), "ctx").eval()
    assert torch.allclose(enc(ids, mask), enc(changed, mask), atol=1e-6)


def test_decoder_is_causal():
    model = tiny_bart()
    ids = torch.randint(3, 50, (2, 6))
    mask = torch.ones_like(ids)
    dec = torch.randint(3, 50, (2, 7))
    changed = dec.clone()
    changed[:, 4:] = (dec[:, 4:] + 1) % 50
    a, b = model(ids, mask, dec), model(ids, mask, changed)
    assert torch.allclose(a[:, :4], b[:, :4], atol=1e-6)
    assert not torch.allclose(a[:, 4:], b[:, 4:], atol=1e-4)


@pytest.mark.parametrize("scale_embedding", [False, True])
def test_cached_decoding_equals_full_forward(scale_embedding):
    model = tiny_bart(scale_embedding=scale_embedding)
    ids = torch.randint(3, 50, (2, 9))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0
    dec = torch.randint(3, 50, (2, 10))
    hidden = model.encode(ids, mask)
    full, _ = model.decode(dec, hidden, mask)
    past, steps = None, []
    for t in range(10):
        logits, past = model.decode(dec[:, t:t + 1], hidden, mask, past_key_values=past, use_cache=True)
        steps.append(logits)
    assert len(past) == 2 and len(past[0]) == 4
    assert past[0][0].shape == (2, 2, 10, 8) and past[0][2].shape == (2, 2, 9, 8)  # [B, heads, len, head_dim]
    assert torch.allclose(torch.cat(steps, dim=1), full, atol=1e-5)


def test_dropout_follows_train_mode():
    model = tiny_bart(dropout=0.5)
    ids = torch.randint(3, 50, (2, 6))
    dec = torch.randint(3, 50, (2, 4))
    mask = torch.ones_like(ids)
    assert torch.equal(model(ids, mask, dec), model(ids, mask, dec))
    model.train()
    assert not torch.equal(model(ids, mask, dec), model(ids, mask, dec))
