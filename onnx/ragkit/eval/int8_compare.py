"""How far an int8 bundle's outputs are from the float bundle it was quantized from, through onnxruntime-node:

    /usr/bin/python3 -m ragkit.eval.int8_compare --float=build/random-base --int8=build/random-base-int8 \
        [--fixtures=build/tiny/fixtures.json]

On the inputs of the fixtures (`python3 -m ragkit.fixtures`): each case's generator inputs (one row per retrieved
passage), teacher-forced on the case's greedy reference tokens, decoded with the cache as the engine decodes (the
first step on the merged decoder's no-past branch, the others on the cached one). Reports the largest difference of
any token's log-probability at any step, the share of steps whose most likely token is the same, and the question
encoder's largest output difference relative to its largest output."""
import json
import os

import numpy as np

from ..export.ort_node import run_onnx
from ..overrides import parse_overrides

DEFAULTS = dict(
    float="",                            # the float bundle
    int8="",                             # its int8 copy
    fixtures="build/tiny/fixtures.json",  # whose inputs to run (ids beyond the model's vocabulary are not expected)
)


def log_softmax(x):
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def padded(rows, pad):
    """(ids, mask) int64 arrays of token rows padded right."""
    width = max(len(r) for r in rows)
    ids = np.array([r + [pad] * (width - len(r)) for r in rows], np.int64)
    return ids, (np.arange(width)[None, :] < np.array([len(r) for r in rows])[:, None]).astype(np.int64)


def generator_logprobs(bundle, input_rows, target_rows):
    """[rows, steps, vocab] log-probabilities of cached decoding teacher-forced on target_rows (decoder start first,
    equal lengths)."""
    with open(os.path.join(bundle, "generator", "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    ids, mask = padded(input_rows, cfg["pad_token_id"])
    (enc,) = run_onnx(os.path.join(bundle, "generator/onnx/encoder_model.onnx"),
                      [{"inputs": {"input_ids": ids, "attention_mask": mask}}])[1]
    heads = cfg["decoder_attention_heads"]
    empty = np.zeros((len(input_rows), heads, 0, cfg["d_model"] // heads), np.float32)
    names = [f"past_key_values.{i}.{s}.{kv}" for i in range(cfg["decoder_layers"]) for s in ("decoder", "encoder")
             for kv in ("key", "value")]
    targets = np.array(target_rows, np.int64)
    runs = [{"inputs": {"input_ids": targets[:, t:t + 1], "encoder_attention_mask": mask,
                        "encoder_hidden_states": enc["last_hidden_state"], "use_cache_branch": np.array([t > 0]),
                        **{n: empty if t == 0 else {"from": n.replace("past_key_values", "present")} for n in names}},
             "outputs": ["logits"]}  # the presents feed the next run inside node; only logits come back
            for t in range(targets.shape[1])]
    _, out = run_onnx(os.path.join(bundle, "generator/onnx/decoder_model_merged.onnx"), runs, timeout=1800)
    return np.concatenate([log_softmax(r["logits"]) for r in out], axis=1)


def fixture_rows(fixtures, start):
    """(generator input rows, target rows) of every case: each retrieved passage's input, teacher-forced on the
    case's greedy reference answer."""
    inputs, targets = [], []
    for case in fixtures["questions"] + fixtures["jeopardy"]:
        tokens = [start] + case["outputs"]["token_greedy"]["tokens"]
        width = len(fixtures["questions"][0]["outputs"]["token_greedy"]["tokens"]) + 1
        tokens = (tokens + [tokens[-1]] * width)[:width]  # equal lengths: the steps after eos compare as well
        for row in case["generator_input_ids"]:
            inputs.append(row)
            targets.append(tokens)
    return inputs, targets


def compare(float_bundle, int8_bundle, fixtures):
    """{"max_logprob_diff", "top1_agreement", "steps", "question_embedding_rel_diff"} of the two bundles."""
    with open(os.path.join(float_bundle, "generator", "generation_config.json"), encoding="utf-8") as f:
        start = json.load(f)["decoder_start_token_id"]
    inputs, targets = fixture_rows(fixtures, start)
    a, b = (generator_logprobs(d, inputs, targets) for d in (float_bundle, int8_bundle))
    cases = fixtures["questions"] + fixtures["jeopardy"]
    ids, mask = padded([c["query_ids"] for c in cases], 0)
    runs = [{"inputs": {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}}]
    qa, qb = (run_onnx(os.path.join(d, "question_encoder/model.onnx"), runs)[1][0]["pooler_output"]
              for d in (float_bundle, int8_bundle))
    return dict(max_logprob_diff=float(np.abs(a - b).max()),
                top1_agreement=float((a.argmax(-1) == b.argmax(-1)).mean()),
                steps=int(a.shape[0] * a.shape[1]), float_top_margin=float((a.max(-1) - np.median(a, -1)).min()),
                question_embedding_rel_diff=float(np.abs(qa - qb).max() / np.abs(qa).max()))


if __name__ == "__main__":
    cfg = parse_overrides(DEFAULTS)
    with open(cfg["fixtures"], encoding="utf-8") as f:
        print(json.dumps(compare(cfg["float"], cfg["int8"], json.load(f)), indent=2))
