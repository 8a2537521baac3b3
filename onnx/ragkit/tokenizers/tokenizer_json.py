"""Writers of Hugging Face `tokenizer.json` (plus `tokenizer_config.json` and `special_tokens_map.json`) for the
two kinds of tokenizer in RAG: BART's byte-level BPE and BERT's uncased WordPiece (DPR). Also converts the
vocabulary files of real checkpoints: BERT's `vocab.txt` and BART's `vocab.json` + `merges.txt`."""
import json
import os

BART_SPECIALS = {"bos_token": "<s>", "pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>",
                 "mask_token": "<mask>", "cls_token": "<s>", "sep_token": "</s>"}
BERT_SPECIALS = {"pad_token": "[PAD]", "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]",
                 "mask_token": "[MASK]"}


def _added_token(id_, content, normalized, lstrip=False):
    return {"id": id_, "content": content, "single_word": False, "lstrip": lstrip, "rstrip": False,
            "normalized": normalized, "special": True}


def bpe_tokenizer_json(vocab, merges):
    """tokenizer.json of a BART (RoBERTa-style) byte-level BPE; vocab maps token -> id and holds the specials."""
    for token in ("<s>", "<pad>", "</s>", "<unk>", "<mask>"):
        assert token in vocab, f"BART vocabulary lacks {token}"
    added = [_added_token(vocab[t], t, True, lstrip=(t == "<mask>"))
             for t in ("<s>", "<pad>", "</s>", "<unk>", "<mask>")]
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": sorted(added, key=lambda t: t["id"]),
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", vocab["</s>"]], "cls": ["<s>", vocab["<s>"]],
                           "trim_offsets": True, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
    }


def _special(token, id_, type_id):
    return {"SpecialToken": {"id": token, "type_id": type_id}}


def wordpiece_tokenizer_json(vocab, lowercase=True):
    """tokenizer.json of an uncased (or cased) BERT WordPiece with `[CLS] A [SEP]` / `[CLS] A [SEP] B [SEP]`."""
    for token in BERT_SPECIALS.values():
        assert token in vocab, f"BERT vocabulary lacks {token}"
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    added = [_added_token(vocab[t], t, False) for t in BERT_SPECIALS.values()]
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": sorted(added, key=lambda t: t["id"]),
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": lowercase},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [_special("[CLS]", cls, 0), {"Sequence": {"id": "A", "type_id": 0}}, _special("[SEP]", sep, 0)],
            "pair": [_special("[CLS]", cls, 0), {"Sequence": {"id": "A", "type_id": 0}}, _special("[SEP]", sep, 0),
                     {"Sequence": {"id": "B", "type_id": 1}}, _special("[SEP]", sep, 1)],
            "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [cls], "tokens": ["[CLS]"]},
                               "[SEP]": {"id": "[SEP]", "ids": [sep], "tokens": ["[SEP]"]}},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }


def write_tokenizer(out_dir, tokenizer_json, kind, model_max_length=None, tokenizer_class=None):
    """Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json into out_dir (kind: bpe|wordpiece)."""
    assert kind in ("bpe", "wordpiece"), f"kind must be bpe or wordpiece, got {kind!r}"
    os.makedirs(out_dir, exist_ok=True)
    if kind == "bpe":
        specials = BART_SPECIALS
        # NOTE: decode must round-trip byte-level text, so the " ." -> "." clean-up of old tokenizers stays off.
        config = {"tokenizer_class": tokenizer_class or "BartTokenizer", "add_prefix_space": False,
                  "model_max_length": model_max_length or 1024, "clean_up_tokenization_spaces": False, **specials}
    else:
        specials = BERT_SPECIALS
        lowercase = tokenizer_json["normalizer"]["lowercase"]
        config = {"tokenizer_class": tokenizer_class or "BertTokenizer", "do_lower_case": lowercase,
                  "tokenize_chinese_chars": True, "strip_accents": None, "model_max_length": model_max_length or 512,
                  "clean_up_tokenization_spaces": True, **specials}
    for name, content in (("tokenizer.json", tokenizer_json), ("tokenizer_config.json", config),
                          ("special_tokens_map.json", specials)):
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            json.dump(content, f, ensure_ascii=False, indent=None if name == "tokenizer.json" else 2)
    return os.path.join(out_dir, "tokenizer.json")


def convert_bert_vocab(vocab_txt, out_dir, do_lower_case=True, **kwargs):
    """Converts BERT's vocab.txt (one token per line, id = line number) into tokenizer.json in out_dir."""
    with open(vocab_txt, encoding="utf-8") as f:
        tokens = [line.rstrip("\n") for line in f]
    while tokens and tokens[-1] == "":
        tokens.pop()  # a trailing empty line is not a token
    vocab = {}
    for i, token in enumerate(tokens):
        vocab.setdefault(token, i)
    return write_tokenizer(out_dir, wordpiece_tokenizer_json(vocab, lowercase=do_lower_case), "wordpiece", **kwargs)


def convert_bart_vocab(vocab_json, merges_txt, out_dir, **kwargs):
    """Converts BART's vocab.json ({token: id}) and merges.txt ("#version" header, then "a b" lines)."""
    with open(vocab_json, encoding="utf-8") as f:
        vocab = json.load(f)
    merges = []
    with open(merges_txt, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#version"):
                continue
            a, b = line.split(" ")
            merges.append((a, b))
    return write_tokenizer(out_dir, bpe_tokenizer_json(vocab, merges), "bpe", **kwargs)
