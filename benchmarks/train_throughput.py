"""Training throughput: xstilts' trainer vs the plain Hugging Face ``Trainer`` recipe, same run.

All three runs fine-tune the same model (multilingual-e5-small) on the same English training
data (msgdomain, or the synthetic length mix) with the same batch size, learning rate, weight
decay, warm-up, clipping and number of steps; each is then scored on the same dev subset, so a
speed-up is only claimed together with the accuracy it came with.

- xstilts: :func:`xstilts.api.fit` (the trainer the pipeline runs) with the pipeline's defaults: precision chosen by
  detection (bf16 where the CPU has it natively), frozen embedding matrix, length-bucketed batches
  with dynamic padding (multiple of 8), mean-pooling head (``--head-learning-rate`` may differ).
- baselines: see :mod:`benchmarks.hf_baseline` (``plain`` = the transformers example defaults,
  ``dynamic`` = plus dynamic padding and the length-grouped sampler).

Throughput is measured on the training loop alone (tokenisation is reported separately):
examples/s, real tokens/s (non-padding) and padded tokens/s (what the matmuls actually process).
"""

from __future__ import annotations

import argparse
import gc
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import (
    BenchmarkResult,
    MachineFacts,
    Row,
    add_common_arguments,
    comma_list,
    quick_precision,
    ratio,
    reset_accelerate,
    run_cli,
    stopwatch,
    throughput,
)
from benchmarks.hf_baseline import VARIANTS, SharedSettings, predict_labels, train_with_trainer
from benchmarks.workload import Workload, resolve_model_folder, resolve_workload

NAME = "train_throughput"
DEVICES = ("cpu",)  # measured on the CPU only (run_all selects it for --device cpu)
SPEED_TARGET = 1.5
ACCURACY_TOLERANCE = 1.0  # points


@dataclass(frozen=True)
class XstiltsOptions:
    """The xstilts-side settings (what every recipe shares is :class:`SharedSettings`)."""

    head_learning_rate: float | None
    embedding_mode: str = "frozen"
    precision: str = "auto"
    pad_multiple: int = 1  # the engine's CPU default (engine.batching.PAD_MULTIPLE)
    threads: int | None = None


def run_xstilts(
    folder: str,
    workload: Workload,
    train_examples: list[dict],
    dev_examples: list[dict],
    shared: SharedSettings,
    options: XstiltsOptions,
) -> dict[str, Any]:
    from xstilts import api

    spec = workload.target
    reset_accelerate()
    runtime = api.choose_runtime(options.precision, "cpu", options.threads)
    embedding_mode = options.embedding_mode
    max_length = min(shared.max_length, spec.max_length)
    model = api.load_model(
        folder, heads=[spec], labels={spec.name: api.label_names(spec, train_examples)}, runtime=runtime,
        pooling="mean", dropout=0.1, embedding_mode=embedding_mode, seed=shared.seed,
    )  # fmt: skip
    with stopwatch() as prep:
        train_set = api.featurize(model, spec, train_examples, "en", max_length)
    settings = api.TrainSettings(
        learning_rate=shared.learning_rate,
        head_learning_rate=options.head_learning_rate,
        weight_decay=shared.weight_decay,
        warmup_ratio=shared.warmup_ratio,
        max_steps=shared.steps,
        max_grad_norm=shared.max_grad_norm,
        eval_every=0,  # score once, after the timed loop
        embedding_mode=embedding_mode,
        plan=api.BatchPlan(batch_size=shared.batch_size, pad_multiple=options.pad_multiple),
        eval_plan=api.BatchPlan(batch_size=256, pad_multiple=options.pad_multiple),
    )
    result = api.fit(model, {(spec.name, "en"): train_set}, settings, seed=shared.seed)
    dev_set = api.featurize(model, spec, dev_examples, "en", max_length)
    with stopwatch() as dev_clock:
        predictions = api.predict(model, spec, dev_set, plan=settings.eval_plan)
    accuracy = api.score(spec, predictions, dev_examples, "en")["accuracy"]  # metrics report 0-100
    return {
        "recipe": (
            f"xstilts.api.fit: {runtime.precision} ({runtime.reason}), embeddings {embedding_mode}, "
            f"length-bucketed batches, dynamic padding to a multiple of {options.pad_multiple}, max_length {max_length}, mean pooling"
        ),
        "precision": runtime.precision,
        "tokenize_s": round(prep["s"], 3),
        "train_s": round(result.wall_s, 3),
        "examples": result.examples_seen,
        "real_tokens": result.real_tokens,
        "padded_tokens": result.padded_tokens,
        **throughput(result.wall_s, result.examples_seen, result.real_tokens, result.padded_tokens),
        "final_loss": result.final_loss,
        "dev_accuracy": accuracy,
        "dev_eval_s": round(dev_clock["s"], 3),
    }


