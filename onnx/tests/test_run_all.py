"""run_all skips every stage a run directory has already passed, as warm_start leaves one from the bundle."""
import pytest
import torch

from ragkit.train import run_all


def test_a_stage_is_finished_at_its_steps_or_once_a_later_stage_has_begun(tmp_path):
    torch.save({"step": 2800}, tmp_path / "dpr.pt")
    torch.save({"step": 711}, tmp_path / "generator_read_acronyms.pt")  # what warm_start writes for the bundle
    for name in ("generator_pretrain.pt", "generator_qa.pt", "generator_read.pt", "generator_deepen.pt"):
        assert run_all.finished(str(tmp_path), name, 10**6), f"{name} comes before read_acronyms"
    assert run_all.finished(str(tmp_path), "generator_read_acronyms.pt", 711)
    assert not run_all.finished(str(tmp_path), "generator_read_acronyms.pt", 800), "resumed up to its steps"
    assert run_all.finished(str(tmp_path), "dpr.pt", 1000 + 1800)
    assert not run_all.finished(str(tmp_path), "rag.pt", 600)
    torch.save({"step": 1}, tmp_path / "rag.pt")
    assert run_all.finished(str(tmp_path), "dpr.pt", 10**6), "joint RAG training has started from DPR"


def test_the_drill_stage_counts_both_of_its_schedules(tmp_path):
    torch.save({"step": 2800}, tmp_path / "dpr.pt")
    torch.save({"step": 1500}, tmp_path / "generator_drill.pt")
    assert run_all.finished(str(tmp_path), "generator_read_acronyms.pt", 800), "drill starts from read_acronyms"
    assert run_all.finished(str(tmp_path), "generator_drill.pt", run_all.DEFAULTS["drill_steps"])
    assert not run_all.finished(str(tmp_path), "generator_drill.pt", run_all.DEFAULTS["drill_more_steps"])
    torch.save({"step": 3000}, tmp_path / "generator_drill.pt")  # what warm_start writes for the bundle
    assert run_all.finished(str(tmp_path), "generator_drill.pt", run_all.DEFAULTS["drill_more_steps"])
    assert not run_all.finished(str(tmp_path), "rag.pt", 600)


def test_the_framed_dpr_phase_follows_the_mined_one_and_counts_its_steps(tmp_path):
    d = run_all.DEFAULTS
    mined_end = d["dpr_steps"] + d["dpr_mined_steps"]
    torch.save({"step": mined_end}, tmp_path / "dpr.pt")
    assert run_all.finished(str(tmp_path), "dpr.pt", mined_end)
    assert not run_all.finished(str(tmp_path), "dpr.pt", mined_end + d["dpr_framed_steps"])
    torch.save({"step": 4000}, tmp_path / "dpr.pt")  # what warm_start writes for the bundle
    assert run_all.finished(str(tmp_path), "dpr.pt", mined_end + d["dpr_framed_steps"])


def test_the_relations_stage_follows_drill_and_ends_it(tmp_path):
    torch.save({"step": 1500}, tmp_path / "generator_drill.pt")  # drill's first schedule only
    assert not run_all.finished(str(tmp_path), "generator_relations.pt", 1200)
    torch.save({"step": 1200}, tmp_path / "generator_relations.pt")
    assert run_all.finished(str(tmp_path), "generator_relations.pt", 1200)
    assert run_all.finished(str(tmp_path), "generator_drill.pt", run_all.DEFAULTS["drill_more_steps"]), \
        "drill is not resumed once relations has started from it"
    assert sum(run_all.SHARES.values()) < 1, "the budget keeps a share for export and evaluation"


def test_the_terms_stage_follows_relations_and_stops_where_told(tmp_path):
    torch.save({"step": 1200}, tmp_path / "generator_relations.pt")
    assert not run_all.finished(str(tmp_path), "generator_terms.pt", 700)
    torch.save({"step": 700}, tmp_path / "generator_terms.pt")
    assert run_all.finished(str(tmp_path), "generator_terms.pt", 700)
    assert not run_all.finished(str(tmp_path), "generator_terms.pt", 1000), "a stop short of the schedule is its own"
    assert run_all.finished(str(tmp_path), "generator_relations.pt", 1200 + 1), \
        "relations is not resumed once terms has started from it"


@pytest.mark.parametrize("stage, steps", [("kinds", 800), ("spaced", 400), ("aligned", 400)])
def test_a_stage_after_terms_follows_it(tmp_path, stage, steps):
    torch.save({"step": 700}, tmp_path / "generator_terms.pt")
    assert not run_all.finished(str(tmp_path), f"generator_{stage}.pt", steps)
    torch.save({"step": steps}, tmp_path / f"generator_{stage}.pt")
    assert run_all.finished(str(tmp_path), f"generator_{stage}.pt", steps)
    assert run_all.finished(str(tmp_path), "generator_terms.pt", 1000), f"terms is not resumed once {stage} has begun"


def test_aligned_runs_after_terms_by_default_and_kinds_and_spaced_do_not():
    d = run_all.DEFAULTS
    assert d["terms_steps"] and d["aligned_steps"] and not d["spaced_steps"] and not d["kinds_steps"]
    assert sum(run_all.SHARES.values()) < 1, "the budget keeps a share for export and evaluation"
