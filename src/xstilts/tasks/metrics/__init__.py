"""Metrics, registered by name.

Conventions (the engine produces these, every metric consumes them):

- classification / pair / multiple choice: ``predictions`` and ``references`` are equal-length
  lists of label names (or choice indices).
- tagging: lists of tag sequences (``list[list[str]]``), one per sentence.
- span QA: ``predictions`` is a list of answer strings ("" = no answer) and ``references`` a list
  of gold-answer-text lists ([] = no answer), aligned by position; ``language`` selects the
  answer normalisation (SQuAD for English, MLQA's per-language rules otherwise).
- aligned retrieval: ``predictions`` is the similarity matrix (n_source x n_target, numpy) and
  ``references`` the gold target index of each source row.

Percent-valued metrics (accuracy, F1, EM, MRR) are returned on a 0-100 scale, as XTREME reports
them; continuous scores (margins) are returned raw and say so in their description.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xstilts.errors import ConfigError, UnknownNameError


@dataclass(frozen=True)
class Metric:
    name: str
    fn: Callable[..., float]
    higher_is_better: bool = True
    description: str = ""

    def __call__(self, predictions: Any, references: Any, *, language: str | None = None) -> float:
        return float(self.fn(predictions, references, language=language))


_METRICS: dict[str, Metric] = {}
_LOADED = False


def register_metric(name: str, *, higher_is_better: bool = True, description: str = ""):
    """Decorator: register ``fn(predictions, references, *, language=None) -> float``."""

    def wrap(fn: Callable[..., float]) -> Callable[..., float]:
        if name in _METRICS and _METRICS[name].fn is not fn:
            raise ConfigError(f"metric {name!r} is registered twice", fix="rename one of them")
        _METRICS[name] = Metric(name, fn, higher_is_better, description or (fn.__doc__ or "").strip())
        return fn

    return wrap


def _load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    _LOADED = True


def all_metrics() -> dict[str, Metric]:
    _load_all()
    return dict(sorted(_METRICS.items()))


def get_metric(name: str) -> Metric:
    _load_all()
    if name not in _METRICS:
        raise UnknownNameError("metric", name, _METRICS)
    return _METRICS[name]


def compute(name: str, predictions: Any, references: Any, *, language: str | None = None) -> float:
    return get_metric(name)(predictions, references, language=language)
