"""Trains the DPR question and context encoders with in-batch and hard negatives (Karpukhin et al. 2020).

    /usr/bin/python3 -m ragkit.train.train_dpr --steps=2000

Each batch holds B queries and 2B passages (their positives and one hard negative each); the loss is the negative
log-likelihood of each query's positive among all 2B passages under inner-product scores. Recall@k on dev
questions against the whole corpus is measured every `eval_every` steps. Checkpoints to `{run_dir}/dpr.pt`."""
import os

import numpy as np
import torch
import torch.nn.functional as F

from ..models.dpr import DprConfig, DprEncoder
from ..overrides import parse_overrides
from ..tokenizers import load_tokenizer
from .common import Deadline, Log, load_checkpoint, lr_at, pad_batch, save_checkpoint, setup_torch, step_rng
from .data import Dataset
from .dpr_examples import DprExampleMaker

DEFAULTS = dict(
    run_dir=os.path.expanduser("~/.cache/ragkit/runs/demo"),
    data_dir="build/data",
    steps=2000,
    batch_size=32,
    lr=3e-4,
    warmup=200,
    weight_decay=0.01,
    max_query=48,
    max_passage=192,
    eval_every=250,
    eval_questions=300,
    save_every=50,
    bow_weight=0.5,  # weight of the bag-of-words loss on the [CLS] vectors (see bag_of_words_loss)
    max_minutes=0.0,
    seed=1,
    threads=0,
    # architecture, used when no checkpoint exists yet
    model=dict(hidden_size=192, num_hidden_layers=2, num_attention_heads=4, intermediate_size=768,
        max_position_embeddings=512, type_vocab_size=2, hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1, projection_dim=0,
        # 1/sqrt(hidden) rather than BERT's 0.02: from scratch at 0.02 the [CLS] vectors of all inputs start with
        # cosine 0.9997 and the encoders cannot even overfit 16 pairs in 50 steps; at 0.072 they do.
        initializer_range=0.072),
)

MIX = {"qa": 0.45, "title": 0.2, "ict": 0.35}


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


def scale_output_at_init(encoder):
    """Starts inner products near 0 instead of near +-hidden_size: the pooled [CLS] vector is the last layer's
    LayerNorm output, whose gain 1 gives vectors of norm sqrt(hidden) and scores so large that the softmax saturates;
    from scratch, the encoders then escape the loss by making every vector alike (measured: loss stuck at
    log(2B), recall 0 after 250 steps). A gain of hidden ** -0.25 scales every score by 1/sqrt(hidden), as
    attention does; the gain is an ordinary parameter, so the served model stays a plain DPR encoder."""
    last = getattr(encoder, encoder.prefix).bert_model.encoder.layer[-1].output.LayerNorm
    with torch.no_grad():
        last.weight.fill_(encoder.config.hidden_size ** -0.25)


def bag_of_words_loss(encoder, ids, mask, tt, pooled):
    """Mean negative log-likelihood of an input's own tokens under softmax([CLS] vector . word embeddings).
    From scratch, the contrastive loss alone finds a shortcut: every question gets the same vector and passages are
    ranked by a prior (measured: question vectors at cosine 0.99 after 250 steps, recall 0). Asking the pooled
    [CLS] vector to name the words of its input makes attention carry the input into it, which retrieval then
    refines. Training-only: the served encoder is a plain DPR encoder."""
    words = getattr(encoder, encoder.prefix).bert_model.embeddings.word_embeddings.weight
    logp = torch.log_softmax(pooled @ words.T, dim=-1)
    content = mask.bool() & (ids > 4)  # NOTE: ids 0-4 are [PAD], [UNK], [CLS], [SEP], [MASK]
    return -(logp.gather(1, ids) * content).sum() / content.sum().clamp(min=1)


def embed_passages(encoder, text_encoder, passages, batch=128):
    encoder.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(passages), batch):
            chunk = passages[i : i + batch]
            ids, mask, tt = text_encoder.batch([p["title"] for p in chunk], [p["text"] for p in chunk])
            out.append(encoder(ids, mask, tt).numpy())
    encoder.train()
    return np.concatenate(out).astype("float32")


