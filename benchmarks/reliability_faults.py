"""Fault table for issue 15: inject each fault N times on the tiny world and record the outcome.

Runs against whichever ``xstilts`` is first on ``sys.path`` (so the same script measures the code
before and after a change: ``PYTHONPATH=OLD/src:. python benchmarks/reliability_faults.py``), and
uses only APIs both have: ``load_experiment``, ``run_experiment``, ``ResultsStore`` and the CLI's
``main``. Prints a Markdown table ``fault | tries | outcome``. About 2-4 minutes per try on 2 cores.

    PYTHONPATH=src:. python benchmarks/reliability_faults.py --tries 3
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml
from rich.console import Console

REPO = Path(__file__).resolve().parents[1]
QUIET = Console(file=io.StringIO(), width=200)
SMALL = {"max_steps": 6, "batch_size": 8, "eval_every": 3, "learning_rate": 1e-3}


def experiment(folder: Path, world: dict, name: str, **overrides) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "name": name,
        "output_dir": str(folder / f"out-{name}"),
        "artifact_dir": str(folder / f"artifacts-{name}"),
        "data_dir": str(world["data"]),
        "models": [str(world["model"])],
        "seeds": [1],
        "conditions": {"none": [], "kind-en": ["tinykind:en"]},
        "targets": {"tinytopic": {}},
        "intermediate": SMALL,
        "finetune": SMALL,
        "runtime": {"precision": "fp32", "embedding_mode": "full", "threads": 1},
        "task_modules": ["tests.support.tiny"],
        "report": {"n_boot": 50},
        **overrides,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def load(path: Path, overrides=None):
    from xstilts.pipeline.config import load_experiment

    return load_experiment(path, overrides)


def run(path: Path, overrides=None, **kwargs):
    from xstilts.pipeline.runner import run_experiment

    return run_experiment(load(path, overrides), console=QUIET, **kwargs)


def scores(path: Path) -> list[tuple]:
    from xstilts.pipeline.store import ResultsStore

    config = load(path)
    frame = ResultsStore(config.store_path).scores_frame(config.name)
    cols = ["condition", "seed", "target_task", "language", "metric", "value"]
    return sorted(tuple(r) for r in frame[cols].itertuples(index=False))


def cli(*args) -> tuple[int, str, str]:
    """The CLI in-process: (exit code, stdout, stderr); an escaping exception is a 'traceback'."""
    from xstilts.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["xstilts", *map(str, args)]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    except Exception as error:
        code, err = -1, io.StringIO(f"Traceback: {type(error).__name__}: {error}")
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue()


def error_outcome(code: int, err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    if code == -1 or "Traceback" in err:
        return f"traceback ({err.split(':')[1].strip() if ':' in err else 'exception'})"
    if code == 2 and len(lines) == 1:
        return "clear error (one line)"
    return f"exit {code}, {len(lines)} stderr lines"


# -- scenarios: each returns one outcome string ------------------------------------------------
def config_mix(tmp: Path, world: dict) -> str:
    path = experiment(tmp, world, "mix")
    run(path)
    run(path, ["finetune.learning_rate=0.01"])
    run(path)
    fresh = experiment(tmp / "fresh", world, "mix")
    run(fresh)
    csv = tmp / "shown.csv"
    code, _, err = cli("results", path, "--csv", csv)
    if code != 0:
        return error_outcome(code, err)
    import pandas as pd

    shown = pd.read_csv(csv)
    expected = scores(fresh)
    got = sorted(
        tuple(r)
        for r in shown[["condition", "seed", "target_task", "language", "metric", "value"]].itertuples(
            index=False
        )
    )
    if got == expected:
        return "identical results"
    return f"mixed: {len(got)} rows shown for {len(expected)} of the config"


def cleanup_other_host(tmp: Path, world: dict) -> str:
    path = experiment(tmp, world, "share")
    root = load(path).resolved_artifact_dir / "finetune"
    other = root / ".tmp-abc-999999999-x"
    other.mkdir(parents=True)
    owner = {
        "host": "gpu-node-7",
        "boot_id": "b",
        "pid_ns": "",
        "pid": 999999999,
        "started": "",
        "heartbeat": time.time(),
    }
    (other / ".lease.json").write_text(json.dumps(owner), encoding="utf-8")
    dry = experiment(tmp, world, "dry")
    run(dry, dry_run=True)
    wrote = load(dry).store_path.exists()
    run(path)
    survived = other.is_dir()
    return (
        f"other host's temp folder {'kept' if survived else 'DELETED'}; "
        f"--dry-run {'wrote a store' if wrote else 'wrote nothing'}"
    )


_CHILD = """
import json, sys, time
from pathlib import Path
from tests.support.tiny import register_tiny_tasks
register_tiny_tasks()
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import run_experiment
config = load_experiment({exp!r})
Path({ready!r}).touch()
while len(list(Path({ready!r}).parent.glob("ready-*"))) < 2:
    time.sleep(0.005)
