"""The study-design rules on data with planted truths: each test can fail if a rule is broken."""

from __future__ import annotations

from pathlib import Path

import analysis_synthetic as synthetic  # importable: pytest prepends this folder (it has no __init__.py)
import numpy as np
import pandas as pd
import pytest

from xstilts.analysis import analyse_store
from xstilts.analysis.paired import TaskPanels, source_effects
from xstilts.analysis.verdicts import adjust, judge, slope_verdict, source_verdict, tost_p

N_LANGUAGES, N_RUNS = 37, 5


def _collinear_distances(rng: np.random.Generator) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """d(L, en) and distances to ja / fi correlated with it about as in the demo (-0.57, +0.64)."""
    d_en = rng.uniform(0.1, 0.9, N_LANGUAGES)
    z = (d_en - d_en.mean()) / d_en.std()
    sources = {}
    for code, r in (("ja", -0.57), ("fi", 0.64)):
        mixed = r * z + np.sqrt(1 - r**2) * rng.normal(size=N_LANGUAGES)
        sources[code] = 0.5 + 0.15 * mixed
    return d_en, sources


def _delta_rows(beta_en: float, beta_src: float, seed: int = 0, script_effect: float = 0.0) -> pd.DataFrame:
    """Rows of none + two single-source conditions; delta = planted d(L,en) and d(L,src) effects.

    Every run also tilts all its languages at once (a run-level slope), and each language has an
    effect shared by all conditions (it cancels in the paired change).
    """
    rng = np.random.default_rng(seed)
    d_en, to_source = _collinear_distances(rng)
    languages = [f"l{i:02d}" for i in range(N_LANGUAGES)]
    language_effect = rng.normal(0, 5, N_LANGUAGES)
    records = []
    for condition, source in (("none", ""), ("src-ja", "ja"), ("src-fi", "fi")):
        d_src = to_source[source] if source else np.full(N_LANGUAGES, np.nan)
        shared = rng.integers(0, 2, N_LANGUAGES).astype(float)  # written in the source's script or not
        for run in range(N_RUNS):
            tilt = rng.normal(0, 2.0)
            for i, language in enumerate(languages):
                effect = (
                    0.0
                    if not source
                    else (
                        3.0
                        + beta_en * d_en[i]
                        + beta_src * d_src[i]
                        + tilt * d_en[i]
                        + script_effect * shared[i]
                    )
                )
                score = 60 + language_effect[i] - 20 * d_en[i] + effect + rng.normal(0, 1.0)
                records.append({"language": language, "condition": condition, "seed": run, "sources": source,
                                "better": score, "cluster": language, "d_syntactic": d_en[i],
                                "dsrc_syntactic": d_src[i], "dsrcmean_syntactic": d_src[i],
                                "shared_script": shared[i]})  # fmt: skip
    return pd.DataFrame(records)


def _rng(*key: str) -> np.random.Generator:
    return np.random.default_rng(sum(map(ord, "|".join(key))))


def _pooled(beta_en: float, beta_src: float) -> pd.Series:
    panels = TaskPanels(_delta_rows(beta_en, beta_src), "en")
    found, associations = source_effects(panels, ["syntactic"], "en", ("m", "t"), 200, _rng)
    assert associations == []  # no covariate asked for
    table = pd.DataFrame(found)
    collinearity = table.set_index("condition")["corr_en_src"]
    assert collinearity["src-ja"] < -0.4 and collinearity["src-fi"] > 0.4  # as collinear as the demo's
    return table[table["condition"].str.startswith("pooled")].iloc[0]


def test_a_script_covariate_is_estimated_as_an_association() -> None:
    panels = TaskPanels(_delta_rows(-5.0, -20.0, script_effect=4.0), "en")
    found, associations = source_effects(panels, ["syntactic"], "en", ("m", "t"), 200, _rng, ("script",))
    pooled = next(a for a in associations if a["condition"].startswith("pooled"))
    assert (
        pooled["covariate"] == "script"
        and pooled["ci_low"] <= 4.0 <= pooled["ci_high"]
        and pooled["ci_low"] > 0
    )
    source = next(r for r in found if r["condition"].startswith("pooled"))
    assert source["ci_low"] <= -2.0 <= source["ci_high"]  # the source effect survives the covariate


