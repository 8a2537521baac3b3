"""Document-level splits: every question and Jeopardy pair of a document goes to that document's split, so dev
and test are drawn from documents that no training item used."""
import random

SPLITS = ("train", "dev", "test")


def assign(doc_ids, seed, fractions=(0.9, 0.05, 0.05)):
    """Returns {doc_id: split}: ids sorted, shuffled by `seed`, then cut by `fractions` (train, dev, test).
    Dev and test get at least one document each when there are three or more."""
    assert len(fractions) == 3 and abs(sum(fractions) - 1) < 1e-9, f"fractions must be 3 numbers summing to 1: {fractions}"
    ids = sorted(set(doc_ids))
    random.Random(seed).shuffle(ids)
    n_dev = round(len(ids) * fractions[1])
    n_test = round(len(ids) * fractions[2])
    if len(ids) >= 3:
        n_dev, n_test = max(n_dev, 1), max(n_test, 1)
    out = {i: "dev" for i in ids[:n_dev]}
    out.update({i: "test" for i in ids[n_dev:n_dev + n_test]})
    out.update({i: "train" for i in ids[n_dev + n_test:]})
    return out


def assign_corpus(question_doc_ids, all_doc_ids, seed, fractions=(0.9, 0.05, 0.05)):
    """Splits the documents that have questions and, separately, all the others (for Jeopardy pairs), so that
    both kinds of document are spread over train, dev and test in the same proportions."""
    with_questions = set(question_doc_ids)
    out = assign(with_questions, seed, fractions)
    out.update(assign(set(all_doc_ids) - with_questions, seed + 1, fractions))
    return out


def read_existing(data_dir):
    """Returns {doc_id: split} of the documents named by an earlier dataset's question and Jeopardy files."""
    import json
    import os
    out = {}
    for split in SPLITS:
        for name in (f"{split}.jsonl", f"jeopardy_{split}.jsonl"):
            with open(os.path.join(data_dir, name), encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        out[json.loads(line)["doc_id"]] = split
    return out


def keep_existing(existing, all_doc_ids):
    """Splits that agree with an earlier dataset's: its documents keep their split and every other document goes
    to train. A model trained on the earlier data's train split then still never saw a dev or test document."""
    return {d: existing.get(d, "train") for d in all_doc_ids}


def held_out_digest(split_of):
    """sha256 of the sorted dev and test document ids: names a split, so that a bundle can record the one it was
    trained on and a run can be refused when its dataset holds out other documents."""
    import hashlib
    import json
    held = {s: sorted(d for d, v in split_of.items() if v == s) for s in ("dev", "test")}
    return hashlib.sha256(json.dumps(held, sort_keys=True).encode("utf-8")).hexdigest()


def write_split_file(path, split_of, note=""):
    """Writes the held-out documents of a split ({"dev": [...], "test": [...], "sha256"}); train is the rest."""
    import json
    held = {s: sorted(d for d, v in split_of.items() if v == s) for s in ("dev", "test")}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(dict(note=note, sha256=held_out_digest(split_of), **held), f, indent=0)
        f.write("\n")


def read_split_file(path, all_doc_ids):
    """{doc_id: split} for every document: the file's dev and test documents, every other one train. Refuses a
    file whose lists no longer match its digest, or that names documents the corpus lacks."""
    import json
    with open(path, encoding="utf-8") as f:
        saved = json.load(f)
    known = set(all_doc_ids)
    unknown = [d for s in ("dev", "test") for d in saved[s] if d not in known]
    assert not unknown, f"{path} holds out documents the corpus lacks: {unknown[:5]}"
    out = {d: "train" for d in all_doc_ids}
    out.update({d: s for s in ("dev", "test") for d in saved[s]})
    assert held_out_digest(out) == saved["sha256"], f"{path}: its document lists do not match its sha256"
    return out
