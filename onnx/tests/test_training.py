"""The training stages run end to end on a tiny dataset with tiny models: every stage trains, checkpoints, evaluates,
and resumes from its checkpoint without redoing steps."""
import json
import os
import shutil

import pytest
import torch

from ragkit.data.splits import held_out_digest
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


def make_data(data):
    """The tiny dataset in make_dataset's layout: six one-passage documents, their questions and Jeopardy pairs
    (train 4, dev 1, test 2 with dev's document), and the hot-swap corpora and questions over the test documents."""
    data.mkdir()
    passages = [{"id": f"d{i}-p0", "doc_id": f"d{i}", "title": t, "text": x} for i, (t, x) in enumerate(FACTS)]
    write_jsonl(data / "passages.jsonl", passages)
    qa = [{"id": f"q{i}", "question": f"who created {t}?", "answers": [x.split(" by ")[1].split(" at ")[0]],
           "doc_id": f"d{i}", "passage_id": f"d{i}-p0", "family": "who"} for i, (t, x) in enumerate(FACTS)]
    jeopardy = [{"id": f"j{i}", "answer": t, "clue": x.replace(t, "This"), "doc_id": f"d{i}", "passage_id": f"d{i}-p0"}
                for i, (t, x) in enumerate(FACTS)]
    for split, rows in (("train", slice(0, 4)), ("dev", slice(4, 5)), ("test", slice(4, 6))):
        write_jsonl(data / f"{split}.jsonl", qa[rows])
        write_jsonl(data / f"jeopardy_{split}.jsonl", jeopardy[rows])
    # the hot-swap corpora: the test documents as they are, and with their creators exchanged
    docs_a = [{"id": f"d{i}", "title": t, "text": x} for i, (t, x) in enumerate(FACTS) if i >= 4]
    creators = [q["answers"][0] for q in qa[4:]]
    docs_b = [dict(d, text=d["text"].replace(c, creators[1 - n])) for n, (d, c) in enumerate(zip(docs_a, creators))]
    write_jsonl(data / "swap_a.jsonl", docs_a)
    write_jsonl(data / "swap_b.jsonl", docs_b)
    write_jsonl(data / "swap_questions.jsonl", [
        {"id": f"s{n}", "question": q["question"], "answer_a": creators[n], "answer_b": creators[1 - n],
         "doc_id": q["doc_id"], "passage_id": q["passage_id"], "family": "who", "split": "test"}
        for n, q in enumerate(qa[4:])])
    split_of = {"d0": "train", "d1": "train", "d2": "train", "d3": "train", "d4": "dev", "d5": "test"}
    (data / "stats.json").write_text(json.dumps({"split_sha256": held_out_digest(split_of)}))
    return passages


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    data, run_dir = root / "data", root / "run"
    make_data(data)
    common = dict(run_dir=str(run_dir), data_dir=str(data), threads=1)
    train_tokenizers.main(dict(train_tokenizers.DEFAULTS, generator_vocab=400, encoder_vocab=300, **common))
    return common


