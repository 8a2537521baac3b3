"""The Python tokenizers against @huggingface/tokenizers (the JS library the service uses): same ids on a few
hundred varied strings, for trained tokenizers and for ones converted from vocabulary files."""
import json
import os
import random
import subprocess

import pytest

from ragkit.tokenizers import (convert_bart_vocab, convert_bert_vocab, load_tokenizer, train_bpe,
                               train_wordpiece)
from ragkit.tokenizers.sample_text import sample_corpus

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECK = os.path.join(ROOT, "tools", "tokenizer-check.mjs")

HANDMADE = [
    "", " ", "  ", "hello", " hello", "  hello", "hello ", "hello  world", "Hello, World!", "Hello\nworld\n",
    "tab\there", "\r\n windows \r\n", "multiple   spaces   inside", "trailing spaces   ",
    "isn't it? We're sure they've done it, I'm told.", "'s 't 're", "O'Neil's  o'clock",
    "3.14159 and 2,718,281 and 1e-10 and 0xFF", "1234567890123456789", "phone: +1 (555) 010-9999",
    "naïve café résumé", "NAÏVE CAFÉ", "Straße über Zürich", "Ångström", "e\u0301t\u00e9", "ﬁnance ﬂow",
    "東京は日本の首都です。", "漢字かな交じり文", "한국어 텍스트", "Москва — столица России.", "Αθήνα λόγος",
    "مرحبا بالعالم", "שלום עולם", "हिन्दी भाषा", "emoji 😀🚀✓ mix", "👩‍👩‍👧 family", "flag 🇫🇷 here",
    "a" * 150, "supercalifragilisticexpialidocious antidisestablishmentarianism", "x" * 99 + " " + "y" * 101,
    "<s> inside </s> text", "the <mask> token", "the<mask>token", "[CLS] bert [SEP] marks [MASK] here",
    "[unused1] [PAD]", "<pad><unk>", "control\x00chars\x07here\x1f", "zero\u200bwidth\ufeffjoin", "nbsp\u00a0here",
    "em\u2003space\u3000ideographic", "line\u2028sep", "$100 + 5% = ~$105 | ^_^ `code` <tag> {braces} [brackets]",
    "...!!!???", "--- *** ###", "a.b.c", "U.S.A.", "e-mail@example.com http://example.org/path?q=1&r=2",
    "¿Qué? ¡Sí!", "« guillemets » … ellipsis – dash", "€100 £50 ¥1000 ±0.5 °C ×2 ÷3",
]


def random_strings(n, seed):
    """Strings mixing the sample corpus's words with random characters and odd spacing."""
    rng = random.Random(seed)
    pool = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"-()[]<>/\\@#$%^&*_+=~`|{}")
    pool += list("éèêëàâäôöûüçñÉÀÇßøåæœ東京漢字한국ΑλКн😀🚀€£\t\n\u00a0\u3000")
    corpus = sample_corpus(200, seed=seed + 1)
    out = []
    for i in range(n):
        if i % 2:
            out.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 40))))
        else:
            text = rng.choice(corpus)
            out.append((" " * rng.randint(0, 2)) + text[: rng.randint(1, len(text))] + (" " * rng.randint(0, 2)))
    return out


def cases():
    texts = HANDMADE + random_strings(300, seed=7)
    rng = random.Random(3)
    pairs = [{"text": rng.choice(texts), "pair": rng.choice(texts)} for _ in range(60)]
    return [{"text": t} for t in texts] + pairs


def run_js(folder, cases, decode=()):
    request = json.dumps({"dir": folder, "cases": cases, "decode": list(decode)})
    out = subprocess.run(["node", CHECK], input=request, capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout)


def assert_same_as_js(folder, with_types):
    tokenizer = load_tokenizer(folder)
    all_cases = cases()
    js = run_js(folder, all_cases)["encodings"]
    assert len(js) == len(all_cases)
    mismatches = []
    for case, expected in zip(all_cases, js):
        got = tokenizer.encode_plus(case["text"], case.get("pair"))
        if got["input_ids"] != expected["ids"] or (with_types and got["token_type_ids"] != expected["token_type_ids"]):
            mismatches.append((case, got["input_ids"], expected["ids"]))
    assert not mismatches, f"{len(mismatches)} of {len(all_cases)} differ, first: {mismatches[:3]}"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("tok")
    corpus = sample_corpus(1500)
    train_bpe(corpus, 1000, str(root / "bpe"))
    train_wordpiece(corpus, 800, str(root / "wp"))
    return root


