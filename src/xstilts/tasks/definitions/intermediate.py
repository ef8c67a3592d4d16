"""Intermediate tasks: the English tasks of Phang et al. (2020), and non-English NLI variants.

English tasks are read in their original release formats, unpacked under the data root where
their archives put them (``glue_data/`` from ``download_glue_data.py``, ``anli_v1.0/``,
``squad/``, ``ccgbank_1_1/``, ...); their patterns carry no ``{lang}``: they are English. Tasks
whose release test sets are unlabelled (GLUE, SQuAD, CommonsenseQA, Cosmos QA, HellaSwag) have
no test split and evaluate on dev (``test_split="dev"``).

"The same task in another source language" is data, not code: ``xnli-translate-train`` and
``pawsx-translate-train`` (XTREME's machine-translated English training sets) and
``xnli-dev-as-train`` (XNLI's human-translated dev set as training data) are intermediate tasks
whose ``train_languages`` are the target languages. English is not among them: English NLI is
``mnli`` (or ``xnli``'s own train split).
"""

from __future__ import annotations

from xstilts.tasks.definitions.xtreme import (
    NLI_LABELS,
    PAWSX_LANGUAGES,
    XNLI_LANGUAGES,
    XNLI_MT_TRAIN,
    XNLI_ORIGINAL,
    XTREME_SOURCE,
    download_step,
    export,
)
from xstilts.tasks.readers.sources import ReleaseTaskSpec
from xstilts.tasks.registry import register
from xstilts.tasks.spec import Role, TaskType

_READERS = "xstilts.tasks.readers"
_ENGLISH = ("en",)
_GLUE = "download_glue_data.py (GLUE), unpacked as glue_data/"


def _english(
    name: str, files: dict[str, str], originals: dict[str, tuple[str, ...]] | None = None, **fields
) -> ReleaseTaskSpec:
    """An English intermediate task read from its release, other releases (``originals``, tried
    first) and the export as fallbacks."""
    originals = originals or {}
    splits = tuple(dict.fromkeys([*files, *originals]))
    return ReleaseTaskSpec(
        name=name,
        roles=(Role.INTERMEDIATE,),
        languages=_ENGLISH,
        train_languages=_ENGLISH,
        files=files,
        fallback_files={split: (*originals.get(split, ()), export(name, split)) for split in splits},
        test_split="test" if "test" in files else "dev",
        **fields,
    )


