"""run_all runs the recipe's rows that a run directory has not finished, the parallel pairs together."""
import pytest
import torch

from ragkit.train import run_all
from ragkit.train.recipe import RECIPE, STAGES, checkpoint_name, end_step


def save_step(run_dir, name, step):
    torch.save({"step": step}, run_dir / checkpoint_name(STAGES[name]))


def test_a_stage_is_finished_at_its_steps_or_once_a_later_generator_stage_has_begun(tmp_path):
    save_step(tmp_path, "read_acronyms", 300)
    for name in ("pretrain", "qa", "read", "deepen"):
        assert run_all.finished(str(tmp_path), STAGES[name]), f"{name} comes before read_acronyms"
    assert not run_all.finished(str(tmp_path), STAGES["read_acronyms"]), "resumed up to its steps"
    assert not run_all.finished(str(tmp_path), STAGES["drill"])
    save_step(tmp_path, "read_acronyms", STAGES["read_acronyms"].steps)
    assert run_all.finished(str(tmp_path), STAGES["read_acronyms"])
    assert not run_all.finished(str(tmp_path), STAGES["dpr"]), "DPR counts its own steps only"


def test_the_mined_dpr_stage_goes_on_from_the_first_ones_step(tmp_path):
    save_step(tmp_path, "dpr", STAGES["dpr"].steps)
    assert run_all.finished(str(tmp_path), STAGES["dpr"])
    assert not run_all.finished(str(tmp_path), STAGES["dpr_mined"])
    save_step(tmp_path, "dpr_mined", 4000)  # what warm_start writes for the committed bundle
    assert end_step(STAGES["dpr_mined"]) == 4000 and run_all.finished(str(tmp_path), STAGES["dpr_mined"])


def test_the_parallel_pairs_run_together():
    pairs = [[row.name for row in rows] for rows in run_all.groups(RECIPE) if len(rows) > 1]
    assert pairs == [["pretrain", "dpr"], ["read", "dpr_mined"]]


class FakeRun:
    """Records the commands run_all starts and writes the checkpoint each stage would end with."""

    def __init__(self, run_dir, stop_after=None):
        self.run_dir, self.stop_after, self.calls = run_dir, stop_after, []

    def __call__(self, module, threads=0, minutes=0.0, **args):
        self.calls.append((module, threads, args))
        if module == "ragkit.train.train_generator":
            steps = (args.get("stop_at") or args["steps"]) if args["stage"] != self.stop_after else 1
            torch.save({"step": steps}, self.run_dir / f"generator_{args['stage']}.pt")
        elif module == "ragkit.train.train_dpr":
            torch.save({"step": args["steps"] + args["mined_steps"]}, self.run_dir / "dpr.pt")
        return self

    def wait(self):
        return 0

    def stages(self):
        return [args.get("stage", module.rsplit(".", 1)[1]) for module, _, args in self.calls]


@pytest.fixture
def run_dir(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text("")
    (tmp_path / "tokenizers" / "encoder").mkdir(parents=True)
    (tmp_path / "tokenizers" / "encoder" / "tokenizer.json").write_text("{}")
    return tmp_path


def test_the_loop_runs_what_is_left_after_a_warm_start_then_exports_and_evaluates(run_dir, monkeypatch):
    save_step(run_dir, "dpr_mined", 4000)  # a bundle exported after terms, as warm_start leaves it
    save_step(run_dir, "terms", 700)
    fake = FakeRun(run_dir)
    monkeypatch.setattr(run_all, "run", fake)
    assert run_all.main(dict(run_all.DEFAULTS, run_dir=str(run_dir), seed=1))
    assert fake.stages() == ["aligned", "styles", "open", "open_deep", "open_full", "export_demo", "evaluate"]
    module, threads, args = fake.calls[0]
    aligned = STAGES["aligned"]
    assert (threads, args["steps"], args["lr"], args["warmup"], args["seed"], args["bf16"]) == (
        0, aligned.steps, aligned.lr, aligned.warmup, 1 + aligned.seed_offset, False)
    assert "stop_at" not in args, "aligned runs its whole schedule"
    full = fake.calls[4][2]
    assert (full["steps"], full["stop_at"], full["bf16"]) == (2500, 1996, True), "open_full is cut where it was adopted"


def test_a_run_warm_started_from_the_committed_bundle_has_nothing_left_to_train(run_dir, monkeypatch):
    save_step(run_dir, "dpr_mined", 4000)  # the committed bundle (open_full cut at step 1996), as warm_start leaves it
    save_step(run_dir, "open_full", 1996)
    fake = FakeRun(run_dir)
    monkeypatch.setattr(run_all, "run", fake)
    assert run_all.main(dict(run_all.DEFAULTS, run_dir=str(run_dir), seed=1))
    assert fake.stages() == ["export_demo", "evaluate"]


def test_the_loop_runs_the_pairs_on_one_core_each_and_stops_at_an_unfinished_stage(run_dir, monkeypatch):
    fake = FakeRun(run_dir, stop_after="read")  # read stops early, as at the end of a budget
    monkeypatch.setattr(run_all, "run", fake)
    assert not run_all.main(dict(run_all.DEFAULTS, run_dir=str(run_dir)))
    assert fake.stages() == ["pretrain", "train_dpr", "qa", "read", "train_dpr"], "nothing starts from read"
    threads = [threads for _, threads, _ in fake.calls]
    assert threads == [1, 1, 0, 1, 1]
    mined = fake.calls[-1][2]
    assert (mined["steps"], mined["mined_steps"], mined["framed_share"]) == (1000, 3000, 0.3)
