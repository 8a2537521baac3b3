"""Deepening a trained generator (ragkit.train.grow_generator): layer copies, and the near-identity insertion."""
import pytest
import torch

from ragkit.models import BartConfig, BartForConditionalGeneration
from ragkit.train.common import load_checkpoint, save_checkpoint
from ragkit.train.grow_generator import grow_state, layer_order, main

TINY = dict(vocab_size=50, d_model=16, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
            decoder_attention_heads=2, encoder_ffn_dim=24, decoder_ffn_dim=28, max_position_embeddings=40)


def trained_like(seed=0):
    """A tiny generator whose layer norms were moved off (1, 0), as training moves them, in a nearly constant way."""
    torch.manual_seed(seed)
    model = BartForConditionalGeneration(BartConfig(**TINY)).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_norm" in name:
                p.copy_(torch.full_like(p, 1.3) if name.endswith("weight") else torch.zeros_like(p))
    return model


def logits(model, ids):
    with torch.no_grad():
        return model(ids, torch.ones_like(ids), ids)


def test_layer_orders():
    assert layer_order(2, 2, "identity") == [(0, False), (0, True), (1, False), (1, True)]
    assert layer_order(2, 2, "stack") == [(0, False), (1, False), (0, False), (1, False)]
    assert layer_order(3, 2, "repeat") == [(0, False), (0, False), (1, False), (1, False), (2, False), (2, False)]
    with pytest.raises(ValueError, match="--order"):
        layer_order(2, 2, "shuffle")


def test_identity_growth_keeps_the_function_and_stacking_does_not():
    small = trained_like()
    ids = torch.randint(3, 50, (2, 9))
    for order, same in (("identity", True), ("stack", False)):
        state, config = grow_state(small.state_dict(), small.config.to_dict(), 2, order)
        assert (config["encoder_layers"], config["decoder_layers"]) == (4, 4)
        deep = BartForConditionalGeneration(BartConfig.from_dict(config)).eval()
        deep.load_state_dict(state)  # strict: every parameter of the deeper model is there
        close = torch.allclose(logits(deep, ids), logits(small, ids), atol=1e-4)
        assert close == same, order


def test_silenced_copies_end_their_residual_branches_at_zero_and_the_originals_stay():
    small = trained_like()
    state, _ = grow_state(small.state_dict(), small.config.to_dict(), 2, "identity")
    before = small.state_dict()
    layer = "model.decoder.layers."
    assert torch.equal(state[layer + "2.fc1.weight"], before[layer + "1.fc1.weight"])  # original layer 1, moved
    for name in ("self_attn.out_proj.weight", "encoder_attn.out_proj.bias", "fc2.weight", "fc2.bias"):
        assert not state[layer + "3." + name].any(), name
    assert torch.equal(state[layer + "3.self_attn_layer_norm.weight"], before[layer + "1.final_layer_norm.weight"])
    assert torch.equal(state[layer + "3.self_attn.q_proj.weight"], before[layer + "1.self_attn.q_proj.weight"])


def test_the_grown_checkpoint_restarts_its_stage_without_optimizer_state(tmp_path):
    small = trained_like()
    source, out = tmp_path / "generator_read.pt", tmp_path / "deep" / "generator_read.pt"
    save_checkpoint(str(source), model=small.state_dict(), optimizer={"state": {}}, step=6000,
                    config=small.config.to_dict())
    main(dict(source=str(source), out=str(out), factor=2, order="identity"))
    grown = load_checkpoint(str(out))
    assert grown["step"] == 0 and "optimizer" not in grown
    assert grown["config"]["encoder_layers"] == 4 and grown["stage_config"]["grown_from"] == str(source)
