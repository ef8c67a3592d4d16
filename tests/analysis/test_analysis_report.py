"""The report renders from a store: pages, tables, figures; and ``xstilts report`` drives it."""

from __future__ import annotations

from pathlib import Path

import analysis_synthetic as synthetic  # importable: pytest prepends this folder (it has no __init__.py)
import matplotlib.image
import pandas as pd
import pytest
from typer.testing import CliRunner

from xstilts.analysis import ReportSummary, build_report
from xstilts.analysis.document import Heading, Paragraph, Table, to_html, to_markdown
from xstilts.analysis.metadata import read_language_meta
from xstilts.cli.main import app
from xstilts.errors import ConfigError, DataFormatError, UnknownNameError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SIGNATURES = {".png": PNG_SIGNATURE, ".pdf": b"%PDF-", ".svg": b"<?xml"}
N_BOOT = 200


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic.write_store(tmp_path_factory.mktemp("report-store") / "results.sqlite")


@pytest.fixture(scope="module")
def summary(store: Path, tmp_path_factory: pytest.TempPathFactory) -> ReportSummary:
    return build_report(
        store,
        synthetic.EXPERIMENT,
        tmp_path_factory.mktemp("report"),
        distance_provider=synthetic.fake_provider,
        language_meta=synthetic.language_meta(),
        n_boot=N_BOOT,
    )


def test_pages_exist_and_reference_every_figure(summary: ReportSummary) -> None:
    markdown = summary.index_md.read_text(encoding="utf-8")
    page = summary.index_html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for path in summary.figures.values():
        relative = path.relative_to(summary.index_md.parent).as_posix()
        assert f"]({relative})" in markdown
        assert f'src="{relative}"' in page
    for section in ("## Setup", "## Answer", "## Per-language scores", "## Distances used", "## Mitigation estimates",
                    "## Paired comparisons", "## Delta matrix", "## XTREME-style average", "## Excluded languages",
                    "## Figures", "## Models"):  # fmt: skip
        assert section in markdown
    assert summary.answer.split("\n\n")[0] in markdown


def test_expected_figures_are_valid_pngs(summary: ReportSummary) -> None:
    names = set(summary.figures)
    for task in ("xnli", "tatoeba"):
        for kind in ("syntactic", "genetic"):
            assert f"scatter_tiny-xlmr_{task}_{kind}" in names
        assert f"bars_tiny-xlmr_{task}" in names
        assert f"paired_tiny-xlmr_{task}_syntactic" in names  # paired changes on the first main kind
        assert f"worldmap_tiny-xlmr_{task}" in names  # metadata has coordinates
    assert {"delta_heatmap_tiny-xlmr", "mitigation_tiny-xlmr", "distance_heatmap"} <= names
    for path in summary.figures.values():
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        image = matplotlib.image.imread(path)
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
        for suffix, signature in SIGNATURES.items():  # the same figure as PNG, SVG and PDF
            assert path.with_suffix(suffix).read_bytes().startswith(signature), (path, suffix)


def test_page_reads_answer_first_then_headline_figures_then_folded_tables(summary: ReportSummary) -> None:
    markdown = summary.index_md.read_text(encoding="utf-8")
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings[:3] == ["## Answer", "## Headline figures", "## Setup"]
    assert headings[-1] == "## Provenance"
    headline = markdown.split("## Headline figures")[1].split("## Setup")[0]
    assert (
        "figures/mitigation_tiny-xlmr.png" in headline
        and "figures/paired_tiny-xlmr_xnli_syntactic.png" in headline
    )
    assert "figures/bars_tiny-xlmr_xnli.png" not in headline  # the long per-language chart comes later
    page = summary.index_html.read_text(encoding="utf-8")
    scores = page.split('id="per-language-scores"')[1].split("<h2")[0]
    assert '<details class="table">' in scores and '<a href="scores.csv">CSV</a>' in scores  # 51 rows: folded
    xtreme = page.split('id="xtreme-style-average"')[1].split("<h2")[0]
    assert "<details" not in xtreme and 'href="xtreme_average.csv"' in xtreme  # 3 rows: shown
    assert (
        'href="figures/mitigation_tiny-xlmr.svg">SVG</a>' in page
        and 'href="figures/mitigation_tiny-xlmr.pdf"' in page
    )


def test_intervals_and_slopes_are_labelled_with_kind_and_unit(summary: ReportSummary) -> None:
    markdown = summary.index_md.read_text(encoding="utf-8")
    slopes = markdown.split("## Slopes of the dependent variable")[1].split("## Mitigation")[0]
    header = next(line for line in slopes.splitlines() if line.startswith("| model"))
    assert "| slope | unit | 95% CI, kind in the interval column |" in header
    assert "| 95% CI, cluster-robust t |" in header  # the OLS interval, beside the run-level one
    assert "ci_low" not in header and "ols_high" not in header
    assert "| gap (accuracy) per 0.1 syntactic distance |" in slopes
    mitigation = markdown.split("## Mitigation estimates")[1].split("## Paired")[0]
    header = next(line for line in mitigation.splitlines() if line.startswith("| model"))
    assert "| mitigation | unit |" in header and "| 95% CI, kind in the interval column |" in header
    assert "| gap (accuracy) per 0.1 syntactic distance |" in mitigation
    paired = markdown.split("## Paired comparisons")[1].split("## Delta")[0]
    assert "| mean_delta | unit | 95% CI, t over languages |" in paired
    assert {"ci_low", "ci_high", "ols_low"} <= set(
        pd.read_csv(summary.tables["slopes"]).columns
    )  # CSV stays raw


