"""Converts Hugging Face checkpoints (local folders downloaded from the hub) into a model bundle.

    /usr/bin/python3 -m ragkit.convert --rag=rag-token-nq --ctx_encoder=dpr-ctx_encoder-single-nq-base --out=DIR
    /usr/bin/python3 -m ragkit.convert --question_encoder=Q --ctx_encoder=C --bart=bart-large --out=DIR

Reads (weights as model.safetensors or pytorch_model.bin, F32/F16/BF16):
- facebook/rag-token-nq, facebook/rag-sequence-nq: config.json of model_type "rag" with `question_encoder` and
  `generator` sub-configs; weights `rag.question_encoder.question_encoder.bert_model.*` and `rag.generator.*`;
  tokenizers in `question_encoder_tokenizer/` (vocab.txt) and `generator_tokenizer/` (vocab.json + merges.txt).
- facebook/dpr-ctx_encoder-single-nq-base / dpr-question_encoder-*: weights `ctx_encoder.bert_model.*` (or
  `question_encoder.…`), vocab.txt.
- facebook/bart-large (or any BART): weights with or without the `model.` prefix, vocab.json + merges.txt.
A folder that already holds tokenizer.json has it copied as is. --bart replaces the RAG checkpoint's generator.
--int8=true writes int8 graphs for the question encoder and the generator (ragkit/export/int8.py).
--cross_attention=per_document writes the merged decoder in the per-document layout (ragkit/export/graphs.py).
"""
import json
import os
import tempfile

import torch

from .export import export_bundle
from .export.bundle_files import GENERATION_DEFAULTS
from .models import (BartConfig, BartForConditionalGeneration, DprConfig, DprEncoder, clean_dpr_state_dict,
                     load_weights, read_config_json, tie_bart_weights)
from .overrides import parse_overrides
from .tokenizers import convert_bart_vocab, convert_bert_vocab

DEFAULTS = dict(
    rag="",               # a RAG checkpoint folder (question encoder + generator)
    question_encoder="",  # a DPR question encoder folder (instead of the RAG one)
    ctx_encoder="",       # a DPR context encoder folder: embeds the passages of the index
    bart="",              # a BART folder (instead of the RAG generator)
    out="",               # the bundle folder to write
    source="",            # recorded in the manifests; defaults to the input folders' names
    int8=False,           # quantize the question encoder and the generator (ragkit/export/int8.py)
    cross_attention="per_row",  # per_row (Optimum's) | per_document: the beams share each document's keys/values
)
# generation settings a checkpoint's config may carry that our engine implements (DECODING.md)
GENERATION_KEYS = tuple(GENERATION_DEFAULTS)
RAG_KEYS = ("n_docs", "title_sep", "doc_sep", "max_combined_length")


def split_prefix(state, prefix):
    """The entries of state under prefix, with the prefix removed."""
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def build_dpr(config, state, kind, where):
    """A DprEncoder of `kind` from a HF config dict and state dict (legacy entries dropped, prefix added if bare)."""
    encoder = DprEncoder(DprConfig.from_dict(config), kind)
    state = clean_dpr_state_dict(state)
    if not any(k.startswith(encoder.prefix + ".") for k in state):
        state = {f"{encoder.prefix}.{k}": v for k, v in state.items()}  # a DPREncoder saved on its own
    missing, unexpected = encoder.load_state_dict(state, strict=False)
    assert not missing and not unexpected, f"{where}: weights do not fit a DPR {kind} encoder: " \
                                           f"missing {missing[:5]}, unexpected {unexpected[:5]}"
    return encoder.eval()


def build_bart(config, state, where):
    """A BartForConditionalGeneration from a HF config dict and state dict (BartModel checkpoints lack `model.`)."""
    if not any(k.startswith("model.") for k in state):
        state = {(k if k in ("final_logits_bias", "lm_head.weight") else "model." + k): v for k, v in state.items()}
    model = BartForConditionalGeneration(BartConfig.from_dict(config))
    missing, unexpected = model.load_state_dict(tie_bart_weights(state), strict=False)
    assert not missing and not unexpected, f"{where}: weights do not fit BART: missing {missing[:5]}, " \
                                           f"unexpected {unexpected[:5]}"
    return model.eval()


