"""Unit tests of the engine's parts: batching, sampling, precision, features, MLM, optimiser, cache."""

from __future__ import annotations

import json
import random

import pytest
import torch

from xstilts.engine.batching import BatchPlan, collate, evaluation_batches, round_up, training_batches
from xstilts.engine.features import IGNORE_INDEX, LabelMap, build_features
from xstilts.engine.precision import choose_runtime
from xstilts.leases import Owner
from xstilts.pipeline.cache import ArtifactCache
from xstilts.tasks.spec import Role, TaskSpec, TaskType
from xstilts.tasks.types import get_task_type
from xstilts.training.mlm import mask_tokens
from xstilts.training.sampling import TaskSampler, task_probabilities


def test_training_batches_cover_every_example_once_and_are_length_bucketed():
    rng = random.Random(0)
    lengths = [rng.randint(3, 120) for _ in range(1000)]
    batches = training_batches(lengths, BatchPlan(batch_size=32, pool_factor=10), random.Random(1))
    assert sorted(i for b in batches for i in b) == list(range(1000))
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    assert sum(lengths) / padded > 0.85  # bucketing keeps padding small (random batches: ~0.5)
    again = training_batches(lengths, BatchPlan(batch_size=32, pool_factor=10), random.Random(1))
    assert batches == again  # reproducible from the seed


def test_token_budget_and_padding_multiple():
    lengths = [10] * 50 + [100] * 50
    plan = BatchPlan(batch_size=64, max_tokens=1024, pad_multiple=32)
    for batch in evaluation_batches(lengths, plan):
        width = round_up(max(lengths[i] for i in batch), 32)
        assert width * len(batch) <= 1024 or len(batch) == 1
        assert len(batch) <= 64
    tensors = collate({"input_ids": [[5, 6, 7], [5]], "label": [1, 0]}, pad_id=1, multiple=32)
    assert tensors["input_ids"].shape == (2, 32)
    assert tensors["attention_mask"].tolist()[1][:3] == [1, 0, 0]
    assert round_up(33, 32) == 64 and round_up(7, 1) == 7


def test_sampling_strategies():
    sizes = {"big": 10_000, "small": 100}
    assert task_probabilities(sizes, "proportional")["big"] == pytest.approx(10_000 / 10_100)
    assert task_probabilities(sizes, "uniform")["small"] == pytest.approx(0.5)
    tempered = task_probabilities(sizes, "temperature", temperature=2.0)
    assert tempered["small"] == pytest.approx(10 / 110)  # sqrt(100) / (sqrt(10000) + sqrt(100))
    capped = task_probabilities(sizes, "capped_proportional", cap=1000)
    assert capped["small"] == pytest.approx(100 / 1100)
    draws = [next(TaskSampler(tempered, seed=3)) for _ in range(5)]
    assert draws == [next(TaskSampler(tempered, seed=3)) for _ in range(5)]
    with pytest.raises(ValueError):
        task_probabilities(sizes, "nonsense")  # type: ignore[arg-type]


def test_precision_choice_is_explicit_and_recorded(monkeypatch):
    import xstilts.engine.precision as precision

    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    choice = choose_runtime("auto", "cpu", threads=1)
    assert choice.precision == "fp32" and "lacks native bf16" in choice.reason
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    assert choose_runtime("auto", "cpu", threads=1).precision == "bf16"
    forced = choose_runtime("bf16", "cpu", threads=1)
    assert forced.precision == "bf16" and forced.as_dict()["cpu_model"]
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    assert "WARNING" in choose_runtime("bf16", "cpu", threads=1).reason


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import PreTrainedTokenizerFast

    from xstilts.models.e5_provider import SPECIAL_TOKENS, source_tokenizer

    return PreTrainedTokenizerFast(tokenizer_file=str(source_tokenizer()), **SPECIAL_TOKENS)


def _spec(task_type: TaskType, labels=()) -> TaskSpec:
    return TaskSpec(
        name="t",
        task_type=task_type,
        roles=(Role.TARGET,),
        description="",
        languages=("en",),
        labels=labels,
        metrics=("accuracy",),
        reader="x:y",
        files={"train": "t/{lang}"},
    )


def test_tagging_labels_sit_on_first_pieces_only(tokenizer):
    spec = _spec(TaskType.TAGGING, ("O", "B-PER", "I-PER"))
    example = {
        "id": "1",
        "tokens": ["Angela", "Merkel", "sprach", "überraschenderweise"],
        "tags": ["B-PER", "I-PER", "O", "O"],
    }
    features = build_features(spec, [example], tokenizer, LabelMap(spec.labels), 64)
    labels = features["labels"][0]
    assert [label for label in labels if label != IGNORE_INDEX] == [1, 2, 0, 0]
    assert labels[0] == IGNORE_INDEX and labels[-1] == IGNORE_INDEX  # <s>, </s>
    assert len(labels) > 6  # the long German word is several pieces, only the first is labelled


def test_span_qa_windows_locate_the_answer(tokenizer):
    spec = _spec(TaskType.SPAN_QA)
    context = " ".join(f"word{i}" for i in range(200)) + " The capital of France is Paris. " + "tail " * 50
    start = context.index("Paris")
    example = {
        "id": "q",
        "question": "What is the capital of France?",
        "context": context,
        "answers": [{"text": "Paris", "answer_start": start}],
    }
    features = build_features(spec, [example], tokenizer, None, 128)
    assert len(features["input_ids"]) > 1  # long context -> several windows
    found = []
    for offsets, s, e in zip(
        features["offsets"], features["start_position"], features["end_position"], strict=True
    ):
        if s:
            found.append(context[offsets[s][0] : offsets[e][1]])
    assert found and set(found) == {"Paris"}
    assert 0 in features["start_position"]  # windows without the answer point at <s>


