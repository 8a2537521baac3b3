"""Time and memory of one fine-tuning step, per model size: the numbers in docs/FINETUNE.md.

    /usr/bin/python3 -m ragkit.finetune.measure                          # demo at batch 8, base and large at 1
    /usr/bin/python3 -m ragkit.finetune.measure --runs=demo:8,base:8 --steps=5

A run is `size:batch`. `demo` is the embedded default's models (onnx/demo, rebuilt from its graphs); `base` and
`large` are random weights of bart-base and bart-large generators with BERT-base DPR encoders (ragkit.random_bundle).
Each run is a fresh process, so its peak resident memory is its own. A step is what ragkit.finetune's step is: the
question encoder embeds the batch, the top-K passages are searched among `passages` fixed vectors, the generator
reads each question with each passage (`source_tokens` long, as a bundle's max_combined_length cuts them) and is
scored on a `target_tokens` answer with the RAG-Token loss (ragkit/train/rag_loss.py), then AdamW updates the
question encoder and the generator. Inputs are random token ids of those lengths: time depends on them, not on words.
The first step is a warm-up and is not counted; the table gives the median of the others, in wall-clock seconds
and in CPU seconds of the process (on a shared machine the wall clock also counts time other processes took the
cores; with --threads=1 the CPU seconds are about what the step takes on a free core)."""
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import torch

from ..overrides import parse_overrides
from ..train.rag_loss import doc_scores, rag_nll_sum, teacher_forced_logits, top_k

DEFAULTS = dict(
    runs="demo:8,base:1,large:1",  # size:batch; sizes demo | base | large
    steps=3,                  # measured steps after one warm-up step
    n_docs=5,                 # K (the embedded default's and facebook/rag-token-nq's n_docs)
    source_tokens=300,        # generator input per passage (their max_combined_length)
    question_tokens=16,
    target_tokens=16,         # answer tokens, <s> and </s> included
    passages=10000,           # fixed passage vectors searched each step
    threads=1,                # torch threads; 0 = every core
    device="cpu",             # cpu | cuda (peak GPU memory is then reported too; not measured here: no GPU)
    one="",                   # internal: the single run a child process measures
)
ONNX_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def models_of(size):
    """(question encoder, generator) of a size, in training mode."""
    if size == "demo":
        from ..bundle.warm_start import load_bundle_models
        models = load_bundle_models(os.path.join(ONNX_DIR, "demo"))
        q_enc, generator = models["question_encoder"], models["generator"]
    elif size in ("base", "large"):
        from ..random_bundle import build_models
        q_enc, _, generator = build_models(size, seed=0)
    else:
        raise SystemExit(f"unknown size {size!r}: demo, base or large")
    return q_enc.train(), generator.train()


def measure_one(cfg, size, batch):
    """{"seconds": [per step], "peak_rss_gb", ...} of `steps` steps after a warm-up."""
    torch.manual_seed(0)
    device = torch.device(cfg["device"])
    q_enc, generator = (m.to(device) for m in models_of(size))
    k = cfg["n_docs"]
    vectors = torch.randn(cfg["passages"], q_enc.config.output_dim, device=device)
    optimizer = torch.optim.AdamW(list(generator.parameters()) + list(q_enc.parameters()), lr=1e-5)
    params = [p for g in optimizer.param_groups for p in g["params"]]

    def ids(rows, length, vocab):
        return torch.randint(4, vocab, (rows, length), device=device)

    seconds, cpu = [], []
    for _ in range(cfg["steps"] + 1):
        started, cpu_started = time.perf_counter(), time.process_time()
        q_ids = ids(batch, cfg["question_tokens"], q_enc.config.vocab_size)
        qv = q_enc(q_ids, torch.ones_like(q_ids), torch.zeros_like(q_ids))
        docs = vectors[top_k(qv, vectors, k)]
        src = ids(batch * k, cfg["source_tokens"], generator.config.vocab_size)
        labels = ids(batch, cfg["target_tokens"], generator.config.vocab_size)
        logits = teacher_forced_logits(generator, src, torch.ones_like(src), labels, k)
        doc_logprobs = torch.log_softmax(doc_scores(qv, docs), -1)
        total, tokens = rag_nll_sum(logits, labels, torch.ones_like(labels), doc_logprobs)
        optimizer.zero_grad()
        (total / tokens).backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    out = dict(size=size, batch=batch, seconds=seconds[1:], cpu_seconds=cpu[1:],
               trained_params_m=sum(p.numel() for p in params) / 1e6,
               peak_rss_gb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)
    if device.type == "cuda":
        out["peak_gpu_gb"] = torch.cuda.max_memory_allocated() / 2**30
    return out


HEAD = ("| models | trained parameters | batch (questions) | generator rows x tokens | wall s/step | CPU s/step "
        "| questions/s (wall) | peak RSS |")


def row(r, cfg):
    """One run as a line of the table."""
    step, cpu = statistics.median(r["seconds"]), statistics.median(r["cpu_seconds"])
    gpu = f", GPU {r['peak_gpu_gb']:.1f} GB" if "peak_gpu_gb" in r else ""
    return (f"| {r['size']} | {r['trained_params_m']:.0f}M | {r['batch']} | "
            f"{r['batch'] * cfg['n_docs']} x {cfg['source_tokens']} | {step:.2f} | {cpu:.2f} | "
            f"{r['batch'] / step:.2f} | {r['peak_rss_gb']:.1f} GB{gpu} |")


def main(cfg):
    torch.set_num_threads(cfg["threads"] or os.cpu_count())
    if cfg["one"]:
        size, batch = cfg["one"].split(":")
        print(json.dumps(measure_one(cfg, size, int(batch))), flush=True)
        return None
    print(f"{cfg['steps']} steps after one warm-up, K={cfg['n_docs']}, {cfg['question_tokens']}-token questions, "
          f"{cfg['target_tokens']}-token answers, {cfg['passages']} passages, {torch.get_num_threads()} threads, "
          f"{cfg['device']}, torch {torch.__version__}\n\n{HEAD}\n|" + "---|" * (HEAD.count(" | ") + 1), flush=True)
    rows = []
    for run in cfg["runs"].split(","):  # each run printed when measured: a long one stopped keeps the others
        size, _, batch = run.partition(":")
        args = [f"--{k}={v}" for k, v in cfg.items() if k not in ("runs", "one")] + [f"--one={size}:{batch or 8}"]
        done = subprocess.run([sys.executable, "-m", "ragkit.finetune.measure", *args], cwd=ONNX_DIR,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"measuring {run} failed:\n{done.stderr[-2000:]}")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(row(rows[-1], cfg), flush=True)
    return rows


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
