"""The one scoring pipeline: profile -> candidates -> hard constraints -> features -> scores.

``suggest``, batch scoring, training data and the simulator all go through ``prepare`` and
``build`` here, in this order, so a feature or a constraint means the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .candidates import Candidates, CatalogArrays, find_candidates
from .constraints import constraint_reasons, feasible_mask
from .features import FEATURE_INDEX, NeedPairs, build_features_batch
from .profile import Profile

BLOCKED = "breaks a hard constraint"


class Scorer(Protocol):
    """What scores (need, tool) feature rows: the ranking model or a baseline."""

    def predict(self, X: np.ndarray) -> np.ndarray: ...

    def fit_percent(self, raw: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class Prepared:
    """A profile's candidates, the hard constraint each breaks (or None), and its features
    per (need, candidate) pair with the pairs a hard constraint rules out."""

    profile: Profile
    cand: Candidates
    blocked: np.ndarray  # per candidate: the constraint it breaks, or None
    X: np.ndarray  # per pair
    pairs: NeedPairs  # which (need, candidate) each row of X is
    pair_ok: np.ndarray  # per pair: no hard constraint rules it out

    @property
    def feasible(self) -> np.ndarray:
        """Per candidate: breaks no hard constraint."""
        return self.blocked == None  # noqa: E711


@dataclass(frozen=True)
class Scored:
    """A prepared profile with the scorer's raw scores and 0..100 fits per pair."""

    prep: Prepared
    raw: np.ndarray
    fit: np.ndarray


def prepare_many(profiles: list[Profile], arrays: CatalogArrays,
                 keep: list[np.ndarray | None] | None = None, *, reasons: bool = True
                 ) -> list[Prepared]:
    """Candidates, constraints and features of many profiles, built in one batch.

    ``keep`` optionally narrows each profile's candidates to a mask over catalog rows
    (training keeps the judged tools); no feature depends on the other candidates. Without
    ``reasons`` a candidate breaking a constraint is only marked ``BLOCKED``.
    """
    cands, blocked = [], []
    for k, p in enumerate(profiles):
        cand = find_candidates(p, arrays)
        if keep is not None and keep[k] is not None:
            cand = cand.subset(keep[k][cand.rows])
        cands.append(cand)
        if reasons:
            blocked.append(constraint_reasons(p, arrays, cand))
        else:  # feasibility only (batches, training): no sentence is built
            blocked.append(np.where(feasible_mask(p, arrays, cand), None, BLOCKED))
    X, pairs = build_features_batch(profiles, arrays, cands)
    ok = np.concatenate([b == None for b in blocked])[  # noqa: E711
        _global_positions(pairs, cands)] if len(pairs) else np.zeros(0, dtype=bool)
    strict = np.array([p.budget_mode == "strict" and p.budget_eur_month is not None
                       for p in profiles])
    if len(pairs) and strict.any():
        # under a strict budget, a tool whose plan for this need costs more is out of that
        # need's shortlist even when a cheaper use of it passed the tool-level check
        budget = np.array([p.budget_eur_month if p.budget_eur_month is not None else np.inf
                           for p in profiles])[pairs.profile]
        cost = X[:, FEATURE_INDEX["monthly_cost_eur"]]
        with np.errstate(invalid="ignore"):
            over = strict[pairs.profile] & (np.isnan(cost) | (cost > budget + 1e-9))
        ok &= ~over
    # pairs are laid out profile by profile: cut them at each profile's count
    ends = np.cumsum(np.bincount(pairs.profile, minlength=len(profiles)))
    out, start = [], 0
    for k, p in enumerate(profiles):
        end = int(ends[k]) if len(profiles) else start
        sel = slice(start, end)
        sub = NeedPairs(pairs.profile[sel] * 0, pairs.need[sel], pairs.position[sel],
                        pairs.rows[sel], pairs.need_col[sel])
        out.append(Prepared(p, cands[k], blocked[k], X[sel], sub, ok[sel]))
        start = end
    return out


def _global_positions(pairs: NeedPairs, cands: list[Candidates]) -> np.ndarray:
    """Each pair's candidate position in the concatenation of all profiles' candidates."""
    offsets = np.concatenate([[0], np.cumsum([len(c.rows) for c in cands])])
    return offsets[pairs.profile] + pairs.position


def prepare(profile: Profile, arrays: CatalogArrays) -> Prepared:
    """``prepare_many`` for one profile."""
    return prepare_many([profile], arrays)[0]


def score(prep: Prepared, scorer: Scorer) -> Scored:
    """The scorer's raw scores and 0..100 fits for every pair of a prepared profile."""
    if not len(prep.X):
        return Scored(prep, np.empty(0), np.empty(0))
    raw = scorer.predict(prep.X)
    return Scored(prep, raw, np.clip(scorer.fit_percent(raw), 0.0, 100.0))


def score_many(preps: list[Prepared], scorer: Scorer) -> list[Scored]:
    """``score`` for many prepared profiles with one call of the scorer."""
    sizes = [len(p.X) for p in preps]
    if not sum(sizes):
        return [Scored(p, np.empty(0), np.empty(0)) for p in preps]
    X = np.vstack([p.X for p in preps])
    raw = scorer.predict(X)
    fit = np.clip(scorer.fit_percent(raw), 0.0, 100.0)
    out, start = [], 0
    for p, n in zip(preps, sizes, strict=True):
        out.append(Scored(p, raw[start:start + n], fit[start:start + n]))
        start += n
    return out
