"""The benchmarks in quick mode: tiny random model, synthetic data, every output checked.

``run_all --quick`` runs as a real subprocess (its exit status is part of the contract); the
pieces that carry arithmetic (FLOP counting, ratios, the table) are checked in-process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCHMARKS = ("train_throughput", "eval_throughput", "mfu", "grid_cache", "profile_step")


@pytest.fixture(scope="module")
def quick_record(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, dict]:
    root = tmp_path_factory.mktemp("bench")
    env = dict(os.environ, OMP_NUM_THREADS="2")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run_all", "--quick", "--results-dir", str(root / "results"),
         "--workdir", str(root / "work")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    records = sorted((root / "results").glob("*-quick.json"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert len(records) == 1, records
    return done, json.loads(records[0].read_text(encoding="utf-8"))


def test_quick_run_records_machine_and_every_benchmark(quick_record):
    done, record = quick_record
    machine = record["machine"]
    assert machine["cpu_model"] and machine["cores"] >= 1 and machine["threads"] >= 1
    assert machine["torch_version"] and machine["precision"] in ("fp32", "bf16")
    assert record["failed"] == [] and record["quick"] is True
    assert set(record["benchmarks"]) == set(BENCHMARKS)
    assert "| benchmark | quantity |" in done.stdout  # the markdown table
    for name in BENCHMARKS:
        result = record["benchmarks"][name]
        assert result["rows"], name
        assert result["ratios"] and all(v > 0 for v in result["ratios"].values()), (name, result["ratios"])


def test_train_throughput_compares_both_trainer_recipes_at_equal_steps(quick_record):
    result = quick_record[1]["benchmarks"]["train_throughput"]
    runs = result["measurements"]
    steps, batch = result["config"]["steps"], result["config"]["batch_size"]
    for name in ("xstilts", "trainer_plain", "trainer_dynamic"):
        assert runs[name]["examples"] == steps * batch, name  # same work for every recipe
        assert 0 <= runs[name]["dev_accuracy"] <= 100
    # padding="max_length" 128 pushes 128 positions per example through the model
    assert runs["trainer_plain"]["padded_tokens"] == steps * batch * 128
    assert runs["xstilts"]["padding_efficiency"] > runs["trainer_plain"]["padding_efficiency"]
    targets = {row["quantity"]: row for row in result["rows"] if row["target"]}
    assert set(targets) == {"train examples/s", "final dev accuracy (%)"}
    assert all(isinstance(row["met"], bool) for row in targets.values())


def test_eval_and_grid_measure_what_they_claim(quick_record):
    benchmarks = quick_record[1]["benchmarks"]
    evaluation = benchmarks["eval_throughput"]
    assert len(evaluation["config"]["languages"]) == 8  # every synthetic test language
    assert evaluation["measurements"]["baseline_agreement_pct"] == 100.0  # same model, same labels
    grid = benchmarks["grid_cache"]["measurements"]
    assert grid["xstilts"]["intermediate"] == 3 and grid["naive"]["intermediate"] == 6
    assert grid["xstilts"]["trainings"] == 7 and grid["naive"]["trainings"] == 10
    assert grid["xstilts_warm_rerun"]["executed"] == {}
    mfu = benchmarks["mfu"]["measurements"]
    assert mfu["peak"]["fp32"]["flops_per_s"] > 0
    assert all(0 < entry["mfu"] < 5 for entry in mfu["achieved"].values())


def test_profile_breaks_a_step_into_categories_that_add_up(quick_record):
    profile = quick_record[1]["benchmarks"]["profile_step"]["measurements"]
    assert set(profile) == {"train fp32", "eval fp32"}
    for label, record in profile.items():
        shares = [value["share"] for value in record["categories"].values()]
        assert sum(shares) == pytest.approx(1.0), label
        assert sum(v["ms"] for v in record["categories"].values()) == pytest.approx(record["ms_per_step"])
        assert record["categories"]["matmul (linear, bmm)"]["ms"] > 0, label
    assert profile["train fp32"]["categories"]["optimizer"]["ms"] > 0  # the step includes AdamW
    assert "optimizer" not in profile["eval fp32"]["categories"]  # inference only


def test_profile_categories_name_the_ops_they_should():
    from benchmarks.profile_step import OTHER, breakdown, categorise

    assert categorise("aten::addmm") == "matmul (linear, bmm)"
    assert categorise("aten::native_layer_norm_backward") == "layer norm"
    assert categorise("aten::_fused_adamw_") == "optimizer"
    assert categorise("aten::_softmax") == "attention (softmax, sdpa)"
    assert categorise("aten::_to_copy") == "casts and copies"
    assert categorise("aten::gelu_backward") == "gelu"
    assert categorise("some::unknown_op") == OTHER
    record = breakdown([("aten::addmm", 300.0), ("aten::gelu", 100.0), ("aten::addmm", 600.0)], steps=2)
    assert record["ms_per_step"] == pytest.approx(0.5)
    assert record["categories"]["matmul (linear, bmm)"]["share"] == pytest.approx(0.9)
    assert record["top_ops"][0] == {"op": "aten::addmm", "category": "matmul (linear, bmm)",
                                    "ms": pytest.approx(0.45), "share": pytest.approx(0.9)}  # fmt: skip


def test_a_failing_benchmark_exits_non_zero(tmp_path):
    from benchmarks import run_all

    code = run_all.main(
        ["--quick", "--only", "grid_cache", "--model", str(tmp_path / "no-such-model"),
         "--results-dir", str(tmp_path / "results"), "--workdir", str(tmp_path / "work")]
    )  # fmt: skip
    assert code == 1
    record = json.loads(next((tmp_path / "results").glob("*.json")).read_text(encoding="utf-8"))
    assert record["failed"] == ["grid_cache"] and "error" in record["benchmarks"]["grid_cache"]


def test_analytic_training_flops_match_torch_flop_counter(tmp_path):
    """The MFU numerator: 3 x forward matmul FLOPs, checked against torch's own count."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import BertConfig, BertModel

    from benchmarks.mfu import training_flops
    from xstilts.models.heads import HeadSpec
    from xstilts.models.multitask import MultiTaskModel
    from xstilts.training.optim import configure_embeddings

    config = BertConfig(
        vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=48,
        max_position_embeddings=64, attn_implementation="eager",
    )  # fmt: skip
    model = MultiTaskModel(BertModel(config, add_pooling_layer=False), {"t": HeadSpec("classification", 5)})
    configure_embeddings(model.encoder, "frozen")
    batch = {
        "input_ids": torch.randint(5, 50, (3, 24)),
        "attention_mask": torch.ones(3, 24, dtype=torch.long),
        "labels": torch.tensor([0, 1, 4]),
    }
    with FlopCounterMode(display=False) as counter:
        _, loss = model("t", batch)
        loss.backward()
    assert counter.get_total_flops() == pytest.approx(training_flops(config, 3, 24, 5), rel=1e-9)


def test_table_and_record_names():
    from benchmarks.common import MachineFacts, Row, cpu_slug, markdown_table, results_path

    table = markdown_table(
        [Row("b", "speed", 30.0, 10.0, "base", 3.0, ">= 1.5x", True), Row("m", "mfu", 4.0, 100.0, "peak", 0.04,
         ratio_unit="%")]
    )  # fmt: skip
    assert "| b | speed | 30.0 | base | 10.0 | 3.00x | >= 1.5x | yes |" in table
    assert "| 4.0% |" in table
    assert cpu_slug("Intel(R) Xeon(R) Platinum 8480+") == "intel-xeon-platinum-8480"
    facts = MachineFacts(
        "2026-01-02 10:00 UTC", "AMD EPYC 7B13", 2, 2, "2.13", "5.24", False, "fp32", "", 0.1
    )
    assert results_path(Path("r"), facts, quick=False) == Path("r/2026-01-02-amd-epyc-7b13.json")
