"""`python3 -m ragkit.finetune` on a tiny random bundle: training lowers the loss and exports a bundle whose manifest
verifies and whose question encoder moved; a stopped run resumes at its step and ends where an unstopped one does;
two processes (gloo, the index on rank 0) take the same steps as one; bad inputs stop it before training."""
import json
import os
import tempfile

import pytest
import torch

from ragkit import fixtures
from ragkit.bundle.warm_start import load_bundle_models
from ragkit.export import export_bundle, verify_manifest
from ragkit.finetune import command
from ragkit.finetune.retrieval import shard
from ragkit.train.rag_loss import rag_nll, rag_nll_sum
from test_training import FACTS

TINY = dict(fixtures.DEFAULTS, generator_vocab=400, encoder_vocab=300)


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A tiny random bundle (fixtures' models: peaked generator, no dropout) and a corpus with its questions."""
    root = tmp_path_factory.mktemp("finetune")
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        gen_tok, enc_tok = fixtures.build_tokenizers(TINY, tmp)
        generator, question, ctx = fixtures.build_models(TINY, gen_tok.vocab_size, enc_tok.vocab_size)
        export_bundle(str(root / "bundle"), question, ctx, generator,
                      {"generator": os.path.join(tmp, "generator"), "question_encoder": os.path.join(tmp, "encoder"),
                       "ctx_encoder": os.path.join(tmp, "encoder")},
                      rag_config={"n_docs": 2, "max_combined_length": 64}, source="test_finetune (random weights)")
    docs = [{"id": f"d{i}", "title": t, "text": x} for i, (t, x) in enumerate(FACTS)]
    qa = [{"question": f"who created {t}?", "answers": [x.split(" by ")[1].split(" at ")[0]], "doc_id": f"d{i}"}
          for i, (t, x) in enumerate(FACTS)]
    return dict(bundle=str(root / "bundle"), root=root, corpus=write_jsonl(root / "docs.jsonl", docs),
                train=write_jsonl(root / "train.jsonl", qa), dev=write_jsonl(root / "dev.jsonl", qa[:3]))


def run(setup, out, **overrides):
    cfg = dict(command.DEFAULTS, bundle=setup["bundle"], corpus=setup["corpus"], train=setup["train"],
               out=str(out), batch_size=4, steps=6, warmup=1, lr=3e-3, question_encoder_lr=1e-3, log_every=1,
               save_every=2, max_new_tokens=6, threads=1)
    return command.main(dict(cfg, **overrides))


def logged(out, key="loss"):
    with open(str(out) + ".checkpoints/log.jsonl") as f:
        return [row[key] for row in map(json.loads, f)]


def weights(out):
    state = torch.load(str(out) + ".checkpoints/finetune.pt", map_location="cpu")
    return {f"{side}.{k}": v for side in ("generator", "question_encoder") for k, v in state[side].items()}


def test_finetuning_lowers_the_loss_and_exports_a_bundle_with_its_manifest(setup, tmp_path):
    out = tmp_path / "tuned"
    report = run(setup, out, steps=12, dev=setup["dev"])
    losses = logged(out)
    assert len(losses) == 12 and sum(losses[-3:]) < sum(losses[:3]) * 0.8, f"training loss does not fall: {losses}"
    assert report["finished"] and report["step"] == 12
    assert set(report["dev_before"]) == set(report["dev_after"]) == {"exact_match", "recall@2"}
    for folder in ("", "question_encoder", "ctx_encoder", "generator", "generator/onnx"):
        assert verify_manifest(os.path.join(out, folder)) == [], f"{folder or 'bundle'}: manifest does not verify"
    manifest = json.loads((out / "manifest.json").read_text())
    tuned = manifest["training"]["finetune"]
    assert tuned["source_bundle"] == setup["bundle"] and tuned["steps"] == 12
    assert set(tuned["data_sha256"]) == {"corpus", "train", "dev", "bundle_manifest"}
    assert tuned["settings"]["mode"] == "token" and tuned["dev_after"] == report["dev_after"]
    before, after = load_bundle_models(setup["bundle"]), load_bundle_models(str(out))
    moved = lambda kind: any(not torch.equal(a, b) for a, b in zip(  # noqa: E731
        before[kind].state_dict().values(), after[kind].state_dict().values()))
    assert moved("question_encoder") and moved("generator"), "the question encoder and the generator are trained"
    assert not moved("ctx_encoder"), "the context encoder stays fixed"
    assert json.loads((out / "rag_config.json").read_text())["n_docs"] == 2, "the source's rag_config is kept"


def test_the_sequence_loss_trains_too(setup, tmp_path):
    out = tmp_path / "seq"
    report = run(setup, out, mode="sequence", steps=8, stop_at=8, dev=setup["dev"])
    losses = logged(out)
    assert report["finished"] and losses[-1] < losses[0], f"RAG-Sequence loss does not fall: {losses}"


def test_bf16_autocast_trains_and_is_recorded(setup, tmp_path):
    out = tmp_path / "bf16"
    report = run(setup, out, steps=12, bf16=True)
    losses = logged(out)
    assert report["finished"] and sum(losses[-3:]) < sum(losses[:3]) * 0.8, f"bf16 loss does not fall: {losses}"
    state = torch.load(str(out) + ".checkpoints/finetune.pt", map_location="cpu")
    assert all(v.dtype != torch.bfloat16 for v in state["generator"].values()), "the weights stay float32"
    assert json.loads((out / "manifest.json").read_text())["training"]["finetune"]["settings"]["bf16"] is True


def test_a_stopped_run_resumes_at_its_step_and_ends_where_an_unstopped_one_does(setup, tmp_path, capsys):
    stopped = tmp_path / "stopped"
    report = run(setup, stopped, stop_at=3)
    assert not report["finished"] and report["step"] == 3
    assert not stopped.exists(), "no bundle is written before the run finishes"
    capsys.readouterr()
    report = run(setup, stopped)
    assert "step 3/6" in capsys.readouterr().out, "the second run starts at the checkpoint's step"
    assert report["finished"] and (stopped / "manifest.json").exists()
    straight = tmp_path / "straight"
    run(setup, straight)
    a, b = weights(stopped), weights(straight)
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a), "a resumed run takes the same steps"
    assert logged(stopped)[3:] == pytest.approx(logged(straight)[3:], abs=1e-6)


