"""Warm start: a tiny trained run, exported with export_demo and rebuilt from the bundle alone, gives models with the
same outputs, checkpoints the train scripts resume from, and the run's tokenizers."""
import filecmp
import json
import os

import pytest
import torch

from ragkit.bundle import export_demo, provenance, warm_start
from ragkit.data.splits import held_out_digest
from ragkit.train import train_dpr, train_generator, train_rag, train_tokenizers
from test_training import TINY_DPR, TINY_GEN, make_data


def train_tiny_run(root, rag=True):
    """A run directory trained for a few steps of every stage (seconds), with its data folder."""
    data, run_dir = root / "data", root / "run"
    make_data(data)
    common = dict(run_dir=str(run_dir), data_dir=str(data), threads=1)
    train_tokenizers.main(dict(train_tokenizers.DEFAULTS, generator_vocab=400, encoder_vocab=300, **common))
    gen = dict(train_generator.DEFAULTS, batch_size=4, eval_every=100, save_every=100, model=TINY_GEN, warmup=1,
               lr=1e-2, **common)
    train_generator.main(dict(gen, stage="pretrain", steps=2))
    train_generator.main(dict(gen, stage="qa", steps=3))
    train_dpr.main(dict(train_dpr.DEFAULTS, steps=2, batch_size=3, eval_every=100, save_every=100, model=TINY_DPR,
                        warmup=1, lr=1e-2, **common))
    if rag:
        train_rag.main(dict(train_rag.DEFAULTS, steps=2, batch_size=2, n_docs=2, eval_every=100, save_every=100,
                            warmup=1, lr=1e-2, **common))
    return common


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("warm")
    run = train_tiny_run(root)
    bundle = root / "bundle"
    export_demo.main(dict(export_demo.DEFAULTS, run_dir=run["run_dir"], data_dir=run["data_dir"], out=str(bundle)))
    rebuilt = root / "rebuilt"
    written = warm_start.main(dict(warm_start.DEFAULTS, bundle=str(bundle), run_dir=str(rebuilt)))
    return dict(run, bundle=str(bundle), rebuilt=str(rebuilt), written=written)


def as_stored(model):
    """The model with its weights as a float16 bundle holds them (tensors of 1024 elements or more rounded)."""
    with torch.no_grad():
        for p in model.parameters():
            if p.numel() >= 1024:
                p.copy_(p.half().float())
    return model


def test_rebuilt_models_give_the_original_outputs(trained):
    *models, stages = export_demo.load_models(trained["run_dir"])
    original = [as_stored(m) for m in models] + [stages]  # export_demo stores float16
    rebuilt = export_demo.load_models(trained["rebuilt"])
    assert rebuilt[3] == original[3], "the rebuilt checkpoints record the original stages and steps"
    torch.manual_seed(3)
    ids = torch.randint(5, original[0].config.vocab_size, (3, 11))
    mask = torch.ones_like(ids)
    mask[1, 7:] = 0
    types = torch.zeros_like(ids)
    for a, b in zip(original[:2], rebuilt[:2]):
        torch.testing.assert_close(b.eval()(ids, mask, types), a.eval()(ids, mask, types), atol=1e-5, rtol=0)
    gen_a, gen_b = original[2].eval(), rebuilt[2].eval()
    ids = torch.randint(5, gen_a.config.vocab_size, (3, 11))
    decoder_in = torch.randint(5, gen_a.config.vocab_size, (3, 6))
    with torch.no_grad():
        expected = gen_a(ids, mask, decoder_in)
        assert expected.abs().max() > 0.1, "a trained generator's logits are not all near zero"
        torch.testing.assert_close(gen_b(ids, mask, decoder_in), expected, atol=1e-5, rtol=0)
    state_a, state_b = gen_a.state_dict(), gen_b.state_dict()
    assert state_a.keys() == state_b.keys()
    assert all(torch.equal(state_a[k], state_b[k]) for k in state_a), "initializers hold the weights exactly"


def test_checkpoints_carry_the_recorded_steps_and_no_optimizer(trained):
    assert trained["written"] == ["dpr.pt", "rag.pt", "generator_qa.pt"]
    load = lambda name: torch.load(os.path.join(trained["rebuilt"], name), map_location="cpu")  # noqa: E731
    assert load("dpr.pt")["step"] == 2 and load("rag.pt")["step"] == 2
    assert load("generator_qa.pt")["step"] == warm_start.DONE_STEP, "the bundle does not record the qa stage's steps"
    assert all("optimizer" not in load(n) for n in trained["written"])
    for side, folder in (("generator", "generator"), ("encoder", "encoder")):
        original = os.path.join(trained["run_dir"], "tokenizers", folder, "tokenizer.json")
        assert filecmp.cmp(original, os.path.join(trained["rebuilt"], "tokenizers", side, "tokenizer.json"),
                           shallow=False)


