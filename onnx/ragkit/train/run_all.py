"""Trains the embedded default end to end by the recipe (recipe.py), resuming wherever an earlier run stopped:

    cd onnx && /usr/bin/python3 -m ragkit.train.run_all --seed=1

Makes the dataset (`ragkit.data.make_dataset`) and the tokenizers when the run directory lacks them, runs every row
of the recipe that is not finished (a row beside the one before it runs at the same time, one core each), then
exports the bundle (`ragkit.bundle.export_demo`) and writes its report (`ragkit.eval.evaluate`). A row is finished
when its checkpoint holds its end step, or when a later generator stage has a checkpoint: a run directory rebuilt
from the committed bundle by `ragkit.bundle.warm_start` holds only the bundle's stage, and goes on from there.
`--budget_minutes` bounds one invocation: the stages running when it runs out checkpoint and stop, and the next
invocation goes on from them."""
import json
import os
import subprocess
import sys
import time

import torch

from ..overrides import parse_overrides
from .common import run_data_dir
from .recipe import RECIPE, checkpoint_name, end_step

DEFAULTS = dict(
    run_dir=os.path.expanduser("~/.cache/ragkit/runs/demo"),
    data_dir="",  # default: {run_dir}/data (common.run_data_dir), made by make_dataset when missing
    seed=1,  # each stage's seed is this plus its recipe row's seed_offset
    budget_minutes=0.0,  # 0: run every stage to its end
    export_to="demo",  # bundle folder under onnx/, written after the last stage
)


def run(module, threads=0, minutes=0.0, **overrides):
    args = [sys.executable, "-m", module] + [f"--{k}={v}" for k, v in overrides.items()]
    if minutes:
        args.append(f"--max_minutes={minutes:.1f}")
    if threads:
        args.append(f"--threads={threads}")
    print("$", " ".join(args), flush=True)
    return subprocess.Popen(args)


def wait(*procs):
    codes = [p.wait() for p in procs]
    if any(codes):
        raise SystemExit(f"a stage failed with exit codes {codes}")


def finished(run_dir, row):
    """Whether the row's checkpoint holds its end step, or a later generator stage has begun (a stage cut short is
    not resumed once its successor has started from it)."""
    later = RECIPE[RECIPE.index(row) + 1:]
    if row.model == "generator" and any(
            s.model == "generator" and os.path.exists(os.path.join(run_dir, checkpoint_name(s))) for s in later):
        return True
    path = os.path.join(run_dir, checkpoint_name(row))
    return os.path.exists(path) and torch.load(path, map_location="cpu")["step"] >= end_step(row)


def groups(rows):
    """The rows in runs: each row with the rows beside it."""
    out = []
    for row in rows:
        if row.beside_previous and out:
            out[-1].append(row)
        else:
            out.append([row])
    return out


def stage_args(row, cfg, data_dir):
    """(module, overrides) that train `row`."""
    common = dict(run_dir=cfg["run_dir"], data_dir=data_dir, seed=cfg["seed"] + row.seed_offset)
    if row.model == "generator":
        cut = dict(stop_at=row.stop_at) if row.stop_at else {}
        return "ragkit.train.train_generator", dict(common, stage=row.name, steps=row.steps, lr=row.lr,
                                                     warmup=row.warmup, bf16=row.bf16, **cut)
    if row.parent is None:  # DPR's first phase only
        return "ragkit.train.train_dpr", dict(common, steps=row.steps, mined_steps=0, lr=row.lr, warmup=row.warmup)
    first = next(s for s in RECIPE if s.name == row.parent)
    assert first.parent is None and first.warmup == row.warmup, "train_dpr runs two phases with one warm-up"
    return "ragkit.train.train_dpr", dict(common, steps=first.steps, lr=first.lr, mined_steps=row.steps,
                                          mined_lr=row.lr, warmup=row.warmup,
                                          framed_share=row.mix.get("framed", 0.0))


def main(cfg):
    start = time.time()
    run_dir, data_dir = cfg["run_dir"], run_data_dir(cfg)
    if not os.path.exists(os.path.join(data_dir, "train.jsonl")):
        wait(run("ragkit.data.make_dataset", out=data_dir, seed=cfg["seed"]))
    if not os.path.exists(os.path.join(run_dir, "tokenizers", "encoder", "tokenizer.json")):
        wait(run("ragkit.train.train_tokenizers", run_dir=run_dir, data_dir=data_dir))
    for rows in groups(RECIPE):
        todo = [row for row in rows if not finished(run_dir, row)]
        minutes = cfg["budget_minutes"] - (time.time() - start) / 60 if cfg["budget_minutes"] else 0.0
        if cfg["budget_minutes"] and minutes <= 0:
            break
        procs = []
        for row in todo:
            module, args = stage_args(row, cfg, data_dir)
            procs.append(run(module, threads=1 if len(todo) > 1 else 0, minutes=minutes, **args))
        wait(*procs)
        if not all(finished(run_dir, row) for row in rows):
            break  # stopped by the budget: the next stage must not start from an unfinished one
    if not all(finished(run_dir, row) for row in RECIPE):
        print(f"the budget ran out before the recipe's end: run again to go on from {run_dir}", flush=True)
        return False
    wait(run("ragkit.bundle.export_demo", run_dir=run_dir, out=cfg["export_to"]))
    # After the export, which replaces the bundle folder the report lives in.
    wait(run("ragkit.eval.evaluate", run_dir=run_dir, data_dir=data_dir, out=f"{cfg['export_to']}/REPORT.md"))
    with open(os.path.join(run_dir, "run_all.json"), "a") as f:
        f.write(json.dumps({"finished_at": time.time(), "minutes": (time.time() - start) / 60, **cfg}) + "\n")
    return True


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
