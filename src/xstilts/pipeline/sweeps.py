"""Hyperparameter sweeps: a list value for a phase hyperparameter becomes a grid axis.

``finetune.learning_rate: [2e-5, 5e-5]`` in an experiment file (or ``--set
finetune.learning_rate=2e-5,5e-5``) expands the grid once per value; several swept fields give
their Cartesian product. Each sweep point is its own recipe, so it gets its own job keys (the
phase settings are hashed into them) and its own label, ``<model> [finetune.learning_rate=2e-05]``,
in the store's ``model`` column: every analysis already compares conditions within one model, so
each sweep point is compared with the no-intermediate baseline trained the same way.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

PHASES = ("intermediate", "finetune")
# Fields that hold a nested section, not a scalar hyperparameter: a list there is not an axis.
NOT_SWEEPABLE = {"mlm", "learning_rates"}  # list-valued fields: a list there is the value, not an axis


@dataclass(frozen=True)
class SweepPoint:
    """One point of the sweep grid: dotted field -> value (empty when nothing is swept)."""

    values: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return ", ".join(f"{name}={value}" for name, value in self.values.items())

    def only(self, *phases: str) -> SweepPoint:
        """The part of this point that concerns ``phases`` (an intermediate job ignores finetune.*)."""
        return SweepPoint({k: v for k, v in self.values.items() if k.split(".", 1)[0] in phases})

    def model_label(self, model: str) -> str:
        """The store's ``model`` column for this point: the model, plus the swept values."""
        return f"{model} [{self.label}]" if self.values else model

    def phase(self, name: str) -> dict[str, Any]:
        """This point's overrides of phase ``name`` (field -> value)."""
        prefix = f"{name}."
        return {key[len(prefix) :]: v for key, v in self.values.items() if key.startswith(prefix)}


def extract_sweeps(raw: dict[str, Any]) -> None:
    """Move list-valued phase hyperparameters of a raw config into its ``sweep`` section.

    The phase keeps the first value, so the phase section itself still validates as scalars.
    """
    sweep = raw.get("sweep")
    if sweep is None:
        sweep = {}
    if not isinstance(sweep, dict):
        return  # let validation name the bad type
    for phase in PHASES:
        section = raw.get(phase)
        if not isinstance(section, dict):
            continue
        for key, value in list(section.items()):
            if isinstance(value, list) and key not in NOT_SWEEPABLE:
                sweep[f"{phase}.{key}"] = value
                if value:
                    section[key] = value[0]
    if sweep:
        raw["sweep"] = sweep


def validate_sweep(sweep: dict[str, list[Any]], phases: dict[str, Any]) -> dict[str, list[Any]]:
    """Each axis names a scalar phase field and holds >= 2 distinct values that field accepts.

    Returns the axes with their values as the field reads them (``"1e-3"``, which YAML 1.1 reads
    as a string, becomes ``0.001``), so labels and keys do not depend on how a number was spelled.
    """
    from pydantic import ValidationError

    out = {}
    for name, values in sweep.items():
        phase, _, key = name.partition(".")
        if phase not in PHASES or key not in type(phases[PHASES[0]]).model_fields or key in NOT_SWEEPABLE:
            raise ValueError(
                f"sweep axis {name!r} is not a phase hyperparameter "
                f"(use intermediate.<field> or finetune.<field>, e.g. finetune.learning_rate)"
            )
        base = phases[phase].model_dump()
        read = []
        for value in values:
            try:
                read.append(getattr(type(phases[phase]).model_validate({**base, key: value}), key))
            except ValidationError as error:
                raise ValueError(
                    f"sweep axis {name!r}: value {value!r}: {error.errors()[0]['msg']}"
                ) from None
        if len(read) < 2 or len({repr(v) for v in read}) != len(read):
            raise ValueError(f"sweep axis {name!r} needs at least two distinct values, got {values!r}")
        out[name] = read
    return out


def sweep_points(sweep: dict[str, list[Any]]) -> list[SweepPoint]:
    """Every combination of the swept values, in the order written (one empty point if none)."""
    names = list(sweep)
    return [SweepPoint(dict(zip(names, combo, strict=True))) for combo in itertools.product(*sweep.values())]
