"""Model FLOP utilisation: the encoder's training FLOP/s against this CPU's measured matmul peak.

- Peak: the best FLOP/s of ``torch.matmul`` (best of repeats, threads = cores) over square
  matrices (``--peak-sizes``) *and* the encoder's own matmul shapes, in fp32, and in bf16 where
  the CPU runs it natively (AMX / AVX512-BF16). Taking the best of both keeps the peak honest
  when a small shape happens to run faster than the square sweep.
- Shape ceiling: the encoder layer's six matmuls (tokens x hidden x {hidden, ffn}) run back to
  back at the shapes of a realistic batch: what the encoder could reach if nothing but its
  matmuls took time.
- Achieved: forward + backward of xstilts' training model (frozen embeddings, classification head)
  on real length-bucketed batches of the target task (``real``) and at a fixed length of 128,
  timed over ``--steps`` steps after a warm-up; FLOPs counted analytically (below) at the padded
  shapes, i.e. the work the hardware actually did.

Training FLOPs per step = 3 x forward (backward = 2 x forward), forward per layer and token =
``2 * (4 h^2 + 2 h f)`` (Q, K, V, attention output, two FFN matrices) ``+ 4 L h`` (scores and
weighted values), plus the head; the embedding lookup is not a matmul. MFU = achieved / peak; the
target row follows the benchmark's definition (fp32 run, fp32 peak), bf16 runs are reported against both
peaks.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks.common import BenchmarkResult, MachineFacts, Row, add_common_arguments, run_cli
from benchmarks.workload import resolve_model_folder, resolve_workload
from xstilts.engine.batching import default_pad_multiple

CPU_PAD = default_pad_multiple("cpu")  # xstilts' CPU padding: exact lengths (engine.batching.PAD_MULTIPLE)

NAME = "mfu"
DEVICES = ("cpu",)  # measured on the CPU only (run_all selects it for --device cpu)
MFU_TARGET = 0.40
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


def matmul_flops_per_s(m: int, k: int, n: int, dtype: torch.dtype, min_time: float = 0.3) -> float:
    """Best-of-repeats FLOP/s of an (m x k) @ (k x n) matmul (after a warm-up)."""
    a, b = torch.randn(m, k, dtype=dtype), torch.randn(k, n, dtype=dtype)
    torch.matmul(a, b)
    best, spent = float("inf"), 0.0
    repeats = 0
    while spent < min_time or repeats < 3:
        start = time.perf_counter()
        torch.matmul(a, b)
        elapsed = time.perf_counter() - start
        best, spent, repeats = min(best, elapsed), spent + elapsed, repeats + 1
    return 2 * m * k * n / best


def peak_flops(sizes: list[int], dtype: torch.dtype, min_time: float) -> tuple[float, dict[int, float]]:
    per_size = {n: matmul_flops_per_s(n, n, n, dtype, min_time) for n in sizes}
    return max(per_size.values()), per_size


def encoder_shapes(tokens: int, hidden: int, ffn: int) -> list[tuple[int, int, int]]:
    """(m, k, n) of every linear layer in one encoder layer's forward pass."""
    return [(tokens, hidden, hidden)] * 4 + [(tokens, hidden, ffn), (tokens, ffn, hidden)]


def shape_ceiling(
    tokens: int, hidden: int, ffn: int, dtype: torch.dtype, min_time: float
) -> tuple[float, float]:
    """(FLOP/s of the encoder layer's matmuls back to back at their real shapes, best single one)."""
    shapes = sorted(set(encoder_shapes(tokens, hidden, ffn)))
    rates = {shape: matmul_flops_per_s(*shape, dtype, min_time) for shape in shapes}
    every = encoder_shapes(tokens, hidden, ffn)
    total_flops = sum(2 * m * k * n for m, k, n in every)
    total_time = sum(2 * m * k * n / rates[(m, k, n)] for m, k, n in every)
    return total_flops / total_time, max(rates.values())


def training_flops(config, batch: int, length: int, num_labels: int) -> float:
    """Analytic FLOPs of one forward + backward pass at a padded (batch, length) shape."""
    h, f, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    tokens = batch * length
    per_layer = tokens * (2 * (4 * h * h + 2 * h * f) + 4 * length * h)
    head = batch * 2 * (h * h + h * num_labels)
    return 3.0 * (layers * per_layer + head)


