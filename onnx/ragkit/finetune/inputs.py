"""The fine-tuning command's inputs, checked before any training starts; every error names the file and line.

- corpus: NDJSON, one `{"id"?, "title", "text"}` per line, as `PUT /index` and `rag index build` take it; documents
  without an id are named as the service names them (src/index/passages.ts DocumentIds: the n-th document is
  `doc-n`, or `doc-n~2`, ... when the corpus uses that id itself), then split into passages by
  ragkit.data.passages, so passage ids and texts are the service's.
- or, instead of a corpus, an index version the service built (service_index.py): its passages as stored.
- questions: NDJSON, one `{"question", "answers": [...], "doc_id"?}` per line (what `rag eval` reads); `doc_id`,
  when given, must be a document of the corpus and is what recall is measured against.
- the bundle: a folder ragkit.export wrote (manifest.json whole: every file's sha256 as recorded)."""
import json
import os
import re

from ..data.passages import split_document
from ..export.bundle_files import MANIFEST, sha256_file, verify_manifest
from . import service_index

BUNDLE_FOLDERS = ("question_encoder", "ctx_encoder", "generator")
_AUTO_ID = re.compile(r"^doc-\d+(~\d+)?$")


def _lines(path, what):
    """(1-based line number, parsed JSON object) of a NDJSON file; blank lines are skipped."""
    if not os.path.isfile(path):
        raise SystemExit(f"--{what}: no such file {path}")
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as err:
                raise SystemExit(f"{path} line {number}: not valid JSON ({err})")
            if not isinstance(value, dict):
                raise SystemExit(f"{path} line {number}: a line must be a JSON object")
            yield number, value


def read_corpus(path):
    """The corpus's passages (split_document's dicts: id, doc_id, title, text), in corpus order."""
    docs = []
    for number, doc in _lines(path, "corpus"):
        unknown = set(doc) - {"id", "title", "text"}
        if unknown:
            raise SystemExit(f"{path} line {number}: unknown field {sorted(unknown)[0]!r} (allowed: id, title, text)")
        if "id" in doc and (not isinstance(doc["id"], str) or not doc["id"].strip()):
            raise SystemExit(f'{path} line {number}: "id" must be a non-empty string when given')
        if not isinstance(doc.get("title"), str) or not isinstance(doc.get("text"), str):
            raise SystemExit(f'{path} line {number}: "title" and "text" are required strings')
        docs.append((number, doc))
    reserved = {d["id"] for _, d in docs if "id" in d and _AUTO_ID.match(d["id"])}
    seen, passages = {}, []
    for position, (number, doc) in enumerate(docs, 1):
        if "id" in doc:
            if doc["id"] in seen:
                raise SystemExit(f'{path} line {number}: duplicate id "{doc["id"]}" (first on line {seen[doc["id"]]})')
            seen[doc["id"]] = number
            doc_id = doc["id"]
        else:
            doc_id, k = f"doc-{position}", 2
            while doc_id in reserved:
                doc_id, k = f"doc-{position}~{k}", k + 1
            reserved.add(doc_id)
        passages += split_document({"id": doc_id, "title": doc["title"], "text": doc["text"]})
    if not passages:
        raise SystemExit(f"{path}: the corpus has no passages (no document with words)")
    return passages


def read_passages(cfg):
    """The passages fine-tuning retrieves from: those of `--index`'s version, else `--corpus` split as the service
    splits it."""
    if not cfg["index"]:
        return read_corpus(cfg["corpus"])
    passages = service_index.read_passages(cfg["index"], service_index.read_manifest(cfg["index"]))
    if not passages:
        raise SystemExit(f"--index: {cfg['index']} holds no passages")
    return passages


def read_questions(path, what, doc_ids, source="the corpus"):
    """The question lines of a file, each checked; `doc_ids`: the document ids of `source` (the passages' origin)."""
    items = []
    for number, item in _lines(path, what):
        where = f"{path} line {number}"
        if not isinstance(item.get("question"), str) or not item["question"].strip():
            raise SystemExit(f'{where}: "question" must be a non-empty string')
        answers = item.get("answers")
        if not isinstance(answers, list) or not answers or not all(isinstance(a, str) and a.strip() for a in answers):
            raise SystemExit(f'{where}: "answers" must be a non-empty list of non-empty strings')
        if "doc_id" in item and item["doc_id"] not in doc_ids:
            raise SystemExit(f'{where}: doc_id "{item["doc_id"]}" is not a document of {source}')
        items.append(item)
    if not items:
        raise SystemExit(f"--{what}: {path} holds no questions")
    return items


def check_bundle(bundle):
    """Refuses a folder that is not a whole bundle, naming the file that is missing or damaged."""
    if not os.path.isfile(os.path.join(bundle, MANIFEST)):
        raise SystemExit(f"--bundle: {bundle} is not a model bundle (no {MANIFEST})")
    for folder in ("",) + BUNDLE_FOLDERS:
        path = os.path.join(bundle, folder)
        if not os.path.isfile(os.path.join(path, MANIFEST)):
            raise SystemExit(f"--bundle: {os.path.join(path, MANIFEST)} is missing")
        bad = verify_manifest(path)
        if bad:
            raise SystemExit(f"--bundle: {os.path.join(path, bad[0])} is missing or differs from its manifest")


def checksums(cfg):
    """sha256 of the data files and of the bundle's manifest: what a checkpoint was trained from."""
    out = {name: sha256_file(cfg[name]) for name in ("corpus", "train", "dev") if cfg[name]}
    if cfg["index"]:  # the version's manifest records the size and sha256 of each of its files
        out["index"] = sha256_file(os.path.join(cfg["index"], service_index.MANIFEST))
    out["bundle_manifest"] = sha256_file(os.path.join(cfg["bundle"], MANIFEST))
    return out