def test_one_and_two_processes_take_the_same_steps(setup, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    run(setup, one, steps=4, stop_at=3, batch_size=5)  # 5 questions: the processes take 3 and 2
    run(setup, two, steps=4, stop_at=3, batch_size=5, nproc=2)
    assert logged(two) == pytest.approx(logged(one), abs=1e-5), "the same loss curve"
    a, b = weights(one), weights(two)
    # NOTE: attention key biases have a gradient of exactly 0 (a softmax does not see a constant added to all its
    # scores); Adam turns the float noise there (1e-9, summed in another order) into steps of the learning rate's size
    compared = [k for k in a if not k.endswith(("k_proj.bias", "key.bias"))]
    worst = max((a[k] - b[k]).abs().max().item() for k in compared)
    assert worst < 1e-4, f"weights differ by {worst} after 3 steps (learning rate 3e-3)"
    source = torch.load(str(one) + ".checkpoints/source.pt", map_location="cpu")["generator"]
    assert any(not torch.equal(a[f"generator.{k}"], w) for k, w in source.items()), "the steps changed the weights"


@pytest.mark.parametrize("line, message", [
    ({"question": "who?", "answers": []}, r"train.jsonl line 2: \"answers\" must be a non-empty list"),
    ({"question": "who?"}, r"train.jsonl line 2: \"answers\""),
    ({"question": "who?", "answers": ["x"], "doc_id": "nowhere"}, r"line 2: doc_id \"nowhere\" is not a document"),
])
def test_bad_questions_stop_before_training(setup, tmp_path, line, message):
    good = json.loads(open(setup["train"]).readline())
    train = write_jsonl(tmp_path / "train.jsonl", [good, line])
    with pytest.raises(SystemExit, match=message):
        run(setup, tmp_path / "out", train=train)
    assert not os.path.exists(tmp_path / "out.checkpoints" / "finetune.pt")


def test_a_damaged_or_missing_bundle_is_named(setup, tmp_path):
    with pytest.raises(SystemExit, match="is not a model bundle"):
        run(setup, tmp_path / "out", bundle=str(tmp_path))
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for name in ("manifest.json", "rag_config.json"):
        (damaged / name).write_text(open(os.path.join(setup["bundle"], name)).read())
    with pytest.raises(SystemExit, match="damaged/ctx_encoder/manifest.json is missing or differs"):
        run(setup, tmp_path / "out", bundle=str(damaged))


def test_a_device_the_machine_lacks_is_refused_before_training(setup, tmp_path):
    with pytest.raises(SystemExit, match="--device must be one of cpu, cuda, got 'tpu'"):
        run(setup, tmp_path / "out", device="tpu")
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    message = rf"--device=cuda: {gpus + 1} process\(es\) need as many GPUs; torch sees {gpus}"
    with pytest.raises(SystemExit, match=message):
        run(setup, tmp_path / "out", device="cuda", nproc=gpus + 1)
    assert not os.path.exists(tmp_path / "out.checkpoints")


def test_losses_marginalize_over_passages():
    torch.manual_seed(0)
    logits, labels = torch.randn(6, 4, 7), torch.randint(0, 7, (3, 4))
    mask, docs = torch.ones(3, 4), torch.log_softmax(torch.randn(3, 2), -1)
    mask[1, 2:] = 0
    logp = torch.log_softmax(logits, -1).gather(-1, labels.repeat_interleave(2, 0)[..., None])[..., 0].view(3, 2, 4)
    token = -(torch.logsumexp(logp + docs[:, :, None], 1) * mask).sum() / mask.sum()
    sequence = -torch.logsumexp((logp * mask[:, None]).sum(-1) + docs, 1).sum() / mask.sum()
    torch.testing.assert_close(rag_nll(logits, labels, mask, docs), token)
    torch.testing.assert_close(rag_nll(logits, labels, mask, docs, "sequence"), sequence)
    one = torch.zeros(3, 1)  # one passage: both losses are the plain sequence-to-sequence NLL
    torch.testing.assert_close(rag_nll_sum(logits[::2], labels, mask, one)[0],
                               rag_nll_sum(logits[::2], labels, mask, one, "sequence")[0])


def test_processes_share_a_batch_in_order():
    items = list(range(7))
    assert [shard(items, r, 3) for r in range(3)] == [[0, 1, 2], [3, 4], [5, 6]]
    assert shard(items, 0, 1) == items


@pytest.mark.parametrize("storage", ["float16", "int8"])
def test_a_stored_bundle_is_exported_as_it_was_stored_with_the_same_context_encoder(setup, tmp_path, storage):
    models = load_bundle_models(setup["bundle"])
    source = str(tmp_path / "source")
    with torch.no_grad():
        export_bundle(source, models["question_encoder"], models["ctx_encoder"], models["generator"],
                      {name: os.path.join(setup["bundle"], name) for name in command.inputs.BUNDLE_FOLDERS},
                      rag_config={"n_docs": 2, "max_combined_length": 64}, source="test", float16=True,
                      int8=storage == "int8")
    out = tmp_path / "tuned"
    assert run({**setup, "bundle": source}, out, steps=2)["finished"]
    for folder in ("ctx_encoder", "generator"):
        config = json.loads((out / folder / "manifest.json").read_text())["config"]
        assert config["weights"] == ("int8" if storage == "int8" and folder == "generator" else "float16"), folder
    same = lambda rel: (out / rel).read_bytes() == (tmp_path / "source" / rel).read_bytes()  # noqa: E731
    assert same("ctx_encoder/model.onnx"), "indexes the source served stay valid"
    assert not same("generator/onnx/decoder_model_merged.onnx"), "the generator was trained"
