"""Official release formats beside XTREME's processed files, and the same items in every language."""

from __future__ import annotations

from pathlib import Path

import pytest

from xstilts.errors import DataFormatError
from xstilts.tasks import get_task
from xstilts.tasks.loading import read_examples

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "xtreme"


def read(task: str, split: str, lang: str, root: Path = FIXTURES) -> list[dict]:
    return get_task(task).read(root, split, lang)


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- PAN-X raw WikiANN files ---------------------------------------------------------------------


def test_raw_wikiann_files_lose_the_language_prefix() -> None:
    test_de = read("panx", "test", "de")  # panx_dataset/de-test, as download_panx renames it
    assert test_de[0] == {
        "id": "test-0",
        "tokens": ["Angela", "Merkel", "besuchte", "Paris", "."],
        "tags": ["B-PER", "I-PER", "O", "B-LOC", "O"],
    }
    assert test_de[1]["tokens"][-1] == "12:0"  # only the prefix up to the first ':' is cut
    assert read("panx", "dev", "fr")[1]["tokens"] == ["Victor", "Hugo"]  # panx_dataset/fr/dev
    assert not any(":" in token for e in read("panx", "dev", "fr") for token in e["tokens"])


def test_a_raw_file_under_the_processed_name_is_recognised(tmp_path: Path) -> None:
    write(tmp_path, "panx/dev-en.tsv", "en:New\tB-LOC\nen:York\tI-LOC\n\nen:Bob\tB-PER\n")
    assert [e["tokens"] for e in read("panx", "dev", "en", tmp_path)] == [["New", "York"], ["Bob"]]
    write(tmp_path, "panx/dev-en.tsv", "en:New\tB-LOC\nYork\tI-LOC\n")
    with pytest.raises(DataFormatError, match=r"dev-en.tsv:2: token 'York' lacks the 'en:' prefix"):
        read("panx", "dev", "en", tmp_path)


# --- the same items in every language ------------------------------------------------------------


@pytest.mark.parametrize(("task", "languages"), [("xnli", ("en", "ar", "zh")), ("pawsx", ("en", "fr", "zh"))])
def test_parallel_xtreme_files_share_ids_across_languages(task: str, languages: tuple[str, ...]) -> None:
    ids = {lang: [e["id"] for e in read(task, "dev", lang)] for lang in languages}
    shortest = min(len(value) for value in ids.values())
    assert len({tuple(value[:shortest]) for value in ids.values()}) == 1, ids
    assert get_task(task).parallel_test


def test_max_examples_keeps_the_same_items_in_every_language(tmp_path: Path) -> None:
    rows = [
        (f"premise {i}", f"hypothesis {i}", ("entailment", "neutral", "contradiction")[i % 3])
        for i in range(40)
    ]
    for lang in ("en", "de", "sw"):
        write(tmp_path, f"xnli/dev-{lang}.tsv", "".join(f"{lang} {a}\t{lang} {b}\t{c}\n" for a, b, c in rows))
    spec = get_task("xnli")
    kept = {lang: read_examples(spec, tmp_path, "dev", lang, limit=7, seed=0) for lang in ("en", "de", "sw")}
    texts = {lang: [e["text_a"].split(" ", 1)[1] for e in examples] for lang, examples in kept.items()}
    assert texts["en"] == texts["de"] == texts["sw"]
    assert len(texts["en"]) == 7