def _batches(
    workload, folder: str, batch_size: int, steps: int, seed: int, quick: bool
) -> list[torch.Tensor]:
    """Real training batches (length-bucketed, padded to a multiple of 8), as xstilts makes them."""
    from xstilts.engine.batching import BatchPlan, collate, infinite_batches
    from xstilts.models.loading import load_tokenizer

    spec = workload.target
    examples = workload.examples(spec, "train", "en", 400 if quick else 4000, seed)
    tokenizer = load_tokenizer(folder)
    ids = tokenizer([e["text"] for e in examples], truncation=True, max_length=spec.max_length)["input_ids"]
    stream = infinite_batches(
        [len(s) for s in ids], BatchPlan(batch_size=batch_size, pad_multiple=CPU_PAD), seed
    )
    out = []
    for _ in range(steps):
        indices = next(stream)
        out.append(
            collate({"input_ids": [ids[i] for i in indices]}, tokenizer.pad_token_id, CPU_PAD)["input_ids"]
        )
    return out


def classification_batch(ids: torch.Tensor, pad_id: int) -> dict[str, torch.Tensor]:
    """A model batch from padded ids: attention mask from the padding, class 0 for every example
    (throughput does not depend on the labels)."""
    return {
        "input_ids": ids,
        "attention_mask": (ids != pad_id).long(),
        "labels": torch.zeros(ids.shape[0], dtype=torch.long),
    }


def measure_training(model, batches: list[torch.Tensor], precision: str, num_labels: int, pad_id: int):
    """(achieved FLOP/s, seconds per step, mean padded length) of forward+backward over the batches."""
    from xstilts.engine.precision import RuntimeChoice, autocast

    runtime = RuntimeChoice("cpu", precision, "benchmark", torch.get_num_threads(), "", torch.__version__)
    config = model.encoder.config
    head = next(iter(model.heads))
    model.train()

    def step(ids: torch.Tensor) -> None:
        with autocast(runtime):
            _, loss = model(head, classification_batch(ids, pad_id))
        loss.backward()
        model.zero_grad(set_to_none=True)

    for ids in batches[:2]:  # warm-up: first calls create kernels
        step(ids)
    start = time.perf_counter()
    for ids in batches:
        step(ids)
    elapsed = time.perf_counter() - start
    flops = sum(training_flops(config, ids.shape[0], ids.shape[1], num_labels) for ids in batches)
    mean_length = sum(ids.shape[1] for ids in batches) / len(batches)
    return flops / elapsed, elapsed / len(batches), mean_length


