"""Evaluation jobs: a planned ``evaluate`` job turned into calls of the evaluation engine.

The job payload and the run context (config, cache, tokenizer, runtime, progress) are read here;
:mod:`xstilts.evaluation` and :mod:`xstilts.engine` below take plain arguments. Zero-shot
evaluation of a fine-tuned model and retrieval on an encoder both score every language of the
target with one loaded model (loading dominates otherwise) and write each language's predictions
next to the scores. Scores are keyed by :class:`~xstilts.tasks.metrics.keys.MetricKey`
(metric, variant, direction, reference), never by names with qualifiers spelled in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from xstilts.engine.features import LabelMap, cached_features
from xstilts.engine.precision import cast_for_inference
from xstilts.engine.predict import evaluation_plan, predict, score
from xstilts.evaluation.retrieval import (
    Embedder,
    aligned_records,
    direction_scores,
    layer_scores,
    mining_scores,
    recorded_protocol,
    retrieval_protocol,
    xtreme_sorted_lines,
)
from xstilts.evaluation.zero_shot import EVAL_SEED, REFERENCE, evaluate_language, write_predictions
from xstilts.models.assemble import assemble
from xstilts.models.heads import HeadSpec
from xstilts.pipeline.context import RunContext
from xstilts.pipeline.fingerprint import source_fingerprint
from xstilts.tasks.loading import read_examples, subsample_fingerprint
from xstilts.tasks.metrics.keys import MetricKey
from xstilts.tasks.readers.sources import unlabelled_reading
from xstilts.tasks.readers.validate import is_unlabelled
from xstilts.tasks.registry import get_task
from xstilts.tasks.types import get_task_type


def _cpu(ctx: RunContext) -> bool:
    """Evaluation never writes to the embedding matrix; on CPU nothing moves it either: share it."""
    return ctx.runtime.device == "cpu"


def evaluate_finetuned(job, ctx: RunContext, out_dir: Path) -> dict[str, dict[str, Any]]:
    """Return {language: {"scores": {MetricKey: value}, "n": count, "data": fingerprint}}.

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
    model, _ = assemble(
        payload["model"], head_specs, parent_dir, parent_heads=True, share_input_embeddings=_cpu(ctx)
    )
    cast_for_inference(model.to(ctx.runtime.device).eval(), ctx.runtime)
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
        fingerprint = source_fingerprint(spec, root, spec.test_split, language)
        featurize = _cached_featurizer(
            ctx, spec, language, fingerprint, len(examples), limit, tokenizer, labels
        )
        outcome = evaluate_language(
            model, spec.name, spec, examples, featurize, labels, plan, ctx.runtime, tokenizer.pad_token_id,
            language,
        )  # fmt: skip
        predict_only = outcome.predict_only
        write_predictions(
            out_dir / "predictions" / f"{language}.jsonl", examples, outcome.predictions, outcome.gold
        )
        scores = {MetricKey(metric): value for metric, value in outcome.scores.items()}
        results[language] = {"scores": scores, "n": len(examples), "data": fingerprint}
        if predict_only:  # labels withheld (XTREME's test files): predictions only, marked
            results[language]["predict_only"] = True
            results[language]["info"] = {"predict_only": "the test file withholds its labels; no metric"}
        else:
            items[language] = [e["id"] for e in examples]
        ctx.progress(job.key, done + 1, len(languages), language)
    if spec.parallel_test and REFERENCE in items:  # English scored (not predict-only)
        _same_item_reference(spec, model, tokenizer, labels, plan, root, ctx, items, results)
    return results


def _cached_featurizer(ctx, spec, language, fingerprint, n_examples, limit, tokenizer, labels):
    """Features of one language's test examples from the run's feature cache."""

    def featurize(examples):
        return cached_features(
            spec, spec.test_split, language, examples,
            subsample_fingerprint(fingerprint, n_examples, limit, EVAL_SEED),
            tokenizer, labels, spec.max_length, ctx.feature_cache,
        )  # fmt: skip

    return featurize


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
        results[language]["scores"][MetricKey(spec.main_metric, reference=REFERENCE)] = value
        results[language].setdefault("info", {})["n_same_items"] = len(shared)


def _read_test_set(spec, root: Path, language: str, limit: int | None) -> list[dict]:
    """A language's test examples; a label-withheld file with unaligned sides is read whole
    (every English line is a candidate, so a subsample would change the task)."""
    with unlabelled_reading():
        examples = read_examples(spec, root, spec.test_split, language, limit, EVAL_SEED)
        if limit and examples and is_unlabelled(spec.task_type, examples[0]):
            examples = read_examples(spec, root, spec.test_split, language)
    return examples


