"""Exports the trained embedded default as the service's bundle (`onnx/demo` by default).

    /usr/bin/python3 -m ragkit.bundle.export_demo

Takes the newest stage available: the jointly trained generator and question encoder of `rag.pt`, else the
generator of the furthest generator stage of the recipe (train_generator.NEWEST_FIRST: `generator_styles.pt`, ...)
with the encoders of `dpr.pt`; the context encoder always comes from `dpr.pt` (RAG training keeps it and the index
fixed)."""
import os

import torch

from ..export import export_bundle
from ..models.bart import BartConfig, BartForConditionalGeneration
from ..models.dpr import DprConfig, DprEncoder
from ..overrides import parse_overrides
from ..synth.examples import TASKS
from ..train.common import load_checkpoint, run_data_dir
from ..train.train_generator import newest_generator
from . import provenance

DEFAULTS = dict(
    run_dir=os.path.expanduser("~/.cache/ragkit/runs/demo"),
    data_dir="",  # the dataset the run trained on, whose held-out documents the bundle records; default {run_dir}/data
    out="demo",  # relative to onnx/
    float16=True,  # weights stored as float16, computed in float32 (ragkit/export/float16.py): half the bundle's size
    int8=False,  # the question encoder's and generator's products in int8 (ragkit/export/int8.py); warm_start reads it
    cross_attention="per_row",  # per_row (Optimum's) | per_document: the beams share each document's keys/values
)


def load_models(run_dir):
    """(question encoder, ctx encoder, generator, description of the stages they come from)."""
    dpr = load_checkpoint(os.path.join(run_dir, "dpr.pt"))
    assert dpr, f"no dpr.pt in {run_dir}: train the encoders first"
    config = DprConfig.from_dict(dpr["config"])
    question, ctx = DprEncoder(config, "question"), DprEncoder(config, "ctx")
    question.load_state_dict(dpr["question_encoder"])
    ctx.load_state_dict(dpr["ctx_encoder"])
    stages = [f"dpr step {dpr['step']}"]
    rag = load_checkpoint(os.path.join(run_dir, "rag.pt"))
    if rag:
        gen_state, gen_config = rag["generator"], rag["config"]
        question.load_state_dict(rag["question_encoder"])
        stages.append(f"rag step {rag['step']}")
    else:
        stage, state = newest_generator(run_dir)
        if not state:
            raise SystemExit(f"no generator checkpoint in {run_dir}")
        gen_state, gen_config = state["model"], state["config"]
        stages.append(f"generator {stage} step {state['step']}")
    gen_config = dict(gen_config, forced_bos_token_id=0)  # trained on targets that start with <s>
    generator = BartForConditionalGeneration(BartConfig.from_dict(gen_config))
    generator.load_state_dict(gen_state)
    return question, ctx, generator, ", ".join(stages)


def main(cfg):
    question, ctx, generator, stages = load_models(cfg["run_dir"])
    tokenizers = os.path.join(cfg["run_dir"], "tokenizers")
    out = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), cfg["out"])
    data_dir = run_data_dir(cfg)
    training = dict(split_sha256=provenance.held_out_split(cfg["run_dir"], data_dir))
    if provenance.warning(cfg["run_dir"], data_dir):
        training["note"] = provenance.warning(cfg["run_dir"], data_dir)
        print(f"WARNING: {training['note']}")
    with torch.no_grad():
        export_bundle(out, question, ctx, generator,
                      {"question_encoder": os.path.join(tokenizers, "encoder"),
                       "ctx_encoder": os.path.join(tokenizers, "encoder"),
                       "generator": os.path.join(tokenizers, "generator")},
                      rag_config={"tasks": TASKS},
                      source=f"ragkit embedded default trained on FOLDOC ({stages})", float16=cfg["float16"],
                      training=training, int8=cfg["int8"], cross_attention=cfg["cross_attention"])
    print(f"exported {stages} to {out}")


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