def test_stages_default_to_the_dataset_kept_in_their_run_dir(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    make_data(run_dir / "data")
    train_tokenizers.main(dict(train_tokenizers.DEFAULTS, run_dir=str(run_dir), generator_vocab=400, encoder_vocab=300))
    assert train_tokenizers.DEFAULTS["data_dir"] == "", "no stage falls back to a dataset its checkpoints did not use"
    assert (run_dir / "tokenizers" / "generator" / "tokenizer.json").exists()


def checkpoint_step(run, name):
    return torch.load(os.path.join(run["run_dir"], name), map_location="cpu")["step"]


def test_generator_stages_train_checkpoint_and_resume(run, tmp_path):
    base = dict(train_generator.DEFAULTS, batch_size=4, eval_every=2, eval_examples=2, save_every=1, model=TINY_GEN,
                warmup=2, **run)
    assert train_generator.main(dict(base, stage="pretrain", steps=3))
    assert checkpoint_step(run, "generator_pretrain.pt") == 3
    assert train_generator.main(dict(base, stage="pretrain", steps=4))  # resumes at 3, does one more
    assert checkpoint_step(run, "generator_pretrain.pt") == 4
    assert train_generator.main(dict(base, stage="pretrain", steps=9, stop_at=5))  # a schedule cut where adopted
    assert checkpoint_step(run, "generator_pretrain.pt") == 5
    assert train_generator.main(dict(base, stage="qa", steps=2))
    log = [json.loads(line) for line in open(os.path.join(run["run_dir"], "logs", "generator_qa.jsonl"))]
    assert any("dev_em" in row for row in log), "the qa stage measures exact match on dev questions"
    assert any("unseen_dev_em" in row for row in log), "and on questions about invented documents"
    assert train_generator.main(dict(base, stage="read", steps=2))
    read = torch.load(os.path.join(run["run_dir"], "generator_read.pt"), map_location="cpu")
    qa = torch.load(os.path.join(run["run_dir"], "generator_qa.pt"), map_location="cpu")
    assert read["step"] == 2 and read["config"] == qa["config"], "read goes on from the qa stage's model"
    deep_dir = str(tmp_path / "deep")  # a copy, so that the tests after this one still see `read` as the newest stage
    shutil.copytree(run["run_dir"], deep_dir)
    assert train_generator.main(dict(base, run_dir=deep_dir, stage="deepen", steps=2))
    stage, deep = train_generator.newest_generator(deep_dir)
    assert stage == "deepen" and deep["step"] == 2
    depth = lambda config: (config["encoder_layers"], config["decoder_layers"])  # noqa: E731
    assert depth(deep["config"]) == tuple(2 * n for n in depth(read["config"])), "deepen doubles read's layers"
    assert train_generator.main(dict(base, run_dir=deep_dir, stage="read_acronyms", steps=1))
    stage, acronyms = train_generator.newest_generator(deep_dir)
    assert stage == "read_acronyms" and acronyms["config"] == deep["config"], "read_acronyms goes on from deepen"
    for stage in ("drill", "relations", "terms", "aligned", "styles"):  # each from the one before it in the recipe
        assert train_generator.main(dict(base, run_dir=deep_dir, stage=stage, steps=1))
        assert train_generator.newest_generator(deep_dir)[0] == stage
    bf16_dir = str(tmp_path / "bf16")
    shutil.copytree(run["run_dir"], bf16_dir)
    assert train_generator.main(dict(base, run_dir=bf16_dir, stage="drill", from_stage="read", steps=2, bf16=True))
    drilled = torch.load(os.path.join(bf16_dir, "generator_drill.pt"), map_location="cpu")
    assert drilled["step"] == 2 and all(v.dtype == torch.float32 for v in drilled["model"].values()), \
        "bf16 autocast trains float32 weights"
    other_dir = str(tmp_path / "other")
    shutil.copytree(run["run_dir"], other_dir)
    assert train_generator.main(dict(base, run_dir=other_dir, stage="drill", from_stage="read", steps=1))
    drill = torch.load(os.path.join(other_dir, "generator_drill.pt"), map_location="cpu")
    assert drill["config"] == read["config"], "--from_stage overrides the recipe's parent"


def test_dpr_then_joint_rag_training(run):
    # the stage measures recall where it ends
    assert train_dpr.main(dict(train_dpr.DEFAULTS, steps=3, batch_size=3, eval_every=100, save_every=1,
                               model=TINY_DPR, warmup=1, **run))
    assert checkpoint_step(run, "dpr.pt") == 3
    log = [json.loads(line) for line in open(os.path.join(run["run_dir"], "logs", "dpr.jsonl"))]
    assert any("recall@5" in row and row["step"] == 3 for row in log)
    # phase 2 (the recipe's dpr_mined) resumes there and mines its negatives with the model for 2 more steps
    assert train_dpr.main(dict(train_dpr.DEFAULTS, steps=3, mined_steps=2, framed_share=0.3, refresh_every=1,
                               batch_size=3, eval_every=100, save_every=1, model=TINY_DPR, warmup=1, **run))
    assert checkpoint_step(run, "dpr.pt") == 5
    assert os.path.exists(os.path.join(run["run_dir"], "generator_qa.pt")), "runs after the generator stages' test"
    assert train_rag.main(dict(train_rag.DEFAULTS, steps=2, batch_size=2, n_docs=2, eval_every=2, eval_examples=2,
                               save_every=1, warmup=1, **run))
    state = torch.load(os.path.join(run["run_dir"], "rag.pt"), map_location="cpu")
    assert state["step"] == 2 and "question_encoder" in state and "generator" in state
    dpr = torch.load(os.path.join(run["run_dir"], "dpr.pt"), map_location="cpu")
    for name, weight in dpr["question_encoder"].items():  # trained as one encoder, saved as two
        assert torch.equal(weight, dpr["ctx_encoder"][name.replace("question_encoder.", "ctx_encoder.", 1)]), name
    words = "question_encoder.bert_model.embeddings.word_embeddings.weight"
    assert not torch.equal(state["question_encoder"][words], dpr["question_encoder"][words]), \
        "joint RAG training updates the question encoder (the context encoder stays as dpr.pt has it)"


def test_dpr_encoders_start_as_one_bag_of_words():
    from ragkit.models import DprConfig, DprEncoder

    config = DprConfig(vocab_size=50, **TINY_DPR)
    q_enc, c_enc = DprEncoder(config, "question"), DprEncoder(config, "ctx")
    train_dpr.share_and_flatten_attention(q_enc, c_enc)
    ids = torch.tensor([[2, 7, 9, 11, 3]])
    mask = torch.ones_like(ids)
    q_enc.eval(), c_enc.eval()
    assert torch.equal(q_enc(ids, mask), c_enc(ids, mask)), "one encoder on both sides"
    attention = q_enc.question_encoder.bert_model.encoder.layer[0].attention.self
    seen = []
    handle = attention.dropout.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0]))
    q_enc(ids, mask)
    handle.remove()
    assert torch.allclose(seen[0], torch.full_like(seen[0], 1 / ids.shape[1])), "attention starts uniform"


