"""Hard constraints: the candidates a client's profile rules out, and why.

A tool that fails one never appears in suggestions, shortlists or the stack. ``preferred``
constraints and a ``flexible`` budget are not filters: they act through the features.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from .candidates import Candidates, CatalogArrays
from .costs import cheapest_costs
from .i18n import Items, language_name, text
from .profile import Profile

# a sentence, or one made for the candidate at a position; sentences come from cinwe_reco/i18n
Reason = str | Callable[[int], str]


def _violations(profile: Profile, arrays: CatalogArrays, cand: Candidates
                ) -> Iterator[tuple[np.ndarray, Reason]]:
    """(mask of candidates breaking a constraint, why), constraint by constraint."""
    rows = cand.rows
    if profile.exclude:
        yield np.isin(rows, arrays.rows(profile.exclude)), \
            text("excl.by_profile")
    if profile.language == "required":
        cols = [arrays.lang_index[x] for x in profile.languages if x in arrays.lang_index]
        ok = arrays.langs[np.ix_(rows, cols)].any(axis=1) if cols else np.zeros(len(rows), bool)
        known = arrays.languages_known[rows]
        names = Items(tuple(language_name(x) for x in profile.languages), "or")
        yield ~known, text("excl.languages_unknown")
        yield ~ok, text("excl.no_language", languages=names)
    # an unknown fact cannot satisfy a requirement: only a known "yes" passes
    if profile.eu_hosting == "required":
        unknown = np.isnan(arrays.eu_fact[rows])
        yield unknown, text("excl.eu_unknown")
        yield ~arrays.eu_hosting[rows], text("excl.no_eu")
    if profile.open_source == "required":
        unknown = np.isnan(arrays.oss_fact[rows])
        yield unknown, text("excl.licence_unknown")
        yield ~arrays.open_source[rows], text("excl.not_oss")
    if profile.budget_mode == "strict" and profile.budget_eur_month is not None:
        contacts = np.nan if profile.contacts is None else float(profile.contacts)
        # the cheapest way to use the tool for one of the needs it covers; a need whose own
        # plan is dearer is filtered from that need's shortlist (scoring.prepare_many)
        cost = cheapest_costs(arrays, rows, cand.covers, arrays.need_columns(profile),
                              profile.users, contacts)
        budget = profile.budget_eur_month
        unknown = np.isnan(cost)
        yield unknown, text("excl.no_price_strict")
        yield ~unknown & (cost > budget + 1e-9), lambda i: text(
            "excl.over_strict", cost=float(cost[i]), budget=budget)


def feasible_mask(profile: Profile, arrays: CatalogArrays, cand: Candidates) -> np.ndarray:
    """True for candidates that break no hard constraint."""
    ok = np.ones(len(cand.rows), dtype=bool)
    for mask, _ in _violations(profile, arrays, cand):
        ok &= ~mask
    return ok


def constraint_reasons(profile: Profile, arrays: CatalogArrays, cand: Candidates) -> np.ndarray:
    """For each candidate, the first hard constraint it breaks (text), or None if it passes."""
    reasons = np.full(len(cand.rows), None, dtype=object)
    free = np.ones(len(cand.rows), dtype=bool)
    for mask, reason in _violations(profile, arrays, cand):
        todo = mask & free
        if callable(reason):
            for i in np.flatnonzero(todo):  # only the few tools it excludes get a sentence
                reasons[i] = reason(int(i))
        else:
            reasons[todo] = reason
        free &= ~mask
    return reasons
