"""The msgkind rules on a table of real English msgids (normalised as the build does)."""

from __future__ import annotations

import pytest

from xstilts.data.gettext.cleaning import normalise
from xstilts.data.gettext.kinds import KINDS, message_kind

TABLE = [
    ("Usage: %s [OPTION]... [FILE]...", "usage"),
    ("Try '%s --help' for more information.", "usage"),
    ("  -v, --verbose          explain what is being done\n", "usage"),
    ("  \\copyright             show PostgreSQL usage and distribution terms\n", "usage"),
    ("deepen history of shallow clone", "usage"),
    ("Create multiple output files under DIRECTORY", "usage"),
    ("Do you want to continue? [Y/n]", "question"),
    ("Really delete this self-signature? (y/N)", "question"),
    ("Enter new UNIX password:", "question"),
    ("%s: descend into write-protected directory %s?", "question"),
    ("offset before end of packfile (broken .idx?)", "error"),
    ('could not open file "%s": %m', "error"),
    ("warning: EXIT procedure %s not defined", "error"),
    ("--trailer with --only-input does not make sense", "error"),
    ("Line numbers must be positive integers", "error"),
    ("Badly formed address expression", "error"),
    ("Too much string mapping data", "error"),
    ("Show Hidden Files And Folders", "label"),
    ("Width, in pixels, of the tree view lines", "label"),
    ("The fraction of total work that has been completed", "info"),  # finite verb: a statement
    ("Title of the print job", "label"),
    ("Sets the language in which messages are displayed.", "info"),
    ("Authentication is required to set the network proxy", "info"),
    ("Skipping already downloaded file '%s'", "info"),
    ("restoring large object with OID %u", "info"),
]


@pytest.mark.parametrize(("english", "kind"), TABLE)
def test_rules(english: str, kind: str) -> None:
    assert message_kind(normalise(english)) == kind


def test_every_kind_is_reachable_and_rules_are_deterministic() -> None:
    assert {kind for _english, kind in TABLE} == set(KINDS)
    assert [message_kind(normalise(e)) for e, _ in TABLE] == [message_kind(normalise(e)) for e, _ in TABLE]