def run(args: argparse.Namespace, facts: MachineFacts) -> BenchmarkResult:
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="xstilts-bench-train-"))
    if args.quick:
        args.steps, args.batch_size, args.dev_examples = min(args.steps, 4), min(args.batch_size, 8), 40
    quick_precision(args)
    workload = resolve_workload(args.data, workdir, args.quick)
    folder = resolve_model_folder(args.model, workload, workdir, args.quick)
    spec = workload.target
    train_examples = workload.examples(spec, "train", "en", args.train_examples or None, args.seed)
    dev_examples = workload.examples(spec, spec.dev_split, "en", args.dev_examples, 0)
    shared = SharedSettings(args.steps, args.batch_size, args.learning_rate, seed=args.seed)
    label_names = list(spec.labels) or sorted({str(e["label"]) for e in train_examples})
    label_index = {name: i for i, name in enumerate(label_names)}
    print(
        f"{NAME}: {len(train_examples)} train / {len(dev_examples)} dev examples ({workload.kind}), "
        f"{shared.steps} steps x batch {shared.batch_size}, lr {shared.learning_rate}",
        flush=True,
    )

    runs: dict[str, dict[str, Any]] = {}
    options = XstiltsOptions(
        args.head_learning_rate, args.embedding_mode, args.precision, args.pad_multiple, args.threads
    )
    runs["xstilts"] = run_xstilts(folder, workload, train_examples, dev_examples, shared, options)
    print(f"  xstilts: {runs['xstilts']['examples_per_s']:.1f} examples/s", flush=True)
    if args.head_learning_rate and args.same_lr_check:  # what the head learning rate alone buys
        same_lr = replace(options, head_learning_rate=None)
        runs["xstilts_same_lr"] = run_xstilts(folder, workload, train_examples, dev_examples, shared, same_lr)
        print(
            f"  xstilts, head lr = lr: {runs['xstilts_same_lr']['dev_accuracy']:.1f}% dev accuracy",
            flush=True,
        )
    gc.collect()
    texts = [e["text"] for e in train_examples]
    label_ids = [label_index[str(e["label"])] for e in train_examples]
    dev_gold = [label_index[str(e["label"])] for e in dev_examples]
    for variant in args.baselines:
        trained = train_with_trainer(
            folder, variant, texts, label_ids, label_names, shared, workdir / f"trainer-{variant}"
        )
        summary = trained.summary()
        predicted = predict_labels(trained.model, trained.tokenizer, [e["text"] for e in dev_examples])
        summary["dev_accuracy"] = 100 * float((predicted == np.asarray(dev_gold)).mean())
        runs[f"trainer_{variant}"] = summary
        print(f"  trainer_{variant}: {summary['examples_per_s']:.1f} examples/s", flush=True)
        del trained
        gc.collect()

    rows = _rows(runs, args.baselines)
    return BenchmarkResult(
        NAME,
        {
            "model": folder,
            "workload": workload.describe(),
            "steps": shared.steps,
            "batch_size": shared.batch_size,
            "learning_rate": shared.learning_rate,
            "head_learning_rate": args.head_learning_rate,
            "xstilts_pad_multiple": args.pad_multiple,
            "xstilts_embedding_mode": args.embedding_mode,
            "weight_decay": shared.weight_decay,
            "warmup_ratio": shared.warmup_ratio,
            "max_grad_norm": shared.max_grad_norm,
            "train_examples": len(train_examples),
            "dev_examples": len(dev_examples),
            "seed": shared.seed,
            "quick": args.quick,
        },
        runs,
        rows,
        notes=_notes(runs, args.baselines),
    )


