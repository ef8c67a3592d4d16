"""Datasets that xstilts builds on the user's machine from real data found there (gettext, UDHR)."""
