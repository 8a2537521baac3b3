"""Trains the DPR question and context encoders with in-batch and hard negatives (Karpukhin et al. 2020).

    /usr/bin/python3 -m ragkit.train.train_dpr --steps=1000 --mined_steps=0                         # recipe's dpr
    /usr/bin/python3 -m ragkit.train.train_dpr --steps=1000 --mined_steps=3000 --framed_share=0.3   # dpr_mined

Each batch holds B queries and 2B passages (their positives and one hard negative each); the loss is the negative
log-likelihood of each query's positive among all 2B passages under inner-product scores. Two phases in one
checkpoint, the recipe's two DPR stages (recipe.py): `steps` with lexical hard negatives, then `mined_steps` (own
warm-up and decay from `mined_lr`) where most negatives are mined with the model itself (dpr_mining.py) and
`framed_share` of the examples are titles framed as questions. Recall@k on dev questions (among `eval_passages`
passages, see recall_pool) is measured every `eval_every` steps. Checkpoints to `{run_dir}/dpr.pt`."""
import os
import random

import numpy as np
import torch
import torch.nn.functional as F

from ..models.dpr import DprConfig, DprEncoder
from ..overrides import parse_overrides
from ..tokenizers import load_tokenizer
from . import recipe
from .common import (Deadline, Log, load_checkpoint, lr_at, pad_batch, run_data_dir, save_checkpoint, setup_torch,
                     step_rng)
from ..synth.dpr_examples import DprExampleMaker
from .data import Dataset
from .dpr_mining import NegativeMiner, encode_queries

DEFAULTS = dict(
    run_dir=os.path.expanduser("~/.cache/ragkit/runs/demo"),
    data_dir="",  # default: {run_dir}/data (common.run_data_dir)
    steps=1000,  # phase 1: lexical hard negatives
    mined_steps=0,  # phase 2: negatives mined with the model (dpr_mining.py), after phase 1
    mined_lr=3e-4,
    mined_share=0.75,  # share of phase 2's negatives that are mined; the rest stay lexical
    framed_share=0.0,  # phase 2's share of `framed` examples (dpr_examples), the other kinds scaled down for room
    refresh_every=250,  # phase 2 re-embeds the corpus for mining this often
    batch_size=32,
    lr=1e-3,
    warmup=100,
    weight_decay=0.01,
    max_query=48,
    max_passage=192,
    eval_every=250,
    eval_questions=300,
    eval_passages=4000,  # recall during training is measured among this many passages (see recall_pool)
    save_every=50,
    shared_encoders=True,  # one encoder for both sides while training DPR (see share_and_flatten_attention)
    max_minutes=0.0,
    seed=1,
    threads=0,
    # architecture, used when no checkpoint exists yet
    model=dict(hidden_size=192, num_hidden_layers=2, num_attention_heads=4, intermediate_size=768,
        max_position_embeddings=512, type_vocab_size=2, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, projection_dim=0,
        # 1/sqrt(hidden) rather than BERT's 0.02: from scratch at 0.02 the [CLS] vectors of all inputs start with
        # cosine 0.9997 and the encoders cannot even overfit 16 pairs in 50 steps; at 0.072 they do.
        initializer_range=0.072),
)

MIX = recipe.DPR  # kinds of dpr_examples


def mix(framed_share):
    """Example kinds and their weights: MIX, with `framed` taking `framed_share` of it when above 0 (0 keeps MIX's
    sampling as it is)."""
    return recipe.with_framed(MIX, framed_share) if framed_share else MIX


def phase_mix(cfg, step):
    """Phase 1 samples MIX, phase 2 makes room for its framed titles."""
    return mix(cfg["framed_share"]) if step >= cfg["steps"] else MIX


