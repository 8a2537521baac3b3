"""Fine-tunes a served bundle on your own corpus and questions (docs/FINETUNE.md).

    /usr/bin/python3 -m ragkit.finetune --bundle=demo --corpus=docs.jsonl --train=qa.jsonl --dev=dev.jsonl --out=DIR
    /usr/bin/python3 -m ragkit.finetune --bundle=demo --index=RAG_INDEX_DIR/versions/V ...  # the service's vectors
    /usr/bin/python3 -m ragkit.finetune ... --nproc=2                    # data-parallel, 2 processes over gloo
    /usr/bin/python3 -m ragkit.finetune ... --nproc=2 --device=cuda      # one GPU each, over NCCL (untested here)
    torchrun --nproc_per_node=2 -m ragkit.finetune ...                   # the same, started by torchrun

What is trained: the question encoder and the generator, jointly, with the RAG-Token (or, `--mode=sequence`,
RAG-Sequence) loss marginalized over the top-K passages retrieved with the question encoder as it is at each step
(ragkit/train/rag_loss.py, which train_rag.py shares). What stays fixed: the context encoder and the passage
vectors, embedded once from the corpus or read from an index version the service built with the same context
encoder (service_index.py). The passages are the service's (ragkit.data.passages) and the generator inputs the
bundle's own (its rag_config.json), so the new bundle serves with an index built from the same corpus.

Checkpoints, passage vectors, the log and report.json go to `checkpoint_dir` (`{out}.checkpoints` by default); a run
stopped at any point resumes there when started again with the same data (refused with other data). The new bundle
is written at the end only, beside `out` and renamed (ragkit.export), so `out` never holds half a bundle; its
manifest records the source bundle, the sha256 of the data files, the settings and dev exact match and recall
before and after."""
import os
import time

import numpy as np
import torch
import torch.distributed as dist

from ..bundle.storage import read_json, stored_as
from ..bundle.warm_start import load_bundle_models
from ..export import export_bundle, verify_manifest
from ..export.bundle_files import RAG_DEFAULTS, write_json
from ..train.common import Deadline, Log, load_checkpoint, lr_at, save_checkpoint, setup_torch
from ..train.rag_loss import MODES
from ..train.train_dpr import TextEncoder, embed_passages
from ..tokenizers import load_tokenizer
from . import inputs, processes, service_index
from .reader import Reader, build_models, encoder_max_length
from .retrieval import LocalIndex, ProcessGroupIndex, all_sum, global_batch, shard, sum_gradients

DEFAULTS = dict(
    bundle="demo",            # the bundle to start from; a relative path from the working directory, else from onnx/
    corpus="",                # documents, NDJSON {"id"?, "title", "text"} (what PUT /index takes), embedded here
    index="",                 # or: a version the service built (RAG_INDEX_DIR/versions/<version>), read, not embedded
    train="",                 # questions, NDJSON {"question", "answers": [...], "doc_id"?}
    dev="",                   # held-out questions: exact match and recall@K before and after ("" = none)
    out="",                   # the new bundle
    checkpoint_dir="",        # default {out}.checkpoints
    mode="token",             # token | sequence: RAG-Token or RAG-Sequence loss and dev decoding
    steps=1000,               # optimizer steps (the learning-rate schedule spans them)
    batch_size=8,             # questions per step, over all processes; the generator sees batch_size * K inputs
    n_docs=0,                 # K, the passages marginalized over; 0 = the bundle's rag_config.json n_docs
    lr=3e-5,                  # generator peak learning rate (Hugging Face's finetune_rag default for bart-large)
    question_encoder_lr=3e-5,
    warmup=50,
    weight_decay=0.01,
    clip=1.0,                 # gradient norm
    max_target=40,            # answer tokens, <s> and </s> included
    max_new_tokens=50,        # dev decoding: tokens generated, <s> and </s> included, as POST /answer counts them
    eval_batch=16,
    save_every=50,
    log_every=10,
    max_minutes=0.0,          # stop (and checkpoint) after this long; run again to resume. 0 = no limit
    stop_at=0,                # stop (and checkpoint) at this step while the schedule spans `steps`; 0 = steps
    seed=1,
    nproc=1,                  # data-parallel processes started here (torch.multiprocessing); 1 under torchrun
    device="cpu",             # cpu (processes over gloo) | cuda (one GPU per process, cuda:<local rank>, over NCCL)
    threads=0,                # torch threads per process; 0 = the cores shared among the processes
    bf16=False,               # the forward pass in bfloat16 autocast (weights, gradients, optimizer in float32): about
                              # 3x the steps per second on a CPU with AVX512-BF16 (onnx/EXPERIMENTS.md, rule 20)
)
ONNX_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def settle(cfg):
    """cfg with absolute paths and checked options."""
    cfg = dict(cfg)
    for key in ("train", "out"):
        if not cfg[key]:
            raise SystemExit(f"--{key} is required")
    if bool(cfg["corpus"]) == bool(cfg["index"]):
        raise SystemExit("give the passages as --corpus (a file to embed) or --index (a version the service built), "
                         "one of the two")
    if cfg["mode"] not in MODES:
        raise SystemExit(f"--mode must be one of {', '.join(MODES)}, got {cfg['mode']!r}")
    for key, low in (("steps", 1), ("batch_size", 1), ("nproc", 1), ("n_docs", 0), ("max_target", 3),
                     ("max_new_tokens", 2)):
        if cfg[key] < low:
            raise SystemExit(f"--{key} must be at least {low}, got {cfg[key]}")
    bundle = cfg["bundle"]
    if not os.path.isabs(bundle) and not os.path.isdir(bundle):
        bundle = os.path.join(ONNX_DIR, bundle)
    cfg["bundle"] = os.path.abspath(bundle)
    for key in ("corpus", "index", "train", "dev", "out", "checkpoint_dir"):
        cfg[key] = os.path.abspath(cfg[key]) if cfg[key] else ""
    cfg["checkpoint_dir"] = cfg["checkpoint_dir"] or cfg["out"].rstrip("/") + ".checkpoints"
    return cfg


