"""Model export: a fine-tuned job leaves xstilts as a Hugging Face folder that reproduces its predictions."""

from __future__ import annotations

import json
import os

import pytest
import torch
from rich.console import Console
from typer.testing import CliRunner

from tests.engine.conftest import write_experiment
from tests.support.tiny import read_jsonl
from xstilts.cli.main import app
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.runner import prepare, run_experiment

QUIET = Console(file=open(os.devnull, "w"), width=120)  # noqa: SIM115 - lives for the session
PHASE = {"max_steps": 4, "batch_size": 8, "eval_every": 0, "learning_rate": 1e-3}
N_CHECKED = 12


@pytest.fixture(scope="module")
def trained(tiny_world, tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    path = write_experiment(
        root / "exp.yaml",
        tiny_world,
        "export",
        conditions={"none": [], "kind-en": ["tinykind:en"]},
        targets={"tinytopic": {}, "tinytags": {}},
        intermediate=dict(PHASE),
        finetune={**PHASE, "pooling": ["first", "mean"]},  # a sweep: both heads in one run
    )
    config = load_experiment(path)
    run_experiment(config, console=QUIET)
    return path, config, root


def _stored_predictions(config, finetune_key: str, language: str) -> dict[str, object]:
    plan, ctx = prepare(config)
    evaluate = next(job for job in plan.by_kind("evaluate") if job.deps == [finetune_key])
    folder = ctx.cache.path("evaluate", evaluate.key) / "predictions"
    rows = [json.loads(line) for line in (folder / f"{language}.jsonl").read_text().splitlines()]
    return {row["id"]: row["prediction"] for row in rows}


def _export(path, out, *args) -> dict:
    result = CliRunner().invoke(app, ["export", "model", str(path), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return json.loads((out / "xstilts_export.json").read_text())


def _finetune_key(note: dict) -> str:
    return note["provenance"]["job"]


def test_first_token_classifier_loads_with_auto_classes_and_reproduces_predictions(trained, tiny_world):
    from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

    path, config, root = trained
    model_label = f"{tiny_world['model']} [finetune.pooling=first]"
    out = root / "topic-first"
    note = _export(path, out, "--condition", "kind-en", "--target", "tinytopic", "--model", model_label)
    assert note["auto_class"] == "AutoModelForSequenceClassification"
    assert AutoModel.from_pretrained(out) is not None  # the encoder alone loads too
    model = AutoModelForSequenceClassification.from_pretrained(out).eval()
    tokenizer = AutoTokenizer.from_pretrained(out)
    stored = _stored_predictions(config, _finetune_key(note), "de")
    examples = read_jsonl(tiny_world["data"], "test", "de", "tinytopic")[:N_CHECKED]
    batch = tokenizer(
        [e["text"] for e in examples], truncation=True, max_length=16, padding=True, return_tensors="pt"
    )
    with torch.no_grad():
        chosen = model(**batch).logits.argmax(-1).tolist()
    assert [model.config.id2label[c] for c in chosen] == [stored[e["id"]] for e in examples]


def test_tagger_loads_as_token_classification_and_reproduces_tags(trained, tiny_world):
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    path, config, root = trained
    model_label = f"{tiny_world['model']} [finetune.pooling=mean]"  # tagging heads do not pool
    out = root / "tags"
    note = _export(path, out, "--condition", "none", "--target", "tinytags", "--model", model_label)
    assert note["auto_class"] == "AutoModelForTokenClassification"
    model = AutoModelForTokenClassification.from_pretrained(out).eval()
    tokenizer = AutoTokenizer.from_pretrained(out)
    stored = _stored_predictions(config, _finetune_key(note), "fr")
    for example in read_jsonl(tiny_world["data"], "test", "fr", "tinytags")[:N_CHECKED]:
        enc = tokenizer(
            example["tokens"], is_split_into_words=True, truncation=True, max_length=16, return_tensors="pt"
        )
        with torch.no_grad():
            logits = model(**enc).logits[0]
        firsts = {}
        for position, word in enumerate(enc.word_ids(0)):
            if word is not None and word not in firsts:
                firsts[word] = position
        tags = [model.config.id2label[int(logits[firsts[w]].argmax())] for w in sorted(firsts)]
        assert tags == stored[example["id"]]


def test_mean_pooled_head_is_the_encoder_plus_head_weights(trained, tiny_world):
    from safetensors.torch import load_file
    from transformers import AutoModel, AutoTokenizer

    path, config, root = trained
    plan, _ = prepare(config)
    job = next(
        j for j in plan.by_kind("finetune")
        if j.tags["condition"] == "kind-en" and j.tags["target"] == "tinytopic" and "mean" in j.tags["model"]
    )  # fmt: skip
    out = root / "topic-mean"
    note = _export(path, out, "--job", job.key[:10])
    assert note["auto_class"] == "AutoModel" and note["heads"]["tinytopic"]["pooling"] == "mean"
    encoder = AutoModel.from_pretrained(out).eval()
    heads = load_file(str(out / note["head_weights"]))
    tokenizer = AutoTokenizer.from_pretrained(out)
    labels = note["labels"]["tinytopic"]
    stored = _stored_predictions(config, job.key, "de")
    examples = read_jsonl(tiny_world["data"], "test", "de", "tinytopic")[:N_CHECKED]
    batch = tokenizer(
        [e["text"] for e in examples], truncation=True, max_length=16, padding=True, return_tensors="pt"
    )
    with torch.no_grad():  # the README's recipe: mean over real tokens, dense, tanh, out
        hidden = encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1)
        dense = torch.tanh(pooled @ heads["tinytopic.dense.weight"].T + heads["tinytopic.dense.bias"])
        logits = dense @ heads["tinytopic.out.weight"].T + heads["tinytopic.out.bias"]
    assert [labels[c] for c in logits.argmax(-1).tolist()] == [stored[e["id"]] for e in examples]


def test_ambiguous_or_unknown_selection_is_a_usage_error(trained):
    from xstilts.errors import ConfigError

    path, _, root = trained
    base = ["export", "model", str(path), "--target", "tinytopic"]
    ambiguous = CliRunner().invoke(app, [*base, "--out", str(root / "x"), "--condition", "kind-en"])
    assert isinstance(ambiguous.exception, ConfigError)  # main() prints it as one line, exit 2
    assert "2 jobs match" in str(ambiguous.exception) and "--model" in str(ambiguous.exception)
    unknown = CliRunner().invoke(app, [*base, "--out", str(root / "y"), "--condition", "nope"])
    assert "no finetune job for condition 'nope'" in str(unknown.exception)
    assert not (root / "x").exists() and not (root / "y").exists()  # nothing written
