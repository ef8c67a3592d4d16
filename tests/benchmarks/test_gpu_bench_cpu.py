"""``benchmarks/gpu.py`` end to end on a tiny model on the CPU, plus its measuring parts.

The GPU benchmark runs once on a lent GPU, so everything but the device must be proven here: the
command runs as a script (no install, no PYTHONPATH), every recipe trains and reports positive
throughput, the JSON and markdown hold the fields the GPU table reports, and the accounting (token
budget, padding, warm-up exclusion) is right.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.gpu_recipes import (
    RecordingFeatures,
    StepClock,
    main_recipes,
    make_data,
    sample_lengths,
    workloads,
)
from xstilts.engine.batching import BatchPlan, training_batches

ROOT = Path(__file__).resolve().parents[2]
TINY_MAX_TOKENS = 2048


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict, str]:
    out = tmp_path_factory.mktemp("gpu-bench")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    command = [sys.executable, str(ROOT / "benchmarks" / "gpu.py"), "--tiny", "--device", "cpu"]
    command += ["--seconds-per-recipe", "1", "--threads", "1", "--out", str(out)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=out)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((out / "gpu-bench.json").read_text(encoding="utf-8"))
    return proc, report, (out / "gpu-bench.md").read_text(encoding="utf-8")


def _runs(report: dict) -> dict[tuple[str, str], dict]:
    return {(r["workload"], r["recipe"]): r for r in report["runs"]}


def test_every_recipe_trains_with_positive_throughput(bench):
    _, report, _ = bench
    runs = _runs(report)
    expected = {(w, r) for w in ("pair", "qa") for r in ("paper", "trainer", "xstilts")}
    expected |= {("pair", f"xstilts-{v}") for v in ("exact-pad", "pad32", "2x-budget", "full-emb")} | {
        ("qa", "xstilts-ckpt")
    }
    assert set(runs) == expected
    for key, row in runs.items():
        assert row["status"] == "ok", (key, row["error"])
        assert row["steps"] >= 3 and row["warmup_steps"] >= 3
        for metric in ("examples_per_s", "real_tokens_per_s", "padded_tokens_per_s", "useful_tflops", "mfu"):
            assert row[metric] > 0, (key, metric)
        assert row["real_tokens"] <= row["padded_tokens"]
        assert row["peak_memory_gib"] is None  # CPU: no per-recipe peak to report


def test_meta_peaks_and_workloads(bench):
    proc, report, _ = bench
    meta = report["meta"]
    assert meta["device"] == "cpu" and meta["model_shape"]["num_hidden_layers"] == 2
    assert meta["peaks"]["bf16_tflops"] > 0 and meta["peaks"]["fp32_tflops"] > 0
    # 2 layers x (4 h^2 + 2 h f + biases and norms), h=64, f=128: the embeddings are not counted.
    assert meta["non_embedding_params"] == 2 * (4 * 64 * 64 + 4 * 64 + 2 * 64 * 128 + 128 + 64 + 4 * 64)
    assert 35 < report["workloads"]["pair"]["mean_length"] < 45
    assert report["workloads"]["qa"]["p50"] == 384
    assert report["targets"]["apply"] is False  # a tiny CPU run is never judged against GPU targets
    assert "pair/xstilts: ok" in proc.stdout  # timestamped progress lines, for partial logs


def test_xstilts_batches_follow_the_token_budget(bench):
    _, report, _ = bench
    runs = _runs(report)
    xstilts, trainer, exact = (
        runs["pair", "xstilts"],
        runs["pair", "trainer"],
        runs["pair", "xstilts-exact-pad"],
    )
    assert xstilts["settings"]["max_tokens"] == TINY_MAX_TOKENS and xstilts["precision"] in ("bf16", "fp32")
    assert xstilts["padded_tokens"] / xstilts["steps"] <= TINY_MAX_TOKENS
    assert xstilts["mean_batch_examples"] > trainer["mean_batch_examples"] == 8
    # Padding waste: fixed 128 >> multiple of 32 >> exact.
    assert trainer["padding_efficiency"] < xstilts["padding_efficiency"] < exact["padding_efficiency"]
    assert 300 < runs["qa", "xstilts"]["mean_padded_length"] <= 384  # nearly all windows are full
    assert trainer["precision"] == "fp32" and runs["pair", "paper"]["settings"]["optimizer"] == "loop"


def test_ratios_and_markdown(bench):
    _, report, markdown = bench
    runs = _runs(report)
    for workload in ("pair", "qa"):
        trainer, paper, xstilts = (runs[workload, r] for r in ("trainer", "paper", "xstilts"))
        assert trainer["vs_trainer"] == pytest.approx(1.0) and paper["vs_paper"] == pytest.approx(1.0)
        assert xstilts["vs_trainer"] == pytest.approx(xstilts["examples_per_s"] / trainer["examples_per_s"])
    assert runs["pair", "xstilts-exact-pad"]["vs_base"] == pytest.approx(
        runs["pair", "xstilts-exact-pad"]["examples_per_s"] / runs["pair", "xstilts"]["examples_per_s"]
    )
    assert markdown.count("| xstilts | ok |") == 2 and "## Targets" in markdown
    assert report["meta"]["device_name"] in markdown and report["meta"]["torch"] in markdown


def test_pair_lengths_are_xnli_like():
    lengths = sample_lengths(workloads(tiny=False)["pair"], 50_000, np.random.default_rng(1))
    assert 38 < lengths.mean() < 42 and 70 < np.percentile(lengths, 95) < 82
    assert lengths.min() >= 6 and lengths.max() <= 256


def test_recording_features_counts_what_the_trainer_slices():
    data = make_data(workloads(tiny=True)["pair"], vocab_size=1000, seed=0)
    features = RecordingFeatures(data, pad_multiple=32)
    plan = BatchPlan(batch_size=512, max_tokens=TINY_MAX_TOKENS, pad_multiple=32)
    batch = training_batches(data.lengths, plan, random.Random(0))[0]
    rows = features[batch]
    examples, real, padded, width = features.batches[-1]
    assert examples == len(batch) == len(rows["label"])
    assert real == sum(len(r) for r in rows["input_ids"]) and width % 32 == 0
    assert padded == width * examples <= TINY_MAX_TOKENS
    assert all(r[0] == 0 for r in rows["input_ids"])  # every example starts with <s>


def test_step_clock_excludes_warm_up_and_stops_at_budget():
    syncs: list[int] = []
    clock = StepClock(budget_s=0.0, sync=lambda: syncs.append(1), min_warmup_steps=2, min_timed_steps=2)
    clock.start()
    finished = [clock.step_done(10 * i, 100, 128, 32) for i in range(1, 5)]
    assert finished == [False, False, False, True]  # 2 warm-up steps, then 2 timed
    assert clock.warmup_steps == 2 and [c[0] for c in clock.counts] == [30, 40]
    assert len(syncs) == 2  # device synchronised only at the two boundaries


def test_main_recipes_match_the_documented_settings():
    pair = {r.name: r for r in main_recipes(workloads(tiny=False)["pair"], 16384)}
    qa = {r.name: r for r in main_recipes(workloads(tiny=False)["qa"], 16384)}
    assert (pair["paper"].batch_size, pair["paper"].pad_to) == (4, 256)
    assert (pair["trainer"].batch_size, pair["trainer"].pad_to) == (8, 128)
    assert qa["paper"].pad_to == qa["trainer"].pad_to == 384
    assert (
        pair["xstilts"].engine and pair["xstilts"].pad_multiple == 8 and pair["xstilts"].max_tokens == 16384
    )
    assert 16384 // 384 >= 32  # the QA batch the budget allows reaches the span-QA batch target of >= 32
