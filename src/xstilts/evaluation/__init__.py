"""Evaluation: predictions per task type, zero-shot scoring per language, retrieval."""