class TextEncoder:
    """Tokenizes queries and (title, text) passages for one DPR encoder."""

    def __init__(self, tok, max_len):
        self.tok, self.max_len = tok, max_len
        self.pad = tok.token_to_id("[PAD]")

    def batch(self, texts, pairs=None):
        rows, types = [], []
        for i, text in enumerate(texts):
            enc = self.tok.encode(text, pairs[i] if pairs else None, max_length=self.max_len)
            rows.append(enc["ids"])
            types.append(enc["type_ids"])
        ids, mask = pad_batch(rows, self.pad)
        tt, _ = pad_batch(types, 0)
        return ids, mask, tt


def share_and_flatten_attention(q_enc, c_enc):
    """Starts the two encoders as one: the context encoder shares the question encoder's weights (a token then has
    one embedding on both sides, so words seen in no training query still match themselves), and every attention
    query projection is zero, so attention starts uniform and the [CLS] vector starts as a bag of the input's words.
    From a random BERT the [CLS] vectors of all inputs are nearly alike (cosine 0.97) and contrastive training found
    the shortcut of giving every question the same vector (loss at log(2B), recall 0); from this start, recall@5 on
    dev reached 54% among 4,000 passages after 100 steps. Joint RAG training later unties them (the paper updates
    the question encoder only); the exported bundle holds two plain DPR encoders."""
    c_enc.ctx_encoder = q_enc.question_encoder
    with torch.no_grad():
        for layer in q_enc.question_encoder.bert_model.encoder.layer:
            layer.attention.self.query.weight.zero_()


def embed_passages(encoder, text_encoder, passages, batch=128):
    """[len(passages), dim] float32 vectors, in the passages' order. Batches hold passages of similar lengths: most
    FOLDOC entries are far shorter than 100 words, and padding to the longest of a random batch would dominate."""
    was_training = encoder.training
    encoder.eval()
    device = next(encoder.parameters()).device
    order = sorted(range(len(passages)), key=lambda i: len(passages[i]["text"]))
    out = np.zeros((len(passages), encoder.config.output_dim), dtype="float32")
    with torch.no_grad():
        for i in range(0, len(order), batch):
            rows = order[i : i + batch]
            chunk = [passages[j] for j in rows]
            batch_in = text_encoder.batch([p["title"] for p in chunk], [p["text"] for p in chunk])
            out[rows] = encoder(*(t.to(device) for t in batch_in)).cpu().numpy()
    encoder.train(was_training)
    return out


def recall_at(q_encoder, q_text, passage_vectors, passages, questions, ks=(1, 5, 20)):
    """Share of questions whose answer passage's document is among the top-k retrieved passages' documents."""
    qv = encode_queries(q_encoder, q_text, [q["question"] for q in questions])
    top = np.argsort(-(qv @ passage_vectors.T), axis=1)[:, : max(ks)]
    hits = {k: 0 for k in ks}
    for q, row in zip(questions, top):
        docs = [passages[j]["doc_id"] for j in row]
        for k in ks:
            hits[k] += q["doc_id"] in docs[:k]
    return {f"recall@{k}": hits[k] / max(1, len(questions)) for k in ks}


def recall_pool(data, questions, size, seed):
    """The passages recall is measured against during training: every passage of the questions' documents plus a
    seeded sample of the others, `size` in all (0 = the whole corpus; the report always uses the whole corpus)."""
    if not size or size >= len(data.passages):
        return data.passages
    docs = {q["doc_id"] for q in questions}
    pool = [p for p in data.passages if p["doc_id"] in docs]
    others = [p for p in data.passages if p["doc_id"] not in docs]
    return pool + random.Random(seed).sample(others, max(0, size - len(pool)))


def end_step(cfg):
    return cfg["steps"] + cfg["mined_steps"]


def lr_for(cfg, step, rewarm_from):
    if step < cfg["steps"]:
        return lr_at(step, cfg["lr"], cfg["warmup"], cfg["steps"], rewarm_from=rewarm_from)
    rewarm = None if rewarm_from is None else max(0, rewarm_from - cfg["steps"])
    return lr_at(step - cfg["steps"], cfg["mined_lr"], cfg["warmup"], cfg["mined_steps"], rewarm_from=rewarm)


