"""Retrieval evaluation (Tatoeba/UDHR/msgretrieval style): no head, no fine-tuning.

Sentences are embedded by mean (or first-token) pooling over a chosen encoder layer and compared
by cosine similarity. The default layer is the paper's protocol at the model's relative depth
(:func:`paper_layer`: layer 14 of XLM-R Large's 24 -> 7 of e5-small's 12), with the model
registry's query prefix (e5: ``query: ``); the resolved protocol is stored with every score.
With ``layer_sweep`` every hidden state of the same forward pass is scored too (variants
``layerNN``, and ``last-layer`` for the layer the classification heads are trained on). Each
language is scored in both directions (English -> language and language -> English), each stored
under its ``direction`` (``en->xx``, ``xx->en``); the plain metric is the task's
``retrieval_direction`` (Tatoeba: xx->en, as XTREME) or the mean of both; every score is keyed by
a :class:`~xstilts.tasks.metrics.keys.MetricKey`. Mining tasks (BUCC) mine with LASER's ratio
margin (:mod:`.mining`). English sentences shared across languages are embedded once per job.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from xstilts.engine.batching import BatchPlan, collate, evaluation_batches
from xstilts.engine.precision import autocast
from xstilts.errors import MissingResourceError
from xstilts.evaluation.mining import margin_mine
from xstilts.tasks.loading import read_examples
from xstilts.tasks.metrics import compute
from xstilts.tasks.metrics.keys import DEV, LAST_LAYER, MetricKey, layer_variant

PAPER_LAYER, PAPER_DEPTH = 14, 24  # Phang et al. 2020 / jiant: mean-pooled layer 14 of XLM-R Large's 24


def paper_layer(n_layers: int) -> int:
    """The paper's retrieval layer at the same relative depth: round(14/24 * n) (12 layers -> 7)."""
    return round(PAPER_LAYER / PAPER_DEPTH * n_layers)


def retrieval_protocol(settings: dict[str, Any], model_name: str, n_layers: int) -> dict[str, Any]:
    """The resolved embedding protocol of a retrieval job (recorded with every score it produces).

    ``layer`` None -> the paper's relative depth; ``-1`` -> the last layer; ``prefix`` None -> the
    registry's query prefix for the model ("query: " for e5), "" for models the registry lacks.
    """
    from xstilts.models.registry import get_entry

    layer = settings.get("layer")
    deviation = None
    if layer is None:
        layer = paper_layer(n_layers)
    elif layer == -1 or layer >= n_layers:
        layer = n_layers
    if layer != paper_layer(n_layers):
        deviation = f"layer {layer} of {n_layers}, not the paper's relative depth {paper_layer(n_layers)}"
    prefix = settings.get("prefix")
    if prefix is None:
        entry = get_entry(model_name)
        prefix = entry.query_prefix if entry is not None else ""
    sweep = bool(settings.get("layer_sweep", False))
    return {
        "layer": layer,
        "n_layers": n_layers,
        "pooling": settings.get("pooling", "mean"),
        "prefix": prefix,
        "layer_sweep": sweep,
        "layers": [layer, *(k for k in range(n_layers + 1) if k != layer)] if sweep else [layer],
        "rule": f"round({PAPER_LAYER}/{PAPER_DEPTH} * {n_layers}) = {paper_layer(n_layers)}",
        "deviation": deviation,
    }


class Embedder:
    """Embeds texts in length-sorted batches, memoising texts seen before in this job.

    Every requested layer is pooled from the same forward pass; calling the embedder gives the
    primary (first) layer, :meth:`at` any other requested one.
    """

    def __init__(
        self,
        model,
        tokenizer,
        runtime,
        plan: BatchPlan,
        layers: list[int],
        pooling: str,
        prefix: str,
        max_length: int,
    ) -> None:
        self.model, self.tokenizer, self.runtime = model, tokenizer, runtime
        self.plan = plan
        self.layers, self.pooling, self.prefix, self.max_length = list(layers), pooling, prefix, max_length
        self.memo: dict[str, np.ndarray] = {}  # text -> [len(layers), hidden]

    def _fill(self, texts: list[str]) -> None:
        todo = list(dict.fromkeys(t for t in texts if t not in self.memo))
        if not todo:
            return
        ids = self.tokenizer([self.prefix + t for t in todo], truncation=True, max_length=self.max_length)[
            "input_ids"
        ]
        with torch.inference_mode(), autocast(self.runtime):
            for indices in evaluation_batches([len(s) for s in ids], self.plan):
                batch = collate(
                    {"input_ids": [ids[i] for i in indices]},
                    self.tokenizer.pad_token_id,
                    self.plan.pad_multiple,
                )
                batch = {k: v.to(self.runtime.device) for k, v in batch.items()}
                vectors = self.model.embed_layers(
                    batch["input_ids"], batch["attention_mask"], self.layers, self.pooling
                )
                vectors = torch.nn.functional.normalize(vectors.float(), dim=-1).cpu().numpy()
                for row, index in enumerate(indices):
                    self.memo[todo[index]] = vectors[:, row]

    def prefetch(self, texts: list[str]) -> None:
        """Embed ``texts`` now, in one globally length-sorted pass (later calls hit the memo).

        A job's languages embedded one at a time would pad each language's short messages to its
        longest; one pass over all of them packs messages of equal length together.
        """
        self._fill(texts)

    def at(self, texts: list[str], layer: int) -> np.ndarray:
        """Unit-length embeddings of ``texts`` at one of the requested layers."""
        self._fill(texts)
        position = self.layers.index(layer)
        return np.stack([self.memo[t][position] for t in texts])

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self.at(texts, self.layers[0])


