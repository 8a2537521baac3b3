"""Trains the BART generator on passages alone, one stage of the recipe (recipe.py) at a time; retrieval joins in
only at inference (RAG fine-tuning, train_rag.py, is a separate tool).

    /usr/bin/python3 -m ragkit.train.train_generator --stage=pretrain --steps=650
    /usr/bin/python3 -m ragkit.train.train_generator --stage=read --steps=6000 --lr=2e-4 --warmup=100

run_all passes each stage its steps, learning rate, warm-up and seed from the recipe; the stage itself (`--stage`)
brings its example mix, its parent, how much it grows the parent and how it spaces answers. A stage checkpoints to
`{run_dir}/generator_{stage}.pt` and resumes from it; a new stage starts from its parent's checkpoint (or
`--from_stage`'s). Exact match on dev questions, on `index-data/unseen-dev` and on `styled_dev_examples` invented
documents in many styles drawn from a seed of their own (gold passage, greedy) is measured every `eval_every` steps:
the loss alone says little about copying, and FOLDOC dev questions share names with the training documents, so only
the invented documents show whether the reader copies or answers from memory.
"""
import os
import random

import torch
import torch.nn.functional as F

from ..eval.generate import greedy_answers
from ..eval.metrics import exact_match, f1_score
from ..models.bart import BartConfig, BartForConditionalGeneration
from ..overrides import parse_overrides
from ..synth.examples import ExampleMaker
from ..synth.styled import styled_example
from ..tokenizers import load_tokenizer
from . import recipe
from .common import (Deadline, Log, load_checkpoint, lr_at, pad_batch, read_jsonl, run_data_dir, save_checkpoint,
                     setup_torch, step_rng)
from .data import Dataset
from .grow_generator import grow_state

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DEFAULTS = dict(
    run_dir=os.path.expanduser("~/.cache/ragkit/runs/demo"),  # tokenizers, checkpoints and logs of one run
    data_dir="",  # default: {run_dir}/data (common.run_data_dir), written by `ragkit.data.make_dataset`
    stage="pretrain",  # a generator stage of recipe.RECIPE
    from_stage="",  # the stage a new one starts from; "" = its parent in the recipe
    steps=650,  # the schedule's length: the stage ends there
    stop_at=0,  # stop at this step of the schedule (the recipe's `stop_at`); 0: at `steps`
    batch_size=24,
    lr=5e-4,
    warmup=300,
    weight_decay=0.01,
    label_smoothing=0.1,
    max_source=256,  # tokens of passage + question (the bundle allows 300 at inference)
    max_target=40,
    eval_every=250,
    eval_examples=150,
    styled_dev_examples=60,  # styled examples (synth/styled.py) of STYLED_DEV_SEED, read with their passage
    styled_dev_seed=900_001,  # far from any step's seed (step_rng), so training never draws these
    unseen_dev_dir=os.path.join(REPO, "index-data", "unseen-dev"),  # invented documents: reading of unseen text
    save_every=50,
    max_minutes=0.0,  # stop (and checkpoint) after this long; 0 = run all steps
    seed=1,
    threads=0,  # 0 = all cores
    # The forward pass in bfloat16 autocast (weights, gradients and the optimizer stay float32): about 3x the steps
    # per second on a CPU with AVX512-BF16 (onnx/EXPERIMENTS.md, rule 20)
    bf16=False,
    # architecture of a stage without parent (pretrain)
    model=dict(d_model=256, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
        encoder_ffn_dim=1024, decoder_ffn_dim=1024, max_position_embeddings=512, dropout=0.1,
        attention_dropout=0.0, activation_dropout=0.0, scale_embedding=False),
)

NEWEST_FIRST = tuple(reversed(recipe.GENERATOR_STAGES))  # the furthest stage first


def newest_generator(run_dir):
    """(stage, checkpoint) of the furthest generator stage in run_dir, or (None, None)."""
    for stage in NEWEST_FIRST:
        state = load_checkpoint(os.path.join(run_dir, f"generator_{stage}.pt"))
        if state:
            return stage, state
    return None, None


def new_generator(vocab_size, model):
    return BartForConditionalGeneration(BartConfig(vocab_size=vocab_size, **model))


def _qa(maker, data, rng, disguised):
    q = rng.choice(data.qa["train"])
    return maker.qa(data.by_id[q["passage_id"]], q["question"], rng.choice(q["answers"]), rng, disguised=disguised)


def _jeopardy(maker, data, rng):
    j = rng.choice(data.jeopardy["train"])
    return maker.jeopardy(data.by_id[j["passage_id"]], j["answer"], j["clue"])


def _passage(make, **options):
    """A kind made from one training passage drawn first."""
    return lambda maker, data, rng: getattr(maker, make)(rng.choice(data.train_passages), rng, **options)