def test_a_planted_source_distance_effect_is_recovered_despite_collinearity() -> None:
    row = _pooled(beta_en=-5.0, beta_src=-20.0)  # closer to the source: up to 2 points more per 0.1
    assert row.interval == "runs+languages" and row.n_runs == N_RUNS
    assert row.ci_low <= -2.0 <= row.ci_high and row.ci_high < 0
    assert row.d_en_estimate == pytest.approx(-0.5, abs=0.35)


def test_the_mixed_model_cross_check_agrees_on_the_planted_effect() -> None:
    from xstilts.analysis.mixed import cross_check

    rows = _delta_rows(-5.0, -20.0).assign(target_task="t")
    primary = {"task": "t", "kind": "syntactic", "estimand": "source-distance", "condition": "pooled"}
    check = cross_check(rows, primary, "en", ["src-fi", "src-ja"])
    assert check is not None and check["converged"]
    assert check["ci_low"] <= -2.0 <= check["ci_high"] and check["ci_high"] < 0


def test_only_distance_to_english_gives_a_source_effect_near_zero() -> None:
    row = _pooled(beta_en=-20.0, beta_src=0.0)
    assert row.ci_low <= 0.0 <= row.ci_high and abs(row.estimate) < 0.5
    # A level slope on d(L, src) alone (what the report used to fit) would have "found" one:
    rows = _delta_rows(-20.0, 0.0)
    japanese = rows[rows.condition == "src-ja"].groupby("language")[["better", "dsrc_syntactic"]].mean()
    naive = np.polyfit(japanese["dsrc_syntactic"], japanese["better"], 1)[0] * 0.1
    assert abs(naive) > 1.0


def _floor_pairs() -> list:
    """Intermediate training drops English towards chance (33.3) and every language with it.

    none: score = 80 - 40 d; the condition keeps only 30% of the above-chance score, so every
    gap shrinks and the slope flattens, while every language (the distant ones too) loses.
    """
    rng = np.random.default_rng(4)
    pairs = []
    for condition in ("none", "collapse"):
        for seed in (1, 2, 3, 4):
            job = f"eval-{condition}-{seed}"
            english = 80.0 + rng.normal(0, 0.3)
            for code in ["en", *synthetic.LANGUAGES]:
                d = 0.0 if code == "en" else synthetic.POSITIONS[code]["syntactic"]
                score = english - 40.0 * d + rng.normal(0, 0.5)
                if condition == "collapse":
                    score = 33.3 + 0.3 * (score - 33.3) + rng.normal(0, 0.3)
                row = synthetic._row(condition, "mnli:en" if condition != "none" else "", "en" if condition != "none" else "",
                                     "xnli", code, score, seed, 1.0)  # fmt: skip
                pairs.append((job, row))
    return pairs


def test_floor_compressed_flattening_is_called_flatter_through_losses(tmp_path: Path) -> None:
    path = synthetic.write_pairs(tmp_path / "floor.sqlite", _floor_pairs())
    results = analyse_store(path, synthetic.EXPERIMENT, distance_provider=synthetic.fake_provider, n_boot=200)
    row = results.contrasts[
        (results.contrasts.estimand == "mitigation") & (results.contrasts.kind == "syntactic")
    ]
    assert len(row) == 1
    row = row.iloc[0]
    assert row.estimate > 0 and row.p_adjusted < 0.05  # the slope is flatter...
    assert row.distant_high < 0  # ...but the distant third lost too
    assert row.verdict == "flatter through losses"


def test_holm_and_benjamini_hochberg_on_known_p_values() -> None:
    p = [0.01, 0.04, 0.03, 0.5, float("nan")]
    assert adjust(p, "holm")[:4] == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert adjust(p, "bh")[:4] == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.5])
    assert np.isnan(adjust(p, "holm")[4])


