"""Runs the PyTorch reference decoder (onnx/ragkit/rag_reference.py) over a table of logits read from stdin, for
the TypeScript differential test (reference-parity.test.ts). Input JSON: {logits: {context: {prefix: [V floats]}},
cases: [{w, cfg (rag_reference option names), mode, num_beams, fast}]}, where prefix is the generated tokens
after the decoder start token joined by ','. Output JSON: one reference decoding per case."""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "onnx"))
from ragkit import rag_reference as rr  # noqa: E402


def table_scorer(logits):
    def scorer(contexts, prefixes):
        rows = [logits[str(c)][",".join(str(t) for t in p[1:])] for c, p in zip(contexts, prefixes)]
        return torch.tensor(rows, dtype=torch.float32)
    return scorer


def main():
    request = json.load(sys.stdin)
    scorer = table_scorer(request["logits"])
    outs = []
    for case in request["cases"]:
        cfg = rr.generation_config(**case["cfg"])
        w = torch.tensor(case["w"], dtype=torch.float64)
        out = rr.decode(scorer, w, cfg, mode=case["mode"], num_beams=case["num_beams"], fast=case["fast"])
        outs.append({key: out.get(key) for key in ("tokens", "logprobs", "doc_posteriors", "score", "hypotheses",
                                                   "candidates")})
    json.dump(outs, sys.stdout, allow_nan=True)


if __name__ == "__main__":
    main()
