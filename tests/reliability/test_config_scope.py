"""Point 1 and 9: results and report show exactly the given config's scores, and say when partial."""

from __future__ import annotations

import json

from tests.reliability.conftest import QUIET, score_tuples, small_experiment
from xstilts.analysis.frame import load_scores
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import run_experiment
from xstilts.pipeline.store import ResultsStore

OTHER = ["finetune.learning_rate=0.01"]


def scope_for(config):
    from xstilts.pipeline.scope import scope_for as scope  # inside: the tests also run on older code

    return scope(config)


def test_results_and_report_use_only_the_given_configs_rows(tiny_world, tmp_path, cli, monkeypatch):
    from tests.analysis.analysis_synthetic import fake_provider

    monkeypatch.setattr("xstilts.analysis.report.default_provider", fake_provider)
    monkeypatch.setattr("xstilts.analysis.report.uriel_meta", lambda languages: None)
    path = small_experiment(tmp_path, tiny_world, "mix")
    original = load_experiment(path)
    run_experiment(original, console=QUIET)
    run_experiment(load_experiment(path, OTHER), console=QUIET)
    run_experiment(load_experiment(path), console=QUIET)  # the original again: nothing to redo
    every = ResultsStore(original.store_path).scores_frame("mix")
    scope = scope_for(original)
    mine = scope.select(every)
    assert len(every) == 2 * len(mine)  # both configs' rows stay in the store
    fresh = load_experiment(small_experiment(tmp_path / "fresh", tiny_world, "mix"))
    run_experiment(fresh, console=QUIET)
    expected = score_tuples(ResultsStore(fresh.store_path).scores_frame("mix"))
    assert score_tuples(mine) == expected
    # what the report analyses: the same rows, none of the other config's
    scores, _ = load_scores(original.store_path, "mix", scope.job_ids(original.store_path, "mix"))
    assert score_tuples(scores) == expected
    assert {json.loads(p)["config_hash"] for p in scores.provenance_json} == {original.config_hash()}

    shown = cli("results", path)
    assert shown.code == 0, shown.err
    assert f"config {original.config_hash()}" in shown.out
    main = ResultsStore(fresh.store_path).scores_frame("mix").query("is_main == 1")
    # the printed table is the fresh run's: same per-language means
    for value in main.value:
        assert f"{value:.1f}" in shown.out
    history = cli("results", path, "--all-configs")
    assert history.code == 0, history.err
    other_hash = load_experiment(path, OTHER).config_hash()
    assert original.config_hash() in history.out and other_hash in history.out
    # without a config the report cannot tell the configs apart: it says so first
    out = tmp_path / "store-report"
    bare = cli(
        "report", "--store", original.store_path, "--experiment", "mix", "--out", out, "--n-boot", "50"
    )
    assert bare.code == 0, bare.err
    assert bare.out.lstrip().startswith("the store holds rows of 2 configs")
    assert "give the experiment YAML" in (out / "index.md").read_text(encoding="utf-8")


def test_report_prints_the_config_hash_and_a_partial_notice_first(tiny_world, tmp_path, cli, monkeypatch):
    from tests.analysis.analysis_synthetic import fake_provider

    monkeypatch.setattr("xstilts.analysis.report.default_provider", fake_provider)
    monkeypatch.setattr("xstilts.analysis.report.uriel_meta", lambda languages: None)
    path = small_experiment(tmp_path, tiny_world, "part")
    run_experiment(load_experiment(path), console=QUIET)
    grown = small_experiment(
        tmp_path, tiny_world, "part", targets={"tinytopic": {}, "tinytags": {}}, report={"n_boot": 50}
    )
    config = load_experiment(grown)
    scope = scope_for(config)
    assert (scope.jobs_done, scope.jobs_total) == (5, 9)
    shown = cli("results", grown)
    assert shown.code == 0, shown.err
    assert shown.out.lstrip().startswith("5 of 9 jobs done; estimates are partial")
    report = cli("report", grown)
    assert report.code == 0, report.err
    assert report.out.lstrip().startswith("5 of 9 jobs done; estimates are partial")
    text = (config.report_dir / "index.md").read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    assert first == "5 of 9 jobs done; estimates are partial"
    assert f"config {config.config_hash()}" in text


def test_a_store_computed_elsewhere_is_selected_by_config_hash(tiny_world, tmp_path):
    from dataclasses import replace

    config = load_experiment(small_experiment(tmp_path, tiny_world, "elsewhere"))
    run_experiment(config, console=QUIET)
    every = ResultsStore(config.store_path).scores_frame("elsewhere")
    scope = scope_for(config)
    other_machine = replace(scope, evaluate_keys=["keys-of-a-bf16-machine"], notes=[])
    chosen = other_machine.select(every)
    assert score_tuples(chosen) == score_tuples(every)
    assert any("config hash" in note for note in other_machine.lines())
    foreign = replace(scope, config_hash="0" * 16, evaluate_keys=["none"], notes=[])
    assert foreign.select(every).empty  # another config's store shows nothing of it
