"""The experiment grid end to end on the tiny world: reuse, completeness, resumability."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from tests.engine.conftest import write_experiment
from tests.support.scores import score_tuples
from xstilts.errors import XstiltsError
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import run_experiment
from xstilts.pipeline.store import ResultsStore

QUIET = Console(file=open(os.devnull, "w"), width=120)  # noqa: SIM115 - lives for the session

REPO = Path(__file__).resolve().parents[2]


def _scores(config) -> list[tuple]:
    return score_tuples(ResultsStore(config.store_path).scores_frame(config.name))


def test_grid_trains_each_intermediate_once_and_second_run_trains_nothing(tiny_world, tmp_path):
    config = load_experiment(write_experiment(tmp_path / "exp.yaml", tiny_world, "grid"))
    first = run_experiment(config, console=QUIET)
    # 2 intermediate sets x 2 targets x 1 seed: 2 intermediate trainings (not 4), shared by both targets.
    assert first.executed["intermediate"] == 2
    assert first.executed["finetune"] == 3 * 2  # (none + 2 sets) x 2 targets
    assert first.executed["evaluate"] == 3 * 2
    frame = ResultsStore(config.store_path).scores_frame("grid")
    main = frame[frame.is_main == 1]
    for (condition, task), rows in main.groupby(["condition", "target_task"]):
        assert sorted(rows.language) == ["de", "en", "fr"], (condition, task)
    assert set(main.condition) == {"none", "kind-en", "kind-de"}
    same = frame[(frame.metric == "accuracy") & (frame.reference == "en")]
    assert set(same.language) == {"de", "fr"}  # English scored on exactly each language's items
    provenance = json.loads(main.provenance_json.iloc[0])
    assert provenance["config_hash"] == config.config_hash() and provenance["lineage"]
    before = _scores(config)
    second = run_experiment(config, console=QUIET)
    assert sum(second.executed.values()) == 0
    assert _scores(config) == before  # the rerun changes no score and adds no row
    assert len(ResultsStore(config.store_path).scores_frame("grid")) == len(frame)


def test_retrieval_on_the_pretrained_encoder_is_one_job_for_all_seeds(tiny_world, tmp_path):
    config = load_experiment(
        write_experiment(
            tmp_path / "exp.yaml",
            tiny_world,
            "retr",
            seeds=[1, 2],
            conditions={"none": [], "kind-en": ["tinykind:en"]},
            targets={"tinyretrieval": {}},
        )
    )
    summary = run_experiment(config, console=QUIET)
    assert summary.executed["finetune"] == 0  # retrieval is evaluated without target fine-tuning
    assert summary.executed["evaluate"] == 3  # none (shared by both seeds) + kind-en x 2 seeds
    frame = ResultsStore(config.store_path).scores_frame("retr")
    none = frame[(frame.condition == "none") & (frame.metric == "retrieval_accuracy")]
    assert sorted(none.seed.unique()) == [1, 2]
    assert {"retrieval_accuracy", "mrr", "retrieval_margin"} <= set(frame.metric)
    directions = frame[frame.metric == "retrieval_accuracy"].direction
    assert {"en->xx", "xx->en"} <= set(directions)


def test_same_seed_gives_identical_scores(tiny_world, tmp_path):
    a = load_experiment(write_experiment(tmp_path / "a.yaml", tiny_world, "same-a"))
    b = load_experiment(write_experiment(tmp_path / "b.yaml", tiny_world, "same-b"))
    run_experiment(a, console=QUIET)
    run_experiment(b, console=QUIET)
    assert _scores(a) == _scores(b)


_CHILD = """
import sys
sys.path.insert(0, {repo!r})
from tests.support.tiny import register_tiny_tasks
register_tiny_tasks()
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import run_experiment
run_experiment(load_experiment({exp!r}))
"""


def _child(exp: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=f"{REPO / 'src'}:{REPO}")
    code = _CHILD.format(repo=str(REPO), exp=str(exp))
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _published(artifacts: Path, pattern: str) -> list[Path]:
    """Matches in published artifact folders (a temporary ``.tmp-*`` folder holds meta.json too)."""
    return [p for p in artifacts.glob(pattern) if not p.parent.name.startswith(".")]


def test_sigkill_mid_grid_then_resume_equals_uninterrupted_run(tiny_world, tmp_path):
    slow = {"max_steps": 40, "batch_size": 8, "eval_every": 20, "learning_rate": 1e-3}
    killed_exp = write_experiment(tmp_path / "k.yaml", tiny_world, "killed", intermediate=slow, finetune=slow)
    clean_exp = write_experiment(tmp_path / "c.yaml", tiny_world, "clean", intermediate=slow, finetune=slow)
    killed = load_experiment(killed_exp)
    artifacts = killed.resolved_artifact_dir
    child = _child(killed_exp)
    deadline = time.time() + 120
    # Kill as soon as the first finetune artifact is complete: mid-grid, other jobs in flight.
    while time.time() < deadline and child.poll() is None:
        if _published(artifacts, "finetune/*/meta.json"):
            break
        time.sleep(0.02)
    assert child.poll() is None, (
        f"child finished before it could be killed: {child.stderr.read().decode()[-2000:]}"
    )
    child.send_signal(signal.SIGKILL)
    child.wait()
    partial = ResultsStore(killed.store_path).scores_frame("killed") if killed.store_path.exists() else None
    done_before = {p.parent.name for p in _published(artifacts, "*/*/meta.json")}
    summary = run_experiment(killed, console=QUIET)
    # Nothing finished before the kill is redone, and every job is complete now.
    assert sum(summary.executed.values()) + len(done_before) == sum(summary.planned.values())
    assert not list(artifacts.glob("*/.tmp-*")), "stale temporary artifact folders were left behind"
    clean = load_experiment(clean_exp)
    run_experiment(clean, console=QUIET)
    assert _scores(killed) == _scores(clean)
    frame = ResultsStore(killed.store_path).scores_frame("killed")
    keys = [
        "job_id",
        "condition",
        "seed",
        "target_task",
        "language",
        "split",
        "metric",
        "variant",
        "direction",
        "reference",
    ]
    assert not frame.duplicated(keys).any()
    assert partial is None or len(partial) <= len(frame)


def test_bad_input_mid_grid_keeps_finished_jobs(tiny_world, tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(tiny_world["data"], data)
    broken = data / "tinytags" / "test-fr.jsonl"
    good = broken.read_text(encoding="utf-8")
    broken.write_text(good + "{not json\n", encoding="utf-8")
    world = dict(tiny_world, data=data)
    config = load_experiment(write_experiment(tmp_path / "exp.yaml", world, "broken"))
    with pytest.raises((XstiltsError, ValueError)):
        run_experiment(config, console=QUIET)
    finished = {p.parent.name for p in config.resolved_artifact_dir.glob("*/*/meta.json")}
    assert finished, "jobs that finished before the bad file must be kept"
    broken.write_text(good, encoding="utf-8")
    config = load_experiment(tmp_path / "exp.yaml")
    summary = run_experiment(config, console=QUIET)
    assert summary.executed["intermediate"] == 0  # not redone
    assert len(finished) + sum(summary.executed.values()) == sum(summary.planned.values())


@pytest.mark.ray
def test_ray_executor_gives_the_same_store_as_local(tiny_world, tmp_path, monkeypatch):
    import ray

    # Ray workers import this checkout (not an installed copy) and tests.support.tiny
    monkeypatch.setenv("PYTHONPATH", f"{REPO / 'src'}:{REPO}")
    local = load_experiment(write_experiment(tmp_path / "l.yaml", tiny_world, "local-run"))
    distributed = load_experiment(
        write_experiment(tmp_path / "r.yaml", tiny_world, "ray-run", task_modules=["tests.support.tiny"])
    )
    run_experiment(local, console=QUIET)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        summary = run_experiment(distributed, console=QUIET, executor="ray", cpus_per_job=1)
        assert summary.executed["intermediate"] == 2
        assert _scores(distributed) == _scores(local)
        again = run_experiment(distributed, console=QUIET, executor="ray")
        assert sum(again.executed.values()) == 0
    finally:
        ray.shutdown()


def test_ddp_with_two_processes_trains_once_and_records_once(tiny_world, tmp_path):
    """`torchrun --nproc_per_node 2 -m xstilts run`: DDP training, one writer, no duplicate rows."""
    exp = write_experiment(
        tmp_path / "ddp.yaml", tiny_world, "ddp", task_modules=["tests.support.tiny"],
        conditions={"none": [], "kind-en": ["tinykind:en"]}, targets={"tinytopic": {}},
    )  # fmt: skip
    torchrun = Path(sys.executable).with_name("torchrun")
    env = dict(os.environ, PYTHONPATH=f"{REPO / 'src'}:{REPO}", OMP_NUM_THREADS="1")
    done = subprocess.run(
        [str(torchrun), "--nproc_per_node", "2", "-m", "xstilts", "run", str(exp)],
        env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    failing = [line for line in done.stderr.splitlines() if "[rank1]" in line or "Error" in line]
    assert done.returncode == 0, "\n".join(failing[-40:]) or done.stderr[-3000:]
    config = load_experiment(exp)
    metas = [json.loads(p.read_text()) for p in config.resolved_artifact_dir.glob("*/*/meta.json")]
    trained = [m for m in metas if m["kind"] in ("intermediate", "finetune")]
    assert len(trained) == 3 and all(m["settings"]["runtime_options"]["processes"] == 2 for m in trained)
    frame = ResultsStore(config.store_path).scores_frame("ddp")
    assert not frame.duplicated(["job_id", "condition", "seed", "language", "metric", "reference"]).any()
    assert len(frame[frame.is_main == 1]) == 2 * 3  # 2 conditions x 3 languages
    assert done.stdout.count("jobs run:") == 1  # only the main process reports (the closing summary)
