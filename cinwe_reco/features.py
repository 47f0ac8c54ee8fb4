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

from .candidates import STATIC, Candidates, CatalogArrays, popcount
from .profile import Profile


@dataclass(frozen=True)
class Feature:
    """One model feature: its name, what it means, and its range."""

    name: str
    meaning: str
    range: str


FEATURE_SCHEMA_VERSION = 2

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
    Feature("popularity", "usage popularity from an imported StackShare layer, log-scaled "
            "(NaN: no figure)", "0..1"),
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

# Facts an imported entry may leave unknown, and the features that are then missing values.
# The simulator hides some of them for some judged pairs (see training/simulate.py), so the
# model learns what an unverified fact is worth instead of reading NaN as a zero.
FACT_GROUPS: dict[str, tuple[str, ...]] = {
    "price": ("monthly_cost_eur", "cost_budget_ratio", "free_plan_fits", "per_user"),
    "size": ("size_fit",),
    "languages": ("language_fit",),
    "hosting": ("eu_fit",),
    "licence": ("oss_fit", "self_hostable"),
    "ease": ("ease_of_use", "skill_gap"),
    "sectors": ("sector_fit",),
}


def hide_facts(X: np.ndarray, row: int, groups: list[str]) -> None:
    """Make the features of the named fact groups missing (NaN) in one row, in place."""
    for group in groups:
        for name in FACT_GROUPS[group]:
            X[row, FEATURE_INDEX[name]] = np.nan
        if group == "price":
            X[row, FEATURE_INDEX["price_unknown"]] = 1.0


