"""Export a trained xstilts checkpoint as a standard Hugging Face folder.

xstilts stores checkpoints as deltas against the pretrained encoder (see multitask.py); this
module merges a delta into the encoder and writes it with ``save_pretrained`` plus the tokenizer,
so the model leaves xstilts and loads with ``transformers`` alone.

Where xstilts' head computes exactly what a stock ``transformers`` head computes, the export is
that class, loadable with ``AutoModelFor...`` (and ``AutoModel`` for the encoder):

- tagging -> ``AutoModelForTokenClassification`` (dropout + linear per piece: the same);
- extractive QA -> ``AutoModelForQuestionAnswering`` (a linear start/end layer: the same);
- (pair) classification with ``pooling: first`` -> ``AutoModelForSequenceClassification``
  (BERT: pooler dense+tanh on [CLS] then the classifier; XLM-R/RoBERTa: ``classifier.dense`` +
  ``out_proj``; both equal xstilts' dense -> tanh -> out on the first token).

Mean pooling (xstilts' default, suited to e5) and multiple choice have no stock equivalent; the
export is then the encoder (``AutoModel``) plus the head weights in ``xstilts_heads.safetensors``
and their description in ``xstilts_export.json``; the README shows the few lines that apply them.
Nothing is exported under a stock class that would compute something else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from xstilts.models.assemble import assemble
from xstilts.models.heads import HeadSpec, head_class
from xstilts.tasks.types import all_task_types

EXPORT_META = "xstilts_export.json"
HEAD_WEIGHTS = "xstilts_heads.safetensors"
# encoder families whose stock heads are laid out as the heads' StockHead names say
BERT_LIKE = {"bert"}
ROBERTA_LIKE = {"xlm-roberta", "roberta", "camembert", "xlm-roberta-xl"}


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    auto_class: str  # the transformers Auto class that loads it
    head: str | None  # the head that was exported into that class, if any


def stock_class(spec: HeadSpec, model_type: str) -> str | None:
    """The ``AutoModelFor...`` class that computes exactly this head, or None (the head says)."""
    if model_type not in BERT_LIKE | ROBERTA_LIKE:
        return None
    stock = getattr(head_class(spec), "stock", None)
    if stock is None:
        return None
    if stock.pooling is not None and spec.pooling != stock.pooling:
        return None
    return stock.auto_class


def _head_state(head: torch.nn.Module, model_type: str) -> dict[str, torch.Tensor]:
    """xstilts head parameters under the names of the stock class's head."""
    names = type(head).stock.names(model_type in BERT_LIKE)
    return {f"{names[k.split('.', 1)[0]]}.{k.split('.', 1)[1]}": v for k, v in head.state_dict().items()}


def head_formulas() -> dict[str, str]:
    """What each task type's head computes, for the export's note."""
    formulas = {}
    for name, kind in all_task_types().items():
        formula = getattr(head_class(HeadSpec(name)), "formula", None) if kind.head else None
        if formula:
            formulas[str(name)] = formula
    return formulas


def _stock_model(encoder, head, spec: HeadSpec, auto_class: str, labels: list[str] | None):
    import copy

    import transformers

    config = copy.deepcopy(encoder.config)
    if labels:
        config.num_labels = len(labels)
        config.id2label = dict(enumerate(labels))
        config.label2id = {name: i for i, name in enumerate(labels)}
    model = getattr(transformers, auto_class).from_config(config)
    missing, unexpected = model.base_model.load_state_dict(encoder.state_dict(), strict=False)
    if unexpected or any(not key.startswith("pooler.") for key in missing):
        raise RuntimeError(
            f"encoder does not fit {auto_class}: missing {missing[:3]}, unexpected {unexpected[:3]}"
        )
    _, unexpected = model.load_state_dict(_head_state(head, config.model_type), strict=False)
    if unexpected:
        raise RuntimeError(f"head parameters the {auto_class} lacks: {unexpected}")
    return model.eval()


def export_checkpoint(
    model_name: str,
    artifact: Path,
    meta: dict[str, Any],
    out: Path,
    tokenizer,
    provenance: dict[str, Any],
) -> ExportResult:
    """Merge the artifact's delta into ``model_name`` and write a Hugging Face folder to ``out``."""
    from safetensors.torch import save_file

    head_specs = {name: HeadSpec(**spec) for name, spec in meta["head_specs"].items()}
    model, _ = assemble(model_name, head_specs, artifact, parent_heads=True)
    model.eval()
    labels: dict[str, list[str]] = meta.get("labels", {})
    out.mkdir(parents=True, exist_ok=True)
    only = next(iter(head_specs)) if len(head_specs) == 1 else None
    auto_class = stock_class(head_specs[only], model.encoder.config.model_type) if only else None
    if auto_class is not None:
        stock = _stock_model(model.encoder, model.heads[only], head_specs[only], auto_class, labels.get(only))
        stock.save_pretrained(out)
    else:
        auto_class = "AutoModel"
        model.encoder.save_pretrained(out)
        heads = {
            f"{name}.{k}": v.contiguous()
            for name in head_specs
            for k, v in model.heads[name].state_dict().items()
        }
        save_file(heads, str(out / HEAD_WEIGHTS))
    tokenizer.save_pretrained(out)
    note = {
        "auto_class": auto_class,
        "exported_head": only if auto_class != "AutoModel" else None,
        "heads": {name: spec.as_dict() for name, spec in head_specs.items()},
        "labels": labels,
        "head_weights": None if auto_class != "AutoModel" else HEAD_WEIGHTS,
        "head_formula": head_formulas(),
        "pooling": "mean: average of last_hidden_state over attention_mask; first: position 0",
        "provenance": provenance,
    }
    (out / EXPORT_META).write_text(json.dumps(note, indent=2, sort_keys=True, default=str), encoding="utf-8")
    return ExportResult(out, auto_class, note["exported_head"])
