"""Command-line configuration in nanoGPT's manner: each script documents its defaults in a dict at the top,
and `--key=value` arguments override them. Unknown keys are rejected; values are parsed to the default's type."""
import json
import sys


def _parse(key, raw, default):
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes"):
            return True
        if raw.lower() in ("0", "false", "no"):
            return False
        raise SystemExit(f"--{key} must be true or false, got {raw!r}")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, (list, dict)):
        return json.loads(raw)
    return raw  # strings and None defaults stay strings


def parse_overrides(defaults, argv=None):
    """Returns a copy of `defaults` with `--key=value` overrides from argv (sys.argv[1:] by default)."""
    config = dict(defaults)
    for arg in sys.argv[1:] if argv is None else argv:
        if not arg.startswith("--") or "=" not in arg:
            raise SystemExit(f"arguments are --key=value, got {arg!r}")
        key, raw = arg[2:].split("=", 1)
        key = key.replace("-", "_")
        if key not in defaults:
            raise SystemExit(f"unknown option --{key}; known: {', '.join(sorted(defaults))}")
        config[key] = _parse(key, raw, defaults[key])
    return config
