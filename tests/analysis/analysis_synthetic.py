"""A synthetic results store with a planted answer, and a fake distance provider.

Planted truth (per unit of syntactic distance from English):
- ``none``:   gap = -20 * d   (no intermediate training)
- ``interA``: gap = -10 * d   (English intermediate task: mitigates by +10)
- ``interB``: gap = -20 * d   (German intermediate task: no mitigation)
plus a language effect shared by all conditions and seed noise. Genetic distance is drawn
independently of the syntactic one, so no slope is planted on it.

Task ``xnli`` has English rows (dependent = gap); task ``tatoeba`` has none (dependent = score).
Yoruba has no syntactic distance (it must be excluded from syntactic regressions and listed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from xstilts.languages import to_iso3
from xstilts.pipeline.store import ResultsStore, ScoreRow

EXPERIMENT = "synthetic"
LANGUAGES = [
    "ar", "bg", "de", "el", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh", "af", "bn", "et",
    "eu", "fa", "fi", "he", "hu", "id", "ja", "yo",
]  # fmt: skip
MISSING_SYNTACTIC = "yo"
SLOPES = {"none": -20.0, "interA": -10.0, "interB": -20.0}
CONDITIONS = {  # condition -> (intermediate, sources)
    "none": ("", ""),
    "interA": ("mnli:en", "en"),
    "interB": ("xnli_tr:de", "de"),
}
SEEDS = (1, 2, 3)  # >= 3 runs per condition: run-level uncertainty is estimable


def _positions() -> dict[str, dict[str, float]]:
    """A 1-D position per language per kind; distance(a, b) = |pos(a) - pos(b)|, English at 0.

    The genetic positions are a permutation of an even grid chosen to be nearly uncorrelated with
    the syntactic ones (|r| < 0.05), so that no genetic slope is planted, not even by confounding.
    """
    rng = np.random.default_rng(7)
    positions: dict[str, dict[str, float]] = {"en": {"syntactic": 0.0, "genetic": 0.0, "geographic": 0.0}}
    syntactic = np.linspace(0.15, 0.85, len(LANGUAGES))
    rng.shuffle(syntactic)
    genetic = np.linspace(0.1, 1.0, len(LANGUAGES))
    while abs(np.corrcoef(syntactic, genetic)[0, 1]) > 0.05:
        rng.shuffle(genetic)
    for code, syntax, genes in zip(LANGUAGES, syntactic, genetic, strict=True):
        positions[code] = {
            "syntactic": float(syntax),
            "genetic": float(genes),
            "geographic": float(rng.uniform(0.0, 0.6)),
        }
    return positions


POSITIONS = _positions()


def _position(code: str) -> dict[str, float]:
    """Positions are keyed by the task's ISO 639-1 codes; the analysis asks in ISO 639-3."""
    if code in POSITIONS:
        return POSITIONS[code]
    return POSITIONS[next(c for c in POSITIONS if to_iso3(c) == code)]


