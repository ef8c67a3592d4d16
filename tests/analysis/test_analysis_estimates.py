"""The estimates recover a planted answer; the text says what the numbers say and no more."""

from __future__ import annotations

from pathlib import Path

import analysis_synthetic as synthetic  # importable: pytest prepends this folder (it has no __init__.py)
import numpy as np
import pandas as pd
import pytest

from xstilts.analysis import analyse_store
from xstilts.analysis.answer import compose_answer
from xstilts.analysis.bootstrap import (
    bootstrap_slope_difference,
    bootstrap_slopes,
    layout,
    pack,
    percentile_interval,
)
from xstilts.analysis.frame import build_frame, load_scores, select_scores
from xstilts.errors import ConfigError, MissingResourceError, UnknownNameError, XstiltsError

N_BOOT = 200


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic.write_store(tmp_path_factory.mktemp("analysis") / "results.sqlite")


@pytest.fixture(scope="module")
def results(store: Path):
    return analyse_store(
        store, synthetic.EXPERIMENT, distance_provider=synthetic.fake_provider, n_boot=N_BOOT
    )


def _slope(
    results, task: str, condition: str, kind: str = "syntactic", distance_to: str = "eng"
) -> pd.Series:
    s = results.slopes
    row = s[
        (s.target_task == task)
        & (s.condition == condition)
        & (s.kind == kind)
        & (s.distance_to == distance_to)
    ]
    assert len(row) == 1
    return row.iloc[0]


def _verdict(
    results, task: str, condition: str, kind: str = "syntactic", estimand: str = "mitigation"
) -> str:
    c = results.contrasts
    row = c[
        (c.target_task == task) & (c.condition == condition) & (c.kind == kind) & (c.estimand == estimand)
    ]
    assert len(row) == 1
    return str(row.iloc[0].verdict)


def _mitigation(results, task: str, condition: str, kind: str = "syntactic") -> pd.Series:
    m = results.mitigation
    row = m[(m.target_task == task) & (m.condition == condition) & (m.kind == kind)]
    assert len(row) == 1
    return row.iloc[0]


@pytest.mark.parametrize("task", ["xnli", "tatoeba"])
def test_per_condition_slopes_recover_the_planted_ones(results, task: str) -> None:
    for condition, planted in synthetic.SLOPES.items():
        row = _slope(results, task, condition)
        per_step = planted * 0.1  # slopes are reported per 0.1 of distance
        assert row.ci_low <= per_step <= row.ci_high, (condition, row.slope, row.ci_low, row.ci_high)
        assert row.ols_low <= per_step <= row.ols_high and row.interval == "runs+languages"
        assert row.n_languages == 24  # 25 non-English languages minus Yoruba (no syntactic distance)
        assert row.n_obs == 72  # 3 seeds each: repeated measures, not extra languages
        assert row.n_clusters == 24


@pytest.mark.parametrize("task", ["xnli", "tatoeba"])
def test_pooled_interaction_recovers_mitigation(results, task: str) -> None:
    flattening = _mitigation(results, task, "interA")
    assert abs(flattening.mitigation - 1.0) < 0.2  # +10 per unit = +1 per 0.1
    assert flattening.ci_low > 0 and flattening.ols_p < 0.05 and flattening.p_value < 0.05
    assert flattening.distant_delta > 0 and flattening.distant_low > 0  # the distant languages gained
    assert _verdict(results, task, "interA") == "mitigates"
    # With every language scored by every run, OLS on run means reproduces the per-row slopes.
    assert flattening.slope_condition == pytest.approx(_slope(results, task, "interA").slope, abs=1e-8)
    assert flattening.slope_none == pytest.approx(_slope(results, task, "none").slope, abs=1e-8)

    unchanged = _mitigation(results, task, "interB")
    assert abs(unchanged.mitigation) < 0.2
    assert unchanged.ci_low < 0 < unchanged.ci_high
    assert _verdict(results, task, "interB") == "equivalent"  # the CI lies inside +-1 per 0.1 (TOST)


def test_dependent_variable_is_named_per_task(results) -> None:
    assert results.frame.dependent_by_task == {"tatoeba": "score", "xnli": "gap"}
    assert set(results.slopes.loc[results.slopes.target_task == "xnli", "dependent"]) == {"gap"}
    assert set(results.slopes.loc[results.slopes.target_task == "tatoeba", "dependent"]) == {"score"}


