"""A synthetic stand-in for the gettext tasks, with the length mix of real messages.

Benchmarks run on the real gettext tasks when they are built; this world lets them (and their
tests) run anywhere. It keeps what matters for speed, the *length mix*: sentence lengths in words
are log-normal (median 6, long tail, capped at 40), like software messages whose pieces average
11-17 with the multilingual-e5 tokenizer. Words are made of syllables; every "language" spells the
same syllables differently (a fixed permutation), so one sentence exists in every language.

Tasks, in xstilts' JSONL conventions (registered under ``synth*`` names):

- ``synthtopic`` (target, classification, 8 topics): a sentence carries one or two keywords of
  its topic; 10% of labels are resampled, so accuracy has a ceiling near 91% and two recipes can
  be told apart. English train/dev, test in every language.
- ``synthkind`` (intermediate, classification, 3 kinds): the kind is marked by the final word;
  train/dev in every language.
- ``synthretrieval`` (target, retrieval): an English sentence and its rendering in a language.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

from xstilts.tasks.registry import register
from xstilts.tasks.spec import ReadRequest, Role, TaskSpec, TaskType, jsonl_files

LANGUAGES = ("en", "xa", "xb", "xc", "xd", "xe", "xf", "xg")
TOPICS = ("archive", "desktop", "mail", "media", "network", "printing", "system", "toolchain")
KINDS = ("error", "question", "label")
SYLLABLES = (
    "ka", "lo", "mi", "ren", "tas", "pu", "vel", "dor", "ni", "sha",
    "gre", "bon", "tu", "fal", "zen", "mor", "ri", "qua", "lem", "sto",
)  # fmt: skip
LABEL_NOISE = 0.1
MEDIAN_WORDS = 6.0
MAX_WORDS = 40
WORLD_SEED = 20240601

Word = tuple[int, ...]  # syllable indices


def _vocabulary(rng: random.Random, n: int, syllables: tuple[int, int]) -> list[Word]:
    seen: set[Word] = set()
    words: list[Word] = []
    while len(words) < n:
        word = tuple(rng.randrange(len(SYLLABLES)) for _ in range(rng.randint(*syllables)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class World:
    """Vocabulary, topic keywords, kind markers and per-language spellings, from one seed."""

    def __init__(self, seed: int = WORLD_SEED) -> None:
        rng = random.Random(seed)
        words = _vocabulary(rng, 600 + 10 * len(TOPICS) + 3 * len(KINDS), (2, 3))
        self.filler = words[:600]
        self.keywords = {topic: words[600 + 10 * i : 610 + 10 * i] for i, topic in enumerate(TOPICS)}
        start = 600 + 10 * len(TOPICS)
        self.markers = {kind: words[start + 3 * i : start + 3 * i + 3] for i, kind in enumerate(KINDS)}
        self.spelling: dict[str, list[str]] = {"en": list(SYLLABLES)}
        for index, language in enumerate(LANGUAGES[1:]):
            order = list(SYLLABLES)
            random.Random(seed + index + 1).shuffle(order)
            self.spelling[language] = order

    def render(self, sentence: list[Word], language: str) -> str:
        spell = self.spelling[language]
        return " ".join("".join(spell[s] for s in word) for word in sentence)

    def sentence(self, rng: random.Random, topic: str, kind: str) -> list[Word]:
        n_words = min(MAX_WORDS, max(2, round(math.exp(rng.gauss(math.log(MEDIAN_WORDS), 0.55)))))
        body = [rng.choice(self.filler) for _ in range(n_words - 1)]
        for _ in range(1 if n_words < 9 else 2):
            body.insert(rng.randrange(len(body) + 1), rng.choice(self.keywords[topic]))
        return [*body, rng.choice(self.markers[kind])]


def _noisy(rng: random.Random, label: str, labels: tuple[str, ...]) -> str:
    return rng.choice(labels) if rng.random() < LABEL_NOISE else label


def write_world(root: Path, n_train: int, n_dev: int, n_test: int, n_kind: int) -> Path:
    """Write every split of the three tasks under ``root`` (idempotent for the same sizes)."""
    stamp = root / "synthetic.json"
    sizes = {"n_train": n_train, "n_dev": n_dev, "n_test": n_test, "n_kind": n_kind, "seed": WORLD_SEED}
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == sizes:
        return root
    world = World()

    def dump(relative: str, rows: list[dict[str, Any]]) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    def sample(rng: random.Random, n: int) -> list[tuple[list[Word], str, str]]:
        out = []
        for _ in range(n):
            topic, kind = rng.choice(TOPICS), rng.choice(KINDS)
            out.append((world.sentence(rng, topic, kind), topic, kind))
        return out

    def topic_rows(rng, items, language, prefix):
        return [
            {"id": f"{prefix}{i}", "text": world.render(s, language), "label": _noisy(rng, topic, TOPICS)}
            for i, (s, topic, _) in enumerate(items)
        ]

    rng = random.Random(WORLD_SEED + 101)
    dump("synthtopic/train-en.jsonl", topic_rows(rng, sample(rng, n_train), "en", "tr"))
    dump("synthtopic/dev-en.jsonl", topic_rows(rng, sample(rng, n_dev), "en", "dv"))
    test_items = sample(rng, n_test)  # the same sentences in every language
    for language in LANGUAGES:
        dump(f"synthtopic/test-{language}.jsonl", topic_rows(random.Random(7), test_items, language, "te"))
        kind_rng = random.Random(f"{WORLD_SEED}-{language}")
        for split, n in (("train", n_kind), ("dev", max(1, n_kind // 5))):
            rows = [
                {"id": f"{split}{i}", "text": world.render(s, language), "label": kind}
                for i, (s, _, kind) in enumerate(sample(kind_rng, n))
            ]
            dump(f"synthkind/{split}-{language}.jsonl", rows)
        if language != "en":
            pairs = [
                {"id": f"p{i}", "source": world.render(s, "en"), "target": world.render(s, language)}
                for i, (s, _, _) in enumerate(test_items)
            ]
            dump(f"synthretrieval/test-{language}.jsonl", pairs)
    stamp.write_text(json.dumps(sizes), encoding="utf-8")
    return root


def _read(data_dir: Path, task: str, split: str, lang: str) -> list[dict[str, Any]]:
    from xstilts.errors import MissingResourceError

    path = Path(data_dir) / task / f"{split}-{lang}.jsonl"
    if not path.is_file():
        raise MissingResourceError(
            f"no synthetic {task} {split} file for {lang!r}",
            file=path,
            fix="call benchmarks.synthetic.write_world",
        )
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_synthetic(spec: TaskSpec, request: ReadRequest) -> list[dict[str, Any]]:
    """Every synthetic task's reader: its files sit under the task's own name."""
    return _read(request.root, spec.name, request.split, request.lang)


TOPIC = TaskSpec(
    name="synthtopic",
    task_type=TaskType.CLASSIFICATION,
    roles=(Role.TARGET,),
    description="Synthetic 8-topic classification with the length mix of gettext messages (benchmarks).",
    languages=LANGUAGES,
    labels=TOPICS,
    metrics=("accuracy",),
    reader="benchmarks.synthetic:read_synthetic",
    files=jsonl_files("synthtopic", ("train", "dev", "test")),
    max_length=64,
)
KIND = TaskSpec(
    name="synthkind",
    task_type=TaskType.CLASSIFICATION,
    roles=(Role.INTERMEDIATE,),
    description="Synthetic 3-kind classification in every language (benchmarks).",
    languages=LANGUAGES,
    train_languages=LANGUAGES,
    labels=KINDS,
    metrics=("accuracy",),
    reader="benchmarks.synthetic:read_synthetic",
    files=jsonl_files("synthkind", ("train", "dev")),
    max_length=64,
    test_split="dev",
)
RETRIEVAL = TaskSpec(
    name="synthretrieval",
    task_type=TaskType.RETRIEVAL,
    roles=(Role.TARGET,),
    description="Synthetic aligned retrieval, English <-> each language (benchmarks).",
    languages=LANGUAGES[1:],
    train_languages=(),
    metrics=("retrieval_accuracy", "mrr", "retrieval_margin"),
    reader="benchmarks.synthetic:read_synthetic",
    files=jsonl_files("synthretrieval", ("test",)),
    max_length=64,
    dev_split="test",
)


def register_tasks() -> None:
    for spec in (TOPIC, KIND, RETRIEVAL):
        register(spec)


# --- The GPU benchmark's world: XLM-R-shaped pair classification and span QA -------------------
#
# Lengths are controlled in *pieces*: every word is one piece of the word-level vocabulary that
# ``benchmarks.gpu_training.write_model_folder`` saves (``t4`` ... ``t<vocab-2>``, XLM-R's four
# special tokens first), and the pair template ``<s> A </s> </s> B </s>`` adds 4 pieces, so an
# example drawn at length L becomes exactly L pieces once the xstilts API has featurised it.

# XNLI/MNLI premise+hypothesis pairs in XLM-R pieces: right-skewed around a median of ~36 pieces.
# A log-normal with median 36 and sigma 0.45 has mean ~40, 95th percentile ~76 and 99th ~103,
# clipped to [6, 256] (256 is the longest any recipe keeps).
PAIR_MEDIAN, PAIR_SIGMA, PAIR_CLIP = 36.0, 0.45, (6, 256)
# Span QA features are SQuAD-style 384-piece windows (stride 128); long contexts fill nearly every
# window, so 90% are full and the rest (last windows, short contexts) uniform in [160, 384).
# This is the worst case for memory and the best case for the fixed-padding baselines.
QA_WINDOW, QA_FULL_SHARE, QA_SHORTEST = 384, 0.9, 160
QA_QUESTION_PIECES = 12  # a SQuAD question's typical length
TEMPLATE_PIECES = 4  # <s> A </s> </s> B </s>
FIRST_WORD_ID = 4  # after <s>, <pad>, </s>, <unk>
NLI_LABELS = ("entailment", "neutral", "contradiction")


def gpu_word(index: int) -> str:
    """The word whose piece id is ``index`` in the GPU benchmark's vocabulary."""
    return f"t{index}"


