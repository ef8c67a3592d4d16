"""Tokenizer fertility: measured outside the analysis, read back as a covariate."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from xstilts.analysis.covariates import attach, read_fertility
from xstilts.errors import DataFormatError
from xstilts.evaluation.fertility import example_texts, fertility_rows, pieces_per_word, write_table


def _two_letter_pieces(text: str) -> list[str]:
    return [word[i : i + 2] for word in text.split() for i in range(0, len(word), 2)]


def test_pieces_per_word_counts_whitespace_words() -> None:
    ratio, words, pieces = pieces_per_word(_two_letter_pieces, ["abcd ef", "ghijk"])
    assert (words, pieces) == (3, 6) and ratio == pytest.approx(2.0)


def test_fertility_of_a_real_tokenizer_on_a_task_subsample(tiny_world, tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    from xstilts.tasks.registry import get_task

    tokenizer = AutoTokenizer.from_pretrained(tiny_world["model"])
    spec = get_task("tinytopic")
    rows = fertility_rows("tiny", tokenizer.tokenize, spec, tiny_world["data"], ["en", "de"], 10, 0)
    assert [r["language"] for r in rows] == ["en", "de"] and all(r["n_words"] > 0 for r in rows)
    assert all(
        r["fertility"] == pytest.approx(1.0) for r in rows
    )  # a word-level vocabulary: one piece a word
    table = read_fertility(write_table(rows, tmp_path / "fertility.csv"))
    assert list(table["language"]) == ["eng", "deu"]  # one ISO 639-3 identity, as in the analysis
    rows = pd.DataFrame(
        {"model": "tiny", "target_task": "tinytopic", "language": ["deu", "fra"], "sources": ""}
    )
    joined = attach(rows, pd.DataFrame({"script": []}), table)
    assert joined["fertility"].tolist()[0] == pytest.approx(1.0) and pd.isna(joined["fertility"].iloc[1])


def test_retrieval_texts_are_the_languages_side() -> None:
    from xstilts.tasks.registry import get_task

    spec = get_task("msgretrieval")
    assert example_texts(spec, [{"id": "1", "source": "English side", "target": "la langue"}]) == [
        "la langue"
    ]


def test_a_bad_fertility_value_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "fertility.csv"
    path.write_text("target_task,language,fertility\nxnli,de,1.5\nxnli,fr,many\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"fertility.csv:3: fertility 'many'"):
        read_fertility(path)


def test_cli_writes_the_table_for_the_scored_languages(tiny_world, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from xstilts.cli.main import app
    from xstilts.pipeline.store import ResultsStore, ScoreRow

    out = tmp_path / "run"
    store = ResultsStore(out / "results.sqlite")
    run = store.start_run("fert", "cfg", "test", {})
    rows = [ScoreRow(model=str(tiny_world["model"]), condition="none", intermediate="", sources="",
                     target_task="tinytopic", language=lang, split="test", metric="accuracy", value=50.0, seed=1,
                     is_main=True) for lang in ("en", "de")]  # fmt: skip
    store.record_job("fert", "job", "eval", "job", "done", run_id=run, scores=rows)
    config = tmp_path / "fert.yaml"
    config.write_text(
        f"name: fert\noutput_dir: {out}\ndata_dir: {tiny_world['data']}\nmodels: ['{tiny_world['model']}']\n"
        "seeds: [1]\nconditions: {none: []}\ntargets: {tinytopic: {max_examples_per_language: 10}}\n"
    )
    result = CliRunner().invoke(app, ["fertility", str(config)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "fertility.csv")
    assert sorted(table["language"]) == ["de", "en"] and (table["n_words"] > 0).all()
