"""Invented values for synthetic documents: names of people, places and organisations, dates, numbers, measures.

Names are built from syllables with consonant clusters ("Brenthaw", "Oskarven"), not only alternating letters, so
that they look like the names of real corpora while no model can know them: the reader has to copy them. Most are of
one or two syllables and half of the given names are common ones ("Clara Drenthaw"), as in real documents: long
invented names are many BPE pieces each, which the small reader copied badly. Every value is drawn from the
`random.Random` it is given, so a document is reproducible from its seed.
"""
_ONSETS = ("b b bl br c ch cr d d dr f fr g gr h h j k l l m m n n p pr r r s s sh st t t th tr v w w y z "
           "").split(" ")
_NUCLEI = "a e i o u a e i o a e o ai au ea ee ou".split()
_CODAS = [""] * 8 + "n r l s t m d nd nt rd rn st th ll ng".split()
_ENDINGS = ("",) * 12 + ("a", "o", "er", "on", "en", "el", "in", "ard", "ley", "ton", "ham", "by", "wick", "ford",
            "more", "dale", "ov", "ez", "ini", "sen", "berg", "ia", "us")
GIVEN_NAMES = ("Anna Arthur Beatrice Charles Clara Daniel Edith Edward Eleanor Frederick Grace Harold Helen Henry "
               "Isabel James Jane John Josephine Laura Lucy Margaret Martin Mary Matthew Nora Oliver Peter Rose "
               "Samuel Sophia Thomas Victor Walter William").split()
MONTHS = ("January February March April May June July August September October November December").split()


def word(rng, syllables=None):
    """An invented capitalised word of one to three syllables and an ending."""
    n = syllables or rng.choice((1, 1, 1, 2, 2, 3))
    parts = [rng.choice(_ONSETS) + rng.choice(_NUCLEI) + rng.choice(_CODAS) for _ in range(n)]
    text = "".join(parts) + rng.choice(_ENDINGS)
    return text[0].upper() + text[1:]


def person(rng):
    """A given name and a family name, sometimes with an initial ("Edda K. Marrowgate")."""
    middle = f" {rng.choice('ABCDEFGHJKLMNPRSTW')}." if rng.random() < 0.15 else ""
    given = rng.choice(GIVEN_NAMES) if rng.random() < 0.5 else word(rng, rng.choice((1, 2)))
    return f"{given}{middle} {word(rng)}"


def place(rng):
    return word(rng) if rng.random() < 0.8 else f"{rng.choice(['Upper', 'Lower', 'North', 'East', 'Port', 'Saint', 'New'])} {word(rng)}"


def organisation(rng, kinds):
    """A name in one of `kinds`' shapes ("{} Shipyards", "University of {}")."""
    return rng.choice(kinds).format(word(rng))


def year(rng, lo=1650, hi=2023):
    return str(rng.randint(lo, hi))


def date(rng, lo=1650, hi=2023):
    """A full date in one of the usual orders ("14 March 1872", "March 14, 1872")."""
    day, month, y = rng.randint(1, 28), rng.choice(MONTHS), year(rng, lo, hi)
    return rng.choice([f"{day} {month} {y}", f"{month} {day}, {y}"])


def count(rng, lo, hi):
    """A whole number written as people write them ("48,200", "312")."""
    value = rng.randint(lo, hi)
    if value >= 1000 and rng.random() < 0.3:
        value = round(value, -2)
    return f"{value:,}" if value >= 10000 or rng.random() < 0.5 else str(value)


def measure(rng, lo, hi, unit, decimals=0):
    """A number with its unit ("94 m", "3.5 kg")."""
    value = rng.uniform(lo, hi)
    return f"{value:.{decimals}f} {unit}" if decimals else f"{int(value):,} {unit}"
