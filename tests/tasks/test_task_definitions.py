"""Registry-wide checks on the declared tasks (parametrized over the registry, as mteb does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xstilts.languages import get_language
from xstilts.tasks import Role, TaskType, all_tasks, get_task
from xstilts.tasks.metrics import all_metrics
from xstilts.tasks.readers.sources import ReleaseTaskSpec

ALL_TASKS = sorted(all_tasks())
OUR_TASKS = sorted(name for name, spec in all_tasks().items() if isinstance(spec, ReleaseTaskSpec))
ALLOWED_METRICS = set(all_metrics())
MAIN_METRIC = {
    TaskType.CLASSIFICATION: {"accuracy"},
    TaskType.PAIR_CLASSIFICATION: {"accuracy"},
    TaskType.MULTIPLE_CHOICE: {"accuracy"},
    # XTREME: SQuAD v1.1 script for XQuAD/TyDiQA/SQuAD, MLQA script for MLQA
    TaskType.SPAN_QA: {"squad_f1", "mlqa_f1", "qa_f1", "squad_v2_f1"},
}


@pytest.mark.parametrize("task", ALL_TASKS)
def test_every_task_has_known_languages_and_an_importable_reader(task: str) -> None:
    spec = get_task(task)
    for code in (*spec.languages, *spec.train_languages):
        get_language(code)  # raises UnknownNameError for an unknown code
    assert callable(spec.resolve_reader())


@pytest.mark.parametrize("task", OUR_TASKS)
def test_our_metrics_labels_and_patterns(task: str) -> None:
    spec = get_task(task)
    assert set(spec.metrics) <= ALLOWED_METRICS
    if spec.task_type in MAIN_METRIC:
        assert spec.main_metric in MAIN_METRIC[spec.task_type]
    if spec.task_type in (TaskType.CLASSIFICATION, TaskType.PAIR_CLASSIFICATION):
        assert len(spec.labels) >= 2
    if spec.trainable:  # retrieval: train_languages[0] is only the English pivot side
        assert set(spec.train_languages) <= set(spec.languages)
    for split in spec.splits:
        for pattern in spec.patterns(split):
            shared = pattern in getattr(spec, "all_language_files", ())
            assert (
                "{lang}" in pattern
                or shared
                or spec.languages == ("en",)
                or split == "train"
                or task == "xquad"
            )
    assert spec.test_split in spec.splits or task in ("xnli-dev-as-train",)


def test_xtreme_targets_follow_evaluate_py() -> None:
    counts = {
        "xnli": 15,
        "pawsx": 7,
        "udpos": 33,
        "panx": 40,
        "xquad": 11,
        "mlqa": 7,
        "tydiqa": 9,
        "bucc2018": 4,
        "tatoeba": 36,
    }
    for name, count in counts.items():
        spec = get_task(name)
        assert spec.roles == (Role.TARGET,)
        assert len(spec.languages) == len(set(spec.languages)) == count, name
    assert get_task("udpos").metrics[:2] == ("token_accuracy", "xtreme_pos_f1")
    assert get_task("panx").labels == ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")
    assert len(get_task("udpos").labels) == 17
    assert get_task("ccg").labels == ()
    assert "SQuAD v1.1" in get_task("xquad").description and "SQuAD v1.1" in get_task("mlqa").description


def test_intermediate_variants_in_other_source_languages() -> None:
    translate = get_task("xnli-translate-train")
    assert translate.roles == (Role.INTERMEDIATE,)
    assert set(translate.train_languages) == set(get_task("xnli").languages) - {"en"}
    assert get_task("xnli-dev-as-train").train_languages == get_task("xnli").languages
    assert get_task("pawsx-translate-train").train_languages == ("de", "es", "fr", "ja", "ko", "zh")


def test_languages_on_disk_handles_repeated_lang_globs_and_lang_free_patterns(tmp_path: Path) -> None:
    (tmp_path / "mlqa/MLQA_V1/dev").mkdir(parents=True)
    (tmp_path / "mlqa/MLQA_V1/dev/dev-context-de-question-de.json").write_text("{}")
    (tmp_path / "mlqa/MLQA_V1/dev/dev-context-de-question-en.json").write_text(
        "{}"
    )  # cross-lingual: not ours
    (tmp_path / "squad").mkdir()
    (tmp_path / "squad/train-v1.1.json").write_text("{}")
    assert get_task("mlqa").languages_on_disk(tmp_path) == {"train": ["en"], "dev": ["de"], "test": []}
    treebank = tmp_path / "ud-treebanks-v2.5/UD_Czech-PDT"
    treebank.mkdir(parents=True)
    (treebank / "cs_pdt-ud-test.conllu").write_text("")  # Czech is not an XTREME UD-POS language
    (tmp_path / "ud-treebanks-v2.5/UD_Hindi-HDTB").mkdir()
    (tmp_path / "ud-treebanks-v2.5/UD_Hindi-HDTB/hi_hdtb-ud-test.conllu").write_text("")
    assert get_task("udpos").languages_on_disk(tmp_path)["test"] == ["hi"]
