"""Kinds of invented entities and their facts, with every way a synthetic document may state a fact and a question
may ask for it.

An entity is {kind, name, gloss, pronoun, facts}; a fact is {key, value, family, labels, questions, prose, terse,
event}:
- labels: the key as an infobox or a table header names it ("Founded", "Year founded");
- questions: how a question asks for it ("When was {e} founded?", "What is the population of {e}?"), paraphrases
  that do not repeat the document's words among them;
- prose: a sentence stating it ({e} the entity, {p} its pronoun, {v} the value);
- terse: the phrase of a gazetteer entry or a label ("pop. {v}");
- event: a timeline line's words; a fact whose value is a year is the line's date, others get one.
The gloss is the defining phrase ("a market town on the Frell"): "What is {e}?" asks for it.
"""
import re

from . import names as n

# Fact specs per entity kind: key -> (family, value maker, labels, questions, prose, terse, event).
_PERSON_FACTS = {
    "born": ("when", lambda r, e: n.year(r, 1700, 1990), ["Born", "Year of birth", "Birth year"],
             ["When was {e} born?", "In what year was {e} born?", "What is {e}'s year of birth?"],
             ["{e} was born in {v}.", "Born in {v}, {e} grew up in the countryside."], "b. {v}", "{e} is born"),
    "birthplace": ("where", lambda r, e: n.place(r), ["Birthplace", "Place of birth", "Born in"],
                   ["Where was {e} born?", "What is {e}'s place of birth?", "In which town was {e} born?",
                    "What is the birthplace of {e}?"],
                   ["{e} was born in {v}.", "{e} came from {v}, where {p} was born."], "born in {v}",
                   "{e} is born in {v}"),
    "died": ("when", lambda r, e: n.year(r, 1750, 2023), ["Died", "Year of death"],
             ["When did {e} die?", "In what year did {e} die?", "What year did {e} pass away?"],
             ["{e} died in {v}.", "{p} died in {v}."], "d. {v}", "death of {e}"),
    "school": ("where", lambda r, e: n.organisation(r, ["University of {}", "{} College", "{} Academy",
                                                        "{} Polytechnic", "{} Conservatory"]),
               ["Education", "Alma mater", "Educated at"],
               ["Where did {e} study?", "Where was {e} educated?", "Which school did {e} attend?",
                "At which institution did {e} train?"],
               ["{e} studied at {v}.", "{p} was educated at {v}.", "{p} trained at {v} for four years."],
               "educated at {v}", "{e} enters {v}"),
    "teacher": ("who", lambda r, e: n.person(r), ["Teacher", "Mentor", "Influenced by"],
                ["Who taught {e}?", "Who was {e}'s teacher?", "Under whom did {e} study?", "Who was {e}'s mentor?"],
                ["{e} studied under {v}.", "{p} was a pupil of {v}.", "{v} taught {e} the trade."],
                "pupil of {v}", "{e} becomes a pupil of {v}"),
    "work": ("what", lambda r, e: f"{r.choice(['The', 'A', 'On the'])} {n.word(r)} {r.choice(['Variations', 'Atlas', 'Letters', 'Survey', 'Machine', 'Bridge', 'Engine', 'Chronicle'])}",
             ["Notable work", "Known for", "Major work"],
             ["What is {e} best known for?", "What is {e}'s best-known work?", "What is the major work of {e}?"],
             ["{e} is best known for {v}.", "{p} is remembered above all for {v}."], "known for {v}",
             "{e} completes {v}"),
    "spouse": ("who", lambda r, e: n.person(r), ["Spouse", "Married to"],
               ["Who did {e} marry?", "Who was {e}'s spouse?", "Who was {e} married to?"],
               ["{e} married {v}.", "{p} was married to {v}."], "m. {v}", "{e} marries {v}"),
}
_TOWN_FACTS = {
    "population": ("number", lambda r, e: n.count(r, 300, 900000), ["Population", "Inhabitants", "Pop."],
                   ["What is the population of {e}?", "How many people live in {e}?",
                    "How many inhabitants does {e} have?"],
                   ["{e} has a population of {v}.", "Some {v} people live in {e}.", "{p} had {v} inhabitants at the last census."],
                   "pop. {v}", "census counts {v} inhabitants in {e}"),
    "elevation": ("number", lambda r, e: n.measure(r, 5, 2400, r.choice(["m", "metres", "ft"])),
                  ["Elevation", "Altitude", "Height above sea level"],
                  ["What is the elevation of {e}?", "How high above sea level is {e}?", "At what altitude does {e} lie?"],
                  ["{e} lies at an elevation of {v}.", "The town stands {v} above sea level."], "elev. {v}",
                  "survey puts {e} at {v} above the sea"),
    "river": ("where", lambda r, e: r.choice(["the {} River", "the River {}", "the {}"]).format(n.word(r)),
              ["River", "Watercourse"],
              ["On which river does {e} lie?", "Which river flows through {e}?", "What river is {e} on?"],
              ["{e} lies on {v}.", "{v} flows through the centre of {e}.", "The town grew up beside {v}."],
              "on {v}", "first bridge over {v} at {e}"),
    "founded": ("when", lambda r, e: n.year(r, 900, 1950), ["Founded", "Established", "Settled"],
                ["When was {e} founded?", "In what year was {e} established?", "When was {e} first settled?"],
                ["{e} was founded in {v}.", "The settlement dates from {v}.", "{p} was established in {v}."],
                "founded {v}", "{e} founded"),
    "founder": ("who", lambda r, e: n.person(r), ["Founder", "Founded by"],
                ["Who founded {e}?", "Who established {e}?", "Who was the founder of {e}?"],
                ["{e} was founded by {v}.", "{v} laid out the first streets of {e}."], "founded by {v}",
                "{v} founds {e}"),
    "mayor": ("who", lambda r, e: n.person(r), ["Mayor", "Leader", "Head of council"],
              ["Who is the mayor of {e}?", "Who leads the council of {e}?", "Who heads {e}?"],
              ["The mayor of {e} is {v}.", "{v} has been mayor since the last election."], "mayor {v}",
              "{v} elected mayor of {e}"),
    "region": ("where", lambda r, e: f"{r.choice(['', 'North ', 'South ', 'West ', 'East '])}{n.word(r)}",
               ["Region", "Province", "County", "District"],
               ["In which region is {e}?", "Which province is {e} in?", "Where is {e} located?"],
               ["{e} is a town in {v}.", "{e} lies in the province of {v}."], "in {v}", "{e} joins {v}"),
    "twin": ("where", lambda r, e: n.place(r), ["Twin town", "Sister city"],
             ["What is the twin town of {e}?", "Which town is {e} twinned with?", "What is {e}'s sister city?"],
             ["{e} is twinned with {v}.", "Its twin town is {v}."], "twinned with {v}", "{e} twinned with {v}"),
}
_COMPANY_FACTS = {
    "founded": ("when", lambda r, e: n.year(r, 1780, 2015), ["Founded", "Established", "Year founded"],
                ["When was {e} founded?", "In what year was {e} established?", "How old is {e}? When was it set up?",
                 "When did {e} start trading?"],
                ["{e} was founded in {v}.", "The firm was established in {v}.", "{p} began trading in {v}."],
                "est. {v}", "{e} founded"),
    "founder": ("who", lambda r, e: n.person(r), ["Founder", "Founders", "Founded by"],
                ["Who founded {e}?", "Who set up {e}?", "Who started {e}?", "Who was the founder of {e}?"],
                ["{e} was founded by {v}.", "{v} started the company in a rented workshop."], "founded by {v}",
                "{v} sets up {e}"),
    "headquarters": ("where", lambda r, e: n.place(r), ["Headquarters", "Head office", "HQ"],
                     ["Where is {e} headquartered?", "Where is the head office of {e}?",
                      "In which city is {e} based?", "What is the headquarters of {e}?"],
                     ["{e} is headquartered in {v}.", "The company is based in {v}.", "Its head office is in {v}."],
                     "based in {v}", "{e} moves its head office to {v}"),
    "employees": ("number", lambda r, e: n.count(r, 12, 90000), ["Employees", "Staff", "Number of employees"],
                  ["How many employees does {e} have?", "How many people work for {e}?", "What is the staff of {e}?"],
                  ["{e} employs {v} people.", "The firm has {v} employees.", "{p} had a staff of {v}."],
                  "{v} staff", "{e} reaches {v} employees"),
    "product": ("what", lambda r, e: f"the {n.word(r)} {r.choice(['loom', 'tractor', 'barometer', 'typewriter', 'kettle', 'lathe', 'radio', 'bicycle', 'pump'])}",
                ["Products", "Known for", "Main product"],
                ["What is {e} known for making?", "What does {e} make?", "What is the main product of {e}?"],
                ["{e} is best known for {v}.", "The company makes {v}."], "makers of {v}", "{e} launches {v}"),
    "chief": ("who", lambda r, e: n.person(r), ["Chairman", "Chief executive", "CEO", "Director"],
              ["Who runs {e}?", "Who is the chief executive of {e}?", "Who heads {e}?", "Who chairs {e}?"],
              ["{e} is led by {v}.", "{v} is the chief executive of {e}."], "chaired by {v}",
              "{v} takes charge of {e}"),
    "industry": ("what", lambda r, e: r.choice(["shipbuilding", "textiles", "glassmaking", "printing", "brewing",
                                                "rail equipment", "paper milling", "pharmaceuticals", "optics"]),
                 ["Industry", "Sector", "Trade"],
                 ["What industry is {e} in?", "In which sector does {e} work?", "What is {e}'s trade?"],
                 ["{e} works in {v}.", "The firm's business is {v}."], "{v}", "{e} enters {v}"),
}
_SHIP_FACTS = {
    "builder": ("who", lambda r, e: n.organisation(r, ["{} Shipyards", "{} & Sons", "{} Dockyard", "{} Yard"]),
                ["Builder", "Shipyard", "Built by"],
                ["Who built {e}?", "Which shipyard built {e}?", "Where was {e} built?", "What yard built {e}?"],
                ["{e} was built by {v}.", "{v} built {e}.", "{p} came off the slipway of {v}."], "built by {v}",
                "{v} lays down {e}"),
    "launched": ("when", lambda r, e: n.date(r, 1820, 1990), ["Launched", "Launch date"],
                 ["When was {e} launched?", "On what date was {e} launched?", "What is the launch date of {e}?"],
                 ["{e} was launched on {v}.", "{p} was launched on {v}."], "launched {v}", "{e} launched"),
    "length": ("number", lambda r, e: n.measure(r, 20, 300, r.choice(["m", "ft", "metres"])), ["Length", "Length overall"],
               ["How long is {e}?", "What is the length of {e}?", "What length was {e}?"],
               ["{e} is {v} long.", "{p} measured {v} from stem to stern."], "length {v}", "{e} lengthened to {v}"),
    "tonnage": ("number", lambda r, e: n.measure(r, 200, 40000, r.choice(["tons", "GRT", "tonnes"])),
                ["Tonnage", "Displacement", "Gross tonnage"],
                ["What is the tonnage of {e}?", "What did {e} displace?", "How heavy is {e}?"],
                ["{e} has a tonnage of {v}.", "{p} displaced {v}."], "{v}", "{e} re-measured at {v}"),
    "port": ("where", lambda r, e: n.place(r), ["Home port", "Port of registry"],
             ["What is the home port of {e}?", "Where was {e} registered?", "From which port did {e} sail?"],
             ["{e} sailed from {v}.", "Her home port was {v}.", "{p} was registered at {v}."], "home port {v}",
             "{e} registered at {v}"),
    "captain": ("who", lambda r, e: n.person(r), ["Captain", "Master", "Commander"],
                ["Who captained {e}?", "Who was the master of {e}?", "Who commanded {e}?"],
                ["{e} was commanded by {v}.", "{v} was her first master."], "master {v}",
                "{v} takes command of {e}"),
}
_OBJECT_FACTS = {
    "maker": ("who", lambda r, e: n.person(r), ["Maker", "Artist", "Made by"],
              ["Who made {e}?", "Who is the maker of {e}?", "Who created {e}?", "Which craftsman made {e}?"],
              ["{e} was made by {v}.", "{v} made {e} for a private patron."], "{v}", "{v} makes {e}"),
    "date": ("when", lambda r, e: r.choice(["", "c. "]) + n.year(r, 1300, 1950), ["Date", "Made", "Dated"],
             ["When was {e} made?", "What is the date of {e}?", "When does {e} date from?"],
             ["{e} dates from {v}.", "It was made in {v}."], "{v}", "{e} made"),
    "material": ("what", lambda r, e: r.choice(["oak", "walnut", "brass", "silver", "bronze", "porcelain", "linen",
                                               "glass", "ivory", "pewter", "tin-glazed earthenware"]) + r.choice(
        ["", "", " and gilt", " and enamel", " with iron fittings"]), ["Material", "Medium", "Materials"],
                 ["What is {e} made of?", "What material is {e}?", "What is the medium of {e}?"],
                 ["{e} is made of {v}.", "It is worked in {v}."], "{v}", "{e} cast in {v}"),
    "height": ("number", lambda r, e: n.measure(r, 3, 240, r.choice(["cm", "mm", "in"])), ["Height", "H.", "Dimensions"],
               ["How tall is {e}?", "What is the height of {e}?", "How high is {e}?"],
               ["{e} is {v} high.", "It stands {v} tall."], "H. {v}", "{e} measured at {v}"),
    "donor": ("who", lambda r, e: n.person(r), ["Donor", "Gift of", "Credit line", "Given by"],
              ["Who gave {e} to the museum?", "Who donated {e}?", "Whose gift is {e}?"],
              ["{e} was given to the museum by {v}.", "{v} donated it."], "Gift of {v}", "{v} donates {e}"),
    "found": ("where", lambda r, e: n.place(r), ["Provenance", "Findspot", "Found at", "Place of origin"],
              ["Where was {e} found?", "Where does {e} come from?", "What is the provenance of {e}?"],
              ["{e} was found at {v}.", "It comes from {v}.", "It was dug up near {v}."], "found at {v}",
              "{e} unearthed at {v}"),
    "accession": ("number", lambda r, e: f"{r.randint(1890, 2020)}.{r.randint(1, 400)}" + (
        f".{r.randint(1, 30)}" if r.random() < 0.5 else ""), ["Accession number", "Acc. no.", "Inventory number"],
                  ["What is the accession number of {e}?", "What is {e}'s inventory number?"],
                  ["{e} is catalogued as {v}.", "Its accession number is {v}."], "Acc. no. {v}",
                  "{e} catalogued as {v}"),
}
_BOOK_FACTS = {
    "author": ("who", lambda r, e: n.person(r), ["Author", "Written by", "Writer"],
               ["Who wrote {e}?", "Who is the author of {e}?", "{e} was written by whom?"],
               ["{e} was written by {v}.", "{v} wrote {e} over six winters."], "by {v}", "{v} writes {e}"),
    "published": ("when", lambda r, e: n.year(r, 1600, 2020), ["Published", "Publication date", "First published"],
                  ["When was {e} published?", "In what year did {e} first appear?", "When did {e} come out?"],
                  ["{e} was published in {v}.", "It first appeared in {v}."], "pub. {v}", "{e} published"),
    "publisher": ("who", lambda r, e: n.organisation(r, ["{} Press", "{} & Co.", "{} Books", "House of {}"]),
                  ["Publisher", "Published by"],
                  ["Who published {e}?", "Which publisher brought out {e}?", "Which house issued {e}?"],
                  ["{e} was published by {v}.", "{v} brought it out."], "{v}", "{v} issues {e}"),
    "pages": ("number", lambda r, e: f"{r.randint(40, 1400)} pages", ["Pages", "Length", "Extent"],
              ["How many pages does {e} have?", "How long is {e}?", "What is the length of {e}?"],
              ["{e} runs to {v}.", "The first edition had {v}."], "{v}", "{e} reprinted in {v}"),
    "setting": ("where", lambda r, e: n.place(r), ["Setting", "Set in"],
                ["Where is {e} set?", "In which town is {e} set?", "What is the setting of {e}?"],
                ["{e} is set in {v}.", "The story takes place in {v}."], "set in {v}", "{e} staged in {v}"),
    "illustrator": ("who", lambda r, e: n.person(r), ["Illustrator", "Illustrated by"],
                    ["Who illustrated {e}?", "Who drew the pictures for {e}?", "Who is the illustrator of {e}?"],
                    ["{e} was illustrated by {v}.", "{v} drew its plates."], "illus. {v}",
                    "{v} illustrates {e}"),
}
_SPECIES_FACTS = {
    "family": ("what", lambda r, e: n.word(r, 2) + "idae", ["Family"],
               ["To which family does {e} belong?", "What family is {e} in?", "What is the family of {e}?"],
               ["{e} belongs to the family {v}.", "It is placed in the family {v}."], "fam. {v}", "{e} moved to {v}"),
    "length": ("number", lambda r, e: n.measure(r, 1, 400, r.choice(["cm", "mm"])), ["Length", "Size", "Body length"],
               ["How long is {e}?", "What is the length of {e}?", "How big does {e} grow?"],
               ["{e} grows to {v}.", "Adults reach {v} in length."], "length {v}", "{e} measured at {v}"),
    "range": ("where", lambda r, e: n.place(r), ["Range", "Distribution", "Native to"],
              ["Where does {e} live?", "Where is {e} found?", "What is the range of {e}?", "Where is {e} native?"],
              ["{e} is found in {v}.", "It is native to {v}.", "Its range is limited to {v}."], "range: {v}",
              "{e} recorded in {v}"),
    "described_by": ("who", lambda r, e: n.person(r), ["Described by", "Authority", "Discovered by"],
                     ["Who described {e}?", "Who discovered {e}?", "Who first described {e}?"],
                     ["{e} was first described by {v}.", "{v} discovered it."], "({v})", "{v} describes {e}"),
    "described": ("when", lambda r, e: n.year(r, 1750, 2022), ["Described", "Year described", "Discovered"],
                  ["When was {e} described?", "When was {e} discovered?", "In what year was {e} first described?"],
                  ["{e} was described in {v}.", "It was discovered in {v}."], "{v}", "{e} described"),
    "diet": ("what", lambda r, e: r.choice(["seeds", "insects", "small fish", "snails", "grasses", "fruit", "carrion",
                                            "moss and lichen", "freshwater shrimp"]), ["Diet", "Food", "Feeds on"],
             ["What does {e} eat?", "What is the diet of {e}?", "What does {e} feed on?"],
             ["{e} feeds on {v}.", "Its diet is mainly {v}."], "diet: {v}", "{e} seen eating {v}"),
}
_BUILDING_FACTS = {
    "architect": ("who", lambda r, e: n.person(r), ["Architect", "Designer", "Designed by", "Engineer"],
                  ["Who designed {e}?", "Who was the architect of {e}?", "Which engineer designed {e}?"],
                  ["{e} was designed by {v}.", "{v} drew up the plans for {e}."], "by {v}", "{v} designs {e}"),
    "completed": ("when", lambda r, e: n.year(r, 1200, 2022), ["Completed", "Opened", "Built"],
                  ["When was {e} completed?", "When did {e} open?", "In what year was {e} finished?"],
                  ["{e} was completed in {v}.", "It opened in {v}."], "completed {v}", "{e} opens"),
    "location": ("where", lambda r, e: n.place(r), ["Location", "Locale", "Town"],
                 ["Where is {e}?", "In which town does {e} stand?", "What is the location of {e}?"],
                 ["{e} stands in {v}.", "It is located in {v}."], "in {v}", "{e} built in {v}"),
    "height": ("number", lambda r, e: n.measure(r, 8, 600, r.choice(["m", "ft", "metres"])), ["Height", "Span", "Length"],
               ["How tall is {e}?", "What is the height of {e}?", "How high is {e}?"],
               ["{e} is {v} high.", "It rises {v}."], "{v}", "{e} raised to {v}"),
    "cost": ("number", lambda r, e: f"{r.choice(['£', '$', ''])}{r.randint(2, 950)}{r.choice([',000', ' million', '.5 million'])}" + (
        r.choice([" thalers", " crowns"]) if r.random() < 0.2 else ""), ["Cost", "Construction cost"],
             ["How much did {e} cost?", "What did {e} cost to build?", "What was the cost of {e}?"],
             ["{e} cost {v} to build.", "It was built for {v}."], "cost {v}", "{e} budgeted at {v}"),
    "owner": ("who", lambda r, e: n.organisation(r, ["{} Trust", "{} Council", "the {} Company", "{} Foundation"]),
              ["Owner", "Owned by", "Operator"],
              ["Who owns {e}?", "Who operates {e}?", "Which body owns {e}?"],
              ["{e} is owned by {v}.", "It is run by {v}."], "owner: {v}", "{v} buys {e}"),
}