def run(args: argparse.Namespace, facts: MachineFacts) -> BenchmarkResult:
    from xstilts import api

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="xstilts-bench-mfu-"))
    if args.quick:
        args.peak_sizes, args.steps, args.batch_size, args.fixed_lengths = [512], 3, 8, [32]
        args.min_time = 0.02
    workload = resolve_workload(args.data, workdir, args.quick)
    folder = resolve_model_folder(args.model, workload, workdir, args.quick)
    # bf16 only where it is native (emulated bf16 has no peak worth the name); quick: fp32 only.
    precisions = ["fp32", "bf16"] if facts.native_bf16 and not args.quick else ["fp32"]
    spec = workload.target
    num_labels = len(spec.labels)
    # A fresh head without dropout and frozen embeddings, on the CPU at the current thread count.
    on_cpu = api.choose_runtime("fp32", "cpu", torch.get_num_threads())
    loaded = api.load_model(
        folder, heads=[spec], runtime=on_cpu, dropout=0.0, embedding_mode="frozen", seed=args.seed
    )
    model = loaded.network
    pad_id = loaded.pad_id
    config = model.encoder.config
    shapes = {"real": _batches(workload, folder, args.batch_size, args.steps, args.seed, args.quick)}
    for length in args.fixed_lengths:
        shapes[f"L={length}"] = [torch.randint(5, config.vocab_size, (args.batch_size, length))] * args.steps

    measurements: dict[str, Any] = {"peak": {}, "achieved": {}}
    for name in precisions:
        square_best, per_size = peak_flops(args.peak_sizes, DTYPES[name], args.min_time)
        ceilings = {}
        for label, batches in shapes.items():
            tokens = round(sum(ids.numel() for ids in batches) / len(batches))
            ceilings[label] = shape_ceiling(
                tokens, config.hidden_size, config.intermediate_size, DTYPES[name], args.min_time / 3
            )
        # The peak is the best matmul seen, square or at the encoder's shapes.
        best = max(square_best, *(single for _, single in ceilings.values()))
        measurements["peak"][name] = {
            "flops_per_s": best,
            "square_by_size": per_size,
            "shape_ceilings": ceilings,
        }
        print(f"{NAME}: {name} matmul peak {best / 1e9:.0f} GFLOP/s", flush=True)
        for label, batches in shapes.items():
            achieved, per_step, mean_length = measure_training(model, batches, name, num_labels, pad_id)
            measurements["achieved"][f"{name} {label}"] = {
                "flops_per_s": achieved,
                "s_per_step": per_step,
                "mean_padded_length": mean_length,
                "mfu": achieved / best,
                "shape_ceiling_flops_per_s": ceilings[label][0],
                "fraction_of_shape_ceiling": achieved / ceilings[label][0],
            }
            print(f"  {name} {label}: {achieved / 1e9:.0f} GFLOP/s, MFU {achieved / best:.1%}", flush=True)
    rows = _rows(measurements, shapes, args.quick)
    return BenchmarkResult(
        NAME,
        {
            "model": folder,
            "workload": workload.describe(),
            "batch_size": args.batch_size,
            "steps": args.steps,
            "peak_sizes": args.peak_sizes,
            "fixed_lengths": args.fixed_lengths,
            "hidden": config.hidden_size,
            "ffn": config.intermediate_size,
            "layers": config.num_hidden_layers,
        },
        measurements,
        rows,
        notes=[
            "ratio column = achieved / peak (MFU); 'matmul GFLOP/s at the encoder's shapes' = its six "
            "matmuls alone, the most the encoder could reach"
        ],
    )


def _rows(measurements: dict[str, Any], shapes: dict[str, list], quick: bool) -> list[Row]:
    """The target is defined as: fp32 training FLOP/s at real lengths / fp32 matmul peak.

    bf16 rows (where native) are measured against the bf16 peak (same-precision MFU) and, for
    that definition, against the fp32 peak.
    """
    rows: list[Row] = []
    fp32_peak = measurements["peak"]["fp32"]["flops_per_s"]
    for key, entry in measurements["achieved"].items():
        name, label = key.split(" ", 1)
        peak = measurements["peak"][name]["flops_per_s"]
        primary = key == "fp32 real" and not quick
        quantity = f"train fwd+bwd GFLOP/s, {name}, {label} (mean len {entry['mean_padded_length']:.0f})"
        rows.append(
            Row(NAME, quantity, entry["flops_per_s"] / 1e9, peak / 1e9, f"{name} matmul peak", entry["mfu"],
                f">= {MFU_TARGET:.0%} MFU" if primary else "", entry["mfu"] >= MFU_TARGET if primary else None, "%")
        )  # fmt: skip
        if name != "fp32":
            rows.append(
                Row(NAME, quantity, entry["flops_per_s"] / 1e9, fp32_peak / 1e9, "fp32 matmul peak",
                    entry["flops_per_s"] / fp32_peak, ratio_unit="%")
            )  # fmt: skip
        if label == "real":
            ceiling = measurements["peak"][name]["shape_ceilings"][label][0]
            rows.append(
                Row(NAME, f"matmul GFLOP/s at the encoder's shapes, {name}, {label}", ceiling / 1e9, peak / 1e9,
                    f"{name} matmul peak", ceiling / peak, ratio_unit="%")
            )  # fmt: skip
    return rows


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mfu", description=__doc__.split("\n")[0])
    add_common_arguments(parser)
    parser.add_argument(
        "--peak-sizes", type=lambda s: [int(v) for v in s.split(",")], default=[1024, 2048, 4096]
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--min-time", type=float, default=0.3, help="seconds of repeats per peak matmul")
    parser.add_argument("--fixed-lengths", type=lambda s: [int(v) for v in s.split(",") if v], default=[128])
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_cli(build_parser(), run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
