"""The public API as a notebook uses it: examples in memory, no YAML, no pipeline."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tests.support.tiny import KINDS, N_CONCEPTS, _word
from xstilts import api
from xstilts.errors import ConfigError


def tagged_sentences(language: str, n: int, seed: int) -> list[dict]:
    """Tiny-world tagging examples: a word's tag is its concept's kind (concepts 0-11) or O."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        concepts = [rng.randrange(N_CONCEPTS) for _ in range(rng.randint(3, 6))]
        out.append(
            {
                "id": f"{language}-{i}",
                "tokens": [_word(c, language) for c in concepts],
                "tags": [KINDS[c % 3] if c < 12 else "O" for c in concepts],
            }
        )
    return out


@pytest.fixture(scope="module")
def trained(tiny_world):
    """The tiny model fine-tuned on English and German tags at once (one shared head)."""
    model = api.load_model(
        tiny_world["model"], heads=["tinytags"], runtime=api.choose_runtime("fp32", "cpu", 1),
        embedding_mode="full", seed=1,
    )  # fmt: skip
    settings = api.TrainSettings(
        max_steps=60, learning_rate=3e-3, eval_every=0, embedding_mode="full",
        plan=api.BatchPlan(batch_size=8),
    )  # fmt: skip
    train_sets = {
        ("tinytags", lang): tagged_sentences(lang, 120, seed) for seed, lang in enumerate(("en", "de"))
    }
    result = api.fit(model, train_sets, settings, seed=1)
    return model, result


def test_fit_then_evaluate_learns_both_languages_far_above_the_majority_tag(trained):
    """Half of the words carry O, so the majority tag scores ~50% and an untrained head ~25%."""
    model, result = trained
    assert result.steps == 60 and result.examples_seen == 60 * 8
    tests = {lang: tagged_sentences(lang, 40, 100 + i) for i, lang in enumerate(("en", "de"))}
    results = api.evaluate_languages(model, "tinytags", tests)
    assert set(results) == {"en", "de"}
    for language, outcome in results.items():
        assert outcome["scores"]["token_accuracy"] >= 90.0, (language, outcome["scores"])
        assert outcome["n"] == 40 and not outcome["predict_only"]


def test_predictions_are_aligned_with_the_input_examples(trained):
    model, _ = trained
    examples = tagged_sentences("de", 25, 7)
    outcome = api.evaluate_languages(model, "tinytags", {"de": examples})["de"]
    assert [len(p) for p in outcome["predictions"]] == [len(e["tokens"]) for e in examples]
    assert outcome["gold"] == [e["tags"] for e in examples]
    hits = sum(p == g for pred, gold in zip(outcome["predictions"], outcome["gold"], strict=True)
               for p, g in zip(pred, gold, strict=True))  # fmt: skip
    total = sum(len(e["tokens"]) for e in examples)
    assert outcome["scores"]["token_accuracy"] == pytest.approx(100 * hits / total)


def test_label_withheld_examples_are_predicted_without_scores(trained):
    model, _ = trained
    hidden = [{**e, "tags": None} for e in tagged_sentences("en", 6, 3)]
    outcome = api.evaluate_languages(model, "tinytags", {"en": hidden})["en"]
    assert outcome["predict_only"] and outcome["scores"] == {}
    assert outcome["gold"] == [None] * 6 and len(outcome["predictions"]) == 6


def test_embed_gives_unit_vectors_one_per_text(trained):
    model, _ = trained
    vectors = api.embed(model, ["ka01x ka02", "ro01x ro02", "ka01x ka02"])
    assert vectors.shape == (3, model.network.encoder.config.hidden_size)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[0], vectors[2])


def test_a_task_without_a_head_is_refused_with_the_fix(trained):
    model, _ = trained
    with pytest.raises(ConfigError, match=r"no head for task 'tinytopic'.*heads=\['tinytopic'"):
        api.evaluate_languages(model, "tinytopic", {"en": []})


def test_dev_sets_are_scored_during_training_and_the_best_kept(tiny_world):
    model = api.load_model(
        tiny_world["model"], heads=["tinytags"], runtime=api.choose_runtime("fp32", "cpu", 1)
    )
    settings = api.TrainSettings(
        max_steps=6, eval_every=3, learning_rate=3e-3, plan=api.BatchPlan(batch_size=8)
    )
    result = api.fit(
        model, {"tinytags": tagged_sentences("en", 40, 0)}, settings,
        dev_sets={"tinytags": tagged_sentences("en", 10, 9)},
    )  # fmt: skip
    assert [point["step"] for point in result.dev_history] == [3, 6]
    assert set(result.best_dev) == {"tinytags:en"}
    assert result.best_dev["tinytags:en"] == max(point["tinytags:en"] for point in result.dev_history)


def test_a_saved_model_is_the_parent_of_the_next_phase(trained, tmp_path):
    """STILTs from a notebook: the next phase starts from the trained encoder, with a fresh head."""
    import torch

    model, _ = trained
    api.save(model, tmp_path / "tags")
    runtime = api.choose_runtime("fp32", "cpu", 1)
    child = api.load_model(model.name, heads=["tinytopic"], runtime=runtime, parent=tmp_path / "tags")
    fresh = api.load_model(model.name, heads=["tinytopic"], runtime=runtime)
    layer = "encoder.encoder.layer.0.attention.self.query.weight"
    trained_state, child_state = model.network.state_dict(), child.network.state_dict()
    assert torch.equal(child_state[layer], trained_state[layer])
    assert not torch.equal(fresh.network.state_dict()[layer], trained_state[layer])
    assert not any(key.startswith("heads.tinytags") for key in child_state)  # heads start fresh


def test_an_open_label_set_without_labels_is_one_line_naming_the_fix(tiny_world):
    from xstilts.tasks.registry import get_task

    open_set = get_task("tinytopic").model_copy(update={"labels": ()})
    with pytest.raises(ConfigError, match=r"open label set.*labels=\{'tinytopic'"):
        api.load_model(tiny_world["model"], heads=[open_set])
    train = [{"id": "1", "text": "ka01x", "label": "work"}, {"id": "2", "text": "ka02", "label": "home"}]
    assert api.label_names(open_set, train) == ["home", "work"]
