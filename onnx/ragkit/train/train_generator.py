"""Trains the BART generator on passages alone, before retrieval joins in (RAG fine-tuning is train_rag.py).

    /usr/bin/python3 -m ragkit.train.train_generator --stage=pretrain --steps=4000
    /usr/bin/python3 -m ragkit.train.train_generator --stage=qa --steps=4000
    /usr/bin/python3 -m ragkit.train.train_generator --stage=read --steps=6000 --lr=2e-4
    /usr/bin/python3 -m ragkit.train.train_generator --stage=deepen --steps=1800 --lr=5e-5 --warmup=100 --seed=2
    /usr/bin/python3 -m ragkit.train.train_generator --stage=read_acronyms --steps=1200 --lr=5e-5 --warmup=100 --seed=3
    /usr/bin/python3 -m ragkit.train.train_generator --stage=drill --steps=1500 --lr=1e-4 --warmup=50 --seed=5
    /usr/bin/python3 -m ragkit.train.train_generator --stage=relations --steps=1200 --lr=5e-5 --warmup=50 --seed=6
    /usr/bin/python3 -m ragkit.train.train_generator --stage=terms --steps=1000 --lr=5e-5 --warmup=50 --seed=7
    /usr/bin/python3 -m ragkit.train.train_generator --stage=kinds --steps=800 --lr=5e-5 --warmup=50 --seed=8
    /usr/bin/python3 -m ragkit.train.train_generator --stage=spaced --steps=400 --lr=5e-5 --warmup=50 --seed=9
    /usr/bin/python3 -m ragkit.train.train_generator --stage=aligned --steps=400 --lr=5e-5 --warmup=50 --seed=9

(`terms` in the bundle stopped at step 700 of its 1000-step schedule: `--stop_at=700`; `aligned` goes on from it.)

Stages: `pretrain` mixes BART text infilling with cloze extraction (teaching the decoder to copy from the passage);
`qa` mixes generated questions and Jeopardy clues over their gold passages with some cloze; `read` goes on from `qa`
with template-free `hole` questions over every passage, and with most answers disguised (examples.py, disguise.py):
QA fine-tuning plateaued at ~30% dev exact match on its 2,548 generated questions, and on invented documents its
generator answered from memory (5% exact match with the gold passage). Each stage checkpoints to
`{run_dir}/generator_{stage}.pt` and resumes from it; `qa` starts from the finished `pretrain` weights, `read` from
`qa`'s. Exact match on dev questions and on `index-data/unseen-dev` (gold passage, greedy) is measured every
`eval_every` steps: the loss alone says little about copying.

Three stages go on from `read`; the committed bundle (seventh session) is `drill` on `read_acronyms` grown on
`deepen`, as run_all runs them (`--from_stage=deepen` for read_acronyms):
- `deepen`: read's mix on a 4+4-layer copy of the 2+2-layer `read` generator (grow_generator.py), since the reader
  had plateaued and a deeper one from scratch costs ~10 hours here. At the read stage's rate (2e-4) the copy lost
  what it knew (dev gold-passage exact match 50.6% -> 39.2% in 500 steps); at 5e-5 it stayed flat for 900 steps.
- `read_acronyms`: read's mix plus acronyms defined anywhere in a passage (examples.py). On the 2+2 reader, after
  1200 steps at 5e-5, it answered 12 of 48 disguised synthetic acronym questions on held-out passages (`read`: 3) but
  none of unseen-dev's 23 acronym questions (gold-passage unseen-dev 26 -> 28 of 100; probe_reader.py measures both,
  by family). On `deepen` (the bundle: 711 steps) 29 of 100; with retrieval it answered 3 of the unseen test's 14.
- `drill` (from `read_acronyms`): half acronym definitions, and typed `hole`
  questions (examples.py) instead of untyped ones: given the gold passage, the reader answered unseen-dev's company
  questions with a person and its place questions with a year, having learned from `hole` that "which" may ask for
  any name. 1500 steps at 1e-4 (warm-up 50, seed 5) on the bundle's `read_acronyms`: gold-passage unseen-dev 29 -> 33
  of 100 (acronyms 0 -> 2 of 23, places 2 -> 5 of 14, companies still 0 of 11), synthetic disguised acronyms 13 -> 26
  of 48; through the engine with retrieval (beam 4) FOLDOC dev 22 -> 19 and unseen-dev 25 -> 28 of 100: no better in
  total, not adopted then. Resumed under a 3000-step schedule (`--steps=3000`, same seed; the rate back at 5.5e-5,
  decaying to 1e-5) it reached gold-passage unseen-dev 36 and dev 51.9% at step 3000 (log), and through the engine,
  answers extractive (span_constraint.py), dev 26 of 79 and the fresh unseen-dev2 37 of 100 (the sixth session's
  bundle: 25 and 35): the seventh session's bundle. The same mix at 5e-5 from `read_acronyms` for 1500 steps
  (seed 8): dev 24, unseen-dev2 35, not adopted.
- `relations` (from `drill`): drill's mix with a third of the examples a fact-dense invented sentence and a question
  about one of its facts (relations.py): given the gold passage, the drilled reader still answered a language
  question with the author named in the same sentence.
- `terms` (from `relations`): a defined acronym among the invented facts (terms.py): given the gold passage, the
  reader after `relations` expanded 2 of 23 acronyms of unseen-dev2, answering the others with a name beside them.
- `kinds` (from `terms`): the invented facts asked in other words, often naming the kind of answer ("At which
  polytechnic...", "Which engineer...") or with another verb than the sentence's (kinds.py): with retrieval, the
  reader after `relations` answered 1 of unseen-dev2's 14 place questions and 2 of its 12 language questions.
  Not adopted: given the gold passage it named the right kind of place and misspelt it, as before.
- `spaced` (from `terms`): terms' mix with every answer tokenized after a space (ExampleMaker.answer_space), as
  its first word mostly is in the passage: the byte-level BPE spells a word at the start of a text differently
  (" Cor" "ble" "igh" in a passage, "C" "or" "ble" "igh" as a target), so the reader had to spell every answer's
  first word anew and misspelt unseen names ("Mobleigh" for "Corbleigh").
- `aligned` (from `terms`, the committed bundle since the twelfth session): `spaced` with a space only where the
  passage has one before the answer (not after a bracket), which gave back what `spaced` cost on FOLDOC dev.
"""
import os

