"""What a benchmark runs on: which tasks and data (real gettext or synthetic), which model.

Real data is the gettext world that ``xstilts data build gettext`` builds (msgdomain, msgkind,
msgretrieval); when it is not built, ``--data auto`` falls back to :mod:`benchmarks.synthetic`,
which has the same length mix. ``--model tiny`` builds a random 2-layer BERT with a word-level
tokenizer trained on the workload's texts: the structure of every benchmark can then be checked
in seconds, without the 470 MB e5 checkpoint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from xstilts.errors import MissingResourceError
from xstilts.tasks.loading import read_examples
from xstilts.tasks.registry import get_task
from xstilts.tasks.spec import TaskSpec

DataKind = Literal["real", "synthetic"]

# The three source languages of the grid benchmark's intermediate conditions.
REAL_SOURCES = ("en", "ja", "fi")
SYNTHETIC_SOURCES = ("en", "xa", "xb")


@dataclass(frozen=True)
class Workload:
    kind: DataKind
    data_dir: Path | None  # None: the tasks' built-data folder (real gettext data)
    target: TaskSpec  # classification target: msgdomain / synthtopic
    intermediate: TaskSpec  # msgkind / synthkind
    retrieval: TaskSpec  # msgretrieval / synthretrieval
    sources: tuple[str, ...]

    def root(self, spec: TaskSpec) -> Path:
        return spec.data_root(self.data_dir)

    def examples(
        self, spec: TaskSpec, split: str, language: str, limit: int | None = None, seed: int = 0
    ) -> list[dict[str, Any]]:
        return read_examples(spec, self.root(spec), split, language, limit, seed)

    def test_languages(self, spec: TaskSpec) -> list[str]:
        return spec.languages_on_disk(self.root(spec)).get(spec.test_split, [])

    def describe(self) -> dict[str, Any]:
        return {
            "data": self.kind,
            "target": self.target.name,
            "intermediate": self.intermediate.name,
            "retrieval": self.retrieval.name,
            "data_dir": str(self.root(self.target)),
        }


def _real_is_built() -> bool:
    spec = get_task("msgdomain")
    root = spec.data_root(None)
    return (root / spec.files["train"].format(lang="en")).is_file() and bool(
        spec.languages_on_disk(root).get("test")
    )


def resolve_workload(choice: str, workdir: Path, quick: bool) -> Workload:
    """``real`` (fails if not built), ``synthetic``, or ``auto`` (real when built; synthetic if quick)."""
    if choice == "real" or (choice == "auto" and not quick and _real_is_built()):
        if not _real_is_built():
            raise MissingResourceError(
                "the gettext tasks are not built",
                fix="run `xstilts data build gettext` or use --data synthetic",
            )
        return Workload(
            "real", None, get_task("msgdomain"), get_task("msgkind"), get_task("msgretrieval"), REAL_SOURCES
        )
    from benchmarks import synthetic

    synthetic.register_tasks()
    sizes = (400, 100, 40, 200) if quick else (8000, 1200, 500, 2000)
    root = synthetic.write_world(workdir / "synthetic-data", *sizes)
    return Workload(
        "synthetic", root, synthetic.TOPIC, synthetic.KIND, synthetic.RETRIEVAL, SYNTHETIC_SOURCES
    )


def resolve_model_folder(name: str | None, workload: Workload, workdir: Path, quick: bool) -> str:
    """A folder (or hub id) that both xstilts and ``from_pretrained`` load the same weights from.

    No name: multilingual-e5-small, or the tiny random model in quick mode.
    """
    name = name or ("tiny" if quick else "multilingual-e5-small")
    if name == "tiny":
        return str(build_tiny_model(workdir / "tiny-model", workload))
    from xstilts.models.loading import resolve_model

    return resolve_model(name).location


def _workload_texts(workload: Workload) -> list[str]:
    texts: list[str] = []
    for spec in (workload.target, workload.intermediate):
        for split, languages in spec.languages_on_disk(workload.root(spec)).items():
            for language in languages:
                texts.extend(e["text"] for e in workload.examples(spec, split, language))
    for language in workload.test_languages(workload.retrieval):
        for pair in workload.examples(workload.retrieval, "test", language):
            texts.extend((pair["source"], pair["target"]))
    return texts


def build_tiny_model(folder: Path, workload: Workload, seed: int = 0) -> Path:
    """A random 2-layer BERT (hidden 64) with a word-level tokenizer over the workload's texts."""
    from xstilts.models.random_init import save_random_word_level_encoder

    stamp = folder / "tiny.json"
    identity = {"workload": workload.describe(), "seed": seed}
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == identity:
        return folder
    save_random_word_level_encoder(
        folder, _workload_texts(workload), hidden_size=64, intermediate_size=128, max_positions=128,
        min_frequency=2, model_max_length=128, seed=seed,
    )  # fmt: skip
    stamp.write_text(json.dumps(identity), encoding="utf-8")
    return folder