def test_distance_to_a_non_english_source_is_analysed(results) -> None:
    s = results.slopes
    source_rows = s[s.distance_to.str.startswith("nearest source")]
    assert set(source_rows.condition) == {"interB"}  # interA's source is English: nothing new to fit
    assert (source_rows.distance_to == "nearest source (deu)").all()  # one ISO 639-3 identity
    german = results.rows[(results.rows.condition == "interB") & (results.rows.language == "deu")]
    assert (german["dsrc_syntactic"] == 0.0).all()
    assert results.rows.loc[results.rows.condition == "none", "dsrc_syntactic"].isna().all()


def test_missing_distance_excludes_and_lists_the_language(results) -> None:
    excluded = results.excluded
    yoruba = excluded[(excluded.language == "yor") & (excluded.analysis == "syntactic distance to eng")]
    assert len(yoruba) == 1
    assert "no syntax features" in yoruba.iloc[0].reason  # the provider's own reason is kept
    assert _slope(results, "xnli", "none", kind="genetic").n_languages == 25  # still in the genetic fits
    assert results.rows.loc[results.rows.language == "yor", "d_syntactic"].isna().all()  # never zero-filled


def test_paired_comparisons_and_tables(results) -> None:
    paired = results.paired.set_index(["target_task", "condition"])
    assert paired.loc[("xnli", "interA"), "mean_delta"] > 4
    assert paired.loc[("xnli", "interA"), "ci_low"] > 0
    assert paired.loc[("xnli", "interA"), "n_languages"] == 26  # English included: scores, not gaps
    assert paired.loc[("tatoeba", "interB"), "ci_low"] < 0 < paired.loc[("tatoeba", "interB"), "ci_high"]
    deltas = results.deltas.set_index(["condition", "target_task"])
    assert deltas.loc[("interA", "xnli"), "mean_delta"] == pytest.approx(
        paired.loc[("xnli", "interA"), "mean_delta"]
    )
    xtreme = results.xtreme.set_index("condition")
    assert list(xtreme.index) == ["none", "interA", "interB"]
    assert xtreme.loc["none", "average"] == pytest.approx(
        (xtreme.loc["none", "xnli"] + xtreme.loc["none", "tatoeba"]) / 2
    )
    assert (xtreme["n_tasks"] == 2).all()


def test_answer_leads_with_the_primary_contrast_and_counts_add_up(results) -> None:
    answer = compose_answer(results)
    first, counts = answer.split("\n\n")[:2]
    assert first.startswith("Primary contrast (not declared in the config")
    assert "per 0.1 of distance (95% CI, runs+languages:" in first and "Verdict:" in first
    n_contrasts = len(results.contrasts)
    assert f"Verdicts of all {n_contrasts} contrasts" in counts
    numbers = [int(part.split(" ")[0]) for clause in counts.split(": ")[2:] for part in clause.split(", ")
               if part.split(" ")[0].isdigit()]  # fmt: skip
    by_estimand = results.contrasts["estimand"].value_counts()
    assert sum(numbers) == by_estimand.sum()  # every category is named, so the counts add up
    xnli = next(p for p in answer.split("\n\n") if p.startswith("xnli"))
    assert "interA (syntactic, mitigation) mitigates: +1" in xnli
    assert "without intermediate training -2" in xnli  # -20 per unit = -2 per 0.1
    table = results.contrasts.set_index(["target_task", "kind", "estimand", "condition"])
    assert table.loc[("xnli", "syntactic", "mitigation", "interB"), "verdict"] == "equivalent"
    assert "no effect" not in answer


def test_a_declared_mitigation_primary_leads_and_the_mixed_model_agrees(store: Path) -> None:
    primary = {"task": "xnli", "kind": "syntactic", "estimand": "mitigation", "condition": "interA"}
    results = analyse_store(store, synthetic.EXPERIMENT, distance_provider=synthetic.fake_provider, n_boot=100,
                            primary=primary)  # fmt: skip
    check = results.cross_check
    assert check is not None and check["ci_low"] <= 1.0 <= check["ci_high"]  # +10 per unit = +1 per 0.1
    first = compose_answer(results).split("\n\n")[0]
    assert first.startswith(
        "Primary contrast (declared in report.primary): xnli, syntactic distance, mitigation"
    )
    assert "Verdict: mitigates." in first and "Cross-check, MixedLM" in first


