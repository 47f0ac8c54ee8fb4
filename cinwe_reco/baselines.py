"""Two transparent baselines the ranking model must beat.

Both follow the ranker's interface (``fit`` returns self, ``predict`` scores a feature matrix),
like scikit-learn's dummy estimators.

* ``PopularityBaseline``: what a facilitator who only knows the famous tools would pick: the
  broadest and most connected tools first.
* ``RuleBasedScorer``: a hand-weighted sum of the features a careful facilitator checks. It is
  also what ``suggest`` uses, with a visible warning, when no model can be loaded.
"""

from __future__ import annotations

import numpy as np

from .features import FEATURE_INDEX

# weight per feature; NaN features count as the value in NAN_AS
RULE_WEIGHTS: dict[str, float] = {
    "need_coverage": 3.0,
    "new_coverage": 1.0,
    "free_plan_fits": 0.5,
    "size_fit": 0.5,
    "language_fit": 0.7,
    "eu_fit": 0.4,
    "oss_fit": 0.4,
    "skill_gap": -0.3,
    "stack_integrations": 0.3,
    "redundancy": -1.0,
    "sector_fit": 0.3,
    "goal_fit": 0.5,
}
NAN_AS = {"goal_fit": 0.0}


class PopularityBaseline:
    """Scores = breadth + 0.5 x ecosystem size: the well-known all-rounders first."""

    name = "popularity"

    def fit(self, X: np.ndarray | None = None, y: np.ndarray | None = None, **_: object
            ) -> PopularityBaseline:
        """Nothing to learn: returns self."""
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Scores of a feature matrix (higher is better)."""
        return X[:, FEATURE_INDEX["breadth"]] + 0.5 * X[:, FEATURE_INDEX["ecosystem"]]


class RuleBasedScorer:
    """A transparent weighted sum of features, with a budget penalty beyond the budget."""

    name = "rules"

    def fit(self, X: np.ndarray | None = None, y: np.ndarray | None = None, **_: object
            ) -> RuleBasedScorer:
        """Nothing to learn: the weights are fixed by hand. Returns self."""
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Scores of a feature matrix (higher is better)."""
        score = np.zeros(len(X))
        for name, weight in RULE_WEIGHTS.items():
            col = X[:, FEATURE_INDEX[name]]
            score += weight * np.nan_to_num(col, nan=NAN_AS.get(name, 0.0))
        ratio = X[:, FEATURE_INDEX["cost_budget_ratio"]]
        # over budget costs 1.5 points per budget's worth; an unknown price costs half a point
        score -= 1.5 * np.clip(np.nan_to_num(ratio, nan=1.33) - 1.0, 0.0, 2.0)
        return score

    def fit_percent(self, scores: np.ndarray) -> np.ndarray:
        """A 0..100 figure for the fallback's scores (a logistic squash, not calibrated)."""
        return 100.0 / (1.0 + np.exp(-(scores - 2.0)))
