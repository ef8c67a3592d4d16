"""BUCC mining as XTREME runs it (LASER ratio margin, k = 4, max retrieval), and Tatoeba's direction."""

from __future__ import annotations

import numpy as np
import pytest

from xstilts.evaluation.mining import margin_mine, top_k
from xstilts.evaluation.retrieval import direction_scores
from xstilts.tasks import get_task
from xstilts.tasks.metrics.keys import MetricKey


def literal_mine(x: np.ndarray, y: np.ndarray, k: int = 4) -> list[tuple[int, int, float]]:
    """utils_retrieve.mine_bitext(retrieval='max', margin='ratio', threshold=0), step by step with loops."""
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    y = y / np.linalg.norm(y, axis=1, keepdims=True)
    sim = x @ y.T
    kx, ky = min(k, len(y)), min(k, len(x))
    x2y_ind = [list(np.argsort(-sim[i], kind="stable")[:kx]) for i in range(len(x))]
    y2x_ind = [list(np.argsort(-sim[:, j], kind="stable")[:ky]) for j in range(len(y))]
    x2y_mean = [np.mean([sim[i, j] for j in x2y_ind[i]]) for i in range(len(x))]
    y2x_mean = [np.mean([sim[i, j] for i in y2x_ind[j]]) for j in range(len(y))]
    fwd = []
    for i in range(len(x)):
        scores = [sim[i, j] / ((x2y_mean[i] + y2x_mean[j]) / 2) for j in x2y_ind[i]]
        fwd.append((i, x2y_ind[i][int(np.argmax(scores))], max(scores)))
    bwd = []
    for j in range(len(y)):
        scores = [sim[i, j] / ((y2x_mean[j] + x2y_mean[i]) / 2) for i in y2x_ind[j]]
        bwd.append((y2x_ind[j][int(np.argmax(scores))], j, max(scores)))
    candidates = fwd + bwd
    order = sorted(range(len(candidates)), key=lambda n: -candidates[n][2])
    seen_src, seen_trg, mined = set(), set(), []
    for n in order:
        i, j, score = candidates[n]
        if i not in seen_src and j not in seen_trg:
            seen_src.add(i)
            seen_trg.add(j)
            if score > 0:
                mined.append((int(i), int(j), float(score)))
    return mined


@pytest.mark.parametrize(("n_source", "n_target", "seed"), [(30, 25, 0), (12, 40, 1), (3, 2, 2)])
def test_margin_mining_matches_the_literal_laser_procedure(n_source: int, n_target: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(n_source, 16)), rng.normal(size=(n_target, 16))
    y[: min(n_source, n_target) // 2] += 2.0 * x[: min(n_source, n_target) // 2]  # some true pairs
    ours = margin_mine(x, y)
    expected = literal_mine(x, y)
    assert [(i, j) for i, j, _ in ours] == [(i, j) for i, j, _ in expected]
    assert [s for _, _, s in ours] == pytest.approx([s for _, _, s in expected], rel=1e-5)


def test_each_sentence_is_used_once_and_the_margin_demotes_a_hub() -> None:
    # target 0 is a "hub": the nearest English sentence of both sources by plain cosine
    x = np.array([[1.0, 0.15, 0.0], [1.0, -0.15, 0.0]])
    y = np.array([[1.0, 0.0, 0.0], [1.0, 0.6, 0.0], [0.2, 0.0, 1.0]])
    cosine = (x / np.linalg.norm(x, axis=1, keepdims=True)) @ (y / np.linalg.norm(y, axis=1, keepdims=True)).T
    assert list(cosine.argmax(axis=1)) == [0, 0]  # cosine argmax maps both sources to the hub
    mined = margin_mine(x, y, k=2)
    assert len({i for i, _, _ in mined}) == len(mined) == len({j for _, j, _ in mined})
    assert sorted((i, j) for i, j, _ in mined) == [(0, 1), (1, 0)]
    assert mined == sorted(mined, key=lambda pair: -pair[2])


def test_top_k_in_blocks_equals_the_full_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    import xstilts.evaluation.mining as mining

    rng = np.random.default_rng(3)
    queries, database = (
        rng.normal(size=(50, 8)).astype(np.float32),
        rng.normal(size=(20, 8)).astype(np.float32),
    )
    full = top_k(queries, database, 4)
    monkeypatch.setattr(mining, "BLOCK_ENTRIES", 60)  # 3 query rows per block
    blocked = top_k(queries, database, 4)
    np.testing.assert_array_equal(full[1], blocked[1])
    np.testing.assert_array_equal(full[1][:, 0], (queries @ database.T).argmax(axis=1))


def test_tatoeba_main_score_is_xx_to_en() -> None:
    # rows English, columns the language: each English sentence finds its translation, but
    # foreign 1 is nearer to English 0 than to its own translation
    similarity = np.array([[0.9, 0.8], [0.1, 0.7]])
    scores = direction_scores(get_task("tatoeba"), similarity, np.arange(2), "de")
    assert scores[MetricKey("retrieval_accuracy", direction="en->xx")] == 100.0
    assert scores[MetricKey("retrieval_accuracy", direction="xx->en")] == 50.0
    assert scores[MetricKey("retrieval_accuracy")] == 50.0  # XTREME's published direction
    assert "xx->en" in get_task("tatoeba").description


def test_xtreme_sorted_lines_follow_utils_preprocess_sorting() -> None:
    from xstilts.evaluation.retrieval import xtreme_sorted_lines

    english = ["Where is it?", "I love it.", "Where is it?", "A dog."]
    # utils_preprocess: sorted(zip(lines, range(n)), key=text) -> A dog. (3), I love it. (1), Where (0), Where (2)
    written = [text for text, _ in sorted(zip(english, range(4), strict=True), key=lambda pair: pair[0])]
    lines = xtreme_sorted_lines(english)
    assert lines == [2, 1, 3, 0]
    assert [written[line] for line in lines] == english  # each sentence is found at its line
