"""The GPU benchmark (``gpu_recipes``) end to end on a tiny model on the CPU, plus its parts.

The GPU benchmark runs once on a lent GPU, so everything but the device must be proven here: it
runs through the one runner (``python -m benchmarks.run_all --only gpu_recipes``), every recipe
trains and reports positive throughput, the xstilts recipes train and score through the public
API, the record holds the fields the GPU tables report, and the accounting (token budget,
padding, warm-up exclusion, lengths in pieces) is right.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.gpu_training import (
    BatchCounter,
    StepClock,
    featurise_workloads,
    main_recipes,
    model_config,
    write_model_folder,
)
from benchmarks.synthetic import QA_QUESTION_PIECES, TEMPLATE_PIECES, sample_lengths
from benchmarks.workload import gpu_workloads

ROOT = Path(__file__).resolve().parents[2]
TINY_MAX_TOKENS = 2048


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict, str]:
    root = tmp_path_factory.mktemp("gpu-bench")
    command = [
        sys.executable,
        "-m",
        "benchmarks.run_all",
        "--only",
        "gpu_recipes",
        "--quick",
        "--threads",
        "1",
    ]
    command += ["--results-dir", str(root / "results"), "--workdir", str(root / "work")]
    proc = subprocess.run(
        command, capture_output=True, text=True, timeout=300, cwd=ROOT, env=dict(os.environ)
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (path,) = (root / "results").glob("*-quick.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    return proc, record, path.with_suffix(".md").read_text(encoding="utf-8")


def _measurements(record: dict) -> dict:
    return record["benchmarks"]["gpu_recipes"]["measurements"]


def _runs(record: dict) -> dict[tuple[str, str], dict]:
    return {(r["workload"], r["recipe"]): r for r in _measurements(record)["runs"]}


def test_every_recipe_trains_with_positive_throughput(bench):
    _, record, _ = bench
    assert record["failed"] == [] and record["machine"]["device"] == "cpu"
    runs = _runs(record)
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


def test_xstilts_recipes_are_scored_through_the_api(bench):
    _, record, _ = bench
    for (workload, recipe), row in _runs(record).items():
        if recipe.startswith("xstilts"):
            metric = {"pair": "accuracy", "qa": "squad_f1"}[workload]
            assert row["check_metric"] == metric and 0 <= row["check_score"] <= 100, (workload, recipe)
            assert row["check_examples"] == {"pair": 32, "qa": 16}[workload]  # the tiny dev sets
        else:
            assert "check_score" not in row  # the baselines are timed only


def test_meta_peaks_and_workloads(bench):
    proc, record, _ = bench
    m = _measurements(record)
    assert m["device"] == "cpu" and m["model_shape"]["num_hidden_layers"] == 2
    assert m["peaks"]["bf16_tflops"] > 0 and m["peaks"]["fp32_tflops"] > 0
    # 2 layers x (4 h^2 + 2 h f + biases and norms), h=64, f=128: the embeddings are not counted.
    assert m["non_embedding_params"] == 2 * (4 * 64 * 64 + 4 * 64 + 2 * 64 * 128 + 128 + 64 + 4 * 64)
    assert 35 < m["workloads"]["pair"]["mean_length"] < 45
    assert m["workloads"]["qa"]["p50"] == 384 and m["workloads"]["qa"]["task"] == "synthqa"
    assert m["targets"]["apply"] is False  # a tiny CPU run is never judged against GPU targets
    assert "pair/xstilts: ok" in proc.stdout  # timestamped progress lines, for partial logs


def test_xstilts_batches_follow_the_token_budget(bench):
    _, record, _ = bench
    runs = _runs(record)
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


def test_ratios_rows_and_markdown(bench):
    _, record, markdown = bench
    runs = _runs(record)
    for workload in ("pair", "qa"):
        trainer, paper, xstilts = (runs[workload, r] for r in ("trainer", "paper", "xstilts"))
        assert trainer["vs_trainer"] == pytest.approx(1.0) and paper["vs_paper"] == pytest.approx(1.0)
        assert xstilts["vs_trainer"] == pytest.approx(xstilts["examples_per_s"] / trainer["examples_per_s"])
    exact = runs["pair", "xstilts-exact-pad"]
    assert exact["vs_base"] == pytest.approx(
        exact["examples_per_s"] / runs["pair", "xstilts"]["examples_per_s"]
    )
    rows = {row["quantity"]: row for row in record["benchmarks"]["gpu_recipes"]["rows"]}
    assert rows["pair examples/s, xstilts"]["ratio"] == pytest.approx(runs["pair", "xstilts"]["vs_trainer"])
    assert rows["pair examples/s, xstilts"]["met"] is None  # not judged off the GPU
    assert rows["pair examples/s, xstilts-pad32"]["baseline_name"] == "xstilts"
    assert rows["qa useful TFLOP/s, xstilts"]["ratio"] == pytest.approx(runs["qa", "xstilts"]["mfu"])
    # The one runner's markdown: the shared table, then the GPU benchmark's per-recipe tables.
    assert "| gpu_recipes | pair examples/s, xstilts |" in markdown
    assert markdown.count("| xstilts | ok |") == 2 and "#### Targets" in markdown
    assert record["machine"]["cpu_model"] in markdown


def test_featurised_lengths_are_the_sampled_lengths_in_pieces(tmp_path):
    """Every word is one piece: the API's features are exactly as long as the workload says."""
    config = model_config("tiny", None)
    folder = write_model_folder(tmp_path / "model", config, "cpu", None)
    workloads = gpu_workloads(tmp_path, config.vocab_size, tiny=True)
    pair_rows = workloads["pair"].examples(workloads["pair"].target, "dev", "en")
    qa_rows = workloads["qa"].examples(workloads["qa"].target, "dev", "en")
    data = featurise_workloads(folder, {"pair": workloads["pair"], "qa": workloads["qa"]})
    dev_pair = data["pair"].dev.dataset["input_ids"]
    assert [len(ids) for ids in dev_pair] == [
        TEMPLATE_PIECES + len(r["text_a"].split()) + len(r["text_b"].split()) for r in pair_rows
    ]
    dev_qa = data["qa"].dev.dataset
    assert len(dev_qa) == len(qa_rows)  # one window per example: nothing overflows
    assert [len(ids) for ids in dev_qa["input_ids"]] == [
        TEMPLATE_PIECES + QA_QUESTION_PIECES + len(r["context"].split()) for r in qa_rows
    ]
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    for row, ids, start, end in zip(
        qa_rows, dev_qa["input_ids"], dev_qa["start_position"], dev_qa["end_position"], strict=True
    ):
        assert tokenizer.decode(ids[start : end + 1]) == row["answers"][0]["text"]  # gold span in pieces
    assert len(data["pair"].input_ids) == 4096 and data["pair"].labels  # the baselines' copy


