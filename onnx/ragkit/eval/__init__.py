"""Evaluation of trained models: the report, metrics, retrieval and reading probes, swap and unseen-corpus runs."""
