"""The udhr-retrieval task spec, its reader, the language table and stratified subsets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xstilts.data.manifest import BuildResult
from xstilts.data.udhr import language_meta, stratified_subset
from xstilts.errors import ConfigError, DataFormatError, MissingResourceError
from xstilts.tasks.registry import get_task
from xstilts.tasks.spec import TaskType
from xstilts.tasks.types import get_task_type


def test_spec_discovers_languages_on_disk_and_reads_examples(built: BuildResult) -> None:
    spec = get_task("udhr-retrieval")
    assert spec.task_type is TaskType.RETRIEVAL and not spec.trainable
    assert spec.metrics == ("retrieval_accuracy", "mrr", "retrieval_margin")
    assert spec.data_root().parts[-2:] == ("udhr", "v1")  # default: XSTILTS_HOME/data/udhr/v1
    on_disk = spec.languages_on_disk(built.path)["test"]
    assert on_disk == built.manifest.languages
    examples = spec.read(built.path, "test", "ara")
    assert len(examples) == 50 and set(examples[0]) == set(get_task_type(TaskType.RETRIEVAL).fields)
    assert examples[0]["id"] == "a1.1"


def test_the_fingerprint_reads_the_udhr_manifest_instead_of_re_hashing(
    built: BuildResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xstilts.pipeline import fingerprint

    def no_hashing(path):
        raise AssertionError(f"{path} re-hashed although the manifest records it")

    monkeypatch.setattr(fingerprint, "file_sha256", no_hashing)
    spec = get_task("udhr-retrieval")
    recorded = built.manifest.files["retrieval/ara.jsonl"].sha256
    assert fingerprint.source_fingerprint(spec, built.path, "test", "ara") == recorded


@pytest.mark.parametrize(
    ("content", "problem", "line"),
    [
        ('{"id": "a1.1", "source": "x", "target": "y"}\n{"id": "a1.2", "source": "x"\n', "broken JSON", 2),
        ('{"id": "a1.1", "source": "x", "target": ""}\n', "missing or empty field 'target'", 1),
        ('["a1.1", "x", "y"]\n', "expected a JSON object", 1),
        ('{"id": "a1.1", "source": "x", "target": "y"}\n' * 2, "appears twice", 2),
    ],
)
def test_reader_reports_malformed_lines(tmp_path: Path, content: str, problem: str, line: int) -> None:
    (tmp_path / "retrieval").mkdir()
    (tmp_path / "retrieval" / "xxx.jsonl").write_text(content, encoding="utf-8")
    with pytest.raises(DataFormatError) as raised:
        get_task("udhr-retrieval").read(tmp_path, "test", "xxx")
    assert problem in str(raised.value) and raised.value.line == line
    assert str(raised.value).startswith(str(tmp_path / "retrieval" / "xxx.jsonl"))


def test_reader_missing_language_names_the_build_command(tmp_path: Path) -> None:
    with pytest.raises(MissingResourceError, match="xstilts data build udhr"):
        get_task("udhr-retrieval").read(tmp_path, "test", "zzz")


def test_language_meta(built: BuildResult) -> None:
    meta = language_meta(built.path)
    assert list(meta.columns) == ["language", "name", "family", "latitude", "longitude", "script", "units"]
    assert len(meta) == 12 and meta["language"].is_monotonic_increasing
    row = meta.set_index("language").loc["mal"]
    assert (row["family"], row["script"], int(row["units"])) == ("Dravidian", "Mlym", 48)
    assert meta["latitude"].dtype.kind == "f"
    assert language_meta(built.path.parent).equals(meta)  # the udhr folder works too


def test_language_meta_errors(built: BuildResult, tmp_path: Path) -> None:
    with pytest.raises(MissingResourceError, match="xstilts data build udhr"):
        language_meta(tmp_path)
    shutil.copy(built.path / "languages.csv", tmp_path / "languages.csv")
    text = (tmp_path / "languages.csv").read_text(encoding="utf-8").replace("family,", "famly,", 1)
    (tmp_path / "languages.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"languages.csv:1: missing column\(s\) \['family'\]"):
        language_meta(tmp_path)


def test_stratified_subset_covers_families_round_robin(built: BuildResult) -> None:
    root = built.path
    family = language_meta(root).set_index("language")["family"]
    # Largest family first, then the next: Indo-European, Dravidian, then single-language families A-Z.
    three = stratified_subset(3, min_families=3, data_root=root)
    assert sorted(family[three]) == ["Afro-Asiatic", "Dravidian", "Indo-European"]
    nine = stratified_subset(9, min_families=8, data_root=root)
    assert family[nine].nunique() == 8 and "niv" not in nine  # unknown family only when all else is used
    assert stratified_subset(12, min_families=8, data_root=root) == sorted(family.index)


def test_stratified_subset_is_deterministic_and_seeded(built: BuildResult) -> None:
    root = built.path
    picks = {seed: stratified_subset(3, min_families=3, seed=seed, data_root=root) for seed in range(8)}
    assert stratified_subset(3, min_families=3, seed=5, data_root=root) == picks[5]
    indo_european = {next(c for c in pick if c in {"deu", "fas", "kmr"}) for pick in picks.values()}
    assert len(indo_european) > 1  # the seed chooses within a family
    assert all("mal" not in pick for pick in picks.values())  # mal has fewer units than tam: tam first


def test_stratified_subset_refuses_impossible_requests(built: BuildResult) -> None:
    with pytest.raises(ConfigError, match="cover only 3 families"):
        stratified_subset(3, min_families=4, data_root=built.path)
    with pytest.raises(ConfigError, match="cannot pick 13"):
        stratified_subset(13, min_families=1, data_root=built.path)


def test_language_metadata_comes_from_the_spec_field_not_the_task_name(built: BuildResult) -> None:
    from xstilts.pipeline.config import ExperimentConfig

    spec = get_task("udhr-retrieval")
    assert spec.builder == "udhr" and get_task("msgdomain").builder == "gettext"
    assert get_task("msgdomain").read_language_meta() is None
    meta = spec.read_language_meta(built.path)
    assert sorted(meta["language"]) == built.manifest.languages

    def config(targets: dict) -> ExperimentConfig:
        return ExperimentConfig(
            name="m", data_dir=built.path, models=["m"], seeds=[1], conditions={"none": []}, targets=targets
        )

    assert config({"msgdomain": {}}).language_meta() is None
    both = config({"msgdomain": {}, "udhr-retrieval": {}}).language_meta()
    assert list(both["language"]) == list(meta["language"])