def test_batch_counter_counts_what_the_engine_trains_on(tmp_path):
    """The per-step counts the clock times are the engine's own totals, step by step."""
    from xstilts import api

    config = model_config("tiny", None)
    folder = write_model_folder(tmp_path / "model", config, "cpu", None)
    workload = gpu_workloads(tmp_path, config.vocab_size, tiny=True)["pair"]
    model = api.load_model(folder, heads=[workload.target], runtime=api.choose_runtime("fp32", "cpu", 1))
    counter = BatchCounter()
    model.network.encoder.register_forward_pre_hook(counter, with_kwargs=True)
    rows = workload.examples(workload.target, "dev", "en")
    settings = api.TrainSettings(max_steps=3, eval_every=0, plan=api.BatchPlan(batch_size=8, max_tokens=256))
    result = api.fit(model, {(workload.target.name, "en"): rows}, settings)
    assert len(counter.batches) == 3
    assert sum(b[0] for b in counter.batches) == result.examples_seen
    assert sum(int(b[1]) for b in counter.batches) == result.real_tokens
    assert sum(b[2] for b in counter.batches) == result.padded_tokens
    assert all(b[2] == b[0] * b[3] <= 256 for b in counter.batches)


def test_pair_lengths_are_xnli_like():
    lengths = sample_lengths("pair", 50_000, np.random.default_rng(1))
    assert 38 < lengths.mean() < 42 and 70 < np.percentile(lengths, 95) < 82
    assert lengths.min() >= 6 and lengths.max() <= 256


