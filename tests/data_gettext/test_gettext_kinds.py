"""The msgkind rules on a table of real English msgids (normalised as the build does)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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


def test_every_kind_is_reachable() -> None:
    assert {kind for _english, kind in TABLE} == set(KINDS)


def test_rules_do_not_depend_on_the_hash_seed() -> None:
    """Set/dict iteration order changes with PYTHONHASHSEED; the labels of a built dataset must not."""
    script = (
        "import json, sys; from xstilts.data.gettext.cleaning import normalise;"
        "from xstilts.data.gettext.kinds import message_kind;"
        "print(json.dumps([message_kind(normalise(e)) for e in json.load(sys.stdin)]))"
    )
    texts = json.dumps([english for english, _kind in TABLE])
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", script], input=texts, env=env,
                              capture_output=True, text=True, check=True)  # fmt: skip
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop()) == [kind for _english, kind in TABLE]


def test_property_catalogs_hold_labels_whatever_their_grammar() -> None:
    blurb = "Display the standard backward arrow button"  # a GtkNotebook property
    assert message_kind(blurb, ["gtk20-properties"]) == "label"
    assert message_kind(blurb) == "usage"  # elsewhere an imperative line is a command's help
    assert message_kind(blurb, ["gtk20-properties", "glib20"]) == "usage"  # not only properties


@pytest.mark.parametrize(
    ("english", "kind"),
    [
        ("omit invalid characters from output", "usage"),  # help text quoting an error word
        ("Write error", "error"),  # an imperative verb followed by an error word
        ("Child process killed by signal %ld", "error"),
        ("case sensitive matching (default)", "usage"),
        ("skip-bytes + read-bytes is too large", "error"),  # "skip-bytes" is no verb
        ("Please report this issue to bug-wget@gnu.org", "info"),
    ],
)
def test_version_2_rules(english: str, kind: str) -> None:
    assert message_kind(english) == kind