def test_answer_never_claims_a_difference_that_is_not_there(tmp_path: Path) -> None:
    path = synthetic.write_store(
        tmp_path / "flat.sqlite",
        slopes={"none": -20.0, "interA": -20.0, "interB": -20.0},
        with_secondary_metric=False,
    )
    results = analyse_store(
        path, synthetic.EXPERIMENT, distance_provider=synthetic.fake_provider, n_boot=N_BOOT
    )
    mitigation = results.contrasts[results.contrasts.estimand == "mitigation"]
    assert set(mitigation.verdict) <= {"equivalent", "inconclusive"}
    assert " mitigates: " not in compose_answer(results)


def test_lower_is_better_metrics_keep_the_sign_of_mitigation(tmp_path: Path) -> None:
    path = synthetic.write_store(
        tmp_path / "errors.sqlite", lower_is_better=True, with_secondary_metric=False
    )
    results = analyse_store(
        path, synthetic.EXPERIMENT, distance_provider=synthetic.fake_provider, n_boot=N_BOOT
    )
    flattening = _mitigation(results, "xnli", "interA")
    assert _slope(results, "xnli", "none").slope > 0  # an error rate grows with distance
    assert flattening.mitigation == pytest.approx(1.0, abs=0.2)
    assert flattening.distant_delta > 0  # "better" is signed: fewer errors is a gain
    assert _verdict(results, "xnli", "interA") == "mitigates"


def test_family_clustering_runs_and_changes_the_unit(store: Path) -> None:
    results = analyse_store(
        store,
        synthetic.EXPERIMENT,
        distance_provider=synthetic.fake_provider,
        language_meta=synthetic.language_meta(),
        n_boot=N_BOOT,
        cluster="family",
    )
    row = _slope(results, "xnli", "none")
    assert row.cluster == "family" and row.n_clusters == 6
    assert np.isfinite([row.ci_low, row.ci_high, row.ols_low, row.ols_high]).all()
    assert set(results.mitigation.cluster) == {"family"}
    assert set(results.family.family) == {"Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"}
    assert "clustered by family" in compose_answer(results)


def test_gap_is_paired_by_seed_and_unpaired_rows_are_listed(store: Path) -> None:
    scores, runs = load_scores(store, synthetic.EXPERIMENT)
    selection = select_scores(scores, runs)
    frame = build_frame(selection, "en")
    rows = frame.rows.set_index(["condition", "target_task", "language", "seed"])
    english = rows.loc[("none", "xnli", "eng", 2), "score"]
    assert rows.loc[("none", "xnli", "deu", 2), "dependent"] == pytest.approx(
        rows.loc[("none", "xnli", "deu", 2), "score"] - english
    )
    assert np.isnan(rows.loc[("none", "xnli", "eng", 2), "dependent"])
    assert (
        rows.loc[("none", "tatoeba", "deu", 2), "dependent"]
        == rows.loc[("none", "tatoeba", "deu", 2), "score"]
    )

    s = selection.scores
    selection.scores = s[~((s.language == "en") & (s.condition == "interA") & (s.seed == 1))]
    frame = build_frame(selection, "en")
    listed = frame.excluded[(frame.excluded.condition == "interA") & (frame.excluded.target_task == "xnli")]
    assert len(listed) == 25 and set(listed.analysis) == {"gap (seeds 1)"}


def test_metric_and_split_selection(store: Path) -> None:
    scores, runs = load_scores(store, synthetic.EXPERIMENT)
    main = select_scores(scores, runs)
    assert main.metric_by_task == {"tatoeba": "top1", "xnli": "accuracy"}
    assert set(main.scores.split) == {"test"}
    chosen = select_scores(scores, runs, metric="macro_f1")
    assert set(chosen.scores.metric) == {"macro_f1"}
    with pytest.raises(UnknownNameError, match="macro_f1"):
        select_scores(scores, runs, metric="macro_f")
    with pytest.raises(ConfigError, match="dev, test"):
        select_scores(scores, runs, split="validation")