def test_provenance_is_full_json_folded(summary: ReportSummary) -> None:
    import html
    import json
    import re

    written = json.loads((summary.index_md.parent / "provenance.json").read_text(encoding="utf-8"))
    assert written["runs"] and written["score_provenance"]
    assert written["score_provenance"][0]["provenance"]["dataset_revision"] == "abc"
    page = summary.index_html.read_text(encoding="utf-8")
    folded = re.search(
        r'<details class="code"><summary>Full provenance \(JSON\).*?<pre>(.*?)</pre>', page, re.S
    )
    assert folded is not None
    assert json.loads(html.unescape(folded.group(1))) == written  # whole, not cut mid-JSON


def test_every_table_is_a_csv(summary: ReportSummary) -> None:
    expected = {"scores", "distances", "slopes", "mitigation", "paired", "delta_matrix", "xtreme_average", "excluded",
                "skipped", "analysis_rows", "family_breakdown", "contrasts", "source_effects", "in_language"}  # fmt: skip
    assert expected <= set(summary.tables)
    for name, path in summary.tables.items():
        assert path.parent == summary.index_md.parent and path.suffix == ".csv"
        table = pd.read_csv(path)
        assert len(table) > 0, name
    slopes = pd.read_csv(summary.tables["slopes"])
    assert {"slope", "ci_low", "ci_high", "p_value", "n_languages", "r2", "dependent"} <= set(slopes.columns)


def test_excluded_languages_are_listed_in_the_report(summary: ReportSummary) -> None:
    markdown = summary.index_md.read_text(encoding="utf-8")
    excluded_section = markdown.split("## Excluded languages")[1].split("## Figures")[0]
    assert "syntactic distance to eng" in excluded_section  # one ISO 639-3 identity per language
    assert "yor" in excluded_section and "no syntax features" in excluded_section
    assert "Left out of the distance heatmap (a distance is missing): yor." in excluded_section


def test_rerun_replaces_stale_figures(summary: ReportSummary, store: Path) -> None:
    out = summary.index_md.parent
    stale = out / "figures" / "scatter_old-model_x_y.png"
    stale.write_bytes(PNG_SIGNATURE)
    stale.with_suffix(".svg").write_bytes(b"<?xml")
    again = build_report(
        store, synthetic.EXPERIMENT, out, distance_provider=synthetic.fake_provider, n_boot=20
    )
    assert not stale.exists() and not stale.with_suffix(".svg").exists()
    assert "worldmap_tiny-xlmr_xnli" not in again.figures  # no coordinates without metadata
    assert all(path.exists() for path in again.figures.values())


def test_html_escapes_text() -> None:
    blocks = [Heading("<b>"), Paragraph("a < b & c"), Table(pd.DataFrame({"x<": ["<script>"]}))]
    page = to_html("t&t", blocks)
    assert "<script>" not in page and "&lt;script&gt;" in page and "a &lt; b &amp; c" in page
    assert "| x< |" in to_markdown("t", blocks)


def test_language_meta_file_is_validated(tmp_path: Path) -> None:
    good = tmp_path / "meta.tsv"
    good.write_text("language\tname\tfamily\tlatitude\tlongitude\nquy\tQuechua\tQuechuan\t-13.5\t-72.0\n")
    assert read_language_meta(good).loc["quy", "family"] == "Quechuan"
    bad = tmp_path / "bad.csv"
    bad.write_text("language,latitude\nquy,-13.5\nayr,south\n")
    with pytest.raises(DataFormatError) as error:
        read_language_meta(bad)
    assert f"{bad}:3:" in str(error.value)
    headless = tmp_path / "headless.csv"
    headless.write_text("code,name\nquy,Quechua\n")
    with pytest.raises(DataFormatError, match="language"):
        read_language_meta(headless)


