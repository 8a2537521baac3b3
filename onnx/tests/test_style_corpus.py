"""A user's corpus in one style (ragkit/synth/style_corpus.py): one style only, dev questions about documents no
training question asks about, answers verbatim in their document, the same files from the same seed."""
import json
import os
import random

import pytest

from ragkit.synth.style_corpus import DEFAULTS, style_examples, write_corpus


def rows(folder, name):
    with open(os.path.join(folder, f"{name}.jsonl")) as f:
        return [json.loads(line) for line in f]


def written(tmp_path, **overrides):
    cfg = {**DEFAULTS, "train": 40, "dev": 15, "out": str(tmp_path), **overrides}
    write_corpus(cfg)
    return rows(tmp_path, "docs"), rows(tmp_path, "train"), rows(tmp_path, "dev")


def test_dev_asks_about_documents_that_training_never_asks_about(tmp_path):
    docs, train, dev = written(tmp_path)
    assert (len(docs), len(train), len(dev)) == (55, 40, 15)
    assert not {q["doc_id"] for q in train} & {q["doc_id"] for q in dev}
    by_id = {d["id"]: d for d in docs}
    for q in train + dev:
        assert q["answers"][0] in by_id[q["doc_id"]]["text"], q


def test_every_example_is_written_in_the_asked_style():
    made = style_examples("table", 30, random.Random(0))
    assert len(made) == 30 and {ex["style"] for ex in made} == {"table"}


def test_one_seed_writes_the_same_files_and_another_seed_others(tmp_path):
    first = written(tmp_path / "a")
    assert written(tmp_path / "b") == first
    assert written(tmp_path / "c", seed=6) != first


def test_an_unknown_style_is_refused_by_name(tmp_path):
    with pytest.raises(SystemExit, match="--style must be one of"):
        written(tmp_path, style="sonnet")