def test_recall_pool_keeps_the_questions_documents():
    passages = [{"id": f"p{i}", "doc_id": f"d{i // 2}"} for i in range(40)]
    data = type("Data", (), {"passages": passages})()
    pool = train_dpr.recall_pool(data, [{"doc_id": "d3"}, {"doc_id": "d17"}], 10, seed=1)
    assert len(pool) == 10 and len({p["id"] for p in pool}) == 10
    assert {"p6", "p7", "p34", "p35"} <= {p["id"] for p in pool}
    assert train_dpr.recall_pool(data, [], 0, seed=1) is passages


def test_cloze_examples_copy_the_words_after_the_cue(run):
    import random

    from ragkit.tokenizers import load_tokenizer
    from ragkit.synth.examples import ExampleMaker

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


def test_hole_questions_put_a_question_word_where_their_answer_was(run):
    import random

    from ragkit.tokenizers import load_tokenizer
    from ragkit.synth.examples import ExampleMaker

    tok = load_tokenizer(os.path.join(run["run_dir"], "tokenizers", "generator", "tokenizer.json"))
    maker, rng, made = ExampleMaker(tok), random.Random(0), 0
    for _ in range(100):
        for title, text in FACTS:
            pair = maker.hole({"title": title, "text": text}, rng)
            if pair is None:
                continue
            made += 1
            question = tok.decode(pair[0]).split(" // ")[-1]
            answer = tok.decode(pair[1]).strip()
            assert answer in text and answer not in question, (question, answer)
            wh = next(w for w in ("what year", "which year", "when", "who", "what", "which") if w in question)
            assert text.rstrip(".") == question.rstrip("?").replace(wh, answer, 1), (question, answer)
    assert made > 300, "most sentences have a year or a name to ask about"
    title, text = FACTS[0]
    for _ in range(20):
        pair = maker.hole({"title": title, "text": text}, rng, disguised=True)
        if pair:
            source, answer = tok.decode(pair[0]), tok.decode(pair[1]).strip()
            assert answer not in text and answer in source.split(" // ")[0], "the answer is invented, in the passage"


