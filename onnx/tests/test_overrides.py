import pytest

from ragkit.overrides import parse_overrides


def test_overrides_parse_to_the_default_type():
    config = parse_overrides({"steps": 10, "lr": 1e-3, "name": "x", "flag": False}, ["--steps=5", "--lr=0.5", "--flag=true"])
    assert config == {"steps": 5, "lr": 0.5, "name": "x", "flag": True}


def test_unknown_keys_are_rejected():
    with pytest.raises(SystemExit, match="unknown option --stpes"):
        parse_overrides({"steps": 10}, ["--stpes=5"])
