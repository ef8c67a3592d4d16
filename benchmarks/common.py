"""What every benchmark shares: machine facts, timing, result rows, the record and its output.

A speed number means nothing without the machine it came from (the CPU kind decides whether bf16
is 6x faster or 20x slower than fp32), so every result carries the CPU model, cores, threads,
torch version, native-bf16 support, the device (and GPU name) and the precision xstilts chose. A
benchmark *fails* (non-zero exit) only when a run breaks; a slow machine only turns a target's
``met`` to false.

A benchmark is a module with ``NAME``, ``DEVICES`` (the devices it measures on, the one it is
meant for first), ``build_parser()`` and ``run(args, facts) -> BenchmarkResult``; ``run_all``
lists them and :func:`run_cli` runs one alone. Both write the same record (:func:`build_record`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from xstilts.errors import XstiltsError

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class MachineFacts:
    date: str
    cpu_model: str
    cores: int
    threads: int
    torch_version: str
    transformers_version: str
    native_bf16: bool
    precision: str  # what xstilts' "auto" chose here
    precision_reason: str
    load_average_1m: float
    device: str = "cpu"  # where the benchmarks measured: "cpu" or "cuda"
    device_name: str = ""  # the GPU's name on CUDA, else the CPU model
    cuda_version: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def one_line(self) -> str:
        gpu = f"{self.device_name} (CUDA {self.cuda_version}), host " if self.device == "cuda" else ""
        return (
            f"{gpu}{self.cpu_model}, {self.cores} cores, {self.threads} threads, torch {self.torch_version}, "
            f"native bf16: {'yes' if self.native_bf16 else 'no'} -> xstilts precision {self.precision}"
        )


def machine_facts(threads: int | None = None, device: str = "cpu") -> MachineFacts:
    """Detect the machine; also sets torch's thread count (threads = cores unless told).

    On CUDA, bf16 support and the precision are the GPU's (what xstilts' "auto" picks there).
    """
    import torch
    import transformers

    from xstilts.engine.precision import available_cores, choose_runtime, cpu_has_native_bf16, cpu_model

    quiet_libraries()
    runtime = choose_runtime("auto", device, threads)
    cuda = device == "cuda"
    return MachineFacts(
        date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        cpu_model=cpu_model(),
        cores=available_cores(),
        threads=torch.get_num_threads(),
        torch_version=torch.__version__,
        transformers_version=transformers.__version__,
        native_bf16=torch.cuda.is_bf16_supported() if cuda else cpu_has_native_bf16(),
        precision=runtime.precision,
        precision_reason=runtime.reason,
        load_average_1m=round(os.getloadavg()[0], 2),
        device=device,
        device_name=torch.cuda.get_device_name() if cuda else cpu_model(),
        cuda_version=torch.version.cuda if cuda else None,
    )


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def cuda_missing(device: str) -> str | None:
    """Why ``device`` cannot be measured here (None when it can): one line for the user."""
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        return (
            f"--device cuda, but this torch ({torch.__version__}) sees no CUDA device; "
            "`python -m benchmarks.run_all --only gpu_recipes` checks the GPU benchmark's path on the CPU"
        )
    return None


def quiet_libraries() -> None:
    """No progress bars from datasets / transformers: the benchmark prints its own lines."""
    import datasets
    from transformers.utils import logging as hf_logging

    datasets.disable_progress_bars()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def reset_accelerate() -> None:
    """Forget accelerate's process-wide state between recipes run in one process.

    Accelerate keeps one ``AcceleratorState`` per process, fixed by its first user (device, mixed
    precision, distributed setup). xstilts applies its own autocast and asks Accelerate for
    ``mixed_precision="no"``, but the HF ``Trainer`` initialises the state with its own arguments;
    resetting lets each recipe start as it would in a fresh process.
    """
    from accelerate.state import AcceleratorState

    AcceleratorState._reset_state(reset_partial_state=True)


def quick_precision(args: argparse.Namespace) -> str:
    """Quick mode runs fp32: bf16 kernels are created per shape, which costs more than the tiny
    model's matmuls themselves."""
    if args.quick and args.precision == "auto":
        args.precision = "fp32"
    return args.precision


