"""FOLDOC corpus and generated training data: python3 -m ragkit.data.foldoc, python3 -m ragkit.data.make_dataset."""
