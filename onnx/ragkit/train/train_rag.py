"""Joint RAG training (the paper's section 2.4): the RAG-Token loss marginalized over the top-K retrieved passages,
updating the question encoder and the generator while the context encoder and the passage index stay fixed.

    /usr/bin/python3 -m ragkit.train.train_rag --steps=1000

Starts from `dpr.pt` and the furthest generator stage (train_generator.NEWEST_FIRST, not `pretrain`); checkpoints
to `{run_dir}/rag.pt`. Questions (retrieved with the question text) and Jeopardy pairs (retrieved with the answer,
generated behind the task prefix) share the generator. The gradient reaches the question encoder only through the
document log-weights, as in the paper. Half the questions have their answer disguised in the retrieved passages after
retrieval (disguise.py), so that joint training does not teach the generator FOLDOC's answers by heart."""
import os

import numpy as np
import torch

from ..models.bart import BartConfig, BartForConditionalGeneration
from ..models.dpr import DprConfig, DprEncoder
from ..overrides import parse_overrides
from ..tokenizers import load_tokenizer
from .common import (Deadline, Log, last_step, load_checkpoint, lr_at, pad_batch, run_data_dir, save_checkpoint,
                     setup_torch, step_rng)
from ..eval.generate import rag_token_greedy
from ..eval.metrics import exact_match
from ..synth.disguise import disguise
from ..synth.examples import ExampleMaker
from .data import Dataset
from .rag_loss import doc_scores, rag_nll, teacher_forced_logits, top_k
from .train_dpr import TextEncoder, embed_passages
from .train_generator import newest_generator

DEFAULTS = dict(
    run_dir=os.path.expanduser("~/.cache/ragkit/runs/demo"),
    data_dir="",  # default: {run_dir}/data (common.run_data_dir)
    steps=1000,
    batch_size=8,  # questions per step; the generator sees batch_size * n_docs rows
    n_docs=5,  # as the bundle serves (the paper trains with k in {5, 10})
    jeopardy_share=0.2,
    disguise_share=0.5,  # questions whose answer words are invented afresh in the retrieved passages (disguise.py)
    lr=3e-4,  # the generator is still learning to read after its QA stage
    question_encoder_lr=1e-4,  # a tenth of DPR's peak: retrieval is refined, not relearned
    warmup=100,
    weight_decay=0.01,
    max_source=256,
    max_target=40,
    eval_every=250,
    eval_examples=150,
    save_every=25,
    max_minutes=0.0,
    stop_at=0,  # stop (and checkpoint) at this step while the learning-rate schedule spans `steps`; 0 = steps
    seed=1,
    threads=0,
)


class Rag:
    """The trainable pieces and the fixed index."""

    def __init__(self, cfg, data):
        run = cfg["run_dir"]
        self.gen_tok = load_tokenizer(os.path.join(run, "tokenizers", "generator", "tokenizer.json"))
        enc_tok = load_tokenizer(os.path.join(run, "tokenizers", "encoder", "tokenizer.json"))
        dpr = load_checkpoint(os.path.join(run, "dpr.pt"))
        assert dpr, "train_rag starts from dpr.pt: run train_dpr first"
        dpr_config = DprConfig.from_dict(dpr["config"])
        self.q_enc, ctx = DprEncoder(dpr_config, "question"), DprEncoder(dpr_config, "ctx")
        self.q_enc.load_state_dict(dpr["question_encoder"])
        ctx.load_state_dict(dpr["ctx_encoder"])
        self.q_text = TextEncoder(enc_tok, 48)
        cache = os.path.join(run, f"passage_vectors_dpr{dpr['step']}.npy")
        if not os.path.exists(cache):
            np.save(cache, embed_passages(ctx, TextEncoder(enc_tok, 192), data.passages))
        self.vectors = torch.from_numpy(np.load(cache))
        self.maker = ExampleMaker(self.gen_tok, cfg["max_source"], cfg["max_target"])
        self.data, self.n_docs = data, cfg["n_docs"]

    def retrieve(self, queries):
        """Top-K passages per query and their differentiable scores (the index itself is fixed)."""
        qv = self.q_enc(*self.q_text.batch(queries))
        top = top_k(qv, self.vectors, self.n_docs)
        return top, doc_scores(qv, self.vectors[top])

    def sources(self, top, slots):
        return self.sources_of([[self.data.passages[j] for j in ids] for ids in top.tolist()], slots)

    def sources_of(self, passage_lists, slots):
        rows = [self.maker.source(p["title"], p["text"], slot) for ps, slot in zip(passage_lists, slots) for p in ps]
        return pad_batch(rows, self.gen_tok.token_to_id("<pad>"))


def sample(data, rng, batch_size, jeopardy_share, prefix, disguise_share=0.0):
    """(retrieval query, generator question slot, target text, disguise the target?) tuples."""
    out = []
    for _ in range(batch_size):
        if rng.random() < jeopardy_share:
            j = rng.choice(data.jeopardy["train"])
            out.append((j["answer"], prefix + j["answer"], j["clue"], False))
        else:
            q = rng.choice(data.qa["train"])
            out.append((q["question"], q["question"], rng.choice(q["answers"]), rng.random() < disguise_share))
    return out


