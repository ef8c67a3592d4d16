"""Point 8: SIGTERM is handled like Ctrl-C; what killed processes left is reconciled at next start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.reliability.conftest import QUIET, child_pythonpath, config_scores, small_experiment
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import run_experiment
from xstilts.pipeline.store import ResultsStore

SLOW = {"max_steps": 40, "batch_size": 8, "eval_every": 20, "learning_rate": 1e-3}


def test_sigterm_marks_the_run_interrupted_and_says_how_to_resume(tiny_world, tmp_path):
    path = small_experiment(tmp_path, tiny_world, "term", finetune=SLOW)
    config = load_experiment(path)
    env = dict(os.environ, PYTHONPATH=child_pythonpath(), OMP_NUM_THREADS="1", COLUMNS="250")
    child = subprocess.Popen(
        [sys.executable, "-m", "xstilts", "run", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 120
    while time.time() < deadline and child.poll() is None:
        published = config.resolved_artifact_dir.glob("intermediate/*/meta.json")
        if any(not p.parent.name.startswith(".") for p in published):  # renamed into place, not .tmp-
            break
        time.sleep(0.02)
    assert child.poll() is None, child.communicate()[1][-2000:]
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 143, err[-2000:]
    said = " ".join(out.split())
    assert "interrupted (SIGTERM)" in said and f"resume with: xstilts run {path}" in said
    assert "Traceback" not in err
    runs = ResultsStore(config.store_path).runs_frame("term")
    assert list(runs.status) == ["interrupted"]
    jobs = ResultsStore(config.store_path).jobs_frame("term")
    assert "running" not in set(jobs.status)  # the job in flight (if any) is marked interrupted
    summary = run_experiment(config, console=QUIET)
    assert summary.executed["intermediate"] == 0  # finished before the signal: kept
    fresh = load_experiment(small_experiment(tmp_path / "fresh", tiny_world, "term", finetune=SLOW))
    run_experiment(fresh, console=QUIET)
    assert config_scores(config) == config_scores(fresh)


def test_stale_run_and_job_rows_and_feature_temp_folders_are_reconciled(tiny_world, tmp_path):
    from xstilts.leases import LEASE, Owner
    from xstilts.paths import cache_dir

    config = load_experiment(small_experiment(tmp_path, tiny_world, "stale"))
    store = ResultsStore(config.store_path)
    dead = {**Owner.me().as_dict(), "pid": 999_999_999}
    elsewhere = {**Owner.me().as_dict(), "host": "gpu-node-7", "boot_id": "other"}
    killed = store.start_run("stale", "h", "v", {}, "here", owner=dead)
    live = store.start_run("stale", "h", "v", {}, "gpu-node-7", owner=elsewhere)
    store.record_job("stale", "job-a", "finetune", "a", "running", run_id=killed)
    store.record_job("stale", "job-b", "finetune", "b", "running", run_id=live)
    features = cache_dir() / "features"
    killed_tmp = features / ".tmp-999999999-abc"
    killed_tmp.mkdir(parents=True)
    (killed_tmp / LEASE).write_text(json.dumps(dead), encoding="utf-8")
    live_tmp = features / ".tmp-1-def"
    live_tmp.mkdir()
    (live_tmp / LEASE).write_text(json.dumps(elsewhere), encoding="utf-8")
    summary = run_experiment(config, console=QUIET)
    runs = store.runs_frame("stale").set_index("run_id").status
    assert runs[killed] == "interrupted" and runs[live] == "running"
    jobs = store.jobs_frame("stale").set_index("job_id").status
    assert jobs["job-a"] == "interrupted" and jobs["job-b"] == "running"
    assert not killed_tmp.exists() and live_tmp.exists()
    assert any("marked 1 run(s)" in note for note in summary.notes)
    assert any("feature-cache" in note for note in summary.notes)


def test_a_signal_stops_the_run_at_the_next_safe_point_even_if_raised_nowhere(tiny_world, tmp_path):
    """The handler only records the first signal (an exception raised from it could land in a
    destructor, where Python swallows it); the next progress event or job boundary raises it."""
    import pytest

    from xstilts.events import JobProgress
    from xstilts.pipeline.runner import RunInterrupted

    config = load_experiment(small_experiment(tmp_path, tiny_world, "safe", finetune=SLOW))
    seen: list[object] = []

    def sink(event) -> None:
        seen.append(event)
        if isinstance(event, JobProgress) and sum(isinstance(e, JobProgress) for e in seen) == 1:
            os.kill(os.getpid(), signal.SIGTERM)  # recorded by the handler; nothing raised here

    before = signal.getsignal(signal.SIGTERM)  # e.g. Ray's, when a Ray test ran in this process
    with pytest.raises(RunInterrupted) as stopped:
        run_experiment(config, on_event=sink)
    assert stopped.value.signal_name == "SIGTERM"
    progress = [e for e in seen if isinstance(e, JobProgress)]
    assert len(progress) == 1  # stopped at the very next event, not at the end of the job
    assert signal.getsignal(signal.SIGTERM) is before  # the previous handler is back
    runs = ResultsStore(config.store_path).runs_frame("safe")
    assert list(runs.status) == ["interrupted"]
