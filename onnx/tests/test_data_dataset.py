"""The generated training data: answers copied from their passages, document-level splits, determinism."""
import json
import re

import pytest

from ragkit.data import splits
from ragkit.data import templates as T
from ragkit.data.make_dataset import DEFAULTS, build
from ragkit.data.passages import split_document
from ragkit.data.questions import FAMILIES

QA_FILES = ("train.jsonl", "dev.jsonl", "test.jsonl")


@pytest.fixture(scope="module")
def data():
    return build(dict(DEFAULTS, seed=1))


def test_every_answer_occurs_verbatim_in_its_passage(data):
    passages = {p["id"]: p for p in data["passages.jsonl"]}
    for name in QA_FILES:
        for item in data[name]:
            passage = passages[item["passage_id"]]
            assert passage["doc_id"] == item["doc_id"]
            assert item["answers"] and all(a in passage["text"] for a in item["answers"]), item
            assert item["family"] in FAMILIES and item["question"].strip()


def test_every_family_has_many_questions_and_phrasings(data):
    counts = data["stats.json"]["questions"]["train"]
    for family in FAMILIES:
        assert counts[family] >= 100, (family, counts[family])
    for options in (T.WHO, T.WHEN, T.WHERE, T.ACRONYM, T.LANGUAGE_WRITTEN, T.LANGUAGE_BASED, T.COMPANY, T.WHO_COINED):
        assert len(options) >= 6
    questions = {i["question"] for i in data["train.jsonl"] if i["family"] == "who"}
    assert len({re.sub(r"\b[A-Z][\w+#/.-]*", "X", q) for q in questions}) >= 6  # many distinct shapes in use


def test_known_facts_are_found(data):
    items = [i for name in QA_FILES for i in data[name]]
    def answers(doc_id, family):
        return {a for i in items if i["doc_id"] == doc_id and i["family"] == family for a in i["answers"]}
    assert answers("c", "who") == {"Dennis Ritchie"}
    assert answers("perl", "when") == {"1987"}
    assert answers("modula-2", "language") == {"Pascal"}
    assert "Sun Microsystems" in answers("java", "company")


def test_an_acronym_met_in_another_entry_is_asked_about_within_that_entry(data):
    items = [i for name in QA_FILES for i in data[name] if i["doc_id"] == "columbia-appletalk-package"]
    nbp = next(i for i in items if "NBP" in i["question"])
    assert nbp["answers"] == ["Name Binding Protocol"] and "Columbia AppleTalk Package" in nbp["question"]
    own = [i for name in QA_FILES for i in data[name] if i["doc_id"] == "docus" and i["family"] == "acronym"]
    assert own and all(i["question"].count("DOCUS") == 1 for i in own)  # its own title needs no context
    assert len(T.ACRONYM_IN) >= 6 and all("{c}" in t and "{x}" in t for t in T.ACRONYM_IN)


def test_splits_share_no_documents(data):
    owners = {}
    for split in ("train", "dev", "test"):
        for name in (f"{split}.jsonl", f"jeopardy_{split}.jsonl"):
            for item in data[name]:
                assert owners.setdefault(item["doc_id"], split) == split, item["doc_id"]
    stats = data["stats.json"]["questions"]
    assert stats["dev"]["documents"] > 20 and stats["test"]["documents"] > 20
    assert stats["train"]["documents"] > 15 * stats["test"]["documents"]


def test_jeopardy_clues_do_not_name_their_answer(data):
    passages = {p["id"] for p in data["passages.jsonl"]}
    pairs = data["jeopardy_train.jsonl"] + data["jeopardy_dev.jsonl"] + data["jeopardy_test.jsonl"]
    assert len(pairs) > 1000
    for pair in pairs:
        assert pair["passage_id"] in passages
        assert not re.search(r"(?<!\w)%s(?!\w)" % re.escape(pair["answer"].lower()), pair["clue"].lower()), pair
        assert pair["clue"].startswith("This ")