def _aligned_test_sets(spec, root: Path, languages: list[str], limit: int | None) -> dict[str, list[dict]]:
    """Every language's aligned pairs, read once: embedded together in one pass, then scored per
    language. Mining files stay unread here (large; each is embedded where it is scored)."""
    if get_task_type(spec.task_type).evaluation != "aligned":
        return {}
    return {language: _read_test_set(spec, root, language, limit) for language in languages}


def _aligned_texts(spec, test_sets: dict[str, list[dict]]) -> list[str]:
    """Both sides of every labelled aligned pair (hidden-alignment files are embedded where scored)."""
    texts: list[str] = []
    for examples in test_sets.values():
        if examples and not is_unlabelled(spec.task_type, examples[0]):
            texts += [e["source"] for e in examples] + [e["target"] for e in examples]
    return texts


def evaluate_retrieval(job, ctx: RunContext, out_dir: Path) -> dict[str, dict[str, Any]]:
    payload = job.payload
    spec = get_task(payload["target"])
    parent = payload["parent"]
    parent_dir = ctx.cache.path(parent["kind"], parent["key"]) if parent else None
    model, _ = assemble(payload["model"], {}, parent_dir, share_input_embeddings=_cpu(ctx))
    cast_for_inference(model.to(ctx.runtime.device).eval(), ctx.runtime)
    settings = payload["evaluation"]["retrieval"]
    protocol = retrieval_protocol(settings, payload["model"], model.encoder.config.num_hidden_layers)
    embed = Embedder(
        model,
        ctx.tokenizer(payload["model"]),
        ctx.runtime,
        evaluation_plan(ctx.config, ctx.runtime),
        protocol["layers"],
        protocol["pooling"],
        protocol["prefix"],
        settings.get("max_length") or spec.max_length,
    )
    root = spec.data_root(ctx.config.data_dir)
    (out_dir / "predictions").mkdir(exist_ok=True)
    results: dict[str, dict[str, Any]] = {}
    languages = payload["languages"]
    mining = get_task_type(spec.task_type).evaluation == "mining"
    test_sets = _aligned_test_sets(spec, root, languages, payload["max_examples"])
    embed.prefetch(_aligned_texts(spec, test_sets))
    for done, language in enumerate(languages):
        if language in test_sets:
            examples = test_sets.pop(language)  # scored once: let it go after
        else:
            examples = _read_test_set(spec, root, language, payload["max_examples"])
        predict_only = bool(examples) and is_unlabelled(spec.task_type, examples[0])
        if mining:  # (BUCC): no aligned pairs, gold pairs read on the side
            scores, pairs, info = mining_scores(spec, root, language, embed, examples)
            with (out_dir / "predictions" / f"{language}.jsonl").open("w", encoding="utf-8") as handle:
                for source_id, target_id, value in pairs:
                    handle.write(json.dumps({"src": source_id, "trg": target_id, "score": value}) + "\n")
            results[language] = {
                "scores": scores,
                "n": len(pairs),
                "data": source_fingerprint(spec, root, spec.test_split, language),
                "info": {**info, "retrieval_protocol": recorded_protocol(protocol)},
                **({"predict_only": True} if "predict_only" in info else {}),
            }
            ctx.progress(job.key, done + 1, len(languages), language)
            continue
        source = embed([e["source"] for e in examples])
        target = embed([e["target"] for e in examples])
        similarity = source @ target.T  # rows: English, columns: the language
        # XTREME's sorted English file is already in its own line order
        english = [e["source"] for e in examples]
        sorted_line = list(range(len(examples))) if predict_only else xtreme_sorted_lines(english)
        with (out_dir / "predictions" / f"{language}.jsonl").open("w", encoding="utf-8") as handle:
            for record in aligned_records(examples, similarity, sorted_line):
                handle.write(json.dumps(record) + "\n")
        scores = (
            {} if predict_only else direction_scores(spec, similarity, np.arange(len(examples)), language)
        )
        if protocol["layer_sweep"] and not predict_only:
            scores.update(layer_scores(spec, embed, examples, language))
        results[language] = {
            "scores": scores,
            "n": len(examples),
            "data": source_fingerprint(spec, root, spec.test_split, language),
            "info": {"retrieval_protocol": recorded_protocol(protocol)},
        }
        if predict_only:
            results[language]["predict_only"] = True
            results[language]["info"] = {
                "predict_only": "the test files hide the alignment (sorted); no metric",
                "retrieval_protocol": recorded_protocol(protocol),
            }
        ctx.progress(job.key, done + 1, len(languages), language)
    return results
