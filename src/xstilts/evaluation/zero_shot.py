"""Zero-shot evaluation of a fine-tuned model in every language of its target task.

All languages are evaluated in one process with one loaded model: loading dominates otherwise.
Each language's predictions are written next to the scores (JSONL, with the gold answer), so any
number in a report can be traced back to the individual decisions behind it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from xstilts.evaluation.predict import evaluation_plan, predict, references, score
from xstilts.models.assemble import assemble
from xstilts.models.heads import HeadSpec
from xstilts.pipeline.context import RunContext
from xstilts.tasks.loading import read_examples, source_fingerprint, subsample_fingerprint
from xstilts.tasks.readers.sources import unlabelled_reading
from xstilts.tasks.readers.validate import is_unlabelled
from xstilts.tasks.registry import get_task
from xstilts.tasks.spec import TaskType
from xstilts.training.features import LabelMap, cached_features

EVAL_SEED = 0  # one fixed subsample for every condition: paired comparisons need the same items
REFERENCE = "en"


def write_predictions(path: Path, examples: list[dict[str, Any]], predictions: list, gold: list) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for example, prediction, answer in zip(examples, predictions, gold, strict=True):
            handle.write(
                json.dumps(
                    {"id": example["id"], "prediction": prediction, "gold": answer}, ensure_ascii=False
                )
                + "\n"
            )


def with_placeholder_labels(
    spec, examples: list[dict[str, Any]], labels: LabelMap | None
) -> list[dict[str, Any]]:
    """Label-withheld examples with the first label name filled in, so they can be featurised.

    Features carry label ids (tagging: which pieces start a word); the placeholder is never
    scored and never written as gold.
    """
    first = labels.names[0] if labels else "O"
    if spec.task_type is TaskType.TAGGING:
        return [{**example, "tags": [first] * len(example["tokens"])} for example in examples]
    if spec.task_type is TaskType.SPAN_QA:
        return [{**example, "answers": []} for example in examples]
    return [{**example, "label": first} for example in examples]


def evaluate_finetuned(job, ctx: RunContext, out_dir: Path) -> dict[str, dict[str, Any]]:
    """Return {language: {"scores": {metric: value}, "n": count, "data": fingerprint}}.

    A language whose test file withholds its labels (XTREME's official test sets) is predicted
    only: its predictions are written (gold null), its scores are empty and it is marked
    ``"predict_only": true``.
    """
    payload = job.payload
    spec = get_task(payload["target"])
    parent = payload["parent"]
    parent_dir = ctx.cache.path(parent["kind"], parent["key"])
    meta = ctx.cache.meta(parent["kind"], parent["key"])
    head_specs = {name: HeadSpec(**spec_dict) for name, spec_dict in meta["head_specs"].items()}
    labels = LabelMap(meta["labels"][spec.name]) if spec.name in meta["labels"] else None
    model, _ = assemble(payload["model"], head_specs, parent_dir, parent_heads=True)
    model.to(ctx.runtime.device).eval()
    tokenizer = ctx.tokenizer(payload["model"])
    plan = evaluation_plan(ctx.config, ctx.runtime)
    root = spec.data_root(ctx.config.data_dir)
    limit = payload["max_examples"]
    results: dict[str, dict[str, Any]] = {}
    items: dict[str, list] = {}
    (out_dir / "predictions").mkdir(exist_ok=True)
    languages = payload["languages"]
    for done, language in enumerate(languages):
        with unlabelled_reading():
            examples = read_examples(spec, root, spec.test_split, language, limit, EVAL_SEED)
        predict_only = bool(examples) and is_unlabelled(spec.task_type, examples[0])
        fingerprint = source_fingerprint(spec, root, spec.test_split, language)
        features = cached_features(
            spec,
            spec.test_split,
            language,
            with_placeholder_labels(spec, examples, labels) if predict_only else examples,
            subsample_fingerprint(fingerprint, len(examples), limit, EVAL_SEED),
            tokenizer,
            labels,
            spec.max_length,
            ctx.feature_cache,
        )
        predictions = predict(
            model, spec.name, spec, features, examples, labels, plan, ctx.runtime, tokenizer.pad_token_id
        )
        gold = [None] * len(examples) if predict_only else references(spec, examples)
        write_predictions(out_dir / "predictions" / f"{language}.jsonl", examples, predictions, gold)
        results[language] = {
            "scores": {} if predict_only else score(spec, predictions, examples, language),
            "n": len(examples),
            "data": fingerprint,
        }
        if predict_only:  # labels withheld (XTREME's test files): predictions only, marked
            results[language]["predict_only"] = True
            results[language]["info"] = {"predict_only": "the test file withholds its labels; no metric"}
        else:
            items[language] = [e["id"] for e in examples]
        ctx.progress(job.key, done + 1, len(languages), language)
    if spec.parallel_test and REFERENCE in items:  # English scored (not predict-only)
        _same_item_reference(spec, model, tokenizer, labels, plan, root, ctx, items, results)
    return results


def _same_item_reference(spec, model, tokenizer, labels, plan, root, ctx, items, results) -> None:
    """English scored on exactly each language's items (parallel test sets share ids).

    Languages cover different subsets of a parallel pool (and so different class mixes); the gap
    against English on the *same* items measures transfer, not item difficulty.
    """
    english = {e["id"]: e for e in read_examples(spec, root, spec.test_split, REFERENCE)}
    wanted = sorted({i for lang, ids in items.items() if lang != REFERENCE for i in ids if i in english})
    if not wanted:
        return
    examples = [english[i] for i in wanted]
    fingerprint = source_fingerprint(spec, root, spec.test_split, REFERENCE)
    features = cached_features(
        spec, spec.test_split, REFERENCE, examples, subsample_fingerprint(fingerprint, len(examples), None, 0),
        tokenizer, labels, spec.max_length, ctx.feature_cache,
    )  # fmt: skip
    by_id = dict(zip(wanted, predict(model, spec.name, spec, features, examples, labels, plan, ctx.runtime,
                                     tokenizer.pad_token_id), strict=True))  # fmt: skip
    for language, ids in items.items():
        shared = [i for i in ids if i in english]
        if language == REFERENCE or not shared:
            continue
        value = score(spec, [by_id[i] for i in shared], [english[i] for i in shared], REFERENCE)[
            spec.main_metric
        ]
        results[language]["scores"][f"{spec.main_metric}@{REFERENCE}-same-items"] = value
        results[language].setdefault("info", {})["n_same_items"] = len(shared)