def test_training_resumes_from_a_warm_started_run(trained):
    common = dict(run_dir=trained["rebuilt"], data_dir=trained["data_dir"], threads=1)
    assert train_rag.main(dict(train_rag.DEFAULTS, steps=3, batch_size=2, n_docs=2, eval_every=100, save_every=100,
                               warmup=1, **common))
    assert torch.load(os.path.join(trained["rebuilt"], "rag.pt"), map_location="cpu")["step"] == 3


def test_the_bundle_carries_its_held_out_documents_to_the_warm_started_run(trained, tmp_path):
    digest = provenance.data_split(trained["data_dir"])
    assert digest and provenance.bundle_split(trained["bundle"]) == digest
    assert provenance.held_out_split(trained["rebuilt"], trained["data_dir"]) == digest
    assert provenance.warning(trained["rebuilt"], trained["data_dir"]) is None
    other = tmp_path / "other"  # the same documents held out differently: the rebuilt models read its test
    other.mkdir()
    (other / "stats.json").write_text(json.dumps({"split_sha256": held_out_digest({"d0": "test", "d4": "dev"})}))
    assert provenance.held_out_split(trained["rebuilt"], str(other)) is None
    assert "overstate" in provenance.warning(trained["rebuilt"], str(other))
    assert provenance.held_out_split(trained["run_dir"], str(other)) == provenance.data_split(str(other))


def test_refuses_to_overwrite_a_run_without_force(trained):
    with pytest.raises(AssertionError, match="--force"):
        warm_start.main(dict(warm_start.DEFAULTS, bundle=trained["bundle"], run_dir=trained["rebuilt"]))


def test_steps_are_read_from_the_manifest_source():
    steps = warm_start.recorded_steps("ragkit embedded default trained on FOLDOC (dpr step 3000, generator qa step 12)")
    assert steps == {"dpr": 3000, "generator qa": 12}
    steps = warm_start.recorded_steps("trained on FOLDOC (dpr step 2800, generator deepen step 7)")
    assert steps == {"dpr": 2800, "generator deepen": 7}


def test_a_bundle_from_before_rag_training_gives_only_the_stages_it_had(tmp_path):
    run = train_tiny_run(tmp_path, rag=False)
    export_demo.main(dict(export_demo.DEFAULTS, run_dir=run["run_dir"], out=str(tmp_path / "bundle")))
    rebuilt = str(tmp_path / "rebuilt")
    assert warm_start.main(dict(warm_start.DEFAULTS, bundle=str(tmp_path / "bundle"), run_dir=rebuilt)) == \
        ["dpr.pt", "generator_qa.pt"]
    assert torch.load(os.path.join(rebuilt, "generator_qa.pt"), map_location="cpu")["step"] == 3
    assert not os.path.exists(os.path.join(rebuilt, "rag.pt")), "RAG training has not started in that run"
    assert export_demo.load_models(rebuilt)[3] == "dpr step 2, generator qa step 3"


def test_an_int8_bundle_warm_starts_from_its_dequantized_weights_and_training_resumes(trained, tmp_path):
    bundle, rebuilt = str(tmp_path / "int8"), str(tmp_path / "rebuilt")
    export_demo.main(dict(export_demo.DEFAULTS, run_dir=trained["run_dir"], data_dir=trained["data_dir"], out=bundle,
                          int8=True))
    assert warm_start.main(dict(warm_start.DEFAULTS, bundle=bundle, run_dir=rebuilt)) == trained["written"]
    *stored, _ = export_demo.load_models(trained["run_dir"])
    *back, _ = export_demo.load_models(rebuilt)
    for original, restored in zip([as_stored(m) for m in stored], back):
        a, b = original.state_dict(), restored.state_dict()
        for name in a:
            # symmetric per output feature (a row of a torch Linear weight): at most half a step, max |row| / 254
            top = a[name].abs().amax(dim=1, keepdim=True) if a[name].dim() == 2 else a[name].abs().max()
            bound = top / 254 + 1e-6
            assert torch.all((b[name] - a[name]).abs() <= bound), name
    assert all(torch.equal(x, y) for x, y in zip(stored[1].state_dict().values(), back[1].state_dict().values())), \
        "the context encoder is not quantized: indexes stay valid"
    common = dict(run_dir=rebuilt, data_dir=trained["data_dir"], threads=1)
    assert train_rag.main(dict(train_rag.DEFAULTS, steps=3, batch_size=2, n_docs=2, eval_every=100, save_every=100,
                               warmup=1, **common))


def test_a_per_document_bundle_warm_starts_to_the_same_weights(trained, tmp_path):
    bundle, rebuilt = str(tmp_path / "per-document"), str(tmp_path / "rebuilt")
    export_demo.main(dict(export_demo.DEFAULTS, run_dir=trained["run_dir"], data_dir=trained["data_dir"], out=bundle,
                          cross_attention="per_document"))
    assert warm_start.main(dict(warm_start.DEFAULTS, bundle=bundle, run_dir=rebuilt)) == trained["written"]
    *stored, _ = export_demo.load_models(trained["run_dir"])
    *back, _ = export_demo.load_models(rebuilt)
    for original, restored in zip([as_stored(m) for m in stored], back):
        a, b = original.state_dict(), restored.state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a), "the layout changes the graph, not the weights"
