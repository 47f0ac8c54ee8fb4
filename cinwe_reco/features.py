"""Features of (profile, candidate tool) pairs, built for all candidates at once.

The same code computes features for training and for ``suggest``. Every feature is documented
once, in ``FEATURES`` (name, meaning, range); the model's metadata records the names in order and
``FEATURE_SCHEMA_VERSION``, and a model built for another schema is refused.

Missing facts are NaN (LightGBM's missing value), never zeros: a tool without a public price has
an unknown cost, not a free one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .candidates import Candidates, CatalogArrays
from .profile import Profile


@dataclass(frozen=True)
class Feature:
    """One model feature: its name, what it means, and its range."""

    name: str
    meaning: str
    range: str


FEATURE_SCHEMA_VERSION = 1

FEATURES: tuple[Feature, ...] = (
    Feature("must_covered", "must-have needs the tool covers", "0..n_must"),
    Feature("must_frac", "fraction of must-have needs covered (NaN: no must-have need)", "0..1"),
    Feature("should_covered", "should-have needs the tool covers", "0..n_should"),
    Feature("should_frac", "fraction of should-have needs covered (NaN: none)", "0..1"),
    Feature("nice_covered", "nice-to-have needs the tool covers", "0..n_nice"),
    Feature("nice_frac", "fraction of nice-to-have needs covered (NaN: none)", "0..1"),
    Feature("need_coverage", "priority-weighted fraction of all needs covered (3/2/1)", "0..1"),
    Feature("new_coverage", "priority-weighted fraction of the needs the current stack does not "
            "already cover that the tool covers", "0..1"),
    Feature("monthly_cost_eur", "estimated monthly cost for this client: 0 when the free plan "
            "fits users and contacts, else entry price x users if per user (NaN: no public "
            "price)", ">= 0"),
    Feature("cost_budget_ratio", "monthly cost / max(budget, 1 EUR) (NaN: cost or budget "
            "unknown)", ">= 0"),
    Feature("free_plan_fits", "1 when a free plan exists and its stated limits fit the client's "
            "users and contacts", "0/1"),
    Feature("price_unknown", "1 when the tool has no public price and no fitting free plan",
            "0/1"),
    Feature("size_fit", "0 when the client's headcount is within the tool's company-size range, "
            "else minus the log2 distance to the range", "<= 0"),
    Feature("language_fit", "+1 UI in one of the team's languages, -1 not, 0 when the client's "
            "language constraint is 'any'", "-1/0/1"),
    Feature("eu_fit", "+1 EU hosting available, -1 not, 0 when eu_hosting is 'any'", "-1/0/1"),
    Feature("oss_fit", "+1 open source, -1 not, 0 when open_source is 'any'", "-1/0/1"),
    Feature("ease_of_use", "the tool's ease of use", "1..5"),
    Feature("skill_gap", "how far the set-up effort (6 - ease of use) exceeds the team's "
            "tech_skill", "0..4"),
    Feature("maturity_gap", "how far the tool's complexity (1 + capabilities/6, at most 5) "
            "exceeds the client's digital maturity", "0..4"),
    Feature("stack_integrations", "current-stack tools it integrates with natively", "0..n"),
    Feature("stack_integration_frac", "fraction of the current stack it integrates with (NaN: "
            "no current stack)", "0..1"),
    Feature("redundancy", "fraction of the needs it covers that the current stack already "
            "covers", "0..1"),
    Feature("specialist_overlap", "fraction of the needs it covers that a current-stack tool "
            "made for them already covers (a CRM for contact management, not a site builder "
            "with a form module)", "0..1"),
    Feature("primary_in_stack", "1 when the current stack already has a tool of its main "
            "category", "0/1"),
    Feature("sector_fit", "+1 built for the client's sector, 0 generalist, -1 built for other "
            "sectors", "-1/0/1"),
    Feature("goal_fit", "fraction of the client's goals it serves (NaN: no goals)", "0..1"),
    Feature("breadth", "number of capabilities", "1..73"),
    Feature("ecosystem", "number of catalog tools it integrates with", ">= 0"),
    Feature("per_user", "1 when the price is per user", "0/1"),
    Feature("self_hostable", "1 when the customer can run it on its own servers", "0/1"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)

# Domain knowledge the ranker must respect whatever the training data says: more coverage, a
# better fit of size, language, hosting, licence, sector and goals never lowers a score; more
# cost against the budget, a bigger skill gap or more overlap with the stack never raises it.
MONOTONE: dict[str, int] = {
    "must_covered": 1, "must_frac": 1, "should_covered": 1, "should_frac": 1, "nice_covered": 1,
    "nice_frac": 1, "need_coverage": 1, "new_coverage": 1, "cost_budget_ratio": -1,
    "free_plan_fits": 1, "size_fit": 1, "language_fit": 1, "eu_fit": 1, "oss_fit": 1,
    "skill_gap": -1, "maturity_gap": -1, "stack_integrations": 1, "redundancy": -1,
    "specialist_overlap": -1,
    "primary_in_stack": -1, "sector_fit": 1, "goal_fit": 1,
}
MONOTONE_CONSTRAINTS: tuple[int, ...] = tuple(MONOTONE.get(name, 0) for name in FEATURE_NAMES)
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}

_LEVEL_SIGN = {"required": 1.0, "preferred": 1.0, "any": 0.0}


def _frac(num: np.ndarray, den: float) -> np.ndarray:
    if den <= 0:
        return np.full(num.shape, np.nan)
    return num / den


def monthly_cost(profile: Profile, arrays: CatalogArrays, rows: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(estimated monthly cost in EUR, free plan fits) for the tools at ``rows``."""
    max_contacts = arrays.free_max_contacts[rows]
    max_users = arrays.free_max_users[rows]
    contacts_ok = np.isnan(max_contacts)
    if profile.contacts is not None:
        contacts_ok |= profile.contacts <= max_contacts
    else:
        contacts_ok |= True
    users_ok = np.isnan(max_users) | (profile.users <= max_users)
    free_fits = arrays.free_plan[rows] & contacts_ok & users_ok
    seats = np.where(arrays.per_user[rows], float(profile.users), 1.0)
    paid = arrays.entry[rows] * seats
    cost = np.where(free_fits, 0.0, paid)
    return cost, free_fits


