"""Answer metrics with SQuAD's normalization (lower case, no punctuation, no articles, single spaces)."""
import collections
import re
import string

import numpy as np

_PUNCT = set(string.punctuation)


def normalize_answer(text):
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(prediction, answers):
    return float(any(normalize_answer(prediction) == normalize_answer(a) for a in answers))


def f1_score(prediction, answers):
    def f1(pred, gold):
        p, g = normalize_answer(pred).split(), normalize_answer(gold).split()
        common = sum((collections.Counter(p) & collections.Counter(g)).values())
        if common == 0:
            return 0.0
        precision, recall = common / len(p), common / len(g)
        return 2 * precision * recall / (precision + recall)

    return max(f1(prediction, a) for a in answers)


def bleu1(prediction, reference):
    """Unigram BLEU with the brevity penalty, on normalized tokens (the paper reports BLEU-1 for Jeopardy)."""
    import math

    p, r = normalize_answer(prediction).split(), normalize_answer(reference).split()
    if not p:
        return 0.0
    clipped = sum((collections.Counter(p) & collections.Counter(r)).values())
    precision = clipped / len(p)
    brevity = 1.0 if len(p) > len(r) else math.exp(1 - len(r) / len(p))
    return brevity * precision


def answer_scores(predictions, items):
    """Mean exact match and F1 of predictions against their items' answers."""
    return {"em": float(np.mean([exact_match(p, q["answers"]) for p, q in zip(predictions, items)])),
            "f1": float(np.mean([f1_score(p, q["answers"]) for p, q in zip(predictions, items)]))}