def paths(cfg):
    d = cfg["checkpoint_dir"]
    return dict(state=os.path.join(d, "finetune.pt"), source=os.path.join(d, "source.pt"),
                vectors=os.path.join(d, "passage_vectors.npy"), log=os.path.join(d, "log.jsonl"),
                report=os.path.join(d, "report.json"))


def prepare(cfg):
    """Everything before training, in one process: checks the inputs (errors name the file and line), refuses a
    checkpoint made from other data, rebuilds the bundle's PyTorch models (source.pt) and embeds the passages with
    its context encoder (passage_vectors.npy), each once."""
    inputs.check_bundle(cfg["bundle"])
    if cfg["index"]:
        manifest = service_index.read_manifest(cfg["index"])
        service_index.check_encoder(cfg["index"], manifest, cfg["bundle"])
        service_index.verify(cfg["index"], manifest)
    passages = inputs.read_passages(cfg)
    doc_ids = {p["doc_id"] for p in passages}
    origin = f"the index version {cfg['index']}" if cfg["index"] else "the corpus"
    inputs.read_questions(cfg["train"], "train", doc_ids, origin)
    if cfg["dev"]:
        inputs.read_questions(cfg["dev"], "dev", doc_ids, origin)
    sums, p = inputs.checksums(cfg), paths(cfg)
    os.makedirs(cfg["checkpoint_dir"], exist_ok=True)
    state = load_checkpoint(p["state"])
    if state and state["checksums"] != sums:
        changed = sorted(k for k in sums.keys() | state["checksums"].keys() if sums.get(k) != state["checksums"].get(k))
        raise SystemExit(f"{cfg['checkpoint_dir']} holds a run on other inputs ({', '.join(changed)} differ): "
                         "give another --out or --checkpoint_dir, or delete it")
    source = load_checkpoint(p["source"])
    if not source or source["bundle_manifest"] != sums["bundle_manifest"]:
        try:
            models = load_bundle_models(cfg["bundle"])
        except Exception as err:  # whatever fails in reading it, the bundle is what the user must change
            raise SystemExit(f"--bundle: {cfg['bundle']} cannot be read by this toolchain: {err}")
        q, ctx, gen = models["question_encoder"], models["ctx_encoder"], models["generator"]
        source = dict(question_encoder=q.state_dict(), ctx_encoder=ctx.state_dict(), generator=gen.state_dict(),
                      dpr_config=q.config.to_dict(), ctx_config=ctx.config.to_dict(),
                      generator_config=gen.config.to_dict(), bundle_manifest=sums["bundle_manifest"])
        save_checkpoint(p["source"], **source)
    source_key = "index" if cfg["index"] else "corpus"
    key = {source_key: sums[source_key], "bundle_manifest": sums["bundle_manifest"]}
    stored = load_checkpoint(p["vectors"] + ".key")
    if stored != key or not os.path.exists(p["vectors"]):
        started = time.time()
        vectors = service_index.read_vectors(cfg["index"], manifest) if cfg["index"] else _embed(cfg, source, passages)
        with open(p["vectors"] + ".tmp", "wb") as f:
            np.save(f, vectors)
        os.replace(p["vectors"] + ".tmp", p["vectors"])
        save_checkpoint(p["vectors"] + ".key", **key)
        done = "read from the index" if cfg["index"] else "embedded"
        print(f"finetune: {len(passages)} passage vectors {done} in {time.time() - started:.0f} s", flush=True)
    return sums


