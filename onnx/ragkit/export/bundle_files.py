"""The JSON files of a model bundle besides the graphs: generation_config.json, rag_config.json and the manifests
(source, config summary, opset, created_at and the sha256 of every file, so a loader can tell a bundle is whole)."""
import datetime
import hashlib
import json
import os
import shutil

from ..rag_reference import DEFAULTS as DECODING_DEFAULTS

# DECODING.md's decoding defaults (those of facebook/rag-token-nq), as the reference decoder holds them; the token
# ids come from the generator's config instead. rag_config.json repeats these under "generation".
GENERATION_DEFAULTS = {k: v for k, v in DECODING_DEFAULTS.items() if not k.endswith("_token_id")}
RAG_DEFAULTS = dict(n_docs=5, title_sep=" / ", doc_sep=" // ", max_combined_length=300,
                    tasks={"answer": {"prefix": ""}, "jeopardy": {"prefix": ""}})
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
MANIFEST = "manifest.json"


def write_json(path, data):
    """Writes indented JSON with a final newline (files people read and diff)."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return path


def generation_config(bart_config, generation=None):
    """generation_config.json for the generator: special ids from its config.json, decoding defaults overridden
    by `generation` (keys as in HF's GenerationConfig)."""
    out = dict(decoder_start_token_id=bart_config.decoder_start_token_id, bos_token_id=bart_config.bos_token_id,
               eos_token_id=bart_config.eos_token_id, pad_token_id=bart_config.pad_token_id,
               forced_bos_token_id=bart_config.forced_bos_token_id,
               forced_eos_token_id=bart_config.forced_eos_token_id, **GENERATION_DEFAULTS)
    unknown = set(generation or {}) - set(out)
    assert not unknown, f"unknown generation settings: {sorted(unknown)}"
    out.update(generation or {})
    return out


def rag_config(overrides, generation, retrieval_dim):
    """rag_config.json: retrieval and input-joining settings, task prefixes and the generation defaults."""
    unknown = set(overrides or {}) - set(RAG_DEFAULTS)
    assert not unknown, f"unknown rag_config settings: {sorted(unknown)} (known: {sorted(RAG_DEFAULTS)})"
    out = {**RAG_DEFAULTS, **(overrides or {})}
    tasks = out["tasks"]
    assert all(isinstance(t.get("prefix"), str) for t in tasks.values()), f"every task needs a prefix: {tasks}"
    assert all(isinstance(t.get("extractive", False), bool) for t in tasks.values()), f"extractive is a bool: {tasks}"
    out.update(retrieval_vector_size=retrieval_dim, generation=generation)
    return out


def copy_tokenizer(source, folder):
    """Copies tokenizer files into folder. `source` is a folder (its tokenizer.json and, when present,
    tokenizer_config.json and special_tokens_map.json) or a list of file paths."""
    if isinstance(source, (str, os.PathLike)) and os.path.isdir(source):
        paths = [os.path.join(source, n) for n in TOKENIZER_FILES if os.path.exists(os.path.join(source, n))]
    else:
        paths = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    names = [os.path.basename(p) for p in paths]
    assert "tokenizer.json" in names, f"tokenizer files for {folder} lack tokenizer.json: {paths}"
    for path in paths:
        shutil.copyfile(path, os.path.join(folder, os.path.basename(path)))
    return names


def sha256_file(path):
    """Hex sha256 of a file, read in chunks (graphs can be gigabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(folder, source, summary, opset=None, recursive=True, training=None):
    """Writes folder/manifest.json listing the sha256 of every file under folder (sub-folders' files too when
    recursive, else their manifests only), with the source, a config summary, the opset and the time; `training`
    (what the weights were trained on, e.g. the dataset's split) when given."""
    files = {}
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        rel_root = os.path.relpath(root, folder)
        for name in sorted(names):
            rel = os.path.normpath(os.path.join(rel_root, name))
            if rel == MANIFEST or (not recursive and rel_root != "." and name != MANIFEST):
                continue
            files[rel] = sha256_file(os.path.join(root, name))
    manifest = dict(source=source, config=summary, opset=opset,
                    created_at=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    **({"training": training} if training else {}), files=files)
    return write_json(os.path.join(folder, MANIFEST), manifest)


def verify_manifest(folder):
    """Returns the files under folder whose sha256 differs from manifest.json's (empty when the folder is whole)."""
    with open(os.path.join(folder, MANIFEST), encoding="utf-8") as f:
        manifest = json.load(f)
    bad = []
    for rel, digest in manifest["files"].items():
        path = os.path.join(folder, rel)
        if not os.path.exists(path) or sha256_file(path) != digest:
            bad.append(rel)
    return bad
