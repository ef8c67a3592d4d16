"""A learning rate picked on dev from a small declared set, one phase at a time.

The paper tuned each phase's learning rate; a fixed rate makes a condition's level change partly a
measure of how well that rate suits it. Selection here is the plain protocol: train the phase once
per declared rate from the same starting model (same seed, same batches, same fresh heads), keep
the run whose best dev score (the mean over the phase's dev sets, as early stopping uses) is
highest, the first declared rate winning ties, and record every candidate, so the report can say
which rate each run used and what the others reached. Test sets are never seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from xstilts.training.trainer import TrainResult, TrainSettings


@dataclass
class Candidate:
    """One declared learning rate and what its run reached on dev."""

    learning_rate: float
    best_dev_mean: float | None  # None: no dev evaluation ran
    best_step: int
    steps: int
    stopped_early: bool
    wall_s: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Selection:
    """The chosen run's model and result, with every candidate in declared order."""

    model: Any  # whatever build_model returned for the winning rate (a model, or a model with its context)
    result: TrainResult
    chosen: float
    candidates: list[Candidate]

    def record(self) -> dict[str, Any]:
        """What the artifact and the store keep: the choice and every candidate's dev score."""
        return {"chosen_learning_rate": self.chosen, "candidates": [c.as_dict() for c in self.candidates]}


def best_dev_mean(result: TrainResult) -> float | None:
    """The best mean dev score of a run (the score early stopping kept), None without dev sets."""
    means = [point["mean"] for point in result.dev_history if "mean" in point]
    return max(means) if means else None


def select_learning_rate(
    build_model: Callable[[], Any],
    run: Callable[[Any, TrainSettings], TrainResult],
    settings: TrainSettings,
    learning_rates: list[float],
) -> Selection:
    """Train a fresh ``build_model()`` per rate with ``run(model, settings)``; keep the best on dev.

    ``build_model`` must return the same starting point every call (the caller seeds it), so the
    rates are the only difference between candidates. Every run needs a dev score: a phase without
    dev sets cannot choose, and that is an error rather than a silent pick of the first rate.
    """
    if not learning_rates:
        raise ValueError("learning_rates is empty: declare at least one rate")
    best: tuple[float, Any, TrainResult, float] | None = None
    candidates = []
    for rate in learning_rates:
        model = build_model()
        result = run(model, replace(settings, learning_rate=rate))
        score = best_dev_mean(result)
        if score is None:
            raise ValueError(
                "learning-rate selection needs dev evaluations: set eval_every > 0 and give the phase "
                "a task with a dev split"
            )
        candidates.append(
            Candidate(rate, score, result.best_step, result.steps, result.stopped_early, result.wall_s)
        )
        if best is None or score > best[0]:
            best = (score, model, result, rate)
        else:
            del model  # only the winner's weights are kept
    assert best is not None
    _, model, result, rate = best
    return Selection(model, result, rate, candidates)
