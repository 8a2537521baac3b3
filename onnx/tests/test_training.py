"""The training stages run end to end on a tiny dataset with tiny models: every stage trains, checkpoints, evaluates,
and resumes from its checkpoint without redoing steps."""
import json
import os

import pytest
import torch

from ragkit.train import train_dpr, train_generator, train_rag, train_tokenizers

FACTS = [
    ("Python", "Python is a programming language designed by Guido van Rossum at CWI in 1991."),
    ("Lisp", "Lisp is a family of languages invented by John McCarthy at MIT in 1958."),
    ("Unix", "Unix is an operating system developed by Ken Thompson at Bell Labs in 1969."),
    ("Perl", "Perl is a scripting language written by Larry Wall in 1987 at Unisys."),
    ("Tcl", "Tcl is a scripting language created by John Ousterhout at Berkeley in 1988."),
    ("Ada", "Ada is a language designed by Jean Ichbiah at CII Honeywell Bull in 1980."),
]

TINY_GEN = dict(d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
                encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=256, dropout=0.1,
                attention_dropout=0.0, activation_dropout=0.0, scale_embedding=False)
TINY_DPR = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                max_position_embeddings=256, type_vocab_size=2, hidden_dropout_prob=0.1,
                attention_probs_dropout_prob=0.1, projection_dim=0)


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    data, run_dir = root / "data", root / "run"
    data.mkdir()
    passages = [{"id": f"d{i}-p0", "doc_id": f"d{i}", "title": t, "text": x} for i, (t, x) in enumerate(FACTS)]
    write_jsonl(data / "passages.jsonl", passages)
    qa = [{"id": f"q{i}", "question": f"who created {t}?", "answers": [x.split(" by ")[1].split(" at ")[0]],
           "doc_id": f"d{i}", "passage_id": f"d{i}-p0", "family": "creator"} for i, (t, x) in enumerate(FACTS)]
    jeopardy = [{"id": f"j{i}", "answer": t, "clue": x.replace(t, "This"), "doc_id": f"d{i}", "passage_id": f"d{i}-p0"}
                for i, (t, x) in enumerate(FACTS)]
    for split, rows in (("train", slice(0, 4)), ("dev", slice(4, 5)), ("test", slice(5, 6))):
        write_jsonl(data / f"{split}.jsonl", qa[rows])
        write_jsonl(data / f"jeopardy_{split}.jsonl", jeopardy[rows])
    common = dict(run_dir=str(run_dir), data_dir=str(data), threads=1)
    train_tokenizers.main(dict(train_tokenizers.DEFAULTS, generator_vocab=400, encoder_vocab=300, **common))
    return common


def checkpoint_step(run, name):
    return torch.load(os.path.join(run["run_dir"], name), map_location="cpu")["step"]


def test_generator_stages_train_checkpoint_and_resume(run):
    base = dict(train_generator.DEFAULTS, batch_size=4, eval_every=2, eval_examples=2, save_every=1, model=TINY_GEN,
                warmup=2, **run)
    assert train_generator.main(dict(base, stage="pretrain", steps=3))
    assert checkpoint_step(run, "generator_pretrain.pt") == 3
    assert train_generator.main(dict(base, stage="pretrain", steps=4))  # resumes at 3, does one more
    assert checkpoint_step(run, "generator_pretrain.pt") == 4
    assert train_generator.main(dict(base, stage="qa", steps=2))
    log = [json.loads(line) for line in open(os.path.join(run["run_dir"], "logs", "generator_qa.jsonl"))]
    assert any("dev_em" in row for row in log), "the qa stage measures exact match on dev questions"


def test_dpr_then_joint_rag_training(run):
    assert train_dpr.main(dict(train_dpr.DEFAULTS, steps=2, batch_size=3, eval_every=2, save_every=1, model=TINY_DPR,
                               warmup=1, **run))
    log = [json.loads(line) for line in open(os.path.join(run["run_dir"], "logs", "dpr.jsonl"))]
    assert any("recall@5" in row for row in log)
    assert os.path.exists(os.path.join(run["run_dir"], "generator_qa.pt")), "runs after the generator stages' test"
    assert train_rag.main(dict(train_rag.DEFAULTS, steps=2, batch_size=2, n_docs=2, eval_every=2, eval_examples=2,
                               save_every=1, warmup=1, **run))
    state = torch.load(os.path.join(run["run_dir"], "rag.pt"), map_location="cpu")
    assert state["step"] == 2 and "question_encoder" in state and "generator" in state


def test_cloze_examples_copy_the_words_after_the_cue(run):
    import random

    from ragkit.tokenizers import load_tokenizer
    from ragkit.train.examples import ExampleMaker

    tok = load_tokenizer(os.path.join(run["run_dir"], "tokenizers", "generator", "tokenizer.json"))
    maker = ExampleMaker(tok)
    rng = random.Random(0)
    text = " ".join(f"w{i}" for i in range(12))
    for _ in range(200):  # short passages included: a passage just long enough must not fail
        for passage_text in (text, "a b c d", "one two three four five six seven"):
            pair = maker.cloze({"title": "T", "text": passage_text}, rng)
            if pair is None:
                continue
            source, target = tok.decode(pair[0]), tok.decode(pair[1]).strip()
            cue = source.split('"')[1]
            assert (cue + " " + target) in passage_text, (cue, target)


def test_export_demo_writes_a_whole_bundle_from_the_newest_stages(run, tmp_path):
    from ragkit.export.bundle_files import verify_manifest
    from ragkit.train import export_demo

    assert os.path.exists(os.path.join(run["run_dir"], "rag.pt")), "runs after the RAG stage's test"
    out = tmp_path / "bundle"
    export_demo.main(dict(export_demo.DEFAULTS, run_dir=run["run_dir"], out=str(out)))
    rag_config = json.load(open(out / "rag_config.json"))
    assert rag_config["tasks"]["jeopardy"]["prefix"] == "jeopardy: "
    assert json.load(open(out / "generator" / "generation_config.json"))["forced_bos_token_id"] == 0
    manifest = json.load(open(out / "manifest.json"))
    assert "rag step 2" in manifest["source"]
    for folder in ("question_encoder", "ctx_encoder", "generator"):
        assert verify_manifest(out / folder) == []


def test_learning_rate_warms_up_again_after_a_resume_without_optimizer_state():
    from ragkit.train.common import lr_at

    assert lr_at(0, 1.0, 10, 100) == pytest.approx(0.1)
    assert lr_at(50, 1.0, 10, 100, rewarm_from=50) == pytest.approx(lr_at(50, 1.0, 10, 100) * 0.1)
    assert lr_at(60, 1.0, 10, 100, rewarm_from=50) == pytest.approx(lr_at(60, 1.0, 10, 100))


def test_training_greedy_decoding_applies_the_bundles_processors():
    from ragkit.train.generate import _process

    scores = torch.zeros(2, 5)
    scores[:, 0] = 9.0  # <s> would win
    out = _process(scores, torch.tensor([0, 4]), 1, 8, bos_id=0, eos_id=2)
    assert out[0].argmax().item() != 0, "no <s> right after <s> (bad_words_ids [[0, 0]])"
    assert out[1].argmax().item() == 0, "<s> after another token is allowed"
    assert (_process(scores, torch.tensor([4, 4]), 8, 8, 0, 2).argmax(-1) == 2).all(), "</s> forced at the end"
