"""Loads the dataset written by `ragkit.data.make_dataset` and keeps held-out documents out of training.

Dev and test questions come from documents that no training question used; this module also keeps those
documents' passages out of generator pre-training and DPR training, so that held-out scores measure reading
unseen passages."""
import os

from .common import read_jsonl


class Dataset:
    def __init__(self, data_dir):
        path = lambda name: os.path.join(data_dir, name)  # noqa: E731
        self.passages = read_jsonl(path("passages.jsonl"))
        self.by_id = {p["id"]: p for p in self.passages}
        self.qa = {s: read_jsonl(path(f"{s}.jsonl")) for s in ("train", "dev", "test")}
        self.jeopardy = {s: read_jsonl(path(f"jeopardy_{s}.jsonl")) for s in ("train", "dev", "test")}
        held_out = set()
        for split in ("dev", "test"):
            held_out |= {q["doc_id"] for q in self.qa[split]} | {j["doc_id"] for j in self.jeopardy[split]}
        self.held_out_docs = held_out
        self.train_passages = [p for p in self.passages if p["doc_id"] not in held_out]
        for split, items in list(self.qa.items()) + list(self.jeopardy.items()):
            missing = [q["passage_id"] for q in items if q["passage_id"] not in self.by_id]
            assert not missing, f"{split}: {len(missing)} items point at unknown passages, e.g. {missing[:3]}"

    def summary(self):
        return {
            "passages": len(self.passages),
            "train_passages": len(self.train_passages),
            **{f"qa_{s}": len(v) for s, v in self.qa.items()},
            **{f"jeopardy_{s}": len(v) for s, v in self.jeopardy.items()},
        }
