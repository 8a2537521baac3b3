"""Parse Debian's dict-foldoc (the Free On-line Dictionary of Computing, GFDL) into documents.

Each FOLDOC entry becomes one document {"id", "title", "text"}:
- the entry is located through the dictd index (headword, base64 offset, base64 length); several headwords that
  point at the same bytes are aliases of one entry, whose title is the first unindented line of the entry;
- the text is cleaned for reading: cross-references "{Unix}" -> "Unix", "{left (left parenthesis)}" -> "left",
  link-only braces "{(http://...)}" removed, "<language, tool>" category tags and "<user@host>" addresses removed,
  "/yoo'niks/" pronunciations, "[Jargon File]" source brackets, "(1999-07-11)" dates, contact lines (E-mail,
  Address, Telephone, ...) and "See also" paragraphs dropped, whitespace collapsed;
- stubs are dropped: empty entries, pure redirects ("<language> See X"), entries of fewer than `min_words` words.
The document id is a slug of the title ("Perl" -> "perl"), made unique by "-2", "-3" in file order.

    python3 -m ragkit.data.foldoc --out=index-data/demo/foldoc.jsonl
"""
import gzip
import json
import os
import re

from ragkit.overrides import parse_overrides

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DEFAULTS = {
    "dict": "/usr/share/dictd/foldoc.dict.dz",  # gzip-compatible dictzip file
    "index": "/usr/share/dictd/foldoc.index",  # dictd index: headword TAB offset TAB length (base64)
    "out": os.path.join(_REPO, "index-data", "demo", "foldoc.jsonl"),  # the committed demo corpus
    "min_words": 8,  # entries shorter than this after cleaning are stubs
}

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Paragraphs that only carry contact details or navigation, useless to a reader of the passage.
_DROP_PARAGRAPH = re.compile(
    r"^(E-?mail|Address|Telephone|Tel|Fax|Mailing [Ll]ist|Mail server|Contact|Headquarters|See also|"
    r"Usenet newsgroups?|Home|Web ?site|FTP|Latest version|Posted|FAQ)\b[^.]{0,40}?:?", re.I)
_DATE_LINE = re.compile(r"^\(\d{4}-\d{2}-\d{2}\)$")
_TAG = re.compile(r"<([a-z][a-z0-9 ,./&'-]*)>")
_EMAIL = re.compile(r"<[^<>\s]+@[^<>\s]+>|<(?:https?|ftp|news|mailto|telnet|gopher):[^<>\s]+>")
_PRONUNCIATION = re.compile(r"^(\d+\.\s+)?/[^/\n]{1,60}/\s*")
_SOURCE_BRACKET = re.compile(r"\[\s*\{?[^\[\]]{0,300}\}?\s*\]\.?")
_BARE_URL = re.compile(r"\(?\b(?:https?|ftp|news|mailto|telnet|gopher)://?[^\s)]*\)?")


def b64_number(text):
    """Decodes a dictd base64 number (most significant digit first)."""
    value = 0
    for ch in text:
        value = value * 64 + _B64.index(ch)
    return value


