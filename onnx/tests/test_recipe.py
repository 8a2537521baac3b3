"""The recipe table is consistent: parents come first, every example kind exists, names are unique."""
from ragkit.synth.dpr_examples import DprExampleMaker
from ragkit.train import train_dpr
from ragkit.train.recipe import CANDIDATES, GENERATOR_STAGES, RECIPE, STAGES

ALL = RECIPE + CANDIDATES
from ragkit.train.train_generator import EXAMPLE_KINDS, NEWEST_FIRST


def test_every_parent_precedes_its_child_and_trains_the_same_model():
    names = [row.name for row in ALL]
    for i, row in enumerate(ALL):
        if row.parent:
            assert row.parent in names[:i], f"{row.name} starts from {row.parent}, which must come before it"
            assert STAGES[row.parent].model == row.model, row.name


def test_names_are_unique_and_the_generator_lineage_is_one_chain():
    assert len(STAGES) == len(ALL)
    assert len(set(GENERATOR_STAGES)) == len(GENERATOR_STAGES)
    assert NEWEST_FIRST == tuple(reversed(GENERATOR_STAGES))
    generators = [row for row in RECIPE if row.model == "generator"]
    assert generators[0].parent is None
    assert all(row.parent == before.name for before, row in zip(generators, generators[1:]))


def test_every_mix_uses_known_kinds_with_positive_weights():
    dpr_kinds = set(DprExampleMaker.KINDS)
    for row in ALL:
        known = set(EXAMPLE_KINDS) if row.model == "generator" else dpr_kinds
        assert set(row.mix) <= known, (row.name, set(row.mix) - known)
        assert all(w > 0 for w in row.mix.values()) and abs(sum(row.mix.values()) - 1) < 1e-9, row.name


def test_candidates_go_on_from_the_recipes_last_generator_or_an_earlier_candidate_and_run_all_leaves_them_out():
    last = [row for row in RECIPE if row.model == "generator"][-1]
    for i, row in enumerate(CANDIDATES):
        assert row.parent in {last.name} | {c.name for c in CANDIDATES[:i]}, row.name
    assert not {row.name for row in CANDIDATES} & {row.name for row in RECIPE}


def test_rows_are_runnable():
    for row in ALL:
        assert row.model in ("generator", "dpr") and row.steps > 0 and 0 < row.lr < 1e-2, row.name
        assert 0 <= row.warmup < row.steps and row.grow in (1, 2) and row.answer_space in ("", "passage"), row.name
        assert row.stop_at is None or row.warmup < row.stop_at < row.steps, row.name
        assert not row.beside_previous or RECIPE[RECIPE.index(row) - 1].model != row.model, \
            f"{row.name} runs beside a stage of another model"
    # train_dpr makes the mined stage's mix from its framed share
    assert train_dpr.mix(STAGES["dpr_mined"].mix["framed"]) == STAGES["dpr_mined"].mix
    assert train_dpr.MIX == STAGES["dpr"].mix
