"""``make bench-gpu``: training throughput of XLM-R Large under three recipes, side by side.

The paper's recipe (fp32, batch 4, padded to 256) and the Hugging Face Trainer defaults (fp32,
batch 8, padded to 128) leave most of a modern GPU idle; xstilts' recipe (bf16 autocast, fused
AdamW, token-budget batches padded to a multiple of 8) is meant to use it. This script measures
all three on one GPU in one command (< 5 minutes on an H100/H200), on synthetic batches with
realistic length distributions (see ``gpu_recipes``), and writes ``gpu-bench.json`` and
``gpu-bench.md``.

Per recipe: examples/s, real and padded tokens/s, useful TFLOP/s = 6 x non-embedding parameters x
real (unpadded) tokens per second (attention-score FLOPs and heads ignored: +~6% at 384 pieces,
<1% at 40), MFU = useful TFLOP/s / the bf16 dense matmul peak measured in the same run, and peak
memory. The model is randomly initialised unless ``--model`` names a local folder: throughput
does not depend on the weights.

Usage: ``python benchmarks/gpu.py [--tiny|--model-size small] [--device cuda|cpu]
[--seconds-per-recipe N] [--out DIR]`` (without a GPU the default shape is the tiny one); exit
status 1 only when a recipe crashes (an out-of-memory baseline is a result, not a crash).
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: import from the repo and src/, not from benchmarks/
    sys.path[:1] = [str(ROOT), str(ROOT / "src")]

import torch  # noqa: E402

from benchmarks.gpu_recipes import (  # noqa: E402
    Builders,
    Recipe,
    StepClock,
    SyntheticData,
    Workload,
    main_recipes,
    make_data,
    run_engine,
    run_fixed,
    variant_recipes,
    workloads,
)
from xstilts.errors import MissingResourceError, XstiltsError  # noqa: E402

# XLM-R Large's shape (xlm-roberta-large config.json), a CPU-sized one, and the test's tiny one.
SHAPE_KEYS = ("num_hidden_layers", "hidden_size", "num_attention_heads", "intermediate_size", "vocab_size")
SIZES = {
    "large": (24, 1024, 16, 4096, 250002),
    "small": (4, 256, 4, 1024, 250002),
    "tiny": (2, 64, 2, 128, 1000),
}
MAX_TOKENS = {"large": 16384, "small": 4096, "tiny": 2048}
# Most important first, so that a run cut short still answers the main question.
MAIN_ORDER = [("pair", "trainer"), ("pair", "xstilts"), ("pair", "paper"), ("qa", "xstilts"), ("qa", "trainer"), ("qa", "paper")]  # fmt: skip
START = time.perf_counter()


LOG_FILES: list[Path] = []  # OUT/gpu-bench.log once the output folder exists


def log(message: str) -> None:
    """Timestamped progress, to stdout and OUT/gpu-bench.log: a run cut short still tells its story."""
    line = f"[{time.strftime('%H:%M:%S')} +{time.perf_counter() - START:6.1f}s] {message}"
    print(line, flush=True)
    for path in LOG_FILES:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="2 layers, hidden 64, vocab 1000 (CPU test)")
    parser.add_argument("--model-size", choices=sorted(SIZES), help="default: large on CUDA, tiny on CPU")
    parser.add_argument("--model", type=Path, help="local Hugging Face XLM-R folder (default: random init)")
    parser.add_argument("--device", choices=["cuda", "cpu"], help="default: cuda when available")
    parser.add_argument("--seconds-per-recipe", type=float, default=22.0, help="incl. 20%% warm-up")
    parser.add_argument("--time-budget", type=float, default=285.0, help="variants are skipped past this")
    parser.add_argument("--max-tokens", type=int, help="xstilts padded-token budget per batch")
    parser.add_argument("--workloads", default="pair,qa")
    parser.add_argument("--no-variants", action="store_true", help="only the three main recipes")
    parser.add_argument("--compile", action="store_true", help="add a torch.compile variant (slow to build)")
    parser.add_argument("--threads", type=int, help="CPU threads (default: all cores)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench-gpu")
    args = parser.parse_args(argv)
    args.device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    # XLM-R Large on a CPU would take hours: without a GPU, `make bench-gpu` checks the path tiny.
    default_size = "large" if args.device == "cuda" or args.model else "tiny"
    args.model_size = "tiny" if args.tiny else args.model_size or default_size
    args.max_tokens = args.max_tokens or MAX_TOKENS[args.model_size]
    return args


def model_config(args: argparse.Namespace):
    from transformers import AutoConfig, XLMRobertaConfig

    if args.model:
        if not (args.model / "config.json").is_file():
            raise MissingResourceError(
                "no config.json in --model", file=args.model, fix="pass a Hugging Face model folder"
            )
        return AutoConfig.from_pretrained(str(args.model), local_files_only=True)
    return XLMRobertaConfig(
        **dict(zip(SHAPE_KEYS, SIZES[args.model_size], strict=True)),
        max_position_embeddings=514,
        type_vocab_size=1,
        layer_norm_eps=1e-5,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
    )


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
    bf16 = matmul_tflops(
        device, torch.bfloat16, n, inner=20 if device == "cuda" else 2, repeats=15 if device == "cuda" else 4
    )
    fp32 = matmul_tflops(device, torch.float32, n, inner=2, repeats=4)  # TF32 off: precision "highest"
    return {"matmul_n": n, "bf16_tflops": bf16, "fp32_tflops": fp32}


def run_recipe(
    recipe: Recipe, data: SyntheticData, builders: Builders, runtime, seconds: float, rates: dict
) -> dict:
    """One timed run; the measurements, or the status (oom/failed) and the error line."""
    device = builders.device
    cuda = device == "cuda"
    gc.collect()
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated() / 2**30 if cuda else None
    clock = StepClock(seconds, torch.cuda.synchronize if cuda else (lambda: None))
    began = time.perf_counter()
    row: dict = {"workload": data.workload.name, "recipe": recipe.name, "description": recipe.description}
    row["settings"] = recipe.settings()
    status, error = "ok", None
    try:
        if recipe.engine:
            run_engine(recipe, data, builders.encoder, runtime, clock)
        else:
            run_fixed(recipe, data, lambda: builders.task_model(data.workload), device, clock)
    except torch.OutOfMemoryError as exc:
        status, error = "oom", str(exc).splitlines()[0][:300]
    except Exception as exc:
        traceback.print_exc()
        status, error = (
            "failed",
            f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}",
        )
    row.update(status=status, error=error, wall_s=time.perf_counter() - began)
    row["precision"] = runtime.precision if recipe.engine else "fp32"
    row["memory_before_gib"] = before
    row["peak_memory_gib"] = torch.cuda.max_memory_allocated() / 2**30 if cuda else None
    if status == "ok":
        row.update(clock_metrics(clock, **rates))
    gc.collect()
    if cuda:
        torch.cuda.empty_cache()
    return row


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


def plan_runs(args, loads: dict[str, Workload]) -> tuple[list[tuple[str, Recipe]], list[tuple[str, Recipe]]]:
    chosen = [w for w in args.workloads.split(",") if w]
    unknown = sorted(set(chosen) - set(loads))
    if unknown:
        raise SystemExit(f"unknown workload(s) {unknown}; known: {sorted(loads)}")
    by_key = {(w, r.name): r for w in chosen for r in main_recipes(loads[w], args.max_tokens)}
    main = [(w, by_key[(w, name)]) for w, name in MAIN_ORDER if (w, name) in by_key]
    variants: list[tuple[str, Recipe]] = []
    if not args.no_variants:
        extra = {w: variant_recipes(loads[w], args.max_tokens, args.compile) for w in chosen}
        for rank in range(max((len(v) for v in extra.values()), default=0)):  # interleave workloads
            variants += [(w, extra[w][rank]) for w in ("pair", "qa") if w in extra and rank < len(extra[w])]
    return main, variants


def is_fatal(row: dict, recipe: Recipe) -> bool:
    if row["status"] == "failed":
        return not recipe.compile  # compile is an opt-in experiment: reported, never fatal
    return row["status"] == "oom" and recipe.engine and recipe.variant_of is None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    device = args.device
    if device == "cuda" and not torch.cuda.is_available():
        print(f"--device cuda, but this torch ({torch.__version__}) sees no CUDA device", file=sys.stderr)
        return 2
    torch.set_float32_matmul_precision("highest")  # fp32 recipes: true fp32, as the toolkits ran
    from xstilts.engine.precision import choose_runtime

    runtime = choose_runtime("auto", device=device, threads=args.threads)
    config = model_config(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gpu-bench.log").write_text("", encoding="utf-8")
    LOG_FILES[:] = [args.out / "gpu-bench.log"]
    report: dict = {
        "benchmark": "gpu-training-recipes",
        "version": 1,
        "meta": meta(args, device, runtime, config),
    }
    log(
        f"device {report['meta']['device_name']}; model {args.model or args.model_size}; measuring matmul peaks"
    )
    report["meta"]["peaks"] = measure_peaks(device, args.model_size == "tiny")
    log(
        f"peaks: bf16 {report['meta']['peaks']['bf16_tflops']:.3g} TFLOP/s, fp32 {report['meta']['peaks']['fp32_tflops']:.3g}"
    )
    loads = workloads(args.model_size == "tiny")
    main_runs, variant_runs = plan_runs(args, loads)
    data = {
        w: make_data(loads[w], config.vocab_size, args.seed) for w in dict.fromkeys(w for w, _ in main_runs)
    }
    report["workloads"] = {w: workload_facts(d) for w, d in data.items()}
    builders = Builders(config, args.model, device)
    rates = {
        "flops_per_token": 6.0 * report["meta"]["non_embedding_params"],
        "bf16_peak": report["meta"]["peaks"]["bf16_tflops"],
    }
    report["runs"], fatal = [], False
    for w, recipe in main_runs + variant_runs:
        spent = time.perf_counter() - START
        if recipe.variant_of and spent + 1.3 * args.seconds_per_recipe > args.time_budget:
            report["runs"].append(
                {"workload": w, "recipe": recipe.name, "status": "skipped", "error": "time budget"}
            )
            log(f"{w}/{recipe.name}: skipped (time budget {args.time_budget:.0f}s)")
            continue
        log(f"{w}/{recipe.name}: {recipe.description}")
        row = run_recipe(recipe, data[w], builders, runtime, args.seconds_per_recipe, rates)
        report["runs"].append(row)
        fatal |= is_fatal(row, recipe)
        add_comparisons(report)
        log(progress_line(row))
        write_outputs(report, args.out)
    report["meta"]["total_s"] = time.perf_counter() - START
    write_outputs(report, args.out)
    log(f"wrote {args.out / 'gpu-bench.json'} and gpu-bench.md{' (a recipe crashed)' if fatal else ''}")
    return 1 if fatal else 0


def meta(args, device: str, runtime, config) -> dict:
    import transformers

    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "device": device,
        "device_name": torch.cuda.get_device_name() if device == "cuda" else runtime.cpu_model,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
        "threads": runtime.threads,
        "xstilts_precision": runtime.precision,
        "xstilts_precision_reason": runtime.reason,
        "model": str(args.model) if args.model else f"random init, {args.model_size} shape",
        "model_shape": {k: getattr(config, k) for k in SHAPE_KEYS},
        "non_embedding_params": non_embedding_params(config),
        "seconds_per_recipe": args.seconds_per_recipe,
        "max_tokens": args.max_tokens,
        "useful_flops": "6 x non-embedding params x real tokens (attention scores and heads ignored)",
    }


def workload_facts(data: SyntheticData) -> dict:
    lengths = sorted(data.lengths)
    pick = lambda q: lengths[min(len(lengths) - 1, int(q * len(lengths)))]  # noqa: E731
    return {
        "description": data.workload.description,
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


def add_comparisons(report: dict) -> None:
    """Speed-ups over the two baselines (and over the recipe a variant modifies), and the targets."""
    done = [r for r in report["runs"] if r.get("status") == "ok"]
    rate = {(r["workload"], r["recipe"]): r["examples_per_s"] for r in done}
    for row in done:
        for base in ("trainer", "paper", row["settings"]["variant_of"]):
            ref = rate.get((row["workload"], base))
            key = f"vs_{base}" if base in ("trainer", "paper") else "vs_base"
            row[key] = row["examples_per_s"] / ref if ref else None
    shape = report["meta"]["model_shape"]
    applies = (
        report["meta"]["device"] == "cuda"
        and shape["num_hidden_layers"] == 24
        and shape["hidden_size"] == 1024
    )
    found = {(r["workload"], r["recipe"]): r for r in report["runs"]}
    pair, qa = found.get(("pair", "xstilts"), {}), found.get(("qa", "xstilts"), {})
    checks = {
        "pair examples/s vs Trainer default": (pair.get("vs_trainer"), 20.0),
        "pair MFU (bf16 peak)": (pair.get("mfu"), 0.30),
        "qa batch of 384-piece windows, in memory": (qa.get("mean_batch_examples"), 32.0),
    }
    report["targets"] = {
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


def fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def write_markdown(report: dict) -> str:
    meta, peaks = report["meta"], report["meta"].get("peaks", {})
    shape = ", ".join(f"{k}={v}" for k, v in meta["model_shape"].items())
    lines = [
        "# Training-recipe benchmark (XLM-R-shaped encoder)",
        "",
        f"- device: {meta['device_name']} ({meta['device']}, CUDA {meta['cuda']}); torch {meta['torch']}, "
        f"transformers {meta['transformers']}; {meta['date']}",
        f"- model: {meta['model']} ({shape}); {meta['non_embedding_params'] / 1e6:.1f}M non-embedding parameters",
        f"- measured matmul peaks (n={peaks.get('matmul_n')}): bf16 {fmt(peaks.get('bf16_tflops'), '.1f')} TFLOP/s, "
        f"fp32 (no TF32) {fmt(peaks.get('fp32_tflops'), '.3g')} TFLOP/s",
        f"- xstilts precision: {meta['xstilts_precision']} ({meta['xstilts_precision_reason']})",
        f"- useful FLOPs = {meta['useful_flops']}; MFU = useful FLOP/s / measured bf16 peak",
        f"- {meta['seconds_per_recipe']:.0f} s per recipe, first 20% (>= 3 steps) excluded as warm-up",
        "",
    ]
    header = (
        "| recipe | status | batch (examples) | padded length | examples/s | real tokens/s | padded tokens/s "
        "| useful TFLOP/s | MFU | peak GiB | x Trainer | x paper | x base |"
    )
    for name, facts in report.get("workloads", {}).items():
        lines += [
            f"## {name}: {facts['description']}",
            "",
            f"{facts['examples']} synthetic examples, mean {facts['mean_length']:.1f} pieces, "
            f"p50 {facts['p50']}, p95 {facts['p95']}, max {facts['max']}.",
            "",
            header,
            "|" + "---|" * (header.count("|") - 1),
        ]
        for row in (r for r in report["runs"] if r["workload"] == name):
            cells = [
                row["recipe"],
                row["status"] if row["status"] == "ok" else f"{row['status']}: {row['error']}",
            ]
            cells += [
                fmt(row.get(key), spec)
                for key, spec in (
                    ("mean_batch_examples", ".1f"),
                    ("mean_padded_length", ".0f"),
                    ("examples_per_s", ".1f"),
                    ("real_tokens_per_s", ",.0f"),
                    ("padded_tokens_per_s", ",.0f"),
                    ("useful_tflops", ".3g"),
                    ("mfu", ".1%"),
                    ("peak_memory_gib", ".1f"),
                    ("vs_trainer", ".1f"),
                    ("vs_paper", ".1f"),
                    ("vs_base", ".2f"),
                )
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    targets = report.get("targets", {})
    lines += [
        "## Targets",
        "",
        f"{targets.get('note', '')}.",
        "",
        "| target | value | goal | met |",
        "|---|---|---|---|",
    ]
    for name, check in targets.items():
        if isinstance(check, dict):
            lines.append(f"| {name} | {fmt(check['value'], '.3g')} | {check['goal']:g} | {check['met']} |")
    lines += ["", "## Recipes", ""]
    for row in report["runs"]:
        if row.get("description"):
            lines.append(f"- {row['workload']}/**{row['recipe']}**: {row['description']}")
    return "\n".join(lines) + "\n"


def write_outputs(report: dict, out: Path) -> None:
    (out / "gpu-bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (out / "gpu-bench.md").write_text(write_markdown(report), encoding="utf-8")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except XstiltsError as error:  # bad --model folder and the like: one line, no traceback
        print(error, file=sys.stderr)
        sys.exit(2)