def read_entries(dict_path, index_path):
    """Yields (headwords, raw entry text) for each distinct entry, in file order."""
    with gzip.open(dict_path, "rb") as f:
        data = f.read()
    spans = {}
    with open(index_path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                continue
            spans.setdefault((b64_number(parts[1]), b64_number(parts[2])), []).append(parts[0])
    for (offset, length), headwords in sorted(spans.items()):
        yield headwords, data[offset:offset + length].decode("utf-8", errors="replace")


def _clean_braces(text):
    """Resolves FOLDOC cross-references: "{X}" -> X, "{label (target)}" -> label, "{(url)}" -> nothing."""
    def repl(m):
        inner = " ".join(m.group(1).split())
        label = re.sub(r"\s*\([^()]*\)\s*$", "", inner) if not inner.startswith("(") else ""
        if re.match(r"^(https?|ftp|news|mailto):", label):
            return ""
        return label
    # Innermost braces first; FOLDOC does not nest them, but a stray brace must not swallow the entry.
    return re.sub(r"\{([^{}]*)\}", repl, text)


def clean_body(lines):
    """Turns the indented body lines of an entry into readable text (see the module docstring)."""
    paragraphs, current = [], []
    for line in lines + [""]:
        if line.strip():
            current.append(line.strip())
        elif current and "".join(current).count("{") > "".join(current).count("}"):
            continue  # a cross-reference broken over a blank line: keep reading until its brace closes
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    kept = []
    for para in paragraphs:
        if _DATE_LINE.match(para):
            continue
        # Link-only paragraphs ("{esoteric programming languages} {wiki entry (http://...)}.") carry no prose.
        if not re.sub(r"\{[^{}]*\}|[\s.,;:]", "", para):
            continue
        para = _TAG.sub("", para)
        para = _EMAIL.sub("", para)
        para = _clean_braces(para)
        para = _SOURCE_BRACKET.sub("", para)
        para = _BARE_URL.sub("", para)
        para = _PRONUNCIATION.sub(lambda m: m.group(1) or "", para.strip())
        para = re.sub(r"\(\s*\)|\[\s*\]", "", para)
        para = re.sub(r"\s+([.,;:])", r"\1", " ".join(para.split()))
        if not para or _DROP_PARAGRAPH.match(para) or re.fullmatch(r"[\W\d]*", para):
            continue
        kept.append(para)
    return " ".join(kept)


def is_stub(text, min_words):
    """True for entries with nothing to read: empty, too short, or a pure redirect ("See X.")."""
    words = text.split()
    if len(words) < min_words:
        return True
    return bool(re.match(r"^(\d+\.\s*)?(See|Synonym for|Same as|Abbreviation for)\b", text)) and len(words) < 15


def slugify(title):
    """A readable, URL-safe id for a title; symbol-only titles fall back to their code points."""
    spelled = title.lower().replace("+", "-plus-").replace("#", "-sharp-").replace("&", "-and-")
    slug = re.sub(r"[^a-z0-9]+", "-", spelled).strip("-")
    return slug or "sym-" + "-".join(f"{ord(c):x}" for c in title)


def parse_foldoc(dict_path=DEFAULTS["dict"], index_path=DEFAULTS["index"], min_words=DEFAULTS["min_words"]):
    """Returns the list of cleaned documents {"id", "title", "text", "tags", "aliases"} in file order; "tags" are
    the entry's FOLDOC categories ("language", "company", ...) and "aliases" its other headwords ("DEC" for
    "Digital Equipment Corporation"), used for generation and not written to the corpus."""
    docs = []
    for headwords, raw in read_entries(dict_path, index_path):
        if any(h.startswith("00-database") or h.startswith("00database") for h in headwords):
            continue
        lines = raw.split("\n")
        head = []
        while lines and lines[0].strip() and not lines[0].startswith((" ", "\t")):
            head.append(lines.pop(0).strip())
        if not head:
            continue
        if "<introduction>" in raw:
            continue  # the dictionary's own front matter, not an entry
        text = clean_body(lines)
        if is_stub(text, min_words):
            continue
        tags = []
        for match in _TAG.finditer(raw):
            tags += [t.strip() for t in match.group(1).split(",") if t.strip() and t.strip() not in tags]
        docs.append({"id": None, "title": head[0], "text": text, "tags": tags, "aliases": head[1:]})
    _assign_ids(docs)
    return docs


def _assign_ids(docs):
    """Gives each document its slug; a title that is its own slug ("c" for "C", not "(c)") wins a shared slug,
    the others take "-2", "-3", ... in file order."""
    taken = set()
    plain = [d for d in docs if slugify(d["title"]) == d["title"].lower()]
    for doc in plain + [d for d in docs if slugify(d["title"]) != d["title"].lower()]:
        base, n = slugify(doc["title"]), 1
        doc_id = base
        while doc_id in taken:
            n += 1
            doc_id = f"{base}-{n}"
        taken.add(doc_id)
        doc["id"] = doc_id


def write_jsonl(path, rows):
    """Writes rows as UTF-8 JSON lines (non-ASCII kept readable)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path):
    """Reads a JSON-lines file into a list of dicts."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    """Command line: parse FOLDOC and write the corpus as JSON lines."""
    config = parse_overrides(DEFAULTS)
    docs = parse_foldoc(config["dict"], config["index"], config["min_words"])
    write_jsonl(config["out"], [{k: d[k] for k in ("id", "title", "text")} for d in docs])
    words = sum(len(d["text"].split()) for d in docs)
    print(f"wrote {len(docs)} documents ({words} words) to {config['out']}")


if __name__ == "__main__":
    main()
