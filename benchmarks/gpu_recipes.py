"""GPU training throughput: XLM-R Large under the paper's, the Trainer's and xstilts' recipe.

The paper's recipe (fp32, batch 4, padded to 256) and the Hugging Face Trainer defaults (fp32,
batch 8, padded to 128) leave most of a modern GPU idle; xstilts' recipe (bf16 autocast, fused
AdamW, token-budget batches padded to a multiple of 8) is meant to use it. This benchmark
measures all three on one GPU (< 5 minutes on an H100/H200), on synthetic examples with
realistic length distributions (``synthpair``, ``synthqa``: :mod:`benchmarks.synthetic`); the
recipes and how they are timed are in :mod:`benchmarks.gpu_training`.

Per recipe: examples/s, real and padded tokens/s, useful TFLOP/s = 6 x non-embedding parameters x
real (unpadded) tokens per second (attention-score FLOPs and heads ignored: +~6% at 384 pieces,
<1% at 40), MFU = useful TFLOP/s / the bf16 dense matmul peak measured in the same run, and peak
memory. The model is randomly initialised unless ``--model`` names a local XLM-R folder:
throughput does not depend on the weights.

``python -m benchmarks.run_all --device cuda`` (``make bench-gpu``) runs it on the GPU;
``python -m benchmarks.run_all --only gpu_recipes [--quick]`` runs the same code on the CPU with
the tiny shape, which is how the tests check it. A recipe that crashes fails the benchmark (an
out-of-memory baseline is a result, not a crash).
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import torch

from benchmarks.common import (
    BenchmarkFailed,
    BenchmarkResult,
    MachineFacts,
    Row,
    add_common_arguments,
    comma_list,
    run_cli,
)
from benchmarks.gpu_training import (
    MAX_TOKENS,
    SHAPE_KEYS,
    SIZES,
    Recipe,
    RecipeData,
    StepClock,
    baseline_model,
    featurise_workloads,
    main_recipes,
    model_config,
    run_engine,
    run_fixed,
    variant_recipes,
    write_model_folder,
)
from benchmarks.workload import gpu_workloads
from xstilts.errors import ConfigError, MissingResourceError

NAME = "gpu_recipes"
DEVICES = ("cuda", "cpu")  # meant for a GPU; on the CPU it checks the code path (tiny shape)
# Most important first, so that a run cut short still answers the main question.
MAIN_ORDER = [("pair", "trainer"), ("pair", "xstilts"), ("pair", "paper"), ("qa", "xstilts"), ("qa", "trainer"), ("qa", "paper")]  # fmt: skip
TARGETS = {"pair_vs_trainer": 20.0, "pair_mfu": 0.30, "qa_batch": 32.0}


def log(started: float, message: str) -> None:
    """Timestamped progress: a run cut short still tells its story."""
    print(f"[{time.strftime('%H:%M:%S')} +{time.perf_counter() - started:6.1f}s] {message}", flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.gpu_recipes", description=__doc__.split("\n")[0]
    )
    add_common_arguments(parser)  # --model: large | small | tiny | an XLM-R folder
    parser.add_argument("--tiny", action="store_true", help="= --model tiny: 2 layers, hidden 64, vocab 1000")
    parser.add_argument("--device", choices=["cuda", "cpu"], help="default: cuda when available")
    parser.add_argument("--seconds-per-recipe", type=float, help="incl. 20%% warm-up (default 22; quick: 1)")
    parser.add_argument("--time-budget", type=float, default=285.0, help="variants are skipped past this")
    parser.add_argument("--max-tokens", type=int, help="xstilts padded-token budget per batch")
    parser.add_argument("--workloads", type=comma_list, default=["pair", "qa"])
    parser.add_argument("--no-variants", action="store_true", help="only the three main recipes")
    parser.add_argument("--compile", action="store_true", help="add a torch.compile variant (slow to build)")
    parser.set_defaults(seed=0)  # the seed of the 2026-11-26 GPU records (data and random weights)
    return parser


def resolve_args(args: argparse.Namespace) -> tuple[str, Path | None]:
    """Defaults that depend on the device; (shape name, model folder or None)."""
    args.device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if args.data == "real":
        raise ConfigError(f"{NAME} runs on synthetic XLM-R-shaped data only", fix="use --data synthetic")
    model = "tiny" if args.tiny else args.model
    # XLM-R Large on a CPU would take hours: without a GPU (or in quick mode) the path is checked tiny.
    model = model or ("large" if args.device == "cuda" and not args.quick else "tiny")
    source = None
    if model not in SIZES:
        source = Path(model)
        if not (source / "config.json").is_file():
            raise MissingResourceError(
                f"--model {model!r} is neither a shape ({', '.join(SIZES)}) nor a model folder",
                file=source, fix="pass large, small, tiny or a Hugging Face XLM-R folder",
            )  # fmt: skip
        model = "model"
    if args.seconds_per_recipe is None:
        args.seconds_per_recipe = 1.0 if args.quick else 22.0
    args.max_tokens = args.max_tokens or MAX_TOKENS.get(model, MAX_TOKENS["large"])
    return model, source


def non_embedding_params(config) -> int:
    """Parameters of the transformer layers: what the 6 x N x tokens FLOP rule counts."""
    from transformers import XLMRobertaModel

    with torch.device("meta"):
        encoder = XLMRobertaModel(config, add_pooling_layer=False)
    return sum(p.numel() for name, p in encoder.named_parameters() if not name.startswith("embeddings."))


def matmul_tflops(device: str, dtype: torch.dtype, n: int, inner: int, repeats: int) -> float:
    """Best-of-``repeats`` dense n x n x n matmul rate (TFLOP/s)."""
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(2):
        a @ b
    sync()
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        for _ in range(inner):
            a @ b
        sync()
        best = min(best, time.perf_counter() - began)
    return 2 * n**3 * inner / best / 1e12


def measure_peaks(device: str, tiny: bool) -> dict:
    n = 8192 if device == "cuda" else (512 if tiny else 1024)
    # ~0.5 s of bf16 work on an H100: long enough for the clocks to settle, best run counts.
    cuda = device == "cuda"
    bf16 = matmul_tflops(device, torch.bfloat16, n, inner=20 if cuda else 2, repeats=15 if cuda else 4)
    fp32 = matmul_tflops(device, torch.float32, n, inner=2, repeats=4)  # TF32 off: precision "highest"
    return {"matmul_n": n, "bf16_tflops": bf16, "fp32_tflops": fp32}


def clock_metrics(clock: StepClock, flops_per_token: float, bf16_peak: float) -> dict:
    """Totals of the timed steps and the rates derived from them."""
    steps = max(1, len(clock.counts))
    examples, real, padded = (sum(c[i] for c in clock.counts) for i in range(3))
    seconds = clock.seconds or float("nan")
    useful = flops_per_token * real / seconds / 1e12
    return {
        "steps": len(clock.counts),
        "warmup_steps": clock.warmup_steps,
        "warmup_s": clock.warmup_s,
        "seconds": clock.seconds,
        "examples": examples,
        "real_tokens": real,
        "padded_tokens": padded,
        "examples_per_s": examples / seconds,
        "real_tokens_per_s": real / seconds,
        "padded_tokens_per_s": padded / seconds,
        "padding_efficiency": real / padded if padded else None,
        "useful_tflops": useful,
        "mfu": useful / bf16_peak,
        "mean_batch_examples": examples / steps,
        "mean_padded_length": sum(c[3] for c in clock.counts) / steps,
        "distinct_shapes": len({(c[0], c[3]) for c in clock.counts}),
    }


class Session:
    """What every recipe of one run shares: device, runtime, model folder, data and rates."""

    def __init__(self, args, runtime, config, folder: Path, source: Path | None, rates: dict) -> None:
        self.args, self.runtime, self.config, self.folder, self.source = args, runtime, config, folder, source
        self.rates = rates
        self.data: dict[str, RecipeData] = {}

    def run_recipe(self, recipe: Recipe, data: RecipeData) -> dict:
        """One timed run; the measurements, or the status (oom/failed) and the error line."""
        device = self.args.device
        cuda = device == "cuda"
        gc.collect()
        if cuda:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated() / 2**30 if cuda else None
        clock = StepClock(self.args.seconds_per_recipe, torch.cuda.synchronize if cuda else (lambda: None))
        began = time.perf_counter()
        row: dict = {"workload": data.kind, "recipe": recipe.name, "description": recipe.description}
        row["settings"] = recipe.settings()
        status, error, check = "ok", None, {}
        try:
            if recipe.engine:
                check = run_engine(recipe, data, self.folder, self.runtime, clock)
            else:
                build = lambda: baseline_model(self.config, self.source, device, data.kind)  # noqa: E731
                run_fixed(recipe, data, build, device, clock)
        except torch.OutOfMemoryError as exc:
            status, error = "oom", str(exc).splitlines()[0][:300]
        except Exception as exc:
            traceback.print_exc()
            status, error = (
                "failed",
                f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}",
            )
        row.update(status=status, error=error, wall_s=time.perf_counter() - began, **check)
        row["precision"] = self.runtime.precision if recipe.engine else "fp32"
        row["memory_before_gib"] = before
        row["peak_memory_gib"] = torch.cuda.max_memory_allocated() / 2**30 if cuda else None
        if status == "ok":
            row.update(clock_metrics(clock, **self.rates))
        gc.collect()
        if cuda:
            torch.cuda.empty_cache()
        return row


def plan_runs(args, kinds: list[str]) -> tuple[list[tuple[str, Recipe]], list[tuple[str, Recipe]]]:
    unknown = sorted(set(kinds) - {"pair", "qa"})
    if unknown:
        raise ConfigError(f"unknown workload(s) {unknown}", fix="use --workloads pair,qa (or one of them)")
    by_key = {(w, r.name): r for w in kinds for r in main_recipes(w, args.max_tokens)}
    main = [(w, by_key[(w, name)]) for w, name in MAIN_ORDER if (w, name) in by_key]
    variants: list[tuple[str, Recipe]] = []
    if not args.no_variants:
        extra = {w: variant_recipes(w, args.max_tokens, args.compile) for w in kinds}
        for rank in range(max((len(v) for v in extra.values()), default=0)):  # interleave workloads
            variants += [(w, extra[w][rank]) for w in ("pair", "qa") if w in extra and rank < len(extra[w])]
    return main, variants


def is_fatal(row: dict, recipe: Recipe) -> bool:
    if row["status"] == "failed":
        return not recipe.compile  # compile is an opt-in experiment: reported, never fatal
    return row["status"] == "oom" and recipe.engine and recipe.variant_of is None


def add_comparisons(measurements: dict) -> None:
    """Speed-ups over the two baselines (and over the recipe a variant modifies), and the targets."""
    done = [r for r in measurements["runs"] if r.get("status") == "ok"]
    rate = {(r["workload"], r["recipe"]): r["examples_per_s"] for r in done}
    for row in done:
        for base in ("trainer", "paper", row["settings"]["variant_of"]):
            ref = rate.get((row["workload"], base))
            key = f"vs_{base}" if base in ("trainer", "paper") else "vs_base"
            row[key] = row["examples_per_s"] / ref if ref else None
    shape = measurements["model_shape"]
    applies = (
        measurements["device"] == "cuda" and shape["num_hidden_layers"] == 24 and shape["hidden_size"] == 1024
    )
    found = {(r["workload"], r["recipe"]): r for r in measurements["runs"]}
    pair, qa = found.get(("pair", "xstilts"), {}), found.get(("qa", "xstilts"), {})
    checks = {
        "pair examples/s vs Trainer default": (pair.get("vs_trainer"), TARGETS["pair_vs_trainer"]),
        "pair MFU (bf16 peak)": (pair.get("mfu"), TARGETS["pair_mfu"]),
        "qa batch of 384-piece windows, in memory": (qa.get("mean_batch_examples"), TARGETS["qa_batch"]),
    }
    measurements["targets"] = {
        "apply": applies,
        "note": "targets are for XLM-R Large on one H100/H200; elsewhere they are shown, not judged",
        **{
            name: {
                "value": value,
                "goal": goal,
                "met": (value is not None and value >= goal) if applies else None,
            }
            for name, (value, goal) in checks.items()
        },
    }


def workload_facts(data: RecipeData) -> dict:
    lengths = sorted(data.lengths)
    pick = lambda q: lengths[min(len(lengths) - 1, int(q * len(lengths)))]  # noqa: E731
    return {
        "task": data.workload.target.name,
        "description": data.workload.target.description,
        "examples": len(lengths),
        "mean_length": sum(lengths) / len(lengths),
        "p50": pick(0.5),
        "p95": pick(0.95),
        "max": lengths[-1],
    }


def progress_line(row: dict) -> str:
    head = f"{row['workload']}/{row['recipe']}: {row['status']}"
    if row["status"] != "ok":
        return f"{head} ({row['error']})"
    memory = f", peak {row['peak_memory_gib']:.1f} GiB" if row["peak_memory_gib"] is not None else ""
    return (
        f"{head}: {row['examples_per_s']:.1f} ex/s, {row['real_tokens_per_s']:.0f} real tok/s, "
        f"MFU {row['mfu']:.1%}, batch {row['mean_batch_examples']:.0f} x {row['mean_padded_length']:.0f}"
        f"{memory}, {row['steps']} timed steps"
    )


def rows_of(measurements: dict) -> list[Row]:
    """The shared table's rows: each recipe's examples/s against the Trainer default (the
    variants against the recipe they modify), xstilts' MFU, and the QA batch target."""
    targets = measurements.get("targets", {})
    judged = targets.get("apply", False)
    trainer_rates = {r["workload"]: r["examples_per_s"] for r in measurements["runs"]
                     if r.get("status") == "ok" and r["recipe"] == "trainer"}  # fmt: skip
    rates = {(r["workload"], r["recipe"]): r for r in measurements["runs"] if r.get("status") == "ok"}
    rows = []
    for (workload, recipe), run in rates.items():
        base_name = run["settings"]["variant_of"] or "trainer"
        base = rates.get((workload, base_name))
        primary = workload == "pair" and recipe == "xstilts"
        rows.append(Row(NAME, f"{workload} examples/s, {recipe}", run["examples_per_s"],
                        base["examples_per_s"] if base else trainer_rates.get(workload), base_name,
                        run.get("vs_base") if run["settings"]["variant_of"] else run.get("vs_trainer"),
                        f">= {TARGETS['pair_vs_trainer']:g}x" if primary else "",
                        targets.get("pair examples/s vs Trainer default", {}).get("met") if primary else None))  # fmt: skip
        if recipe == "xstilts":
            rows.append(Row(NAME, f"{workload} useful TFLOP/s, xstilts", run["useful_tflops"],
                            measurements["peaks"]["bf16_tflops"], "bf16 matmul peak", run["mfu"],
                            f">= {TARGETS['pair_mfu']:.0%} MFU" if primary else "",
                            targets.get("pair MFU (bf16 peak)", {}).get("met") if primary and judged else None,
                            "%"))  # fmt: skip
    qa = rates.get(("qa", "xstilts"))
    if qa and ("qa", "trainer") in rates:
        rows.append(Row(NAME, "qa examples per batch (384-piece windows)", qa["mean_batch_examples"],
                        rates[("qa", "trainer")]["mean_batch_examples"], "trainer", None,
                        f">= {TARGETS['qa_batch']:g}",
                        targets.get("qa batch of 384-piece windows, in memory", {}).get("met")))  # fmt: skip
    return rows


def fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


RUN_COLUMNS = (
    ("mean_batch_examples", ".1f"), ("mean_padded_length", ".0f"), ("examples_per_s", ".1f"),
    ("real_tokens_per_s", ",.0f"), ("padded_tokens_per_s", ",.0f"), ("useful_tflops", ".3g"), ("mfu", ".1%"),
    ("peak_memory_gib", ".1f"), ("vs_trainer", ".1f"), ("vs_paper", ".1f"), ("vs_base", ".2f"),
)  # fmt: skip


def details_markdown(m: dict) -> str:
    """Per-workload tables of every recipe, the targets and the recipes' descriptions (the layout
    of the GPU records in benchmarks/results/gpu-h200-*.md)."""
    peaks = m.get("peaks", {})
    shape = ", ".join(f"{k}={v}" for k, v in m["model_shape"].items())
    lines = [
        "### gpu_recipes: training recipes on an XLM-R-shaped encoder", "",
        f"- device: {m['device_name']} ({m['device']}); xstilts precision {m['xstilts_precision']} "
        f"({m['xstilts_precision_reason']})",
        f"- model: {m['model']} ({shape}); {m['non_embedding_params'] / 1e6:.1f}M non-embedding parameters",
        f"- measured matmul peaks (n={peaks.get('matmul_n')}): bf16 {fmt(peaks.get('bf16_tflops'), '.1f')} "
        f"TFLOP/s, fp32 (no TF32) {fmt(peaks.get('fp32_tflops'), '.3g')} TFLOP/s",
        f"- useful FLOPs = {m['useful_flops']}; MFU = useful FLOP/s / measured bf16 peak",
        f"- {m['seconds_per_recipe']:.0f} s per recipe, first 20% (>= 3 steps) excluded as warm-up", "",
    ]  # fmt: skip
    header = (
        "| recipe | status | batch (examples) | padded length | examples/s | real tokens/s | padded tokens/s "
        "| useful TFLOP/s | MFU | peak GiB | x Trainer | x paper | x base |"
    )
    for name, facts in m.get("workloads", {}).items():
        lines += [f"#### {name}: {facts['description']}", "",
                  f"{facts['examples']} synthetic examples ({facts['task']}), mean {facts['mean_length']:.1f} "
                  f"pieces, p50 {facts['p50']}, p95 {facts['p95']}, max {facts['max']}.", "",
                  header, "|" + "---|" * (header.count("|") - 1)]  # fmt: skip
        for row in (r for r in m["runs"] if r["workload"] == name):
            status = row["status"] if row["status"] == "ok" else f"{row['status']}: {row['error']}"
            cells = [row["recipe"], status] + [fmt(row.get(key), spec) for key, spec in RUN_COLUMNS]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    targets = m.get("targets", {})
    lines += ["#### Targets", "", f"{targets.get('note', '')}.", "", "| target | value | goal | met |",
              "|---|---|---|---|"]  # fmt: skip
    for name, check in targets.items():
        if isinstance(check, dict):
            lines.append(f"| {name} | {fmt(check['value'], '.3g')} | {check['goal']:g} | {check['met']} |")
    lines += ["", "#### Recipes", ""]
    lines += [
        f"- {r['workload']}/**{r['recipe']}**: {r['description']}" for r in m["runs"] if r.get("description")
    ]
    return "\n".join(lines) + "\n"