def monthly_cost(profile: Profile, arrays: CatalogArrays, rows: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(estimated monthly cost in EUR, free plan fits) for the tools at ``rows``."""
    n = len(rows)
    contacts = np.nan if profile.contacts is None else float(profile.contacts)
    return _cost(arrays.static[:, rows], np.full(n, float(profile.users)), np.full(n, contacts))


def build_features(profile: Profile, arrays: CatalogArrays, cand: Candidates) -> np.ndarray:
    """The (candidates x features) float64 matrix of one profile, in ``FEATURE_NAMES`` order."""
    return build_features_batch([profile], arrays, [cand])


# columns of the per-profile need weights that one matrix product turns into coverage features
_NEED_TERMS = ("must", "should", "nice", "weighted", "open", "in_stack", "specialist", "any")


def build_features_batch(profiles: list[Profile], arrays: CatalogArrays,
                         cands: list[Candidates]) -> np.ndarray:
    """Features of many profiles' candidates, stacked in order: one row per (profile, tool).

    Only what depends on a profile's own needs and stack is computed profile by profile (one
    matrix product of its coverage matrix); everything else runs once over all pairs, with the
    profiles' numbers repeated per pair. ``build_features`` is this with one profile, so
    training, batches and ``suggest`` compute identical features.
    """
    sizes = np.array([len(c.rows) for c in cands], dtype=np.int64)
    rows = np.concatenate([c.rows for c in cands]) if cands else np.empty(0, np.int64)
    n = len(rows)
    out = np.empty((len(FEATURES), n), dtype=np.float64)  # filled feature by feature
    col = FEATURE_INDEX
    S = arrays.static[:, rows]  # (static columns x pairs)

    # --- what needs the profile's own needs and stack: one product per profile
    need_sums = np.empty((n, len(_NEED_TERMS)))
    n_prio = np.empty((len(profiles), 3))
    weight_sum = np.empty(len(profiles))
    open_sum = np.empty(len(profiles))
    links = np.zeros(n)
    stack_size = np.zeros(len(profiles))
    primary_in_stack = np.zeros(n)
    in_sector = np.zeros(n, dtype=bool)
    start = 0
    for k, (p, c) in enumerate(zip(profiles, cands, strict=True)):
        end = start + len(c.rows)
        weights = np.array([need.weight for need in p.needs])
        prio = [need.priority for need in p.needs]
        open_w = weights * ~c.stack_covers
        terms = np.empty((len(p.needs), len(_NEED_TERMS)))
        for j, name in enumerate(("must", "should", "nice")):
            terms[:, j] = [x == name for x in prio]
        terms[:, 3] = weights
        terms[:, 4] = open_w
        terms[:, 5] = c.stack_covers
        terms[:, 6] = c.stack_specialist
        terms[:, 7] = 1.0
        need_sums[start:end] = c.covers.astype(np.float64) @ terms
        n_prio[k] = terms[:, :3].sum(axis=0)
        weight_sum[k] = weights.sum()
        open_sum[k] = open_w.sum()
        if len(c.stack_rows):
            stack_size[k] = len(c.stack_rows)
            links[start:end] = arrays.link_counts(c.stack_rows)[c.rows]
            stack_cats = arrays.cats[c.stack_rows].any(axis=0)
            primary_in_stack[start:end] = stack_cats[arrays.primary_cat[c.rows]]
        if p.sector is not None:
            in_sector[start:end] = arrays.sectors[c.rows, arrays.sector_index[p.sector]]
        start = end

    def per_pair(values) -> np.ndarray:
        return np.repeat(np.asarray(values, dtype=np.float64), sizes)

    for j, name in enumerate(("must", "should", "nice")):
        covered = need_sums[:, j]
        out[col[f"{name}_covered"]] = covered
        with np.errstate(invalid="ignore", divide="ignore"):
            out[col[f"{name}_frac"]] = np.where(per_pair(n_prio[:, j]) > 0,
                                                covered / per_pair(n_prio[:, j]), np.nan)
    out[col["need_coverage"]] = need_sums[:, 3] / per_pair(weight_sum)
    open_total = per_pair(open_sum)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[col["new_coverage"]] = np.where(open_total > 0, need_sums[:, 4] / open_total, 0.0)
    n_covered = np.maximum(need_sums[:, 7], 1.0)  # every candidate covers at least one need
    out[col["redundancy"]] = need_sums[:, 5] / n_covered
    out[col["specialist_overlap"]] = need_sums[:, 6] / n_covered

    # --- everything else, once over all pairs
    users = per_pair([p.users for p in profiles])
    contacts = per_pair([np.nan if p.contacts is None else p.contacts for p in profiles])
    cost, free_fits = _cost(S, users, contacts)
    out[col["monthly_cost_eur"]] = cost
    budget = per_pair([np.nan if p.budget_eur_month is None else max(p.budget_eur_month, 1.0)
                       for p in profiles])
    out[col["cost_budget_ratio"]] = cost / budget
    out[col["free_plan_fits"]] = np.where(np.isnan(S[STATIC["free_plan"]]), np.nan, free_fits)
    out[col["price_unknown"]] = np.isnan(cost)

    team = per_pair([max(p.employees, 1) for p in profiles]) + 1.0  # a solo founder is one
    below = np.log2((S[STATIC["min_employees"]] + 1.0) / team)
    above = np.log2(team / (S[STATIC["max_employees"]] + 1.0))
    out[col["size_fit"]] = -np.maximum(np.maximum(below, above), 0.0)

    lang_masks = np.repeat(np.array([arrays.bit_mask(arrays.lang_index, p.languages)
                                     for p in profiles], dtype=np.uint64), sizes)
    matches = np.where(S[STATIC["languages_known"]] > 0,
                       ((arrays.lang_bits[rows] & lang_masks) != 0).astype(np.float64), np.nan)
    # NaN facts stay NaN: an unknown fact is a missing value, not a "no"
    out[col["language_fit"]] = per_pair([_LEVEL_SIGN[p.language] for p in profiles]) * (
        2.0 * matches - 1.0)
    out[col["eu_fit"]] = per_pair([_LEVEL_SIGN[p.eu_hosting] for p in profiles]) * (
        2.0 * S[STATIC["eu_fact"]] - 1.0)
    out[col["oss_fit"]] = per_pair([_LEVEL_SIGN[p.open_source] for p in profiles]) * (
        2.0 * S[STATIC["oss_fact"]] - 1.0)

    ease, breadth = S[STATIC["ease"]], S[STATIC["breadth"]]
    out[col["ease_of_use"]] = ease
    out[col["skill_gap"]] = np.maximum(0.0, (6.0 - ease) - per_pair([p.tech_skill
                                                                     for p in profiles]))
    complexity = np.minimum(5.0, 1.0 + breadth / 6.0)
    out[col["maturity_gap"]] = np.maximum(0.0, complexity - per_pair(
        [p.digital_maturity for p in profiles]))

    stack = per_pair(stack_size)
    out[col["stack_integrations"]] = links
    with np.errstate(invalid="ignore", divide="ignore"):
        out[col["stack_integration_frac"]] = np.where(stack > 0, links / stack, np.nan)
    out[col["primary_in_stack"]] = primary_in_stack
    out[col["sector_fit"]] = np.where(in_sector, 1.0, S[STATIC["generalist"]] - 1.0)

    goal_masks = np.repeat(np.array([arrays.bit_mask(arrays.goal_index, p.goals)
                                     for p in profiles], dtype=np.uint64), sizes)
    n_goals = per_pair([len(p.goals) for p in profiles])
    with np.errstate(invalid="ignore", divide="ignore"):
        out[col["goal_fit"]] = np.where(n_goals > 0,
                                        popcount(arrays.goal_bits[rows] & goal_masks) / n_goals,
                                        np.nan)
    out[col["breadth"]] = breadth
    out[col["ecosystem"]] = S[STATIC["degree"]]
    out[col["per_user"]] = S[STATIC["per_user"]]
    out[col["self_hostable"]] = S[STATIC["self_hostable"]]
    out[col["popularity"]] = S[STATIC["popularity"]]
    return np.ascontiguousarray(out.T)


def single_need_features(X: np.ndarray, stack_covered: bool, stack_specialist: bool
                         ) -> np.ndarray:
    """The features of candidates of one need, as if it were the profile's only (must-have)
    need, from their rows in the full profile's matrix: only the coverage features change.
    (Equal to ``build_features`` on the one-need profile; a test checks it.)"""
    out = X.copy()
    col = FEATURE_INDEX
    out[:, col["must_covered"]] = 1.0
    out[:, col["must_frac"]] = 1.0
    for name in ("should", "nice"):
        out[:, col[f"{name}_covered"]] = 0.0
        out[:, col[f"{name}_frac"]] = np.nan
    out[:, col["need_coverage"]] = 1.0
    out[:, col["new_coverage"]] = 0.0 if stack_covered else 1.0
    out[:, col["redundancy"]] = float(stack_covered)
    out[:, col["specialist_overlap"]] = float(stack_specialist)
    return out


def _cost(S: np.ndarray, users: np.ndarray, contacts: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """Monthly cost and free-plan fit from static columns and per-pair users and contacts
    (NaN contacts: unknown, so a stated contact limit is assumed to fit)."""
    max_contacts, max_users = S[STATIC["free_max_contacts"]], S[STATIC["free_max_users"]]
    with np.errstate(invalid="ignore"):
        contacts_ok = np.isnan(max_contacts) | np.isnan(contacts) | (contacts <= max_contacts)
        users_ok = np.isnan(max_users) | (users <= max_users)
    free_fits = (S[STATIC["free_plan"]] > 0) & contacts_ok & users_ok
    # an unknown per-user flag (imported entries) makes the cost unknown unless free fits
    seats = np.where(S[STATIC["per_user"]] > 0, users,
                     np.where(np.isnan(S[STATIC["per_user"]]), np.nan, 1.0))
    return np.where(free_fits, 0.0, S[STATIC["entry"]] * seats), free_fits