def main(cfg):
    setup_torch(cfg["threads"])
    tok = load_tokenizer(os.path.join(cfg["run_dir"], "tokenizers", "encoder", "tokenizer.json"))
    data = Dataset(run_data_dir(cfg))
    maker = DprExampleMaker(data)
    q_text, p_text = TextEncoder(tok, cfg["max_query"]), TextEncoder(tok, cfg["max_passage"])
    path = os.path.join(cfg["run_dir"], "dpr.pt")
    log = Log(os.path.join(cfg["run_dir"], "logs", "dpr.jsonl"))
    state = load_checkpoint(path)
    config = DprConfig.from_dict(state["config"]) if state else DprConfig(vocab_size=tok.vocab_size, **cfg["model"])
    q_enc, c_enc = DprEncoder(config, "question"), DprEncoder(config, "ctx")
    if cfg["shared_encoders"]:
        share_and_flatten_attention(q_enc, c_enc)
    params = list({id(p): p for p in [*q_enc.parameters(), *c_enc.parameters()]}.values())
    optimizer = torch.optim.AdamW(params, lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    step, rewarm_from = 0, None
    if state:
        q_enc.load_state_dict(state["question_encoder"])
        c_enc.load_state_dict(state["ctx_encoder"])
        if state.get("optimizer"):
            optimizer.load_state_dict(state["optimizer"])
        else:  # a checkpoint rebuilt from a bundle by warm_start
            rewarm_from = state["step"]
        step = state["step"]
    encoders = "1 shared encoder" if cfg["shared_encoders"] else "2 encoders"
    print(f"dpr: {encoders}, {sum(p.numel() for p in params) / 1e6:.1f}M parameters, step {step}/{end_step(cfg)}",
          flush=True)
    deadline = Deadline(cfg["max_minutes"])

    def save():
        save_checkpoint(path, question_encoder=q_enc.state_dict(), ctx_encoder=c_enc.state_dict(),
                        optimizer=optimizer.state_dict(), step=step, config=config.to_dict(), stage_config=cfg)

    eval_questions = data.qa["dev"][: cfg["eval_questions"]]
    eval_passages = recall_pool(data, eval_questions, cfg["eval_passages"], cfg["seed"])
    miner = NegativeMiner(data.passages, lambda passages: embed_passages(c_enc, p_text, passages), cfg["refresh_every"])
    while step < end_step(cfg) and not deadline.passed():
        rng = step_rng(cfg["seed"], step)
        triples, kinds = [], phase_mix(cfg, step)
        while len(triples) < cfg["batch_size"]:
            t = maker.sample(rng.choices(list(kinds), list(kinds.values()))[0], rng)
            if t:
                triples.append(t)
        if step >= cfg["steps"]:
            miner.maybe_refresh(step)
            queries = encode_queries(q_enc, q_text, [t.query for t in triples])
            triples = miner.replace(triples, queries, rng, cfg["mined_share"])
        for group in optimizer.param_groups:
            group["lr"] = lr_for(cfg, step, rewarm_from)
        q_in = q_text.batch([t.query for t in triples])
        passages = [t.positive for t in triples] + [t.negative for t in triples]
        p_in = p_text.batch([p["title"] for p in passages], [p["text"] for p in passages])
        qv, pv = q_enc(*q_in), c_enc(*p_in)
        loss = F.cross_entropy(qv @ pv.T, torch.arange(len(triples)))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 2.0)
        optimizer.step()
        step += 1
        if step % 10 == 0:
            log(step=step, loss=loss.item(), lr=optimizer.param_groups[0]["lr"])
        if step % cfg["save_every"] == 0:
            save()
        if step % cfg["eval_every"] == 0 or step == end_step(cfg):
            vectors = embed_passages(c_enc, p_text, eval_passages)
            log(step=step, **recall_at(q_enc, q_text, vectors, eval_passages, eval_questions))
    save()
    return step >= end_step(cfg)


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