@pytest.fixture()
def fake_distances(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI uses the default (URIEL) provider; tests swap in the synthetic one."""
    monkeypatch.setattr("xstilts.analysis.report.default_provider", synthetic.fake_provider)


def test_cli_with_store_experiment_and_out(store: Path, tmp_path: Path, fake_distances: None) -> None:
    out = tmp_path / "cli-report"
    result = CliRunner().invoke(
        app,
        ["report", "--store", str(store), "--experiment", synthetic.EXPERIMENT, "--out", str(out), "--n-boot", "50",
         "--cluster", "family"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file() and (out / "index.md").is_file()
    assert f"Report: {out / 'index.html'}" in result.output  # soft-wrapped: the path stays whole
    printed = " ".join(result.output.split())
    assert "Primary contrast" in printed and "mitigates: +1" in printed  # the answer paragraphs are printed


def test_cli_from_experiment_config(store: Path, tmp_path: Path, fake_distances: None) -> None:
    """`xstilts report EXP.yaml` reads the store and report settings from the experiment file."""
    import shutil

    out = tmp_path / "run"
    out.mkdir()
    shutil.copyfile(store, out / "results.sqlite")
    config_file = tmp_path / "exp.yaml"
    config_file.write_text(
        f"name: {synthetic.EXPERIMENT}\noutput_dir: {out}\nmodels: [m]\nseeds: [1]\n"
        "conditions: {none: []}\ntargets: {xnli: {}}\nreport: {n_boot: 60, cluster: family, sesoi: 0.5,\n"
        "  primary: {task: xnli, kind: syntactic, estimand: mitigation, condition: interA}}\n"
    )
    result = CliRunner().invoke(app, ["report", str(config_file)])
    assert result.exit_code == 0, result.output
    markdown = (out / "report" / "index.md").read_text()
    assert "clustered by family" in markdown
    answer = markdown.split("## Answer", 1)[1].lstrip()
    assert answer.startswith("Primary contrast (declared in report.primary): xnli, syntactic distance, mitigation: "
                             "interA. Estimate +1")  # fmt: skip
    assert "Verdict: mitigates." in answer.split("\n\n")[0] and "±0.5 per 0.1" in answer
    contrasts = pd.read_csv(out / "report" / "contrasts.csv")
    assert contrasts.iloc[0].role == "primary" and (contrasts.role == "primary").sum() == 1


def test_cli_errors_are_one_line(store: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    unknown = runner.invoke(
        app, ["report", "--store", str(store), "--experiment", "nope", "--out", str(tmp_path)]
    )
    assert isinstance(unknown.exception, UnknownNameError)
    assert "synthetic" in str(unknown.exception) and "\n" not in str(unknown.exception)
    nothing = runner.invoke(app, ["report"])
    assert isinstance(nothing.exception, ConfigError)
    assert "--store" in str(nothing.exception)


PAGE_METRICS = """(() => {
  const answer = document.getElementById('answer');
  const first = answer && answer.nextElementSibling;
  const header = document.querySelector('.scroll th');
  return {
    width: window.innerWidth, height: window.innerHeight,
    scrollWidth: document.documentElement.scrollWidth, bodyWidth: document.body.scrollWidth,
    answerTop: answer ? answer.getBoundingClientRect().top : null,
    answerTextTop: first ? first.getBoundingClientRect().top : null,
    images: document.images.length,
    broken: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
    stickyHeader: header ? getComputedStyle(header).position : null,
    scrollingBoxes: [...document.querySelectorAll('.scroll')].filter(b => b.scrollWidth > b.clientWidth + 1).length,
  };
})()"""


STICKY_HEADER = """(() => {
  const box = [...document.querySelectorAll('.scroll')].find(b => b.scrollHeight > b.clientHeight + 50);
  if (!box) return null;
  box.scrollTop = 200;
  const header = box.querySelector('th');
  return {scrolled: box.scrollTop, offset: header.getBoundingClientRect().top - box.getBoundingClientRect().top};
})()"""


def test_page_in_headless_chromium_at_1280px(summary: ReportSummary, tmp_path: Path) -> None:
    """The page loads without errors, never overflows sideways, and shows the answer on the first screen."""
    import headless_chromium

    browser = headless_chromium.find_browser()
    if browser is None:
        pytest.skip("no Chromium on PATH (apt-get install chromium); browser checks skipped")
    with headless_chromium.PageLoad(browser, summary.index_html.resolve().as_uri(), 1280, 800) as page:
        closed = page.evaluate(PAGE_METRICS)
        page.screenshot(tmp_path / "first-screen.png")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        opened = page.evaluate(PAGE_METRICS)
        sticky = page.evaluate(STICKY_HEADER)
        errors = page.errors
    assert errors == []
    shown = summary.index_html.read_text(encoding="utf-8").count(
        "<img "
    )  # another test may re-render the folder
    assert closed["width"] == 1280 and closed["images"] == shown > 5 and closed["broken"] == []
    for metrics in (closed, opened):  # folded or unfolded, wide tables scroll inside their box, not the page
        assert metrics["scrollWidth"] <= metrics["width"] and metrics["bodyWidth"] <= metrics["width"], (
            metrics
        )
    assert 0 <= closed["answerTop"] < closed["answerTextTop"] < 0.75 * closed["height"]
    assert opened["scrollingBoxes"] >= 1 and opened["stickyHeader"] == "sticky"
    assert (
        sticky is not None and sticky["scrolled"] == 200 and abs(sticky["offset"]) <= 2
    )  # header stays on top
    assert (tmp_path / "first-screen.png").read_bytes()[:8] == PNG_SIGNATURE
