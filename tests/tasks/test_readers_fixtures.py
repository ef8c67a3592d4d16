"""Every reader round-trips its fixture (tests/fixtures/xtreme, the xtreme download/ layout)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xstilts.tasks import all_tasks, get_task
from xstilts.tasks.readers.bucc import read_bucc_gold
from xstilts.tasks.readers.sources import ReleaseTaskSpec, unlabelled_reading
from xstilts.tasks.readers.validate import check_examples

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "xtreme"
OUR_TASKS = sorted(name for name, spec in all_tasks().items() if isinstance(spec, ReleaseTaskSpec))


def read(task: str, split: str, lang: str) -> list[dict]:
    return get_task(task).read(FIXTURES, split, lang)


def test_all_our_tasks_are_declared() -> None:
    expected = {
        *["xnli", "pawsx", "udpos", "panx", "xquad", "mlqa", "tydiqa", "bucc2018", "tatoeba"],
        *[
            "anli",
            "commonsenseqa",
            "cosmosqa",
            "hellaswag",
            "mnli",
            "qqp",
            "squad_v1",
            "squad_v2",
            "sst2",
            "ccg",
        ],
        *["xnli-translate-train", "xnli-dev-as-train", "pawsx-translate-train"],
    }
    assert set(OUR_TASKS) == expected


@pytest.mark.parametrize("task", OUR_TASKS)
def test_every_file_on_disk_reads_and_passes_the_contract(task: str) -> None:
    spec = get_task(task)
    found = spec.languages_on_disk(FIXTURES)
    pairs = [(split, lang) for split, langs in found.items() for lang in langs]
    assert pairs, f"no fixture for {task}"
    for split, lang in pairs:
        with unlabelled_reading():  # XTREME's label-withheld test files, as `tasks check` reads them
            examples = spec.read(FIXTURES, split, lang)
        assert examples, (split, lang)
        check_examples(spec, examples, f"{task} {split} {lang}")


def test_xnli_unquotes_csv_writer_fields_and_falls_back_to_the_export() -> None:
    train = read("xnli", "train", "en")
    assert train[2] == {
        "id": "train-2",
        "text_a": 'He said "no" twice .',
        "text_b": "He agreed at once .",
        "label": "contradiction",
    }
    assert read("xnli", "dev", "ar")[1]["text_b"] == "لم ينطق ببنت شفة."
    # test-ru.tsv has XTREME's two label-less columns: the datasets export is used instead.
    test_ru = read("xnli", "test", "ru")
    assert [example["label"] for example in test_ru] == ["contradiction", "entailment"]
    assert test_ru[0]["text_b"] == "Я больше с ним не разговаривал."
    assert [e["label"] for e in read("xnli", "dev", "de")] == ["neutral", "contradiction"]
    assert get_task("xnli").languages_on_disk(FIXTURES) == {
        "train": ["en"],
        "dev": ["ar", "de", "en", "fr", "sw", "zh"],  # fr, sw: XNLI-1.0/xnli.dev.tsv
        "test": ["en", "hi", "ru", "sw"],  # en, sw: XNLI-1.0/xnli.test.jsonl
    }


def test_translate_train_and_dev_as_train() -> None:
    translated = read("xnli-translate-train", "train", "de")
    assert translated[2]["label"] == "contradiction"  # 'contradictory' in the file
    assert translated[0]["text_a"].startswith("Konzeptionell")
    assert translated[0]["english_a"].startswith("Conceptually")
    as_train, dev = read("xnli-dev-as-train", "train", "ar"), read("xnli", "dev", "ar")
    assert [{**e, "id": ""} for e in as_train] == [{**e, "id": ""} for e in dev]
    assert as_train[0]["id"] == "train-0"
    paws = read("pawsx-translate-train", "train", "fr")
    assert paws[1] == {
        "id": "train-1",
        "text_a": "Elle est née à Toronto et a grandi à Ottawa .",
        "text_b": "Née à Toronto , elle a grandi à Ottawa .",
        "label": "1",
        "english_a": "She was born in Toronto and grew up in Ottawa .",
        "english_b": "Born in Toronto , she grew up in Ottawa .",
    }


def test_pawsx_release_and_export() -> None:
    assert read("pawsx", "dev", "zh")[0]["label"] == "1"
    assert read("pawsx", "test", "de")[0] == {
        "id": "1",
        "text_a": "Die Brücke wurde 1920 gebaut und 1987 renoviert .",
        "text_b": "Die Brücke wurde 1920 renoviert und 1987 gebaut .",
        "label": "0",
    }


def test_glue_tasks_read_columns_by_name() -> None:
    mnli = read("mnli", "dev", "en")
    assert [e["id"] for e in mnli] == ["63735n", "91383c"]  # the '-' gold row is skipped
    assert mnli[1]["label"] == "contradiction"
    assert mnli[0]["text_b"] == "Everyone really likes the newest benefits "
    qqp = read("qqp", "train", "en")
    assert (qqp[1]["id"], qqp[1]["label"]) == ("402555", "duplicate")
    sst2 = read("sst2", "train", "en")
    assert sst2[2] == {
        "id": "train-2",
        "text": "that loves its characters and communicates something rather beautiful about human nature ",
        "label": "positive",
    }


def test_anli_concatenates_rounds_and_maps_labels() -> None:
    train = read("anli", "train", "en")
    assert [e["label"] for e in train] == ["entailment", "neutral", "contradiction", "entailment"]
    assert train[2]["id"] == "a73d2c5a-8ff2-4a3f-8cf1-6e0b7f6b3b11"
    assert train[0]["text_b"] == "The trolleybus system has over 2 urban routes"


def test_multiple_choice_formats() -> None:
    csqa = read("commonsenseqa", "train", "en")[1]
    assert csqa["label"] == 1 and csqa["choices"][1] == "populated areas" and csqa["context"] == ""
    cosmos = read("cosmosqa", "train", "en")[0]
    assert cosmos["label"] == 1
    assert cosmos["context"].endswith("blew me away.\nseriously.")  # quoted newline kept
    assert len(cosmos["choices"]) == 4
    hella = read("hellaswag", "dev", "en")[0]
    assert hella == {
        "id": "24",
        "context": "A man is sitting on a roof.",
        "question": "he",
        "choices": [
            "is using wrap to wrap a pair of skis.",
            "is ripping level tiles off.",
            "is holding a rubik's cube.",
            "starts pulling up roofing on a roof.",
        ],
        "label": 3,
    }


def test_tagging_formats() -> None:
    assert read("udpos", "train", "en")[1]["tags"][4:6] == ["CCONJ", "SCONJ"]
    assert read("udpos", "dev", "ar")[0]["tokens"][0] == "ميراث"
    german = read("udpos", "test", "de")  # from the UD CoNLL-U treebank: syntactic words
    assert german[0] == {
        "id": "de_gsd-ud-test:test-s1",
        "tokens": ["Er", "geht", "zu", "dem", "Bahnhof", "."],
        "tags": ["PRON", "VERB", "ADP", "DET", "NOUN", "PUNCT"],
    }
    assert read("udpos", "test", "ru")[0]["tags"] == ["NOUN", "VERB", "NOUN", "PUNCT"]  # ClassLabel ints
    assert read("panx", "dev", "zh")[1]["tags"] == ["B-ORG", "I-ORG", "I-ORG", "I-ORG", "O", "O"]
    assert read("panx", "test", "ru")[0]["tags"] == ["B-LOC", "O", "O", "B-LOC"]
    assert read("panx", "train", "en")[1]["tokens"][3] == "Lindström"


def test_ccgbank_supertags() -> None:
    dev = read("ccg", "dev", "en")
    assert dev[0]["id"] == "wsj_0001.1"
    assert dev[0]["tokens"] == ["Pierre", "Vinken", "will", "join", "the", "board", "."]
    assert dev[0]["tags"][2] == "(S[dcl]\\NP)/(S[b]\\NP)"
    assert len(read("ccg", "train", "en")) == 21  # sections 02-21: 2 + 19 sentences


def test_span_qa_formats() -> None:
    squad = read("squad_v1", "train", "en")[0]
    answer = squad["answers"][0]
    assert answer["text"] == "a golden statue of the Virgin Mary"
    assert squad["context"][answer["answer_start"] :].startswith(answer["text"])
    assert read("squad_v1", "dev", "en")[0]["answers"][1]["text"] == "The Denver Broncos"
    assert read("squad_v2", "train", "en")[1]["answers"] == []  # is_impossible
    xquad_ar = read("xquad", "test", "ar")[0]
    assert xquad_ar["answers"] == [
        {"text": "دنفر برونكو", "answer_start": xquad_ar["context"].index("دنفر برونكو")}
    ]
    assert read("xquad", "test", "hi")[0]["answers"][0]["text"] == "डेनवर ब्रोंकोस"  # export
    assert read("xquad", "train", "en") == read("squad_v1", "train", "en")  # XTREME trains on SQuAD
    assert read("mlqa", "dev", "hi")[0]["answers"][0]["text"] == "पांच"
    assert [e["id"] for e in read("tydiqa", "train", "en")] == ["0", "0#2"]
    assert read("tydiqa", "test", "ru")[0]["answers"][0] == {"text": "Москва", "answer_start": 0}


def test_bucc_records_and_gold() -> None:
    records = read("bucc2018", "dev", "de")
    assert records[0] == {
        "id": "de-000000001",
        "side": "src",
        "text": "Die Kommission hat heute einen Vorschlag angenommen.",
    }
    assert [r["side"] for r in records] == ["src"] * 3 + ["trg"] * 3
    assert read_bucc_gold(FIXTURES, "dev", "de") == {
        ("de-000000001", "en-000000002"),
        ("de-000000003", "en-000000001"),
    }
    # XTREME deleted ru-en.test.gold: the shared task's own training gold is used.
    assert read_bucc_gold(FIXTURES, "test", "ru") == {
        ("ru-000000001", "en-000000001"),
        ("ru-000000002", "en-000000003"),
    }
    assert read("bucc2018", "dev", "zh")[1]["text"] == "我们明天在北京见面。"


def test_tatoeba_source_is_english() -> None:
    assert read("tatoeba", "test", "ar")[1] == {
        "id": "test-1",
        "source": "Where is the station?",
        "target": "أين المحطة؟",
    }
    assert len(read("tatoeba", "test", "zh")) == 3