def disguise_retrieved(passage_lists, batch, rng):
    """Retrieved passages, question slots and targets with the flagged answers' words invented afresh in all of the
    question's passages (disguise.py): retrieval saw the real text, the generator must copy what it is given."""
    out_passages, slots, targets = [], [], []
    for passages, (_, slot, target, flagged) in zip(passage_lists, batch):
        swapped = disguise([t for p in passages for t in (p["title"], p["text"])] + [slot], target, rng) \
            if flagged else None
        if swapped:
            texts, target = swapped
            passages = [dict(p, title=texts[2 * i], text=texts[2 * i + 1]) for i, p in enumerate(passages)]
            slot = texts[-1]
        out_passages.append(passages)
        slots.append(slot)
        targets.append(target)
    return out_passages, slots, targets


def evaluate(rag, generator, n):
    items = rag.data.qa["dev"][:n]
    em = 0.0
    with torch.no_grad():
        for i in range(0, len(items), 16):
            chunk = items[i : i + 16]
            top, scores = rag.retrieve([q["question"] for q in chunk])
            ids, mask = rag.sources(top, [q["question"] for q in chunk])
            outs = rag_token_greedy(generator, ids, mask, torch.log_softmax(scores, -1))
            em += sum(exact_match(rag.gen_tok.decode(o).strip(), q["answers"]) for q, o in zip(chunk, outs))
    generator.train()
    rag.q_enc.train()
    return em / max(1, len(items))


def main(cfg):
    setup_torch(cfg["threads"])
    data = Dataset(run_data_dir(cfg))
    rag = Rag(cfg, data)
    path = os.path.join(cfg["run_dir"], "rag.pt")
    log = Log(os.path.join(cfg["run_dir"], "logs", "rag.jsonl"))
    state = load_checkpoint(path)
    stage, source = ("rag", state) if state else newest_generator(cfg["run_dir"])
    assert stage not in (None, "pretrain"), "train_rag starts from a fine-tuned generator: run train_generator first"
    generator = BartForConditionalGeneration(BartConfig.from_dict(source["config"]))
    generator.load_state_dict(source["generator"] if state else source["model"])
    optimizer = torch.optim.AdamW([
        {"params": generator.parameters(), "lr": cfg["lr"], "peak": cfg["lr"]},
        {"params": rag.q_enc.parameters(), "lr": cfg["question_encoder_lr"], "peak": cfg["question_encoder_lr"]},
    ], weight_decay=cfg["weight_decay"])
    step, rewarm_from = 0, None
    if state:
        rag.q_enc.load_state_dict(state["question_encoder"])
        if state.get("optimizer"):
            optimizer.load_state_dict(state["optimizer"])
        else:  # a checkpoint rebuilt from a bundle by warm_start
            rewarm_from = state["step"]
        step = state["step"]
    print(f"rag: generator from {stage}, step {step}/{last_step(cfg)}", flush=True)
    deadline, prefix = Deadline(cfg["max_minutes"]), rag.maker.jeopardy_prefix
    pad_id = rag.gen_tok.token_to_id("<pad>")
    generator.train()

    def save():
        save_checkpoint(path, generator=generator.state_dict(), question_encoder=rag.q_enc.state_dict(),
                        optimizer=optimizer.state_dict(), step=step, config=generator.config.to_dict(),
                        stage_config=cfg)

    while step < last_step(cfg) and not deadline.passed():
        rng = step_rng(cfg["seed"], step)
        batch = sample(data, rng, cfg["batch_size"], cfg["jeopardy_share"], prefix, cfg["disguise_share"])
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, group["peak"], cfg["warmup"], cfg["steps"], rewarm_from=rewarm_from)
        top, scores = rag.retrieve([b[0] for b in batch])
        passages, slots, targets = disguise_retrieved([[data.passages[j] for j in row] for row in top.tolist()],
                                                      batch, rng)
        src, src_mask = rag.sources_of(passages, slots)
        labels, label_mask = pad_batch([rag.maker.target(t) for t in targets], pad_id)
        logits = teacher_forced_logits(generator, src, src_mask, labels, cfg["n_docs"])
        loss = rag_nll(logits, labels, label_mask, torch.log_softmax(scores, -1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(generator.parameters()) + list(rag.q_enc.parameters()), 1.0)
        optimizer.step()
        step += 1
        if step % 10 == 0:
            log(step=step, loss=loss.item())
        if step % cfg["save_every"] == 0:
            save()
        if step % cfg["eval_every"] == 0 or step == last_step(cfg):
            log(step=step, dev_rag_token_em=evaluate(rag, generator, cfg["eval_examples"]))
    save()
    return step >= last_step(cfg)


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
