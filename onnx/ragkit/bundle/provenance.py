"""Which FOLDOC documents a run's models never trained on, carried from dataset to checkpoints to bundle and back.

A dataset names its held-out documents by `stats.json`'s `split_sha256` (ragkit.data.splits.held_out_digest). A
bundle records the digest its weights were held out on in its manifest (`training.split_sha256`), and a run that
goes on from a bundle (warm_start) keeps the bundle's digest in `{run_dir}/warm_start.json`. A run's dev and test
documents are held out only when every model it continues agrees with its dataset: a bundle trained on another
split has read some of them. Why: on a fresh machine the dataset is made again, and a split drawn anew would put
documents the bundle trained on into test without any error (see index-data/demo/README.md)."""
import json
import os

WARM_START_FILE = "warm_start.json"


def data_split(data_dir):
    """The split digest of a dataset folder, or None for one made before datasets recorded it."""
    path = os.path.join(data_dir, "stats.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f).get("split_sha256")


def committed_split():
    """The digest of the committed held-out documents (index-data/demo/splits.json)."""
    from ..data.make_dataset import DEFAULTS
    with open(DEFAULTS["splits"], encoding="utf-8") as f:
        return json.load(f)["sha256"]


def bundle_split(bundle):
    """The split digest a bundle's weights were held out on, or None when the bundle does not record it."""
    with open(os.path.join(bundle, "manifest.json"), encoding="utf-8") as f:
        return (json.load(f).get("training") or {}).get("split_sha256")


def record_warm_start(run_dir, bundle, source):
    with open(os.path.join(run_dir, WARM_START_FILE), "w", encoding="utf-8") as f:
        json.dump(dict(bundle=bundle, source=source, split_sha256=bundle_split(bundle)), f, indent=2)
        f.write("\n")


def held_out_split(run_dir, data_dir):
    """The digest of the documents the run's models never trained on: the dataset's, unless the run went on from
    a bundle held out on another split (or on one it does not record); then None."""
    digest = data_split(data_dir)
    path = os.path.join(run_dir, WARM_START_FILE)
    if digest and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            if json.load(f)["split_sha256"] != digest:
                return None
    return digest


def warning(run_dir, data_dir):
    """A sentence for logs and reports when the run's dev and test documents are not held out, else None."""
    if held_out_split(run_dir, data_dir):
        return None
    if not data_split(data_dir):
        return f"the dataset in {data_dir} does not record its split: its dev and test documents may not be held out"
    return ("the models go on from a bundle trained with other (or unrecorded) held-out documents: some dev and "
            "test documents of this dataset were training documents for them, so their dev and test figures "
            "overstate; the unseen corpora (index-data/unseen*) are still held out")