def read_tokenizer_config(folder):
    path = os.path.join(folder, "tokenizer_config.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def tokenizer_folder(folder, work_dir, name):
    """A folder with tokenizer.json for the checkpoint folder's tokenizer (converted from vocab files if needed)."""
    if os.path.exists(os.path.join(folder, "tokenizer.json")):
        return folder
    out = os.path.join(work_dir, name)
    if os.path.exists(os.path.join(folder, "vocab.txt")):
        lower = read_tokenizer_config(folder).get("do_lower_case", True)  # DPR and RAG checkpoints are uncased
        convert_bert_vocab(os.path.join(folder, "vocab.txt"), out, do_lower_case=lower)
    elif os.path.exists(os.path.join(folder, "vocab.json")) and os.path.exists(os.path.join(folder, "merges.txt")):
        convert_bart_vocab(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"), out)
    else:
        raise SystemExit(f"{folder}: no tokenizer.json, vocab.txt or vocab.json + merges.txt")
    return out


def load_rag(folder):
    """(question encoder, generator, rag config dict) from a RAG checkpoint folder."""
    config = read_config_json(folder)
    assert config.get("model_type") == "rag", f"{folder}: config.json has model_type {config.get('model_type')!r}"
    state = load_weights(folder)
    q_state, g_state = split_prefix(state, "rag.question_encoder."), split_prefix(state, "rag.generator.")
    other = [k for k in state if not k.startswith(("rag.question_encoder.", "rag.generator.", "rag.ctx_encoder."))]
    assert q_state and g_state and not other, f"{folder}: not a RAG state dict (unexpected keys {other[:5]})"
    question = build_dpr(config["question_encoder"], q_state, "question", folder)
    generator = build_bart(config["generator"], g_state, folder)
    return question, generator, config


def generation_settings(*configs):
    """The generation settings found in the configs (later ones win) that the engine implements."""
    out = {}
    for config in configs:
        out.update({k: config[k] for k in GENERATION_KEYS if config.get(k) is not None})
    return out


def convert(cfg):
    """Builds the three models from the folders in cfg and exports the bundle; returns its path."""
    assert cfg["out"], "--out=DIR is required"
    question = generator = None
    gen_configs, rag_settings, sources = [], {}, []
    tokenizers = {}
    with tempfile.TemporaryDirectory() as work:
        if cfg["rag"]:
            question, generator, rag = load_rag(cfg["rag"])
            rag_settings = {k: rag[k] for k in RAG_KEYS if k in rag}
            gen_configs += [rag["generator"], rag]
            tokenizers["question_encoder"] = tokenizer_folder(
                os.path.join(cfg["rag"], "question_encoder_tokenizer"), work, "q")
            tokenizers["generator"] = tokenizer_folder(os.path.join(cfg["rag"], "generator_tokenizer"), work, "g")
            sources.append(os.path.basename(os.path.normpath(cfg["rag"])))
        if cfg["question_encoder"]:
            folder = cfg["question_encoder"]
            question = build_dpr(read_config_json(folder), load_weights(folder), "question", folder)
            tokenizers["question_encoder"] = tokenizer_folder(folder, work, "q")
            sources.append(os.path.basename(os.path.normpath(folder)))
        if cfg["bart"]:
            folder = cfg["bart"]
            config = read_config_json(folder)
            generator = build_bart(config, load_weights(folder), folder)
            gen_configs = [config]
            tokenizers["generator"] = tokenizer_folder(folder, work, "g")
            sources.append(os.path.basename(os.path.normpath(folder)))
        assert question is not None, "no question encoder: pass --rag=DIR or --question_encoder=DIR"
        assert generator is not None, "no generator: pass --rag=DIR or --bart=DIR"
        assert cfg["ctx_encoder"], "a bundle embeds passages with a context encoder: pass --ctx_encoder=DIR " \
                                   "(facebook/dpr-ctx_encoder-single-nq-base for the RAG checkpoints)"
        folder = cfg["ctx_encoder"]
        ctx = build_dpr(read_config_json(folder), load_weights(folder), "ctx", folder)
        tokenizers["ctx_encoder"] = tokenizer_folder(folder, work, "c")
        sources.append(os.path.basename(os.path.normpath(folder)))
        with torch.no_grad():
            return export_bundle(cfg["out"], question, ctx, generator, tokenizers, rag_settings,
                                 source=cfg["source"] or " + ".join(sources),
                                 generation=generation_settings(*gen_configs), int8=cfg["int8"],
                                 cross_attention=cfg["cross_attention"])


if __name__ == "__main__":
    print(f"bundle written to {convert(parse_overrides(DEFAULTS))}")