def test_typed_hole_questions_name_the_kind_of_answer(run):
    import random

    from ragkit.tokenizers import load_tokenizer
    from ragkit.synth.examples import ExampleMaker

    tok = load_tokenizer(os.path.join(run["run_dir"], "tokenizers", "generator", "tokenizer.json"))
    text = ("Quorvel was designed by Tamsin Ockley at Velmarsh University in 1984. "
            "Its kernel was written in Pindrake for machines sold by Kessington Microsystems in 1990.")
    kinds = {"Tamsin Ockley": {"whom"}, "Velmarsh University": {"which university", "which institution"},
             "Pindrake": {"which language", "what language", "which programming language"},
             "Kessington Microsystems": {"which company", "what company", "which firm"}}
    maker, rng, asked = ExampleMaker(tok), random.Random(0), set()
    for _ in range(300):
        pair = maker.hole({"title": "Quorvel", "text": text}, rng, typed=True)
        if pair is None:
            continue
        question, answer = tok.decode(pair[0]).split(" // ")[-1], tok.decode(pair[1]).strip()
        if answer.isdigit():
            continue  # years keep when / what year
        assert answer in kinds, (question, answer)
        wh = next(w for w in sorted(kinds[answer], key=len, reverse=True) if w in question)
        sentence = next(s for s in text.split(". ") if answer in s).rstrip(".")
        assert question.rstrip("?") == sentence.replace(answer, wh, 1), (question, answer)
        asked.add(answer)
    assert asked == set(kinds), "every kind of name is asked about"
    for _ in range(100):  # without typed=True, any name is asked with who / what / which, as the read stage had it
        pair = maker.hole({"title": "Quorvel", "text": text}, rng)
        question = tok.decode(pair[0]).split(" // ")[-1] if pair else ""
        assert not any(w in question for w in ("whom", "company", "firm", "language", "university")), question


def test_acronym_examples_define_the_initials_of_words_of_the_passage_and_ask_for_them(run):
    import random
    import re

    from ragkit.tokenizers import load_tokenizer
    from ragkit.synth.examples import ExampleMaker

    tok = load_tokenizer(os.path.join(run["run_dir"], "tokenizers", "generator", "tokenizer.json"))
    maker, rng, made = ExampleMaker(tok), random.Random(0), 0
    passage = {"title": "Larkspur", "text": "Messages waiting for a link are held in a Deferred Envelope Queue and "
                                            "sent in batches whenever a dial-up session opens."}
    for disguised in (False, True) * 30:
        pair = maker.acronym(passage, rng, disguised=disguised)
        if pair is None:
            continue
        made += 1
        source, expansion = tok.decode(pair[0]), tok.decode(pair[1]).strip()
        body, question = source.split(" // ")
        letters = "".join(w[0].upper() for w in re.split(r"[ ]", expansion))
        assert f"{expansion} ({letters})" in body, "the passage defines the acronym right after its expansion"
        assert letters in question and expansion not in question, (question, expansion)
        assert (expansion in passage["text"]) != disguised, "disguised expansions are invented words"
    assert made >= 30, "every draw but a 4-word one fits this passage"


def test_qa_examples_are_plain_unless_asked_to_disguise_their_answer(run):
    import random

    from ragkit.tokenizers import load_tokenizer
    from ragkit.synth.examples import ExampleMaker

    tok = load_tokenizer(os.path.join(run["run_dir"], "tokenizers", "generator", "tokenizer.json"))
    maker, rng = ExampleMaker(tok), random.Random(0)
    passage = {"title": "Python", "text": "Python was created by Guido van Rossum in 1991."}
    plain = maker.qa(passage, "Who created Python?", "Guido van Rossum", rng)
    assert tok.decode(plain[1]).strip() == "Guido van Rossum" and "Guido van Rossum" in tok.decode(plain[0])
    source, answer = (tok.decode(x) for x in maker.qa(passage, "Who created Python?", "Guido van Rossum", rng,
                                                       disguised=True))
    answer = answer.strip()
    assert answer != "Guido van Rossum" and answer in source and "Guido" not in source
    assert [w[0] for w in answer.split()] == ["G", "v", "R"], "initials and case are kept"


def test_export_demo_writes_a_whole_bundle_from_the_newest_stages(run, tmp_path):
    from ragkit.export.bundle_files import verify_manifest
    from ragkit.bundle import export_demo

    assert os.path.exists(os.path.join(run["run_dir"], "rag.pt")), "runs after the RAG stage's test"
    out = tmp_path / "bundle"
    export_demo.main(dict(export_demo.DEFAULTS, run_dir=run["run_dir"], out=str(out)))
    rag_config = json.load(open(out / "rag_config.json"))
    assert rag_config["tasks"]["jeopardy"]["prefix"] == "jeopardy: "
    assert rag_config["tasks"]["answer"]["extractive"] is True and "extractive" not in rag_config["tasks"]["jeopardy"]
    assert json.load(open(out / "generator" / "generation_config.json"))["forced_bos_token_id"] == 0
    manifest = json.load(open(out / "manifest.json"))
    assert "rag step 2" in manifest["source"]
    assert manifest["config"]["weights"] == "int8", "the embedded default's format (rule 17)"
    assert manifest["config"]["generator"]["cross_attention"] == "per_document", "rule 18"
    for folder in ("question_encoder", "ctx_encoder", "generator"):
        assert verify_manifest(out / folder) == []


