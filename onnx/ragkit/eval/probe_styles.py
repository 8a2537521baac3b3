"""Reading skill on the held-out style sets given the gold passage (no retrieval), by style and question family:

    /usr/bin/python3 -m ragkit.eval.probe_styles --checkpoints=~/.cache/ragkit/runs/demo/generator_styles.pt,...

Each question is asked over the served passage of its document that holds the answer (100 words joined by single
spaces, as the index splits documents), so a miss here is the reader's, not retrieval's or marginalization's. Also
prints greedy exact match on the checkpoint's own synthetic `styled` examples, so that the gap between the task it
learned and the styles it must read shows in one table.

With `--windows=60,40,20` it also asks every question over a window of that many words of its passage, holding the
answer at a seeded random place: whether the passage's length and density, not the style, hold the reader back."""
import collections
import os
import random

from ..data.passages import split_document
from ..overrides import parse_overrides
from ..synth.examples import ExampleMaker
from ..train.train_generator import DEFAULTS as GENERATOR_DEFAULTS, styled_dev_items
from ..tokenizers import load_tokenizer
from ..train.common import read_jsonl, setup_torch
from .generate import greedy_answers
from .metrics import exact_match
from .probe_reader import load_generator

STYLES_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "index-data", "styles")

DEFAULTS = dict(
    checkpoints="",  # comma-separated generator_*.pt or rag.pt paths
    run_dir=os.path.expanduser("~/.cache/ragkit/runs/demo"),  # its tokenizer
    styles_dir=STYLES_DIR,
    per_style=0,  # questions per style (0: all)
    synthetic=60,  # own styled examples (the seed of train_generator's styled_dev_em)
    threads=0,
    windows="",  # comma-separated window lengths in words (see the module comment)
    window_seed=0,
)


def served_passage(document, answers):
    """The served passage of `document` that holds an answer (the first passage when none does)."""
    passages = split_document(document)
    return next((p for p in passages if any(a in p["text"] for a in answers)), passages[0])


def style_items(folder, limit):
    docs = {d["id"]: d for d in read_jsonl(os.path.join(folder, "documents.jsonl"))}
    questions = read_jsonl(os.path.join(folder, "questions.jsonl"))
    questions = questions[:limit] if limit else questions
    return [(served_passage(docs[q["doc_id"]], q["answers"]), q["question"], q["answers"], q.get("family", "-"))
            for q in questions]


def answer_window(passage, answer, words, rng):
    """`passage` cut to `words` words that hold `answer` (its first occurrence) at a random place."""
    tokens = passage["text"].split()
    at = passage["text"].find(answer)
    start = len(passage["text"][:at].split()) if at >= 0 else 0
    first = max(0, min(start - rng.randint(0, max(0, words - len(answer.split()))), len(tokens) - words))
    return dict(passage, text=" ".join(tokens[first:first + words]))


def score(tok, maker, model, items):
    """Exact match (0 or 1) of the greedy answer to each (passage, question, answers, family) item."""
    answers = greedy_answers(tok, model, [maker.qa(passage, question, "")[0] for passage, question, *_ in items])
    return [exact_match(answer, item[2]) for answer, item in zip(answers, items)]


def main(cfg):
    setup_torch(cfg["threads"])
    tok = load_tokenizer(os.path.join(cfg["run_dir"], "tokenizers", "generator", "tokenizer.json"))
    maker = ExampleMaker(tok)
    styles = sorted(d for d in os.listdir(cfg["styles_dir"]) if os.path.isdir(os.path.join(cfg["styles_dir"], d)))
    sets = {style: style_items(os.path.join(cfg["styles_dir"], style), cfg["per_style"]) for style in styles}
    synthetic = [(p, q, a, "synthetic") for p, q, a in styled_dev_items(cfg["synthetic"], GENERATOR_DEFAULTS["styled_dev_seed"])]
    results = {}
    for path in [p for p in cfg["checkpoints"].split(",") if p]:
        model = load_generator(path)
        rows, families = {}, collections.defaultdict(lambda: [0, 0])
        for style, items in sets.items():
            right = score(tok, maker, model, items)
            rows[style] = (sum(right), len(right))
            for ok, item in zip(right, items):
                families[item[3]][0] += ok
                families[item[3]][1] += 1
        for words in [int(w) for w in cfg["windows"].split(",") if w]:
            rng = random.Random(cfg["window_seed"])
            cut = [(answer_window(p, a[0], words, rng), q, a, f) for items in sets.values() for p, q, a, f in items]
            print(f"  gold passage cut to {words} words: {sum(score(tok, maker, model, cut))}/{len(cut)}", flush=True)
        own = score(tok, maker, model, synthetic)
        results[path] = dict(styles=rows, families=dict(families), synthetic=(sum(own), len(own)))
        total = sum(r for r, _ in rows.values()), sum(n for _, n in rows.values())
        print(f"{path}\n  gold passage, styles {total[0]}/{total[1]}: " +
              ", ".join(f"{s} {r}/{n}" for s, (r, n) in rows.items()) +
              "\n  by family: " + ", ".join(f"{f} {r}/{n}" for f, (r, n) in sorted(families.items())) +
              f"\n  own synthetic styled: {sum(own)}/{len(own)}", flush=True)
    return results


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
