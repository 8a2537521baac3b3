"""Random-weight bundles of real sizes, for benchmarks of the service (never for answers; never committed):

    /usr/bin/python3 -m ragkit.random_bundle --size=base --out=build/random-base
    /usr/bin/python3 -m ragkit.random_bundle --size=large --out=build/random-large
    /usr/bin/python3 -m ragkit.random_bundle --size=base --int8=true --out=build/random-base-int8

base: a bart-base generator (6+6 layers, d_model 768, 140M parameters); large: bart-large (12+12, d_model 1024,
406M). Both with BERT-base DPR encoders (110M each) and the real vocabulary sizes (50265 and 30522). The
tokenizers are trained on the small built-in corpus: smaller vocabularies than the models', so every id they
produce is valid, and texts tokenize to realistic lengths. Measured here (2 busy cores): `base` 1.5 min, 4 GB of
RAM, 1.7 GB on disk; `large` 4 min, 8 GB of RAM, 2.8 GB on disk.
"""
import os
import tempfile
import time

import torch

from .export import export_bundle
from .models import BartConfig, BartForConditionalGeneration, DprConfig, DprEncoder
from .overrides import parse_overrides
from .tokenizers import train_bpe, train_wordpiece
from .tokenizers.sample_text import sample_corpus

DEFAULTS = dict(
    size="base",          # base | large
    out="build/random-base",
    seed=0,
    tokenizer_lines=3000,  # lines of the built-in corpus the tokenizers train on
    threads=0,            # 0 = all cores
    int8=False,           # quantize the question encoder and the generator (ragkit/export/int8.py)
    cross_attention="per_row",  # per_row (Optimum's) | per_document: the beams share each document's keys/values
)
GENERATORS = {
    "base": dict(d_model=768, encoder_layers=6, decoder_layers=6, encoder_attention_heads=12,
                 decoder_attention_heads=12, encoder_ffn_dim=3072, decoder_ffn_dim=3072),
    "large": dict(d_model=1024, encoder_layers=12, decoder_layers=12, encoder_attention_heads=16,
                  decoder_attention_heads=16, encoder_ffn_dim=4096, decoder_ffn_dim=4096),
}
BERT_BASE = dict(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=512)


def build_models(size, seed):
    """(question encoder, ctx encoder, generator) with random weights of the given size."""
    assert size in GENERATORS, f"size must be one of {sorted(GENERATORS)}, got {size!r}"
    torch.manual_seed(seed)
    question = DprEncoder(DprConfig(**BERT_BASE), "question").eval()
    ctx = DprEncoder(DprConfig(**BERT_BASE), "ctx").eval()
    generator = BartForConditionalGeneration(BartConfig(vocab_size=50265, max_position_embeddings=1024,
                                                        forced_bos_token_id=0, **GENERATORS[size])).eval()
    return question, ctx, generator


def main(cfg):
    torch.set_num_threads(cfg["threads"] or os.cpu_count())
    started = time.time()
    question, ctx, generator = build_models(cfg["size"], cfg["seed"])
    count = sum(p.numel() for m in (question, ctx, generator) for p in m.parameters())
    print(f"random {cfg['size']} bundle: {count / 1e6:.0f}M parameters", flush=True)
    texts = sample_corpus(cfg["tokenizer_lines"], seed=cfg["seed"])
    with tempfile.TemporaryDirectory() as work, torch.no_grad():
        train_wordpiece(texts, 8000, os.path.join(work, "wordpiece"))
        train_bpe(texts, 8000, os.path.join(work, "bpe"))
        tokenizers = {"question_encoder": os.path.join(work, "wordpiece"),
                      "ctx_encoder": os.path.join(work, "wordpiece"), "generator": os.path.join(work, "bpe")}
        out = export_bundle(cfg["out"], question, ctx, generator, tokenizers, int8=cfg["int8"],
                            cross_attention=cfg["cross_attention"],
                            source=f"random weights ({cfg['size']}, seed {cfg['seed']}): for benchmarks only")
    print(f"written to {out} in {time.time() - started:.0f} s", flush=True)
    return out


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
