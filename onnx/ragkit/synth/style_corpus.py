"""A user's corpus in one style, with their questions: invented documents of `styled.py` in the asked style, and one
question per document, for measuring what fine-tuning (ragkit.finetune) does for a style the reader reads badly.

    /usr/bin/python3 -m ragkit.synth.style_corpus --style=infobox --train=300 --dev=100 --seed=5 --out=DIR

Writes DIR/docs.jsonl (every document, what PUT /index and `--corpus` take), DIR/train.jsonl and DIR/dev.jsonl
({"question", "answers", "doc_id"}). Dev questions ask about documents that no training question asks about, so dev
exact match measures reading of new documents in the style, not memory of trained facts. Invented facts only: never
the held-out style sets of index-data/styles, which judge the embedded default."""
import json
import os
import random

from ..overrides import parse_overrides
from .styled import styled_example
from .styles import STYLES

DEFAULTS = dict(
    style="infobox",  # one of styles.STYLES
    train=300,        # documents whose question is a training question
    dev=100,          # documents whose question is a dev question
    seed=5,
    out="",
)


def style_examples(style, n, rng):
    """`n` styled examples written in `style` (examples of other styles are drawn and passed over)."""
    if style not in STYLES:
        raise SystemExit(f"--style must be one of {sorted(STYLES)}, got {style!r}")
    examples = []
    while len(examples) < n:
        ex = styled_example(rng)
        if ex and ex["style"] == style:
            examples.append(ex)
    return examples


def corpus_rows(examples):
    """(documents, questions) of the examples, document ids d0, d1, ... in order."""
    docs, questions = [], []
    for i, ex in enumerate(examples):
        docs.append({"id": f"d{i}", "title": ex["title"], "text": ex["document"]})
        questions.append({"question": ex["question"], "answers": [ex["answer"]], "doc_id": f"d{i}"})
    return docs, questions


def write_corpus(cfg):
    if not cfg["out"]:
        raise SystemExit("--out is required")
    rng = random.Random(cfg["seed"])
    docs, questions = corpus_rows(style_examples(cfg["style"], cfg["train"] + cfg["dev"], rng))
    os.makedirs(cfg["out"], exist_ok=True)
    for name, rows in (("docs", docs), ("train", questions[:cfg["train"]]), ("dev", questions[cfg["train"]:])):
        with open(os.path.join(cfg["out"], f"{name}.jsonl"), "w") as f:
            f.writelines(json.dumps(row) + "\n" for row in rows)
    print(f"{len(docs)} {cfg['style']} documents, {cfg['train']} train and {cfg['dev']} dev questions in {cfg['out']}")


if __name__ == "__main__":
    write_corpus(parse_overrides(DEFAULTS))