def describe_run(args, model: str, config, runtime, source: Path | None) -> dict[str, Any]:
    import transformers

    return {
        "device": args.device,
        "device_name": torch.cuda.get_device_name() if args.device == "cuda" else runtime.cpu_model,
        "transformers": transformers.__version__,
        "xstilts_precision": runtime.precision,
        "xstilts_precision_reason": runtime.reason,
        "model": str(source) if source else f"random init, {model} shape",
        "model_shape": {k: getattr(config, k) for k in SHAPE_KEYS},
        "non_embedding_params": non_embedding_params(config),
        "seconds_per_recipe": args.seconds_per_recipe,
        "time_budget_s": args.time_budget,
        "max_tokens": args.max_tokens,
        "useful_flops": "6 x non-embedding params x real tokens (attention scores and heads ignored)",
    }


def result_of(args, measurements: dict, partial: bool = False) -> BenchmarkResult:
    add_comparisons(measurements)
    config = {
        k: measurements[k] for k in ("device", "model", "model_shape", "seconds_per_recipe", "max_tokens")
    }
    config["workloads"] = list(args.workloads)
    return BenchmarkResult(
        NAME, config, measurements, rows_of(measurements), partial=partial,
        notes=[measurements["targets"]["note"], "ratio = examples/s over the Trainer default (variants: over "
               "the recipe they modify); the MFU rows' ratio = useful TFLOP/s / bf16 matmul peak"],
        details=details_markdown(measurements),
    )  # fmt: skip


