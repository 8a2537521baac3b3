"""The training recipe of the embedded default: one table of the adopted stages, in the order run_all runs them.

Each row says which model a stage trains, the stage whose weights it starts from (None: from scratch), the examples
it trains on (kinds of `train_generator.sample_batch` or `train_dpr.mix`, with their weights), its schedule (the
learning rate warms up over `warmup` steps and decays until `steps`, where the stage ends), its seed (`--seed` plus
`seed_offset`), how many times deeper it makes its parent (`grow`), whether answers are tokenized after a space as in
their passage (`answer_space`, see ExampleMaker.answer), its longest source (`max_source`), whether questions read
their passage's reader window as a bundle with `window_words` serves them (`window_words`), whether it trains in
bfloat16 (`bf16`), the step it was cut at where the adopted checkpoint came before the schedule's end (`stop_at`), and
whether it runs beside the row before it (one core each: two small jobs use two cores better than one job with two
threads). A generator stage checkpoints to
`generator_{name}.pt` and counts its steps from 0; both DPR stages write `dpr.pt`, `dpr_mined` going on from `dpr`'s
step (its negatives mined with the model itself, dpr_mining.py, and with question-framed titles, synth/dpr_examples.py).

The clean recipe's schedules are not the committed bundle's exact history, whose stages were stopped, resumed and
stretched along the way (onnx/EXPERIMENTS.md tells it). The lineage goes on through the committed bundle:
`ragkit.bundle.warm_start` rebuilds the checkpoints of the stage it was exported from, and run_all then runs only the
rows after it."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Stage:
    name: str
    model: str  # "generator" | "dpr"
    parent: str | None  # the stage whose weights this one starts from; None: from scratch
    mix: dict = field(repr=False)  # example kind -> weight
    steps: int  # the schedule's length, where the stage ends
    lr: float
    warmup: int
    seed_offset: int = 0
    grow: int = 1  # the parent made this many times deeper (grow_generator.py)
    answer_space: str = ""  # "" | "passage" (ExampleMaker)
    beside_previous: bool = False  # runs at the same time as the row before it, one core each
    max_source: int | None = None  # longest source in tokens (None: train_generator's default)
    stop_at: int | None = None  # the step the adopted checkpoint holds, where the schedule was cut (None: its end)
    bf16: bool = False  # the forward pass in bfloat16 autocast (train_generator's --bf16)
    window_words: int = 0  # questions read their passage's reader window of this many words (0: the whole passage)


# Generator example mixes. Weights are kept as computed here: the examples a stage draws depend on them exactly.
PRETRAIN = {"infill": 0.5, "cloze": 0.5}  # BART text infilling, and cloze extraction to teach copying
QA = {"qa": 0.6, "jeopardy": 0.15, "cloze": 0.25}
# Template-free `hole` questions over every passage, most answers disguised (synth/disguise.py): copying, not memory.
READ = {"qa": 0.15, "qa_disguised": 0.25, "hole": 0.1, "hole_disguised": 0.3, "jeopardy": 0.1, "cloze": 0.1}
READ_ACRONYMS = {"qa": 0.1, "qa_disguised": 0.2, "hole": 0.08, "hole_disguised": 0.22, "acronym": 0.07,
                 "acronym_disguised": 0.18, "jeopardy": 0.08, "cloze": 0.07}  # acronyms defined anywhere in a passage
# Typed holes ("at which university", "by whom") instead of untyped ones, and more acronyms.
DRILL = {"qa": 0.07, "qa_disguised": 0.13, "hole_typed": 0.07, "hole_typed_disguised": 0.18, "acronym": 0.13,
         "acronym_disguised": 0.32, "jeopardy": 0.05, "cloze": 0.05}
# One fact-dense invented sentence per example (synth/relations.py), beside drill's mix.
RELATIONS = {"relations": 0.35, **{kind: 0.65 * w for kind, w in DRILL.items()}}
# A defined acronym among the invented facts (synth/terms.py), keeping some of relations and drill.
TERMS = {"terms": 0.3, "relations": 0.15, **{kind: 0.55 * w for kind, w in DRILL.items()}}
# Invented entities written in many styles (synth/styled.py) and "What is X?" answered by a passage's defining
# phrase (synth/definitions.py), keeping 40% of terms' mix.
STYLES = {"styled": 0.55, "definition": 0.05, **{kind: 0.4 * w for kind, w in TERMS.items()}}
# Styled documents with open relations named by words of a word list (synth/open_facts.py), beside styles' mix.
OPEN = {"styled_open": 0.4, "styled": 0.22, "definition": 0.03, **{kind: 0.35 * w for kind, w in TERMS.items()}}
# Open's mix with most styled documents filling their served passage (synth/styled.py `_full_page`).
FULL = {"styled_open_full": 0.3, "styled_open": 0.1, "styled_full": 0.16, "styled": 0.06, "definition": 0.03,
        **{kind: 0.35 * w for kind, w in TERMS.items()}}

# DPR example mixes (synth/dpr_examples.py): generated questions, titles, inverse cloze, rare terms; the mined stage
# gives 30% of its examples to titles framed as questions.
DPR = {"qa": 0.4, "title": 0.15, "ict": 0.25, "term": 0.2}


def with_framed(mix, share):
    """`mix` scaled down to make room for `framed` examples, `share` of them."""
    return {**{kind: w * (1 - share) for kind, w in mix.items()}, "framed": share}


DPR_MINED = with_framed(DPR, 0.3)

RECIPE = (
    # The generator without parent is train_generator's DEFAULTS["model"] (2+2 layers, d_model 256); `deepen` makes
    # it 4+4.
    Stage("pretrain", "generator", None, PRETRAIN, steps=650, lr=5e-4, warmup=300),
    Stage("dpr", "dpr", None, DPR, steps=1000, lr=1e-3, warmup=100, beside_previous=True),
    Stage("qa", "generator", "pretrain", QA, steps=5600, lr=5e-4, warmup=300),
    Stage("read", "generator", "qa", READ, steps=6000, lr=2e-4, warmup=100),
    Stage("dpr_mined", "dpr", "dpr", DPR_MINED, steps=3000, lr=3e-4, warmup=100, beside_previous=True),
    Stage("deepen", "generator", "read", READ, steps=900, lr=5e-5, warmup=100, seed_offset=1, grow=2),
    Stage("read_acronyms", "generator", "deepen", READ_ACRONYMS, steps=700, lr=5e-5, warmup=100, seed_offset=2),
    Stage("drill", "generator", "read_acronyms", DRILL, steps=3000, lr=1e-4, warmup=50, seed_offset=4),
    Stage("relations", "generator", "drill", RELATIONS, steps=1200, lr=5e-5, warmup=50, seed_offset=5),
    Stage("terms", "generator", "relations", TERMS, steps=700, lr=5e-5, warmup=50, seed_offset=6),
    Stage("aligned", "generator", "terms", TERMS, steps=400, lr=5e-5, warmup=50, seed_offset=8,
          answer_space="passage"),
    # Reading other styles: invented entities in many styles, then open relations named by any word, then a deeper
    # reader (open 7000 grown to 8+8 layers), then documents that fill their served passage, cut at step 1996 of its
    # 2500 (rule 22: style sets 59 of 505; 52 at 2500). Served through 30-word reader windows (rag_inputs.py,
    # examples.TASKS), it answers 73 of the 505 style questions and was adopted by rule 23 (EXPERIMENTS.md).
    Stage("styles", "generator", "aligned", STYLES, steps=3000, lr=1e-4, warmup=50, seed_offset=9,
          answer_space="passage"),
    Stage("open", "generator", "styles", OPEN, steps=7000, lr=1e-4, warmup=50, seed_offset=10,
          answer_space="passage"),
    Stage("open_deep", "generator", "open", OPEN, steps=6000, lr=1e-4, warmup=100, seed_offset=11, grow=2,
          answer_space="passage", bf16=True),
    Stage("open_full", "generator", "open_deep", FULL, steps=2500, lr=1e-4, warmup=50, seed_offset=12,
          answer_space="passage", max_source=300, stop_at=1996, bf16=True),
)
# Stages under measurement, not adopted: train_generator runs them by name (`--stage=...`), run_all does not.
CANDIDATES = (
    # `windowed` (rule 24): open_full 1996 trained on its questions as the bundle serves them since rule 23, each
    # passage cut to its 30-word reader window: the windows cost FOLDOC-like sets 15 answers on open_full's weights,
    # which never saw a window.
    Stage("windowed", "generator", "open_full", FULL, steps=3000, lr=1e-4, warmup=50, seed_offset=13,
          answer_space="passage", bf16=True, window_words=30),
)
STAGES = {stage.name: stage for stage in RECIPE + CANDIDATES}
GENERATOR_STAGES = tuple(stage.name for stage in RECIPE + CANDIDATES if stage.model == "generator")


def stage(name, model="generator"):
    """The row called `name`, which must train `model`."""
    row = STAGES.get(name)
    names = [s.name for s in RECIPE + CANDIDATES if s.model == model]
    assert row and row.model == model, f"the {model} stage must be one of {names}, got {name!r}"
    return row


def checkpoint_name(row):
    return "dpr.pt" if row.model == "dpr" else f"generator_{row.name}.pt"


def end_step(row):
    """The step the row's checkpoint holds when it is done: its steps (or where it stops), after its parent's where it
    goes on in the same checkpoint (DPR)."""
    parent = STAGES[row.parent] if row.parent else None
    own = row.stop_at or row.steps
    return own + (end_step(parent) if parent and checkpoint_name(parent) == checkpoint_name(row) else 0)
