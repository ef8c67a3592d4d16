"""Point 6: one clear line (and nothing lost) for a corrupt store, read-only or full disks, non-UTF-8
files and bad ``--set`` values; a complete store on read-only media stays readable."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess

import pytest

from tests.reliability.conftest import QUIET, config_scores, small_experiment
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import run_experiment


def _overwrite_header(path):
    with path.open("r+b") as handle:
        handle.write(b"this is not SQLite" * 6)


def _truncate(path):
    with path.open("r+b") as handle:
        handle.truncate(4096 + 100)


@pytest.fixture()
def finished(tiny_world, tmp_path):
    path = small_experiment(tmp_path, tiny_world, "faults")
    config = load_experiment(path)
    run_experiment(config, console=QUIET)
    return path, config, config_scores(config)


@pytest.mark.parametrize("damage", [_overwrite_header, _truncate], ids=["garbage-header", "truncated"])
def test_a_corrupt_store_is_one_line_and_rebuilt_from_the_artifacts(finished, cli, damage):
    path, config, good = finished
    damage(config.store_path)
    for command in (("results", path), ("status", path), ("run", path)):
        shown = cli(*command)
        assert shown.code == 2, (command, shown.out, shown.err)
        assert len(shown.error_lines) == 1 and "Traceback" not in shown.err, shown.err
        line = " ".join(shown.err.split())
        assert "results.sqlite" in line and "corrupt" in line and "xstilts store rebuild" in line
    rebuilt = cli("store", "rebuild", path)
    assert rebuilt.code == 0, rebuilt.err
    assert "re-recorded 5 job(s)" in " ".join(rebuilt.out.split())
    assert config_scores(config) == good  # every score is back, none recomputed
    again = run_experiment(config, console=QUIET)
    assert sum(again.executed.values()) == 0
    assert list(config.store_path.parent.glob("results.sqlite.corrupt-*"))  # kept for inspection


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_full_or_read_only_disk_is_one_line_and_finished_jobs_are_kept(
    tiny_world, tmp_path, cli, code, monkeypatch
):
    from xstilts.pipeline import cache as cache_module

    path = small_experiment(tmp_path, tiny_world, f"disk-{code}")
    config = load_experiment(path)
    real = cache_module.inventory
    published = []

    def failing(folder):
        if len(published) == 2:  # the third artifact hits the disk problem
            raise OSError(code, os.strerror(code), str(folder / "model.safetensors"))
        published.append(folder)
        return real(folder)

    monkeypatch.setattr(cache_module, "inventory", failing)
    shown = cli("run", path)
    assert shown.code == 2 and len(shown.error_lines) == 1, shown.err
    line = " ".join(shown.err.split())
    assert errno.errorcode[code] in line and "model.safetensors" in line and "fix:" in line
    assert not list(config.resolved_artifact_dir.glob("*/.tmp-*"))  # no half-written artifact
    kept = list(config.resolved_artifact_dir.glob("*/*/meta.json"))
    assert len(kept) == 2
    monkeypatch.setattr(cache_module, "inventory", real)
    summary = run_experiment(config, console=QUIET)
    assert sum(summary.executed.values()) == 3  # only what was not finished


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture()
def tiny_tmpfs(tmp_path):
    """A 2 MB tmpfs (a real full disk), where the machine allows mounting; else skip."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    if shutil.which("mount") is None or not _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)):
        pytest.skip("cannot mount a tmpfs here (the injected ENOSPC test covers this machine)")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_real_full_disk_is_one_line(tiny_world, tmp_path, cli, tiny_tmpfs):
    filler = tiny_tmpfs / "filler"
    filler.write_bytes(b"\0" * (2 * 1024 * 1024 - 64 * 1024))  # leave 64 KiB: less than one checkpoint
    path = small_experiment(tmp_path, tiny_world, "full", artifact_dir=str(tiny_tmpfs / "artifacts"))
    shown = cli("run", path)
    assert shown.code == 2 and len(shown.error_lines) == 1, shown.err[-2000:]
    assert "ENOSPC" in shown.err or "disk is full" in shown.err or "no space" in shown.err.lower()
    filler.unlink()
    config = load_experiment(path)
    run_experiment(config, console=QUIET)
    assert len(list(config.resolved_artifact_dir.glob("*/*/meta.json"))) == 5