def test_multiple_choice_features_group_choices(tokenizer):
    spec = _spec(TaskType.MULTIPLE_CHOICE)
    example = {
        "id": "m",
        "context": "",
        "question": "Where do fish live?",
        "choices": ["water", "sky", "desert"],
        "label": 0,
    }
    features = build_features(spec, [example], tokenizer, None, 32)
    assert len(features["input_ids"][0]) == 3
    batch = collate(features, pad_id=1, multiple=8, columns=get_task_type(spec.task_type).columns)
    assert batch["input_ids"].shape[:2] == (1, 3) and batch["labels"].tolist() == [0]


def test_mlm_masking_targets_only_real_pieces():
    ids = torch.tensor([[0, 10, 11, 12, 13, 2, 1, 1]] * 64)
    mask = (ids != 1).long()
    corrupted, labels = mask_tokens(
        ids, mask, {0, 1, 2}, mask_id=99, vocab_size=50, generator=torch.Generator().manual_seed(0)
    )
    chosen = labels != -100
    assert chosen.any(dim=1).all()  # every row has a target
    assert not chosen[:, [0, 5, 6, 7]].any()  # never specials or padding
    assert (labels[chosen] == ids[chosen]).all()
    assert (corrupted[chosen] == 99).float().mean() > 0.5  # mostly [MASK]


def test_frozen_embeddings_get_no_gradient_or_optimizer_state():
    from transformers import BertConfig, BertModel

    from xstilts.models.heads import HeadSpec
    from xstilts.models.multitask import MultiTaskModel
    from xstilts.training.optim import build_optimizers, configure_embeddings

    encoder = BertModel(
        BertConfig(
            vocab_size=500, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32
        ),
        add_pooling_layer=False,
    )
    model = MultiTaskModel(encoder, {"t": HeadSpec("classification", 2)})
    configure_embeddings(encoder, "frozen")
    optimizers = build_optimizers(model, 1e-3, 0.01, "frozen", head_learning_rate=1e-2)
    params = {id(p) for group in optimizers[0].param_groups for p in group["params"]}
    assert id(encoder.get_input_embeddings().weight) not in params
    assert {group["lr"] for group in optimizers[0].param_groups} == {1e-3, 1e-2}
    configure_embeddings(encoder, "sparse")
    sparse = build_optimizers(model, 1e-3, 0.01, "sparse")
    assert len(sparse) == 2 and isinstance(sparse[1], torch.optim.SparseAdam)
    batch = {
        "input_ids": torch.tensor([[0, 5, 6, 2]]),
        "attention_mask": torch.ones(1, 4, dtype=torch.long),
        "labels": torch.tensor([1]),
    }
    _, loss = model("t", batch)
    loss.backward()
    assert encoder.get_input_embeddings().weight.grad.is_sparse


def test_artifact_cache_is_atomic_and_cleans_stale_folders(tmp_path):
    cache = ArtifactCache(tmp_path)
    with pytest.raises(RuntimeError), cache.build("finetune", "abc", {"x": 1}) as tmp:
        (tmp / "model.safetensors").write_bytes(b"partial")
        raise RuntimeError("killed")
    assert not cache.is_complete("finetune", "abc") and not list((tmp_path / "finetune").iterdir())
    with cache.build("finetune", "abc", {"x": 1}) as tmp:
        (tmp / "model.safetensors").write_bytes(b"full")
    meta = cache.meta("finetune", "abc")
    assert cache.is_complete("finetune", "abc") and meta["x"] == 1
    assert meta["files"]["model.safetensors"]["size"] == 4  # published files are recorded
    stale = tmp_path / "finetune" / ".tmp-def-999999999-x"
    stale.mkdir()
    dead = {**Owner.me().as_dict(), "pid": 999_999_999}  # this host and boot, a PID that is gone
    (stale / ".lease.json").write_text(json.dumps(dead), encoding="utf-8")
    young = tmp_path / "finetune" / ".tmp-ghi-1-x"  # no lease yet: could be a live process's
    young.mkdir()
    assert cache.clean_stale() == 1 and not stale.exists() and young.exists()


def _open_stores_in_step(paths: list[str], barrier, errors) -> None:
    from xstilts.pipeline.store import ResultsStore

    for path in paths:
        barrier.wait()  # both processes open each fresh store at the same instant
        try:
            ResultsStore(path)
        except Exception as error:  # reported to the parent: a raise would only kill the child
            errors.put(repr(error))


def test_processes_opening_a_new_store_at_once_all_succeed(tmp_path):
    """DDP ranks open the same fresh store together; WAL setup once raised "database is locked"."""
    import multiprocessing
    import sqlite3

    spawn = multiprocessing.get_context("spawn")
    paths = [str(tmp_path / f"s{i}.sqlite") for i in range(40)]
    barrier, errors = spawn.Barrier(2), spawn.Queue()
    workers = [spawn.Process(target=_open_stores_in_step, args=(paths, barrier, errors)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert all(worker.exitcode == 0 for worker in workers)
    assert errors.empty(), errors.get()
    con = sqlite3.connect(paths[0])
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_linear_schedule_warms_up_from_zero_and_decays_to_zero():
    import torch

    from xstilts.training.optim import linear_schedule

    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=1.0)
    schedule = linear_schedule(optimizer, warmup_steps=4, total_steps=10)
    rates = []
    for _ in range(10):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    # step 0 trains at 0 (transformers' warm-up), peak at the end of warm-up, then 1/6 per step down
    assert rates == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0, 5 / 6, 4 / 6, 3 / 6, 2 / 6, 1 / 6])
    assert optimizer.param_groups[0]["lr"] == 0.0