register(
    _english(
        "anli",
        {split: f"anli_v1.0/R1/{split}.jsonl" for split in ("train", "dev", "test")},
        {split: (f"anli_v0.1/R1/{split}.jsonl",) for split in ("train", "dev", "test")},  # HF download
        task_type=TaskType.PAIR_CLASSIFICATION,
        description="Adversarial NLI, rounds R1-R3 concatenated (premise = 'context', labels e/n/c).",
        labels=NLI_LABELS,
        metrics=("accuracy",),
        reader=f"{_READERS}.anli:read_anli",
        source="https://github.com/facebookresearch/anli (anli_v1.0.zip); Nie et al. 2020",
        obtain="https://dl.fbaipublicfiles.com/anli/anli_v1.0.zip, unzipped in the data root",
    )
)
register(
    _english(
        "commonsenseqa",
        {"train": "commonsenseqa/train_rand_split.jsonl", "dev": "commonsenseqa/dev_rand_split.jsonl"},
        task_type=TaskType.MULTIPLE_CHOICE,
        description="CommonsenseQA: 5-way multiple-choice commonsense questions (random split).",
        metrics=("accuracy",),
        reader=f"{_READERS}.multiple_choice:read_commonsenseqa",
        source="https://www.tau-nlp.org/commonsenseqa; Talmor et al. 2019",
        obtain="the CommonsenseQA *_rand_split.jsonl files, saved in commonsenseqa/",
    )
)
register(
    _english(
        "cosmosqa",
        {"train": "cosmosqa/train.csv", "dev": "cosmosqa/valid.csv"},
        task_type=TaskType.MULTIPLE_CHOICE,
        description="Cosmos QA: 4-way multiple-choice reading comprehension needing commonsense.",
        metrics=("accuracy",),
        reader=f"{_READERS}.multiple_choice:read_cosmosqa",
        source="https://github.com/wilburOne/cosmosqa (data/); Huang et al. 2019",
        obtain="the Cosmos QA repository's data/train.csv and data/valid.csv, saved in cosmosqa/",
        max_length=256,
    )
)
register(
    _english(
        "hellaswag",
        {"train": "hellaswag/hellaswag_train.jsonl", "dev": "hellaswag/hellaswag_val.jsonl"},
        task_type=TaskType.MULTIPLE_CHOICE,
        description="HellaSwag: choose the plausible continuation (4 endings) of an event description.",
        metrics=("accuracy",),
        reader=f"{_READERS}.multiple_choice:read_hellaswag",
        source="https://github.com/rowanz/hellaswag (data/); Zellers et al. 2019",
        obtain="the HellaSwag repository's data/hellaswag_{train,val}.jsonl, saved in hellaswag/",
    )
)
register(
    _english(
        "mnli",
        {"train": "glue_data/MNLI/train.tsv", "dev": "glue_data/MNLI/dev_matched.tsv"},
        {
            "train": ("multinli_1.0/multinli_1.0_train.jsonl",),
            "dev": ("multinli_1.0/multinli_1.0_dev_matched.jsonl",),
            "dev_mismatched": (
                "glue_data/MNLI/dev_mismatched.tsv",
                "multinli_1.0/multinli_1.0_dev_mismatched.jsonl",
            ),
        },
        task_type=TaskType.PAIR_CLASSIFICATION,
        description="MultiNLI (GLUE, or the MultiNLI 1.0 JSON Lines release): natural language "
        "inference; dev = dev_matched (dev_mismatched is its own split); gold '-' rows dropped.",
        labels=NLI_LABELS,
        metrics=("accuracy",),
        reader=f"{_READERS}.tsv:read_mnli",
        source="https://gluebenchmark.com/tasks; Williams et al. 2018",
        obtain=_GLUE,
    )
)
register(
    _english(
        "qqp",
        {"train": "glue_data/QQP/train.tsv", "dev": "glue_data/QQP/dev.tsv"},
        {"train": ("qqp/train.jsonl",), "dev": ("qqp/val.jsonl",)},  # jiant's export, labels "0"/"1"
        task_type=TaskType.PAIR_CLASSIFICATION,
        description="Quora Question Pairs (GLUE): are two questions duplicates?",
        labels=("not_duplicate", "duplicate"),
        metrics=("accuracy",),
        reader=f"{_READERS}.tsv:read_qqp",
        source="https://gluebenchmark.com/tasks; Quora question pairs",
        obtain=_GLUE,
    )
)
register(
    _english(
        "sst2",
        {"train": "glue_data/SST-2/train.tsv", "dev": "glue_data/SST-2/dev.tsv"},
        {"train": ("sst/train.jsonl",), "dev": ("sst/val.jsonl",)},  # jiant's export, labels "0"/"1"
        task_type=TaskType.CLASSIFICATION,
        description="SST-2 (GLUE): binary sentiment of movie-review sentences.",
        labels=("negative", "positive"),
        metrics=("accuracy",),
        reader=f"{_READERS}.tsv:read_sst2",
        source="https://gluebenchmark.com/tasks; Socher et al. 2013",
        obtain=_GLUE,
    )
)
register(
    _english(
        "squad_v1",
        {"train": "squad/train-v1.1.json", "dev": "squad/dev-v1.1.json"},
        task_type=TaskType.SPAN_QA,
        description="SQuAD v1.1: extractive QA on Wikipedia paragraphs (every question answerable); "
        "scored with evaluate-v1.1.py's rule.",
        metrics=("squad_f1", "squad_exact_match"),
        reader=f"{_READERS}.squad:read_squad",
        source="https://rajpurkar.github.io/SQuAD-explorer/; Rajpurkar et al. 2016",
        obtain=download_step("download_squad"),
        max_length=384,
    )
)
register(
    _english(
        "squad_v2",
        {"train": "squad/train-v2.0.json", "dev": "squad/dev-v2.0.json"},
        task_type=TaskType.SPAN_QA,
        description="SQuAD v2.0: extractive QA with unanswerable questions (answers == [] = no answer); "
        "scored with evaluate-v2.0.py's rule.",
        metrics=("squad_v2_f1", "squad_v2_exact_match"),
        reader=f"{_READERS}.squad:read_squad",
        source="https://rajpurkar.github.io/SQuAD-explorer/; Rajpurkar et al. 2018",
        obtain="SQuAD-explorer dataset/train-v2.0.json and dev-v2.0.json, saved in squad/",
        max_length=384,
        allows_no_answer=True,
    )
)
register(
    ReleaseTaskSpec(
        name="ccg",
        task_type=TaskType.TAGGING,
        roles=(Role.INTERMEDIATE,),
        description="CCG supertagging on CCGbank 1.1 (WSJ sections 02-21 train, 00 dev, 23 test); "
        "open tag set, derived from the train split.",
        languages=_ENGLISH,
        metrics=("token_accuracy",),
        reader=f"{_READERS}.ccgbank:read_ccg",
        files={
            "train": "ccgbank_1_1/data/AUTO/02",
            "dev": "ccgbank_1_1/data/AUTO/00",
            "test": "ccgbank_1_1/data/AUTO/23",
        },
        fallback_files={
            split: (f"ccg/{split}-{{lang}}.auto", f"CCG/ccg.{split}", export("ccg", split))
            for split in ("train", "dev", "test")
        },
        source="CCGbank 1.1, LDC2005T13; Hockenmaier and Steedman 2007",
        obtain="LDC2005T13 (licensed), unpacked in the data root",
    )
)

