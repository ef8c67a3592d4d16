"""Task specs and their JSONL readers: fields, one-line errors, missing files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xstilts.data.gettext.build import build, dataset_dir
from xstilts.errors import DataFormatError, MissingResourceError
from xstilts.tasks import Role, get_task, get_task_type
from xstilts.tasks.definitions.gettext import BUILD_COMMAND

pytestmark = pytest.mark.usefixtures("small_thresholds")


@pytest.fixture
def built(locale_dir: Path, tmp_path: Path) -> Path:
    return build(locale_dir, out_dir=tmp_path / "out").path


def test_specs_are_registered_as_declared() -> None:
    domain, retrieval, kind = get_task("msgdomain"), get_task("msgretrieval"), get_task("msgkind")
    assert (
        domain.roles == (Role.TARGET,) and domain.labels[0] == "shell_utilities" and len(domain.labels) == 8
    )
    assert domain.max_length == 64 and domain.metrics == ("accuracy",)
    assert retrieval.metrics == ("retrieval_accuracy", "mrr", "retrieval_margin")
    assert kind.roles == (Role.INTERMEDIATE,) and kind.labels == (
        "error",
        "question",
        "usage",
        "label",
        "info",
    )
    assert kind.train_languages == ("en", "de", "nl", "ja", "fi", "tr", "ko")  # the parallel sources
    assert domain.data_root() == dataset_dir()


def test_readers_return_the_task_type_fields(built: Path) -> None:
    for name, split, lang in [
        ("msgdomain", "test", "ja"),
        ("msgretrieval", "test", "ru"),
        ("msgkind", "train", "fi"),
    ]:
        spec = get_task(name)
        rows = spec.read(built, split, lang)
        assert rows
        assert all(set(get_task_type(spec.task_type).fields) <= set(row) for row in rows)
    assert get_task("msgdomain").languages_on_disk(built)["test"] == ["de", "en", "fi", "ja", "pt", "ru"]


def _corrupt(path: Path, line_number: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line_number - 1] = text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("bad_line", "problem"),
    [
        ('{"id": "x", "text": "broken', "broken JSON"),
        ('{"id": "x", "label": "desktop"}', "missing or empty field 'text'"),
        ('{"id": "x", "text": "hello", "label": "gardening"}', "unknown label 'gardening'"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_bad_lines_are_one_line_errors(built: Path, bad_line: str, problem: str) -> None:
    path = built / "msgdomain" / "test-de.jsonl"
    _corrupt(path, 3, bad_line)
    with pytest.raises(DataFormatError) as caught:
        get_task("msgdomain").read(built, "test", "de")
    message = str(caught.value)
    assert message.startswith(f"{path}:3: {problem}")
    assert "\n" not in message and f"{BUILD_COMMAND} --force" in message


def test_retrieval_reader_checks_its_fields(built: Path) -> None:
    path = built / "msgretrieval" / "test-ja.jsonl"
    _corrupt(path, 1, json.dumps({"id": "x", "source": "only the source"}))
    with pytest.raises(DataFormatError, match=r"test-ja.jsonl:1: missing or empty field 'target'"):
        get_task("msgretrieval").read(built, "test", "ja")


def test_missing_dataset_says_to_build(tmp_path: Path) -> None:
    with pytest.raises(MissingResourceError) as caught:
        get_task("msgkind").read(tmp_path / "nothing", "train", "ja")
    assert f"run `{BUILD_COMMAND}`" in str(caught.value)
    assert "msgkind/train-ja.jsonl" in str(caught.value)


def test_missing_language_lists_the_languages_on_disk(built: Path) -> None:
    with pytest.raises(
        MissingResourceError, match="languages with a msgdomain test file: de, en, fi, ja, pt, ru"
    ):
        get_task("msgdomain").read(built, "test", "sw")
