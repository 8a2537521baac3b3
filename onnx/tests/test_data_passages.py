"""The passage rule that the TypeScript index builder mirrors: whitespace words, chunks of at most 100."""
from ragkit.data.passages import split_corpus, split_document


def test_chunks_of_100_words_numbered_from_zero():
    words = [f"w{i}" for i in range(250)]
    doc = {"id": "d", "title": "T", "text": "\n ".join(words)}
    passages = split_document(doc)
    assert [p["id"] for p in passages] == ["d-p0", "d-p1", "d-p2"]
    assert [len(p["text"].split()) for p in passages] == [100, 100, 50]
    assert passages[1]["text"].split()[0] == "w100" and passages[2]["text"].endswith("w249")
    assert all(p["title"] == "T" and p["doc_id"] == "d" for p in passages)


def test_whitespace_collapses_to_single_spaces_and_empty_text_has_no_passage():
    doc = {"id": "x", "title": "X", "text": "  a\tb \n\n c  "}
    assert split_document(doc) == [{"id": "x-p0", "doc_id": "x", "title": "X", "text": "a b c"}]
    assert split_document({"id": "e", "title": "E", "text": " \n "}) == []


def test_exactly_100_words_is_one_passage_and_corpus_keeps_order():
    docs = [{"id": "a", "title": "A", "text": " ".join(["w"] * 100)}, {"id": "b", "title": "B", "text": "one two"}]
    assert [p["id"] for p in split_corpus(docs)] == ["a-p0", "b-p0"]
