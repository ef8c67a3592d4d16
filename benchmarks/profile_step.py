"""Where one training step and one evaluation batch spend their time, op by op (torch.profiler).

At msgdomain's real lengths (~21 pieces, batches of 32 -> ~700 tokens) each matmul is small, so a
step's time is not what the FLOP count predicts: per-op overhead and unfused element-wise work
(layer norm, GELU, softmax, dropout, casts, the optimiser) take a large share. This benchmark
measures that share, so each speed change can be justified by the time it removed. The step is
xstilts' own (the pipeline's CPU defaults: frozen embedding matrix, fused/foreach AdamW over the
trainable parameters, gradient clipping, the precision the machine supports natively), on real
length-bucketed batches; the evaluation batch is an inference-mode forward at the evaluation
batch size.

Time is *self* CPU time per op (an op's own time, not its children's), summed over the profiled
steps and grouped into categories by op name; the table's shares add up to 100% of the step.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import torch
from torch.profiler import ProfilerActivity, profile

from benchmarks.common import BenchmarkResult, MachineFacts, Row, add_common_arguments, run_cli
from benchmarks.mfu import _batches, classification_batch
from benchmarks.workload import resolve_model_folder, resolve_workload

NAME = "profile_step"
DEVICES = ("cpu",)  # measured on the CPU only (run_all selects it for --device cpu)

# (category, regex on the aten op name); first match wins. Ordered from the most specific.
CATEGORIES: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(pattern))
    for name, pattern in [
        ("optimizer", r"adam|_foreach_|clip_grad|lerp|addcdiv|addcmul"),
        ("attention (softmax, sdpa)", r"softmax|scaled_dot_product|_flash_attention|_efficient_attention"),
        ("matmul (linear, bmm)", r"^aten::(addmm|mm|bmm|matmul|linear|baddbmm|_mkldnn|mkldnn_)"),
        ("layer norm", r"layer_norm"),
        ("gelu", r"gelu"),
        ("dropout", r"dropout|bernoulli"),
        ("casts and copies", r"^aten::(to|_to_copy|copy_|clone|contiguous|_copy_from|empty_strided)$"),
        ("embedding", r"embedding"),
        ("loss", r"nll_loss|cross_entropy|log_softmax"),
        ("reductions", r"^aten::(sum|mean|max|min|amax|norm|linalg_vector_norm|argmax)"),
        (
            "element-wise",
            r"^aten::(add|add_|mul|mul_|div|div_|sub|rsub|where|masked_fill|ne|eq|gt|lt|"
            r"fill_|zero_|neg|sqrt|rsqrt|pow|exp|tanh|clamp|threshold)",
        ),
        (
            "views and shapes",
            r"^aten::(view|reshape|transpose|permute|expand|slice|select|t|unsqueeze|"
            r"squeeze|split|chunk|as_strided|_unsafe_view|flatten|narrow|detach|"
            r"alias|unbind|stack|cat|index|index_select)",
        ),
        ("allocation", r"^aten::(empty|empty_like|zeros|ones|zeros_like|ones_like|full|resize_|new_)"),
        ("autograd bookkeeping", r"^autograd::|Backward|^torch::autograd"),
    ]
]
OTHER = "other"


def categorise(op: str) -> str:
    for name, pattern in CATEGORIES:
        if pattern.search(op):
            return name
    return OTHER


def breakdown(events: list[tuple[str, float]], steps: int) -> dict[str, Any]:
    """Per-category and per-op self time (ms per step) and shares, from (op name, self us) pairs."""
    per_op: dict[str, float] = defaultdict(float)
    for op, self_us in events:
        per_op[op] += self_us
    total = sum(per_op.values()) or 1.0
    per_category: dict[str, float] = defaultdict(float)
    for op, us in per_op.items():
        per_category[categorise(op)] += us
    to_ms = 1e-3 / max(1, steps)
    categories = sorted(per_category.items(), key=lambda kv: -kv[1])
    top = sorted(per_op.items(), key=lambda kv: -kv[1])[:15]
    return {
        "ms_per_step": total * to_ms,
        "categories": {name: {"ms": us * to_ms, "share": us / total} for name, us in categories},
        "top_ops": [
            {"op": op, "category": categorise(op), "ms": us * to_ms, "share": us / total} for op, us in top
        ],
    }


def _profiled(fn, inputs: list, warmup: int = 2) -> list[tuple[str, float]]:
    for item in inputs[:warmup]:
        fn(item)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for item in inputs:
            fn(item)
    return [(event.key, event.self_cpu_time_total) for event in prof.key_averages()]


def training_step(model, head: str, runtime, optimizers, pad_id: int):
    """xstilts' step: forward + loss under autocast, backward, clip, optimiser step, zero grads."""
    from xstilts.engine.precision import autocast

    params = [p for p in model.parameters() if p.requires_grad]

    def step(ids: torch.Tensor) -> None:
        with autocast(runtime):
            _, loss = model(head, classification_batch(ids, pad_id))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        for optimizer in optimizers:
            optimizer.step()
        model.zero_grad(set_to_none=True)

    return step


def evaluation_batch(model, runtime, pad_id: int):
    """An inference-mode encoder forward (what zero-shot evaluation runs per batch)."""
    from xstilts.engine.precision import autocast

    def forward(ids: torch.Tensor) -> None:
        with torch.inference_mode(), autocast(runtime):
            model.encoder(input_ids=ids, attention_mask=(ids != pad_id).long())

    return forward


