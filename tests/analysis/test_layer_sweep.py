"""The layer-sweep table and figure from stored per-layer retrieval scores."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from xstilts.analysis.layer_sweep import sweep_figures, sweep_table


def _scores() -> pd.DataFrame:
    rows = []
    for condition, shift in (("none", 0.0), ("msgkind-en", -0.1)):
        for seed in (1, 2):
            for language in ("de", "ja"):
                for layer in range(3):
                    value = 0.5 + 0.1 * layer + (shift if layer == 2 else 0.0) + 0.01 * seed
                    rows.append(
                        (
                            "m",
                            "msgretrieval",
                            condition,
                            seed,
                            language,
                            "retrieval_accuracy",
                            f"layer{layer:02d}",
                            "",
                            value,
                        )
                    )
                rows.append(
                    ("m", "msgretrieval", condition, seed, language, "retrieval_accuracy", "", "", 0.6)
                )
                # one direction at one layer is not the sweep (it scores the mean of both)
                rows.append(
                    (
                        "m",
                        "msgretrieval",
                        condition,
                        seed,
                        language,
                        "retrieval_accuracy",
                        "layer01",
                        "en->xx",
                        9.9,
                    )
                )
                rows.append(("m", "msgretrieval", condition, seed, language, "mrr", "last-layer", "", 0.7))
    return pd.DataFrame(
        rows,
        columns=[
            "model",
            "target_task",
            "condition",
            "seed",
            "language",
            "metric",
            "variant",
            "direction",
            "value",
        ],
    ).assign(reference="")


def test_table_averages_each_layer_over_languages_and_seeds() -> None:
    table = sweep_table(_scores())
    assert len(table) == 2 * 3 and set(table["metric"]) == {"retrieval_accuracy"}
    top = table.set_index(["condition", "layer"])["mean"]
    assert top[("none", 2)] == pytest.approx(0.715) and top[("msgkind-en", 2)] == pytest.approx(0.615)
    assert top[("none", 0)] == pytest.approx(top[("msgkind-en", 0)])  # the loss sits in the top layer
    assert set(table["languages"]) == {2} and set(table["seeds"]) == {2}


def test_figures_and_csv_are_written(tmp_path: Path) -> None:
    figures = sweep_figures(_scores(), tmp_path)
    assert list(figures) == ["layer_sweep_m_msgretrieval"]
    relative, caption = figures["layer_sweep_m_msgretrieval"]
    assert (tmp_path / relative).stat().st_size > 1000 and "layer" in caption
    assert len(pd.read_csv(tmp_path / "layer_sweep.csv")) == 6
    assert sweep_figures(_scores().query("variant == ''"), tmp_path / "none") == {}
