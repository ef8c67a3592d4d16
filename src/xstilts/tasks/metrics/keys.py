"""Which score a number is: a registered metric and its qualifiers, as fields, never spelled into a name.

A :class:`MetricKey` is a registered metric (:func:`xstilts.tasks.metrics.get_metric`) plus up to
three qualifiers; a qualifier left empty means "the plain score", the one the metric stands for:

- ``variant``: the same metric measured another way. ``layerNN`` is retrieval at encoder layer
  NN (the layer sweep, one forward pass; 00 = embedding output), ``last-layer`` retrieval at the
  last layer (what the heads are trained on), ``dev`` a score on the dev split (BUCC: the F1 at
  the threshold chosen there).
- ``direction``: aligned retrieval, ``en->xx`` (English sentences retrieve the language's) or
  ``xx->en`` (the language's retrieve English, XTREME's Tatoeba). The plain score is the task's
  ``retrieval_direction`` (or the mean of both), as :class:`xstilts.tasks.spec.TaskSpec` says.
- ``reference``: the reference language scored on exactly this language's items (parallel test
  sets): ``en`` is English's score on the items this language was scored on.

Three numbers stored beside the metrics are not registered metrics: ``bucc_precision`` and
``bucc_recall`` (BUCC's P and R at the chosen threshold) and ``predict_only`` (the number of
predictions of a language whose test labels are withheld).

An evaluation's ``scores.json`` holds one record per score, the key's fields and ``value``
(:func:`score_records`). Artifacts and stores written before the key existed named each score
``metric@qualifier`` (``retrieval_accuracy@layer07``, ``accuracy@en-same-items``);
:func:`legacy_key` is the one place that reads that spelling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from xstilts.tasks.metrics._inputs import MetricInputError

DIRECTIONS = ("en->xx", "xx->en")
LAST_LAYER = "last-layer"
DEV = "dev"
QUALIFIERS = ("variant", "direction", "reference")
KEY_FIELDS = ("metric", *QUALIFIERS)
_LEGACY_SAME_ITEMS = "-same-items"  # accuracy@en-same-items: en scored on this language's items


def layer_variant(layer: int) -> str:
    """The variant of a score read at encoder layer ``layer`` (two digits, so they sort)."""
    return f"layer{layer:02d}"


@dataclass(frozen=True, order=True)
class MetricKey:
    """A registered metric name and its qualifiers (see the module docstring for their values)."""

    metric: str
    variant: str = ""
    direction: str = ""
    reference: str = ""

    def __post_init__(self) -> None:
        if not self.metric or "@" in self.metric:
            raise MetricInputError(
                f"metric key: {self.metric!r} is not a metric name",
                fix="name a registered metric; put layers, directions and references in the key's fields",
            )
        if self.direction not in ("", *DIRECTIONS):
            raise MetricInputError(
                f"metric key {self.metric}: unknown direction {self.direction!r}",
                fix=f"use one of {', '.join(DIRECTIONS)} (or '' for the task's own direction)",
            )

    @property
    def is_plain(self) -> bool:
        """True for the metric itself: no variant, no direction, no reference."""
        return not (self.variant or self.direction or self.reference)

    @property
    def label(self) -> str:
        """How tables and trackers show the key: ``retrieval_accuracy (layer07, en->xx)``."""
        parts = [self.variant, self.direction]
        if self.reference:
            parts.append(f"{self.reference} on the same items")
        shown = ", ".join(part for part in parts if part)
        return f"{self.metric} ({shown})" if shown else self.metric

    def fields(self) -> dict[str, str]:
        return asdict(self)


def score_records(scores: Mapping[MetricKey, float]) -> list[dict[str, Any]]:
    """The scores as ``scores.json`` stores them: one record per key (its fields and ``value``), sorted."""
    return [{**key.fields(), "value": float(scores[key])} for key in sorted(scores)]


def read_scores(stored: Mapping[str, float] | list[dict[str, Any]]) -> dict[MetricKey, float]:
    """A language's scores from ``scores.json``: records (this version) or the older name -> value map."""
    if isinstance(stored, Mapping):  # artifacts written before the key: reused, never recomputed
        return {legacy_key(name): float(value) for name, value in stored.items()}
    scores: dict[MetricKey, float] = {}
    for record in stored:
        if "metric" not in record or "value" not in record:
            raise MetricInputError(
                f"scores.json: a score record without metric or value ({sorted(record)})",
                fix="rebuild the artifact: delete its folder and rerun the experiment",
            )
        key = MetricKey(**{name: str(record.get(name, "")) for name in KEY_FIELDS})
        scores[key] = float(record["value"])
    return scores


def legacy_key(name: str) -> MetricKey:
    """The key of a score named the old way, ``metric`` or ``metric@qualifier``.

    Used only for artifacts and stores written before scores had keys: ``@en->xx``/``@xx->en``
    are directions, ``@<lang>-same-items`` a reference, any other qualifier (``@layer07``,
    ``@last-layer``, ``@dev``) the variant, verbatim.
    """
    if "@" not in name:
        return MetricKey(name)
    metric, _, qualifier = name.partition("@")
    if not qualifier:
        raise MetricInputError(f"score name {name!r} ends in '@'", fix="rebuild the store from the artifacts")
    if qualifier in DIRECTIONS:
        return MetricKey(metric, direction=qualifier)
    if qualifier.endswith(_LEGACY_SAME_ITEMS) and len(qualifier) > len(_LEGACY_SAME_ITEMS):
        return MetricKey(metric, reference=qualifier.removesuffix(_LEGACY_SAME_ITEMS))
    return MetricKey(metric, variant=qualifier)
