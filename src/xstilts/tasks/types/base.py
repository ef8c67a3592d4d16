"""What a task type is: one object holding everything that differs between types.

A :class:`TaskTypeDef` says which fields a type's examples carry and how to check them, where
their gold lives, how they become model features (tokenised columns), which feature columns a
batch carries to the head (:class:`Column`), which head scores them, how the head's outputs
become predictions and how the examples give the references the metrics take. Readers, the
engine, the heads, training, evaluation and the planner ask the type table
(:func:`xstilts.tasks.types.get_task_type`) instead of testing the type themselves.

The object is torch-free: features are plain column dicts built with a tokenizer passed in,
decoding reads numpy logits, and the head is named by a lazy ``"module:Class"`` target that
:mod:`xstilts.models.heads` resolves, as a task's ``reader`` is. That is why the types sit in
``tasks/`` (the leaf layer): readers and ``xstilts tasks check`` validate examples with them, and
listing tasks or analysing results never imports torch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from xstilts.errors import DataFormatError

if TYPE_CHECKING:  # type hints only: the spec module imports the type table
    from xstilts.tasks.spec import TaskSpec

IGNORE_INDEX = -100  # a label position the loss skips (pieces after a word's first, special tokens)

# One batch of model outputs: the feature indices it holds and the head's float32 logits (numpy).
Outputs = Iterable[tuple[Sequence[int], Any]]


@dataclass(frozen=True)
class Column:
    """How collation turns one feature column into a batch tensor for the head.

    ``source`` is the feature column, ``key`` the batch key the head reads. A column with ``pad`` holds one value per piece: it is
    padded (and cut) to the width of the batch's ``input_ids`` with that value; otherwise it holds
    one value per feature. ``dtype`` names the ``torch`` dtype.
    """

    source: str
    key: str
    dtype: str = "long"
    pad: int | None = None


class TaskTypeDef:
    """A task type's behaviour. Subclass it in one module per type and register one instance.

    Class attributes declare the type; methods with a default here are the common case.
    ``training``: ``"head"`` trains the type's head on labelled examples, ``"mlm"`` trains the
    encoder by masked language modelling on ``corpus_field``, ``"none"`` cannot be trained.
    ``evaluation``: ``"head"`` predicts with a fine-tuned head, ``"aligned"`` retrieves aligned
    translations by embedding similarity, ``"mining"`` mines pairs between two corpora (gold pairs
    read separately), ``"none"`` is never a target.
    """

    name: str = ""
    fields: tuple[str, ...] = ()  # every example carries these (extra fields are ignored)
    gold_field: str | None = None  # where an example's gold lives; None in a label-withheld file
    named_labels: bool = False  # gold values are names from a label set (a LabelMap encodes them)
    text_fields: tuple[str, ...] = ()  # the strings the model reads (tokenizer fertility)
    corpus_field: str | None = None  # the text an MLM control trains on (None: not an MLM corpus)
    training: Literal["head", "mlm", "none"] = "head"
    evaluation: Literal["head", "aligned", "mining", "none"] = "head"
    head: str = ""  # "module:Class" of the head, built as Class(hidden_size, head_spec)
    columns: tuple[Column, ...] = ()  # the gold columns a batch carries, besides input_ids

    @property
    def trainable(self) -> bool:
        return self.training != "none"

    def problem(self, example: dict[str, Any], labels: frozenset[str]) -> str:
        """What is wrong with a labelled example beyond missing fields ("" = nothing)."""
        return ""

    def is_unlabelled(self, example: dict[str, Any]) -> bool:
        """True for an example read from a label-withheld file (predicted, never scored)."""
        key = self.gold_field
        return key is not None and key in example and example[key] is None

    def with_placeholder(self, example: dict[str, Any], first_label: str) -> dict[str, Any]:
        """A label-withheld example with a placeholder gold, so that it can be featurised."""
        return {**example, self.gold_field or "label": first_label}

    def label_names(self, examples: Iterable[dict[str, Any]]) -> list[str]:
        """An open label set: the sorted gold values seen in ``examples``."""
        names: set[str] = set()
        for example in examples:
            value = example[self.gold_field or "label"]
            names.update(value if isinstance(value, list) else [value])
        return sorted(names)

    def featurize(
        self, spec: TaskSpec, examples: list[dict[str, Any]], tokenizer, labels, max_length: int,
        doc_stride: int | None = None,
    ) -> dict[str, list]:  # fmt: skip
        """Tokenise examples into feature columns (``input_ids`` plus the ``columns`` sources)."""
        raise DataFormatError(f"task {spec.name!r} ({self.name}) is not trained or featurised")

    def decode(
        self, spec: TaskSpec, outputs: Outputs, features, examples: list[dict[str, Any]], labels
    ) -> list:
        """The head's outputs -> predictions in the examples' order, as the metrics take them."""
        raise ValueError(f"task type {self.name} has no head to predict with")

    def references(self, examples: list[dict[str, Any]]) -> list:
        """The gold answers of labelled examples, as the metrics take them."""
        return [str(e["label"]) for e in examples]