def test_learning_rate_warms_up_again_after_a_resume_without_optimizer_state():
    from ragkit.train.common import lr_at

    assert lr_at(0, 1.0, 10, 100) == pytest.approx(0.1)
    assert lr_at(50, 1.0, 10, 100, rewarm_from=50) == pytest.approx(lr_at(50, 1.0, 10, 100) * 0.1)
    assert lr_at(60, 1.0, 10, 100, rewarm_from=50) == pytest.approx(lr_at(60, 1.0, 10, 100))


def test_training_greedy_decoding_applies_the_bundles_processors():
    from ragkit.eval.generate import _process

    scores = torch.zeros(2, 5)
    scores[:, 0] = 9.0  # <s> would win
    out = _process(scores, torch.tensor([0, 4]), 1, 8, bos_id=0, eos_id=2)
    assert out[0].argmax().item() != 0, "no <s> right after <s> (bad_words_ids [[0, 0]])"
    assert out[1].argmax().item() == 0, "<s> after another token is allowed"
    assert (_process(scores, torch.tensor([4, 4]), 8, 8, 0, 2).argmax(-1) == 2).all(), "</s> forced at the end"


def test_disguise_invents_the_answers_words_consistently_and_keeps_initials():
    import random

    from ragkit.synth.disguise import disguise, invented_word

    rng = random.Random(0)
    texts = ["Python was designed by Guido van Rossum at CWI in 1991.", "Van Rossum later joined Google; Rossum said."]
    (a, b), answer = disguise(texts, "Guido van Rossum", rng)
    first, last = answer.split(" van ")
    assert first[0] == "G" and last[0] == "R" and "Rossum" not in a + b and "Guido" not in a
    assert answer in a and f"Van {last} later" in b and f"; {last} said" in b, "every occurrence, the same word"
    (c,), year = disguise(["released in 1991, after 1989"], "1991", rng)
    assert 1950 <= int(year) <= 2029 and c == f"released in {year}, after 1989"
    assert disguise(["written in C"], "C", rng) is None, "nothing worth disguising"
    assert invented_word("NBP", rng).isupper() and invented_word("Protocol", rng)[0] == "P"


def test_rag_training_disguises_flagged_answers_in_every_retrieved_passage():
    import random

    from ragkit.train.train_rag import disguise_retrieved

    passages = [[{"title": "Perl", "text": "Perl was written by Larry Wall."}, {"title": "Wall", "text": "Larry Wall"}],
                [{"title": "Tcl", "text": "Tcl is by John Ousterhout."}]]
    batch = [("who wrote Perl?", "who wrote Perl?", "Larry Wall", True),
             ("who made Tcl?", "who made Tcl?", "John Ousterhout", False)]
    out, slots, targets = disguise_retrieved(passages, batch, random.Random(3))
    assert targets[0] != "Larry Wall" and out[0][0]["text"] == f"Perl was written by {targets[0]}."
    assert out[0][1]["text"] == targets[0] and out[0][1]["title"] == targets[0].split()[1]
    assert out[1] == passages[1] and targets[1] == "John Ousterhout" and slots == ["who wrote Perl?", "who made Tcl?"]
    assert passages[0][0]["text"] == "Perl was written by Larry Wall.", "the corpus itself is left alone"


def test_probe_reader_reports_gold_passage_exact_match_by_family_and_on_synthetic_acronyms(run):
    from ragkit.eval import probe_reader

    checkpoint = os.path.join(run["run_dir"], "generator_read.pt")
    out = probe_reader.main(dict(probe_reader.DEFAULTS, checkpoints=checkpoint, run_dir=run["run_dir"],
                                 data_dir=run["data_dir"], acronyms=6, threads=1))
    result = out[checkpoint]
    unseen = probe_reader.read_jsonl(os.path.join(probe_reader.DEFAULTS["unseen_dev_dir"], "questions.jsonl"))
    assert sum(n for _, n in result["unseen_dev"].values()) == len(unseen)
    assert set(result["unseen_dev"]) == {q["family"] for q in unseen}
    assert result["acronyms_plain"][1] == result["acronyms_disguised"][1] == 3