def layer_scores(
    spec, embed: Embedder, examples: list[dict[str, Any]], language: str
) -> dict[MetricKey, float]:
    """The layer sweep of aligned retrieval: the main metric at every layer, every metric at the last.

    Variants ``layer07`` (of the main metric, mean of both directions) and ``last-layer`` (every
    metric): the last layer is what the classification heads are trained on, the variant the
    paper's protocol avoids.
    """
    sources, targets = [e["source"] for e in examples], [e["target"] for e in examples]
    gold = np.arange(len(examples))
    last = max(embed.layers)
    scores: dict[MetricKey, float] = {}
    for layer in sorted(embed.layers):
        similarity = embed.at(sources, layer) @ embed.at(targets, layer).T
        metrics = spec.metrics if layer == last else (spec.main_metric,)
        for metric in metrics:
            value = (
                compute(metric, similarity, gold, language=language)
                + compute(metric, similarity.T, gold, language=language)
            ) / 2
            if metric == spec.main_metric:
                scores[MetricKey(metric, variant=layer_variant(layer))] = value
            if layer == last:
                scores[MetricKey(metric, variant=LAST_LAYER)] = value
    return scores


def mine(embed: Embedder, records: list[dict[str, Any]]) -> list[tuple[str, str, float]]:
    """BUCC mining as XTREME does it: LASER ratio margin, ``max`` retrieval (see :mod:`.mining`).

    As XTREME, identical sentences are embedded and mined once, and a sentence that occurs more
    than once in its corpus gives no pair (``read_sent2id`` cannot map it back to one id).
    """
    sides = {}
    for side in ("src", "trg"):
        ids_by_text: dict[str, list[str]] = {}
        for record in records:
            if record["side"] == side:
                ids_by_text.setdefault(record["text"].strip(), []).append(record["id"])
        sides[side] = ids_by_text
    if not sides["src"] or not sides["trg"]:
        return []
    source_texts, target_texts = list(sides["src"]), list(sides["trg"])
    pairs = []
    for i, j, value in margin_mine(embed(source_texts), embed(target_texts)):
        source_ids, target_ids = sides["src"][source_texts[i]], sides["trg"][target_texts[j]]
        if len(source_ids) == 1 and len(target_ids) == 1:
            pairs.append((source_ids[0], target_ids[0], value))
    return pairs


def mining_scores(
    spec, root: Path, language: str, embed: Embedder, test: list[dict]
) -> tuple[dict, list, dict]:
    """XTREME's protocol: the threshold is chosen on the dev ("sample") split, F1 measured on test."""
    from xstilts.tasks.metrics.bucc import bucc_best_threshold, bucc_f1_at_threshold
    from xstilts.tasks.readers.bucc import read_bucc_gold

    dev_pairs = mine(embed, read_examples(spec, root, spec.dev_split, language))
    threshold, dev_f1 = bucc_best_threshold(dev_pairs, read_bucc_gold(root, spec.dev_split, language))
    test_pairs = mine(embed, test)
    info = {"threshold": threshold, "threshold_from": spec.dev_split}
    try:
        test_gold = read_bucc_gold(root, spec.test_split, language)
    except MissingResourceError:  # XTREME deletes the test gold: mine and keep the pairs, no metric
        info["predict_only"] = "the test gold pairs are withheld; no metric"
        return {}, test_pairs, info
    result = bucc_f1_at_threshold(test_pairs, test_gold, threshold)
    scores = {
        MetricKey("bucc_f1"): result["f1"],
        MetricKey("bucc_precision"): result["precision"],
        MetricKey("bucc_recall"): result["recall"],
        MetricKey("bucc_f1", variant=DEV): dev_f1,
    }
    return scores, test_pairs, info


def xtreme_sorted_lines(english: list[str]) -> list[int]:
    """Line of each English sentence in XTREME's copy of the file, which ``utils_preprocess.py``
    sorts by text (a stable sort) to hide the alignment; its Tatoeba gold and predictions use it."""
    order = sorted(range(len(english)), key=lambda index: english[index])
    lines = [0] * len(english)
    for line, index in enumerate(order):
        lines[index] = line
    return lines


def direction_scores(spec, similarity: np.ndarray, gold: np.ndarray, language: str) -> dict[MetricKey, float]:
    """Each metric in both directions (keyed by direction) and the task's main direction plain.

    ``similarity`` has English rows and the language's columns: its rows retrieve en->xx, its
    transpose xx->en (XTREME's Tatoeba direction).
    """
    scores: dict[MetricKey, float] = {}
    for metric in spec.metrics:
        directions = {
            "en->xx": compute(metric, similarity, gold, language=language),
            "xx->en": compute(metric, similarity.T, gold, language=language),
        }
        for direction, value in directions.items():
            scores[MetricKey(metric, direction=direction)] = value
        main = spec.retrieval_direction
        scores[MetricKey(metric)] = sum(directions.values()) / 2 if main == "mean" else directions[main]
    return scores


def aligned_records(examples: list[dict], similarity: np.ndarray, sorted_line: list[int]) -> list[dict]:
    """One prediction record per example: nearest neighbour in both directions (ids), and the
    retrieved English sentence's line in XTREME's sorted English file (its submission format)."""
    to_target, to_source = similarity.argmax(1), similarity.argmax(0)
    return [
        {
            "id": example["id"],
            "en->xx": examples[int(to_target[i])]["id"],
            "xx->en": examples[int(to_source[i])]["id"],
            "xx->en@sorted": sorted_line[int(to_source[i])],
        }
        for i, example in enumerate(examples)
    ]


def recorded_protocol(protocol: dict[str, Any]) -> dict[str, Any]:
    """The protocol as provenance (without the sweep's layer list)."""
    return {key: value for key, value in protocol.items() if key != "layers"}