@pytest.fixture()
def read_only(finished):
    """The finished experiment's output folder bind-mounted read-only (skip where not allowed)."""
    _, config, _ = finished
    folder = config.resolved_output_dir
    if not _mount("--bind", str(folder), str(folder)):
        pytest.skip("cannot bind-mount here")
    if not _mount("-o", "remount,ro,bind", str(folder)):
        subprocess.run(["umount", "-l", str(folder)], check=False)
        pytest.skip("cannot remount read-only here")
    yield finished
    subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_complete_store_on_read_only_media_is_readable(read_only, cli, monkeypatch):
    from tests.analysis.analysis_synthetic import fake_provider

    path, config, _good = read_only
    with pytest.raises(OSError):
        (config.resolved_output_dir / "probe").write_text("x")  # really read-only, even for root
    assert cli("results", path).code == 0
    assert cli("status", path).code == 0
    monkeypatch.setattr("xstilts.analysis.report.default_provider", fake_provider)
    monkeypatch.setattr("xstilts.analysis.report.uriel_meta", lambda languages: None)
    report = cli("report", path, "--out", str(path.parent / "report-elsewhere"), "--n-boot", "50")
    assert report.code == 0, report.err
    shown = cli("run", path, "--set", "seeds=[1, 2]")  # new work needs a writable store
    assert shown.code == 2 and len(shown.error_lines) == 1, shown.err
    assert "results.sqlite" in shown.err and "cannot be written" in " ".join(shown.err.split())


def test_non_utf8_config_and_data_name_the_file_and_byte_offset(tiny_world, tmp_path, cli):
    path = small_experiment(tmp_path, tiny_world, "latin")
    text = path.read_bytes()
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(text + b"description: caf\xe9\n")
    shown = cli("run", bad)
    assert shown.code == 2 and len(shown.error_lines) == 1
    assert "latin1.yaml" in shown.err and f"byte offset {len(text) + 16}" in shown.err

    data = tmp_path / "data"
    shutil.copytree(tiny_world["data"], data)
    test_file = data / "tinytopic" / "test-fr.jsonl"
    content = test_file.read_bytes()
    offset = content.index(b"mi")
    test_file.write_bytes(content[:offset] + b"\xff" + content[offset + 1 :])
    path = small_experiment(tmp_path, dict(tiny_world, data=data), "latin-data")
    shown = cli("run", path)
    assert shown.code == 2 and len(shown.error_lines) == 1, shown.err
    line = " ".join(shown.err.split())
    assert "test-fr.jsonl" in line and f"byte offset {offset}" in line and "not UTF-8" in line
    kept = list(load_experiment(path).resolved_artifact_dir.glob("*/*/meta.json"))
    assert kept  # what finished before the bad file is kept


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("seeds=[1,", "not valid YAML"),
        ("finetune.max_steps=lots", "from --set finetune.max_steps=lots"),
        ("conditions.none.x=1", "'conditions.none' is not a mapping"),
        ("=3", "expected KEY=VALUE"),
        ("finetune.max_stepz=3", "from --set finetune.max_stepz=3"),
    ],
)
def test_a_bad_set_value_is_one_line(tiny_world, tmp_path, cli, value, expected):
    path = small_experiment(tmp_path, tiny_world, "sets")
    shown = cli("run", path, "--dry-run", "--set", value)
    assert shown.code == 2 and len(shown.error_lines) == 1, shown.err
    assert expected in " ".join(shown.err.split())