def test_trained_bpe_has_bart_special_ids_and_the_asked_size(trained):
    tok = load_tokenizer(str(trained / "bpe"))
    assert [tok.token_to_id(t) for t in ("<s>", "<pad>", "</s>", "<unk>")] == [0, 1, 2, 3]
    assert tok.token_to_id("<mask>") == tok.vocab_size - 1 == 999
    assert tok.encode("hi")[0] == 0 and tok.encode("hi")[-1] == 2


def test_trained_wordpiece_has_bert_specials_and_type_ids(trained):
    tok = load_tokenizer(str(trained / "wp"))
    assert [tok.token_to_id(t) for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")] == [0, 1, 2, 3, 4]
    assert tok.vocab_size == 800
    enc = tok.encode("the city", "of london")
    assert enc["ids"][0] == 2 and enc["ids"].count(3) == 2
    assert enc["type_ids"] == [0] * 4 + [1] * 3, enc
    assert any(t.startswith("##") for t in tok.vocab), "WordPiece learned no continuation pieces"


def test_trained_bpe_encodes_like_huggingface_js(trained):
    assert_same_as_js(str(trained / "bpe"), with_types=True)


def test_trained_wordpiece_encodes_like_huggingface_js(trained):
    assert_same_as_js(str(trained / "wp"), with_types=True)


def test_byte_level_decode_round_trips(trained):
    tok = load_tokenizer(str(trained / "bpe"))
    texts = [c["text"] for c in cases() if "pair" not in c and "<" not in c["text"]]
    for text in texts:
        assert tok.decode(tok.encode(text)) == text
    # and the JS decoder reads our ids back to the same text
    sample = texts[:80]
    assert run_js(str(trained / "bpe"), [], [tok.encode(t) for t in sample])["decoded"] == sample


def test_truncation_keeps_the_closing_special_token(trained):
    tok = load_tokenizer(str(trained / "bpe"))
    ids = tok.encode("the city of London was the first " * 10, max_length=12)
    assert len(ids) == 12 and ids[0] == 0 and ids[-1] == 2
    wp = load_tokenizer(str(trained / "wp"))
    enc = wp.encode_plus("a b c d e f g", "h i", max_length=8)
    assert enc["input_ids"] == wp.encode("a b c", "h i")["ids"], "longest-first truncation trims the longer sequence"


def test_converted_bert_vocab_txt_encodes_like_huggingface_js(trained, tmp_path):
    # a vocab.txt in BERT's own layout: [PAD] 0, unused slots, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103
    pieces = [t for t in load_tokenizer(str(trained / "wp")).vocab if not t.startswith("[")]
    lines = ["[PAD]"] + [f"[unused{i}]" for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"] + pieces
    (tmp_path / "vocab.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    convert_bert_vocab(str(tmp_path / "vocab.txt"), str(tmp_path / "out"))
    tok = load_tokenizer(str(tmp_path / "out"))
    assert tok.encode("hello")["ids"][0] == 101 and tok.token_to_id("[UNK]") == 100
    assert_same_as_js(str(tmp_path / "out"), with_types=True)


def test_converted_bart_vocab_and_merges_encode_like_huggingface_js(trained, tmp_path):
    spec = json.loads((trained / "bpe" / "tokenizer.json").read_text(encoding="utf-8"))
    (tmp_path / "vocab.json").write_text(json.dumps(spec["model"]["vocab"]), encoding="utf-8")
    merges = "#version: 0.2\n" + "\n".join(spec["model"]["merges"]) + "\n"
    (tmp_path / "merges.txt").write_text(merges, encoding="utf-8")
    convert_bart_vocab(str(tmp_path / "vocab.json"), str(tmp_path / "merges.txt"), str(tmp_path / "out"))
    tok, original = load_tokenizer(str(tmp_path / "out")), load_tokenizer(str(trained / "bpe"))
    assert tok.encode("Paris, café 東京") == original.encode("Paris, café 東京")
    assert_same_as_js(str(tmp_path / "out"), with_types=True)


def test_wordpiece_decode_matches_huggingface_js(trained):
    tok = load_tokenizer(str(trained / "wp"))
    ids = [tok.encode(c["text"], c.get("pair"))["ids"] for c in cases()]
    expected = run_js(str(trained / "wp"), [], ids)["decoded"]
    assert [tok.decode(i) for i in ids] == expected
    assert "##" not in "".join(expected) and expected.count("") < len(expected) // 4, "decode produced little text"


def test_a_wordpiece_smaller_than_the_alphabet_keeps_the_frequent_characters(tmp_path):
    train_wordpiece(sample_corpus(300), 60, str(tmp_path / "wp"))
    tok = load_tokenizer(str(tmp_path / "wp"))
    assert tok.vocab_size == 60
    assert tok.token_to_id("e") is not None and tok.token_to_id("東") is None
    assert tok.encode("東")["ids"] == [2, 1, 3]  # [CLS] [UNK] [SEP]
