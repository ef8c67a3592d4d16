"""benchmarks/recipe_accuracy.py runs both recipes and reports the accuracy difference."""

from __future__ import annotations

import json

import pytest

from benchmarks.recipe_accuracy import main


def test_recipe_accuracy_runs_both_recipes_on_the_same_examples(tiny_world, tmp_path):
    out = tmp_path / "acc.json"
    code = main([
        "--model", str(tiny_world["model"]), "--task", "tinytopic", "--data-dir", str(tiny_world["data"]),
        "--steps", "4", "--batch-size", "4", "--seeds", "1", "--max-length", "16", "--threads", "1",
        "--json", str(out),
    ])  # fmt: skip
    assert code == 0
    record = json.loads(out.read_text())  # the shared record format, like every benchmark's
    assert record["failed"] == [] and record["machine"]["cpu_model"]
    summary = record["benchmarks"]["recipe_accuracy"]["measurements"]
    assert {r["recipe"] for r in summary["runs"]} == {"fp32", "fast"}
    assert all(r["examples_seen"] == 16 for r in summary["runs"])  # same examples seen
    fp32, fast = (next(r for r in summary["runs"] if r["recipe"] == name) for name in ("fp32", "fast"))
    assert (
        fp32["precision"] == "fp32"
        and fp32["embedding_mode"] == "full"
        and fast["embedding_mode"] == "frozen"
    )
    assert fp32["padding_efficiency"] < fast["padding_efficiency"]  # max_length padding vs length buckets
    assert "within_1_point" in summary and summary["speedup_fast_vs_fp32"] > 0


def test_diagnostic_recipes_change_one_setting_each(tiny_world, tmp_path):
    out = tmp_path / "diag.json"
    code = main([
        "--model", str(tiny_world["model"]), "--task", "tinytopic", "--data-dir", str(tiny_world["data"]),
        "--steps", "3", "--batch-size", "4", "--seeds", "1", "--max-length", "16", "--threads", "1",
        "--recipes", "fast-fp32,fast-sparse", "--json", str(out),
    ])  # fmt: skip
    assert code == 0
    summary = json.loads(out.read_text())["benchmarks"]["recipe_accuracy"]["measurements"]
    runs = {r["recipe"]: r for r in summary["runs"]}
    assert runs["fast-fp32"]["precision"] == "fp32" and runs["fast-fp32"]["embedding_mode"] == "frozen"
    assert runs["fast-sparse"]["embedding_mode"] == "sparse"
    assert "within_1_point" not in summary  # no fp32 baseline in this invocation: no verdict


def test_unknown_recipe_is_a_one_line_usage_error(tiny_world, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--model", str(tiny_world["model"]), "--task", "tinytopic", "--data-dir", str(tiny_world["data"]),
              "--recipes", "fast,turbo"])  # fmt: skip
    assert exit_info.value.code == 2
    assert "unknown recipe(s) turbo" in capsys.readouterr().err


def test_pool_pairs_runs_by_seed_across_records(tmp_path, capsys):
    def record(name, runs):
        path = tmp_path / name
        settings = {"task": "msgdomain", "steps": 150, "batch_size": 16, "dev_examples": 1200}
        path.write_text(json.dumps(settings | {"runs": runs}))
        return path

    def run(recipe, seed, accuracy, speed):
        return {"recipe": recipe, "seed": seed, "dev_accuracy": accuracy, "examples_per_s": speed}

    first = record("a.json", [run("fp32", 1, 50.0, 10.0), run("fast", 1, 49.0, 80.0)])
    second = record(
        "b.json", [run("fp32", 2, 40.0, 10.0), run("fast", 2, 41.0, 60.0), run("fast", 3, 0.0, 1.0)]
    )
    assert main(["--pool", str(first), str(second)]) == 0
    out = capsys.readouterr().out
    # seed 3 has no fp32 partner and is left out; paired mean of -1 and +1 is 0; speed 8x and 6x
    assert "fast - fp32 over seeds [1, 2]: +0.00 points" in out and "7.0x examples/s" in out
    assert "-1.00, +1.00" in out


def test_pool_reads_the_shared_record_format_too(tmp_path, capsys):
    """Records written before the shared format and after it pool together."""
    runs = [{"recipe": r, "seed": 1, "dev_accuracy": a, "examples_per_s": v} for r, a, v in
            (("fp32", 50.0, 10.0), ("fast", 50.5, 90.0))]  # fmt: skip
    summary = {"task": "msgdomain", "steps": 150, "batch_size": 16, "dev_examples": 1200, "runs": runs}
    shared = tmp_path / "shared.json"
    shared.write_text(json.dumps({"benchmarks": {"recipe_accuracy": {"measurements": summary}}}))
    assert main(["--pool", str(shared)]) == 0
    assert "fast - fp32 over seeds [1]: +0.50 points" in capsys.readouterr().out


def test_run_all_runs_recipe_accuracy_only_when_asked(tmp_path):
    from benchmarks import run_all

    assert "recipe_accuracy" in run_all.BENCHMARKS and "recipe_accuracy" not in run_all.meant_for("cpu")
    code = run_all.main(["--quick", "--only", "recipe_accuracy", "--threads", "1",
                         "--results-dir", str(tmp_path / "results"), "--workdir", str(tmp_path / "work")])  # fmt: skip
    assert code == 0
    record = json.loads(next((tmp_path / "results").glob("*-quick.json")).read_text(encoding="utf-8"))
    result = record["benchmarks"]["recipe_accuracy"]
    assert result["measurements"]["task"] == "synthtopic"  # the synthetic workload, as every quick run
    assert {r["recipe"] for r in result["measurements"]["runs"]} == {"fp32", "fast"}
    rows = {row["quantity"]: row for row in result["rows"]}
    assert (
        rows["train examples/s, fast"]["ratio"] > 0
        and rows["dev accuracy (%), fast"]["baseline_name"] == "fp32 recipe"
    )
