"""Per-need shortlists: for each need, the feasible tools that cover it, best first.

A shortlist answers "which tool for this need, for this client?" (SPEC section 8): the model
scores every (need, tool) pair, and each need's list is ordered by its pairs' scores. The
client-wide order of ``suggestions`` comes from the same scores: a tool's overall fit is the
priority-weighted mean of its per-need fits over all the client's needs (0 for a need it does
not serve), so a tool that serves several needs well rises, and a side module does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scoring import Scored

# below this overall fit (0..100) a tool is not presented as a recommendation
MIN_FIT = 10.0


@dataclass(frozen=True)
class Shortlists:
    """The per-need rankings of one scored profile."""

    orders: list[np.ndarray]  # per need: candidate positions, best first (feasible pairs)
    need_fit: np.ndarray  # (candidates x needs) 0..1 fit for that need, 0 where not served
    pair_row: np.ndarray  # (candidates x needs) row of the pair in X, -1 where none
    overall: np.ndarray  # (candidates,) 0..1 priority-weighted mean of the per-need fits
    order: np.ndarray  # feasible candidates, best overall first

    def top(self, n: int) -> np.ndarray:
        """The best ``n`` candidates overall that are worth presenting."""
        keep = self.order[100.0 * self.overall[self.order] >= MIN_FIT]
        return keep[:n]


def build_shortlists(scored: Scored) -> Shortlists:
    """Rank each need's feasible pairs by score (ties: catalog order, for reproducibility)."""
    prep = scored.prep
    n_cand, n_needs = len(prep.cand.rows), len(prep.profile.needs)
    pairs = prep.pairs
    need_fit = np.zeros((n_cand, n_needs))
    pair_row = np.full((n_cand, n_needs), -1, dtype=np.int64)
    if len(pairs):
        ok = prep.pair_ok
        pair_row[pairs.position, pairs.need] = np.arange(len(pairs))
        # a feasible pair always counts as served, however low its fit
        need_fit[pairs.position[ok], pairs.need[ok]] = np.maximum(scored.fit[ok], 0.1) / 100.0
    orders = []
    for j in range(n_needs):
        sel = np.flatnonzero((pairs.need == j) & prep.pair_ok) if len(pairs) else \
            np.empty(0, dtype=np.int64)
        pos = pairs.position[sel]
        orders.append(pos[np.lexsort((pos, -scored.raw[sel]))] if len(sel) else pos)
    weights = np.array([n.weight for n in prep.profile.needs])
    overall = need_fit @ weights / weights.sum() if n_needs else np.zeros(n_cand)
    feasible = np.flatnonzero(prep.feasible & (need_fit > 0).any(axis=1))
    order = feasible[np.lexsort((feasible, -overall[feasible]))]
    return Shortlists(orders, need_fit, pair_row, overall, order)
