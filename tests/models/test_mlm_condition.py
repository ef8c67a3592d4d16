"""A masked-LM task as a condition member: the MLM control trains the encoder without labels."""

from __future__ import annotations

import json
import os

from rich.console import Console

from tests.engine.conftest import write_experiment
from tests.support.tiny import read_jsonl
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import run_experiment
from xstilts.pipeline.store import ResultsStore
from xstilts.tasks.registry import register
from xstilts.tasks.spec import Role, TaskSpec, TaskType, jsonl_files

QUIET = Console(file=open(os.devnull, "w"), width=120)  # noqa: SIM115 - lives for the session


def read_tinytext(spec, request) -> list[dict]:
    rows = read_jsonl(request.root, request.split, request.lang, "tinykind")
    return [{"id": row["id"], "text": row["text"]} for row in rows]


def test_an_mlm_member_trains_and_feeds_the_target(tiny_world, tmp_path) -> None:
    register(
        TaskSpec(
            name="tinykind-mlm",
            task_type=TaskType.MASKED_LM,
            roles=(Role.INTERMEDIATE,),
            description="tiny MLM control",
            languages=("en", "de", "fr"),
            train_languages=("en", "de", "fr"),
            metrics=("mlm_loss",),
            reader="tests.models.test_mlm_condition:read_tinytext",
            files=jsonl_files("tinykind", ("train",)),
            max_length=16,
            dev_split="train",
            test_split="train",
        )
    )
    path = write_experiment(
        tmp_path / "exp.yaml",
        tiny_world,
        "mlm",
        conditions={"none": [], "mlm-de": ["tinykind-mlm:de"]},
        targets={"tinytopic": {}},
    )
    config = load_experiment(path)
    summary = run_experiment(config, console=QUIET)
    assert summary.executed["intermediate"] == 1 and summary.executed["finetune"] == 2
    artifacts = list((tmp_path / "artifacts-mlm" / "intermediate").glob("*/meta.json"))
    meta = json.loads(artifacts[0].read_text())
    assert meta["saved_parameters"] > 0 and meta["head_specs"] == {}  # encoder changed, no task head
    assert meta["train"]["steps"] == 12 and meta["train"]["final_loss"] > 0
    frame = ResultsStore(config.store_path).scores_frame("mlm")
    assert set(frame[frame.is_main == 1].condition) == {"none", "mlm-de"}
