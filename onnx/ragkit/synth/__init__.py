"""Synthetic training documents and questions: invented facts written in many styles (styled.py)."""
