"""Hard constraints: the candidates a client's profile rules out, and why.

A tool that fails one never appears in suggestions, shortlists or the stack. ``preferred``
constraints and a ``flexible`` budget are not filters: they act through the features.
"""

from __future__ import annotations

import numpy as np

from .candidates import Candidates, CatalogArrays
from .codes import LANGUAGE_NAMES
from .features import monthly_cost
from .profile import Profile


def constraint_reasons(profile: Profile, arrays: CatalogArrays, cand: Candidates) -> np.ndarray:
    """For each candidate, the first hard constraint it breaks (text), or None if it passes."""
    rows = cand.rows
    reasons = np.full(len(rows), None, dtype=object)

    def mark(mask: np.ndarray, reason: str | np.ndarray) -> None:
        todo = mask & (reasons == None)  # noqa: E711 - elementwise comparison on object array
        if isinstance(reason, np.ndarray):
            reasons[todo] = reason[todo]
        else:
            reasons[todo] = reason

    if profile.exclude:
        excluded = np.isin(rows, arrays.rows(profile.exclude))
        mark(excluded, "excluded by the profile (constraints.exclude)")
    if profile.language == "required":
        cols = [arrays.lang_index[x] for x in profile.languages if x in arrays.lang_index]
        ok = arrays.langs[rows][:, cols].any(axis=1) if cols else np.zeros(len(rows), bool)
        names = " or ".join(LANGUAGE_NAMES.get(x, x) for x in profile.languages)
        mark(~ok, f"no {names} interface (language: required)")
    if profile.eu_hosting == "required":
        mark(~arrays.eu_hosting[rows], "no EU data hosting (eu_hosting: required)")
    if profile.open_source == "required":
        mark(~arrays.open_source[rows], "not open source (open_source: required)")
    if profile.budget_mode == "strict" and profile.budget_eur_month is not None:
        cost, _ = monthly_cost(profile, arrays, rows)
        budget = profile.budget_eur_month
        mark(np.isnan(cost), "no public price, so the strict budget cannot be checked "
             "(budget: strict)")
        over = ~np.isnan(cost) & (cost > budget + 1e-9) & (reasons == None)  # noqa: E711
        for i in np.flatnonzero(over):  # only the few over-budget tools get a sentence
            reasons[i] = (f"costs about {cost[i]:,.0f} EUR/month, over the strict budget of "
                          f"{budget:,.0f} EUR (budget: strict)")
    return reasons


def feasible_mask(profile: Profile, arrays: CatalogArrays, cand: Candidates) -> np.ndarray:
    """True for candidates that break no hard constraint."""
    return constraint_reasons(profile, arrays, cand) == None  # noqa: E711