import torch
import torch.nn.functional as F

from ..models.bart import BartConfig, BartForConditionalGeneration
from ..overrides import parse_overrides
from ..tokenizers import load_tokenizer
from .common import (Deadline, Log, last_step, load_checkpoint, lr_at, pad_batch, read_jsonl, run_data_dir,
                     save_checkpoint, setup_torch, step_rng)
from ..eval.generate import greedy_answers
from ..eval.metrics import exact_match, f1_score
from ..synth.examples import ExampleMaker
from .data import Dataset
from .grow_generator import grow_state

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DEFAULTS = dict(
    run_dir=os.path.expanduser("~/.cache/ragkit/runs/demo"),  # tokenizers, checkpoints and logs of one run
    data_dir="",  # default: {run_dir}/data (common.run_data_dir), written by `ragkit.data.make_dataset`
    stage="pretrain",  # pretrain | qa | ... | terms | kinds | spaced | aligned (MIXES)
    from_stage="",  # the stage a new one starts from; "" = PREVIOUS_STAGE's (read_acronyms can go on from deepen)
    steps=4000,  # optimizer steps in this stage
    batch_size=24,
    lr=5e-4,
    warmup=300,
    weight_decay=0.01,
    label_smoothing=0.1,
    max_source=256,  # tokens of passage + question (the bundle allows 300 at inference)
    max_target=40,
    eval_every=250,
    eval_examples=150,
    unseen_dev_dir=os.path.join(REPO, "index-data", "unseen-dev"),  # invented documents: reading of unseen text
    save_every=50,
    max_minutes=0.0,  # stop (and checkpoint) after this long; 0 = run all steps
    stop_at=0,  # stop (and checkpoint) at this step while the learning-rate schedule spans `steps`; 0 = steps
    seed=1,
    threads=0,  # 0 = all cores
    # architecture, used when no checkpoint exists yet
    model=dict(d_model=256, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
        encoder_ffn_dim=1024, decoder_ffn_dim=1024, max_position_embeddings=512, dropout=0.1,
        attention_dropout=0.0, activation_dropout=0.0, scale_embedding=False),
)

# Mixtures of example kinds per stage (weights).
MIXES = {
    "pretrain": {"infill": 0.5, "cloze": 0.5},
    "qa": {"qa": 0.6, "jeopardy": 0.15, "cloze": 0.25},
    "read": {"qa": 0.15, "qa_disguised": 0.25, "hole": 0.1, "hole_disguised": 0.3, "jeopardy": 0.1, "cloze": 0.1},
}
MIXES["deepen"] = MIXES["read"]
MIXES["read_acronyms"] = {"qa": 0.1, "qa_disguised": 0.2, "hole": 0.08, "hole_disguised": 0.22, "acronym": 0.07,
                          "acronym_disguised": 0.18, "jeopardy": 0.08, "cloze": 0.07}
MIXES["drill"] = {"qa": 0.07, "qa_disguised": 0.13, "hole_typed": 0.07, "hole_typed_disguised": 0.18, "acronym": 0.13,
                  "acronym_disguised": 0.32, "jeopardy": 0.05, "cloze": 0.05}
