"""Length-aware batching and dynamic padding.

Real messages are short (gettext: ~11 pieces on average), so padding every batch to a fixed 128
wastes ~90% of the compute. Batches are instead built from pools of examples sorted by length
(training: shuffled pools, so batches stay random across the epoch; evaluation: one global sort)
and padded only to the longest member, rounded up to ``pad_multiple``: on GPUs a new shape every
step costs more than the padding it saves, and rounding to a small multiple fixes that (measured
on an H200: exact padding 0.6-0.7x, multiples of 8, 16 and 32 within ~10% of each other, 8 best).

A batch is either a fixed number of examples or, with ``max_tokens``, as many examples as fit in
a budget of padded tokens (capped at ``max_examples``), which keeps the work per step constant
across short and long batches.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch

from xstilts.tasks.types import Column

# Padded lengths are rounded up to a multiple of this, per device. On an H200 exact per-batch padding
# (a new shape every step) ran at 0.6-0.7x the speed of rounding to 8 (benchmarks/results/gpu-h200-*);
# on CPUs a new shape costs nothing measurable and rounding to 8 pads ~16% more tokens at gettext's
# lengths (measured: 1.13x the training speed with exact padding, benchmarks/README.md).
PAD_MULTIPLE = {"cpu": 1, "cuda": 8}


def default_pad_multiple(device: str) -> int:
    return PAD_MULTIPLE.get(device, 8)


@dataclass(frozen=True)
class BatchPlan:
    batch_size: int = 32  # examples per batch (the cap when max_tokens is set)
    max_tokens: int | None = None  # padded-token budget per batch
    pad_multiple: int = 8
    pool_factor: int = 50  # training: sort within pools of pool_factor * batch_size examples


def round_up(length: int, multiple: int) -> int:
    return length if multiple <= 1 else int(math.ceil(length / multiple) * multiple)


def _chunk_sorted(order: Sequence[int], lengths: Sequence[int], plan: BatchPlan) -> list[list[int]]:
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for index in order:
        longest_if_added = max(longest, lengths[index])
        padded = round_up(longest_if_added, plan.pad_multiple)
        too_many = len(current) >= plan.batch_size
        over_budget = (
            plan.max_tokens is not None and current and padded * (len(current) + 1) > plan.max_tokens
        )
        if current and (too_many or over_budget):
            batches.append(current)
            current, longest_if_added = [], lengths[index]
        current.append(index)
        longest = longest_if_added
    if current:
        batches.append(current)
    return batches


def training_batches(lengths: Sequence[int], plan: BatchPlan, rng: random.Random) -> list[list[int]]:
    """One epoch of length-bucketed batches in random order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = max(plan.batch_size * plan.pool_factor, plan.batch_size)
    batches: list[list[int]] = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        batches.extend(_chunk_sorted(chunk, lengths, plan))
    rng.shuffle(batches)
    return batches


def evaluation_batches(lengths: Sequence[int], plan: BatchPlan) -> list[list[int]]:
    """Globally length-sorted batches (longest first, so memory problems show up at once)."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return _chunk_sorted(order, lengths, plan)


def infinite_batches(lengths: Sequence[int], plan: BatchPlan, seed: int) -> Iterator[list[int]]:
    """Endless training batches, epoch after epoch, reproducible from the seed."""
    rng = random.Random(seed)
    while True:
        yield from training_batches(lengths, plan, rng)


def pad(sequences: Sequence[Sequence[int]], pad_value: int, multiple: int) -> torch.Tensor:
    width = round_up(max(len(s) for s in sequences), multiple)
    out = torch.full((len(sequences), width), pad_value, dtype=torch.long)
    for row, seq in enumerate(sequences):
        out[row, : len(seq)] = torch.as_tensor(seq, dtype=torch.long)
    return out


def collate(
    rows: dict[str, list], pad_id: int, multiple: int, columns: Sequence[Column] = ()
) -> dict[str, torch.Tensor]:
    """Pad a column dict (as sliced from an Arrow dataset) into tensors.

    ``input_ids`` (and their attention mask) always; the gold columns only as the task type's
    ``columns`` name them (prediction collates inputs alone).
    """
    batch: dict[str, torch.Tensor] = {}
    ids = rows["input_ids"]
    if ids and isinstance(ids[0][0], list):  # multiple choice: (batch, choices, length)
        flat = [seq for group in ids for seq in group]
        padded = pad(flat, pad_id, multiple)
        batch["input_ids"] = padded.view(len(ids), len(ids[0]), -1)
        batch["attention_mask"] = (batch["input_ids"] != pad_id).long()
    else:
        batch["input_ids"] = pad(ids, pad_id, multiple)
        lengths = torch.tensor([len(s) for s in ids])
        batch["attention_mask"] = (
            torch.arange(batch["input_ids"].shape[1])[None, :] < lengths[:, None]
        ).long()
    for column in columns:
        batch[column.key] = _column_tensor(
            rows[column.source], column, batch["input_ids"].shape[-1], multiple
        )
    return batch


def _column_tensor(values: list, column: Column, width: int, multiple: int) -> torch.Tensor:
    """One feature column as a tensor: per-piece columns padded or cut to the inputs' ``width``."""
    dtype = getattr(torch, column.dtype)
    if column.pad is None:
        return torch.as_tensor(values, dtype=dtype)
    tensor = pad(values, column.pad, multiple)[:, :width]
    if tensor.shape[1] < width:
        tensor = torch.nn.functional.pad(tensor, (0, width - tensor.shape[1]), value=column.pad)
    return tensor.to(dtype)


def feature_lengths(input_ids: Sequence) -> list[int]:
    """Sequence length per feature (multiple choice: the longest choice)."""
    out = []
    for seq in input_ids:
        out.append(max(len(s) for s in seq) if seq and isinstance(seq[0], list) else len(seq))
    return out
