"""Parsing Debian's dict-foldoc into documents: real entries come out clean, stubs are dropped, ids are unique."""
import pytest

from ragkit.data.foldoc import b64_number, clean_body, is_stub, parse_foldoc, slugify


@pytest.fixture(scope="module")
def docs():
    return {d["id"]: d for d in parse_foldoc()}


def test_dictd_numbers_are_base64_most_significant_first():
    assert b64_number("A") == 0 and b64_number("BA") == 64 and b64_number("Gb9L") == 6 * 64**3 + 27 * 64**2 + 61 * 64 + 11


def test_perl_reads_as_plain_prose(docs):
    perl = docs["perl"]
    assert perl["title"] == "Perl"
    assert perl["text"].startswith("A high-level programming language, started by Larry Wall in 1987 and developed as an open source project.")
    for debris in ("{", "}", "<language", "(1999-", "http", "  "):
        assert debris not in perl["text"], debris


def test_c_keeps_its_facts_and_loses_its_markup(docs):
    c = docs["c"]  # "C" wins the slug "c" over "(c)", which becomes "c-2"
    assert c["title"] == "C" and docs["c-2"]["title"] == "(c)"
    assert c["text"].startswith("A programming language designed by Dennis Ritchie at AT&T Bell Labs ca. 1972")


def test_a_cross_reference_broken_over_a_blank_line_is_removed(docs):
    # Unix ends with "{Spanish fire extinguisher\n   \n(ftp://...)}": a link whose brace spans a blank line.
    assert "Spanish fire extinguisher" not in docs["unix"]["text"] and "{" not in docs["unix"]["text"]


def test_stubs_and_front_matter_are_dropped(docs):
    titles = {d["title"] for d in docs.values()}
    assert "Missing definition" not in titles and "Acknowledgements" not in titles
    assert all(len(d["text"].split()) >= 8 for d in docs.values())


def test_ids_are_unique_and_text_is_single_spaced(docs):
    assert len(docs) > 9000
    for doc in docs.values():
        assert doc["text"] == " ".join(doc["text"].split()), doc["id"]


def test_clean_body_resolves_links_and_drops_dates_and_contacts():
    lines = ["   <language> A {dialect (Lisp dialect)} of {Lisp}, see",
             "   {(http://example.org/)}.", "", "   E-mail: <a@b.org>.", "", "   (1994-11-04)"]
    assert clean_body(lines) == "A dialect of Lisp, see."


def test_redirects_are_stubs():
    assert is_stub("See Unix.", 8) and is_stub("See also the entry for foo bar baz qux.", 8)
    assert not is_stub("A language designed by Dennis Ritchie for systems programming.", 8)


def test_slugs_spell_symbols():
    assert slugify("C++") == "c-plus-plus" and slugify("C#") == "c-sharp" and slugify("$") == "sym-24"
