"""What every training stage shares: threads, resumable checkpoints, the learning-rate schedule, logging.

A stage may be stopped at any moment (a session ends, a machine is reclaimed): checkpoints are written atomically
and hold the model, the optimizer, the step and the stage config, and batches are drawn from an RNG seeded by
(seed, step), so a resumed run draws the same batches it would have drawn without the stop."""
import json
import math
import os
import random
import time

import torch


def setup_torch(threads=0):
    """Uses every core (Debian's torch starts with one thread) unless told otherwise."""
    torch.set_num_threads(threads or os.cpu_count())


def step_rng(seed, step):
    """The RNG for one step's batch: depends only on (seed, step), so resumes replay the same data."""
    return random.Random(seed * 1_000_003 + step)


def run_data_dir(cfg):
    """The dataset a run's stages train and measure on: `data_dir` when given, else `{run_dir}/data`. Kept beside the
    checkpoints because they are tied to its document splits: a stage that read another dataset (a regenerated one
    splits the documents anew) would train on the dev and test documents of its checkpoints."""
    return cfg["data_dir"] or os.path.join(os.path.expanduser(cfg["run_dir"]), "data")


def last_step(cfg):
    """The step a training stage ends at: `stop_at` when set, else the end of its schedule (`steps`)."""
    return cfg["stop_at"] or cfg["steps"]


def lr_at(step, peak, warmup, total, floor=0.1, rewarm_from=None):
    """Linear warm-up (post-LayerNorm transformers diverge without it), then cosine decay to floor * peak.
    `rewarm_from`: the step a run resumed at without optimizer state (a checkpoint rebuilt from a bundle by
    warm_start): fresh Adam moments at full rate would undo training, so the rate warms up again from there."""
    if rewarm_from is not None and step - rewarm_from < warmup:
        return lr_at(step, peak, warmup, total, floor) * (step - rewarm_from + 1) / warmup
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def save_checkpoint(path, **state):
    """Writes atomically: a stop during the write leaves the previous checkpoint intact."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path):
    return torch.load(path, map_location="cpu") if os.path.exists(path) else None


class Log:
    """Appends JSON lines to a stage's log file and echoes a compact line to stdout."""

    def __init__(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.path = path
        self.start = time.time()

    def __call__(self, **fields):
        fields["elapsed_s"] = round(time.time() - self.start, 1)
        with open(self.path, "a") as f:
            f.write(json.dumps(fields) + "\n")
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in fields.items()), flush=True)


class Deadline:
    """Stops a stage gracefully after max_minutes (0: no limit) so it can checkpoint before a session ends."""

    def __init__(self, max_minutes):
        self.end = time.time() + max_minutes * 60 if max_minutes > 0 else None

    def passed(self):
        return self.end is not None and time.time() >= self.end


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2)
    os.replace(tmp, path)


def pad_batch(seqs, pad_id, max_len=None):
    """Right-pads lists of ids into a LongTensor and its attention mask."""
    length = max(len(s) for s in seqs)
    if max_len:
        length = min(length, max_len)
    ids = torch.full((len(seqs), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), length), dtype=torch.long)
    for i, s in enumerate(seqs):
        s = s[:length]
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        mask[i, : len(s)] = 1
    return ids, mask
