"""Reading skill of generator checkpoints, given the gold passage (no retrieval), by question family:

    /usr/bin/python3 -m ragkit.eval.probe_reader --checkpoints=~/.cache/ragkit/runs/demo/generator_read.pt,...

Prints, per checkpoint, greedy exact match on `index-data/unseen-dev` (invented documents; the measure the generator
stages log as unseen_dev_em) split by family, and on synthetic acronym definitions made in held-out FOLDOC passages
(examples.py `acronym`, plain and disguised). Used to choose what to train next: where a family fails with the
gold passage given, retrieval cannot be the reason. `rag.pt` checkpoints are read too (their generator)."""
import collections
import os
import random

from ..models.bart import BartConfig, BartForConditionalGeneration
from ..overrides import parse_overrides
from ..synth.examples import ExampleMaker
from ..tokenizers import load_tokenizer
from ..train.common import load_checkpoint, read_jsonl, run_data_dir, setup_torch
from ..train.data import Dataset
from ..train.train_generator import DEFAULTS as GENERATOR_DEFAULTS, unseen_dev_items
from .generate import greedy_answers
from .metrics import exact_match

DEFAULTS = dict(
    checkpoints="",  # comma-separated generator_*.pt or rag.pt paths
    run_dir=os.path.expanduser("~/.cache/ragkit/runs/demo"),  # its tokenizer and data
    data_dir="",  # default: {run_dir}/data (common.run_data_dir)
    unseen_dev_dir=GENERATOR_DEFAULTS["unseen_dev_dir"],
    acronyms=96,  # synthetic acronym examples (half disguised)
    seed=7,
    threads=0,
)


def load_generator(path):
    state = load_checkpoint(os.path.expanduser(path))
    assert state, f"no checkpoint at {path}"
    model = BartForConditionalGeneration(BartConfig.from_dict(state["config"]))
    model.load_state_dict(state["model"] if "model" in state else state["generator"])
    return model.eval()


def main(cfg):
    setup_torch(cfg["threads"])
    tok = load_tokenizer(os.path.join(cfg["run_dir"], "tokenizers", "generator", "tokenizer.json"))
    maker = ExampleMaker(tok)
    data = Dataset(run_data_dir(cfg))
    items = unseen_dev_items(cfg["unseen_dev_dir"])
    families = [q["family"] for q in read_jsonl(os.path.join(cfg["unseen_dev_dir"], "questions.jsonl"))]
    held_out = [p for p in data.passages if p["doc_id"] in data.held_out_docs]
    rng, acronyms = random.Random(cfg["seed"]), []
    while len(acronyms) < cfg["acronyms"]:
        pair = maker.acronym(rng.choice(held_out), rng, disguised=len(acronyms) % 2 == 1)
        if pair:
            acronyms.append(pair)
    results = {}
    for path in [p for p in cfg["checkpoints"].split(",") if p]:
        model = load_generator(path)
        answers = greedy_answers(tok, model, [maker.qa(doc, question, "")[0] for doc, question, _ in items])
        by_family = collections.defaultdict(lambda: [0, 0])
        for family, answer, (_, _, gold) in zip(families, answers, items):
            by_family[family][0] += exact_match(answer, gold)
            by_family[family][1] += 1
        made = greedy_answers(tok, model, [src for src, _ in acronyms])
        right = [a == tok.decode(tgt).strip() for a, (_, tgt) in zip(made, acronyms)]
        results[path] = dict(unseen_dev={f: tuple(v) for f, v in sorted(by_family.items())},
                             acronyms_plain=(sum(right[0::2]), len(right[0::2])),
                             acronyms_disguised=(sum(right[1::2]), len(right[1::2])))
        total = sum(v[0] for v in by_family.values())
        print(f"{path}\n  unseen-dev {total:.0f}/{len(items)}: " +
              ", ".join(f"{f} {r:.0f}/{n}" for f, (r, n) in sorted(by_family.items())) +
              f"\n  synthetic acronyms: plain {sum(right[0::2])}/{len(right[0::2])}, "
              f"disguised {sum(right[1::2])}/{len(right[1::2])}", flush=True)
    return results


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
