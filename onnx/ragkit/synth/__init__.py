"""Training examples: generator examples from FOLDOC passages (examples.py, with disguised answers, invented facts
and terms) and from invented entities written in many styles (styled.py), and DPR's queries (dpr_examples.py)."""
