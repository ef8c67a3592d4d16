"""Malformed variants of every format fail with one line naming the file, the line and the fix."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from xstilts.errors import DataFormatError, MissingResourceError, XstiltsError
from xstilts.tasks import get_task
from xstilts.tasks.readers.bucc import read_bucc_gold

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "xtreme"


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def fails(error_type: type[XstiltsError], task: str, root: Path, split: str, lang: str) -> str:
    with pytest.raises(error_type) as caught:
        get_task(task).read(root, split, lang)
    message = str(caught.value)
    assert "\n" not in message
    return message


SQUAD_CONTEXT = "The Normans gave their name to Normandy, a region in France."


def squad_json(answer_start: int, text: str = "France") -> str:
    qa = {
        "id": "q1",
        "question": "Where is Normandy?",
        "answers": [{"text": text, "answer_start": answer_start}],
    }
    return json.dumps(
        {"version": "1.1", "data": [{"title": "t", "paragraphs": [{"context": SQUAD_CONTEXT, "qas": [qa]}]}]}
    )


# (task, split, lang, relative path, content, expected "file:line" suffix, expected words)
CASES = [
    (
        "xnli",
        "dev",
        "ar",
        "xnli/dev-ar.tsv",
        "a\tb\tneutral\nc\td\n",
        "dev-ar.tsv:2",
        "expected 3 tab-separated columns",
    ),
    ("xnli", "dev", "ar", "xnli/dev-ar.tsv", "a\tb\tmaybe\n", "dev-ar.tsv:1", "unknown label 'maybe'"),
    ("pawsx", "dev", "de", "pawsx/dev-de.tsv", "a\tb\t1\na\tb\t2\n", "dev-de.tsv:2", "unknown label '2'"),
    (
        "mnli",
        "train",
        "en",
        "glue_data/MNLI/train.tsv",
        "index\tsentence1\tsentence2\n0\ta\tb\n",
        "train.tsv:1",
        "gold_label",
    ),
    (
        "qqp",
        "dev",
        "en",
        "glue_data/QQP/dev.tsv",
        "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n1\t2\t3\tq\n",
        "dev.tsv:2",
        "expected 6",
    ),
    (
        "sst2",
        "train",
        "en",
        "glue_data/SST-2/train.tsv",
        "sentence\tlabel\ngood\t1\nbad\tneg\n",
        "train.tsv:3",
        "unknown label 'neg'",
    ),
    (
        "udpos",
        "dev",
        "en",
        "udpos/dev-en.tsv",
        "The\tDET\nend\tNOUN\textra\n",
        "dev-en.tsv:2",
        "expected 2 tab-separated columns",
    ),
    (
        "udpos",
        "dev",
        "en",
        "udpos/dev-en.tsv",
        "The\tDET\n\nend\tNOUNX\n",
        "dev-en.tsv:3",
        "unknown label 'NOUNX'",
    ),
    ("panx", "dev", "en", "panx/dev-en.tsv", "Paris\tB-CITY\n", "dev-en.tsv:1", "unknown label 'B-CITY'"),
    (
        "udpos",
        "test",
        "de",
        "ud-treebanks-v2.5/UD_German-GSD/de_gsd-ud-test.conllu",
        "# text = Er geht.\n1\tEr\ter\tPRON\tPPER\t_\t2\tnsubj\t_\t_\n2\tgeht\tgehen\tVERB\tVVFIN\t_\t0\troot\t_\n",
        "de_gsd-ud-test.conllu:3",
        "expected 10 tab-separated columns, found 9",
    ),
    (
        "squad_v1",
        "train",
        "en",
        "squad/train-v1.1.json",
        squad_json(10_000),
        "train-v1.1.json:1",
        "outside its context",
    ),
    (
        "squad_v1",
        "train",
        "en",
        "squad/train-v1.1.json",
        squad_json(0, "Germany"),
        "train-v1.1.json:1",
        "outside its context",
    ),
    (
        "squad_v1",
        "dev",
        "en",
        "squad/dev-v1.1.json",
        '{"data": [\n  {"title": "t",, }\n]}',
        "dev-v1.1.json:2",
        "broken JSON at column",
    ),
    (
        "squad_v1",
        "dev",
        "en",
        "squad/dev-v1.1.json",
        '{"data": [{"title": "t"}]}',
        "dev-v1.1.json:1",
        "missing 'paragraphs'",
    ),
    (
        "commonsenseqa",
        "dev",
        "en",
        "commonsenseqa/dev_rand_split.jsonl",
        json.dumps(
            {
                "id": "x",
                "answerKey": "F",
                "question": {
                    "stem": "s",
                    "choices": [{"label": "A", "text": "a"}, {"label": "B", "text": "b"}],
                },
            }
        )
        + "\n",
        "dev_rand_split.jsonl:1",
        "answerKey 'F'",
    ),
    (
        "hellaswag",
        "dev",
        "en",
        "hellaswag/hellaswag_val.jsonl",
        json.dumps({"ind": 1, "ctx_a": "a", "ctx_b": "b", "endings": ["x", "y"], "label": 1})
        + '\n{"ind": 2, "ctx_a": \n',
        "hellaswag_val.jsonl:2",
        "broken JSON at column",
    ),
    (
        "hellaswag",
        "dev",
        "en",
        "hellaswag/hellaswag_val.jsonl",
        json.dumps({"ind": 1, "ctx_a": "a", "ctx_b": "b", "endings": ["x", "y"], "label": 7}) + "\n",
        "hellaswag_val.jsonl:1",
        "not a choice index",
    ),
    (
        "cosmosqa",
        "dev",
        "en",
        "cosmosqa/valid.csv",
        "id,context,question,answer0,answer1,answer2,label\n",
        "valid.csv:1",
        "answer3",
    ),
    (
        "xnli",
        "dev",
        "de",
        "xnli/dev-de.jsonl",
        '{"premise": "a", "hypothesis": "b", "label": 0}\n{"premise": "a", \n',
        "dev-de.jsonl:2",
        "broken JSON",
    ),
    (
        "xnli",
        "dev",
        "de",
        "xnli/dev-de.jsonl",
        '{"premise": "a", "hypothesis": "b", "label": 5}\n',
        "dev-de.jsonl:1",
        "outside 0..2",
    ),
    (
        "xnli",
        "dev",
        "de",
        "xnli/dev-de.jsonl",
        '{"premise": "a", "label": 0}\n',
        "dev-de.jsonl:1",
        "missing field 'hypothesis'",
    ),
    (
        "panx",
        "dev",
        "ru",
        "panx/dev-ru.jsonl",
        '{"tokens": ["a", "b"], "ner_tags": [0]}\n',
        "dev-ru.jsonl:1",
        "2 tokens but 1 ner_tags",
    ),
    (
        "xquad",
        "test",
        "hi",
        "xquad/test-hi.jsonl",
        json.dumps(
            {
                "id": "q",
                "context": "abc",
                "question": "?",
                "answers": {"text": ["zzz"], "answer_start": [500]},
            }
        )
        + "\n",
        "test-hi.jsonl:1",
        "outside its context",
    ),
    (
        "tatoeba",
        "test",
        "ar",
        "tatoeba/ar-en.ar",
        "واحد\nاثنان\n",
        "ar-en.ar:3",
        "has 2 lines but ar-en.en has 3",
    ),
    (
        "bucc2018",
        "dev",
        "de",
        "bucc2018/de-en.dev.de",
        "de-000000001 Satz ohne Tab\n",
        "de-en.dev.de:1",
        "expected 2 tab-separated columns",
    ),
    (
        "ccg",
        "dev",
        "en",
        "ccg/dev-en.auto",
        "ID=wsj_0001.1 PARSER=GOLD NUMPARSE=1\n(<T N 0 2> (<L N/N NNP Pierre>) (<L N NNP NNP Vinken N>) )\n",
        "dev-en.auto:2",
        "do not have 5 fields",
    ),
    (
        "ccg",
        "dev",
        "en",
        "ccg/dev-en.auto",
        "ID=wsj_0001.1\nnot a tree\n",
        "dev-en.auto:2",
        "expected an 'ID=' header",
    ),
]


@pytest.mark.parametrize(("task", "split", "lang", "relative", "content", "where", "words"), CASES)
def test_malformed_file_raises_one_line(
    tmp_path: Path, task: str, split: str, lang: str, relative: str, content: str, where: str, words: str
) -> None:
    if task == "tatoeba":
        write(tmp_path, "tatoeba/ar-en.en", "one\ntwo\nthree\n")
    if task == "bucc2018":
        write(tmp_path, "bucc2018/de-en.dev.en", "en-000000001\tA sentence.\n")
    write(tmp_path, relative, content)
    message = fails(DataFormatError, task, tmp_path, split, lang)
    assert f"{relative.rsplit('/', 1)[-1]}:" in message and where in message, message
    assert words in message, message
    assert "(fix: " in message


def test_anli_broken_json_and_bad_label_in_a_later_round(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "anli_v1.0", tmp_path / "anli_v1.0")
    round2 = tmp_path / "anli_v1.0/R2/dev.jsonl"
    round2.write_text(round2.read_text(encoding="utf-8") + '{"uid": "x", "context": "c"\n', encoding="utf-8")
    assert "R2/dev.jsonl:2: broken JSON at column" in fails(DataFormatError, "anli", tmp_path, "dev", "en")
    round2.write_text(
        json.dumps({"uid": "x", "context": "c", "hypothesis": "h", "label": "x"}) + "\n", encoding="utf-8"
    )
    assert "R2/dev.jsonl:1: unknown label 'x'" in fails(DataFormatError, "anli", tmp_path, "dev", "en")
    shutil.rmtree(tmp_path / "anli_v1.0/R3")
    assert "missing R3" in fails(MissingResourceError, "anli", tmp_path, "dev", "en")


def test_ccgbank_needs_every_section_of_the_split(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "ccgbank_1_1", tmp_path / "ccgbank_1_1")
    shutil.rmtree(tmp_path / "ccgbank_1_1/data/AUTO/17")
    message = fails(MissingResourceError, "ccg", tmp_path, "train", "en")
    assert "missing: 17" in message and "LDC2005T13" in message


def test_missing_file_names_the_path_and_the_download_step(tmp_path: Path) -> None:
    message = fails(MissingResourceError, "xnli", tmp_path, "dev", "sw")
    assert "xnli/dev-sw.tsv" in message and "download_xnli" in message and "xnli/dev-sw.jsonl" in message


def test_unknown_split_or_language(tmp_path: Path) -> None:
    assert "no split 'dev'" in fails(MissingResourceError, "tatoeba", tmp_path, "dev", "ar")
    assert "no language 'xx'" in fails(MissingResourceError, "xnli", tmp_path, "dev", "xx")


def test_xtreme_test_files_with_withheld_labels(tmp_path: Path) -> None:
    write(tmp_path, "pawsx/test-ko.tsv", "문장 하나\t문장 둘\n")
    message = fails(DataFormatError, "pawsx", tmp_path, "test", "ko")
    assert (
        "test-ko.tsv:1" in message and "withholds test labels" in message and "pawsx/test-ko.jsonl" in message
    )
    write(tmp_path, "panx/test-hi.tsv", "दिल्ली\nशहर\n")
    assert "withholds test labels" in fails(DataFormatError, "panx", tmp_path, "test", "hi")
    write(tmp_path, "panx/test-hi.jsonl", json.dumps({"tokens": ["दिल्ली", "शहर"], "ner_tags": [5, 0]}) + "\n")
    assert get_task("panx").read(tmp_path, "test", "hi")[0]["tags"] == ["B-LOC", "O"]
    blank = {"text": "", "answer_start": 0}
    stripped = {
        "data": [
            {"paragraphs": [{"context": "c", "qas": [{"id": "q", "question": "?", "answers": [blank]}]}]}
        ]
    }
    write(tmp_path, "xquad/xquad.th.json", json.dumps(stripped))
    assert "removed this file's gold answers" in fails(DataFormatError, "xquad", tmp_path, "test", "th")
    write(tmp_path, "xnli/test-sw.jsonl", json.dumps({"premise": "a", "hypothesis": "b", "label": -1}) + "\n")
    assert "no gold labels" in fails(DataFormatError, "xnli", tmp_path, "test", "sw")


def test_sorted_tatoeba_english_side_counts_as_withheld(tmp_path: Path) -> None:
    english = sorted(f"Sentence number {n:02d}." for n in range(25))
    write(tmp_path, "tatoeba/de-en.en", "\n".join(english) + "\n")
    write(tmp_path, "tatoeba/de-en.de", "\n".join(f"Satz {n}." for n in range(25)) + "\n")
    assert "English side is sorted" in fails(DataFormatError, "tatoeba", tmp_path, "test", "de")


def test_answers_off_by_a_few_characters_are_moved_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    true_start = SQUAD_CONTEXT.index("France")
    write(tmp_path, "squad/dev-v1.1.json", squad_json(true_start + 3))
    with caplog.at_level(logging.WARNING):
        example = get_task("squad_v1").read(tmp_path, "dev", "en")[0]
    assert example["answers"] == [{"text": "France", "answer_start": true_start}]
    assert "moved 1 answer start" in caplog.text


def test_bucc_test_gold_deleted_by_xtreme(tmp_path: Path) -> None:
    with pytest.raises(MissingResourceError) as caught:
        read_bucc_gold(tmp_path, "test", "fr")
    assert "XTREME deletes the test gold" in str(caught.value) and "training-gold" in str(caught.value)
    write(tmp_path, "bucc2018/fr-en.dev.gold", "fr-000000001\tde-000000002\n")
    with pytest.raises(DataFormatError, match=r"fr-en\.dev\.gold:1"):
        read_bucc_gold(tmp_path, "dev", "fr")