# Example kinds of the recipe's mixes: (maker, data, rng) -> (source, target) or None (drawn again).
EXAMPLE_KINDS = {
    "infill": _passage("infill"),
    "cloze": _passage("cloze"),
    "hole": _passage("hole"),
    "hole_disguised": _passage("hole", disguised=True),
    "hole_typed": _passage("hole", typed=True),
    "hole_typed_disguised": _passage("hole", disguised=True, typed=True),
    "acronym": _passage("acronym"),
    "acronym_disguised": _passage("acronym", disguised=True),
    "relations": _passage("relations"),
    "terms": _passage("terms"),
    "styled": lambda maker, data, rng: maker.styled(rng),
    "styled_open": lambda maker, data, rng: maker.styled(rng, open_facts=True),
    "styled_full": lambda maker, data, rng: maker.styled(rng, full_page=True),
    "styled_open_full": lambda maker, data, rng: maker.styled(rng, open_facts=True, full_page=True),
    "definition": _passage("definition"),
    "qa": lambda maker, data, rng: _qa(maker, data, rng, False),
    "qa_disguised": lambda maker, data, rng: _qa(maker, data, rng, True),
    "jeopardy": _jeopardy,
}


def sample_batch(kind_weights, data, maker, rng, batch_size):
    kinds = list(kind_weights)
    weights = [kind_weights[k] for k in kinds]
    pairs = []
    while len(pairs) < batch_size:
        pair = EXAMPLE_KINDS[rng.choices(kinds, weights)[0]](maker, data, rng)
        if pair:
            pairs.append(pair)
    return pairs


def seq2seq_loss(model, pairs, pad_id, start_id, label_smoothing):
    src, src_mask = pad_batch([p[0] for p in pairs], pad_id)
    labels, label_mask = pad_batch([p[1] for p in pairs], pad_id)
    decoder_in = torch.cat([torch.full((len(pairs), 1), start_id, dtype=torch.long), labels[:, :-1]], dim=1)
    logits = model(src, src_mask, decoder_in).float()  # the loss in float32 under bf16 autocast too
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


def styled_dev_items(n, seed):
    """(passage, question, answers) of `n` styled examples drawn from `seed`: reading of layouts FOLDOC lacks."""
    rng, items = random.Random(seed), []
    while len(items) < n:
        ex = styled_example(rng)
        if ex:
            items.append(({"title": ex["title"], "text": ex["text"]}, ex["question"], [ex["answer"]]))
    return items


def unseen_dev_items(folder):
    """(document, question, answers) of the invented documents in `folder` (documents.jsonl, questions.jsonl): FOLDOC
    dev questions share names with the training documents and hid that the generator answered from memory."""
    docs = {d["id"]: d for d in read_jsonl(os.path.join(folder, "documents.jsonl"))}
    return [(docs[q["doc_id"]], q["question"], q["answers"])
            for q in read_jsonl(os.path.join(folder, "questions.jsonl"))]


def main(cfg):
    setup_torch(cfg["threads"])
    stage = recipe.stage(cfg["stage"])
    tok = load_tokenizer(os.path.join(cfg["run_dir"], "tokenizers", "generator", "tokenizer.json"))
    data = Dataset(run_data_dir(cfg))
    maker = ExampleMaker(tok, stage.max_source or cfg["max_source"], cfg["max_target"], answer_space=stage.answer_space,
                         window_words=stage.window_words)
    path = os.path.join(cfg["run_dir"], f"generator_{cfg['stage']}.pt")
    log = Log(os.path.join(cfg["run_dir"], "logs", f"generator_{cfg['stage']}.jsonl"))
    state = load_checkpoint(path)
    if state:
        model = BartForConditionalGeneration(BartConfig.from_dict(state["config"]))
        model.load_state_dict(state["model"])
    elif cfg["from_stage"] or stage.parent:
        before = cfg["from_stage"] or stage.parent
        previous = load_checkpoint(os.path.join(cfg["run_dir"], f"generator_{before}.pt"))
        assert previous, f"the {cfg['stage']} stage starts from generator_{before}.pt: run --stage={before} first"
        weights, config = previous["model"], previous["config"]
        if stage.grow > 1:
            weights, config = grow_state(weights, config, stage.grow, "identity")
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
    styled_dev = styled_dev_items(cfg["styled_dev_examples"], cfg["styled_dev_seed"])
    model.train()

    def save():
        save_checkpoint(path, model=model.state_dict(), optimizer=optimizer.state_dict(), step=step,
                        config=model.config.to_dict(), stage_config=cfg)

    last = cfg["stop_at"] or cfg["steps"]
    while step < last and not deadline.passed():
        rng = step_rng(cfg["seed"], step)
        pairs = sample_batch(stage.mix, data, maker, rng, cfg["batch_size"])
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, cfg["lr"], cfg["warmup"], cfg["steps"], rewarm_from=rewarm_from)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg["bf16"]):
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
        if step % cfg["eval_every"] == 0 or step == last:
            em, f1 = evaluate_dev(model, data, maker, tok, cfg["eval_examples"])
            unseen_em, unseen_f1 = gold_passage_scores(model, maker, tok, unseen)
            styled_em, _ = gold_passage_scores(model, maker, tok, styled_dev)
            log(step=step, dev_em=em, dev_f1=f1, unseen_dev_em=unseen_em, unseen_dev_f1=unseen_f1, styled_dev_em=styled_em)
    save()
    return step >= last


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