def test_store_errors_are_one_line(store: Path, tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError) as unknown:
        load_scores(store, "synthetc")
    assert "synthetic" in str(unknown.value) and "\n" not in str(unknown.value)
    with pytest.raises(MissingResourceError):
        load_scores(tmp_path / "absent.sqlite", "synthetic")
    with pytest.raises(ConfigError):
        analyse_store(
            store, synthetic.EXPERIMENT, distance_provider=synthetic.fake_provider, cluster="country"
        )


def test_a_provider_without_distance_columns_is_refused(store: Path) -> None:
    def broken(languages: list[str], reference: str) -> pd.DataFrame:
        return pd.DataFrame({"distance": 0.5}, index=languages)

    with pytest.raises(XstiltsError, match="none of the distance kinds"):
        analyse_store(store, synthetic.EXPERIMENT, distance_provider=broken, n_boot=10)


def _observations(slope: float, n_languages: int = 30, n_seeds: int = 3, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = np.linspace(0.1, 0.9, n_languages)
    effect = rng.normal(0, 0.5, n_languages)
    rows = [
        {
            "language": f"l{i}",
            "cluster": f"l{i}",
            "x": x[i],
            "y": slope * x[i] + effect[i] + rng.normal(0, 0.3),
        }
        for i in range(n_languages)
        for _ in range(n_seeds)
    ]
    return pd.DataFrame(rows)


def test_bootstrap_is_reproducible_and_covers_the_truth() -> None:
    data = _observations(-5.0)
    sample = pack(data, layout(data))
    first = bootstrap_slopes(sample, 300, np.random.default_rng(1))
    second = bootstrap_slopes(sample, 300, np.random.default_rng(1))
    assert np.array_equal(first, second)
    low, high = percentile_interval(first)
    assert low < -5.0 < high
    assert np.polyfit(data.x, data.y, 1)[0] == pytest.approx(np.median(first), abs=0.5)

    other = _observations(-2.0, seed=1)
    difference = bootstrap_slope_difference(pack(other, layout(data)), sample, 300, np.random.default_rng(2))
    low, high = percentile_interval(difference)
    assert low < 3.0 < high and low > 0


def test_bootstrap_handles_unequal_seeds_and_degenerate_draws() -> None:
    data = _observations(1.0, n_languages=6).iloc[:-2]  # the last language keeps one seed
    sample = pack(data, layout(data))
    assert sample.n_seeds.ravel().tolist() == [3, 3, 3, 3, 3, 1]
    assert np.isfinite(bootstrap_slopes(sample, 50, np.random.default_rng(0))).any()
    flat = data.assign(x=0.5)
    draws = bootstrap_slopes(pack(flat, layout(flat)), 50, np.random.default_rng(0))
    assert np.isnan(draws).all()
    assert all(np.isnan(percentile_interval(draws)))


def test_a_language_unknown_to_the_provider_costs_only_that_language(store: Path) -> None:
    def strict(languages: list[str], reference: str) -> pd.DataFrame:
        if "swa" in languages:
            raise UnknownNameError("URIEL language", "sw", ["swa"])
        return synthetic.fake_provider(languages, reference)

    results = analyse_store(store, synthetic.EXPERIMENT, distance_provider=strict, n_boot=20)
    swahili = results.excluded[
        (results.excluded.language == "swa") & (results.excluded.analysis == "genetic distance to eng")
    ]
    assert len(swahili) == 1 and "unknown URIEL language 'sw'" in swahili.iloc[0].reason
    assert _slope(results, "xnli", "none", kind="genetic").n_languages == 24


def test_without_a_baseline_the_answer_says_mitigation_cannot_be_estimated(tmp_path: Path) -> None:
    path = synthetic.write_store(
        tmp_path / "nobase.sqlite", slopes={"interA": -10.0}, with_secondary_metric=False
    )
    results = analyse_store(path, synthetic.EXPERIMENT, distance_provider=synthetic.fake_provider, n_boot=20)
    assert results.mitigation.empty and results.paired.empty
    answer = compose_answer(results)
    assert answer.startswith("No primary contrast could be formed")
    assert "no run without intermediate training ('none') was scored" in answer.lower()
