"""Run benchmarks in one process, print one markdown table, write one JSON record (+ markdown).

The one runner for CPU and GPU benchmarks. ``python -m benchmarks.run_all`` (what ``make bench``
runs) runs every CPU benchmark, about 10-15 minutes on 2 cores with the default sizes;
``--device cuda`` (``make bench-gpu``) runs the GPU benchmarks on the GPU; ``--only`` picks any
subset, so ``--only gpu_recipes`` checks the GPU benchmark's code path on the CPU with a tiny
model. ``--quick`` runs at tiny sizes on the tiny random model and synthetic data in well under a
minute (the test suite uses it). The record goes to ``benchmarks/results/<date>-<machine>.json``
(``-quick`` appended in quick mode; the machine is the CPU, or the GPU with ``--device cuda``) and
is rewritten after every benchmark, so a run cut short keeps what it measured. The exit status is
1 when a benchmark *fails* (an exception, or a grid that trained the wrong number of models),
never because a target was missed; 2 for a bad command line or a missing CUDA device.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks import (
    eval_throughput,
    gpu_recipes,
    grid_cache,
    mfu,
    profile_step,
    recipe_accuracy,
    train_throughput,
)
from benchmarks.common import (
    RESULTS_DIR,
    BenchmarkFailed,
    BenchmarkResult,
    MachineFacts,
    build_record,
    busy_warning,
    comma_list,
    cuda_missing,
    machine_facts,
    record_markdown,
    results_path,
    stopwatch,
    write_record,
)

# The registry: every benchmark, CPU and GPU. Each module has NAME, DEVICES (the device it is
# meant for first), build_parser() and run(args, facts) -> BenchmarkResult; SELECTED_BY_DEFAULT =
# False keeps a long one out of a plain run (pick it with --only).
BENCHMARKS: dict[str, ModuleType] = {
    module.NAME: module
    for module in (
        train_throughput, eval_throughput, mfu, grid_cache, profile_step, recipe_accuracy, gpu_recipes,
    )
}  # fmt: skip
DEVICES = ("cpu", "cuda")


def meant_for(device: str) -> list[str]:
    """The benchmarks a plain run on ``device`` selects: those meant for it (unless opted out)."""
    return [
        name
        for name, module in BENCHMARKS.items()
        if module.DEVICES[0] == device and getattr(module, "SELECTED_BY_DEFAULT", True)
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_all", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, tiny model, synthetic data")
    parser.add_argument(
        "--device", choices=DEVICES, default="cpu",
        help=f"where to measure; selects the benchmarks meant for it (cpu: {', '.join(meant_for('cpu'))}; "
        f"cuda: {', '.join(meant_for('cuda'))})",
    )  # fmt: skip
    parser.add_argument(
        "--only", type=comma_list, default=None,
        help=f"comma-separated subset of: {', '.join(BENCHMARKS)} (default: those meant for --device)",
    )  # fmt: skip
    parser.add_argument(
        "--model", default=None, help="passed to every benchmark (default: each benchmark's; quick: tiny)"
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
    if len(BENCHMARKS[name].DEVICES) > 1:
        argv += ["--device", args.device]
    return argv


def check_selection(args: argparse.Namespace) -> str | None:
    """Why the chosen benchmarks cannot run on the chosen device (None when they can)."""
    unknown = [name for name in args.only if name not in BENCHMARKS]
    if unknown:
        return f"unknown benchmark(s) {unknown}; known: {', '.join(BENCHMARKS)}"
    wrong = [name for name in args.only if args.device not in BENCHMARKS[name].DEVICES]
    if wrong:
        return f"{', '.join(wrong)} measure(s) on {'/'.join(BENCHMARKS[wrong[0]].DEVICES)} only, not {args.device}"
    return cuda_missing(args.device)


class Run:
    """One invocation: the machine, what is done so far, and the record it keeps on disk."""

    def __init__(self, args: argparse.Namespace, facts: MachineFacts, warning: str | None) -> None:
        self.args, self.facts, self.warning = args, facts, warning
        self.started = time.perf_counter()
        self.results: dict[str, Any] = {}
        self.done: list[BenchmarkResult] = []
        self.failed: list[str] = []
        self.path = results_path(args.results_dir, facts, args.quick)

    def save(self, running: BenchmarkResult | None = None) -> Path:
        """Write the record; ``running`` is a checkpoint of the benchmark still in progress."""
        results, done = dict(self.results), list(self.done)
        if running is not None:
            running.partial = True
            results[running.name], done = running.as_dict(), [*done, running]
        record = build_record(
            self.facts,
            self.warning,
            self.args.quick,
            time.perf_counter() - self.started,
            self.failed,
            results,
        )
        return write_record(self.path, record, record_markdown(self.facts, done))

    def one(self, name: str, workdir: Path) -> None:
        module = BENCHMARKS[name]
        print(f"\n== {name} ==", flush=True)
        try:
            sub_args = module.build_parser().parse_args(benchmark_argv(self.args, name, workdir))
            sub_args.checkpoint = self.save
            with stopwatch() as clock:
                try:
                    result = module.run(sub_args, self.facts)
                except BenchmarkFailed as failure:  # measured, but part of it broke: keep it
                    result, broken = failure.result, str(failure)
                else:
                    broken = None
            result.wall_s, result.partial = clock["s"], False
            contention = contention_warning(self.facts)
            if contention:
                result.notes.append(contention)
                print(f"WARNING: {contention}", flush=True)
            self.done.append(result)
            self.results[name] = result.as_dict() | ({"error": broken} if broken else {})
            if broken:
                self.failed.append(name)
                print(f"{name}: FAILED: {broken}", file=sys.stderr, flush=True)
            print(f"{name}: {result.wall_s:.0f} s", flush=True)
        except Exception as error:
            traceback.print_exc()
            self.failed.append(name)
            self.results[name] = {"name": name, "error": f"{type(error).__name__}: {error}"}
        gc.collect()
        self.save()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.only = args.only if args.only is not None else meant_for(args.device)
    problem = check_selection(args)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    facts = machine_facts(args.threads, args.device)
    print(f"machine: {facts.one_line()}", flush=True)
    warning = busy_warning(facts)
    if warning:
        print(f"WARNING: {warning}", flush=True)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="xstilts-bench-"))
    run = Run(args, facts, warning)
    for name in args.only:
        run.one(name, workdir)
    print()
    print(record_markdown(facts, run.done))
    path = run.save()
    print(f"total wall time {time.perf_counter() - run.started:.0f} s; record: {path} (+ .md)")
    if run.failed:
        print(f"FAILED: {', '.join(run.failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
