#!/usr/bin/env python3
"""Checker for the hand-written design sets (standard library only).

For every set folder under this directory (a folder holding documents.jsonl and
questions.jsonl) it verifies:
  - document ids and question ids are unique;
  - every question's doc_id names a document of the same set;
  - every answer occurs verbatim in its document's text;
  - no question contains any of its answers (case-insensitive);
  - the set has at least 50 questions (and at most 60), 10-14 documents,
    documents of 80-250 words, answers of 1-6 words, known families,
    a README.md, and questions ending in "?".
Prints one line per set with counts; exits non-zero on any failure.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# a word: a run of characters holding a letter or digit, split on whitespace,
# commas and "|" (so flattened tables are counted by cell words, not separators)
WORD = re.compile(r"[^\s|,]*[A-Za-z0-9][^\s|,]*")
FAMILIES = ["who", "when", "where", "how_many", "number", "which", "what"]


def load_jsonl(path, errors):
    rows = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                errors.append(f"{os.path.basename(path)}:{i}: bad JSON ({e})")
    return rows


def check_set(folder):
    name = os.path.basename(folder)
    errors, warnings = [], []
    docs = load_jsonl(os.path.join(folder, "documents.jsonl"), errors)
    qs = load_jsonl(os.path.join(folder, "questions.jsonl"), errors)
    if not os.path.isfile(os.path.join(folder, "README.md")):
        errors.append("README.md missing")

    doc_text = {}
    for d in docs:
        for key in ("id", "title", "text"):
            if not isinstance(d.get(key), str) or not d.get(key):
                errors.append(f"document {d.get('id')!r}: missing/empty {key}")
        did = d.get("id")
        if did in doc_text:
            errors.append(f"duplicate document id {did}")
        if not str(did).startswith(name + "-"):
            errors.append(f"document id {did} does not start with '{name}-'")
        doc_text[did] = d.get("text", "")
        nwords = len(WORD.findall(d.get("text", "")))
        if not 80 <= nwords <= 250:
            errors.append(f"document {did}: {nwords} words (want 80-250)")
    if not 10 <= len(docs) <= 14:
        errors.append(f"{len(docs)} documents (want 10-14)")

    qids = set()
    fam = {f: 0 for f in FAMILIES}
    per_doc = {d: 0 for d in doc_text}
    for q in qs:
        qid = q.get("id")
        if qid in qids:
            errors.append(f"duplicate question id {qid}")
        qids.add(qid)
        question = q.get("question", "")
        answers = q.get("answers")
        did = q.get("doc_id")
        f = q.get("family")
        if f not in fam:
            errors.append(f"{qid}: unknown family {f!r}")
        else:
            fam[f] += 1
        if not question.strip().endswith("?"):
            errors.append(f"{qid}: question does not end with '?'")
        if did not in doc_text:
            errors.append(f"{qid}: doc_id {did!r} not found")
            continue
        per_doc[did] += 1
        if not isinstance(answers, list) or not answers:
            errors.append(f"{qid}: answers must be a non-empty list")
            continue
        text = doc_text[did]
        for a in answers:
            if not isinstance(a, str) or not a.strip():
                errors.append(f"{qid}: empty answer")
                continue
            if a not in text:
                errors.append(f"{qid}: answer {a!r} not found verbatim in {did}")
            if a.lower() in question.lower():
                errors.append(f"{qid}: question contains its answer {a!r}")
            if not 1 <= len(a.split()) <= 6:
                errors.append(f"{qid}: answer {a!r} is not 1-6 words")
            elif text.count(a) > 1:
                warnings.append(f"{qid}: answer {a!r} occurs {text.count(a)}x in {did}")
    if len(qs) < 50:
        errors.append(f"only {len(qs)} questions (want at least 50)")
    if len(qs) > 60:
        errors.append(f"{len(qs)} questions (want at most 60)")
    for did, n in per_doc.items():
        if n == 0:
            warnings.append(f"document {did} has no questions")
    return name, docs, qs, fam, errors, warnings


def main():
    verbose = "-v" in sys.argv
    folders = sorted(
        os.path.join(HERE, n) for n in os.listdir(HERE)
        if os.path.isfile(os.path.join(HERE, n, "questions.jsonl"))
    )
    if not folders:
        print("no design sets found")
        return 1
    failed = False
    for folder in folders:
        name, docs, qs, fam, errors, warnings = check_set(folder)
        status = "OK" if not errors else f"FAIL ({len(errors)} errors)"
        fams = " ".join(f"{k}={v}" for k, v in fam.items())
        print(f"{name:8s} docs={len(docs):2d} questions={len(qs):2d} {fams} "
              f"repeated-answer-spans={len(warnings)} {status}")
        for e in errors:
            print(f"  ERROR {e}")
        if verbose:
            for w in warnings:
                print(f"  note  {w}")
        failed = failed or bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
