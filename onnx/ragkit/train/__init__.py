"""Training of the embedded default: the recipe (recipe.py), the generator and DPR training loops, their checkpoints.

`python3 -m ragkit.train.run_all` runs the recipe's stages in order; each stage resumes from its own checkpoint."""
