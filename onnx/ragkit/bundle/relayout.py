"""Writes a copy of a bundle whose generator's merged decoder has another cross-attention layout
(ragkit/export/graphs.py), e.g. the embedded default with the beams sharing each document's keys and values:

    cd onnx && /usr/bin/python3 -m ragkit.bundle.relayout --bundle=demo --out=build/demo-per-document

The PyTorch models are rebuilt from the bundle's graphs (warm_start.load_bundle_models, which checks the round trip)
and exported again by export_bundle: the same weights, configs, tokenizers, storage (float16, int8) and manifest
source and training record, as ragkit.finetune exports. Files export_bundle does not write (the demo's REPORT.md)
are not copied."""
import os

import torch

from ..export import export_bundle, verify_manifest
from ..export.bundle_files import RAG_DEFAULTS
from ..export.graphs import CROSS_ATTENTION
from ..overrides import parse_overrides
from .storage import read_json, stored_as
from .warm_start import load_bundle_models

DEFAULTS = dict(
    bundle="demo",                      # the bundle to copy (relative to onnx/ or absolute), in either layout
    out="build/demo-per-document",      # where the copy goes (relative to onnx/ or absolute); replaced
    cross_attention="per_document",     # the copy's layout: per_row | per_document
)
ONNX_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def relayout(bundle, out, cross_attention):
    """Exports bundle's models again into out with the given cross-attention layout; returns out."""
    assert cross_attention in CROSS_ATTENTION, f"cross_attention must be one of {CROSS_ATTENTION}"
    manifest = read_json(os.path.join(bundle, "manifest.json"))
    models = load_bundle_models(bundle)
    rag_config = {k: v for k, v in read_json(os.path.join(bundle, "rag_config.json")).items() if k in RAG_DEFAULTS}
    with torch.no_grad():
        export_bundle(out, models["question_encoder"], models["ctx_encoder"], models["generator"],
                      {name: os.path.join(bundle, name) for name in ("question_encoder", "ctx_encoder", "generator")},
                      rag_config=rag_config, source=manifest.get("source", ""),
                      generation=read_json(os.path.join(bundle, "generator", "generation_config.json")),
                      training=manifest.get("training"), **dict(stored_as(bundle), cross_attention=cross_attention))
    assert not verify_manifest(out), f"{out}: the exported bundle does not match its manifest"
    return out


def main(cfg):
    bundle, out = (p if os.path.isabs(p) else os.path.join(ONNX_DIR, p) for p in (cfg["bundle"], cfg["out"]))
    print(f"{relayout(bundle, out, cfg['cross_attention'])}: {cfg['bundle']} with {cfg['cross_attention']} cross-attention")


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