def sample_lengths(kind: str, n: int, rng) -> Any:
    """``n`` example lengths in pieces (numpy array) for ``kind`` = "pair" or "qa"."""
    import numpy as np

    if kind == "pair":
        raw = rng.lognormal(np.log(PAIR_MEDIAN), PAIR_SIGMA, size=n)
        return np.clip(np.rint(raw), *PAIR_CLIP).astype(np.int64)
    short = rng.integers(QA_SHORTEST, QA_WINDOW, size=n)
    return np.where(rng.random(n) < QA_FULL_SHARE, QA_WINDOW, short).astype(np.int64)


def _words(rng, n: int, vocab_size: int) -> list[str]:
    return [gpu_word(int(i)) for i in rng.integers(FIRST_WORD_ID, vocab_size - 1, size=n)]


def pair_rows(lengths, vocab_size: int, rng, prefix: str) -> list[dict[str, Any]]:
    """Pairs of ``lengths`` pieces each; the premise takes two thirds, labels at random."""
    rows = []
    for i, length in enumerate(lengths.tolist()):
        content = length - TEMPLATE_PIECES
        first = max(1, min(content - 1, round(2 * content / 3)))
        words = _words(rng, content, vocab_size)
        label = NLI_LABELS[int(rng.integers(0, len(NLI_LABELS)))]
        rows.append({"id": f"{prefix}{i}", "text_a": " ".join(words[:first]),
                     "text_b": " ".join(words[first:]), "label": label})  # fmt: skip
    return rows