summary = run_experiment(config)
json.dump(dict(summary.executed), open({out!r}, "w"))
"""


def concurrent_runs(tmp: Path, world: dict) -> str:
    path = experiment(tmp, world, "twice")
    env = dict(os.environ, PYTHONPATH=os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    children = []
    for i in range(2):
        ready, out = str(tmp / f"ready-{i}"), str(tmp / f"c{i}.json")
        code = _CHILD.format(exp=str(path), ready=ready, out=out)
        children.append(
            subprocess.Popen(
                [sys.executable, "-c", code],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    errors = [child.communicate(timeout=300)[1] for child in children]
    failed = [e.strip().splitlines()[-1] for c, e in zip(children, errors, strict=True) if c.returncode != 0]
    executed = sum(
        sum(json.loads((tmp / f"c{i}.json").read_text()).values())
        for i in range(2)
        if (tmp / f"c{i}.json").exists()
    )
    crash = f"; crashed: {failed[0][:80]}" if failed else ""
    return f"{executed} executions for 5 jobs{crash}"


def _manifest(world: dict, tmp: Path) -> dict:
    data = tmp / "data"
    shutil.copytree(world["data"], data)
    files = {
        p.relative_to(data).as_posix(): {"sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
        for p in sorted(data.rglob("*.jsonl"))
    }
    (data / "manifest.json").write_text(json.dumps({"files": files}), encoding="utf-8")
    return dict(world, data=data)


def edited_data(tmp: Path, world: dict) -> str:
    world = _manifest(world, tmp)
    path = experiment(tmp, world, "edited")
    run(path)
    test_file = world["data"] / "tinytopic" / "test-de.jsonl"
    rows = test_file.read_text(encoding="utf-8").splitlines()
    test_file.write_text("\n".join(rows[: len(rows) // 2]) + "\n", encoding="utf-8")
    summary = run(path)
    redone = summary.executed.get("evaluate", 0)
    return "re-evaluated on the edited file" if redone else "STALE scores reused"


def _damage_checkpoint(tmp: Path, world: dict, name: str, damage) -> str:
    path = experiment(tmp, world, name)
    run(path)
    good = scores(path)
    config = load(path)
    weights = next(config.resolved_artifact_dir.glob("intermediate/*/model.safetensors"))
    damage(weights)
    for kind in ("finetune", "evaluate"):
        shutil.rmtree(config.resolved_artifact_dir / kind)
    code, out, err = cli("run", path)
    if code != 0:
        return error_outcome(code, err)
    named = str(weights) in " ".join(out.split())
    same = scores(path) == good
    return f"{'named, rebuilt' if named else 'not noticed'}; {'identical results' if same else 'DIFFERENT scores, exit 0'}"


def truncated(tmp, world):
    return _damage_checkpoint(tmp, world, "trunc", lambda p: os.truncate(p, p.stat().st_size // 2))


def bit_flip(tmp, world):
    def flip(p):
        data = bytearray(p.read_bytes())
        data[-5] ^= 0x40
        p.write_bytes(bytes(data))

    return _damage_checkpoint(tmp, world, "flip", flip)


def deleted_file(tmp, world):
    return _damage_checkpoint(tmp, world, "gone", os.remove)


def corrupt_store(tmp: Path, world: dict) -> str:
    path = experiment(tmp, world, "store")
    run(path)
    good = scores(path)
    store = load(path).store_path
    with store.open("r+b") as handle:
        handle.write(b"garbage!" * 16)
    outcome = error_outcome(*cli("results", path)[::2])
    code, _, _ = cli("store", "rebuild", path)
    back = code == 0 and scores(path) == good
    return f"{outcome}; {'rebuilt from artifacts: identical results' if back else 'scores not recoverable by the CLI'}"


def _mount(*args) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def full_disk(tmp: Path, world: dict) -> str:
    disk = tmp / "disk"
    disk.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)):
        return "skipped (cannot mount tmpfs)"
    try:
        (disk / "filler").write_bytes(b"\0" * (2 * 1024 * 1024 - 64 * 1024))
        path = experiment(tmp, world, "full", artifact_dir=str(disk / "artifacts"))
        outcome = error_outcome(*cli("run", path)[::2])
        (disk / "filler").unlink()
        code = cli("run", path)[0]
        return f"{outcome}; after freeing space: {'resumed, complete' if code == 0 else f'exit {code}'}"
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def read_only_store(tmp: Path, world: dict) -> str:
    path = experiment(tmp, world, "ro")
    run(path)
    folder = load(path).resolved_output_dir
    if not (_mount("--bind", str(folder), str(folder)) and _mount("-o", "remount,ro,bind", str(folder))):
        return "skipped (cannot bind-mount read-only)"
    try:
        results = cli("results", path)[0]
        status = cli("status", path)[0]
        write = error_outcome(*cli("run", path, "--set", "seeds=[1, 2]")[::2])
        return f"results exit {results}, status exit {status}; new run: {write}"
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def non_utf8_config(tmp: Path, world: dict) -> str:
    path = experiment(tmp, world, "latin")
    path.write_bytes(path.read_bytes() + b"description: caf\xe9\n")
    code, _, err = cli("run", path, "--dry-run")
    return error_outcome(code, err) + ("; names byte offset" if "byte offset" in err else "")


def non_utf8_data(tmp: Path, world: dict) -> str:
    data = tmp / "data"
    shutil.copytree(world["data"], data)
    target = data / "tinytopic" / "test-fr.jsonl"
    content = target.read_bytes()
    target.write_bytes(content.replace(b"mi", b"\xff", 1))
    path = experiment(tmp, dict(world, data=data), "latin-data")
    code, _, err = cli("run", path)
    return error_outcome(code, err) + ("; names file and byte offset" if "byte offset" in err else "")


def bad_set(tmp: Path, world: dict) -> str:
    path = experiment(tmp, world, "sets")
    outcomes = Counter(
        error_outcome(*cli("run", path, "--dry-run", "--set", v)[::2])
        for v in ("seeds=[1,", "conditions.none.x=1", "finetune.max_steps=lots")
    )
    return ", ".join(f"{n}x {o}" for o, n in outcomes.items()) + " (3 bad values)"


def config_holes(tmp: Path, world: dict) -> str:
    path = experiment(tmp, world, "holes", conditions={})
    empty = cli("run", path)[0]
    path = experiment(tmp, world, "holes2", models=["multilingual-e5-smal"])
    model = cli("run", path, "--dry-run")[0]
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["modles"] = raw.pop("models")
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    _code, _, err = cli("run", path, "--dry-run")
    flagged = "modles" in err
    return (
        f"conditions: {{}} exit {empty}; misspelt model --dry-run exit {model}; "
        f"'modles:' {'flagged with did-you-mean' if flagged and 'did you mean' in err else 'only Field required'}"
    )


def sigterm(tmp: Path, world: dict) -> str:
    slow = {"max_steps": 40, "batch_size": 8, "eval_every": 20, "learning_rate": 1e-3}
    path = experiment(tmp, world, "term", finetune=slow)
    config = load(path)
    env = dict(os.environ, PYTHONPATH=os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1", COLUMNS="250")
    child = subprocess.Popen(
        [sys.executable, "-m", "xstilts", "run", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 120
    while (
        time.time() < deadline
        and child.poll() is None
        and not [
            p
            for p in config.resolved_artifact_dir.glob("intermediate/*/meta.json")
            if not p.parent.name.startswith(".")
        ]
    ):
        time.sleep(0.02)
    child.send_signal(signal.SIGTERM)
    out, _ = child.communicate(timeout=60)
    from xstilts.pipeline.store import ResultsStore

    status = list(ResultsStore(config.store_path).runs_frame("term").status)
    told = "resume with" in out
    summary = run(path)
    return f"exit {child.returncode}, run row {status}, {'told how to resume' if told else 'no resume hint'}; resumed: {sum(summary.executed.values())} jobs left"


def partial(tmp: Path, world: dict) -> str:
    path = experiment(tmp, world, "part")
    run(path)
    grown = experiment(tmp, world, "part", targets={"tinytopic": {}, "tinytags": {}})
    code, out, _ = cli("results", grown)
    first = out.strip().splitlines()[0] if out.strip() else ""
    return f"first line: {first!r}" if code == 0 else f"exit {code}"


SCENARIOS = {
    "1 config changed with --set, then the original rerun": config_mix,
    "2 temp folder of another host at start; --dry-run": cleanup_other_host,
    "3 two concurrent runs of one experiment": concurrent_runs,
    "4 built dataset file edited after the run": edited_data,
    "5 checkpoint truncated": truncated,
    "5 checkpoint bit-flipped (same size)": bit_flip,
    "5 checkpoint file deleted": deleted_file,
    "6 results.sqlite overwritten (corrupt)": corrupt_store,
    "6 full disk (2 MB tmpfs)": full_disk,
    "6 store on read-only media (ro bind mount)": read_only_store,
    "6 config not UTF-8": non_utf8_config,
    "6 data file not UTF-8": non_utf8_data,
    "6 bad --set values": bad_set,
    "7 config holes": config_holes,
    "8 SIGTERM mid-run": sigterm,
    "9 results while jobs are pending": partial,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated scenario numbers, e.g. 3,8")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    base = Path(tempfile.mkdtemp(prefix="xstilts-faults-"))
    os.environ["XSTILTS_HOME"] = str(base / "home")
    from tests.support.tiny import build_tiny_model, register_tiny_tasks, write_data

    register_tiny_tasks()
    data = write_data(base / "world" / "data")
    world = {"data": data, "model": build_tiny_model(base / "world" / "model", data)}
    wanted = set(filter(None, args.only.split(",")))
    print("| fault | tries | outcome |\n|---|---|---|")
    for name, scenario in SCENARIOS.items():
        if wanted and name.split()[0] not in wanted:
            continue
        outcomes: Counter = Counter()
        started = time.perf_counter()
        for i in range(args.tries):
            folder = base / f"{scenario.__name__}-{i}"
            folder.mkdir()
            try:
                outcomes[scenario(folder, world)] += 1
            except Exception as error:
                outcomes[f"traceback ({type(error).__name__}: {str(error)[:80]})"] += 1
        shown = "; ".join(
            f"{o}" + (f" ({n}/{args.tries})" if len(outcomes) > 1 else "") for o, n in outcomes.items()
        )
        print(
            f"| {name} | {args.tries} | {shown} | <!-- {time.perf_counter() - started:.0f} s -->", flush=True
        )
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
