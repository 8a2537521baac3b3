"""Configs as Hugging Face `config.json` files: dataclasses with HF's field names that read a config.json (ignoring
keys they do not model, after checking those that would change the architecture) and write one that transformers
and transformers.js read as `model_type` "bart" / "dpr"."""
import dataclasses
import json
import os


def known_fields(cls, data):
    """The entries of `data` that are fields of the dataclass `cls` (HF configs carry many more keys)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def check_model_type(data, expected):
    """Refuses a config of another architecture (a BERT config given where BART is expected, say)."""
    found = data.get("model_type", expected)
    assert found == expected, f"config.json has model_type {found!r}, expected {expected!r}"


def read_config_json(path):
    """Reads `path`, or `path/config.json` when `path` is a folder."""
    if os.path.isdir(path):
        path = os.path.join(path, "config.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_config_json(path, data):
    """Writes `data` as `path/config.json` when `path` is a folder, else to `path` (sorted keys, stable diffs)."""
    if os.path.isdir(path):
        path = os.path.join(path, "config.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
    return path
