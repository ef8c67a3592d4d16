"""Official release formats beside XTREME's processed files, and the same items in every language."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xstilts.errors import DataFormatError
from xstilts.tasks import get_task
from xstilts.tasks.loading import read_examples
from xstilts.tasks.readers.sources import LAYOUTS_READ, NOTES_READ

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "xtreme"


def read(task: str, split: str, lang: str, root: Path = FIXTURES) -> list[dict]:
    return get_task(task).read(root, split, lang)


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- PAN-X raw WikiANN files ---------------------------------------------------------------------


def test_raw_wikiann_files_lose_the_language_prefix() -> None:
    test_de = read("panx", "test", "de")  # panx_dataset/de-test, as download_panx renames it
    assert test_de[0] == {
        "id": "test-0",
        "tokens": ["Angela", "Merkel", "besuchte", "Paris", "."],
        "tags": ["B-PER", "I-PER", "O", "B-LOC", "O"],
    }
    assert test_de[1]["tokens"][-1] == "12:0"  # only the prefix up to the first ':' is cut
    assert read("panx", "dev", "fr")[1]["tokens"] == ["Victor", "Hugo"]  # panx_dataset/fr/dev
    assert not any(":" in token for e in read("panx", "dev", "fr") for token in e["tokens"])


def test_a_raw_file_under_the_processed_name_is_recognised(tmp_path: Path) -> None:
    write(tmp_path, "panx/dev-en.tsv", "en:New\tB-LOC\nen:York\tI-LOC\n\nen:Bob\tB-PER\n")
    assert [e["tokens"] for e in read("panx", "dev", "en", tmp_path)] == [["New", "York"], ["Bob"]]
    write(tmp_path, "panx/dev-en.tsv", "en:New\tB-LOC\nYork\tI-LOC\n")
    with pytest.raises(DataFormatError, match=r"dev-en.tsv:2: token 'York' lacks the 'en:' prefix"):
        read("panx", "dev", "en", tmp_path)


# --- the same items in every language ------------------------------------------------------------


@pytest.mark.parametrize(("task", "languages"), [("xnli", ("en", "ar", "zh")), ("pawsx", ("en", "fr", "zh"))])
def test_parallel_xtreme_files_share_ids_across_languages(task: str, languages: tuple[str, ...]) -> None:
    ids = {lang: [e["id"] for e in read(task, "dev", lang)] for lang in languages}
    shortest = min(len(value) for value in ids.values())
    assert len({tuple(value[:shortest]) for value in ids.values()}) == 1, ids
    assert get_task(task).parallel_test


def test_max_examples_keeps_the_same_items_in_every_language(tmp_path: Path) -> None:
    rows = [
        (f"premise {i}", f"hypothesis {i}", ("entailment", "neutral", "contradiction")[i % 3])
        for i in range(40)
    ]
    for lang in ("en", "de", "sw"):
        write(tmp_path, f"xnli/dev-{lang}.tsv", "".join(f"{lang} {a}\t{lang} {b}\t{c}\n" for a, b, c in rows))
    spec = get_task("xnli")
    kept = {lang: read_examples(spec, tmp_path, "dev", lang, limit=7, seed=0) for lang in ("en", "de", "sw")}
    texts = {lang: [e["text_a"].split(" ", 1)[1] for e in examples] for lang, examples in kept.items()}
    assert texts["en"] == texts["de"] == texts["sw"]
    assert len(texts["en"]) == 7


# --- original releases: XNLI-1.0, XNLI-MT-1.0, PAWS-X x-final, MultiNLI 1.0 ---------------------


def test_xnli_1_0_tsv_keeps_one_language_and_uses_pair_ids() -> None:
    header = (FIXTURES / "XNLI-1.0/xnli.dev.tsv").read_text(encoding="utf-8").splitlines()[0].split("\t")
    assert len(header) == 19 and header[:2] == ["language", "gold_label"]
    french = read("xnli", "dev", "fr")  # no xnli/dev-fr.tsv: XNLI-1.0/xnli.dev.tsv, French rows
    assert french == [
        {
            "id": "100",
            "text_a": "Le chat était assis sur le tapis.",
            "text_b": "Un chat était assis.",
            "label": "entailment",
        },
        {
            "id": "101",
            "text_a": "Il a dit « oui » deux fois.",
            "text_b": "Il n'a jamais parlé.",
            "label": "contradiction",
        },
    ]
    assert read("xnli", "dev", "sw")[1]["text_a"] == 'Alisema "ndiyo" mara mbili.'  # unquoted: '"' is text
    assert [e["id"] for e in read("xnli", "dev", "sw")] == [e["id"] for e in french]
    assert read("xnli-dev-as-train", "train", "sw") == read("xnli", "dev", "sw")


def test_xnli_1_0_test_jsonl_scores_test_with_labels() -> None:
    english, swahili = read("xnli", "test", "en"), read("xnli", "test", "sw")
    assert [e["label"] for e in english] == ["entailment", "neutral"]
    assert [e["id"] for e in english] == [e["id"] for e in swahili] == ["200", "201"]
    assert swahili[1]["text_b"] == "Mwanamke anaimba."
    assert get_task("xnli").languages_on_disk(FIXTURES)["test"] == ["en", "hi", "ru", "sw"]


def test_xnli_mt_train_maps_contradictory() -> None:
    french = read("xnli-translate-train", "train", "fr")
    assert [e["label"] for e in french] == ["neutral", "entailment", "contradiction"]
    assert french[1]["text_a"].startswith(
        'Vous savez pendant la saison et je suppose qu\' à votre niveau "uh"'
    )
    assert [e["id"] for e in french] == ["train-0", "train-1", "train-2"]


def test_pawsx_x_final_uses_paws_ids() -> None:
    spanish, korean = read("pawsx", "dev", "es"), read("pawsx", "dev", "ko")
    assert [e["id"] for e in spanish] == [e["id"] for e in korean] == ["3", "7"]
    assert spanish[1] == {
        "id": "7",
        "text_a": "Se mudó de París a Lyon en 1990 .",
        "text_b": "En 1990 , se mudó de París a Lyon .",
        "label": "1",
    }
    assert [e["label"] for e in read("pawsx", "test", "es")] == ["0", "1"]
    translated = read("pawsx-translate-train", "train", "de")  # x-final/de/translated_train.tsv
    assert [(e["id"], e["label"]) for e in translated] == [("1", "1"), ("2", "0")]


def test_multinli_jsonl_drops_and_counts_no_majority_rows() -> None:
    rows = read("mnli", "dev_mismatched", "en")
    assert [(e["id"], e["label"]) for e in rows] == [("63735n", "neutral"), ("63737n", "contradiction")]
    assert NOTES_READ["mnli", "dev_mismatched", "en"] == [
        "multinli_1.0_dev_mismatched.jsonl: 2 row(s) with gold label '-' (no majority) dropped"
    ]


def test_original_release_errors_name_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "x-final/es/dev_2k.tsv", "id\tsentence1\tsentence2\tlabel\n3\tuno\tdos\n")
    with pytest.raises(DataFormatError, match=r"dev_2k.tsv:2: expected 4 tab-separated columns"):
        read("pawsx", "dev", "es", tmp_path)
    write(tmp_path, "XNLI-1.0/xnli.dev.tsv", "language\tgold_label\tsentence1\nfr\tentailment\tx\n")
    with pytest.raises(DataFormatError, match=r"xnli.dev.tsv:1: header lacks column"):
        read("xnli", "dev", "fr", tmp_path)
    write(tmp_path, "XNLI-MT-1.0/multinli/multinli.train.fr.tsv", "premise\thypo\tlabel\na\tb\tmaybe\n")
    with pytest.raises(DataFormatError, match=r"multinli.train.fr.tsv:2: unknown label 'maybe'"):
        read("xnli-translate-train", "train", "fr", tmp_path)


# --- the Hugging Face ANLI download, jiant's JSON Lines and CCG ----------------------------------


def test_hf_anli_download_folder_reads_like_anli_v1_0(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "anli_v1.0", tmp_path / "anli_v0.1")
    for split in ("train", "dev", "test"):
        from_hf_folder = read("anli", split, "en", tmp_path)
        assert LAYOUTS_READ["anli", split, "en"] == f"anli_v0.1/R1/{split}.jsonl"
        assert from_hf_folder == read("anli", split, "en")


def test_jiant_jsonl_with_string_class_indices(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "sst", tmp_path / "sst")
    shutil.copytree(FIXTURES / "qqp", tmp_path / "qqp")
    assert read("sst2", "dev", "en", tmp_path) == [
        {"id": "0", "text": "a gorgeous , witty , seductive movie .", "label": "positive"},
        {"id": "1", "text": "the story is too thin to hold our interest .", "label": "negative"},
    ]
    qqp = read("qqp", "train", "en", tmp_path)
    assert [(e["text_b"], e["label"]) for e in qqp] == [
        ("What is the fastest way to learn Python?", "duplicate"),
        ("How far away is the moon?", "not_duplicate"),
    ]
    write(tmp_path, "sst/val.jsonl", '{"text": "fine", "label": "2"}\n')
    with pytest.raises(DataFormatError, match=r"val.jsonl:1: label index 2 is outside 0..1"):
        read("sst2", "dev", "en", tmp_path)


def test_jiant_ccg_maps_tag_ids_back_to_supertags(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "CCG", tmp_path / "CCG")
    dev = read("ccg", "dev", "en", tmp_path)
    assert dev[0] == {
        "id": "dev-0",
        "tokens": ["Pierre", "Vinken", "joined", "the", "board", "."],
        "tags": ["N/N", "N", "(S[dcl]\\NP)/NP", "NP[nb]/N", "N", "."],
    }
    assert dev[1]["tags"] == ["N", "S[dcl]\\NP", "."]
    write(tmp_path, "CCG/ccg.dev", "Prices rose .\tN S[dcl]\\NP .\n")  # tag names, as jiant looks them up
    assert read("ccg", "dev", "en", tmp_path)[0]["tags"] == ["N", "S[dcl]\\NP", "."]
    write(tmp_path, "CCG/ccg.dev", "Prices rose .\t1 5 99\n")
    with pytest.raises(DataFormatError, match=r"ccg.dev:1: tag '99' is not in tags_to_id.json"):
        read("ccg", "dev", "en", tmp_path)
    write(tmp_path, "CCG/ccg.dev", "Prices rose .\t1 5\n")
    with pytest.raises(DataFormatError, match=r"ccg.dev:1: 3 tokens but 2 tags"):
        read("ccg", "dev", "en", tmp_path)


# --- label-withheld test files, read for prediction only ----------------------------------------


def test_label_withheld_test_files_read_without_labels_only_on_request() -> None:
    from xstilts.tasks.readers.sources import unlabelled_reading

    with pytest.raises(DataFormatError, match="withholds test labels"):
        read("pawsx", "test", "ko")  # XTREME's two-column file, no labelled copy on disk
    with unlabelled_reading():
        korean = read("pawsx", "test", "ko")
        japanese = read("panx", "test", "ja")
        russian = read("xnli", "test", "ru")  # a labelled export exists: it still comes first
        spanish = read("xquad", "test", "es")  # remove_qa_test_annotations blanked every answer
        german = read("tatoeba", "test", "de")  # XTREME sorted the English side
    assert [(e["id"], e["label"]) for e in korean] == [("test-0", None), ("test-1", None)]
    assert korean[1]["text_b"] == "토론토에서 태어난 그녀는 오타와에서 자랐다 ."
    assert [(e["tokens"], e["tags"]) for e in japanese] == [
        (["東京", "大学", "の", "学生"], None),
        (["富士山", "は", "高い"], None),
    ]
    assert NOTES_READ["panx", "test", "ja"] == ["test-ja.tsv: labels withheld, read for prediction only"]
    assert [e["label"] for e in russian] == ["contradiction", "entailment"]
    assert [e["answers"] for e in spanish] == [None, None] and spanish[1][
        "question"
    ] == "¿Dónde se jugó el partido?"
    with pytest.raises(DataFormatError, match="removed this file's gold answers"):
        read("xquad", "test", "es")
    assert len(german) == 20 and all(e["aligned"] is False for e in german)
    assert german[0]["target"] == "Ich habe Hunger." and german[0]["source"] == "Come here!"  # line 0 of each
    with pytest.raises(DataFormatError, match="the English side is sorted"):
        read("tatoeba", "test", "de")


def test_fingerprint_covers_the_fallback_actually_read(tmp_path: Path) -> None:
    from xstilts.errors import MissingResourceError
    from xstilts.pipeline.fingerprint import data_fingerprint, source_fingerprint

    spec = get_task("xnli")
    write(tmp_path, "xnli/dev-en.tsv", "a\tb\tneutral\n")
    assert source_fingerprint(spec, tmp_path, "dev", "en") == data_fingerprint(tmp_path, "xnli/dev-en.tsv")
    with pytest.raises(MissingResourceError, match="no dev data for 'fr'"):
        source_fingerprint(spec, tmp_path / "elsewhere", "dev", "fr")
    shutil.copytree(FIXTURES / "XNLI-1.0", tmp_path / "XNLI-1.0")  # French only in XNLI-1.0/
    before = source_fingerprint(spec, tmp_path, "dev", "fr")
    original = tmp_path / "XNLI-1.0/xnli.dev.tsv"
    original.write_text(original.read_text(encoding="utf-8").replace("Un chat", "Le chat"), encoding="utf-8")
    assert source_fingerprint(spec, tmp_path, "dev", "fr") != before  # the file read changed
