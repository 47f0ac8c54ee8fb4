"""Ranking metrics as pure functions over query groups.

Conventions: graded relevance 0..3; NDCG uses linear gains and log2 discounts, as
``sklearn.metrics.ndcg_score`` does; MAP and recall count grades >= 2 ("good" or "ideal") as
relevant. A group with no relevant item is skipped by MAP and recall, and a group whose grades
are all 0 by NDCG, since no ranking can be right or wrong there.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

RELEVANT_GRADE = 2
METRICS = ("ndcg@5", "ndcg@10", "map@10", "recall@10")


def _order(scores: np.ndarray) -> np.ndarray:
    # stable: equal scores keep their input order
    return np.argsort(-np.asarray(scores, dtype=float), kind="stable")


def ndcg_at_k(grades: np.ndarray, scores: np.ndarray, k: int) -> float:
    """NDCG@k of one group; NaN when every grade is 0."""
    grades = np.asarray(grades, dtype=float)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.sort(grades)[::-1][:k]
    idcg = float((ideal * discounts[: len(ideal)]).sum())
    if idcg == 0:
        return float("nan")
    ranked = grades[_order(scores)][:k]
    return float((ranked * discounts[: len(ranked)]).sum()) / idcg


def average_precision_at_k(grades: np.ndarray, scores: np.ndarray, k: int) -> float:
    """AP@k of one group (relevant = grade >= 2); NaN when nothing is relevant."""
    relevant = np.asarray(grades) >= RELEVANT_GRADE
    n_rel = int(relevant.sum())
    if n_rel == 0:
        return float("nan")
    hits = relevant[_order(scores)][:k]
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision * hits).sum()) / min(k, n_rel)


def recall_at_k(grades: np.ndarray, scores: np.ndarray, k: int) -> float:
    """Share of the relevant items (grade >= 2) found in the top k; NaN when none."""
    relevant = np.asarray(grades) >= RELEVANT_GRADE
    n_rel = int(relevant.sum())
    if n_rel == 0:
        return float("nan")
    return float(relevant[_order(scores)][:k].sum()) / n_rel


def evaluate_groups(groups: Iterable[tuple[np.ndarray, np.ndarray]]) -> dict[str, float]:
    """Mean of each metric over (grades, scores) groups, skipping groups where it is undefined."""
    values: dict[str, list[float]] = {m: [] for m in METRICS}
    for grades, scores in groups:
        values["ndcg@5"].append(ndcg_at_k(grades, scores, 5))
        values["ndcg@10"].append(ndcg_at_k(grades, scores, 10))
        values["map@10"].append(average_precision_at_k(grades, scores, 10))
        values["recall@10"].append(recall_at_k(grades, scores, 10))
    return mean_metrics(values)


def split_groups(grades: np.ndarray, scores: np.ndarray, group_sizes: np.ndarray
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cut flat arrays into per-group (grades, scores) pairs."""
    bounds = np.cumsum(group_sizes)[:-1]
    return list(zip(np.split(grades, bounds), np.split(scores, bounds), strict=True))


# --------------------------------------------------------------------------- per-need lists

PER_NEED_METRICS = ("ndcg@5", "ndcg@10", "unjudged@5", "basic@5")


def judged_ndcg_at_k(ranked: list[str], judged: dict[str, int], k: int) -> float:
    """NDCG@k of a shortlist against graded judgments (SPEC section 8): an unjudged tool counts
    0, and the ideal DCG is over all judged grades, so a judged product the list misses (or
    the catalog lacks) costs its place. NaN when every judged grade is 0."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    gains = np.array([judged.get(t, 0) for t in ranked[:k]], dtype=float)
    ideal = np.sort(np.array(list(judged.values()), dtype=float))[::-1][:k]
    idcg = float((ideal * discounts[: len(ideal)]).sum())
    if idcg == 0:
        return float("nan")
    return float((gains * discounts[: len(gains)]).sum()) / idcg


def unjudged_share(ranked: list[str], judged: dict[str, int], k: int) -> float:
    """Share of the first k places held by tools nobody judged (NaN for an empty list)."""
    head = ranked[:k]
    return float(sum(t not in judged for t in head)) / len(head) if head else float("nan")


def mean_metrics(values: dict[str, list[float]]) -> dict[str, float]:
    """The mean of each metric's values, skipping undefined (NaN) ones."""
    out = {}
    for m, v in values.items():
        arr = np.array(v, dtype=float)
        arr = arr[~np.isnan(arr)]
        out[m] = round(float(arr.mean()), 4) if len(arr) else float("nan")
    return out
