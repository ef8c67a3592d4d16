"""Grid reuse: a 3-intermediate x 2-target grid run by xstilts vs the naive plan, both measured.

The grid: three intermediate conditions (msgkind in three source languages) plus the "none"
baseline, and two targets, msgdomain (classification: fine-tuned, then evaluated zero-shot) and
msgretrieval (evaluated directly on the intermediate encoder, as in the paper). xstilts plans the
grid as a DAG of content-hashed jobs, so one intermediate checkpoint serves both targets.

The naive plan retrains the intermediate model for every (condition, target) pair: it is run for
real, as one experiment per target, each with its own artifact store and its own (cold) feature
cache. Both plans start cold (fresh ``XSTILTS_HOME`` feature caches, empty artifact folders);
a third run repeats xstilts' grid warm and must train nothing. Counts are checked, not assumed:
a plan that trains a different number of models than expected fails the benchmark.

For the rows of this benchmark the ratio is naive / xstilts (how many times fewer trainings, or
how many times less wall time).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
)
from benchmarks.workload import Workload, resolve_model_folder, resolve_workload

NAME = "grid_cache"
DEVICES = ("cpu",)  # measured on the CPU only (run_all selects it for --device cpu)
# Evaluation languages (both targets must have them): a handful is enough to weigh evaluation
# against training; all 26-37 would make evaluation, identical in both plans, dominate the time.
PREFERRED_LANGUAGES = ("de", "fi", "ja", "ru", "zh")


def default_languages(workload: Workload, quick: bool) -> list[str]:
    common = sorted(
        set(workload.test_languages(workload.target)) & set(workload.test_languages(workload.grid_tasks()[1]))
    )
    chosen = [language for language in PREFERRED_LANGUAGES if language in common] or common[:5]
    return chosen[:2] if quick else chosen


def warm_up(workload: Workload, folder: str, workdir: Path, args: argparse.Namespace) -> float:
    """One throwaway single-condition grid: first-call costs (imports, kernel creation, tokenizer
    loading) would otherwise be charged to whichever plan runs first."""
    warm_args = argparse.Namespace(**{**vars(args), "steps": 2, "languages": args.languages[:1]})
    config = grid_config(
        workload,
        folder,
        [workload.target.name, workload.grid_tasks()[1].name],
        workdir,
        "bench-warm-up",
        warm_args,
    )
    config = config.model_copy(update={"conditions": dict(list(config.conditions.items())[:2])})
    return run_grid(config, workdir / "home")["wall_s"]


@contextmanager
def xstilts_home(path: Path) -> Iterator[Path]:
    """Point XSTILTS_HOME (feature caches) at ``path`` for the duration, then restore it."""
    previous = os.environ.get("XSTILTS_HOME")
    path.mkdir(parents=True, exist_ok=True)
    os.environ["XSTILTS_HOME"] = str(path)
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop("XSTILTS_HOME", None)
        else:
            os.environ["XSTILTS_HOME"] = previous


def grid_config(
    workload: Workload, folder: str, targets: list[str], root: Path, name: str, args: argparse.Namespace
):
    from xstilts.pipeline.config import ExperimentConfig

    phase = {
        "max_steps": args.steps,
        "batch_size": args.batch_size,
        "eval_every": 0,
        "max_train_examples": args.train_examples,
    }
    conditions: dict[str, list[str]] = {"none": []}
    intermediate = workload.grid_tasks()[0].name
    for language in workload.sources:
        conditions[f"{intermediate}-{language}"] = [f"{intermediate}:{language}"]
    languages: Any = args.languages
    return ExperimentConfig.model_validate(
        {
            "name": name,
            "output_dir": str(root / "output"),
            "artifact_dir": str(root / "artifacts"),
            "data_dir": str(workload.root(workload.target)),
            "models": [folder],
            "seeds": [args.seed],
            "conditions": conditions,
            "targets": {target: {"languages": languages} for target in targets},
            "intermediate": phase,
            "finetune": phase,
            "evaluation": {"max_examples_per_language": args.eval_examples},
            "runtime": {"precision": args.precision, "threads": args.threads},
        }
    )


def run_grid(config, home: Path) -> dict[str, Any]:
    from rich.console import Console

    from xstilts.pipeline.runner import run_experiment

    reset_accelerate()
    with open(os.devnull, "w", encoding="utf-8") as sink, xstilts_home(home), stopwatch() as clock:
        summary = run_experiment(config, console=Console(file=sink, width=120))
    executed = dict(summary.executed)
    return {
        "wall_s": clock["s"],
        "executed": executed,
        "trainings": executed.get("intermediate", 0) + executed.get("finetune", 0),
        "intermediate": executed.get("intermediate", 0),
    }


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(f"grid_cache: {message}")


def run(args: argparse.Namespace, facts: MachineFacts) -> BenchmarkResult:
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="xstilts-bench-grid-"))
    if args.quick:
        args.steps, args.batch_size, args.eval_examples, args.train_examples = 2, 4, 10, 40
    quick_precision(args)
    workload = resolve_workload(args.data, workdir, args.quick)
    folder = resolve_model_folder(args.model, workload, workdir, args.quick)
    targets = [workload.target.name, workload.grid_tasks()[1].name]
    n_conditions = len(workload.sources)
    print(
        f"{NAME}: {n_conditions} intermediate conditions (+ none) x {len(targets)} targets ({workload.kind})",
        flush=True,
    )

    args.languages = args.languages or default_languages(workload, args.quick)
    warm_s = warm_up(workload, folder, workdir / "warm-up", args)
    grid = grid_config(workload, folder, targets, workdir / "xstilts", "bench-grid", args)
    ours = run_grid(grid, workdir / "xstilts" / "home")
    print(f"  xstilts: {ours['executed']} in {ours['wall_s']:.1f} s", flush=True)
    naive_parts = []
    for target in targets:
        part = grid_config(
            workload, folder, [target], workdir / f"naive-{target}", f"bench-naive-{target}", args
        )
        naive_parts.append(run_grid(part, workdir / f"naive-{target}" / "home"))
    naive = {
        "wall_s": sum(p["wall_s"] for p in naive_parts),
        "trainings": sum(p["trainings"] for p in naive_parts),
        "intermediate": sum(p["intermediate"] for p in naive_parts),
        "parts": naive_parts,
    }
    print(f"  naive: {naive['trainings']} trainings in {naive['wall_s']:.1f} s", flush=True)
    warm = run_grid(grid, workdir / "xstilts" / "home")
    print(f"  xstilts rerun: {warm['executed']} in {warm['wall_s']:.1f} s", flush=True)

    _check(
        ours["intermediate"] == n_conditions, f"xstilts trained {ours['intermediate']} intermediate models"
    )
    _check(
        naive["intermediate"] == n_conditions * len(targets),
        f"the naive plan trained {naive['intermediate']} intermediate models",
    )
    _check(
        warm["trainings"] == 0 and not warm["executed"].get("evaluate"),
        f"the warm rerun ran {warm['executed']}",
    )
    rows = [
        Row(NAME, "intermediate trainings", ours["intermediate"], naive["intermediate"], "naive plan",
            ratio(naive["intermediate"], ours["intermediate"])),
        Row(NAME, "trainings (intermediate + fine-tune)", ours["trainings"], naive["trainings"], "naive plan",
            ratio(naive["trainings"], ours["trainings"])),
        Row(NAME, "grid wall time, cold (s)", ours["wall_s"], naive["wall_s"], "naive plan",
            ratio(naive["wall_s"], ours["wall_s"])),
        Row(NAME, "grid wall time, warm rerun (s)", warm["wall_s"], naive["wall_s"], "naive plan",
            ratio(naive["wall_s"], warm["wall_s"])),
    ]  # fmt: skip
    return BenchmarkResult(
        NAME,
        {
            "model": folder,
            "workload": workload.describe(),
            "conditions": list(grid.conditions),
            "targets": targets,
            "steps": args.steps,
            "batch_size": args.batch_size,
            "train_examples": args.train_examples,
            "eval_examples_per_language": args.eval_examples,
            "languages": args.languages,
        },
        {"xstilts": ours, "naive": naive, "xstilts_warm_rerun": warm, "untimed_warm_up_s": warm_s},
        rows,
        notes=["ratio = naive / xstilts for this benchmark (times fewer trainings, times less wall time)"],
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.grid_cache", description=__doc__.split("\n")[0]
    )
    add_common_arguments(parser)
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto")
    parser.add_argument("--steps", type=int, default=20, help="training steps of every phase")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--train-examples", type=int, default=2000, help="training examples read per task")
    parser.add_argument("--eval-examples", type=int, default=50, help="test examples per language")
    parser.add_argument("--languages", type=comma_list, default=None,
                        help=f"evaluation languages of both targets (default: {', '.join(PREFERRED_LANGUAGES)} "
                        "where both have them)")  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_cli(build_parser(), run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
