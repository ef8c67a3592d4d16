"""The paper's retrieval protocol: relative-depth layer, registry prefix, one-pass layer sweep."""

from __future__ import annotations

import json
import os

import pytest
import torch
from rich.console import Console

from tests.engine.conftest import write_experiment
from xstilts.errors import ConfigError
from xstilts.evaluation.retrieval import paper_layer, retrieval_protocol
from xstilts.models.assemble import assemble
from xstilts.pipeline.config import load_experiment
from xstilts.pipeline.planner import build_plan
from xstilts.pipeline.runner import run_experiment
from xstilts.pipeline.store import ResultsStore

QUIET = Console(file=open(os.devnull, "w"), width=120)  # noqa: SIM115 - lives for the session


def test_paper_layer_is_the_same_relative_depth() -> None:
    assert paper_layer(24) == 14  # XLM-R Large: jiant's retrieval_layer
    assert paper_layer(12) == 7  # e5-small, XLM-R Base
    assert paper_layer(2) == 1


def test_protocol_defaults_to_the_paper_layer_and_the_registry_prefix() -> None:
    default = retrieval_protocol({"layer": None, "prefix": None}, "multilingual-e5-small", 12)
    assert (default["layer"], default["prefix"], default["deviation"]) == (7, "query: ", None)
    assert retrieval_protocol({"layer": None, "prefix": None}, "xlm-roberta-large", 24)["prefix"] == ""
    assert retrieval_protocol({"layer": None, "prefix": None}, "/some/local/folder", 24)["layer"] == 14
    last = retrieval_protocol({"layer": -1, "prefix": ""}, "multilingual-e5-small", 12)
    assert last["layer"] == 12 and last["prefix"] == ""
    assert last["deviation"] == "layer 12 of 12, not the paper's relative depth 7"
    sweep = retrieval_protocol({"layer": None, "layer_sweep": True}, "multilingual-e5-small", 12)
    assert sweep["layers"][0] == 7 and sorted(sweep["layers"]) == list(range(13))


def test_embed_layers_pools_every_layer_from_one_forward_pass(tiny_world) -> None:
    model, _ = assemble(str(tiny_world["model"]), {})
    model.eval()
    calls = []
    model.encoder.register_forward_hook(lambda module, args, output: calls.append(1))
    ids = torch.tensor([[2, 5, 6, 7, 3], [2, 8, 3, 0, 0]])
    mask = (ids != 0).long()
    stacked = model.embed_layers(ids, mask, [1, 0, 2])
    assert len(calls) == 1 and stacked.shape[:2] == (3, 2)
    for position, layer in enumerate([1, 0, 2]):
        assert torch.allclose(
            stacked[position], model.embed(ids, mask, layer if layer != 2 else -1), atol=1e-6
        )


def test_retrieval_scores_by_layer_and_records_the_protocol(tiny_world, tmp_path) -> None:
    path = write_experiment(
        tmp_path / "exp.yaml",
        tiny_world,
        "sweep",
        conditions={"none": []},
        targets={"tinyretrieval": {"primary_metric": "mrr"}},
    )
    config = load_experiment(path)
    run_experiment(config, console=QUIET)
    frame = ResultsStore(config.store_path).scores_frame("sweep")
    keys = set(zip(frame.metric, frame.variant, strict=True))
    assert {
        ("retrieval_accuracy", "layer00"),
        ("retrieval_accuracy", "layer01"),
        ("retrieval_accuracy", "layer02"),
    } <= keys
    assert {("retrieval_accuracy", "last-layer"), ("mrr", "last-layer")} <= keys
    main = frame[frame.is_main == 1]
    assert set(main.metric) == {"mrr"} and set(main.variant) == {""}  # declared in the experiment
    plain = frame[(frame.metric == "retrieval_accuracy") & (frame.variant == "") & (frame.direction == "")]
    row = plain.iloc[0]
    protocol = json.loads(row.provenance_json)["details"]["retrieval_protocol"]
    assert protocol["layer"] == 1 and protocol["n_layers"] == 2 and protocol["layer_sweep"]
    # the primary score is the paper layer's: it equals the sweep's value at that layer
    layer = frame[
        (frame.language == row.language)
        & (frame.metric == "retrieval_accuracy")
        & (frame.variant == "layer01")
    ]
    assert row.value == pytest.approx(layer.value.item())


def test_an_unknown_primary_metric_is_a_config_error(tiny_world, tmp_path) -> None:
    path = write_experiment(
        tmp_path / "exp.yaml", tiny_world, "bad", targets={"tinyretrieval": {"primary_metric": "bleu"}}
    )
    with pytest.raises(ConfigError, match=r"targets\.tinyretrieval\.primary_metric: 'bleu'"):
        build_plan(load_experiment(path), "fp32")


def test_a_primary_metric_with_a_variant_in_its_name_says_how_to_name_it(tiny_world, tmp_path) -> None:
    path = write_experiment(
        tmp_path / "exp.yaml",
        tiny_world,
        "at",
        targets={"tinyretrieval": {"primary_metric": "mrr@last-layer"}},
    )
    with pytest.raises(ConfigError, match=r"no longer part of metric names.*--variant") as raised:
        build_plan(load_experiment(path), "fp32")
    assert "\n" not in str(raised.value) and "retrieval_accuracy" in str(raised.value)