def _rows(runs: dict[str, dict[str, Any]], baselines: list[str]) -> list[Row]:
    ours = runs["xstilts"]
    rows: list[Row] = []
    for variant in baselines:
        base = runs[f"trainer_{variant}"]
        name = f"Trainer ({variant})"
        primary = variant == "plain"
        speedup = ratio(ours["examples_per_s"], base["examples_per_s"])
        rows.append(
            Row(NAME, "train examples/s", ours["examples_per_s"], base["examples_per_s"], name, speedup,
                f">= {SPEED_TARGET}x" if primary else "", (speedup or 0) >= SPEED_TARGET if primary else None)
        )  # fmt: skip
        rows.append(
            Row(NAME, "train real tokens/s", ours["real_tokens_per_s"], base["real_tokens_per_s"], name,
                ratio(ours["real_tokens_per_s"], base["real_tokens_per_s"]))
        )  # fmt: skip
        rows.append(
            Row(NAME, "train padded tokens/s", ours["padded_tokens_per_s"], base["padded_tokens_per_s"], name,
                ratio(ours["padded_tokens_per_s"], base["padded_tokens_per_s"]))
        )  # fmt: skip
        rows.append(
            Row(NAME, "final dev accuracy (%)", ours["dev_accuracy"], base["dev_accuracy"], name, None,
                f">= baseline - {ACCURACY_TOLERANCE:g} point" if primary else "",
                ours["dev_accuracy"] >= base["dev_accuracy"] - ACCURACY_TOLERANCE if primary else None)
        )  # fmt: skip
        if "xstilts_same_lr" in runs:
            rows.append(
                Row(NAME, "final dev accuracy (%), xstilts with head lr = lr", runs["xstilts_same_lr"]["dev_accuracy"],
                    base["dev_accuracy"], name)
            )  # fmt: skip
    return rows


def _notes(runs: dict[str, dict[str, Any]], baselines: list[str]) -> list[str]:
    ours = runs["xstilts"]
    notes = [f"xstilts: {ours['recipe']}"]
    for variant in baselines:
        base = runs[f"trainer_{variant}"]
        diff = ours["dev_accuracy"] - base["dev_accuracy"]
        notes.append(
            f"Trainer ({variant}): {base['recipe']}; dev accuracy xstilts minus baseline: {diff:+.2f} points"
        )
    return notes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.train_throughput", description=__doc__.split("\n")[0]
    )
    add_common_arguments(parser)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument(
        "--learning-rate", type=float, default=1e-4, help="every recipe's (encoder) learning rate"
    )
    parser.add_argument("--head-learning-rate", type=float, default=1e-3, help="xstilts' head learning rate")
    parser.add_argument(
        "--no-same-lr-check", dest="same_lr_check", action="store_false",
        help="skip the extra xstilts run with head lr = lr (it shows what the head learning rate buys)",
    )  # fmt: skip
    parser.add_argument("--embedding-mode", choices=("frozen", "sparse", "full"), default="frozen")
    parser.add_argument(
        "--pad-multiple", type=int, default=1, help="xstilts' padding multiple (CPU default 1: exact)"
    )
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto", help="xstilts side")
    parser.add_argument(
        "--train-examples", type=int, default=6000,
        help="seeded subsample of the training set, the same for every recipe (0: all)",
    )  # fmt: skip
    parser.add_argument("--dev-examples", type=int, default=1200)
    parser.add_argument(
        "--baselines", type=comma_list, default=list(VARIANTS),
        help=f"comma-separated Trainer recipes: {', '.join(VARIANTS)} (plain is the target's baseline)",
    )  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_cli(build_parser(), run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
