"""Zero-shot evaluation throughput: one target task over every test language, xstilts vs naive loops.

Every path classifies the same test examples of every language on disk (msgdomain: 27
languages; ``--examples-per-language`` caps each) with the same encoder, and is timed from the raw
texts to per-language accuracy (tokenisation included, file reading excluded).

- xstilts: :func:`xstilts.api.featurize`, :func:`~xstilts.api.predict` and
  :func:`~xstilts.api.score` per language (the engine the evaluate job runs):
  tokenise once, length-sorted batches under the evaluate job's CPU token budget
  (``CPU_EVAL_TOKENS``, capped at the experiment config's default batch size, 256), padding to
  the longest in the batch (multiple of 8), ``inference_mode``, precision by detection. Also
  measured (info rows) at a 64-example cap and with fp32 forced: the second separates what
  sorting/padding buy from what bf16 buys.
- ``pipeline`` (the target's baseline): ``transformers.pipeline("text-classification")`` per
  language on the texts in file order, ``batch_size=32`` (pads each batch to its longest), fp32.
- ``padded``: the Trainer-recipe evaluation loop: file-order batches of 32 padded to
  ``max_length=128``, fp32, ``torch.no_grad``.

Heads are freshly initialised (throughput does not depend on the weights' values); the baselines'
predictions are compared with each other as a sanity check of the timing harness.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.common import (
    BenchmarkResult,
    MachineFacts,
    Row,
    add_common_arguments,
    comma_list,
    quick_precision,
    ratio,
    run_cli,
    stopwatch,
)
from benchmarks.hf_baseline import load_classifier
from benchmarks.workload import resolve_model_folder, resolve_workload
from xstilts.engine.batching import default_pad_multiple
from xstilts.pipeline.config import EvaluationConfig

CPU_PAD = default_pad_multiple("cpu")  # xstilts' CPU padding: exact lengths (engine.batching.PAD_MULTIPLE)

NAME = "eval_throughput"
DEVICES = ("cpu",)  # measured on the CPU only (run_all selects it for --device cpu)
SPEED_TARGET = 3.0
BASELINES = {
    "pipeline": "transformers pipeline('text-classification'), batch_size 32, file order, fp32",
    "padded": "file-order batches of 32 padded to max_length 128, fp32, torch.no_grad (Trainer-recipe eval)",
}


def _xstilts_pass(model, spec, by_language, batch_size) -> dict[str, float]:
    """Featurise, predict and score every language through the public API (as the evaluate job)."""
    from xstilts import api
    from xstilts.engine.predict import CPU_EVAL_TOKENS

    plan = api.BatchPlan(batch_size=batch_size, max_tokens=CPU_EVAL_TOKENS, pad_multiple=CPU_PAD)
    accuracy = {}
    for language, examples in by_language.items():
        features = api.featurize(model, spec, examples, language)
        predictions = api.predict(model, spec, features, language=language, plan=plan)
        accuracy[language] = api.score(spec, predictions, examples, language)[spec.main_metric]
    return accuracy


def load_xstilts(folder: str, spec, seed: int, threads: int | None):
    """The encoder with a fresh mean-pooling head (``api.load_model``), in evaluation mode."""
    from xstilts import api

    runtime = api.choose_runtime("fp32", "cpu", threads)
    model = api.load_model(folder, heads=[spec], runtime=runtime, pooling="mean", dropout=0.1, seed=seed)
    model.network.eval()
    return model


def run_xstilts(model, spec, by_language, precision, threads, batch_size) -> dict[str, Any]:
    from xstilts import api

    runtime = api.choose_runtime(precision, "cpu", threads)
    model = dataclasses.replace(model, runtime=runtime)  # the same network, evaluated at this precision
    warm = {language: examples[:8] for language, examples in list(by_language.items())[:1]}
    _xstilts_pass(model, spec, warm, batch_size)
    with stopwatch() as clock:
        accuracy = _xstilts_pass(model, spec, by_language, batch_size)
    return {
        "precision": runtime.precision,
        "batch_size": batch_size,
        "wall_s": clock["s"],
        "accuracy": accuracy,
    }


def _pipeline_pass(pipe, by_language, batch_size, max_length) -> dict[str, list[str]]:
    out = {}
    for language, examples in by_language.items():
        results = pipe(
            [e["text"] for e in examples], batch_size=batch_size, truncation=True, max_length=max_length
        )
        out[language] = [r["label"] for r in results]
    return out


@torch.no_grad()
def _padded_pass(model, tokenizer, by_language, batch_size, max_length) -> dict[str, list[str]]:
    model.eval()
    out = {}
    for language, examples in by_language.items():
        predicted: list[str] = []
        for start in range(0, len(examples), batch_size):
            texts = [e["text"] for e in examples[start : start + batch_size]]
            encoded = tokenizer(
                texts, padding="max_length", truncation=True, max_length=max_length, return_tensors="pt"
            )
            ids = model(**encoded).logits.argmax(-1).tolist()
            predicted.extend(model.config.id2label[i] for i in ids)
        out[language] = predicted
    return out


def run_baseline(variant, model, tokenizer, by_language, batch_size, max_length) -> dict[str, Any]:
    from transformers import pipeline

    if variant == "pipeline":
        pipe = pipeline("text-classification", model=model, tokenizer=tokenizer, device=-1)

        def once(data):
            return _pipeline_pass(pipe, data, batch_size, max_length)
    else:

        def once(data):
            return _padded_pass(model, tokenizer, data, batch_size, max_length)

    once({language: examples[:8] for language, examples in list(by_language.items())[:1]})  # warm-up
    with stopwatch() as clock:
        predicted = once(by_language)
    accuracy = {
        language: 100
        * float(np.mean([p == str(e["label"]) for p, e in zip(predicted[language], examples, strict=True)]))
        for language, examples in by_language.items()
    }
    return {"wall_s": clock["s"], "accuracy": accuracy, "predicted": predicted}


def run(args: argparse.Namespace, facts: MachineFacts) -> BenchmarkResult:
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="xstilts-bench-eval-"))
    if args.quick:
        args.examples_per_language = min(args.examples_per_language, 20)
    quick_precision(args)
    workload = resolve_workload(args.data, workdir, args.quick)
    folder = resolve_model_folder(args.model, workload, workdir, args.quick)
    spec = workload.target
    languages = args.languages or workload.test_languages(spec)
    by_language = {
        language: workload.examples(spec, spec.test_split, language, args.examples_per_language, 0)
        for language in languages
    }
    n_examples = sum(len(v) for v in by_language.values())
    print(
        f"{NAME}: {spec.name}, {len(languages)} languages, {n_examples} examples ({workload.kind})",
        flush=True,
    )

    runs: dict[str, dict[str, Any]] = {}
    model = load_xstilts(folder, spec, args.seed, args.threads)
    runs["xstilts"] = run_xstilts(model, spec, by_language, args.precision, args.threads, args.batch_size)
    if args.tuned_batch_size and args.tuned_batch_size != args.batch_size:
        runs[f"xstilts_batch_{args.tuned_batch_size}"] = run_xstilts(
            model, spec, by_language, args.precision, args.threads, args.tuned_batch_size
        )
    if runs["xstilts"]["precision"] != "fp32":
        runs["xstilts_fp32"] = run_xstilts(model, spec, by_language, "fp32", args.threads, args.batch_size)
    del model
    model, tokenizer = load_classifier(folder, list(spec.labels), args.seed)
    for variant in args.baselines:
        runs[variant] = run_baseline(variant, model, tokenizer, by_language, args.baseline_batch_size, 128)
    for name, entry in runs.items():
        entry["examples_per_s"] = n_examples / entry["wall_s"]
        entry["mean_accuracy"] = float(np.mean(list(entry["accuracy"].values())))
        print(f"  {name}: {entry['examples_per_s']:.1f} examples/s", flush=True)
    notes = []
    if {"pipeline", "padded"} <= set(runs):
        same = [
            a == b
            for language in languages
            for a, b in zip(
                runs["pipeline"]["predicted"][language], runs["padded"]["predicted"][language], strict=True
            )
        ]
        agreement = 100 * float(np.mean(same))
        runs["baseline_agreement_pct"] = agreement
        notes.append(f"pipeline and padded loop predict the same label for {agreement:.1f}% of examples")
    for variant in args.baselines:
        runs[variant].pop("predicted")
    return BenchmarkResult(
        NAME,
        {
            "model": folder,
            "workload": workload.describe(),
            "languages": languages,
            "examples": n_examples,
            "examples_per_language": args.examples_per_language,
            "xstilts_batch_size": args.batch_size,
            "baseline_batch_size": args.baseline_batch_size,
            "baselines": {v: BASELINES[v] for v in args.baselines},
        },
        runs,
        _rows(runs, args.baselines),
        notes=notes,
    )


def _rows(runs: dict[str, Any], baselines: list[str]) -> list[Row]:
    rows = []
    for variant in baselines:
        primary = variant == "pipeline"
        speedup = ratio(runs["xstilts"]["examples_per_s"], runs[variant]["examples_per_s"])
        rows.append(
            Row(NAME, "eval examples/s (all languages)", runs["xstilts"]["examples_per_s"],
                runs[variant]["examples_per_s"], variant, speedup, f">= {SPEED_TARGET:g}x" if primary else "",
                (speedup or 0) >= SPEED_TARGET if primary else None)
        )  # fmt: skip
        if not primary:
            continue
        for name, entry in runs.items():
            if name.startswith("xstilts_"):
                what = "forced fp32" if name == "xstilts_fp32" else f"batch {entry['batch_size']}"
                rows.append(
                    Row(NAME, f"eval examples/s, xstilts {what}", entry["examples_per_s"],
                        runs[variant]["examples_per_s"], variant,
                        ratio(entry["examples_per_s"], runs[variant]["examples_per_s"]))
                )  # fmt: skip
    return rows


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.eval_throughput", description=__doc__.split("\n")[0]
    )
    add_common_arguments(parser)
    parser.add_argument("--examples-per-language", type=int, default=100)
    parser.add_argument("--languages", type=comma_list, default=None)
    parser.add_argument(
        "--batch-size", type=int, default=EvaluationConfig().batch_size,
        help="xstilts evaluation batch size (default: the experiment config's default)",
    )  # fmt: skip
    parser.add_argument(
        "--tuned-batch-size", type=int, default=64,
        help="also measure xstilts at this batch size (0: skip); 64 was fastest on 2-core CPUs",
    )  # fmt: skip
    parser.add_argument("--baseline-batch-size", type=int, default=32)
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto", help="xstilts side")
    parser.add_argument(
        "--baselines", type=comma_list, default=list(BASELINES),
        help=f"comma-separated: {', '.join(BASELINES)} (pipeline is the target's baseline)",
    )  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_cli(build_parser(), run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