def _embed(cfg, source, passages):
    """The passages' vectors by the bundle's context encoder, as the service's index builder embeds them."""
    _, ctx, _ = build_models(source)
    ctx = ctx.to(processes.device_of(cfg, processes.local_rank()))
    folder = os.path.join(cfg["bundle"], "ctx_encoder")
    text = TextEncoder(load_tokenizer(os.path.join(folder, "tokenizer.json")), encoder_max_length(folder, ctx.config))
    return embed_passages(ctx, text, passages)


def train(cfg, sums, rank=0, world=1):
    """The training loop of one process; rank 0 holds the index, measures, checkpoints and exports."""
    setup_torch(cfg["threads"] or max(1, (os.cpu_count() or 1) // world))
    p = paths(cfg)
    source, state = load_checkpoint(p["source"]), load_checkpoint(p["state"])
    device = processes.device_of(cfg, processes.local_rank() if processes.under_torchrun() else rank)
    q_enc, ctx, generator = build_models(source)
    q_enc, generator = q_enc.to(device), generator.to(device)
    rag_config = read_json(os.path.join(cfg["bundle"], "rag_config.json"))
    passages = inputs.read_passages(cfg)
    doc_ids = {x["doc_id"] for x in passages}
    items = inputs.read_questions(cfg["train"], "train", doc_ids)
    dev = inputs.read_questions(cfg["dev"], "dev", doc_ids) if cfg["dev"] else []
    reader = Reader(cfg["bundle"], q_enc, generator, passages, cfg["n_docs"] or rag_config["n_docs"], cfg["max_target"],
                    device)
    vectors = np.load(p["vectors"]) if rank == 0 else None
    local = LocalIndex(vectors, device) if rank == 0 else None
    index = local if world == 1 else ProcessGroupIndex(vectors, q_enc.config.output_dim, device)
    optimizer = torch.optim.AdamW([
        {"params": generator.parameters(), "lr": cfg["lr"], "peak": cfg["lr"]},
        {"params": q_enc.parameters(), "lr": cfg["question_encoder_lr"], "peak": cfg["question_encoder_lr"]},
    ], weight_decay=cfg["weight_decay"])
    step, report = 0, {"dev_before": None}
    if state:
        generator.load_state_dict(state["generator"])
        q_enc.load_state_dict(state["question_encoder"])
        optimizer.load_state_dict(state["optimizer"])
        step, report = state["step"], state["report"]
    max_new = cfg["max_new_tokens"]
    last = cfg["stop_at"] or cfg["steps"]
    if rank == 0:
        print(f"finetune: {cfg['bundle']} -> {cfg['out']} ({cfg['mode']}, K={reader.n_docs}), step {step}/{last}, "
              f"{len(passages)} passages, {len(items)} questions, {world} process(es)", flush=True)
        if dev and report["dev_before"] is None:
            report["dev_before"] = reader.evaluate(dev, local, cfg["mode"], max_new, cfg["eval_batch"])
            print(f"finetune: dev before {_figures(report['dev_before'])}", flush=True)
    log = Log(p["log"]) if rank == 0 else None
    params = list(generator.parameters()) + list(q_enc.parameters())

    def save():
        save_checkpoint(p["state"], generator=generator.state_dict(), question_encoder=q_enc.state_dict(),
                        optimizer=optimizer.state_dict(), step=step, checksums=sums, settings=cfg, report=report)

    deadline, window, window_start = Deadline(cfg["max_minutes"]), [], time.time()
    generator.train()
    q_enc.train()
    while step < last and not _stop(deadline, world):
        torch.manual_seed(cfg["seed"] * 1_000_003 + step * 1009 + rank)  # dropout: resumes replay the same masks
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, group["peak"], cfg["warmup"], cfg["steps"])
        questions, answers = global_batch(cfg, items, step)
        with torch.autocast("cuda" if cfg["device"] == "cuda" else "cpu", dtype=torch.bfloat16, enabled=cfg["bf16"]):
            total, tokens = reader.nll_sum(shard(questions, rank, world), shard(answers, rank, world), index, cfg["mode"])
        all_tokens = all_sum(tokens)
        optimizer.zero_grad()
        (total / all_tokens).backward()
        sum_gradients(params)
        torch.nn.utils.clip_grad_norm_(params, cfg["clip"])
        optimizer.step()
        step += 1
        window.append(all_sum(total.item()) / all_tokens)
        if rank == 0 and (step % cfg["log_every"] == 0 or step == last):
            rate = len(window) * cfg["batch_size"] / max(1e-9, time.time() - window_start)
            log(step=step, of=last, loss=float(np.mean(window)), questions_per_s=rate,
                eta_min=(last - step) * cfg["batch_size"] / rate / 60)
            window, window_start = [], time.time()
        if rank == 0 and step % cfg["save_every"] == 0:
            save()
    if rank == 0:
        save()
        if step >= cfg["steps"]:
            finish(cfg, sums, reader, ctx, local, dev, report, max_new, step)
            save()
        else:
            print(f"finetune: stopped at step {step}/{cfg['steps']}; run the same command again to resume", flush=True)
        write_json(p["report"], dict(report, step=step, steps=cfg["steps"], finished=step >= cfg["steps"]))
    return step


def _stop(deadline, world):
    """Whether to stop now; in data-parallel training rank 0's clock decides for every process."""
    flag = torch.tensor([int(deadline.passed())], device=processes.collective_device())
    if world > 1:
        dist.broadcast(flag, src=0)
    return bool(flag.item())


def _figures(scores):
    return ", ".join(f"{k} {v:.3f}" for k, v in scores.items())


def finish(cfg, sums, reader, ctx, local, dev, report, max_new, step):
    """Measures dev after training and exports the new bundle (whole or not at all) with its manifest."""
    if dev and report.get("dev_after") is None:
        report["dev_after"] = reader.evaluate(dev, local, cfg["mode"], max_new, cfg["eval_batch"])
        print(f"finetune: dev after {_figures(report['dev_after'])} (before: {_figures(report['dev_before'])})",
              flush=True)
    bundle = cfg["bundle"]
    manifest = read_json(os.path.join(bundle, "manifest.json"))
    rag_config = read_json(os.path.join(bundle, "rag_config.json"))
    rag_config = {k: v for k, v in rag_config.items() if k in RAG_DEFAULTS}  # the rest export_bundle writes
    generation = read_json(os.path.join(bundle, "generator", "generation_config.json"))
    settings = {k: v for k, v in cfg.items() if k not in ("nproc", "threads", "max_minutes", "stop_at")}
    training = dict(manifest.get("training") or {}, finetune=dict(
        source_bundle=bundle, source=manifest.get("source", ""), data_sha256=sums, settings=settings, steps=step,
        **{k: v for k, v in report.items() if v is not None}))
    with torch.no_grad():  # exported from the CPU whatever trained them
        export_bundle(cfg["out"], reader.q_enc.cpu(), ctx, reader.generator.cpu(),
                      {name: os.path.join(bundle, name) for name in inputs.BUNDLE_FOLDERS}, rag_config=rag_config,
                      source=f"ragkit.finetune ({cfg['mode']}, step {step}) of {manifest.get('source', bundle)}",
                      generation=generation, training=training, **stored_as(bundle))
    assert not verify_manifest(cfg["out"]), f"{cfg['out']}: the exported bundle does not match its manifest"
    print(f"finetune: exported {cfg['out']}", flush=True)


def main(cfg):
    """Runs the command; returns its report (report.json: dev before/after, step, finished), None in the processes
    torchrun started besides rank 0."""
    cfg = settle(cfg)
    processes.check_device(cfg)
    if processes.under_torchrun():
        if cfg["nproc"] != 1:
            raise SystemExit("under torchrun the processes are torchrun's: leave --nproc at 1")
        if not processes.run_under_torchrun(prepare, train, cfg):
            return None
    else:
        sums = prepare(cfg)
        if cfg["nproc"] > 1:
            processes.spawn(train, cfg, sums)
        else:
            train(cfg, sums)
    return read_json(paths(cfg)["report"])
