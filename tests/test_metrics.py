"""Ranking metrics against scikit-learn and hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import ndcg_score

from cinwe_reco.metrics import (
    average_precision_at_k,
    evaluate_groups,
    ndcg_at_k,
    recall_at_k,
    split_groups,
)

CASES = [
    (np.array([3, 2, 0, 1, 0, 2]), np.array([0.9, 0.1, 0.8, 0.5, 0.3, 0.2])),
    (np.array([0, 0, 1, 3]), np.array([4.0, 3.0, 2.0, 1.0])),
    (np.array([1, 2, 3, 0, 0, 0, 1, 2, 0, 0, 3, 1]), np.linspace(1, 0, 12)),
]


@pytest.mark.parametrize("k", [1, 3, 5, 10])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_ndcg_matches_sklearn(case, k):
    grades, scores = CASES[case]
    expected = ndcg_score(grades[None, :], scores[None, :], k=k)
    assert ndcg_at_k(grades, scores, k) == pytest.approx(expected)


def test_perfect_and_reversed_rankings():
    grades = np.array([3, 2, 1, 0])
    assert ndcg_at_k(grades, np.array([4, 3, 2, 1]), 10) == pytest.approx(1.0)
    assert ndcg_at_k(grades, np.array([1, 2, 3, 4]), 10) < 0.7
    assert np.isnan(ndcg_at_k(np.zeros(4), np.arange(4), 5))


def test_average_precision_and_recall_by_hand():
    grades = np.array([2, 0, 3, 0, 1, 2])  # relevant: positions 0, 2, 5
    scores = np.array([6, 5, 4, 3, 2, 1])
    # hits at ranks 1, 3, 6: AP = (1/1 + 2/3 + 3/6) / 3
    assert average_precision_at_k(grades, scores, 10) == pytest.approx((1 + 2 / 3 + 0.5) / 3)
    assert recall_at_k(grades, scores, 3) == pytest.approx(2 / 3)
    assert np.isnan(recall_at_k(np.array([0, 1]), np.array([1, 2]), 10))


def test_evaluate_groups_skips_undefined_groups():
    groups = split_groups(np.array([3, 0, 0, 0, 0, 0]), np.array([1.0, 0.0, 5, 4, 3, 2]),
                          np.array([2, 4]))
    result = evaluate_groups(groups)
    assert result["ndcg@10"] == pytest.approx(1.0)
    assert set(result) == {"ndcg@5", "ndcg@10", "map@10", "recall@10"}
