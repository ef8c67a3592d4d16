"""Fallback sources: Hugging Face ``datasets`` JSON Lines exports and the other accepted layouts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xstilts.errors import DataFormatError
from xstilts.tasks import get_task

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "xtreme"


def export(root: Path, relative: str, records: list[dict]) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def test_classification_and_nli_exports(tmp_path: Path) -> None:
    export(tmp_path, "sst2/train-en.jsonl", [{"sentence": "a gem .", "label": 1, "idx": 7}])
    assert get_task("sst2").read(tmp_path, "train", "en") == [
        {"id": "7", "text": "a gem .", "label": "positive"}
    ]
    export(
        tmp_path,
        "anli/dev-en.jsonl",
        [{"uid": "u1", "premise": "p", "hypothesis": "h", "label": 2, "reason": ""}],
    )
    assert get_task("anli").read(tmp_path, "dev", "en")[0] == {
        "id": "u1",
        "text_a": "p",
        "text_b": "h",
        "label": "contradiction",
    }
    export(
        tmp_path,
        "qqp/train-en.jsonl",
        [{"question1": "q1?", "question2": "q2?", "label": "duplicate", "idx": 0}],
    )
    assert get_task("qqp").read(tmp_path, "train", "en")[0]["label"] == "duplicate"
    export(tmp_path, "xnli-translate-train/train-sw.jsonl", [{"premise": "a", "hypothesis": "b", "label": 1}])
    assert get_task("xnli-translate-train").read(tmp_path, "train", "sw")[0]["label"] == "neutral"


def test_multiple_choice_exports(tmp_path: Path) -> None:
    export(
        tmp_path,
        "commonsenseqa/train-en.jsonl",
        [
            {
                "id": "c1",
                "question": "Where do fish live?",
                "question_concept": "fish",
                "choices": {"label": ["A", "B", "C"], "text": ["tree", "water", "sky"]},
                "answerKey": "B",
            }
        ],
    )
    assert get_task("commonsenseqa").read(tmp_path, "train", "en")[0] == {
        "id": "c1",
        "context": "",
        "question": "Where do fish live?",
        "choices": ["tree", "water", "sky"],
        "label": 1,
    }
    cosmos = {
        "id": "k",
        "context": "c",
        "question": "q",
        "answer0": "a",
        "answer1": "b",
        "answer2": "c",
        "answer3": "d",
    }
    export(tmp_path, "cosmosqa/dev-en.jsonl", [{**cosmos, "label": 3}])
    assert get_task("cosmosqa").read(tmp_path, "dev", "en")[0]["label"] == 3
    hella = {"ind": 9, "ctx_a": "A man", "ctx_b": "then", "endings": ["x", "y", "z", "w"]}
    export(tmp_path, "hellaswag/train-en.jsonl", [{**hella, "label": "2"}])
    assert (
        get_task("hellaswag").read(tmp_path, "train", "en")[0]["label"] == 2
    )  # the export's label is a string
    export(tmp_path, "hellaswag/dev-en.jsonl", [{**hella, "label": ""}])
    with pytest.raises(DataFormatError, match="unlabelled split"):
        get_task("hellaswag").read(tmp_path, "dev", "en")


def test_squad_v2_export_and_tatoeba_export(tmp_path: Path) -> None:
    context = "Normandy is a region in France."
    export(
        tmp_path,
        "squad_v2/dev-en.jsonl",
        [
            {
                "id": "a",
                "title": "t",
                "context": context,
                "question": "Where?",
                "answers": {"text": ["France"], "answer_start": [24]},
            },
            {
                "id": "b",
                "title": "t",
                "context": context,
                "question": "Who?",
                "answers": {"text": [], "answer_start": []},
            },
        ],
    )
    examples = get_task("squad_v2").read(tmp_path, "dev", "en")
    assert [e["answers"] for e in examples] == [[{"text": "France", "answer_start": 24}], []]
    export(
        tmp_path,
        "tatoeba/test-de.jsonl",
        [
            {
                "source_sentence": "Wo ist der Bahnhof?\n",
                "target_sentence": "Where is the station?\n",
                "source_lang": "deu",
                "target_lang": "eng",
            }
        ],
    )
    assert get_task("tatoeba").read(tmp_path, "test", "de") == [
        {"id": "test-0", "source": "Where is the station?", "target": "Wo ist der Bahnhof?"}
    ]


def test_ccg_concatenated_auto_and_jsonl(tmp_path: Path) -> None:
    auto = (FIXTURES / "ccgbank_1_1/data/AUTO/00/wsj_0001.auto").read_text(encoding="utf-8")
    (tmp_path / "ccg").mkdir()
    (tmp_path / "ccg/test-en.auto").write_text(auto, encoding="utf-8")
    assert [e["tokens"][0] for e in get_task("ccg").read(tmp_path, "test", "en")] == ["Pierre", "Mr."]
    export(tmp_path, "ccg/dev-en.jsonl", [{"tokens": ["Dogs", "bark"], "tags": ["N", "S[dcl]\\NP"]}])
    assert get_task("ccg").read(tmp_path, "dev", "en")[0]["tags"] == ["N", "S[dcl]\\NP"]
    export(tmp_path, "ccg/train-en.jsonl", [{"tokens": ["Dogs"], "tags": [3]}])
    with pytest.raises(DataFormatError, match="open label set"):
        get_task("ccg").read(tmp_path, "train", "en")


def test_bucc_original_layout(tmp_path: Path) -> None:
    folder = tmp_path / "bucc2018/fr-en"
    folder.mkdir(parents=True)
    (folder / "fr-en.sample.fr").write_text("fr-000000001\tBonjour le monde.\n", encoding="utf-8")
    (folder / "fr-en.sample.en").write_text("en-000000001\tHello world.\n", encoding="utf-8")
    records = get_task("bucc2018").read(tmp_path, "dev", "fr")
    assert records == [
        {"id": "fr-000000001", "side": "src", "text": "Bonjour le monde."},
        {"id": "en-000000001", "side": "trg", "text": "Hello world."},
    ]


def test_release_file_wins_over_the_export(tmp_path: Path) -> None:
    (tmp_path / "xnli").mkdir()
    (tmp_path / "xnli/dev-fr.tsv").write_text("a\tb\tentailment\r\n", encoding="utf-8")
    export(tmp_path, "xnli/dev-fr.jsonl", [{"premise": "x", "hypothesis": "y", "label": 2}])
    assert get_task("xnli").read(tmp_path, "dev", "fr")[0]["label"] == "entailment"


def test_pretty_printed_squad_error_names_the_question_line(tmp_path: Path) -> None:
    qas = [
        {"id": "good", "question": "?", "answers": [{"text": "abc", "answer_start": 0}]},
        {"id": "bad", "question": "?", "answers": [{"text": "xyz", "answer_start": 999}]},
    ]
    text = json.dumps(
        {"data": [{"title": "t", "paragraphs": [{"context": "abc def", "qas": qas}]}]}, indent=1
    )
    (tmp_path / "squad").mkdir()
    (tmp_path / "squad/dev-v1.1.json").write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if '"bad"' in row)
    with pytest.raises(
        DataFormatError, match=rf"dev-v1\.1\.json:{line}: data\[0\]\.paragraphs\[0\]\.qas\[1\]"
    ):
        get_task("squad_v1").read(tmp_path, "dev", "en")