def run(args: argparse.Namespace, facts: MachineFacts) -> BenchmarkResult:
    started = time.perf_counter()
    model, source = resolve_args(args)
    from xstilts.engine.precision import choose_runtime

    torch.set_float32_matmul_precision("highest")  # fp32 recipes: true fp32, as the toolkits ran
    runtime = choose_runtime("auto", device=args.device, threads=args.threads)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="xstilts-bench-gpu-"))
    config = model_config(model, source)
    m: dict[str, Any] = describe_run(args, model, config, runtime, source)
    log(started, f"device {m['device_name']}; model {m['model']}; measuring matmul peaks")
    m["peaks"] = measure_peaks(args.device, model == "tiny")
    log(started, f"peaks: bf16 {m['peaks']['bf16_tflops']:.3g} TFLOP/s, fp32 {m['peaks']['fp32_tflops']:.3g}")
    main_runs, variant_runs = plan_runs(args, list(args.workloads))
    folder = write_model_folder(workdir / f"model-{model}", config, args.device, source, args.seed)
    workloads = gpu_workloads(workdir, config.vocab_size, model == "tiny", args.seed)
    chosen = {w: workloads[w] for w in dict.fromkeys(w for w, _ in main_runs)}
    session = Session(args, runtime, config, folder, source,
                      {"flops_per_token": 6.0 * m["non_embedding_params"], "bf16_peak": m["peaks"]["bf16_tflops"]})  # fmt: skip
    session.data = featurise_workloads(folder, chosen)
    m["workloads"] = {w: workload_facts(d) for w, d in session.data.items()}
    log(started, f"model folder and features ready ({', '.join(chosen)})")
    m["runs"], fatal = [], []
    checkpoint = getattr(args, "checkpoint", None)
    for w, recipe in main_runs + variant_runs:
        if (
            recipe.variant_of
            and time.perf_counter() - started + 1.3 * args.seconds_per_recipe > args.time_budget
        ):
            m["runs"].append(
                {"workload": w, "recipe": recipe.name, "status": "skipped", "error": "time budget"}
            )
            log(started, f"{w}/{recipe.name}: skipped (time budget {args.time_budget:.0f}s)")
            continue
        log(started, f"{w}/{recipe.name}: {recipe.description}")
        row = session.run_recipe(recipe, session.data[w])
        m["runs"].append(row)
        if is_fatal(row, recipe):
            fatal.append(f"{w}/{recipe.name}: {row['status']} ({row['error']})")
        log(started, progress_line(row))
        if checkpoint:
            checkpoint(result_of(args, m, partial=True))
    result = result_of(args, m)
    if fatal:
        raise BenchmarkFailed(result, "; ".join(fatal))
    return result


def main(argv: list[str] | None = None) -> int:
    return run_cli(build_parser(), run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
