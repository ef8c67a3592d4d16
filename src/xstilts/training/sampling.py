"""Which task the next multi-task batch comes from.

The strategies are jiant's: ``proportional`` (p ~ n), ``temperature`` (p ~ n^(1/T): T=1 is
proportional, large T approaches uniform), ``uniform``, and ``capped_proportional``
(p ~ min(n, cap): big tasks stop drowning small ones). Sampling is driven by a seeded RNG so a
rerun draws the same task sequence.
"""

from __future__ import annotations

import random
from typing import Literal

Strategy = Literal["proportional", "temperature", "uniform", "capped_proportional"]


def task_probabilities(
    sizes: dict[str, int], strategy: Strategy = "proportional", temperature: float = 2.0, cap: int = 20_000
) -> dict[str, float]:
    if not sizes:
        raise ValueError("no tasks to sample from")
    if strategy == "uniform":
        weights = {name: 1.0 for name in sizes}
    elif strategy == "proportional":
        weights = {name: float(n) for name, n in sizes.items()}
    elif strategy == "temperature":
        if temperature <= 0:
            raise ValueError("temperature must be > 0")
        weights = {name: float(n) ** (1.0 / temperature) for name, n in sizes.items()}
    elif strategy == "capped_proportional":
        weights = {name: float(min(n, cap)) for name, n in sizes.items()}
    else:
        raise ValueError(f"unknown sampling strategy {strategy!r}")
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("all tasks are empty")
    return {name: w / total for name, w in weights.items()}


class TaskSampler:
    def __init__(self, probabilities: dict[str, float], seed: int) -> None:
        self.names = list(probabilities)
        self.weights = [probabilities[n] for n in self.names]
        self.rng = random.Random(seed)

    def __next__(self) -> str:
        return self.rng.choices(self.names, weights=self.weights, k=1)[0]

    def __iter__(self):
        return self
