"""How a bundle is stored, read from its manifests: weights float16 or not, products int8 or not, and the merged
decoder's cross-attention layout. A bundle exported again from another (fine-tuned, relaid out) is stored as its
source was, so that its context encoder stays the same bytes and the indexes the source built stay valid."""
import json
import os


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def manifest_config(bundle, folder=""):
    return read_json(os.path.join(bundle, folder, "manifest.json"))["config"]


def cross_attention_of(bundle):
    """The generator's cross-attention layout (ragkit/export/graphs.py): "per_row" unless its manifest names another."""
    return manifest_config(bundle, "generator").get("cross_attention", "per_row")


def stored_as(bundle):
    """export_bundle's float16, int8 and cross_attention options that store a bundle as `bundle` is stored. An int8
    bundle keeps its context encoder (and every weight it does not quantize) as its float source stored it."""
    return dict(float16=manifest_config(bundle, "ctx_encoder").get("weights") == "float16",
                int8=manifest_config(bundle).get("weights") == "int8", cross_attention=cross_attention_of(bundle))