def build_features(profile: Profile, arrays: CatalogArrays, cand: Candidates) -> np.ndarray:
    """The (candidates x features) float64 matrix, columns in ``FEATURE_NAMES`` order."""
    rows = cand.rows
    n = len(rows)
    out = np.empty((n, len(FEATURES)), dtype=np.float64)
    col = FEATURE_INDEX

    priorities = np.array([need.priority for need in profile.needs])
    weights = np.array([need.weight for need in profile.needs])
    covers = cand.covers.astype(np.float64)
    for prio in ("must", "should", "nice"):
        sel = priorities == prio
        covered = covers[:, sel].sum(axis=1)
        out[:, col[f"{prio}_covered"]] = covered
        out[:, col[f"{prio}_frac"]] = _frac(covered, float(sel.sum()))
    out[:, col["need_coverage"]] = covers @ weights / weights.sum()
    open_weights = weights * ~cand.stack_covers
    out[:, col["new_coverage"]] = (covers @ open_weights / open_weights.sum()
                                   if open_weights.sum() > 0 else 0.0)

    cost, free_fits = monthly_cost(profile, arrays, rows)
    out[:, col["monthly_cost_eur"]] = cost
    budget = profile.budget_eur_month
    out[:, col["cost_budget_ratio"]] = cost / max(budget, 1.0) if budget is not None else np.nan
    out[:, col["free_plan_fits"]] = free_fits
    out[:, col["price_unknown"]] = np.isnan(cost)

    employees = float(max(profile.employees, 1))  # a solo founder is a team of one
    low, high = arrays.min_employees[rows], arrays.max_employees[rows]
    below = np.log2((low + 1.0) / (employees + 1.0))
    above = np.log2((employees + 1.0) / (high + 1.0))
    out[:, col["size_fit"]] = -np.maximum(np.maximum(below, above), 0.0)

    lang_cols = [arrays.lang_index[lang] for lang in profile.languages if lang in arrays.lang_index]
    matches = arrays.langs[rows][:, lang_cols].any(axis=1) if lang_cols else np.zeros(n, bool)
    out[:, col["language_fit"]] = _LEVEL_SIGN[profile.language] * np.where(matches, 1.0, -1.0)
    out[:, col["eu_fit"]] = _LEVEL_SIGN[profile.eu_hosting] * np.where(
        arrays.eu_hosting[rows], 1.0, -1.0)
    out[:, col["oss_fit"]] = _LEVEL_SIGN[profile.open_source] * np.where(
        arrays.open_source[rows], 1.0, -1.0)

    ease = arrays.ease[rows]
    breadth = arrays.breadth[rows]
    out[:, col["ease_of_use"]] = ease
    out[:, col["skill_gap"]] = np.maximum(0.0, (6.0 - ease) - profile.tech_skill)
    complexity = np.minimum(5.0, 1.0 + breadth / 6.0)
    out[:, col["maturity_gap"]] = np.maximum(0.0, complexity - profile.digital_maturity)

    stack = cand.stack_rows
    if len(stack):
        links = arrays.links(rows, stack).sum(axis=1).astype(np.float64)
        out[:, col["stack_integrations"]] = links
        out[:, col["stack_integration_frac"]] = links / len(stack)
        stack_cats = arrays.cats[stack].any(axis=0)
        out[:, col["primary_in_stack"]] = stack_cats[arrays.primary_cat[rows]]
    else:
        out[:, col["stack_integrations"]] = 0.0
        out[:, col["stack_integration_frac"]] = np.nan
        out[:, col["primary_in_stack"]] = 0.0
    n_covered = covers.sum(axis=1)
    already = (cand.covers & cand.stack_covers).sum(axis=1)
    out[:, col["redundancy"]] = np.divide(already, n_covered, out=np.zeros(n),
                                          where=n_covered > 0)
    by_specialist = (cand.covers & cand.stack_specialist).sum(axis=1)
    out[:, col["specialist_overlap"]] = np.divide(by_specialist, n_covered, out=np.zeros(n),
                                                  where=n_covered > 0)

    if profile.sector is not None:
        in_sector = arrays.sectors[rows, arrays.sector_index[profile.sector]]
    else:
        in_sector = np.zeros(n, dtype=bool)
    out[:, col["sector_fit"]] = np.where(in_sector, 1.0,
                                         np.where(arrays.generalist[rows], 0.0, -1.0))
    goal_cols = [arrays.goal_index[g] for g in profile.goals]
    out[:, col["goal_fit"]] = (arrays.serves_goal[rows][:, goal_cols].mean(axis=1)
                               if goal_cols else np.nan)
    out[:, col["breadth"]] = breadth
    out[:, col["ecosystem"]] = arrays.degree[rows]
    out[:, col["per_user"]] = arrays.per_user[rows]
    out[:, col["self_hostable"]] = arrays.self_hostable[rows]
    return out
