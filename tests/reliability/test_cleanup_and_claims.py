"""Points 2 and 3: cleanup removes only provably dead work; concurrent runs split the jobs."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time

from tests.reliability.conftest import QUIET, REPO, child_pythonpath, config_scores, small_experiment
from xstilts.pipeline import cache as cache_module
from xstilts.pipeline.cache import ArtifactCache
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import run_experiment


def _leased(folder, **owner) -> None:
    from xstilts.leases import LEASE, Owner  # new modules are imported inside the tests, so

    folder.mkdir(parents=True)  # that the tests run (and fail on behaviour) against older code too
    (folder / LEASE).write_text(json.dumps({**Owner.me().as_dict(), **owner}), encoding="utf-8")


def test_startup_cleanup_keeps_other_hosts_and_namespaces_work(tiny_world, tmp_path):
    from xstilts.leases import TTL_S

    config = load_experiment(small_experiment(tmp_path, tiny_world, "share"))
    root = config.resolved_artifact_dir / "finetune"
    dead_pid = 999_999_999  # no process here has it; the old cleanup took it for dead
    other_host = root / f".tmp-aaa-{dead_pid}-x"
    _leased(other_host, host="gpu-node-7", boot_id="another-boot", pid=dead_pid)
    other_ns = root / f".tmp-bbb-{dead_pid}-x"
    _leased(other_ns, pid_ns="pid:[4026532999]", pid=dead_pid)  # same host, another container
    expired = root / f".tmp-ccc-{dead_pid}-x"
    _leased(expired, host="gpu-node-7", pid=dead_pid, heartbeat=time.time() - TTL_S - 60)
    mine_dead = root / f".tmp-ddd-{dead_pid}-x"
    _leased(mine_dead, pid=dead_pid)  # this host, boot and namespace: provably gone
    rebooted = root / f".tmp-eee-{os.getpid()}-x"
    _leased(rebooted, boot_id="boot-before-the-reboot")  # same host, earlier boot
    summary = run_experiment(config, console=QUIET)
    assert other_host.is_dir() and other_ns.is_dir()  # live work elsewhere is never touched
    assert not expired.exists() and not mine_dead.exists() and not rebooted.exists()
    assert any("removed 3 unfinished" in note for note in summary.notes)


def test_dry_run_changes_nothing_on_disk(tiny_world, tmp_path):
    config = load_experiment(small_experiment(tmp_path, tiny_world, "dry"))
    run_experiment(config, dry_run=True, console=QUIET)
    assert not config.store_path.exists() and not config.resolved_output_dir.exists()
    assert not config.resolved_artifact_dir.exists()
    run_experiment(config, console=QUIET)
    stale = config.resolved_artifact_dir / "evaluate" / ".tmp-zzz-999999999-x"
    _leased(stale, pid=999_999_999)

    def snapshot():
        paths = sorted(p for p in tmp_path.rglob("*"))
        return [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in paths if p.is_file()] + [
            str(p) for p in paths
        ]

    before = snapshot()
    run_experiment(config, dry_run=True, console=QUIET)
    assert snapshot() == before  # not even the dead folder is removed, no store write


def test_an_artifact_published_by_another_process_during_the_rename_is_success(tmp_path, monkeypatch):
    cache = ArtifactCache(tmp_path)
    real_replace = os.replace

    def interleaved(src, dst):  # the other process's rename lands between our check and ours
        if str(dst).endswith("/finetune/k1") and not os.path.exists(dst):
            os.makedirs(dst)
            for name, text in (("model.safetensors", "theirs"), ("meta.json", "{}")):
                with open(os.path.join(dst, name), "w") as handle:
                    handle.write(text)
        return real_replace(src, dst)

    monkeypatch.setattr(cache_module.os, "replace", interleaved)
    with cache.build("finetune", "k1", {}) as tmp:
        (tmp / "model.safetensors").write_text("ours", encoding="utf-8")
    assert (tmp_path / "finetune" / "k1" / "model.safetensors").read_text() == "theirs"
    assert not list((tmp_path / "finetune").glob(".tmp-*"))
    assert errno.ENOTEMPTY  # what the old code raised here


def test_claims_are_exclusive_and_dead_claims_are_taken_over(tmp_path):
    from xstilts.leases import Owner

    cache = ArtifactCache(tmp_path)
    claim = cache.claim_path("finetune", "k")
    claim.parent.mkdir(parents=True)
    claim.write_text(json.dumps({**Owner.me().as_dict(), "host": "other", "boot_id": "b"}), encoding="utf-8")
    assert cache.try_claim("finetune", "k") is None  # a live claim on another host
    claim.write_text(json.dumps({**Owner.me().as_dict(), "pid": 999_999_999}), encoding="utf-8")
    taken = cache.try_claim("finetune", "k")  # its owner is provably gone
    assert taken == claim and cache.claim_holder("finetune", "k").is_me()
    cache.release(taken)
    assert not claim.exists()


_CHILD = """
import json, sys, time
sys.path.insert(0, {repo!r})
from tests.support.tiny import register_tiny_tasks
register_tiny_tasks()
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import run_experiment
from pathlib import Path
config = load_experiment({exp!r})
Path({ready!r}).touch()
while len(list(Path({ready!r}).parent.glob("ready-*"))) < 2:  # start together
    time.sleep(0.005)
summary = run_experiment(config)
json.dump(dict(summary.executed), open({out!r}, "w"))
"""


def test_two_concurrent_runs_execute_every_job_exactly_once(tiny_world, tmp_path):
    path = small_experiment(tmp_path, tiny_world, "twice")
    config = load_experiment(path)
    env = dict(os.environ, PYTHONPATH=child_pythonpath(), OMP_NUM_THREADS="1")
    children = []
    for i in range(2):
        ready, out = str(tmp_path / f"ready-{i}"), str(tmp_path / f"c{i}.json")
        code = _CHILD.format(repo=str(REPO), exp=str(path), ready=ready, out=out)
        children.append(
            subprocess.Popen(
                [sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        )
    for child in children:
        assert child.wait(timeout=240) == 0, child.stderr.read().decode()[-3000:]
    executed = [json.loads((tmp_path / f"c{i}.json").read_text()) for i in range(2)]
    total = sum(sum(counts.values()) for counts in executed)
    assert total == 5, executed  # 1 intermediate + 2 finetune + 2 evaluate, each built once
    assert all(sum(counts.values()) for counts in executed), executed  # the work was split
    metas = list(config.resolved_artifact_dir.glob("*/*/meta.json"))
    assert len(metas) == 5
    assert not list(config.resolved_artifact_dir.glob("*/.claim-*"))
    fresh = load_experiment(small_experiment(tmp_path / "fresh", tiny_world, "twice"))
    run_experiment(fresh, console=QUIET)
    assert config_scores(config) == config_scores(fresh)  # identical results, no duplicates