def busy_warning(facts: MachineFacts) -> str | None:
    """A warning when other work competes for the cores: timings would be too pessimistic."""
    if facts.load_average_1m > 0.5 * facts.cores:
        return (
            f"load average {facts.load_average_1m} on {facts.cores} cores before the run: other processes "
            "compete for the CPU; rerun on an idle machine for publishable numbers"
        )
    return None


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    """``with stopwatch() as t: ...`` then ``t["s"]`` holds the elapsed wall time in seconds."""
    box = {"s": 0.0}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["s"] = time.perf_counter() - start


def throughput(wall_s: float, examples: int, real_tokens: int, padded_tokens: int) -> dict[str, float]:
    """Rates of one timed training loop, named alike for every recipe so their rows compare."""
    return {
        "examples_per_s": examples / wall_s,
        "real_tokens_per_s": real_tokens / wall_s,
        "padded_tokens_per_s": padded_tokens / wall_s,
        "padding_efficiency": real_tokens / max(1, padded_tokens),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


@dataclass
class Row:
    """One line of the results table: a quantity for xstilts, for a baseline, and their ratio."""

    benchmark: str
    quantity: str
    xstilts: float | None
    baseline: float | None
    baseline_name: str = ""
    ratio: float | None = None
    target: str = ""  # e.g. ">= 1.5x"; empty when the row is informational
    met: bool | None = None
    ratio_unit: str = "x"  # "x" (speed-up) or "%" (a utilisation)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BenchmarkResult:
    name: str
    config: dict[str, Any]
    measurements: dict[str, Any]
    rows: list[Row]
    wall_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    details: str = ""  # markdown beyond the shared table (e.g. the GPU benchmark's per-recipe tables)
    partial: bool = False  # a checkpoint written while the benchmark still runs

    @property
    def ratios(self) -> dict[str, float | None]:
        return {
            f"{row.quantity} vs {row.baseline_name}": row.ratio for row in self.rows if row.ratio is not None
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "config": self.config,
            "measurements": self.measurements,
            "rows": [row.as_dict() for row in self.rows],
            "ratios": self.ratios,
            "wall_s": round(self.wall_s, 2),
            "notes": self.notes,
            **({"partial": True} if self.partial else {}),
        }


class BenchmarkFailed(Exception):
    """A benchmark that ran to its end but broke part of the way (a recipe crashed): the runner
    keeps ``result`` in the record and still exits 1."""

    def __init__(self, result: BenchmarkResult, message: str) -> None:
        super().__init__(message)
        self.result = result


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def markdown_table(rows: list[Row]) -> str:
    lines = [
        "| benchmark | quantity | xstilts | baseline | baseline value | ratio | target | met |",
        "|---|---|---:|---|---:|---:|---|---|",
    ]
    for row in rows:
        if row.ratio is None:
            ratio_text = "–"
        elif row.ratio_unit == "%":
            ratio_text = f"{100 * row.ratio:.1f}%"
        else:
            ratio_text = f"{row.ratio:.2f}x"
        met = {True: "yes", False: "**no**", None: ""}[row.met]
        lines.append(
            f"| {row.benchmark} | {row.quantity} | {_fmt(row.xstilts)} | {row.baseline_name} | "
            f"{_fmt(row.baseline)} | {ratio_text} | {row.target} | {met} |"
        )
    return "\n".join(lines)


def cpu_slug(cpu: str) -> str:
    cleaned = re.sub(r"\((R|TM)\)", "", cpu, flags=re.IGNORECASE)
    return re.sub(r"[^a-z0-9]+", "-", cleaned.lower()).strip("-")[:60] or "cpu"


def results_path(directory: Path, facts: MachineFacts, quick: bool) -> Path:
    """``<date>-<cpu>.json`` (CUDA: ``<date>-<gpu>.json``), ``-quick`` appended in quick mode."""
    day = facts.date.split(" ", 1)[0]
    machine = facts.device_name if facts.device == "cuda" else facts.cpu_model
    return directory / f"{day}-{cpu_slug(machine)}{'-quick' if quick else ''}.json"


def build_record(
    facts: MachineFacts,
    warning: str | None,
    quick: bool,
    total_s: float,
    failed: list[str],
    results: dict[str, Any],
) -> dict[str, Any]:
    """The one result record every benchmark run writes: machine facts and each benchmark's result
    (``BenchmarkResult.as_dict()``, or ``{"name", "error"}`` for one that failed)."""
    return {
        "machine": facts.as_dict(),
        "busy_warning": warning,
        "quick": quick,
        "total_wall_s": round(total_s, 1),
        "failed": failed,
        "benchmarks": results,
    }


def record_markdown(facts: MachineFacts, done: list[BenchmarkResult]) -> str:
    """What the run prints: the shared table, every note, then each benchmark's own details."""
    rows = [row for result in done for row in result.rows]
    lines = [f"## Results ({facts.date})", "", f"machine: {facts.one_line()}", "", markdown_table(rows)]
    lines += [f"- {result.name}: {note}" for result in done for note in result.notes]
    lines += [f"\n{result.details}" for result in done if result.details]
    return "\n".join(lines) + "\n"


def write_record(path: Path, record: dict[str, Any], markdown: str | None = None) -> Path:
    """The JSON record, and beside it (same name, ``.md``) the markdown the run printed."""
    write_json(path, record)
    if markdown is not None:
        path.with_suffix(".md").write_text(markdown, encoding="utf-8")
    return path


def write_json(path: Path, payload: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")
    return path


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        default=None,
        help="registry name or model folder; 'tiny' = random BERT (default: multilingual-e5-small; quick: tiny)",
    )
    parser.add_argument(
        "--data",
        choices=("auto", "real", "synthetic"),
        default="auto",
        help="real gettext tasks (if built), a synthetic length mix, or auto (real when built)",
    )
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: cores)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (and the tiny model) for tests")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder (default: a temp dir)")
    parser.add_argument("--json", type=Path, default=None, help="also write the record to this JSON file")


