"""Two transparent baselines the ranking model must beat.

Both follow the ranker's interface (``fit`` returns self, ``predict`` scores a feature matrix of
(need, tool) pairs, ``fit_percent`` maps scores to 0..100), like scikit-learn's dummy estimators.

* ``PresenceBaseline``: what a facilitator who only knows the famous tools would pick: the most
  present products first, whatever the client.
* ``RuleBasedScorer``: a hand-weighted sum of what a careful facilitator checks first: the
  tool's strength for the need, its market presence and its price against the budget, then
  language, hosting, size and skills. It is also what ``suggest`` uses, with a visible warning,
  when no model can be loaded.
"""

from __future__ import annotations

import numpy as np

from .features import FEATURE_INDEX

# weight per feature; NaN features count as the value in NAN_AS
RULE_WEIGHTS: dict[str, float] = {
    "need_strength": 1.2,
    "need_home": 0.6,
    "presence": 0.35,
    "free_plan_fits": 0.4,
    "size_fit": 0.4,
    "language_fit": 0.6,
    "eu_fit": 0.4,
    "oss_fit": 0.4,
    "platform_fit": 0.5,
    "skill_gap": -0.25,
    "stack_integrations": 0.2,
    "sector_fit": 0.2,
    "other_needs_fit": 0.3,
}
NAN_AS = {"need_strength": 1.5, "presence": 2.0, "other_needs_fit": 0.0}


class PresenceBaseline:
    """Scores = market presence (1..5; unknown counts as 2)."""

    name = "presence"

    def fit(self, X: np.ndarray | None = None, y: np.ndarray | None = None, **_: object
            ) -> PresenceBaseline:
        """Nothing to learn: returns self."""
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Scores of a feature matrix (higher is better)."""
        return np.nan_to_num(X[:, FEATURE_INDEX["presence"]], nan=2.0)

    def fit_percent(self, scores: np.ndarray) -> np.ndarray:
        """A 0..100 figure: presence / 5."""
        return 20.0 * np.asarray(scores)


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
        return 100.0 / (1.0 + np.exp(-(np.asarray(scores) - 5.0)))