def test_swap_versions_answer_differently_from_their_own_passages(data):
    a = {d["id"]: d for d in data["swap_a.jsonl"]}
    b = {d["id"]: d for d in data["swap_b.jsonl"]}
    held_out = {i["doc_id"] for i in data["test.jsonl"] + data["dev.jsonl"]}
    assert len(a) == 50 and a.keys() == b.keys() and set(a) <= held_out
    assert sum(q["split"] == "test" for q in data["swap_questions.jsonl"]) > 30
    for q in data["swap_questions.jsonl"]:
        pa = {p["id"]: p["text"] for p in split_document(a[q["doc_id"]])}[q["passage_id"]]
        pb = {p["id"]: p["text"] for p in split_document(b[q["doc_id"]])}[q["passage_id"]]
        assert q["answer_a"] != q["answer_b"] and q["answer_a"] in pa and q["answer_b"] in pb, q
        # Version A's answer is gone from version B, except inside a longer name ("Microsoft Windows").
        assert not re.search(r"(?<!\w)%s(?!\w|\s+[A-Z][a-z])" % re.escape(q["answer_a"]), pb), q


def test_the_same_seed_gives_the_same_data_and_another_seed_another_split(data):
    again = build(dict(DEFAULTS, seed=1))
    for name in ("train.jsonl", "dev.jsonl", "test.jsonl", "jeopardy_test.jsonl", "swap_questions.jsonl"):
        assert again[name] == data[name], name
    ids = sorted({i["doc_id"] for name in QA_FILES for i in data[name]})
    assert splits.assign(ids, 1) == splits.assign(ids, 1) != splits.assign(ids, 2)


def test_regenerating_with_split_from_keeps_every_held_out_document_held_out(data, tmp_path):
    from ragkit.data.foldoc import write_jsonl
    for name in ("train.jsonl", "dev.jsonl", "test.jsonl", "jeopardy_train.jsonl", "jeopardy_dev.jsonl",
                 "jeopardy_test.jsonl"):
        write_jsonl(str(tmp_path / name), data[name][: len(data[name]) // 2])  # an "earlier", smaller dataset
    again = build(dict(DEFAULTS, seed=7, split_from=str(tmp_path)))
    earlier = {i["doc_id"]: s for s in ("train", "dev", "test") for n in (f"{s}.jsonl", f"jeopardy_{s}.jsonl")
               for i in data[n][: len(data[n]) // 2]}
    for split in ("train", "dev", "test"):
        for name in (f"{split}.jsonl", f"jeopardy_{split}.jsonl"):
            for item in again[name]:
                assert earlier.get(item["doc_id"], "train") == split, item["doc_id"]


def test_the_committed_held_out_documents_are_the_ones_the_documented_command_draws(data):
    committed = data["stats.json"]["split_sha256"]
    with open(DEFAULTS["splits"], encoding="utf-8") as f:
        assert json.load(f)["sha256"] == committed
    drawn = build(dict(DEFAULTS, splits="", seed=1))
    assert drawn["split_of"] == data["split_of"] and drawn["test.jsonl"] == data["test.jsonl"]
    assert build(dict(DEFAULTS, splits="", seed=2))["stats.json"]["split_sha256"] != committed


def test_a_split_file_is_refused_when_edited_or_about_another_corpus(tmp_path):
    ids = [f"doc{i}" for i in range(40)]
    split_of = splits.assign(ids, 3)
    path = str(tmp_path / "splits.json")
    splits.write_split_file(path, split_of)
    assert splits.read_split_file(path, ids) == split_of
    with pytest.raises(AssertionError, match="lacks"):
        splits.read_split_file(path, ids[:5])
    saved = json.loads(open(path).read())
    saved["test"] = saved["test"][1:]  # a test document quietly moved to train
    (tmp_path / "edited.json").write_text(json.dumps(saved))
    with pytest.raises(AssertionError, match="sha256"):
        splits.read_split_file(str(tmp_path / "edited.json"), ids)
