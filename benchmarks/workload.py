"""What a benchmark runs on (its *workload*): which tasks and data (real gettext or synthetic), which model.

A workload is one meaning for every benchmark, CPU or GPU: the task specs a benchmark trains and
evaluates and the folder their examples are read from (:meth:`Workload.examples`, the
project's own readers). Real data is the gettext world that ``xstilts data build gettext`` builds (msgdomain, msgkind,
msgretrieval); when it is not built, ``--data auto`` falls back to :mod:`benchmarks.synthetic`,
which has the same length mix. ``--model tiny`` builds a random 2-layer BERT with a word-level
tokenizer trained on the workload's texts: the structure of every benchmark can then be checked
in seconds, without the 470 MB e5 checkpoint. The GPU benchmark's workloads
(:func:`gpu_workloads`) are the synthetic ``synthpair`` and ``synthqa`` tasks, whose lengths are
set in pieces of an XLM-R-sized vocabulary.
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
    target: TaskSpec  # the task trained and scored: msgdomain / synthtopic (GPU: synthpair / synthqa)
    intermediate: TaskSpec | None = None  # msgkind / synthkind (the grid's intermediate task)
    retrieval: TaskSpec | None = None  # msgretrieval / synthretrieval
    sources: tuple[str, ...] = ()  # the grid's intermediate source languages

    def root(self, spec: TaskSpec) -> Path:
        return spec.data_root(self.data_dir)

    def examples(
        self, spec: TaskSpec, split: str, language: str, limit: int | None = None, seed: int = 0
    ) -> list[dict[str, Any]]:
        return read_examples(spec, self.root(spec), split, language, limit, seed)

    def test_languages(self, spec: TaskSpec) -> list[str]:
        return spec.languages_on_disk(self.root(spec)).get(spec.test_split, [])

    def describe(self) -> dict[str, Any]:
        described = {"data": self.kind, "target": self.target.name}
        for role, spec in (("intermediate", self.intermediate), ("retrieval", self.retrieval)):
            if spec is not None:
                described[role] = spec.name
        return {**described, "data_dir": str(self.root(self.target))}

    def grid_tasks(self) -> tuple[TaskSpec, TaskSpec]:
        """(intermediate, retrieval): the grid benchmarks need both; a GPU workload has neither."""
        if self.intermediate is None or self.retrieval is None:
            raise ValueError(f"workload {self.target.name!r} has no intermediate/retrieval task")
        return self.intermediate, self.retrieval


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


# (train, dev) examples per GPU workload; tiny (CPU check) sizes are 1/16 of the training sets.
GPU_SIZES = {"pair": (65_536, 512), "qa": (4096, 128)}


def gpu_workloads(workdir: Path, vocab_size: int, tiny: bool, seed: int = 0) -> dict[str, Workload]:
    """The GPU benchmark's two workloads, written once per vocabulary size under ``workdir``."""
    from benchmarks import synthetic

    synthetic.register_gpu_tasks()
    scale = 16 if tiny else 1
    sizes = {kind: (train // scale, max(16, dev // scale)) for kind, (train, dev) in GPU_SIZES.items()}
    root = synthetic.write_gpu_world(workdir / f"synthetic-gpu-{vocab_size}", vocab_size, sizes, seed)
    return {
        "pair": Workload("synthetic", root, synthetic.PAIR),
        "qa": Workload("synthetic", root, synthetic.QA),
    }


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
    intermediate, retrieval = workload.grid_tasks()
    texts: list[str] = []
    for spec in (workload.target, intermediate):
        for split, languages in spec.languages_on_disk(workload.root(spec)).items():
            for language in languages:
                texts.extend(e["text"] for e in workload.examples(spec, split, language))
    for language in workload.test_languages(retrieval):
        for pair in workload.examples(retrieval, "test", language):
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
