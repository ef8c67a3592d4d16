"""The whole build on a tiny locale directory: skipping, dedup, pools, manifest, idempotency."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from gettext_fixtures import AMBIGUOUS, SHARED, make_locale_dir, write_mo

from xstilts.data.gettext import build as build_module
from xstilts.data.gettext import datasets
from xstilts.data.gettext.build import build
from xstilts.data.gettext.corpus import collect
from xstilts.data.manifest import read_manifest
from xstilts.errors import MissingResourceError

pytestmark = pytest.mark.usefixtures("small_thresholds")


def _rows(root: Path, relative: str) -> list[dict]:
    return [json.loads(line) for line in (root / relative).read_text(encoding="utf-8").splitlines()]


def _all_rows(root: Path) -> dict[str, list[dict]]:
    return {
        path.relative_to(root).as_posix(): _rows(root, path.relative_to(root).as_posix())
        for path in root.rglob("*.jsonl")
    }


def test_broken_catalogs_are_skipped_with_one_line_and_the_build_continues(
    locale_dir: Path, tmp_path: Path
) -> None:
    result = build(locale_dir, out_dir=tmp_path / "out")
    skipped = result.manifest.details["skipped_catalogs"]
    assert len(skipped) == 2
    assert skipped[0].startswith(f"{locale_dir}/de/LC_MESSAGES/apt.mo: not a GNU .mo file")
    assert skipped[1].startswith(f"{locale_dir}/ja/LC_MESSAGES/git.mo: truncated .mo file")
    assert all("\n" not in line for line in skipped)
    # the rest of German and Japanese is there
    assert result.manifest.details["tasks"]["msgdomain"]["test"]["de"] > 0
    assert result.manifest.details["tasks"]["msgdomain"]["test"]["ja"] > 0


def test_locales_domains_and_drops_in_manifest(locale_dir: Path, tmp_path: Path) -> None:
    manifest = build(locale_dir, out_dir=tmp_path / "out").manifest
    assert manifest.details["locales"] == {"de": "de", "fi": "fi", "ja": "ja", "pt": "pt_BR", "ru": "ru"}
    domains = {entry["name"]: entry for entry in manifest.details["domains"]}
    assert domains["git"]["present"] and domains["git"]["catalogs"] == ["git"]
    assert domains["iso_639"]["present"] and domains["iso_639"]["class"] is None
    assert (
        not domains["psql"]["present"] and domains["psql"]["install_hint"] == "apt install postgresql-client"
    )
    assert (
        "postgres" in manifest.details["missing_domains"] and "git" not in manifest.details["missing_domains"]
    )
    drops = manifest.details["drops"]["english_messages"]
    assert drops == {"ambiguous_domain": 1, "placeholders": 1, "too_short": 2}
    assert manifest.details["drops"]["translations"]["ru"] == {"untranslated": 1}
    assert manifest.parameters["class_mapping"]["version_control"] == ["git"]


def test_dedup_ambiguity_accelerators_context_plural_charset(locale_dir: Path, tmp_path: Path) -> None:
    out = build(locale_dir, out_dir=tmp_path / "out").path
    rows = [row for file_rows in _all_rows(out).values() for row in file_rows]
    english = {row.get("en", row.get("source")) for row in rows}
    assert AMBIGUOUS not in english  # coreutils (shell) and git (version control): dropped
    shared = [
        r
        for r in _rows(out, "msgdomain/train-en.jsonl")
        + _rows(out, "msgdomain/test-en.jsonl")
        + _rows(out, "msgdomain/dev-en.jsonl")
        if r["en"] == SHARED
    ]
    assert len(shared) == 1 and shared[0]["domain"] == "coreutils" and shared[0]["label"] == "shell_utilities"
    # Cleaning is judged on the corpus: most of these messages are not translated into every
    # language, so the parallel task files (same items everywhere) need not hold them.
    corpus = {message.en: message for message in collect(locale_dir).messages}
    assert "Save the Current Document Copy" in corpus
    assert not any("_" in text for text in corpus if "Document" in text)
    assert corpus["Save the Current Document Copy"].translations["ja"] == "現在の文書を保存"
    assert "Print the selected pages now" in corpus  # msgctxt entry
    assert corpus["Deleted one old backup file"].translations["de"] == "Eine alte Sicherungsdatei gelöscht"
    assert any("jäädytetty" in m.translations.get("fi", "") for m in corpus.values())  # Latin-1 decoded
    assert "ru" not in corpus["The toolbar list was refreshed today."].translations  # untranslated


def test_pools_are_disjoint_across_all_tasks(locale_dir: Path, tmp_path: Path) -> None:
    out = build(locale_dir, out_dir=tmp_path / "out").path
    pools: dict[str, set[str]] = {"train": set(), "dev": set(), "test": set()}
    for relative, rows in _all_rows(out).items():
        split = relative.split("/")[1].split("-")[0]
        pools[split].update(row["id"] for row in rows)
    assert pools["train"] and pools["dev"] and pools["test"]
    assert not pools["train"] & pools["dev"]
    assert not pools["train"] & pools["test"]
    assert not pools["dev"] & pools["test"]
    test_en = {row["id"] for row in _rows(out, "msgdomain/test-en.jsonl")}
    assert pools["test"] == test_en  # every language's test message is an English test message


def test_test_pool_prefers_messages_most_languages_translate(locale_dir: Path, tmp_path: Path) -> None:
    out = build(locale_dir, out_dir=tmp_path / "out").path
    shell_test = {r["id"] for r in _rows(out, "msgdomain/test-en.jsonl") if r["label"] == "shell_utilities"}
    finnish = {r["id"] for r in _rows(out, "msgdomain/test-fi.jsonl")}
    # Finnish skips a third of coreutils; the test pool takes the messages every language has.
    assert len(shell_test) == 6 and shell_test <= finnish


def test_class_cap_retrieval_and_kind_files(locale_dir: Path, tmp_path: Path) -> None:
    out = build(locale_dir, out_dir=tmp_path / "out").path
    train = _rows(out, "msgdomain/train-en.jsonl")
    per_class = {label: sum(r["label"] == label for r in train) for label in {r["label"] for r in train}}
    assert max(per_class.values()) == 20  # DOMAIN_TRAIN_CAP in the fixture thresholds
    retrieval = _rows(out, "msgretrieval/test-ru.jsonl")
    assert len(retrieval) == 12 and len({r["target"] for r in retrieval}) == 12
    assert set(retrieval[0]) == {"id", "source", "target"}
    kind_ja = _rows(out, "msgkind/train-ja.jsonl")
    assert {r["label"] for r in kind_ja} == {"error", "question", "usage", "label", "info"}
    assert set(kind_ja[0]) == {"id", "text", "label", "en"}


def test_languages_below_thresholds_are_left_out_with_reason(
    locale_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(datasets, "DOMAIN_MIN_TEST", 19)
    manifest = build(locale_dir, out_dir=tmp_path / "out").manifest
    # dropped fewest-translations first until the rest share >= 19 test messages
    reasons = manifest.details["left_out"]["msgdomain"]
    assert reasons["de"] == "dropped for shared items: with it the 3 languages share 18 test messages < 19"
    assert list(reasons) == ["pt", "ja", "fi", "de"]
    assert manifest.details["shared_items"]["msgdomain"] == {"items": 24, "languages": ["en", "ru"]}
    assert "de" not in manifest.details["tasks"]["msgdomain"]["test"]
    assert not (tmp_path / "out" / "msgdomain" / "test-de.jsonl").exists()
    assert manifest.parameters["thresholds"]["msgdomain_min_test"] == 19


def test_manifest_counts_and_hashes_match_files(locale_dir: Path, tmp_path: Path) -> None:
    out = build(locale_dir, out_dir=tmp_path / "out").path
    manifest = read_manifest(out)  # what is on disk, read through the one schema
    assert manifest is not None and manifest.dataset == "gettext" and manifest.sources
    on_disk = sorted(path.relative_to(out).as_posix() for path in out.rglob("*.jsonl"))
    assert sorted(manifest.files) == on_disk
    for relative, info in manifest.files.items():
        payload = (out / relative).read_bytes()
        assert info.sha256 == hashlib.sha256(payload).hexdigest()
        assert info.rows == payload.count(b"\n") and info.bytes == len(payload)
        task, name = relative.split("/")
        split, lang = name.removesuffix(".jsonl").split("-")
        assert manifest.details["tasks"][task][split][lang] == info.rows
    # git (Japanese catalog truncated, no Portuguese one) and apt (German catalog broken) are not
    # translated into every language: the shared test items come from the other two classes
    assert manifest.details["label_counts"]["msgdomain/test-en.jsonl"] == {"desktop": 6, "shell_utilities": 6}


def test_idempotent_then_rebuilds_on_change(locale_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(locale_dir, out_dir=out)
    assert first.status == "built"
    stamp = (out / "msgdomain" / "train-en.jsonl").stat().st_mtime_ns
    again = build(locale_dir, out_dir=out)
    assert again.status == "up_to_date"
    assert (out / "msgdomain" / "train-en.jsonl").stat().st_mtime_ns == stamp
    assert build(locale_dir, out_dir=out, force=True).status == "built"
    # a changed catalog changes the fingerprint
    write_mo(
        locale_dir / "ru" / "LC_MESSAGES" / "grep.mo", [("A brand new grep message here", "Новое сообщение")]
    )
    assert build(locale_dir, out_dir=out).status == "built"
    assert build(locale_dir, out_dir=out).status == "up_to_date"
    # a damaged output file is noticed
    (out / "msgkind" / "train-ja.jsonl").write_text("tampered\n", encoding="utf-8")
    assert build(locale_dir, out_dir=out).status == "built"
    assert not list(tmp_path.glob(".out.*"))  # no staging or retired folders left behind


def test_same_inputs_give_identical_files(tmp_path: Path) -> None:
    first = build(make_locale_dir(tmp_path / "a"), out_dir=tmp_path / "out-a").manifest.files
    second = build(make_locale_dir(tmp_path / "b"), out_dir=tmp_path / "out-b").manifest.files
    assert first == second


def test_failed_write_keeps_the_previous_build(
    locale_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    build(locale_dir, out_dir=out)
    before = (out / "manifest.json").read_bytes()
    real = datasets.all_files

    def unserialisable(*args, **kwargs):
        files, left_out, shared = real(*args, **kwargs)
        files["msgkind/train-en.jsonl"][5]["text"] = {1, 2}  # json cannot write a set
        return files, left_out, shared

    monkeypatch.setattr(build_module.datasets, "all_files", unserialisable)
    with pytest.raises(TypeError):
        build(locale_dir, out_dir=out, force=True)
    assert (out / "manifest.json").read_bytes() == before
    assert not list(tmp_path.glob(".out.*"))


def test_missing_or_empty_locale_dir_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(MissingResourceError, match="locale directory not found") as caught:
        build(tmp_path / "nowhere", out_dir=tmp_path / "out")
    assert "--locale-dir" in str(caught.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingResourceError, match="no usable message"):
        build(tmp_path / "empty", out_dir=tmp_path / "out")
