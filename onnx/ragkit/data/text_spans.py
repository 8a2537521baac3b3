"""Reading FOLDOC prose: sentences with character offsets, names of people and organisations, acronym checks.

Everything here works on a document's cleaned text (single spaces), so a span found here is a run of whole
words that appears verbatim in the passage that contains it.
"""
import re

# Abbreviations after which a period does not end a sentence.
_NO_BREAK = {"ca", "c", "e.g", "i.e", "etc", "dr", "mr", "mrs", "ms", "prof", "inc", "corp", "ltd", "co", "vs",
             "al", "st", "jr", "sr", "no", "vol", "approx", "cf", "fig", "ed", "eds", "dept", "univ", "ver", "v"}
_STOP = {"of", "and", "the", "for", "a", "an", "in", "on", "to", "with", "by", "at", "from", "or", "&"}
PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "le", "la", "del", "ter"}
ORG_WORDS = {
    "Labs", "Lab", "Laboratories", "Laboratory", "Inc", "Inc.", "Corp", "Corp.", "Corporation", "Company", "Co",
    "Co.", "Ltd", "Ltd.", "Limited", "LLC", "GmbH", "AG", "plc", "PLC", "Systems", "Microsystems", "Software",
    "Computer", "Computers", "Computing", "Research", "University", "Universit", "College", "Institute",
    "Group", "Associates", "Technologies", "Technology", "Electronics", "Instruments", "Graphics", "Data",
    "Networks", "Foundation", "Consortium", "Project", "Team", "Committee", "Department", "Digital", "Center",
    "Centre", "Association", "Society", "Council", "Agency", "Office", "International", "Industries",
    "Semiconductor", "Semiconductors", "Devices", "Machines", "Communications", "Telecom", "Media", "Press",
    "Publishing", "Microsoft", "Apple", "Intel", "Motorola", "Xerox", "Google", "Oracle", "Sun", "Netscape",
    "Novell", "Borland", "Adobe", "Lotus", "Atari", "Commodore", "Acorn", "Hewlett-Packard", "Bell", "Force",
    "Navy", "Army", "Government", "Ministry", "Agency", "Working", "Task", "Forum", "Alliance", "Board",
    "Union", "Bureau", "Service", "Services", "Solutions", "Products", "Enterprises", "Holdings", "Partners",
    "Labs.", "PARC", "DARPA", "ARPA", "NASA", "IEEE", "ISO", "ANSI", "ACM", "W3C", "IETF", "CERN", "MIT",
    "CMU", "UCL", "UCLA", "INRIA", "DEC", "IBM", "HP", "AT&T", "NeXT", "SGI", "Symbolics", "Cray", "Unisys",
    "Univac", "Honeywell", "Burroughs", "Fujitsu", "Hitachi", "NEC", "Toshiba", "Siemens", "Philips", "Sony",
    "Nokia", "Ericsson", "Amdahl", "Compaq", "Dell", "Gateway", "Wang", "Prime", "Data", "Tandem", "Zilog",
    "Inmos", "Texas", "Thinking", "Scientific", "Engineering", "Design", "Development", "Programming",
}
NOT_NAME_WORDS = {
    "The", "This", "That", "These", "It", "Its", "A", "An", "In", "On", "At", "By", "For", "Version", "Release",
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December", "Unix", "Windows", "Linux", "Lisp", "Pascal", "Ada", "Fortran", "Java", "Perl",
    "Internet", "Web", "Free", "Open", "Standard", "Language", "System", "Public", "Domain", "English",
    "American", "British", "European", "Japanese", "German", "French", "National", "Royal", "General",
    "Professor", "Dr", "Mr", "Sir", "Also", "Later", "See", "Note", "Both", "Most", "Many", "Some",
}
_NAME_TOKEN = re.compile(
    r"(?:[A-Z]\.(?:-?[A-Z]\.)*"                      # initials: "A.", "J.R.", "J.-Y."
    r"|(?:Mc|Mac|O')?[A-Z][a-z]+(?:-[A-Z][a-z]+)*"     # "Ritchie", "McCarthy", "O'Brien", "Jean-Yves"
    r"|[A-Z][a-z]*[A-Z][a-z]+)$"                      # "LaStrange", "DeRemer"
)


