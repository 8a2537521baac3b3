"""Question phrasings per family. Many per family, so that a generator learns to read the passage rather than
to memorise one template. "{x}" is the entry's title (or an acronym, "{c}" the entry it appears in); verb forms
come from VERBS."""

# past participle -> (base form, agent noun, gerund)
VERBS = {
    "created": ("create", "creator", "creating"),
    "designed": ("design", "designer", "designing"),
    "developed": ("develop", "developer", "developing"),
    "invented": ("invent", "inventor", "inventing"),
    "written": ("write", "author", "writing"),
    "founded": ("found", "founder", "founding"),
    "discovered": ("discover", "discoverer", "discovering"),
    "devised": ("devise", "deviser", "devising"),
    "conceived": ("conceive", "originator", "conceiving"),
    "implemented": ("implement", "implementor", "implementing"),
    "started": ("start", "originator", "starting"),
    "proposed": ("propose", "proposer", "proposing"),
    "coined": ("coin", "coiner", "coining"),
    "introduced": ("introduce", "introducer", "introducing"),
    "released": ("release", "releaser", "releasing"),
    "published": ("publish", "publisher", "publishing"),
    "made": ("make", "maker", "making"),
    "manufactured": ("manufacture", "manufacturer", "manufacturing"),
    "produced": ("produce", "producer", "producing"),
    "marketed": ("market", "marketer", "marketing"),
    "sold": ("sell", "seller", "selling"),
    "distributed": ("distribute", "distributor", "distributing"),
    "built": ("build", "builder", "building"),
    "launched": ("launch", "launcher", "launching"),
    "announced": ("announce", "announcer", "announcing"),
    "first described": ("first describe", "first describer", "first describing"),
}
# The action as a noun ("Where did the development of X take place?"); verbs without one reuse the gerund.
ACTION_NOUNS = {"developed": "development", "designed": "design", "written": "writing", "created": "creation",
                "invented": "invention", "implemented": "implementation", "built": "construction",
                "conceived": "conception", "started": "start", "devised": "invention", "founded": "founding"}
# Simple past where it differs from the participle ("Who wrote X?").
SIMPLE_PAST = {"written": "wrote", "first described": "first described"}

WHO = [
    "Who {past} {x}?",
    "{x} was {pp} by whom?",
    "By whom was {x} {pp}?",
    "Which person {past} {x}?",
    "Who was the {noun} of {x}?",
    "Name the {noun} of {x}.",
    "Who is credited with {ing} {x}?",
    "Whose work is {x}?",
    "Which individual {past} {x}?",
    "Who is the {noun} of {x}?",
    "Tell me who {past} {x}.",
]
WHO_COINED = [
    "Who coined the term {x}?",
    "The term {x} was coined by whom?",
    "Who came up with the name {x}?",
    "Which person coined {x}?",
    "By whom was the word {x} coined?",
    "Who first used the term {x}?",
]
WHEN = [
    "When was {x} {pp}?",
    "In what year was {x} {pp}?",
    "What year was {x} {pp}?",
    "{x} was {pp} in which year?",
    "In which year was {x} {pp}?",
    "Give the year {x} was {pp}.",
    "What is the year in which {x} was {pp}?",
    "How long ago was {x} {pp}? Give the year.",
    "{x} dates from which year?",
]
WHERE = [
    "Where was {x} {pp}?",
    "At which institution was {x} {pp}?",
    "{x} was {pp} where?",
    "Where did the {act} of {x} take place?",
    "At what organisation was {x} {pp}?",
    "Name the place where {x} was {pp}.",
    "Which lab or university {past} {x}?",
    "In which institution was {x} {pp}?",
]
CITY = [
    "In which city was {x} {pp}?",
    "In what town was {x} {pp}?",
    "Which city was {x} {pp} in?",
    "{x} was {pp} in which city?",
    "Name the city where {x} was {pp}.",
    "In which town did the {act} of {x} take place?",
    "What city was {x} {pp} in?",
]
ACRONYM = [
    "What does {x} stand for?",
    "What is {x} short for?",
    "{x} is an abbreviation of what?",
    "Expand the acronym {x}.",
    "What is the expansion of {x}?",
    "What do the letters {x} stand for?",
    "{x} is an acronym for what?",
    "What is the full form of {x}?",
    "What is the long form of {x}?",
    "Spell out {x}.",
]
# An acronym that is not the entry's own title, asked about within the entry ("{c}") it was found in.
ACRONYM_IN = [
    "What does {x} stand for in {c}?",
    "In {c}, what is {x} short for?",
    "What is {x} short for in {c}?",
    "Expand the acronym {x} used in {c}.",
    "What does the acronym {x} mean in {c}?",
    "In the context of {c}, what does {x} stand for?",
    "{x} in {c} is an abbreviation of what?",
    "What is the expansion of {x} in {c}?",
    "Spell out {x} as used by {c}.",
    "What do the letters {x} stand for in {c}?",
]
# Questions about a term that ACRONYM_IN does not phrase ("In Pellagrue, what is a TMA?"); only terms.py asks them,
# so that the draws of the stages before it stay as they were.
ACRONYM_MEANING = [
    "What does {x} mean in {c}?",
    "In {c}, what is a {x}?",
    "What is a {x} in {c}?",
    "In {c}, what does the {x} stand for?",
    "What is meant by {x} in {c}?",
]
LANGUAGE_WRITTEN = [
    "What language is {x} written in?",
    "In which programming language was {x} {pp}?",
    "{x} is {pp} in what language?",
    "What language was used to write {x}?",
    "Which language is {x} {pp} in?",
    "Name the language {x} is {pp} in.",
    "What programming language is {x} {pp} in?",
    "{x} was {pp} in which language?",
]
LANGUAGE_BASED = [
    "What language is {x} {rel}?",
    "Which language is {x} {rel}?",
    "{x} is {rel} which language?",
    "What programming language is {x} {rel}?",
    "Name the language that {x} is {rel}.",
    "Which earlier language is {x} {rel}?",
    "{x} was {rel} what language?",
    "What is {x} {rel}?",
]
LANGUAGE_IMPLEMENTS = [
    "Which language does {x} implement?",
    "{x} is an implementation of which language?",
    "What programming language does {x} implement?",
    "For which language is {x} a compiler or interpreter?",
    "Name the language that {x} implements.",
    "What language does {x} process?",
    "{x} implements what language?",
    "Which programming language is {x} built for?",
]
COMPANY = [
    "Which company {past} {x}?",
    "What company {past} {x}?",
    "{x} was {pp} by which company?",
    "Name the company that {past} {x}.",
    "Which firm {past} {x}?",
    "Who {past} {x}?",
    "Which manufacturer or vendor {past} {x}?",
    "What corporation {past} {x}?",
    "{x} was {pp} by what company?",
    "Which business {past} {x}?",
]


def fill(template, x, pp, rel="", c=""):
    """Fills one template for title `x` and past participle `pp` (a key of VERBS, or "" for none); `c` is the
    entry that gives an acronym its meaning (ACRONYM_IN)."""
    base, noun, ing = VERBS.get(pp, ("", "", ""))
    past = SIMPLE_PAST.get(pp, pp)
    act = ACTION_NOUNS.get(pp, ing)
    text = template.format(x=x, pp=pp, past=past, noun=noun, ing=ing, base=base, rel=rel, act=act, c=c)
    return text[0].upper() + text[1:]