def run(args: argparse.Namespace, facts: MachineFacts) -> BenchmarkResult:
    from xstilts import api
    from xstilts.engine.precision import RuntimeChoice
    from xstilts.training.optim import build_optimizers, fused_adamw_available

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="xstilts-bench-profile-"))
    if args.quick:
        args.steps, args.batch_size, args.eval_batch_size = 3, 8, 16
    workload = resolve_workload(args.data, workdir, args.quick)
    folder = resolve_model_folder(args.model, workload, workdir, args.quick)
    precisions = args.precisions or (["fp32", "bf16"] if facts.native_bf16 and not args.quick else ["fp32"])
    spec = workload.target
    # A fresh head without dropout and frozen embeddings, on the CPU at the current thread count.
    on_cpu = api.choose_runtime("fp32", "cpu", torch.get_num_threads())
    loaded = api.load_model(
        folder, heads=[spec], runtime=on_cpu, dropout=0.0, embedding_mode="frozen", seed=args.seed
    )
    model = loaded.network
    head = next(iter(model.heads))
    pad_id = loaded.pad_id
    train_batches = _batches(workload, folder, args.batch_size, args.steps, args.seed, args.quick)
    eval_batches = _batches(workload, folder, args.eval_batch_size, args.steps, args.seed + 1, args.quick)
    optimizers = build_optimizers(model, 1e-4, 0.01, "frozen", fused=fused_adamw_available("cpu"))
    measurements: dict[str, Any] = {}
    for precision in precisions:
        runtime = RuntimeChoice("cpu", precision, "benchmark", torch.get_num_threads(), "", torch.__version__)
        model.train()
        step = training_step(model, head, runtime, optimizers, pad_id)
        measurements[f"train {precision}"] = breakdown(_profiled(step, train_batches), len(train_batches))
        model.eval()
        forward = evaluation_batch(model, runtime, pad_id)
        measurements[f"eval {precision}"] = breakdown(_profiled(forward, eval_batches), len(eval_batches))
        for phase in ("train", "eval"):
            record = measurements[f"{phase} {precision}"]
            matmul = record["categories"].get("matmul (linear, bmm)", {"share": 0.0})["share"]
            print(f"{NAME}: {phase} {precision}: {record['ms_per_step']:.1f} ms/step, matmul {matmul:.0%}")
    mean_length = sum(ids.shape[1] for ids in train_batches) / len(train_batches)
    return BenchmarkResult(
        NAME,
        {
            "model": folder,
            "workload": workload.describe(),
            "batch_size": args.batch_size,
            "eval_batch_size": args.eval_batch_size,
            "steps": args.steps,
            "mean_padded_length": mean_length,
            "precisions": precisions,
        },
        measurements,
        _rows(measurements),
        notes=[
            "self CPU time per op, grouped by op name (benchmarks/profile_step.py CATEGORIES); "
            "ratio column = the category's share of the step"
        ],
    )


def _rows(measurements: dict[str, Any]) -> list[Row]:
    rows = []
    for label, record in measurements.items():
        rows.append(Row(NAME, f"{label}: ms per step (profiled)", record["ms_per_step"], None))
        for category, value in record["categories"].items():
            if value["ms"] <= 0:
                continue
            rows.append(
                Row(NAME, f"{label}: {category}", value["ms"], record["ms_per_step"], "ms per step",
                    value["share"], ratio_unit="%")
            )  # fmt: skip
    return rows


def markdown_breakdown(measurements: dict[str, Any]) -> str:
    """One table: categories down, (phase, precision) across, as share of the step (ms in brackets)."""
    labels = list(measurements)
    categories = sorted({c for r in measurements.values() for c in r["categories"]},
                        key=lambda c: -max(r["categories"].get(c, {"ms": 0})["ms"] for r in measurements.values()))  # fmt: skip
    lines = ["| category | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    for category in categories:
        cells = []
        for label in labels:
            value = measurements[label]["categories"].get(category)
            cells.append(f"{value['share']:.1%} ({value['ms']:.1f} ms)" if value else "–")
        lines.append(f"| {category} | " + " | ".join(cells) + " |")
    lines.append(
        "| **step** | " + " | ".join(f"{measurements[x]['ms_per_step']:.1f} ms" for x in labels) + " |"
    )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.profile_step", description=__doc__.split("\n")[0]
    )
    add_common_arguments(parser)
    parser.add_argument("--steps", type=int, default=10, help="profiled steps (after 2 warm-up steps)")
    parser.add_argument("--batch-size", type=int, default=32, help="training batch (examples)")
    parser.add_argument("--eval-batch-size", type=int, default=128, help="evaluation batch (examples)")
    parser.add_argument(
        "--precisions", type=lambda s: [p for p in s.split(",") if p], default=None,
        help="comma list of fp32,bf16 (default: fp32, plus bf16 where the CPU has it natively)",
    )  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()

    def run_and_print(args: argparse.Namespace, facts: MachineFacts) -> BenchmarkResult:
        result = run(args, facts)
        print(markdown_breakdown(result.measurements))
        return result

    return run_cli(parser, run_and_print, argv)


if __name__ == "__main__":
    raise SystemExit(main())