def sentences(text):
    """Splits cleaned text into sentences; returns (start, end) character offsets, end exclusive."""
    spans, start = [], 0
    for m in re.finditer(r"[.!?](?=\s+[\"(A-Z0-9])", text):
        before = text[start:m.start()].split()
        last = before[-1].lower().rstrip(".") if before else ""
        if last in _NO_BREAK or re.fullmatch(r"[A-Za-z]|\d{1,2}", last) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", last):
            continue  # "ca. 1972", "A. Newell", "e.g. Unix", "J.R. Cordy", the sense number "1. A language"
        spans.append((start, m.end()))
        start = m.end() + 1
        while start < len(text) and text[start] == " ":
            start += 1
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def read_capitalised(text, pos, max_tokens=6, allow_of=False, possessive=False):
    """Reads a run of capitalised words starting at `pos` ("Dennis Ritchie", "AT&T Bell Labs", "University of
    Edinburgh" with allow_of). Returns (start, end, tokens, next_text) or None when nothing capitalised is there.
    `next_text` is what follows the span, for the caller's boundary checks. With `possessive`, a final "Name's"
    ends the span before the apostrophe (next_text then starts with "'s")."""
    tokens, spans = [], []
    for m in re.finditer(r"\S+", text[pos:]):
        raw = m.group(0)
        if re.search(r"[()?!\[\]]", raw.rstrip(",.;:)\"'")):
            break  # "Saskatchewan(?)": an uncertain or bracketed word is not part of a clean name
        word = raw.rstrip(",.;:)\"'")
        trailing = raw[len(word):]
        if word.endswith("'s") or word.endswith("'"):
            if not possessive or not word.endswith("'s") or len(word) < 4:
                return None  # "Patterson's group": the name is not the whole answer
            tokens.append(word[:-2])
            spans.append((pos + m.start(), pos + m.start() + len(word) - 2))
            break  # "IBM's first computer": the owner ends at the apostrophe
        capital = bool(re.match(r"[A-Z0-9]", word)) or (word in PARTICLES and tokens) or (
            allow_of and word in ("of", "&", "de", "for") and tokens)
        if not word or not capital:
            break
        tokens.append(word)
        spans.append((pos + m.start(), pos + m.start() + len(word)))
        if trailing and not (trailing == "." and re.fullmatch(r"(?:[A-Z]\.)*[A-Z]", word)):
            break  # punctuation after the word ends the name, except the period of an initial
        if trailing == "." and re.fullmatch(r"(?:[A-Z]\.)*[A-Z]", word):
            spans[-1] = (spans[-1][0], spans[-1][1] + 1)
            tokens[-1] += "."
        if len(tokens) > max_tokens:
            return None
    if tokens and tokens[-1] in {"of", "&", "de", "for"} | PARTICLES:
        return None  # "University of" + something unreadable: the name is cut short
    if not tokens:
        return None
    start, end = spans[0][0], spans[-1][1]
    return start, end, tokens, text[end:]


def is_person(tokens, people, non_people):
    """True when capitalised tokens look like one person's name: 2-4 name tokens, the last a full word, no
    organisation word, and not the title of a FOLDOC entry that is not a person."""
    name = " ".join(tokens)
    if name in people:
        return True
    if not 2 <= len(tokens) <= 4 or name in non_people:
        return False
    if any(t in ORG_WORDS or t in NOT_NAME_WORDS for t in tokens):
        return False
    if not re.fullmatch(r"(?:Mc|Mac|O')?[A-Z][a-z]+(?:-[A-Z][a-z]+)*|[A-Z][a-z]*[A-Z][a-z]+", tokens[-1]):
        return False
    return all(_NAME_TOKEN.match(t) or t in PARTICLES for t in tokens)


def is_company(tokens, companies):
    """True when capitalised tokens name a company: a FOLDOC <company> entry or a name with a corporate word."""
    name = " ".join(tokens)
    if name in companies:
        return True
    corporate = {"Inc", "Inc.", "Corp", "Corp.", "Corporation", "Company", "Co.", "Ltd", "Ltd.", "Limited",
                 "LLC", "GmbH", "AG", "plc", "PLC", "Microsystems", "Computers", "Software", "Technologies",
                 "Electronics", "Instruments", "Industries", "Semiconductor", "Associates", "Systems"}
    return len(tokens) <= 5 and tokens[-1] in corporate and tokens[0] not in NOT_NAME_WORDS


def _initials_match(letters, words):
    """True when `letters` (upper case) can be spelled by taking, in order, a non-empty prefix or the capitals of
    each word; short function words may contribute nothing."""
    memo = {}

    def go(i, j):
        if (i, j) in memo:
            return memo[(i, j)]
        if j == len(words):
            return i == len(letters)
        word = words[j]
        ok = word.lower() in _STOP and go(i, j + 1)
        if not ok:
            low = word.upper()
            for k in range(1, min(len(word), len(letters) - i) + 1):
                if low[:k] != letters[i:i + k]:
                    break
                if go(i + k, j + 1):
                    ok = True
                    break
        if not ok:
            caps = "".join(c for c in word if c.isupper() or c.isdigit())
            ok = len(caps) > 1 and letters[i:i + len(caps)] == caps and go(i + len(caps), j + 1)
        memo[(i, j)] = ok
        return ok

    return go(0, 0)


def expands(acronym, expansion):
    """True when `expansion` ("Compatible Time-Sharing System") spells `acronym` ("CTSS") by its initials."""
    letters = "".join(c for c in acronym.upper() if c.isalnum())
    words = [w for w in re.split(r"[\s\-/]+", re.sub(r"[^\w\s\-/&]", "", expansion)) if w]
    if len(letters) < 2 or not words or len(words) > len(letters) + 3:
        return False
    return _initials_match(letters, words)