def recall_at(q_encoder, q_text, passage_vectors, passages, questions, ks=(1, 5, 20)):
    """Share of questions whose answer passage's document is among the top-k retrieved passages' documents."""
    q_encoder.eval()
    with torch.no_grad():
        ids, mask, tt = q_text.batch([q["question"] for q in questions])
        qv = q_encoder(ids, mask, tt).numpy()
    q_encoder.train()
    top = np.argsort(-(qv @ passage_vectors.T), axis=1)[:, : max(ks)]
    hits = {k: 0 for k in ks}
    for q, row in zip(questions, top):
        docs = [passages[j]["doc_id"] for j in row]
        for k in ks:
            hits[k] += q["doc_id"] in docs[:k]
    return {f"recall@{k}": hits[k] / max(1, len(questions)) for k in ks}


def main(cfg):
    setup_torch(cfg["threads"])
    tok = load_tokenizer(os.path.join(cfg["run_dir"], "tokenizers", "encoder", "tokenizer.json"))
    data = Dataset(cfg["data_dir"])
    maker = DprExampleMaker(data)
    q_text, p_text = TextEncoder(tok, cfg["max_query"]), TextEncoder(tok, cfg["max_passage"])
    path = os.path.join(cfg["run_dir"], "dpr.pt")
    log = Log(os.path.join(cfg["run_dir"], "logs", "dpr.jsonl"))
    state = load_checkpoint(path)
    config = DprConfig.from_dict(state["config"]) if state else DprConfig(vocab_size=tok.vocab_size, **cfg["model"])
    q_enc, c_enc = DprEncoder(config, "question"), DprEncoder(config, "ctx")
    params = list(q_enc.parameters()) + list(c_enc.parameters())
    optimizer = torch.optim.AdamW(params, lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    step, rewarm_from = 0, None
    if not state:
        scale_output_at_init(q_enc)
        scale_output_at_init(c_enc)
    if state:
        q_enc.load_state_dict(state["question_encoder"])
        c_enc.load_state_dict(state["ctx_encoder"])
        if state.get("optimizer"):
            optimizer.load_state_dict(state["optimizer"])
        else:  # a checkpoint rebuilt from a bundle by warm_start
            rewarm_from = state["step"]
        step = state["step"]
    print(f"dpr: 2 x {sum(p.numel() for p in q_enc.parameters()) / 1e6:.1f}M parameters, step {step}/{cfg['steps']}",
          flush=True)
    deadline = Deadline(cfg["max_minutes"])

    def save():
        save_checkpoint(path, question_encoder=q_enc.state_dict(), ctx_encoder=c_enc.state_dict(),
                        optimizer=optimizer.state_dict(), step=step, config=config.to_dict(), stage_config=cfg)

    eval_passages = data.passages
    while step < cfg["steps"] and not deadline.passed():
        rng = step_rng(cfg["seed"], step)
        triples = []
        while len(triples) < cfg["batch_size"]:
            t = maker.sample(rng.choices(list(MIX), list(MIX.values()))[0], rng)
            if t:
                triples.append(t)
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, cfg["lr"], cfg["warmup"], cfg["steps"], rewarm_from=rewarm_from)
        q_in = q_text.batch([t[0] for t in triples])
        passages = [t[1] for t in triples] + [t[2] for t in triples]
        p_in = p_text.batch([p["title"] for p in passages], [p["text"] for p in passages])
        qv, pv = q_enc(*q_in), c_enc(*p_in)
        loss = F.cross_entropy(qv @ pv.T, torch.arange(len(triples)))
        if cfg["bow_weight"]:
            bow = bag_of_words_loss(q_enc, *q_in, qv) + bag_of_words_loss(c_enc, *p_in, pv)
            loss = loss + cfg["bow_weight"] * bow
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 2.0)
        optimizer.step()
        step += 1
        if step % 10 == 0:
            log(step=step, loss=loss.item(), lr=optimizer.param_groups[0]["lr"])
        if step % cfg["save_every"] == 0:
            save()
        if step % cfg["eval_every"] == 0 or step == cfg["steps"]:
            vectors = embed_passages(c_enc, p_text, eval_passages)
            log(step=step, **recall_at(q_enc, q_text, vectors, eval_passages, data.qa["dev"][: cfg["eval_questions"]]))
    save()
    return step >= cfg["steps"]


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
