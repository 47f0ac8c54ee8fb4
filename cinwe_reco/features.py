"""Features of (profile, need, candidate tool) triples, built for all of them at once.

A facilitator shortlists per need (SPEC section 8), so the unit the model ranks is one need of
one profile: a query group holds the candidates that cover that need. The features say how well
the tool does *this need* for *this client*: the tool's strength for the need (its core job, a
full module or a side feature), whether it is the kind of tool made for it, what it costs at the
client's size for that need, how present it is in the market, and how it fits the client's
stack, platform, size, language, hosting, skills and goals.

The same code computes features for training, evaluation and ``suggest``. Every feature is
documented once, in ``FEATURES``; the model's metadata records the names in order and
``FEATURE_SCHEMA_VERSION``, and a model built for another schema is refused. Missing facts are
NaN (LightGBM's missing value), never zeros: a tool without a public price has an unknown
cost, not a free one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .candidates import STATIC, Candidates, CatalogArrays, popcount
from .costs import pair_costs
from .profile import Profile


@dataclass(frozen=True)
class Feature:
    """One model feature: its name, what it means, and its range."""

    name: str
    meaning: str
    range: str


FEATURE_SCHEMA_VERSION = 3

FEATURES: tuple[Feature, ...] = (
    Feature("need_strength", "the tool's strength for this need: 3 core (what it is built and "
            "bought for), 2 solid (a full module), 1 basic (a side feature); for a category need "
            "the best strength among the category's capabilities (NaN: unknown, imported)",
            "1..3"),
    Feature("need_home", "1 when one of the tool's main categories (those of its core "
            "capabilities) is the need's home category: the kind of tool made for the need",
            "0/1"),
    Feature("plan_upgrade", "1 when the need sits in a plan above the entry plan", "0/1"),
    Feature("other_needs_fit", "how well the tool also serves the client's other needs: "
            "priority-weighted mean of its strength / 3 over them (NaN: a single need)", "0..1"),
    Feature("monthly_cost_eur", "estimated monthly cost of the tool for this need at the "
            "client's size: 0 when the free plan fits users, contacts and need, else the "
            "contact tier (or entry price) x users if per user, raised to the plan that has the "
            "need (NaN: no public price)", ">= 0"),
    Feature("cost_budget_ratio", "monthly cost / max(budget, 1 EUR) (NaN: cost or budget "
            "unknown)", ">= 0"),
    Feature("free_plan_fits", "1 when a free plan exists and its stated limits fit the client's "
            "users, contacts and this need", "0/1"),
    Feature("price_unknown", "1 when the cost for this client cannot be estimated", "0/1"),
    Feature("presence", "market presence among French and European SMEs, 1 niche .. 5 category "
            "leader (NaN: unknown)", "1..5"),
    Feature("platform_fit", "+1 built for a platform of the current stack (a Shopify app for a "
            "Shopify shop), -1 built for other platforms than the client's, 0 otherwise",
            "-1/0/1"),
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
    Feature("main_category_in_stack", "1 when a current-stack tool already has one of its "
            "main categories (the client runs a tool of the same kind)", "0/1"),
    Feature("sector_fit", "+1 built for the client's sector, 0 generalist, -1 built for other "
            "sectors", "-1/0/1"),
    Feature("goal_fit", "fraction of the client's goals served by the client's needs the tool "
            "covers (NaN: no goals)", "0..1"),
    Feature("per_user", "1 when the price is per user", "0/1"),
    Feature("self_hostable", "1 when the customer can run it on its own servers", "0/1"),
    Feature("popularity", "usage popularity from an imported StackShare layer, log-scaled "
            "(NaN: no figure)", "0..1"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)

# Domain knowledge the ranker must respect whatever the training data says: a stronger fit for
# the need, a better fit of size, language, hosting, licence, platform, sector and goals never
# lowers a score; more cost against the budget, a bigger skill gap or a tool of a kind the
# client already runs never raises it.
MONOTONE: dict[str, int] = {
    "need_strength": 1, "need_home": 1, "other_needs_fit": 1, "cost_budget_ratio": -1,
    "free_plan_fits": 1, "presence": 1, "platform_fit": 1, "size_fit": 1, "language_fit": 1,
    "eu_fit": 1, "oss_fit": 1, "skill_gap": -1, "maturity_gap": -1, "stack_integrations": 1,
    "main_category_in_stack": -1, "sector_fit": 1, "goal_fit": 1,
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
    "strength": ("need_strength",),
    "presence": ("presence",),
}


def hide_facts(X: np.ndarray, row: int, groups: list[str]) -> None:
    """Make the features of the named fact groups missing (NaN) in one row, in place."""
    for group in groups:
        for name in FACT_GROUPS[group]:
            X[row, FEATURE_INDEX[name]] = np.nan
        if group == "price":
            X[row, FEATURE_INDEX["price_unknown"]] = 1.0


@dataclass(frozen=True)
class NeedPairs:
    """Which (profile, need, candidate) each feature row is, for a batch of profiles.

    Rows are laid out profile by profile, and within a profile need by need (the query groups),
    candidates in catalog order within a need.
    """

    profile: np.ndarray  # index of the profile in the batch
    need: np.ndarray  # index of the need within its profile
    position: np.ndarray  # candidate position within its profile's Candidates
    rows: np.ndarray  # catalog row of the tool
    need_col: np.ndarray  # coverage column of the need (CatalogArrays.need_column)

    def __len__(self) -> int:
        return len(self.rows)

    def groups(self) -> list[tuple[int, int, np.ndarray]]:
        """(profile, need, feature rows) of each query group, in row order."""
        if not len(self.rows):
            return []
        key = self.profile.astype(np.int64) * 1_000 + self.need
        cuts = np.flatnonzero(np.diff(key)) + 1
        bounds = np.concatenate([[0], cuts, [len(key)]])
        return [(int(self.profile[a]), int(self.need[a]), np.arange(a, b))
                for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def need_pairs(profiles: list[Profile], arrays: CatalogArrays, cands: list[Candidates]
               ) -> NeedPairs:
    """Every (profile, need, candidate covering it) triple of a batch."""
    parts = []
    for k, (p, c) in enumerate(zip(profiles, cands, strict=True)):
        cols = np.array(arrays.need_columns(p), dtype=np.int64)
        need_idx, pos = np.nonzero(c.covers.T)  # need-major: one need's group is contiguous
        parts.append((np.full(len(pos), k), need_idx, pos, c.rows[pos], cols[need_idx]))
    if not parts:
        empty = np.empty(0, dtype=np.int64)
        return NeedPairs(empty, empty, empty, empty, empty)
    return NeedPairs(*(np.concatenate([part[i] for part in parts]).astype(np.int64)
                       for i in range(5)))


def build_features(profile: Profile, arrays: CatalogArrays, cand: Candidates
                   ) -> tuple[np.ndarray, NeedPairs]:
    """The (pairs x features) matrix of one profile, in ``FEATURE_NAMES`` order."""
    return build_features_batch([profile], arrays, [cand])


def build_features_batch(profiles: list[Profile], arrays: CatalogArrays,
                         cands: list[Candidates]) -> tuple[np.ndarray, NeedPairs]:
    """Features of many profiles' (need, candidate) pairs, and which pair each row is.

    Only what depends on a profile's own needs and stack is computed profile by profile;
    everything else runs once over all pairs, with the profiles' numbers repeated per pair.
    ``build_features`` is this with one profile, so training, batches and ``suggest`` compute
    identical features.
    """
    pairs = need_pairs(profiles, arrays, cands)
    n = len(pairs)
    out = np.empty((len(FEATURES), n), dtype=np.float64)
    col = FEATURE_INDEX
    rows = pairs.rows
    S = arrays.static[:, rows]
    sizes = np.bincount(pairs.profile, minlength=len(profiles))

    def per_pair(values) -> np.ndarray:
        return np.repeat(np.asarray(values, dtype=np.float64), sizes)

    # --- what needs the profile's own needs and stack: a few products per profile
    other = np.full(n, np.nan)
    links = np.zeros(n)
    stack_size = np.zeros(len(profiles))
    same_kind = np.zeros(n)
    platform = np.zeros(n)
    in_sector = np.zeros(n, dtype=bool)
    goal_fit = np.full(n, np.nan)
    start = 0
    for k, (p, c) in enumerate(zip(profiles, cands, strict=True)):
        end = start + int(sizes[k])
        if end == start:
            continue
        sel = slice(start, end)
        pos, need = pairs.position[sel], pairs.need[sel]
        cols = arrays.need_columns(p)
        weights = np.array([x.weight for x in p.needs])
        if len(p.needs) > 1:
            # strength / 3 over the needs, unknown strengths counted as solid
            strength = np.nan_to_num(arrays.need_strength[np.ix_(c.rows, cols)], nan=2.0) / 3.0
            total = strength @ weights
            own = strength[pos, need] * weights[need]
            other[sel] = (total[pos] - own) / (weights.sum() - weights[need])
        if len(c.stack_rows):
            stack_size[k] = len(c.stack_rows)
            links[sel] = arrays.link_counts(c.stack_rows)[c.rows][pos]
            stack_main = arrays.main_cats[c.stack_rows].any(axis=0)
            same_kind[sel] = (arrays.main_cats[c.rows] & stack_main).any(axis=1)[pos]
            has_platform = arrays.has_platforms[c.rows]
            stack_platforms = np.isin(arrays.platform_ids, c.stack_rows)
            match = arrays.platform_matrix[c.rows][:, stack_platforms].any(axis=1) \
                if stack_platforms.any() else np.zeros(len(c.rows), dtype=bool)
            runs_platform = bool(stack_platforms.any())
            values = np.where(match, 1.0, np.where(has_platform & runs_platform, -1.0, 0.0))
            platform[sel] = values[pos]
        if p.sector is not None:
            in_sector[sel] = arrays.sectors[c.rows, arrays.sector_index[p.sector]][pos]
        if p.goals:
            goals = arrays.bit_mask(arrays.goal_index, p.goals)
            need_goals = arrays.need_goal_bits(p)  # (needs,) uint64
            tool_bits = np.zeros(len(c.rows), dtype=np.uint64)
            for j in range(len(p.needs)):
                tool_bits |= np.where(c.covers[:, j], need_goals[j], np.uint64(0))
            goal_fit[sel] = (popcount(tool_bits & np.uint64(goals)) / len(p.goals))[pos]
        start = end

    # --- the need itself
    out[col["need_strength"]] = arrays.need_strength[rows, pairs.need_col]
    out[col["need_home"]] = (arrays.main_cats[rows] & arrays.need_home_cats[pairs.need_col]
                             ).any(axis=1)
    out[col["plan_upgrade"]] = ~np.isnan(arrays.need_plan[rows, pairs.need_col])
    out[col["other_needs_fit"]] = other

    # --- cost at the client's size
    users = per_pair([p.users for p in profiles])
    contacts = per_pair([np.nan if p.contacts is None else p.contacts for p in profiles])
    cost, free_fits = pair_costs(arrays, rows, pairs.need_col, users, contacts)
    out[col["monthly_cost_eur"]] = cost
    budget = per_pair([np.nan if p.budget_eur_month is None else max(p.budget_eur_month, 1.0)
                       for p in profiles])
    out[col["cost_budget_ratio"]] = cost / budget
    out[col["free_plan_fits"]] = np.where(np.isnan(S[STATIC["free_plan"]]), np.nan, free_fits)
    out[col["price_unknown"]] = np.isnan(cost)
    out[col["presence"]] = S[STATIC["presence"]]
    out[col["platform_fit"]] = platform

    # --- the rest of the client's fit, once over all pairs
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
    out[col["main_category_in_stack"]] = same_kind
    out[col["sector_fit"]] = np.where(in_sector, 1.0, S[STATIC["generalist"]] - 1.0)
    out[col["goal_fit"]] = goal_fit
    out[col["per_user"]] = S[STATIC["per_user"]]
    out[col["self_hostable"]] = S[STATIC["self_hostable"]]
    out[col["popularity"]] = S[STATIC["popularity"]]
    return np.ascontiguousarray(out.T), pairs
