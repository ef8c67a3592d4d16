"""Exports of stored predictions: XTREME's submission layout and one tidy table."""
