"""Accuracy is not traded for speed: the fast recipe vs the fp32 recipe on msgdomain, same examples seen.

Both recipes train multilingual-e5-small + a fresh classification head on the same English
msgdomain training examples for the same number of steps, batch size, learning rates and seed, and
are scored on the same English dev set:

- ``fp32``: the textbook recipe: fp32, every parameter trained (the 96M-row embedding matrix
  too), batches drawn at random and padded to ``--max-length`` (128) pieces (``max_length`` padding).
- ``fast``: xstilts' defaults: precision by detection (bf16 autocast where the CPU/GPU has native
  bf16, fp32 elsewhere), embedding matrix frozen, length-bucketed batches padded to a multiple of 8.

The claim checked: |dev accuracy(fast) - dev accuracy(fp32)| <= 1 point (mean over seeds), while
the fast recipe is several times quicker. Run: ``python -m benchmarks.recipe_accuracy`` (or
``python -m benchmarks.run_all --only recipe_accuracy``: the same record as every benchmark).
Diagnostic recipes (``--recipes fast-fp32,fast-sparse``) change one thing of ``fast`` at a time:
fp32 instead of detected precision, or sparse row-wise embedding updates instead of a frozen
matrix. Runs are per seed in the JSON, so several invocations (e.g. more seeds) can be pooled.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import BenchmarkResult, MachineFacts, Row, add_common_arguments, ratio, run_cli
from benchmarks.workload import resolve_model_folder, resolve_workload
from xstilts import api
from xstilts.engine.batching import BatchPlan, default_pad_multiple
from xstilts.engine.precision import cpu_model
from xstilts.tasks.loading import read_examples
from xstilts.tasks.registry import get_task

NAME = "recipe_accuracy"
DEVICES = ("cpu",)
SELECTED_BY_DEFAULT = False  # ~25 minutes for two seeds on 2 cores: run it with --only recipe_accuracy
ACCURACY_TOLERANCE = 1.0  # points
CPU_PAD = default_pad_multiple("cpu")  # xstilts' CPU padding: exact lengths (engine.batching.PAD_MULTIPLE)

RECIPES = {
    # name: (precision, embedding mode, batching plan factory)
    "fp32": (
        "fp32",
        "full",
        lambda batch, length: BatchPlan(batch_size=batch, pad_multiple=length, pool_factor=1),
    ),
    "fast": ("auto", "frozen", lambda batch, length: BatchPlan(batch_size=batch, pad_multiple=CPU_PAD)),
    # diagnostics (``--recipes``): which of the fast recipe's changes moves accuracy
    "fast-fp32": ("fp32", "frozen", lambda batch, length: BatchPlan(batch_size=batch, pad_multiple=CPU_PAD)),
    "fast-sparse": (
        "auto",
        "sparse",
        lambda batch, length: BatchPlan(batch_size=batch, pad_multiple=CPU_PAD),
    ),
}


def run_recipe(name: str, model: str, seed: int, args, train_rows, dev_rows, spec, label_names) -> dict:
    precision, embedding_mode, plan = RECIPES[name]
    runtime = api.choose_runtime(precision, "cpu", args.threads)
    net = api.load_model(
        model, heads=[spec], labels={spec.name: label_names}, runtime=runtime, embedding_mode=embedding_mode,
        seed=seed,
    )  # fmt: skip
    settings = api.TrainSettings(
        learning_rate=args.learning_rate, head_learning_rate=args.head_learning_rate, max_steps=args.steps,
        eval_every=0, embedding_mode=embedding_mode, plan=plan(args.batch_size, args.max_length),
        eval_plan=BatchPlan(batch_size=128, pad_multiple=CPU_PAD),
    )  # fmt: skip
    train_set = api.featurize(net, spec, train_rows, "en", args.max_length)
    result = api.fit(net, {(spec.name, "en"): train_set}, settings, seed=seed)
    dev = api.evaluate_languages(
        net, spec, {"en": dev_rows}, plan=settings.eval_plan, max_length=args.max_length
    )
    accuracy = dev["en"]["scores"]["accuracy"]
    return {
        "recipe": name, "seed": seed, "precision": runtime.precision, "embedding_mode": embedding_mode,
        "dev_accuracy": accuracy, "examples_seen": result.examples_seen, "train_s": result.wall_s,
        "examples_per_s": result.examples_per_s,
        "padding_efficiency": result.real_tokens / max(1, result.padded_tokens),
    }  # fmt: skip


def pooled_comparison(records: list[Path]) -> str:
    """Paired (same seed) differences against fp32 over the runs of several records.

    Why paired: a seed fixes the head's initialisation and the batch order's randomness for both
    recipes, so differences within a seed are less noisy than differences of means; the interval
    is the t interval over seeds (few seeds: wide, honestly).
    """
    from scipy import stats

    runs, settings = {}, set()
    for record in records:
        data = json.loads(record.read_text(encoding="utf-8"))
        if "benchmarks" in data:  # the shared record format (run_cli / run_all), else an older summary
            data = data["benchmarks"][NAME]["measurements"]
        settings.add((data["task"], data["steps"], data["batch_size"], data["dev_examples"]))
        for run in data["runs"]:
            runs[(run["recipe"], run["seed"])] = run
    if len(settings) > 1:
        raise SystemExit(f"records differ in (task, steps, batch size, dev examples): {sorted(settings)}")
    lines = []
    for recipe in sorted({name for name, _ in runs} - {"fp32"}):
        seeds = sorted(seed for name, seed in runs if name == recipe and ("fp32", seed) in runs)
        if not seeds:
            continue
        differences = [runs[(recipe, s)]["dev_accuracy"] - runs[("fp32", s)]["dev_accuracy"] for s in seeds]
        mean = statistics.mean(differences)
        line = f"{recipe} - fp32 over seeds {seeds}: {mean:+.2f} points"
        if len(seeds) > 1:
            half = stats.t.ppf(0.975, len(seeds) - 1) * statistics.stdev(differences) / len(seeds) ** 0.5
            line += f" (95% t interval {mean - half:+.2f} to {mean + half:+.2f})"
        speed = statistics.mean(
            runs[(recipe, s)]["examples_per_s"] / runs[("fp32", s)]["examples_per_s"] for s in seeds
        )
        lines.append(
            f"{line}; per seed {', '.join(f'{d:+.2f}' for d in differences)}; {speed:.1f}x examples/s"
        )
    return "\n".join(lines) or "no recipe shares a seed with an fp32 run"


def recipe_list(text: str) -> list[str]:
    """``--recipes fp32,fast``; an unknown name is a usage error (exit 2, one line)."""
    names = [name for name in text.split(",") if name]
    unknown = sorted(set(names) - set(RECIPES))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown recipe(s) {', '.join(unknown)}; choose from {', '.join(RECIPES)}"
        )
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.recipe_accuracy", description=__doc__.splitlines()[0]
    )
    add_common_arguments(parser)  # --model (default e5-small; quick: tiny), --data, --quick, --json, ...
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--head-learning-rate", type=float, default=1e-3)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seeds", default="1,2", help="comma-separated; every recipe runs every seed")
    parser.add_argument("--dev-examples", type=int, default=1200)
    parser.add_argument(
        "--task", default=None,
        help="a classification task with English train/dev, read from --data-dir (default: the workload's "
        "target, msgdomain or the synthetic synthtopic, chosen by --data)",
    )  # fmt: skip
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument(
        "--recipes",
        type=recipe_list,
        default=["fp32", "fast"],
        help=f"comma-separated, from: {', '.join(RECIPES)}",
    )
    parser.add_argument(
        "--pool", type=Path, nargs="+", default=None,
        help="train nothing: pool the runs of earlier --json records and compare each recipe with fp32",
    )  # fmt: skip
    return parser


def task_and_model(args: argparse.Namespace) -> tuple[Any, Path, str]:
    """(task spec, its data root, model) from ``--task``/``--data-dir``, or from the workload."""
    if args.task:
        spec = get_task(args.task)
        return spec, spec.data_root(args.data_dir), args.model or "multilingual-e5-small"
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="xstilts-bench-accuracy-"))
    workload = resolve_workload(args.data, workdir, args.quick)
    folder = resolve_model_folder(args.model, workload, workdir, args.quick)
    return workload.target, workload.root(workload.target), folder


def run(args: argparse.Namespace, facts: MachineFacts) -> BenchmarkResult:
    if args.quick:
        args.steps, args.batch_size, args.dev_examples, args.seeds = min(args.steps, 4), 8, 40, "1"
    spec, root, model = task_and_model(args)
    seeds = [int(s) for s in args.seeds.split(",")]
    train_rows = read_examples(spec, root, "train", "en", args.steps * args.batch_size, seed=0)
    dev_rows = read_examples(spec, root, spec.dev_split, "en", args.dev_examples, seed=0)
    label_names = api.label_names(spec, train_rows)
    recipes = args.recipes
    rows = []
    for seed in seeds:
        for name in recipes:
            start = time.perf_counter()
            row = run_recipe(name, model, seed, args, train_rows, dev_rows, spec, label_names)
            rows.append(row)
            print(f"{name:11s} seed {seed}: dev accuracy {row['dev_accuracy']:.2f} ({row['precision']}, "
                  f"{row['embedding_mode']} embeddings) {row['examples_per_s']:.1f} ex/s, "
                  f"{time.perf_counter() - start:.0f} s", flush=True)  # fmt: skip
    mean = {name: statistics.mean(r["dev_accuracy"] for r in rows if r["recipe"] == name) for name in recipes}
    speed = {
        name: statistics.mean(r["examples_per_s"] for r in rows if r["recipe"] == name) for name in recipes
    }
    summary = {
        "cpu": cpu_model(), "task": spec.name, "steps": args.steps, "batch_size": args.batch_size,
        "examples_seen": args.steps * args.batch_size, "dev_examples": len(dev_rows), "seeds": seeds,
        "mean_dev_accuracy": mean, "mean_examples_per_s": speed, "runs": rows,
    }  # fmt: skip
    print("\nmean dev accuracy: " + ", ".join(f"{name} {mean[name]:.2f}" for name in recipes))
    if {"fp32", "fast"} <= set(recipes):
        difference = mean["fast"] - mean["fp32"]
        summary |= {
            "difference_fast_minus_fp32": difference,
            "within_1_point": abs(difference) <= 1,
            "speedup_fast_vs_fp32": speed["fast"] / speed["fp32"],
        }
        print(f"fast - fp32: {difference:+.2f} points ({'within' if abs(difference) <= 1 else 'NOT within'} "
              f"1 point); fast recipe {summary['speedup_fast_vs_fp32']:.1f}x the fp32 recipe's examples/s "
              f"on {summary['cpu']}")  # fmt: skip
    config = {"model": model, "task": spec.name, "steps": args.steps, "batch_size": args.batch_size,
              "learning_rate": args.learning_rate, "head_learning_rate": args.head_learning_rate,
              "max_length": args.max_length, "seeds": seeds, "recipes": recipes}  # fmt: skip
    return BenchmarkResult(NAME, config, summary, _rows(mean, speed, args.quick), notes=[
        "accuracy rows: mean dev accuracy over the seeds; `--pool` pairs runs by seed across records"])  # fmt: skip


def _rows(mean: dict[str, float], speed: dict[str, float], quick: bool) -> list[Row]:
    """Each recipe against the fp32 (textbook) recipe: accuracy (the 1-point target) and speed."""
    if "fp32" not in mean:
        return [Row(NAME, f"dev accuracy (%), {name}", value, None) for name, value in mean.items()]
    rows = []
    for name in (n for n in mean if n != "fp32"):
        primary = name == "fast" and not quick
        within = abs(mean[name] - mean["fp32"]) <= ACCURACY_TOLERANCE
        rows.append(Row(NAME, f"dev accuracy (%), {name}", mean[name], mean["fp32"], "fp32 recipe", None,
                        f"within {ACCURACY_TOLERANCE:g} point" if primary else "", within if primary else None))  # fmt: skip
        rows.append(Row(NAME, f"train examples/s, {name}", speed[name], speed["fp32"], "fp32 recipe",
                        ratio(speed[name], speed["fp32"])))  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    pooled = parser.parse_args(argv).pool
    if pooled:
        print(pooled_comparison(pooled))
        return 0
    return run_cli(parser, run, argv)


if __name__ == "__main__":
    sys.exit(main())