def comma_list(text: str) -> list[str]:
    """``--baselines plain,dynamic`` -> ["plain", "dynamic"] (empty items dropped)."""
    return [value for value in text.split(",") if value]


def run_cli(
    parser: argparse.ArgumentParser,
    run: Callable[[argparse.Namespace, MachineFacts], BenchmarkResult],
    argv: list[str] | None,
) -> int:
    """Parse, detect the machine, run, print the table; exit 1 only if the run itself fails
    (2 for bad input: an ``XstiltsError`` is one line naming the problem and the fix).

    ``--json PATH`` writes the same record as ``run_all`` (with this one benchmark), and keeps it
    up to date while a benchmark that checkpoints (``args.checkpoint``) is still running.
    """
    args = parser.parse_args(argv)
    device = getattr(args, "device", "cpu") or default_device()  # a GPU benchmark's default: cuda if any
    missing = cuda_missing(device)
    if missing:
        print(missing, file=sys.stderr)
        return 2
    facts = machine_facts(args.threads, device)
    print(f"machine: {facts.one_line()}", flush=True)
    warning = busy_warning(facts)
    if warning:
        print(f"WARNING: {warning}", flush=True)
    quick = bool(getattr(args, "quick", False))
    started = time.perf_counter()

    def save(result: BenchmarkResult | None, failed: bool = False, error: str = "") -> None:
        if not args.json:
            return
        name = parser.prog.rsplit(".", 1)[-1]  # "python -m benchmarks.mfu" -> "mfu"
        entry = result.as_dict() if result else {"name": name}
        if failed:
            entry["error"] = error or "failed (see the traceback)"
        record = build_record(
            facts, warning, quick, time.perf_counter() - started, [entry["name"]] if failed else [],
            {entry["name"]: entry},
        )  # fmt: skip
        write_record(args.json, record, record_markdown(facts, [result]) if result else None)

    args.checkpoint = save
    try:
        with stopwatch() as clock:
            result = run(args, facts)
        result.wall_s = clock["s"]
    except XstiltsError as error:  # bad input (a missing model, a wrong option): one line, no traceback
        print(f"{parser.prog}: {error}", file=sys.stderr)
        save(None, failed=True, error=f"{type(error).__name__}: {error}")
        return 2
    except BenchmarkFailed as failure:
        print(record_markdown(facts, [failure.result]))
        print(f"{parser.prog}: FAILED: {failure}", file=sys.stderr)
        save(failure.result, failed=True, error=str(failure))
        return 1
    except Exception as error:
        traceback.print_exc()
        print(f"{parser.prog}: FAILED", file=sys.stderr)
        save(None, failed=True, error=f"{type(error).__name__}: {error}")
        return 1
    print(record_markdown(facts, [result]))
    print(f"{result.name}: {result.wall_s:.0f} s")
    save(result)
    return 0