def test_step_clock_excludes_warm_up_and_stops_at_budget():
    import torch

    syncs: list[int] = []
    clock = StepClock(budget_s=0.0, sync=lambda: syncs.append(1), min_warmup_steps=2, min_timed_steps=2)
    clock.start()
    finished = [clock.step_done(10 * i, torch.tensor(100), 128, 32) for i in range(1, 5)]
    assert finished == [False, False, False, True]  # 2 warm-up steps, then 2 timed
    assert clock.warmup_steps == 2 and [c[0] for c in clock.counts] == [30, 40]
    assert len(syncs) == 2  # device synchronised only at the two boundaries
    clock.resolve()
    assert [c[1] for c in clock.counts] == [100, 100] and all(type(c[1]) is int for c in clock.counts)


def test_main_recipes_match_the_documented_settings():
    pair = {r.name: r for r in main_recipes("pair", 16384)}
    qa = {r.name: r for r in main_recipes("qa", 16384)}
    assert (pair["paper"].batch_size, pair["paper"].pad_to) == (4, 256)
    assert (pair["trainer"].batch_size, pair["trainer"].pad_to) == (8, 128)
    assert qa["paper"].pad_to == qa["trainer"].pad_to == 384
    assert (
        pair["xstilts"].engine and pair["xstilts"].pad_multiple == 8 and pair["xstilts"].max_tokens == 16384
    )
    assert pair["xstilts"].embedding_mode == "frozen" and pair["paper"].optimizer == "loop"
    assert 16384 // 384 >= 32  # the QA batch the budget allows reaches the span-QA batch target of >= 32


def test_the_runner_refuses_a_device_it_cannot_measure(capsys):
    from benchmarks import run_all

    assert run_all.meant_for("cuda") == ["gpu_recipes"] and "gpu_recipes" not in run_all.meant_for("cpu")
    assert run_all.main(["--only", "train_throughput", "--device", "cuda"]) == 2
    assert "train_throughput measure(s) on cpu only" in capsys.readouterr().err
    import torch

    if not torch.cuda.is_available():
        assert run_all.main(["--device", "cuda"]) == 2
        assert "sees no CUDA device" in capsys.readouterr().err


def test_no_benchmark_touches_sys_path():
    """One framework, imported as a package (``python -m benchmarks...``), never by path hacks."""
    import re

    changes = re.compile(r"sys\.path(\[[^\]]*\])?\s*(=|\+=|\.(insert|append|extend)\()")
    offenders = [
        p.name for p in (ROOT / "benchmarks").glob("*.py") if changes.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert changes.search("sys.path[:1] = [str(ROOT)]") and changes.search("sys.path.insert(0, x)")


def test_the_record_keeps_a_running_benchmark_as_partial(tmp_path):
    """A GPU run cut short (a lent machine's time limit) still leaves a record named after the GPU."""
    import argparse

    from benchmarks import run_all
    from benchmarks.common import BenchmarkResult, MachineFacts, Row

    facts = MachineFacts(
        "2026-01-02 10:00 UTC", "AMD EPYC 7B13", 16, 16, "2.11", "5.17", True, "bf16", "", 0.1,
        device="cuda", device_name="NVIDIA H200", cuda_version="13.0",
    )  # fmt: skip
    run = run_all.Run(argparse.Namespace(results_dir=tmp_path, quick=False), facts, None)
    running = BenchmarkResult(
        "gpu_recipes", {}, {"runs": []}, [Row("gpu_recipes", "pair examples/s, xstilts", 3.0, 1.0, "trainer", 3.0)],
        details="#### Targets",
    )  # fmt: skip
    path = run.save(running)
    assert path == tmp_path / "2026-01-02-nvidia-h200.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["benchmarks"]["gpu_recipes"]["partial"] is True and record["failed"] == []
    assert record["machine"]["device_name"] == "NVIDIA H200" and "NVIDIA H200 (CUDA 13.0)" in facts.one_line()
    markdown = path.with_suffix(".md").read_text(encoding="utf-8")
    assert "| gpu_recipes | pair examples/s, xstilts |" in markdown and "#### Targets" in markdown
