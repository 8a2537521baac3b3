"""Build the training data for the embedded default model from FOLDOC, in one deterministic run (under a minute).

    cd onnx && /usr/bin/python3 -m ragkit.data.make_dataset --seed=1          # writes <repo>/onnx/build/data

Writes, in `out`:
- passages.jsonl           {"id", "doc_id", "title", "text"}: every document cut by the rule of ragkit.data.passages
- train/dev/test.jsonl     {"id", "question", "answers", "doc_id", "passage_id", "family"}
- jeopardy_{train,dev,test}.jsonl  {"id", "answer", "clue", "doc_id", "passage_id"}
- swap_a.jsonl, swap_b.jsonl       50 held-out documents (test first, then dev) as they are, and with their facts
                           edited consistently (hot-swap experiment)
- swap_questions.jsonl     {"id", "question", "answer_a", "answer_b", "doc_id", "passage_id", "family", "split"}
- stats.json               counts per family and split, and the sha256 naming the split (`split_sha256`)
Splits are by document (ragkit.data.splits): dev and test items come from documents no training item used. The
held-out documents are the committed `index-data/demo/splits.json`, not drawn again, so that every machine trains on
the same documents; the seed still chooses templates and swap edits.
"""
import json
import os
import time
from collections import Counter

from ragkit.data import jeopardy, splits
from ragkit.data.foldoc import parse_foldoc, write_jsonl
from ragkit.data.passages import split_corpus
from ragkit.data.questions import FAMILIES, corpus_facts, make_items
from ragkit.data.swap import make_swap
from ragkit.overrides import parse_overrides

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DEFAULTS = {
    "out": os.path.join(_REPO, "onnx", "build", "data"),  # output folder (created)
    "dict": "/usr/share/dictd/foldoc.dict.dz",  # Debian dict-foldoc
    "index": "/usr/share/dictd/foldoc.index",
    "seed": 1,  # split shuffle, template choice and swap edits
    "dev_fraction": 0.05,  # of the documents, separately for those with and without questions
    "test_fraction": 0.05,
    "train_phrasings": 2,  # questions per training fact (distinct templates); dev and test get one
    "acronym_phrasings": 1,  # acronyms are the most common family: one question each keeps the families balanced
    "swap_docs": 50,  # held-out documents in the hot-swap corpora (test, then dev when test has too few)
    "split_from": "",  # an earlier output folder: keep its document splits (safe to regenerate during training)
    # The committed held-out documents (dev and test; every other document is train), so that a run on any machine
    # holds out the same documents as the committed bundle. Empty: drawn anew by `seed`.
    "splits": os.path.join(_REPO, "index-data", "demo", "splits.json"),
    "write_splits": "",  # a path: also write the split used there (how `splits` was made: see index-data/demo)
}

SPLIT_NOTE = ("Held-out FOLDOC documents of the embedded default's dataset (ragkit.data.make_dataset): dev and test; "
              "every other document is train. Drawn by `make_dataset --splits= --seed={seed} --write_splits=...`.")


def build(config):
    """Runs the whole pipeline without writing anything; returns {file name: rows} (stats.json as a dict) and
    "split_of", {doc_id: split}."""
    docs = parse_foldoc(config["dict"], config["index"])
    passages = split_corpus(docs)
    passages_by_id = {p["id"]: p for p in passages}
    facts = corpus_facts(docs)
    fractions = (1 - config["dev_fraction"] - config["test_fraction"], config["dev_fraction"], config["test_fraction"])
    if config["split_from"]:
        split_of = splits.keep_existing(splits.read_existing(config["split_from"]), [d["id"] for d in docs])
    elif config["splits"]:
        split_of = splits.read_split_file(config["splits"], [d["id"] for d in docs])
    else:
        split_of = splits.assign_corpus(facts.keys(), [d["id"] for d in docs], config["seed"], fractions)

    out = {f"{s}.jsonl": [] for s in splits.SPLITS}
    out.update({f"jeopardy_{s}.jsonl": [] for s in splits.SPLITS})
    for doc_id in sorted(facts):
        split = split_of[doc_id]
        phrasings = {"acronym": config["acronym_phrasings"]} if split == "train" else {}
        default = config["train_phrasings"] if split == "train" else 1
        out[f"{split}.jsonl"] += make_items(doc_id, facts[doc_id], passages_by_id, config["seed"], default, phrasings)
    for pair in jeopardy.make_pairs(docs):
        out[f"jeopardy_{split_of[pair['doc_id']]}.jsonl"].append(pair)

    docs_by_id = {d["id"]: d for d in docs}
    swap_a, swap_b, swap_q = make_swap(docs_by_id, facts, split_of, config["seed"], config["swap_docs"])
    out.update({"passages.jsonl": passages, "swap_a.jsonl": swap_a, "swap_b.jsonl": swap_b,
                "swap_questions.jsonl": swap_q})
    out["stats.json"] = _stats(docs, passages, out, split_of)
    out["split_of"] = split_of
    return out


def _stats(docs, passages, out, split_of):
    stats = {"documents": len(docs), "words": sum(len(d["text"].split()) for d in docs), "passages": len(passages),
             "documents_per_split": dict(sorted(Counter(split_of.values()).items())), "split_sha256": splits.held_out_digest(split_of),
             "questions": {}, "jeopardy": {}}
    for split in splits.SPLITS:
        counts = Counter(item["family"] for item in out[f"{split}.jsonl"])
        stats["questions"][split] = {f: counts.get(f, 0) for f in FAMILIES}
        stats["questions"][split]["total"] = sum(counts.values())
        stats["questions"][split]["documents"] = len({i["doc_id"] for i in out[f"{split}.jsonl"]})
        stats["jeopardy"][split] = len(out[f"jeopardy_{split}.jsonl"])
    stats["swap"] = {"documents": len(out["swap_a.jsonl"]), "questions": len(out["swap_questions.jsonl"])}
    return stats


def main():
    """Command line: build everything and write it to `out`."""
    config = parse_overrides(DEFAULTS)
    started = time.time()
    out = build(config)
    split_of = out.pop("split_of")
    if config["write_splits"]:
        splits.write_split_file(config["write_splits"], split_of, note=SPLIT_NOTE.format(seed=config["seed"]))
    os.makedirs(config["out"], exist_ok=True)
    for name, rows in out.items():
        path = os.path.join(config["out"], name)
        if name.endswith(".json"):
            with open(path, "w", encoding="utf-8") as f:
                json.dump(rows, f, indent=2)
                f.write("\n")
        else:
            write_jsonl(path, rows)
    print(json.dumps(out["stats.json"], indent=2))
    print(f"wrote {len(out)} files to {config['out']} in {time.time() - started:.1f}s")


if __name__ == "__main__":
    main()
