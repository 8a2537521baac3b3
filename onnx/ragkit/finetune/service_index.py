"""An index version the service built (`RAG_INDEX_DIR/versions/<version>`, docs/INDEX-STORE.md) as fine-tuning's
fixed passages and vectors, read instead of embedding a corpus again.

A version is self-contained (index.faiss, passages.jsonl, passages.offsets and manifest.json in its own folder) or,
after document changes, a manifest listing segments under `RAG_INDEX_DIR/segments/<name>/`, each with tombstones
(ids of its documents deleted or replaced later). Its live rows, in segment order, are the passages; FAISS labels
follow passages.jsonl's rows, so a row's vector is read back from index.faiss by its label.

The vectors are only comparable with questions the same bundle's question encoder embeds if the version was
embedded by that bundle's context encoder: the manifest's `ctx_encoder_sha256` is the sha256 of the
`ctx_encoder/model.onnx` that embedded it (src/index/index-builder.ts), checked here against the bundle's."""
import json
import os

import numpy as np

from ..export.bundle_files import sha256_file

MANIFEST = "manifest.json"
INDEX_FILE, PASSAGES_FILE = "index.faiss", "passages.jsonl"
DAMAGED = "DAMAGED"


def _fail(version_dir, message):
    raise SystemExit(f"--index: {version_dir}: {message}")


def read_manifest(version_dir):
    """The version's manifest, checked for what reading it needs; errors name the file."""
    path = os.path.join(version_dir, MANIFEST)
    if not os.path.isfile(path):
        _fail(version_dir, f"no {MANIFEST}: give a version folder of the service's index "
              "(RAG_INDEX_DIR/versions/<version>)")
    if os.path.exists(os.path.join(version_dir, DAMAGED)):
        _fail(version_dir, f"the service marked this version damaged (see {os.path.join(version_dir, DAMAGED)})")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, json.JSONDecodeError) as err:
        _fail(version_dir, f"{MANIFEST} cannot be read: {err}")
    for key in ("version", "ctx_encoder_sha256", "model", "dimension"):
        if key not in manifest:
            _fail(version_dir, f'{MANIFEST} has no "{key}"')
    return manifest


def check_encoder(version_dir, manifest, bundle):
    """Refuses a version that another context encoder than the bundle's embedded."""
    have = sha256_file(os.path.join(bundle, "ctx_encoder", "model.onnx"))
    if manifest["ctx_encoder_sha256"] != have:
        _fail(version_dir, f"embedded by the context encoder of {manifest['model']} "
              f"({manifest['ctx_encoder_sha256'][:12]}), not by {bundle}'s ({have[:12]}): vectors of another "
              "encoder do not match this bundle's questions; give --corpus to embed the passages with this bundle, "
              "or a version the service built while serving it")


def segments(version_dir, manifest):
    """[(folder, files {name: {bytes, sha256}} or None, deleted document ids)] of the version, oldest first."""
    if "segments" not in manifest:
        return [(version_dir, manifest.get("files"), set())]
    root = os.path.dirname(os.path.dirname(os.path.abspath(version_dir)))  # RAG_INDEX_DIR, above versions/<version>
    return [(os.path.join(root, "segments", s["name"]), s["files"], set(s["deleted"])) for s in manifest["segments"]]


def verify(version_dir, manifest):
    """Checks every file of every segment against the sizes and sha256 the manifest records (none recorded: a
    version built before checksums, read as it is, as the service reads it)."""
    for folder, files, _ in segments(version_dir, manifest):
        for name in (INDEX_FILE, PASSAGES_FILE):
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                _fail(version_dir, f"{path} is missing")
            want = (files or {}).get(name)
            if want and (os.path.getsize(path) != want["bytes"] or sha256_file(path) != want["sha256"]):
                _fail(version_dir, f"{path} differs from the size and sha256 its manifest records (damaged)")


def _rows(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_passages(version_dir, manifest):
    """The live passages ({id, doc_id, title, text}) in row order over the segments."""
    out = []
    for folder, _, deleted in segments(version_dir, manifest):
        rows = _rows(os.path.join(folder, PASSAGES_FILE))
        out += [{k: row[k] for k in ("id", "doc_id", "title", "text")} for row in rows if row["doc_id"] not in deleted]
    return out


def read_vectors(version_dir, manifest):
    """The live rows' vectors [N, D] float32, read back from each segment's FAISS index (flat or HNSW)."""
    import faiss  # Debian's python3-faiss, which scripts/install-system-deps.sh installs; only this path needs it

    parts = []
    for folder, _, deleted in segments(version_dir, manifest):
        rows = _rows(os.path.join(folder, PASSAGES_FILE))
        index = faiss.read_index(os.path.join(folder, INDEX_FILE))
        if index.ntotal != len(rows) or index.d != manifest["dimension"]:
            _fail(version_dir, f"{os.path.join(folder, INDEX_FILE)} holds {index.ntotal} vectors of {index.d} "
                  f"dimensions; its passages are {len(rows)} and the manifest says {manifest['dimension']} (damaged)")
        vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), np.float32)
        parts.append(vectors[[i for i, row in enumerate(rows) if row["doc_id"] not in deleted]])
    return np.concatenate(parts).astype(np.float32)