_NON_ENGLISH_XNLI = tuple(lang for lang in XNLI_LANGUAGES if lang != "en")
_NON_ENGLISH_PAWSX = tuple(lang for lang in PAWSX_LANGUAGES if lang != "en")

register(
    ReleaseTaskSpec(
        name="xnli-translate-train",
        task_type=TaskType.PAIR_CLASSIFICATION,
        roles=(Role.INTERMEDIATE,),
        description="NLI in a non-English source language: XTREME's machine translation of MNLI "
        "train into each XNLI language; dev = XNLI dev in that language.",
        languages=_NON_ENGLISH_XNLI,
        train_languages=_NON_ENGLISH_XNLI,
        labels=NLI_LABELS,
        metrics=("accuracy",),
        reader=f"{_READERS}.tsv:read_translate_train",
        files={"train": "xnli/XNLI-Translated/en-{lang}-translated.tsv", "dev": "xnli/dev-{lang}.tsv"},
        fallback_files={
            "train": (XNLI_MT_TRAIN, export("xnli-translate-train", "train")),
            "dev": (*XNLI_ORIGINAL["dev"], export("xnli", "dev")),
        },
        all_language_files=XNLI_ORIGINAL["dev"],
        test_split="dev",
        source=f"{XTREME_SOURCE}; translations: gs://xtreme_translations/XNLI/translate-train",
        obtain="gs://xtreme_translations/XNLI/translate-train/en-<lang>-translated.tsv, saved in xnli/XNLI-Translated/",
    )
)
register(
    ReleaseTaskSpec(
        name="xnli-dev-as-train",
        task_type=TaskType.PAIR_CLASSIFICATION,
        roles=(Role.INTERMEDIATE,),
        description="NLI in a non-English source language from human translations: XNLI dev (2,490 "
        "pairs) of one language used as training data. It has no dev split of its own.",
        languages=XNLI_LANGUAGES,
        train_languages=XNLI_LANGUAGES,
        labels=NLI_LABELS,
        metrics=("accuracy",),
        reader=f"{_READERS}.tsv:read_xtreme_pairs",
        files={"train": "xnli/dev-{lang}.tsv"},
        fallback_files={"train": (*XNLI_ORIGINAL["dev"], export("xnli", "dev"))},
        all_language_files=XNLI_ORIGINAL["dev"],
        source=f"{XTREME_SOURCE}; Conneau et al. 2018, XNLI",
        obtain=download_step("download_xnli"),
    )
)
register(
    ReleaseTaskSpec(
        name="pawsx-translate-train",
        task_type=TaskType.PAIR_CLASSIFICATION,
        roles=(Role.INTERMEDIATE,),
        description="Paraphrase identification in a non-English source language: XTREME's machine "
        "translation of PAWS train; dev = PAWS-X dev in that language.",
        languages=_NON_ENGLISH_PAWSX,
        train_languages=_NON_ENGLISH_PAWSX,
        labels=("0", "1"),
        metrics=("accuracy",),
        reader=f"{_READERS}.tsv:read_translate_train",
        files={"train": "pawsx/translated/en-{lang}-translated.tsv", "dev": "pawsx/dev-{lang}.tsv"},
        fallback_files={
            "train": ("x-final/{lang}/translated_train.tsv", export("pawsx-translate-train", "train")),
            "dev": ("x-final/{lang}/dev_2k.tsv", export("pawsx", "dev")),
        },
        test_split="dev",
        source=f"{XTREME_SOURCE}; translations: gs://xtreme_translations/PAWSX/translate-train",
        obtain="gs://xtreme_translations/PAWSX/translate-train/en-<lang>-translated.tsv, saved in pawsx/translated/",
    )
)