def fake_provider(languages: list[str], reference: str) -> pd.DataFrame:
    """Same signature and frame shape as :func:`xstilts.typology.distance_table`."""
    rows = {}
    for code in languages:
        rows[code] = {
            kind: abs(_position(code)[kind] - _position(reference)[kind])
            for kind in ("syntactic", "genetic", "geographic")
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    for kind in ("phonological", "inventory", "featural"):
        table[kind] = np.nan if kind == "featural" else 0.5
    missing = {}
    yoruba = [code for code in table.index if to_iso3(code) == to_iso3(MISSING_SYNTACTIC)]
    if yoruba or to_iso3(reference) == to_iso3(MISSING_SYNTACTIC):
        for code in yoruba:
            table.loc[code, "syntactic"] = np.nan
            missing[code] = {"syntactic": "URIEL has no syntax features for yor (synthetic)"}
    if to_iso3(reference) == to_iso3(MISSING_SYNTACTIC):
        table["syntactic"] = np.nan
    table.index.name = "language"
    table.attrs["missing"] = missing
    table.attrs["measure"] = "synthetic 1-D positions"
    return table


def score_rows(
    slopes: dict[str, float] | None = None,
    *,
    lower_is_better: bool = False,
    noise: float = 0.6,
    seed: int = 0,
    seeds: tuple[int, ...] = SEEDS,
) -> list[tuple[str, ScoreRow]]:
    """(job_id, row) pairs for 3 conditions x 2 tasks x 25 languages (+ en for xnli) x 2 seeds.

    ``lower_is_better`` negates every value and marks the metric lower-is-better (an error rate):
    the planted mitigation must come out with the same sign.
    """
    slopes = slopes or SLOPES
    sign = -1.0 if lower_is_better else 1.0
    rng = np.random.default_rng(seed)
    language_effect = {code: rng.normal(0.0, 1.0) for code in LANGUAGES}
    out = []
    for condition, (intermediate, sources) in CONDITIONS.items():
        if condition not in slopes:
            continue
        for seed_value in seeds:
            english = 80.0 + (3.0 if condition == "interA" else 0.0) + rng.normal(0.0, 0.3)
            for task in ("xnli", "tatoeba"):
                job = f"eval-{condition}-{task}-{seed_value}"
                base = english if task == "xnli" else 60.0
                if task == "xnli":
                    out.append(
                        (
                            job,
                            _row(
                                condition, intermediate, sources, task, "en", sign * english, seed_value, sign
                            ),
                        )
                    )
                for code in LANGUAGES:
                    gap = slopes[condition] * POSITIONS[code]["syntactic"]
                    value = base + gap + language_effect[code] + rng.normal(0.0, noise)
                    out.append(
                        (
                            job,
                            _row(
                                condition, intermediate, sources, task, code, sign * value, seed_value, sign
                            ),
                        )
                    )
    return out


def _row(
    condition: str,
    intermediate: str,
    sources: str,
    task: str,
    language: str,
    value: float,
    seed: int,
    sign: float,
) -> ScoreRow:
    metric = "accuracy" if task == "xnli" else "top1"
    return ScoreRow(
        model="tiny-xlmr", condition=condition, intermediate=intermediate, sources=sources, target_task=task,
        language=language, split="test", metric=metric, value=float(value), seed=seed, is_main=True,
        higher_is_better=sign > 0, n_examples=100, provenance={"code_version": "test", "dataset_revision": "abc"},
    )  # fmt: skip


def write_store(
    path: Path,
    *,
    experiment: str = EXPERIMENT,
    slopes: dict[str, float] | None = None,
    lower_is_better: bool = False,
    with_secondary_metric: bool = True,
    seeds: tuple[int, ...] = SEEDS,
) -> Path:
    """Write the synthetic experiment (plus a non-main metric and a dev split that must be ignored)."""
    store = ResultsStore(path)
    run_id = store.start_run(experiment, "cfg123", "test", {"experiment": experiment})
    by_job: dict[str, list[ScoreRow]] = {}
    for job, row in score_rows(slopes, lower_is_better=lower_is_better, seeds=seeds):
        by_job.setdefault(job, []).append(row)
        if with_secondary_metric:
            extra = ScoreRow(**{**row.__dict__, "metric": "macro_f1", "is_main": False, "value": 1.0})
            dev = ScoreRow(**{**row.__dict__, "split": "dev", "value": 0.0})
            by_job[job] += [extra, dev]
    for job, rows in by_job.items():
        store.record_job(experiment, job, "eval", job, "done", run_id=run_id, scores=rows)
    store.finish_run(run_id, "done")
    return path


def language_meta() -> pd.DataFrame:
    """Families from a made-up grouping (so family clustering has several clusters) and coordinates."""
    rng = np.random.default_rng(3)
    families = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"]
    rows = [{"language": "en", "name": "English", "family": "Alpha", "latitude": 52.0, "longitude": -1.0}]
    for i, code in enumerate(LANGUAGES):
        rows.append({"language": code, "name": f"Lang {code}", "family": families[i % len(families)],
                     "latitude": float(rng.uniform(-40, 60)), "longitude": float(rng.uniform(-150, 150))})  # fmt: skip
    return pd.DataFrame(rows)


def write_pairs(path: Path, pairs: list[tuple[str, ScoreRow]], *, experiment: str = EXPERIMENT) -> Path:
    """Write hand-built (job_id, row) pairs as one finished run (for tests with their own design)."""
    store = ResultsStore(path)
    run_id = store.start_run(experiment, "cfg123", "test", {"experiment": experiment})
    by_job: dict[str, list[ScoreRow]] = {}
    for job, row in pairs:
        by_job.setdefault(job, []).append(row)
    for job, rows in by_job.items():
        store.record_job(experiment, job, "eval", job, "done", run_id=run_id, scores=rows)
    store.finish_run(run_id, "done")
    return path