# Entity kinds: (facts, name maker, glosses (with {x}, an invented word, and {w}, a common one), pronouns).
KINDS = {
    "person": (_PERSON_FACTS, lambda r: n.person(r),
               ["a {occupation} from {x}", "an early {occupation}", "a {occupation} and teacher",
                "the {occupation} who founded the {x} school"], ["He", "She"]),
    "town": (_TOWN_FACTS, lambda r: n.place(r),
             ["a market town in {x}", "a river port in northern {x}", "a small mining town", "a coastal town of {x}",
              "a village in the {x} hills", "the chief town of the {x} valley"], ["It"]),
    "company": (_COMPANY_FACTS, lambda r: n.organisation(r, ["{} Ltd", "{} & Co.", "{} Works", "{} Industries",
                                                              "{} Manufacturing", "{} Brothers", "{}"]),
                ["a {w} manufacturer", "a family-owned maker of {w} goods", "a {w} firm based in {x}",
                 "a former {w} company"], ["It"]),
    "ship": (_SHIP_FACTS, lambda r: f"{r.choice(['SS ', 'MV ', 'HMS ', 'the ', ''])}{n.word(r)}",
             ["a {w} steamer", "a cargo ship", "a three-masted barque", "a coastal ferry", "a {w} trawler"],
             ["She", "It"]),
    "object": (_OBJECT_FACTS, lambda r: f"{r.choice(['The ', ''])}{n.word(r)} {r.choice(['Cup', 'Clock', 'Casket', 'Ewer', 'Bowl', 'Tapestry', 'Astrolabe', 'Chair', 'Mirror', 'Brooch'])}",
               ["a {w} drinking vessel", "a carved {w} chest", "a ceremonial {w} object",
                "an engraved {w} plate from {x}"], ["It"]),
    "book": (_BOOK_FACTS, lambda r: f"{r.choice(['The ', 'A ', ''])}{n.word(r)} {r.choice(['Chronicle', 'Letters', 'Garden', 'Inheritance', 'Voyage', 'Almanac', 'Mill', 'Winter'])}",
             ["a {w} novel", "a travel book about {x}", "a collection of {w} poems", "a history of {x}"], ["It"]),
    "species": (_SPECIES_FACTS, lambda r: f"the {n.word(r)} {r.choice(['vole', 'warbler', 'beetle', 'orchid', 'moth', 'newt', 'minnow', 'fern', 'lizard'])}",
                ["a small {w} animal of {x}", "a species of {w} plant", "a nocturnal {w} insect",
                 "a rare {w} bird"], ["It"]),
    "building": (_BUILDING_FACTS, lambda r: f"{r.choice(['the ', ''])}{n.word(r)} {r.choice(['Bridge', 'Tower', 'Hall', 'Viaduct', 'Lighthouse', 'Abbey', 'Exchange', 'Observatory'])}",
                 ["a {w} bridge over the {x}", "a {w} tower", "a former {w} exchange", "a lighthouse on {x} point"],
                 ["It"]),
}
_COMMON = ["stone", "wooden", "iron", "steel", "northern", "southern", "coastal", "rural", "local", "brick", "small",
           "tall", "famous", "minor", "leading", "celebrated", "travelling"]
_OCCUPATIONS = ["engraver", "instrument maker", "surveyor", "botanist", "composer", "shipwright", "cartographer",
                "glassblower", "stonemason", "chemist", "organ builder", "clockmaker", "naturalist", "architect"]
FACT_FIELDS = ("family", "make", "labels", "questions", "prose", "terse", "event")


def make_entity(kind, rng, n_facts=None):
    """An invented entity of `kind` with `n_facts` of its facts (all when None), in a random order."""
    facts_spec, name_maker, glosses, pronouns = KINDS[kind]
    name = name_maker(rng)
    gloss = rng.choice(glosses).format(x=n.word(rng), w=rng.choice(_COMMON), occupation=rng.choice(_OCCUPATIONS))
    gloss = re.sub(r"^a (?=[aeiou])", "an ", gloss)
    keys = list(facts_spec)
    rng.shuffle(keys)
    facts = []
    for key in keys[: n_facts or len(keys)]:
        spec = dict(zip(FACT_FIELDS, facts_spec[key]))
        facts.append(dict(key=key, value=spec.pop("make")(rng, name), **spec))
    return dict(kind=kind, name=name, gloss=gloss, pronoun=rng.choice(pronouns), facts=facts)