# `relations` (relations.py) keeps drill's mix beside one fact-dense sentence per example.
MIXES["relations"] = {"relations": 0.35, **{kind: 0.65 * w for kind, w in MIXES["drill"].items()}}
# `terms` (terms.py) adds a defined acronym to the fact-dense passages, keeping some of relations and drill.
MIXES["terms"] = {"terms": 0.3, "relations": 0.15, **{kind: 0.55 * w for kind, w in MIXES["drill"].items()}}
# `kinds` (kinds.py) asks the fact-dense passages by the kind of answer, keeping terms, relations and drill.
MIXES["kinds"] = {"kinds": 0.3, "terms": 0.15, "relations": 0.1,
                  **{kind: 0.45 * w for kind, w in MIXES["drill"].items()}}
# `spaced` and `aligned` keep terms' mix, with a space before every answer (as most are in the passage) or only
# where its passage has one (ExampleMaker.answer_space).
MIXES["spaced"] = MIXES["aligned"] = MIXES["terms"]
# `styles` (from `aligned`) reads invented entities written in many styles (synth/styled.py) and answers "What is
# X?" with a passage's defining phrase (synth/definitions.py), keeping half of aligned's mix.
MIXES["styles"] = {"styled": 0.45, "definition": 0.05, **{kind: 0.5 * w for kind, w in MIXES["terms"].items()}}
ANSWER_SPACE = {"spaced": "always", "aligned": "passage", "styles": "passage"}
PREVIOUS_STAGE = {"qa": "pretrain", "read": "qa", "deepen": "read", "read_acronyms": "read",
                  "drill": "read_acronyms", "relations": "drill", "terms": "relations", "kinds": "terms",
                  "spaced": "terms", "aligned": "terms", "styles": "aligned"}
GROWN_STAGES = {"deepen": 2}  # stages that start from their predecessor made this many times deeper
NEWEST_FIRST = ("styles", "aligned", "spaced", "kinds", "terms", "relations", "drill", "read_acronyms", "deepen", "read", "qa",
                "pretrain")


def newest_generator(run_dir):
    """(stage, checkpoint) of the furthest generator stage in run_dir, or (None, None)."""
    for stage in NEWEST_FIRST:
        state = load_checkpoint(os.path.join(run_dir, f"generator_{stage}.pt"))
        if state:
            return stage, state
    return None, None


def new_generator(vocab_size, model):
    return BartForConditionalGeneration(BartConfig(vocab_size=vocab_size, **model))


def sample_batch(kind_weights, data, maker, rng, batch_size):
    kinds = list(kind_weights)
    weights = [kind_weights[k] for k in kinds]
    pairs = []
    while len(pairs) < batch_size:
        kind = rng.choices(kinds, weights)[0]
        if kind == "infill":
            pair = maker.infill(rng.choice(data.train_passages), rng)
        elif kind == "cloze":
            pair = maker.cloze(rng.choice(data.train_passages), rng)
        elif kind.startswith("hole"):
            pair = maker.hole(rng.choice(data.train_passages), rng, disguised=kind.endswith("_disguised"),
                              typed=kind.startswith("hole_typed"))
        elif kind in ("acronym", "acronym_disguised"):
            pair = maker.acronym(rng.choice(data.train_passages), rng, disguised=kind == "acronym_disguised")
        elif kind == "relations":
            pair = maker.relations(rng.choice(data.train_passages), rng)
        elif kind == "terms":
            pair = maker.terms(rng.choice(data.train_passages), rng)
        elif kind == "kinds":
            pair = maker.kinds(rng.choice(data.train_passages), rng)
        elif kind == "styled":
            pair = maker.styled(rng)
        elif kind == "definition":
            pair = maker.definition(rng.choice(data.train_passages), rng)
        elif kind in ("qa", "qa_disguised"):
            q = rng.choice(data.qa["train"])
            pair = maker.qa(data.by_id[q["passage_id"]], q["question"], rng.choice(q["answers"]), rng,
                            disguised=kind == "qa_disguised")
        else:
            j = rng.choice(data.jeopardy["train"])
            pair = maker.jeopardy(data.by_id[j["passage_id"]], j["answer"], j["clue"])
        if pair:
            pairs.append(pair)
    return pairs


def seq2seq_loss(model, pairs, pad_id, start_id, label_smoothing):
    src, src_mask = pad_batch([p[0] for p in pairs], pad_id)
    labels, label_mask = pad_batch([p[1] for p in pairs], pad_id)
    decoder_in = torch.cat([torch.full((len(pairs), 1), start_id, dtype=torch.long), labels[:, :-1]], dim=1)
    logits = model(src, src_mask, decoder_in)
    targets = labels.masked_fill(label_mask.eq(0), -100)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100,
                           label_smoothing=label_smoothing)


