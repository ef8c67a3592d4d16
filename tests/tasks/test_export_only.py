"""Every task with a ``datasets`` export fallback locates, plans and reads from the export alone.

The fixture trees hold only ``<task>/<split>-<lang>.jsonl`` files (what ``Dataset.to_json``
writes), never the release layout, so the locator, the data fingerprint, the planner and the
readers must all find the same export file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.reliability.conftest import cli  # noqa: F401 - the CLI runner fixture
from xstilts.errors import MissingResourceError
from xstilts.pipeline.fingerprint import source_fingerprint
from xstilts.tasks import get_task
from xstilts.tasks.loading import read_examples
from xstilts.tasks.readers.sources import ReleaseTaskSpec
from xstilts.tasks.registry import all_tasks
from xstilts.tasks.spec import TaskSpec, TaskType
from xstilts.tasks.types import get_task_type


def _export_pattern(spec: TaskSpec, split: str) -> str:
    return f"{spec.name}/{split}-{{lang}}.jsonl"


def _exported_splits() -> list[tuple[str, str]]:
    """(task, split) for every registered split whose fallbacks include the export layout."""
    found = []
    for name, spec in all_tasks().items():
        if not isinstance(spec, ReleaseTaskSpec):
            continue
        for split in spec.splits:
            if _export_pattern(spec, split) in spec.fallback_files.get(split, ()):
                found.append((name, split))
    return found


EXPORTED = _exported_splits()

_MULTIPLE_CHOICE = {  # per dataset: the Hub's own columns
    "commonsenseqa": lambda i: {
        "id": f"c{i}",
        "question": f"Where do fish {i} live?",
        "question_concept": "fish",
        "choices": {"label": ["A", "B", "C"], "text": ["tree", "water", "sky"]},
        "answerKey": "B",
    },
    "cosmosqa": lambda i: {
        "id": f"k{i}",
        "context": "c",
        "question": "q",
        **{f"answer{k}": f"a{k}" for k in range(4)},
        "label": i % 4,
    },
    "hellaswag": lambda i: {
        "ind": i,
        "ctx_a": "A man",
        "ctx_b": "then",
        "endings": ["x", "y", "z", "w"],
        "label": str(i % 4),
    },
}


def _record(spec: TaskSpec, index: int) -> dict:
    """One export record of ``spec``'s dataset, in the columns ``Dataset.to_json`` writes."""
    kind = spec.task_type
    if kind is TaskType.PAIR_CLASSIFICATION:
        return {"premise": f"p {index}", "hypothesis": f"h {index}", "label": index % len(spec.labels)}
    if kind is TaskType.CLASSIFICATION:
        return {"sentence": f"s {index}", "label": index % len(spec.labels), "idx": index}
    if kind is TaskType.TAGGING:
        tag = spec.labels[index % len(spec.labels)] if spec.labels else "N"
        return {"tokens": ["a", "b"], "tags": [tag, tag]}
    if kind is TaskType.SPAN_QA:
        return {
            "id": f"q{index}",
            "context": "Normandy is in France.",
            "question": "Where?",
            "answers": {"text": ["France"], "answer_start": [15]},
        }
    if kind is TaskType.RETRIEVAL:
        return {"source_sentence": f"Satz {index}", "target_sentence": f"sentence {index}"}
    return _MULTIPLE_CHOICE[spec.name](index)


def _language(spec: TaskSpec, split: str) -> str:
    """A language the split has: the source language for train, else a non-English one if any."""
    if split == "train":
        return spec.train_languages[-1]
    return next((lang for lang in spec.languages if lang != "en"), spec.languages[0])


def write_export(root: Path, spec: TaskSpec, split: str, lang: str, n: int = 3) -> Path:
    path = root / _export_pattern(spec, split).format(lang=lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [json.dumps(_record(spec, i), ensure_ascii=False) for i in range(n)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_registry_declares_exports_for_the_xtreme_and_intermediate_tasks() -> None:
    names = {name for name, _ in EXPORTED}
    assert {"mnli", "xnli", "pawsx", "udpos", "panx", "squad_v2", "tatoeba", "hellaswag"} <= names


@pytest.mark.parametrize(("task", "split"), EXPORTED, ids=[f"{t}-{s}" for t, s in EXPORTED])
def test_a_task_locates_fingerprints_and_reads_its_export_alone(tmp_path: Path, task: str, split: str):
    spec = get_task(task)
    lang = _language(spec, split)
    path = write_export(tmp_path, spec, split, lang)
    assert spec.locate(tmp_path, split, lang) == path
    assert lang in spec.languages_on_disk(tmp_path)[split]
    before = source_fingerprint(spec, tmp_path, split, lang)
    examples = read_examples(spec, tmp_path, split, lang)
    assert len(examples) == 3
    assert all(field in examples[0] for field in get_task_type(spec.task_type).fields)
    write_export(tmp_path, spec, split, lang, n=2)  # an edited export is other data
    assert source_fingerprint(spec, tmp_path, split, lang) != before


def test_the_locator_names_every_place_it_tried(tmp_path: Path) -> None:
    with pytest.raises(MissingResourceError) as caught:
        get_task("mnli").locate(tmp_path, "train", "en")
    message = str(caught.value)
    for tried in ("glue_data/MNLI/train.tsv", "multinli_1.0/multinli_1.0_train.jsonl", "mnli/train-en.jsonl"):
        assert tried in message


def test_a_study_plans_and_reads_from_exports_alone(tiny_world, tmp_path: Path, cli) -> None:  # noqa: F811
    """mnli as intermediate task, xnli as target: only ``datasets`` exports on disk."""
    data = tmp_path / "data"
    for task, split, lang in [
        ("mnli", "train", "en"),
        ("mnli", "dev", "en"),
        ("xnli", "train", "en"),
        ("xnli", "dev", "en"),
        ("xnli", "test", "en"),
        ("xnli", "test", "de"),
    ]:
        write_export(data, get_task(task), split, lang)
    config = {
        "name": "exports",
        "output_dir": str(tmp_path / "out"),
        "artifact_dir": str(tmp_path / "artifacts"),
        "data_dir": str(data),
        "models": [str(tiny_world["model"])],
        "seeds": [1],
        "conditions": {"none": [], "mnli": ["mnli:en"]},
        "targets": {"xnli": {}},
        "intermediate": {"max_steps": 2, "batch_size": 2},
        "finetune": {"max_steps": 2, "batch_size": 2},
        "runtime": {"precision": "fp32", "threads": 1},
    }
    path = tmp_path / "exports.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    shown = cli("run", str(path), "--dry-run")
    assert shown.code == 0, shown.out + shown.err
    assert "glue_data" not in shown.err
    from xstilts.pipeline.config import load_experiment
    from xstilts.pipeline.planner import build_plan

    plan = build_plan(load_experiment(path), "fp32")
    kinds = sorted(job.kind for job in plan.jobs.values())
    assert kinds.count("intermediate") == 1 and kinds.count("evaluate") == 2
