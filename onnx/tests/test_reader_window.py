"""The reader window of rag_inputs.py chooses what the TypeScript engine's (src/generator/reader-window.ts) does:
the cases of test/generator/reader-windows.json, which the engine's tests check too."""
import json
import os

from ragkit.rag_inputs import reader_window

CASES = os.path.join(os.path.dirname(__file__), "..", "..", "test", "generator", "reader-windows.json")


def test_the_windows_the_engine_chooses():
    with open(CASES, encoding="utf-8") as f:
        cases = json.load(f)
    assert len(cases) >= 20
    for case in cases:
        assert reader_window(case["text"], case["question"], case["size"]) == case["window"], case["question"]


def test_a_short_passage_is_read_whole_and_a_label_keeps_its_value():
    assert reader_window("Crew:  142", "How many crew?", 4) == "Crew:  142"
    text = " ".join([f"w{i}" for i in range(60)] + ["Crew:", "142"] + [f"x{i}" for i in range(30)])
    window = reader_window(text, "How many crew members?", 12)
    assert len(window.split()) == 12 and "Crew: 142" in window


class CharTokenizer:
    """Characters as token ids, `<s>` and `</s>` around them: enough to read back what a source holds."""

    def token_to_id(self, token):
        return {"<s>": 0, "</s>": 2, "<mask>": 4}[token]

    def encode(self, text, max_length=10_000):
        return ([0] + [ord(c) for c in text] + [2])[:max_length]


def test_training_questions_read_the_window_a_windowed_bundle_serves():
    from ragkit.rag_inputs import join_context
    from ragkit.synth.examples import ExampleMaker

    text = " ".join([f"w{i}" for i in range(60)] + ["Crew:", "142"] + [f"x{i}" for i in range(30)])
    question = "How many crew members?"
    as_text = lambda ids: "".join(chr(i) for i in ids[1:-1])
    src, tgt = ExampleMaker(CharTokenizer(), window_words=12).answered("Ship", text, question, "142")
    assert as_text(src) == join_context("Ship", reader_window(text, question, 12), question)
    assert as_text(tgt) == "142"
    assert ExampleMaker(CharTokenizer(), window_words=12).answered("Ship", text, question, "w3") is None, \
        "an answer outside the window is no example"
    src, _ = ExampleMaker(CharTokenizer(), max_source=10_000).answered("Ship", text, question, "w3")
    assert as_text(src) == join_context("Ship", text, question), "without a window the whole passage is read"
