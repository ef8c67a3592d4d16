"""Points 4 and 5: edited data changes fingerprints; corrupt artifacts are named, set aside, rebuilt."""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import pytest

from tests.reliability.conftest import QUIET, config_scores, small_experiment
from xstilts.data.manifest import DatasetManifest, file_record
from xstilts.errors import DataFormatError
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import prepare, run_experiment
from xstilts.tasks import get_task


def _with_manifest(tiny_world, tmp_path):
    """A copy of the tiny data as a built dataset: every file's sha256 in manifest.json (written last)."""
    data = tmp_path / "data"
    shutil.copytree(tiny_world["data"], data)
    files = {
        p.relative_to(data).as_posix(): file_record(p.read_bytes()) for p in sorted(data.rglob("*.jsonl"))
    }
    DatasetManifest(
        dataset="tiny",
        dataset_version="v1",
        builder_version="1",
        built_at="",
        input_fingerprint="",
        sources=[],
        parameters={},
        languages=["de", "en", "fr"],
        files=files,
    ).write(data)
    return dict(tiny_world, data=data)


def _keys(config) -> dict[str, str]:
    plan, _ = prepare(config, write=False)
    return {job.label: job.key for job in plan.jobs.values()}


def test_an_edited_data_file_changes_the_fingerprint_and_is_rerun(tiny_world, tmp_path):
    world = _with_manifest(tiny_world, tmp_path)
    config = load_experiment(small_experiment(tmp_path, world, "edited"))
    run_experiment(config, console=QUIET)
    before = _keys(config)
    test_file = world["data"] / "tinytopic" / "test-de.jsonl"
    rows = test_file.read_text(encoding="utf-8").splitlines()
    test_file.write_text("\n".join(rows[: len(rows) // 2]) + "\n", encoding="utf-8")  # edited in place
    after = _keys(config)
    changed = {label for label in before if before[label] != after[label]}
    assert changed and all("→" in label for label in changed)  # the evaluations that read it
    summary = run_experiment(config, console=QUIET)
    assert summary.executed == {"evaluate": 2}  # stale scores are not reused; training is
    frame = prepare(config, write=False)[1].store.scores_frame("edited")
    de = frame[(frame.language == "de") & (frame.job_id.isin(after.values()))]
    assert set(de.n_examples) == {len(rows) // 2}


def test_an_untouched_built_dataset_still_uses_the_manifest_hash(tiny_world, tmp_path):
    world = _with_manifest(tiny_world, tmp_path)
    from xstilts.pipeline.fingerprint import data_fingerprint

    manifest = json.loads((world["data"] / "manifest.json").read_text())
    relative = "tinytopic/test-fr.jsonl"
    assert data_fingerprint(world["data"], relative) == manifest["files"][relative]["sha256"]


def test_a_valid_manifest_spares_re_hashing(tiny_world, tmp_path, monkeypatch):
    world = _with_manifest(tiny_world, tmp_path)
    from xstilts.pipeline import fingerprint

    def no_hashing(path):
        raise AssertionError(f"{path} re-hashed although the manifest records it")

    monkeypatch.setattr(fingerprint, "file_sha256", no_hashing)
    spec = get_task("tinytopic")
    expected = hashlib.sha256((world["data"] / "tinytopic/test-de.jsonl").read_bytes()).hexdigest()
    assert fingerprint.source_fingerprint(spec, world["data"], "test", "de") == expected


def test_a_manifest_of_an_older_schema_is_one_line_saying_how_to_rebuild(tiny_world, tmp_path):
    world = _with_manifest(tiny_world, tmp_path)
    files = {"tinytopic/test-de.jsonl": {"sha256": "0" * 64}}
    (world["data"] / "manifest.json").write_text(json.dumps({"builder_version": 2, "files": files}))
    from xstilts.pipeline.fingerprint import data_fingerprint

    with pytest.raises(DataFormatError) as caught:
        data_fingerprint(world["data"], "tinytopic/test-de.jsonl")
    message = str(caught.value)
    assert "older xstilts" in message and "xstilts data build" in message and "\n" not in message


def _artifact(config, kind: str):
    return next(config.resolved_artifact_dir.glob(f"{kind}/*/model.safetensors"))


def _truncate(path):
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


def _flip(path):
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("fault", "damage", "expected"),
    [
        ("truncated", _truncate, "bytes,"),
        ("bit-flipped", _flip, "differs from its sha256"),
        ("deleted", os.remove, "file missing"),
    ],
)
def test_a_corrupt_checkpoint_is_named_set_aside_and_rebuilt(tiny_world, tmp_path, fault, damage, expected):
    config = load_experiment(small_experiment(tmp_path, tiny_world, f"c-{fault}"))
    run_experiment(config, console=QUIET)
    good = config_scores(config)
    weights = _artifact(config, "intermediate")
    damage(weights)
    for kind in ("finetune", "evaluate"):  # its descendants must load it again, and score again
        shutil.rmtree(config.resolved_artifact_dir / kind)
    summary = run_experiment(config, console=QUIET)
    lines = [note for note in summary.notes if note.startswith("corrupt")]
    assert len(lines) == 1 and str(weights) in lines[0] and expected in lines[0], summary.notes
    assert summary.executed["intermediate"] == 1  # rebuilt, not used
    assert list(weights.parent.parent.glob(".corrupt-*"))  # the bad one is kept aside for inspection
    assert config_scores(config) == good  # identical scores after the rebuild


def test_a_lost_meta_json_rebuilds_the_artifact(tiny_world, tmp_path):
    config = load_experiment(small_experiment(tmp_path, tiny_world, "nometa"))
    run_experiment(config, console=QUIET)
    folder = _artifact(config, "intermediate").parent
    (folder / "meta.json").unlink()
    summary = run_experiment(config, console=QUIET)
    assert summary.executed["intermediate"] == 1
    assert (folder / "meta.json").is_file()  # published, not discarded next to the leftover


def test_verify_finds_corruption_that_kept_size_and_mtime(tiny_world, tmp_path, cli):
    path = small_experiment(tmp_path, tiny_world, "verify")
    config = load_experiment(path)
    run_experiment(config, console=QUIET)
    good = config_scores(config)
    assert cli("verify", path).code == 0
    weights = _artifact(config, "finetune")
    stat = weights.stat()
    _flip(weights)
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # size and mtime as published
    checked = cli("verify", path)
    assert checked.code == 1 and str(weights) in " ".join(checked.out.split())
    assert cli("verify", path, "--repair").code == 1
    summary = run_experiment(config, console=QUIET)
    assert summary.executed["finetune"] == 1
    assert cli("verify", path).code == 0
    assert config_scores(config) == good


def test_a_copy_with_new_mtimes_is_hashed_once_then_trusted(tmp_path, monkeypatch):
    from xstilts.pipeline import cache as cache_module
    from xstilts.pipeline.cache import ArtifactCache

    cache = ArtifactCache(tmp_path)
    with cache.build("finetune", "k", {}) as folder:
        (folder / "model.safetensors").write_bytes(b"weights" * 100)
    weights = tmp_path / "finetune" / "k" / "model.safetensors"
    os.utime(weights, ns=(1, 1))  # as after `cp -r` without -p: same bytes, new mtime
    hashed = []
    real = cache_module.sha256_file
    monkeypatch.setattr(cache_module, "sha256_file", lambda path: hashed.append(path) or real(path))
    assert cache.check("finetune", "k") is None and len(hashed) == 1
    assert cache.check("finetune", "k") is None and len(hashed) == 1  # the new mtime was recorded
    weights.write_bytes(b"Weights" * 100)  # same size, new content
    assert "differs from its sha256" in cache.check("finetune", "k")


def test_verify_compares_the_store_with_the_artifacts_and_rebuild_repairs_it(tiny_world, tmp_path, cli):
    import sqlite3

    path = small_experiment(tmp_path, tiny_world, "tampered")
    config = load_experiment(path)
    run_experiment(config, console=QUIET)
    good = config_scores(config)
    con = sqlite3.connect(config.store_path)
    con.execute("UPDATE scores SET value = value + 1 WHERE language = 'de' AND is_main = 1")
    con.commit()
    con.close()
    checked = cli("verify", path)
    assert checked.code == 1 and "store-differs" in checked.out and "de/accuracy" in checked.out
    assert cli("store", "rebuild", path).code == 0
    assert config_scores(config) == good and cli("verify", path).code == 0
