"""Run every benchmark in one process, print one markdown table, write one JSON record.

``python -m benchmarks.run_all`` (what ``make bench`` runs) takes about 10-15 minutes on 2 cores
with the default sizes; ``--quick`` runs every benchmark at tiny sizes on the tiny random model
and synthetic data in well under a minute (the test suite uses it). The record goes to
``benchmarks/results/<date>-<cpu>.json`` (``-quick`` appended in quick mode). The exit status is
1 when a benchmark *fails* (an exception, or a grid that trained the wrong number of models),
never because a target was missed.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from benchmarks import eval_throughput, grid_cache, mfu, profile_step, train_throughput
from benchmarks.common import (
    RESULTS_DIR,
    BenchmarkResult,
    MachineFacts,
    busy_warning,
    comma_list,
    machine_facts,
    markdown_table,
    results_path,
    stopwatch,
    write_json,
)

BENCHMARKS = {
    "train_throughput": train_throughput,
    "eval_throughput": eval_throughput,
    "mfu": mfu,
    "grid_cache": grid_cache,
    "profile_step": profile_step,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_all", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, tiny model, synthetic data")
    parser.add_argument(
        "--only", type=comma_list, default=list(BENCHMARKS),
        help=f"comma-separated subset of: {', '.join(BENCHMARKS)}",
    )  # fmt: skip
    parser.add_argument(
        "--model", default=None, help="passed to every benchmark (default: e5-small; quick: tiny)"
    )
    parser.add_argument("--data", choices=("auto", "real", "synthetic"), default="auto")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder (default: a temp dir)")
    return parser


def contention_warning(facts: MachineFacts) -> str | None:
    """The 1-minute load average right after a benchmark: a benchmark alone keeps it near its
    thread count; clearly more means other processes took CPU time during the measurement."""
    load = os.getloadavg()[0]
    if load > facts.threads + 0.75:
        return f"load average {load:.2f} at the end (threads {facts.threads}): others competed for the CPU"
    return None


def benchmark_argv(args: argparse.Namespace, name: str, workdir: Path) -> list[str]:
    argv = ["--data", args.data, "--workdir", str(workdir / name)]
    if args.quick:
        argv.append("--quick")
    if args.model:
        argv += ["--model", args.model]
    if args.threads:
        argv += ["--threads", str(args.threads)]
    return argv


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    unknown = [name for name in args.only if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    facts = machine_facts(args.threads)
    print(f"machine: {facts.one_line()}", flush=True)
    warning = busy_warning(facts)
    if warning:
        print(f"WARNING: {warning}", flush=True)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="xstilts-bench-"))
    results: dict[str, Any] = {}
    done: list[BenchmarkResult] = []
    failed: list[str] = []
    with stopwatch() as total:
        for name in args.only:
            module = BENCHMARKS[name]
            print(f"\n== {name} ==", flush=True)
            try:
                sub_args = module.build_parser().parse_args(benchmark_argv(args, name, workdir))
                with stopwatch() as clock:
                    result = module.run(sub_args, facts)
                result.wall_s = clock["s"]
                contention = contention_warning(facts)
                if contention:
                    result.notes.append(contention)
                    print(f"WARNING: {contention}", flush=True)
                done.append(result)
                results[name] = result.as_dict()
                print(f"{name}: {result.wall_s:.0f} s", flush=True)
            except Exception as error:
                traceback.print_exc()
                failed.append(name)
                results[name] = {"name": name, "error": f"{type(error).__name__}: {error}"}
            gc.collect()
    rows = [row for result in done for row in result.rows]
    print(f"\n## Results ({facts.date})\n\nmachine: {facts.one_line()}\n")
    print(markdown_table(rows))
    for result in done:
        for note in result.notes:
            print(f"- {result.name}: {note}")
    record = {
        "machine": facts.as_dict(),
        "busy_warning": warning,
        "quick": args.quick,
        "total_wall_s": round(total["s"], 1),
        "failed": failed,
        "benchmarks": results,
    }
    path = write_json(results_path(args.results_dir, facts, args.quick), record)
    print(f"\ntotal wall time {total['s']:.0f} s; record: {path}")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