def qa_rows(lengths, vocab_size: int, rng, prefix: str) -> list[dict[str, Any]]:
    """One-window QA examples of ``lengths`` pieces; the answer is 1-30 context words at random."""
    rows = []
    for i, length in enumerate(lengths.tolist()):
        context = _words(rng, length - TEMPLATE_PIECES - QA_QUESTION_PIECES, vocab_size)
        first = int(rng.integers(0, len(context)))
        last = min(len(context), first + int(rng.integers(1, 31)))
        answer_start = sum(len(word) + 1 for word in context[:first])
        rows.append({
            "id": f"{prefix}{i}", "question": " ".join(_words(rng, QA_QUESTION_PIECES, vocab_size)),
            "context": " ".join(context),
            "answers": [{"text": " ".join(context[first:last]), "answer_start": answer_start}],
        })  # fmt: skip
    return rows


def write_gpu_world(root: Path, vocab_size: int, sizes: dict[str, tuple[int, int]], seed: int) -> Path:
    """Write ``synthpair`` and ``synthqa`` (train and dev, English) under ``root``.

    ``sizes`` maps "pair"/"qa" to (train, dev) example counts; idempotent for the same arguments.
    """
    import numpy as np

    stamp = root / "synthetic-gpu.json"
    identity = {"vocab_size": vocab_size, "sizes": {k: list(v) for k, v in sizes.items()}, "seed": seed}
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == identity:
        return root
    builders = {"pair": ("synthpair", pair_rows), "qa": ("synthqa", qa_rows)}
    for offset, (kind, counts) in enumerate(sorted(sizes.items())):
        task, build = builders[kind]
        rng = np.random.default_rng(seed + 1000 * offset)
        for split, n in zip(("train", "dev"), counts, strict=True):
            rows = build(sample_lengths(kind, n, rng), vocab_size, rng, split[:2])
            path = root / task / f"{split}-en.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    stamp.write_text(json.dumps(identity), encoding="utf-8")
    return root


PAIR = TaskSpec(
    name="synthpair",
    task_type=TaskType.PAIR_CLASSIFICATION,
    roles=(Role.TARGET,),
    description=(
        f"Synthetic pair classification, XNLI-like lengths: log-normal median {PAIR_MEDIAN:.0f} pieces, "
        f"sigma {PAIR_SIGMA}, clipped to [{PAIR_CLIP[0]}, {PAIR_CLIP[1]}] (GPU benchmark)."
    ),
    languages=("en",),
    labels=NLI_LABELS,
    metrics=("accuracy",),
    reader="benchmarks.synthetic:read_synthetic",
    files=jsonl_files("synthpair", ("train", "dev")),
    max_length=PAIR_CLIP[1],
    test_split="dev",
)
QA = TaskSpec(
    name="synthqa",
    task_type=TaskType.SPAN_QA,
    roles=(Role.TARGET,),
    description=(
        f"Synthetic span QA, {QA_WINDOW}-piece windows: {QA_FULL_SHARE:.0%} full, the rest uniform in "
        f"[{QA_SHORTEST}, {QA_WINDOW}) (GPU benchmark)."
    ),
    languages=("en",),
    metrics=("squad_f1", "squad_exact_match"),
    reader="benchmarks.synthetic:read_synthetic",
    files=jsonl_files("synthqa", ("train", "dev")),
    max_length=QA_WINDOW,
    test_split="dev",
)


def register_gpu_tasks() -> None:
    for spec in (PAIR, QA):
        register(spec)
