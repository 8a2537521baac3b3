"""Trains the two tokenizers of the embedded default on the training documents' passages:
a byte-level BPE for the BART generator and an uncased WordPiece for the DPR encoders, both saved as
Hugging Face `tokenizer.json` under `{run_dir}/tokenizers/{generator,encoder}/`. Vocabularies of 8k: the output
softmax dominates a small generator's cost at 30k, and 8k covers FOLDOC's words with short pieces.

    /usr/bin/python3 -m ragkit.train.train_tokenizers"""
import os

from ..overrides import parse_overrides
from ..tokenizers import train_bpe, train_wordpiece
from .common import run_data_dir
from .data import Dataset

DEFAULTS = dict(
    run_dir=os.path.expanduser("~/.cache/ragkit/runs/demo"),
    data_dir="",  # default: {run_dir}/data (common.run_data_dir)
    generator_vocab=8192,
    encoder_vocab=8192,
)


def main(cfg):
    data = Dataset(run_data_dir(cfg))
    texts = [p["title"] + "\n" + p["text"] for p in data.train_passages]
    out = os.path.join(cfg["run_dir"], "tokenizers")
    train_bpe(texts, cfg["generator_vocab"], os.path.join(out, "generator"))
    train_wordpiece(texts, cfg["encoder_vocab"], os.path.join(out, "encoder"))
    print(f"tokenizers written to {out}")


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
