"""The style probe asks each question over the served passage that holds its answer, as the index splits documents."""
import os

from ragkit.eval.probe_styles import STYLES_DIR, served_passage, style_items


def test_the_passage_holding_the_answer_is_chosen_among_the_served_ones():
    doc = {"id": "d", "title": "T", "text": " ".join(f"w{i}" for i in range(250)) + " Answer here"}
    assert served_passage(doc, ["Answer here"])["text"].endswith("Answer here")
    assert served_passage(doc, ["absent"])["text"].startswith("w0 w1"), "the first passage when none holds it"


def test_each_style_set_is_read_as_served_passages():
    for style in sorted(os.listdir(STYLES_DIR)):
        items = style_items(os.path.join(STYLES_DIR, style), 0)
        assert len(items) >= 50, style
        for passage, question, answers, _ in items:
            assert passage["text"] == " ".join(passage["text"].split()) and len(passage["text"].split()) <= 100
            assert question and answers, style


def test_the_design_sets_pass_their_checker():
    """index-data/design/check.py: ids, verbatim answers, no answer inside its question, sizes."""
    import subprocess
    import sys
    checker = os.path.join(STYLES_DIR, "..", "design", "check.py")
    done = subprocess.run([sys.executable, checker], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    assert done.stdout.count(" OK") == 6, done.stdout


def test_an_answer_window_holds_the_answer_and_has_the_words_asked():
    import random
    from ragkit.eval.probe_styles import answer_window
    passage = {"title": "T", "text": " ".join(f"w{i}" for i in range(100))}
    rng = random.Random(0)
    for answer in ["w0", "w57 w58", "w99"]:
        for words in (20, 40):
            cut = answer_window(passage, answer, words, rng)["text"]
            assert answer in cut and len(cut.split()) == words
