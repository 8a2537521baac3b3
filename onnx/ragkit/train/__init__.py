"""Training of the embedded default RAG model: generator pre-training, DPR, and joint RAG fine-tuning.

`python3 -m ragkit.train.run_all` runs every stage in order; each stage resumes from its own checkpoint."""
