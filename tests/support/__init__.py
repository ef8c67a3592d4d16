"""Shared test support: tiny synthetic tasks and a tiny random model (importable as tests.support)."""