def test_tost_and_verdicts_on_known_intervals() -> None:
    assert tost_p(0.0, 0.2, 1e6, 1.0) < 1e-5  # well inside +-1: equivalent
    assert tost_p(0.9, 0.2, 1e6, 1.0) == pytest.approx(0.3085, abs=1e-3)  # too close to the margin
    assert slope_verdict(0.5, 0.01, 0.9, distant_high=0.2, run_level=True) == "mitigates"
    assert slope_verdict(0.5, 0.01, 0.9, distant_high=-0.1, run_level=True) == "flatter through losses"
    assert slope_verdict(-0.5, 0.01, 0.9, distant_high=0.2, run_level=True) == "steeper"
    assert slope_verdict(0.05, 0.6, 0.01, distant_high=0.2, run_level=True) == "equivalent"
    assert slope_verdict(0.05, 0.6, 0.2, distant_high=0.2, run_level=True) == "inconclusive"
    assert slope_verdict(0.5, 0.001, 0.9, distant_high=0.2, run_level=False) == "not estimable"
    assert source_verdict(-0.5, 0.01, 0.9, True) == "closer helps"
    assert source_verdict(0.5, 0.01, 0.9, True) == "closer hurts"


def test_the_primary_is_judged_alone_and_secondaries_are_corrected() -> None:
    rows = pd.DataFrame({
        "model": "m", "target_task": ["a", "b", "c", "d"], "kind": "syntactic", "estimand": "mitigation",
        "condition": "x", "estimate": 0.5, "se": 0.2, "df": 30.0, "p_value": [0.04, 0.04, 0.01, 0.5],
        "distant_high": 1.0, "run_level": True,
    })  # fmt: skip
    judged = judge(rows, ("a", "syntactic", "mitigation", "x"), sesoi=0.3).set_index("target_task")
    assert judged.loc["a", "role"] == "primary" and judged.loc["a", "p_adjusted"] == pytest.approx(0.04)
    assert judged.loc["a", "verdict"] == "mitigates"
    assert judged.loc["b", "p_adjusted"] == pytest.approx(0.08)  # Holm over the 3 secondaries
    assert judged.loc["b", "verdict"] == "inconclusive" and judged.loc["c", "verdict"] == "mitigates"
    assert list(judged.reset_index()["role"]) == ["primary", "secondary", "secondary", "secondary"]


def test_two_seeds_give_no_verdict_and_say_why(tmp_path: Path) -> None:
    from xstilts.analysis.answer import compose_answer

    path = synthetic.write_store(tmp_path / "two.sqlite", seeds=(1, 2), with_secondary_metric=False)
    results = analyse_store(path, synthetic.EXPERIMENT, distance_provider=synthetic.fake_provider, n_boot=100)
    assert set(results.contrasts["verdict"]) == {"not estimable"}  # the planted mitigation is not claimed
    assert set(results.contrasts["interval"]) == {"languages only"}
    answer = compose_answer(results)
    assert "Run-level uncertainty cannot be estimated with 2 run(s) per condition" in answer.split("\n\n")[0]
    assert f"{len(results.contrasts)} are not estimable because a condition has fewer than 3 runs" in answer


def test_dependent_scales_on_known_numbers() -> None:
    from xstilts.analysis.outcome import apply

    rows = pd.DataFrame({
        "target_task": "t", "score": [50.0, 80.0], "reference_score": [80.0, 80.0], "dependent": [-30.0, np.nan],
        "is_reference": [False, True], "higher_is_better": True,
    })  # fmt: skip
    normalised = apply(rows, "normalised", {"t": 20.0})
    assert normalised["dependent"].iloc[0] == pytest.approx(0.5)  # (50 - 20) / (80 - 20)
    assert normalised["better"].tolist() == pytest.approx([0.375, 0.75])  # share of the above-chance range
    logit = apply(rows, "logit")
    assert logit["dependent"].iloc[0] == pytest.approx(0.0 - np.log(0.8 / 0.2))
    assert apply(rows, "raw")["dependent"].iloc[0] == -30.0 and pd.isna(logit["dependent"].iloc[1])


def test_a_chance_normalised_gap_removes_the_floor_artefact(tmp_path: Path) -> None:
    path = synthetic.write_pairs(tmp_path / "floor.sqlite", _floor_pairs())
    results = analyse_store(path, synthetic.EXPERIMENT, distance_provider=synthetic.fake_provider, n_boot=200,
                            dependent="normalised", chance={"xnli": 33.3})  # fmt: skip
    row = results.mitigation[results.mitigation.kind == "syntactic"].iloc[0]
    assert abs(row.mitigation) < 0.02  # each language keeps the same share of English's above-chance score
    assert row.distant_delta < 0  # ...while the level change still shows that everyone lost