def gold_passage_scores(model, maker, tok, items):
    """Exact match and F1 of greedy answers to (passage, question, answers) items given their passage (batched)."""
    preds = greedy_answers(tok, model, [maker.qa(passage, question, "")[0] for passage, question, _ in items])
    em = sum(exact_match(pred, answers) for pred, (_, _, answers) in zip(preds, items))
    f1 = sum(f1_score(pred, answers) for pred, (_, _, answers) in zip(preds, items))
    model.train()
    return em / max(1, len(items)), f1 / max(1, len(items))


def evaluate_dev(model, data, maker, tok, n):
    """Dev questions of FOLDOC given their gold passage."""
    return gold_passage_scores(model, maker, tok, [(data.by_id[q["passage_id"]], q["question"], q["answers"])
                                                   for q in data.qa["dev"][:n]])


def unseen_dev_items(folder):
    """(document, question, answers) of the invented documents in `folder` (documents.jsonl, questions.jsonl): FOLDOC
    dev questions share names with the training documents and hid that the generator answered from memory."""
    docs = {d["id"]: d for d in read_jsonl(os.path.join(folder, "documents.jsonl"))}
    return [(docs[q["doc_id"]], q["question"], q["answers"])
            for q in read_jsonl(os.path.join(folder, "questions.jsonl"))]


def main(cfg):
    setup_torch(cfg["threads"])
    assert cfg["stage"] in MIXES, f"--stage must be one of {sorted(MIXES)}"
    tok = load_tokenizer(os.path.join(cfg["run_dir"], "tokenizers", "generator", "tokenizer.json"))
    data = Dataset(run_data_dir(cfg))
    maker = ExampleMaker(tok, cfg["max_source"], cfg["max_target"], answer_space=ANSWER_SPACE.get(cfg["stage"], ""))
    path = os.path.join(cfg["run_dir"], f"generator_{cfg['stage']}.pt")
    log = Log(os.path.join(cfg["run_dir"], "logs", f"generator_{cfg['stage']}.jsonl"))
    state = load_checkpoint(path)
    if state:
        model = BartForConditionalGeneration(BartConfig.from_dict(state["config"]))
        model.load_state_dict(state["model"])
    elif cfg["stage"] in PREVIOUS_STAGE:
        before = cfg["from_stage"] or PREVIOUS_STAGE[cfg["stage"]]
        previous = load_checkpoint(os.path.join(cfg["run_dir"], f"generator_{before}.pt"))
        assert previous, f"the {cfg['stage']} stage starts from generator_{before}.pt: run --stage={before} first"
        weights, config = previous["model"], previous["config"]
        if cfg["stage"] in GROWN_STAGES:
            weights, config = grow_state(weights, config, GROWN_STAGES[cfg["stage"]], "identity")
        model = BartForConditionalGeneration(BartConfig.from_dict(config))
        model.load_state_dict(weights)
    else:
        model = new_generator(tok.vocab_size, cfg["model"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    step, rewarm_from = 0, None
    if state:
        if state.get("optimizer"):
            optimizer.load_state_dict(state["optimizer"])
        else:  # a checkpoint rebuilt from a bundle by warm_start
            rewarm_from = state["step"]
        step = state["step"]
    print(f"generator {cfg['stage']}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters, "
          f"step {step}/{cfg['steps']}, data {data.summary()}", flush=True)
    deadline, pad_id, start_id = Deadline(cfg["max_minutes"]), tok.token_to_id("<pad>"), 2
    unseen = unseen_dev_items(cfg["unseen_dev_dir"])
    model.train()

    def save():
        save_checkpoint(path, model=model.state_dict(), optimizer=optimizer.state_dict(), step=step,
                        config=model.config.to_dict(), stage_config=cfg)

    while step < last_step(cfg) and not deadline.passed():
        rng = step_rng(cfg["seed"], step)
        pairs = sample_batch(MIXES[cfg["stage"]], data, maker, rng, cfg["batch_size"])
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, cfg["lr"], cfg["warmup"], cfg["steps"], rewarm_from=rewarm_from)
        loss = seq2seq_loss(model, pairs, pad_id, start_id, cfg["label_smoothing"])
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        if step % 10 == 0:
            log(step=step, loss=loss.item(), lr=optimizer.param_groups[0]["lr"])
        if step % cfg["save_every"] == 0:
            save()
        if step % cfg["eval_every"] == 0 or step == last_step(cfg):
            em, f1 = evaluate_dev(model, data, maker, tok, cfg["eval_examples"])
            unseen_em, unseen_f1 = gold_passage_scores(model, maker, tok, unseen)
            log(step=step, dev_em=em, dev_f1=f1, unseen_dev_em=unseen_em, unseen_dev_f1=unseen_f1)
    save()
    return step >= last_step(cfg)


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
