"""Retrieval-augmented answering over indexes other than the training corpus, with the models unchanged: the paper's
index hot-swap (answers follow the index when two versions of a corpus disagree) and an unseen corpus (invented
documents no model saw, the setting of a corpus swapped in through `PUT /index`)."""
import os

import numpy as np
import torch

from ..data.passages import split_document
from ..train.common import read_jsonl
from .eval_models import Retriever
from .metrics import answer_scores, exact_match


def swap_matches(predictions, questions):
    """Shares of predictions equal (SQuAD-normalized) to version A's answer and to version B's answer."""
    return {"matches_a": float(np.mean([exact_match(p, [q["answer_a"]]) for p, q in zip(predictions, questions)])),
            "matches_b": float(np.mean([exact_match(p, [q["answer_b"]]) for p, q in zip(predictions, questions)]))}


def hot_swap(corpus, ctx_enc, enc_tok, reader, data_dir, cfg):
    """The swap questions against an index whose swap documents are version A, then version B (RAG-Token greedy),
    in two scopes: an index of those documents' passages only, and the whole corpus with them swapped in."""
    questions = read_jsonl(os.path.join(data_dir, "swap_questions.jsonl"))
    asked = [q["question"] for q in questions]
    out = dict(n=len(questions), documents=0, examples=[dict(question=q["question"], answer_a=q["answer_a"],
                                                              answer_b=q["answer_b"]) for q in questions[:5]])
    for version in ("a", "b"):
        docs = read_jsonl(os.path.join(data_dir, f"swap_{version}.jsonl"))
        passages = [p for d in docs for p in split_document(d)]
        vectors = Retriever(corpus.q_enc, ctx_enc, enc_tok, passages, cfg).vectors
        swapped = {d["id"] for d in docs}
        kept = [i for i, p in enumerate(corpus.passages) if p["doc_id"] not in swapped]
        indexes = {"docs": Retriever(corpus.q_enc, None, enc_tok, passages, cfg, vectors),
                   "corpus": Retriever(corpus.q_enc, None, enc_tok, [corpus.passages[i] for i in kept] + passages,
                                       cfg, torch.cat([corpus.vectors[kept], vectors]))}
        for scope, index in indexes.items():
            top, scores = index.search(asked, cfg["n_docs"])
            found = [[index.passages[j] for j in row] for row in top.tolist()]
            preds = reader.rag(found, asked, scores.double())
            out[f"{scope}_index_{version}"] = dict(swap_matches(preds, questions), gold_passage_in_top=float(np.mean(
                [q["passage_id"] in [p["id"] for p in f] for q, f in zip(questions, found)])))
            for example, pred in zip(out["examples"], preds):
                example[f"{scope}_{version}"] = pred
        out["documents"] = len(docs)
    return out


def unseen_corpus(folder, q_enc, ctx_enc, enc_tok, reader, cfg):
    """Questions about invented documents (`folder`: documents.jsonl, questions.jsonl) against an index of those
    documents alone: document-level recall, RAG-Token greedy and beam answers, exact match per family."""
    docs = read_jsonl(os.path.join(folder, "documents.jsonl"))
    questions = read_jsonl(os.path.join(folder, "questions.jsonl"))
    passages = [p for d in docs for p in split_document(d)]
    index = Retriever(q_enc, ctx_enc, enc_tok, passages, cfg)
    asked, beams = [q["question"] for q in questions], cfg["num_beams"]
    top, scores = index.search(asked, max(5, cfg["n_docs"]))
    found = [[passages[j] for j in row[: cfg["n_docs"]]] for row in top.tolist()]
    weights = scores[:, : cfg["n_docs"]].double()
    preds = {"rag_token_greedy": reader.rag(found, asked, weights),
             f"rag_token_beam{beams}": reader.rag(found, asked, weights, "token", beams)}
    docs_of = [[passages[j]["doc_id"] for j in row] for row in top.tolist()]
    out = dict(n=len(questions), documents=len(docs), passages=len(passages),
               **{f"recall@{k}": float(np.mean([q["doc_id"] in d[:k] for q, d in zip(questions, docs_of)]))
                  for k in (1, 5)},
               qa={mode: answer_scores(p, questions) for mode, p in preds.items()})
    out["by_family"] = {}
    for family in sorted({q["family"] for q in questions}):
        rows = [i for i, q in enumerate(questions) if q["family"] == family]
        beam = [preds[f"rag_token_beam{beams}"][i] for i in rows]
        out["by_family"][family] = dict(n=len(rows), em=answer_scores(beam, [questions[i] for i in rows])["em"])
    out["examples"] = [dict(question=q["question"], answers=q["answers"], **{m: preds[m][i] for m in preds})
                       for i, q in enumerate(questions[:10])]
    return out
