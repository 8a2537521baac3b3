"""`ragkit.finetune --index=VERSION`: the passages and vectors of an index version the service built are read, not
embedded again, and give the steps the corpus gives; a version another context encoder embedded, a damaged one,
and questions about documents it deleted are refused before training. The versions here are written in the
service's layout (docs/INDEX-STORE.md) with Python's faiss; test/cli/finetune-serve.test.ts reads one the service
itself built."""
import json
import os

import faiss
import numpy as np
import pytest

from ragkit.export.bundle_files import sha256_file
from ragkit.finetune import inputs
from test_finetune import logged, run, setup, write_jsonl  # noqa: F401 (setup is a fixture)

FILES = ("index.faiss", "passages.jsonl", "passages.offsets")


def write_segment(folder, passages, vectors):
    """index.faiss, passages.jsonl and passages.offsets as the service writes them; returns their checksums."""
    os.makedirs(folder, exist_ok=True)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(index, os.path.join(folder, "index.faiss"))
    lines = [(json.dumps({k: p[k] for k in ("id", "doc_id", "title", "text")}) + "\n").encode() for p in passages]
    with open(os.path.join(folder, "passages.jsonl"), "wb") as f:
        f.write(b"".join(lines))
    offsets = np.cumsum([0] + [len(line) for line in lines]).astype("<u8")
    offsets.tofile(os.path.join(folder, "passages.offsets"))
    return {name: {"bytes": os.path.getsize(os.path.join(folder, name)),
                   "sha256": sha256_file(os.path.join(folder, name))} for name in FILES}


def manifest(version, bundle, passages, **extra):
    return dict(version=version, documents=len({p["doc_id"] for p in passages}), passages=len(passages),
                dimension=32, index_type="IndexFlatIP", built_at="2026-01-01T00:00:00Z", model="tiny",
                ctx_encoder_sha256=sha256_file(os.path.join(bundle, "ctx_encoder", "model.onnx")), **extra)


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f)


@pytest.fixture(scope="module")
def version(setup, tmp_path_factory):  # noqa: F811
    """A self-contained version of the test corpus, its vectors those the corpus run embedded."""
    out = tmp_path_factory.mktemp("corpus-run") / "tuned"
    run(setup, out, steps=4, stop_at=3)
    passages = inputs.read_corpus(setup["corpus"])
    vectors = np.load(str(out) + ".checkpoints/passage_vectors.npy")
    folder = str(tmp_path_factory.mktemp("store") / "versions" / "v1")
    files = write_segment(folder, passages, vectors)
    write_json(os.path.join(folder, "manifest.json"), manifest("v1", setup["bundle"], passages, files=files))
    return dict(dir=folder, corpus_run=out, passages=passages, vectors=vectors)


def test_an_index_version_gives_the_steps_its_corpus_gives(setup, version, tmp_path):  # noqa: F811
    out = tmp_path / "tuned"
    run(setup, out, corpus="", index=version["dir"], steps=4, stop_at=3)
    assert logged(out) == pytest.approx(logged(version["corpus_run"]), abs=1e-6)
    state = np.load(str(out) + ".checkpoints/passage_vectors.npy")
    assert np.array_equal(state, version["vectors"]), "the vectors are the version's, read back from index.faiss"


def test_a_version_another_context_encoder_embedded_is_refused(setup, version, tmp_path):  # noqa: F811
    other = tmp_path / "v2"
    other.mkdir()
    for name in FILES:
        (other / name).write_bytes(open(os.path.join(version["dir"], name), "rb").read())
    m = json.load(open(os.path.join(version["dir"], "manifest.json")))
    write_json(other / "manifest.json",
               dict(m, version="v2", model="other-bundle@0123456789ab", ctx_encoder_sha256="f" * 64))
    with pytest.raises(SystemExit, match=r"--index: .*v2: embedded by the context encoder of other-bundle@0123456789ab "
                                         r"\(ffffffffffff\), not by .*'s \([0-9a-f]{12}\)"):
        run(setup, tmp_path / "out", corpus="", index=str(other))
    assert not os.path.exists(tmp_path / "out.checkpoints" / "finetune.pt")


def test_a_damaged_version_is_named(setup, version, tmp_path):  # noqa: F811
    damaged = tmp_path / "v3"
    damaged.mkdir()
    for name in FILES + ("manifest.json",):
        (damaged / name).write_bytes(open(os.path.join(version["dir"], name), "rb").read())
    with open(damaged / "index.faiss", "r+b") as f:
        f.seek(-4, 2)
        f.write(b"\x00\x00\x80\x7f")
    with pytest.raises(SystemExit, match=r"v3/index.faiss differs from the size and sha256 its manifest records"):
        run(setup, tmp_path / "out", corpus="", index=str(damaged))
    with pytest.raises(SystemExit, match=r"no manifest.json: give a version folder"):
        run(setup, tmp_path / "out", corpus="", index=str(tmp_path))


def test_a_version_of_segments_serves_its_live_rows_only(setup, version, tmp_path):  # noqa: F811
    passages, vectors = version["passages"], version["vectors"]
    half = len(passages) // 2
    refs = []
    for name, rows in (("s1", slice(0, half)), ("s2", slice(half, None))):
        files = write_segment(str(tmp_path / "segments" / name), passages[rows], vectors[rows])
        part = passages[rows]
        refs.append(dict(name=name, passages=len(part), documents=len({p["doc_id"] for p in part}),
                         index_type="IndexFlatIP", files=files, deleted=[]))
    gone = passages[0]["doc_id"]
    refs[0]["deleted"] = [gone]
    live = [p for p in passages if p["doc_id"] != gone]
    folder = tmp_path / "versions" / "v4"
    folder.mkdir(parents=True)
    write_json(folder / "manifest.json", manifest("v4", setup["bundle"], live, segments=refs))
    cfg = dict(corpus="", index=str(folder))
    assert inputs.read_passages(cfg) == live
    out = tmp_path / "tuned"
    questions = [q for q in map(json.loads, open(setup["train"])) if q["doc_id"] != gone]
    train = write_jsonl(tmp_path / "train.jsonl", questions)
    run(setup, out, corpus="", index=str(folder), train=train, steps=2)
    kept = [i for i, p in enumerate(passages) if p["doc_id"] != gone]
    assert np.array_equal(np.load(str(out) + ".checkpoints/passage_vectors.npy"), vectors[kept])
    with pytest.raises(SystemExit, match=rf'line 1: doc_id "{gone}" is not a document of the index version'):
        run(setup, tmp_path / "out2", corpus="", index=str(folder))


def test_passages_come_from_one_source(setup, version, tmp_path):  # noqa: F811
    with pytest.raises(SystemExit, match="--corpus .* or --index .*, one of the two"):
        run(setup, tmp_path / "out", index=version["dir"])
